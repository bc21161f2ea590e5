r"""The layers of the transformer of *Attention Is All You Need* (Vaswani et al., 2017).

Everything is batch first: tokens are ``(B, L)`` integer tensors and activations are
``(B, L, d_model)``. Attention comes from :class:`dlbook.nn.attention.MultiHeadAttention`, whose
boolean masks are ``True`` where a query **may attend** to a key.

Pieces, in the order the chapter builds them:

* :class:`TokenEmbedding`, :class:`SinusoidalPositionalEncoding`,
  :class:`LearnedPositionalEmbedding`: tokens and positions to vectors;
* :class:`FeedForward`: the position-wise two-layer network;
* :class:`EncoderLayer`, :class:`DecoderLayer` and their stacks :class:`Encoder`,
  :class:`Decoder`, with post-norm (the paper) or pre-norm (GPT-2 and most models since).

Every layer and stack returns ``(output, weights)``, where ``weights`` is ``None`` unless
``need_weights=True``. The whole models built from these pieces have files of their own:
:mod:`dlbook.nn.encoder_decoder` (:class:`~dlbook.nn.encoder_decoder.Transformer`, for
translation), :mod:`dlbook.nn.gpt` (:class:`~dlbook.nn.gpt.GPT`) and :mod:`dlbook.nn.bert`
(:class:`~dlbook.nn.bert.BERT`).

Shapes use ``B`` batch, ``S`` source length, ``T`` target length, ``L`` any length,
``V`` vocabulary size, ``h`` heads.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nn._checks import positive_int, probability
from dlbook.nn.attention import MultiHeadAttention

__all__ = [
    "ACTIVATIONS",
    "LAYER_FIELDS",
    "Decoder",
    "DecoderLayer",
    "Encoder",
    "EncoderLayer",
    "FeedForward",
    "LearnedPositionalEmbedding",
    "SinusoidalPositionalEncoding",
    "TokenEmbedding",
    "layer_options",
    "residual",
    "sinusoidal_table",
]

#: The feed-forward activations by name.
ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


# ----------------------------------------------------------------------------- embeddings


class TokenEmbedding(nn.Module):
    r"""Token embedding scaled by :math:`\sqrt{d_\text{model}}`, as in the paper.

    .. math::

        e(w) = \sqrt{d_\text{model}}\; E_{w,:}, \qquad E \in \mathbb{R}^{V \times d_\text{model}}

    The scale keeps the embeddings on the same footing as the positional signal added to them
    when :math:`E` is initialised with small values.

    Parameters
    ----------
    vocab_size : int
        :math:`V`, the number of token ids.
    d_model : int
        Size of each embedding vector.
    padding_idx : int or None, default None
        Optional id whose embedding is kept at zero and receives no gradient.
    scale : bool, default True
        Multiply by :math:`\sqrt{d_\text{model}}` (default ``True``).
    """

    def __init__(
        self, vocab_size: int, d_model: int, padding_idx: int | None = None, scale: bool = True
    ):
        super().__init__()
        positive_int("vocab_size", vocab_size)
        positive_int("d_model", d_model)
        self.embedding = nn.Embedding(vocab_size, d_model, padding_idx=padding_idx)
        self.d_model = d_model
        self.scale = math.sqrt(d_model) if scale else 1.0

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.embedding(tokens) * self.scale  # (B, L) -> (B, L, d_model)


def sinusoidal_table(max_len: int, d_model: int) -> torch.Tensor:
    r"""The ``(max_len, d_model)`` table of sinusoidal position codes.

    .. math::

        PE_{p,\,2i} = \sin\!\left(p / 10000^{2i/d_\text{model}}\right), \qquad
        PE_{p,\,2i+1} = \cos\!\left(p / 10000^{2i/d_\text{model}}\right)
    """
    positive_int("max_len", max_len)
    positive_int("d_model", d_model)
    if d_model % 2:
        raise ValueError(
            f"sinusoidal codes pair a sine with a cosine: d_model must be even, got {d_model}"
        )
    position = torch.arange(max_len, dtype=torch.float32)[:, None]  # (max_len, 1)
    inv_freq = torch.exp(
        -math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model
    )  # (d_model / 2,)
    table = torch.zeros(max_len, d_model)
    table[:, 0::2] = torch.sin(position * inv_freq)  # (max_len, d_model / 2)
    table[:, 1::2] = torch.cos(position * inv_freq)
    return table


class SinusoidalPositionalEncoding(nn.Module):
    r"""Add fixed sinusoidal position codes (:func:`sinusoidal_table`) and apply dropout.

    .. math::

        \operatorname{PE}(X)_{p,:} = \operatorname{dropout}\big(X_{p,:} + PE_{p,:}\big)

    Parameters
    ----------
    d_model : int
        Feature size (even).
    max_len : int, default 512
        Longest sequence the table covers.
    dropout : float, default 0.0
        Dropout probability applied to the sum (the paper uses 0.1).
    """

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0):
        super().__init__()
        probability("dropout", dropout)
        self.register_buffer("table", sinusoidal_table(max_len, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)

    @property
    def max_len(self) -> int:
        return self.table.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        if length > self.max_len:
            raise ValueError(f"sequence of length {length} is longer than max_len={self.max_len}")
        return self.dropout(x + self.table[:length])  # (B, L, d_model)


class LearnedPositionalEmbedding(nn.Module):
    r"""Add a learned vector per position (BERT, GPT) and apply dropout.

    .. math::

        \operatorname{PE}(X)_{p,:} = \operatorname{dropout}\big(X_{p,:} + P_{p,:}\big),
        \qquad P \in \mathbb{R}^{\text{max\_len} \times d_\text{model}}

    Parameters
    ----------
    max_len : int
        Number of positions that get a vector; longer inputs are refused.
    d_model : int
        Feature size.
    dropout : float, default 0.0
        Dropout probability applied to the sum.
    """

    def __init__(self, max_len: int, d_model: int, dropout: float = 0.0):
        super().__init__()
        positive_int("max_len", max_len)
        positive_int("d_model", d_model)
        probability("dropout", dropout)
        self.embedding = nn.Embedding(max_len, d_model)
        self.dropout = nn.Dropout(dropout)

    @property
    def max_len(self) -> int:
        return self.embedding.num_embeddings

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Add the vectors of positions ``offset, ..., offset + L - 1`` to ``x`` ``(B, L, d)``
        (a non-zero ``offset`` continues a sequence, as a key-value cache needs)."""
        length = x.shape[1]
        if offset + length > self.max_len:
            raise ValueError(f"positions up to {offset + length} exceed max_len={self.max_len}")
        positions = torch.arange(offset, offset + length, device=x.device)  # (L,)
        return self.dropout(x + self.embedding(positions))  # (B, L, d_model)


