r"""The encoder-decoder transformer of *Attention Is All You Need* (Vaswani et al., 2017).

:class:`Transformer` assembles the layers of :mod:`dlbook.nn.transformer` into a model for
sequence-to-sequence tasks such as translation; :class:`TransformerConfig` holds every choice
that defines it, and is kept on the model as ``model.config`` so that ``Transformer(model.config)``
rebuilds the same architecture (load a ``state_dict`` into it to restore the weights).

Shapes use ``B`` batch, ``S`` source length, ``T`` target length, ``V`` target vocabulary size,
``h`` heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlbook.nn._checks import positive_int
from dlbook.nn.attention import causal_mask, padding_mask
from dlbook.nn.transformer import (
    ACTIVATIONS,
    Decoder,
    Encoder,
    LearnedPositionalEmbedding,
    SinusoidalPositionalEncoding,
    TokenEmbedding,
    layer_options,
)

__all__ = ["Transformer", "TransformerConfig"]

POSITIONAL = ("sinusoidal", "learned")


@dataclass
class TransformerConfig:
    """Everything that defines a :class:`Transformer` (defaults: the paper's base model).

    Attributes
    ----------
    src_vocab_size, tgt_vocab_size : int
        Vocabulary sizes of the two languages.
    d_model : int, default 512
        Model width.
    num_heads : int, default 8
        Attention heads (``d_model`` must be divisible by it).
    num_encoder_layers, num_decoder_layers : int, default 6
        Depth of the two stacks.
    d_ff : int, default 2048
        Hidden size of the feed-forward networks.
    dropout : float, default 0.1
        Dropout on the attention weights, the feed-forward hidden layers, every residual
        branch and the embeddings.
    max_len : int, default 512
        Longest sequence the positional encoding covers.
    pad_id : int, default 0
        Id of the padding token in both vocabularies.
    norm_first : bool, default False
        Pre-norm instead of the paper's post-norm.
    positional : {"sinusoidal", "learned"}, default "sinusoidal"
        Fixed sinusoidal codes (the paper) or learned position vectors.
    tie_embeddings : bool, default False
        Share the target embedding matrix with the output projection.
    activation : {"relu", "gelu"}, default "relu"
        Activation of the feed-forward networks.
    layer_norm_eps : float, default 1e-5
        :math:`\\epsilon` of every layer norm.
    bias : bool, default True
        Biases in the linear maps (output projection included) and layer norms.
    """

    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 512
    num_heads: int = 8
    num_encoder_layers: int = 6
    num_decoder_layers: int = 6
    d_ff: int = 2048
    dropout: float = 0.1
    max_len: int = 512
    pad_id: int = 0
    norm_first: bool = False
    positional: str = "sinusoidal"
    tie_embeddings: bool = False
    activation: str = "relu"
    layer_norm_eps: float = 1e-5
    bias: bool = True

    def __post_init__(self) -> None:
        positive_int("src_vocab_size", self.src_vocab_size)
        positive_int("tgt_vocab_size", self.tgt_vocab_size)
        if self.positional not in POSITIONAL:
            raise ValueError(
                f"positional must be 'sinusoidal' or 'learned', got {self.positional!r}"
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )


def _xavier_init(module: nn.Module) -> None:
    # Glorot-uniform for every matrix (embeddings included), as in the paper's reference code.
    for p in module.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)


class Transformer(nn.Module):
    r"""Encoder-decoder transformer for sequence-to-sequence tasks such as translation.

    .. math::

        m &= \operatorname{Encoder}\big(\operatorname{PE}(e_\text{src}(x))\big) \\
        p(y_t \mid y_{<t}, x) &= \operatorname{softmax}\Big(
            \operatorname{Decoder}\big(\operatorname{PE}(e_\text{tgt}(y_{<t})), m\big)_t\,
            W_\text{out} + b_\text{out}\Big)

    The encoder masks source padding; the decoder masks padding and the future (causal mask).
    Every matrix starts Glorot-uniform, as in the paper's reference code; the padding
    embeddings start (and stay) at zero.

    Parameters
    ----------
    config : TransformerConfig
        The architecture, kept as ``self.config``.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        if not isinstance(config, TransformerConfig):
            raise TypeError(f"Transformer takes a TransformerConfig, got {type(config).__name__}")
        self.config = c = config
        self.src_embed = TokenEmbedding(c.src_vocab_size, c.d_model, padding_idx=c.pad_id)
        self.tgt_embed = TokenEmbedding(c.tgt_vocab_size, c.d_model, padding_idx=c.pad_id)
        if c.positional == "sinusoidal":
            self.src_pos = SinusoidalPositionalEncoding(c.d_model, c.max_len, c.dropout)
            self.tgt_pos = SinusoidalPositionalEncoding(c.d_model, c.max_len, c.dropout)
        else:
            self.src_pos = LearnedPositionalEmbedding(c.max_len, c.d_model, c.dropout)
            self.tgt_pos = LearnedPositionalEmbedding(c.max_len, c.d_model, c.dropout)
        self.encoder = Encoder(c.num_encoder_layers, **layer_options(c))
        self.decoder = Decoder(c.num_decoder_layers, **layer_options(c))
        # Logits over the target vocabulary.
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size, bias=c.bias)
        _xavier_init(self)
        with torch.no_grad():  # the padding vectors stay zero after re-initialisation
            self.src_embed.embedding.weight[c.pad_id].zero_()
            self.tgt_embed.embedding.weight[c.pad_id].zero_()
        if c.tie_embeddings:
            self.generator.weight = self.tgt_embed.embedding.weight

    @property
    def pad_id(self) -> int:
        """Id of the padding token (``config.pad_id``)."""
        return self.config.pad_id

    def source_mask(self, src: torch.Tensor) -> torch.Tensor:
        """Padding mask ``(B, 1, S)``: ``True`` at real source tokens."""
        return padding_mask(src != self.pad_id)  # (B, 1, S)

    def target_mask(self, tgt: torch.Tensor) -> torch.Tensor:
        """Padding and causal mask ``(B, T, T)``: position ``t`` sees real tokens ``<= t``."""
        return padding_mask(tgt != self.pad_id) & causal_mask(tgt.shape[1], tgt.device)

    def encode(
        self, src: torch.Tensor, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor] | None]:
        """Source ids ``(B, S)`` to the memory ``(B, S, d_model)`` and its mask ``(B, 1, S)``.

        Returns ``(memory, src_mask, weights)``: ``weights`` is the list of the encoder's
        self-attention weights ``(B, h, S, S)``, one per layer, if ``need_weights``, else
        ``None``.
        """
        src_mask = self.source_mask(src)
        x = self.src_pos(self.src_embed(src))  # (B, S, d_model)
        memory, weights = self.encoder(x, src_mask, need_weights=need_weights)
        return memory, src_mask, weights

    def decode(
        self,
        tgt: torch.Tensor,
        memory: torch.Tensor,
        src_mask: torch.Tensor,
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """Target prefix ids ``(B, T)`` to logits ``(B, T, V)``.

        Returns ``(logits, weights)``: ``weights`` is the list of cross-attention weights
        ``(B, h, T, S)``, one per layer, if ``need_weights``, else ``None``.
        """
        y = self.tgt_pos(self.tgt_embed(tgt))  # (B, T, d_model)
        y, weights = self.decoder(
            y, memory, self.target_mask(tgt), src_mask, need_weights=need_weights
        )
        return self.generator(y), weights  # (B, T, V)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits ``(B, T, V)`` for source ``(B, S)`` and target inputs ``(B, T)``.

        The target inputs are the reference shifted right (they start with ``<bos>``).
        """
        memory, src_mask, _ = self.encode(src)
        logits, _ = self.decode(tgt, memory, src_mask)
        return logits

    @torch.no_grad()
    def greedy_decode(
        self, src: torch.Tensor, bos_id: int, eos_id: int, max_len: int = 50
    ) -> torch.Tensor:
        """Translate a batch greedily, one token at a time.

        Returns ids ``(B, T')`` without the leading ``bos_id``; every position after a
        sequence's ``eos_id`` holds ``pad_id``. Stops when all sequences ended or after
        ``max_len`` tokens.
        """
        positive_int("max_len", max_len)
        was_training = self.training
        self.eval()
        memory, src_mask, _ = self.encode(src)  # encode once, reuse at every step
        batch = src.shape[0]
        ys = torch.full((batch, 1), bos_id, dtype=torch.long, device=src.device)  # (B, 1)
        finished = torch.zeros(batch, dtype=torch.bool, device=src.device)
        for _ in range(max_len):
            logits, _ = self.decode(ys, memory, src_mask)  # (B, t, V)
            next_token = logits[:, -1].argmax(dim=-1)  # (B,)
            next_token = next_token.masked_fill(finished, self.pad_id)
            ys = torch.cat([ys, next_token[:, None]], dim=1)  # (B, t + 1)
            finished |= next_token == eos_id
            if finished.all():
                break
        self.train(was_training)
        return ys[:, 1:]
