r"""A BERT body: the encoder-only, bidirectional transformer (Devlin et al., 2019).

:class:`BERT` embeds tokens and positions and runs an :class:`~dlbook.nn.transformer.Encoder`
stack in which every position attends to every real token; heads for masked-language modelling
or classification go on top of the states it returns. :class:`BERTConfig` holds every choice that
defines it and is kept on the model as ``model.config``, so that ``BERT(model.config)`` rebuilds
the architecture of a checkpoint.

Shapes use ``B`` batch, ``L`` sequence length, ``h`` heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlbook.nn._checks import positive_int
from dlbook.nn.attention import padding_mask
from dlbook.nn.transformer import (
    ACTIVATIONS,
    Encoder,
    LearnedPositionalEmbedding,
    layer_options,
)

__all__ = ["BERT", "BERTConfig"]


@dataclass
class BERTConfig:
    """Everything that defines a :class:`BERT` (defaults: a small model for one CPU).

    Attributes
    ----------
    vocab_size : int
        Number of token ids.
    max_len : int
        Number of learned positions (the longest input).
    d_model : int, default 128
        Width.
    num_heads : int, default 4
        Attention heads.
    num_layers : int, default 2
        Depth.
    d_ff : int, default 512
        Hidden size of the feed-forward networks.
    dropout : float, default 0.1
        Dropout on the embeddings, attention weights, feed-forward hidden layers and residual
        branches.
    pad_id : int, default 0
        Padding id: its embedding is zero and it is masked out as a key.
    activation : {"gelu", "relu"}, default "gelu"
        Activation of the feed-forward networks (BERT uses GELU).
    norm_first : bool, default True
        Pre-norm (trains more easily at small scale) or BERT's post-norm.
    layer_norm_eps : float, default 1e-5
        :math:`\\epsilon` of every layer norm (BERT used 1e-12).
    bias : bool, default True
        Biases in the linear maps and layer norms.
    """

    vocab_size: int
    max_len: int
    d_model: int = 128
    num_heads: int = 4
    num_layers: int = 2
    d_ff: int = 512
    dropout: float = 0.1
    pad_id: int = 0
    activation: str = "gelu"
    norm_first: bool = True
    layer_norm_eps: float = 1e-5
    bias: bool = True

    def __post_init__(self) -> None:
        positive_int("vocab_size", self.vocab_size)
        positive_int("max_len", self.max_len)
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )


class BERT(nn.Module):
    r"""The body of a BERT: embeddings, learned positions and a bidirectional encoder stack.

    .. math::

        h^{(0)} = \operatorname{Dropout}\big(\operatorname{LN}(E_{x} + P)\big), \qquad
        h = \operatorname{Encoder}\big(h^{(0)};\ M_\text{pad}\big)

    Every position attends to every real (non-padding) token in both directions. Matrices
    start at :math:`\mathcal N(0, 0.02^2)`, the padding embedding at zero.

    Parameters
    ----------
    config : BERTConfig
        The architecture, kept as ``self.config``.
    """

    def __init__(self, config: BERTConfig):
        super().__init__()
        if not isinstance(config, BERTConfig):
            raise TypeError(f"BERT takes a BERTConfig, got {type(config).__name__}")
        self.config = c = config
        self.token_embed = nn.Embedding(c.vocab_size, c.d_model, padding_idx=c.pad_id)
        self.positions = LearnedPositionalEmbedding(c.max_len, c.d_model)
        self.embed_norm = nn.LayerNorm(c.d_model, eps=c.layer_norm_eps, bias=c.bias)
        self.embed_dropout = nn.Dropout(c.dropout)
        self.encoder = Encoder(c.num_layers, **layer_options(c))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, mean=0.0, std=0.02)
        with torch.no_grad():
            self.token_embed.weight[c.pad_id].zero_()

    @property
    def d_model(self) -> int:
        """Width of the states (``config.d_model``)."""
        return self.config.d_model

    @property
    def pad_id(self) -> int:
        """Padding id (``config.pad_id``)."""
        return self.config.pad_id

    def encode(
        self, tokens: torch.Tensor, need_weights: bool = False
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """States ``(B, L, d_model)`` for ids ``(B, L)``, and the attention weights.

        Returns ``(states, weights)``: ``weights`` is the list of self-attention weights
        ``(B, h, L, L)``, one per layer, if ``need_weights``, else ``None``.
        """
        mask = padding_mask(tokens != self.pad_id)  # (B, 1, L)
        x = self.embed_dropout(self.embed_norm(self.positions(self.token_embed(tokens))))
        return self.encoder(x, mask, need_weights=need_weights)  # (B, L, d_model), weights

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """States ``(B, L, d_model)`` for ids ``(B, L)`` (:meth:`encode` without weights)."""
        states, _ = self.encode(tokens)
        return states