# ----------------------------------------------------------------------------- feed-forward


class FeedForward(nn.Module):
    r"""Position-wise feed-forward network: the same two-layer MLP at every position.

    .. math::

        \operatorname{FFN}(x) = \phi(x W_1 + b_1)\, W_2 + b_2, \qquad
        W_1 \in \mathbb{R}^{d_\text{model} \times d_\text{ff}},\;
        W_2 \in \mathbb{R}^{d_\text{ff} \times d_\text{model}}

    with :math:`\phi` ReLU (the paper) or GELU (BERT, GPT). Dropout is applied to the hidden
    layer, as in :class:`torch.nn.TransformerEncoderLayer`.

    Parameters
    ----------
    d_model : int
        Input and output size.
    d_ff : int
        Hidden size (the paper uses :math:`4 d_\text{model}`).
    dropout : float, default 0.0
        Dropout probability on the hidden layer.
    activation : {"relu", "gelu"}, default "relu"
        ``"relu"`` or ``"gelu"``.
    bias : bool, default True
        Whether the two linear maps have biases.
    """

    def __init__(
        self,
        d_model: int,
        d_ff: int,
        dropout: float = 0.0,
        activation: str = "relu",
        bias: bool = True,
    ):
        super().__init__()
        positive_int("d_model", d_model)
        positive_int("d_ff", d_ff)
        probability("dropout", dropout)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation = activation
        self.linear1 = nn.Linear(d_model, d_ff, bias=bias)
        self.linear2 = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = ACTIVATIONS[self.activation](self.linear1(x))  # (B, L, d_ff)
        return self.linear2(self.dropout(hidden))  # (B, L, d_model)


# ----------------------------------------------------------------------------- layers


def residual(
    x: torch.Tensor,
    branch: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor | None]],
    norm: nn.Module,
    dropout: nn.Module,
    norm_first: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    r"""One residual sublayer around ``branch`` (attention or feed-forward).

    Post-norm: :math:`\operatorname{LN}(x + \operatorname{Dropout}(f(x)))`; pre-norm:
    :math:`x + \operatorname{Dropout}(f(\operatorname{LN} x))`. ``branch`` returns its output
    and attention weights (or ``None``); the weights are handed back unchanged.
    """
    if norm_first:
        out, weights = branch(norm(x))
        return x + dropout(out), weights
    out, weights = branch(x)
    return norm(x + dropout(out)), weights


def _no_weights(
    module: nn.Module,
) -> Callable[[torch.Tensor], tuple[torch.Tensor, None]]:
    return lambda z: (module(z), None)


class _Layer(nn.Module):
    """What an encoder and a decoder layer share: self-attention, (cross-attention,) a
    feed-forward network, and one layer norm and dropout per residual sublayer."""

    cross_attention: bool = False

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        activation: str = "relu",
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
        bias: bool = True,
    ):
        super().__init__()
        self.norm_first = norm_first
        # Created in this order (the random initial weights depend on it).
        self.self_attn = MultiHeadAttention(d_model, num_heads, dropout=dropout, bias=bias)
        if self.cross_attention:
            self.cross_attn = MultiHeadAttention(d_model, num_heads, dropout=dropout, bias=bias)
        self.feed_forward = FeedForward(d_model, d_ff, dropout, activation, bias=bias)
        for i in range(1, 4 if self.cross_attention else 3):
            setattr(self, f"norm{i}", nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
            setattr(self, f"dropout{i}", nn.Dropout(dropout))


class EncoderLayer(_Layer):
    r"""One encoder layer: self-attention then feed-forward, each in a residual block.

    Post-norm (the paper, ``norm_first=False``):

    .. math::

        h &= \operatorname{LN}_1\big(x + \operatorname{Dropout}(\operatorname{MHA}(x, x, x))\big) \\
        y &= \operatorname{LN}_2\big(h + \operatorname{Dropout}(\operatorname{FFN}(h))\big)

    Pre-norm (``norm_first=True``; Xiong et al., 2020):

    .. math::

        h &= x + \operatorname{Dropout}(\operatorname{MHA}(\operatorname{LN}_1 x)) \\
        y &= h + \operatorname{Dropout}(\operatorname{FFN}(\operatorname{LN}_2 h))

    With the same weights and ``batch_first=True`` this computes exactly what
    :class:`torch.nn.TransformerEncoderLayer` computes.

    Parameters
    ----------
    d_model, num_heads : int
        Feature size and number of attention heads.
    d_ff : int
        Hidden size of the feed-forward network.
    dropout : float, default 0.0
        Dropout on the attention weights, the feed-forward hidden layer and each residual branch.
    activation : {"relu", "gelu"}, default "relu"
        ``"relu"`` or ``"gelu"``.
    norm_first : bool, default False
        Pre-norm if ``True``, post-norm otherwise.
    layer_norm_eps : float, default 1e-5
        :math:`\epsilon` of the layer norms.
    bias : bool, default True
        Biases in the linear maps and layer norms.
    """

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Map ``x`` ``(B, L, d_model)`` to ``(B, L, d_model)``.

        ``mask`` (``True`` = may attend) is any shape :class:`MultiHeadAttention` accepts, for
        instance ``(B, 1, L)`` for padding or ``(L, L)`` for causal attention. Returns the
        output and, if ``need_weights``, the attention weights ``(B, h, L, L)``.
        """

        def attend(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
            return self.self_attn(z, z, z, mask=mask, need_weights=need_weights)

        x, weights = residual(x, attend, self.norm1, self.dropout1, self.norm_first)
        x, _ = residual(
            x, _no_weights(self.feed_forward), self.norm2, self.dropout2, self.norm_first
        )
        return x, weights  # (B, L, d_model), (B, h, L, L) or None


class DecoderLayer(_Layer):
    r"""One decoder layer: masked self-attention, cross-attention to the encoder, feed-forward.

    Post-norm (``norm_first=False``), with :math:`m` the encoder output ("memory"):

    .. math::

        h_1 &= \operatorname{LN}_1\big(y + \operatorname{SA}(y;\ M_\text{causal})\big) \\
        h_2 &= \operatorname{LN}_2\big(h_1 + \operatorname{CA}(h_1, m;\ M_\text{pad})\big) \\
        z &= \operatorname{LN}_3\big(h_2 + \operatorname{FFN}(h_2)\big)

    (dropout on each branch omitted); pre-norm moves each :math:`\operatorname{LN}` onto the
    branch input as in :class:`EncoderLayer`. Matches :class:`torch.nn.TransformerDecoderLayer`
    given the same weights.

    Parameters are those of :class:`EncoderLayer`.
    """

    cross_attention = True

    def forward(
        self,
        y: torch.Tensor,
        memory: torch.Tensor,
        self_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Map targets ``y`` ``(B, T, d_model)`` given ``memory`` ``(B, S, d_model)``.

        ``self_mask`` is usually causal, ``(T, T)`` or ``(B, T, T)``; ``memory_mask`` usually
        the source padding mask ``(B, 1, S)``. Returns the output ``(B, T, d_model)`` and, if
        ``need_weights``, the cross-attention weights ``(B, h, T, S)``.
        """

        def attend_self(z: torch.Tensor) -> tuple[torch.Tensor, None]:
            return self.self_attn(z, z, z, mask=self_mask)[0], None

        def attend_memory(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
            return self.cross_attn(z, memory, memory, mask=memory_mask, need_weights=need_weights)

        pre = self.norm_first
        y, _ = residual(y, attend_self, self.norm1, self.dropout1, pre)
        y, weights = residual(y, attend_memory, self.norm2, self.dropout2, pre)
        y, _ = residual(y, _no_weights(self.feed_forward), self.norm3, self.dropout3, pre)
        return y, weights  # (B, T, d_model), (B, h, T, S) or None


# ----------------------------------------------------------------------------- stacks


#: The arguments of :class:`EncoderLayer` and :class:`DecoderLayer` that a model's config holds.
LAYER_FIELDS = (
    "d_model",
    "num_heads",
    "d_ff",
    "dropout",
    "activation",
    "norm_first",
    "layer_norm_eps",
    "bias",
)


def layer_options(config: object, **overrides) -> dict:
    """The keyword arguments of a layer (or, after ``num_layers``, of a stack) read from a
    model config that names them as the layers do (:data:`LAYER_FIELDS`).

    ``overrides`` replace fields or supply those the config lacks, e.g. ``norm_first=True``
    for a config that is always pre-norm.
    """
    options = {name: getattr(config, name) for name in LAYER_FIELDS if name not in overrides}
    return {**options, **overrides}


class _LayerStack(nn.Module):
    """``num_layers`` copies of ``layer``, built with the arguments that follow ``num_layers``
    (those of the layer), plus the final layer norm of a pre-norm stack."""

    layer: type[_Layer]

    def __init__(self, num_layers: int, *layer_args, **layer_kwargs):
        super().__init__()
        positive_int("num_layers", num_layers)
        self.layers = nn.ModuleList(
            self.layer(*layer_args, **layer_kwargs) for _ in range(num_layers)
        )
        first = self.layers[0]  # a pre-norm stack ends with a norm like those of its layers
        self.norm = (
            nn.LayerNorm(
                first.norm1.normalized_shape, eps=first.norm1.eps, bias=first.norm1.bias is not None
            )
            if first.norm_first
            else nn.Identity()
        )

    def forward(
        self, x: torch.Tensor, *inputs, need_weights: bool = False, **options
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """Run ``x`` through the layers, each also given ``inputs`` and ``options`` (the rest of
        the layer's arguments), then the final norm; the weights of each layer if
        ``need_weights``."""
        all_weights = []
        for layer in self.layers:
            x, weights = layer(x, *inputs, need_weights=need_weights, **options)
            all_weights.append(weights)
        return self.norm(x), (all_weights if need_weights else None)


class Encoder(_LayerStack):
    r"""A stack of :class:`EncoderLayer`, with a final layer norm when pre-norm.

    .. math::

        \operatorname{Encoder}(x) = \operatorname{layer}_N \circ \dots \circ
        \operatorname{layer}_1(x)

    followed by :math:`\operatorname{LN}` if ``norm_first`` (a pre-norm stack would otherwise
    hand on an un-normalised residual stream). Arguments are those of :class:`EncoderLayer`
    plus ``num_layers``. Called as ``encoder(x, mask=None, need_weights=False)``, like the
    layer: ``(B, L, d_model)`` to ``(B, L, d_model)``, and the weights of each layer if
    ``need_weights``.
    """

    layer = EncoderLayer


class Decoder(_LayerStack):
    """A stack of :class:`DecoderLayer`, with a final layer norm when pre-norm.

    Arguments are those of :class:`DecoderLayer` plus ``num_layers``. Called as
    ``decoder(y, memory, self_mask=None, memory_mask=None, need_weights=False)``, like the
    layer: ``(B, T, d_model)`` to ``(B, T, d_model)``, and the cross-attention weights of each
    layer if ``need_weights``.
    """

    layer = DecoderLayer
