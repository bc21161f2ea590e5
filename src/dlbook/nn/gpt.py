r"""A GPT: the decoder-only, causal transformer language model (Radford et al., 2018, 2019).

:class:`GPT` stacks pre-norm :class:`~dlbook.nn.transformer.EncoderLayer` blocks (self-attention
only) under a causal mask and predicts the next token; :class:`GPTConfig` holds every choice that
defines it and is kept on the model as ``model.config``, so that ``GPT(model.config)`` rebuilds
the architecture of a checkpoint. Positions are learned vectors (GPT-2) or rotations of the
queries and keys (RoPE, :mod:`dlbook.nn.rope`); generation can keep the keys and values of the
past in a :class:`~dlbook.nn.kv_cache.KVCache` instead of recomputing them at every step.

Shapes use ``B`` batch, ``T`` context length, ``V`` vocabulary size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlbook.nn._checks import positive_int
from dlbook.nn.attention import causal_mask
from dlbook.nn.kv_cache import KVCache, cached_layer
from dlbook.nn.rope import RotaryEmbedding
from dlbook.nn.sampling import sample_next
from dlbook.nn.transformer import (
    ACTIVATIONS,
    EncoderLayer,
    LearnedPositionalEmbedding,
    layer_options,
)

__all__ = ["GPT", "GPTConfig"]


@dataclass
class GPTConfig:
    """Everything that defines a :class:`GPT` (defaults: a small character-level model).

    Attributes
    ----------
    vocab_size : int
        Number of token ids.
    block_size : int
        Longest context (the number of learned positions).
    d_model : int, default 128
        Width.
    num_heads : int, default 4
        Attention heads.
    num_layers : int, default 4
        Depth.
    d_ff : int or None, default None
        Feed-forward hidden size; ``None`` means :math:`4 d_\\text{model}` (GPT-2), and is
        replaced by that number when the config is made.
    dropout : float, default 0.0
        Dropout on the embeddings, attention weights, feed-forward hidden layers and residual
        branches.
    bias : bool, default True
        Biases in the linear maps and layer norms (nanoGPT's ``bias=False`` drops them).
    activation : {"gelu", "relu"}, default "gelu"
        Activation of the feed-forward networks.
    layer_norm_eps : float, default 1e-5
        :math:`\\epsilon` of every layer norm.
    positional : {"learned", "rope"}, default "learned"
        Learned position vectors added to the embeddings (GPT-2), or rotary position
        embeddings applied to every head's queries and keys (RoPE).
    rope_base : float, default 10000.0
        Base of the RoPE frequencies.
    """

    vocab_size: int
    block_size: int
    d_model: int = 128
    num_heads: int = 4
    num_layers: int = 4
    d_ff: int | None = None
    dropout: float = 0.0
    bias: bool = True
    activation: str = "gelu"
    layer_norm_eps: float = 1e-5
    positional: str = "learned"
    rope_base: float = 10000.0

    def __post_init__(self) -> None:
        positive_int("vocab_size", self.vocab_size)
        positive_int("block_size", self.block_size)
        positive_int("num_layers", self.num_layers)
        if self.d_ff is None:
            self.d_ff = 4 * self.d_model
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.positional not in ("learned", "rope"):
            raise ValueError(f"positional must be 'learned' or 'rope', got {self.positional!r}")


class GPT(nn.Module):
    r"""A GPT: a causal, pre-norm transformer that predicts the next token.

    .. math::

        h^{(0)} &= E_{x_{1:T}} + P_{1:T} \\
        h^{(\ell)} &= \operatorname{layer}_\ell\big(h^{(\ell-1)};\ M_\text{causal}\big) \\
        p(x_{t+1} \mid x_{\le t}) &= \operatorname{softmax}\big(\operatorname{LN}(h^{(N)}_t)\,
        E^\top\big)

    Each layer is an :class:`~dlbook.nn.transformer.EncoderLayer` (self-attention only, no
    cross-attention) run pre-norm with a causal mask, as in GPT-2 and nanoGPT; the output
    projection shares the token embedding matrix :math:`E`. Weights start at
    :math:`\mathcal N(0, 0.02^2)`, the output maps of each residual branch at
    :math:`\mathcal N(0, 0.02^2 / 2N)` for :math:`N` layers (GPT-2); biases start at zero.

    Parameters
    ----------
    config : GPTConfig
        The architecture, kept as ``self.config``.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT takes a GPTConfig, got {type(config).__name__}")
        self.config = c = config
        self.token_embed = nn.Embedding(c.vocab_size, c.d_model)
        if c.positional == "learned":
            self.positions = LearnedPositionalEmbedding(c.block_size, c.d_model, c.dropout)
            self.rotary = None
        else:
            self.embed_dropout = nn.Dropout(c.dropout)
            self.rotary = RotaryEmbedding(c.d_model // c.num_heads, c.rope_base)
        self.layers = nn.ModuleList(
            EncoderLayer(**layer_options(c, norm_first=True)) for _ in range(c.num_layers)
        )
        self.norm = nn.LayerNorm(c.d_model, eps=c.layer_norm_eps, bias=c.bias)
        self.lm_head = nn.Linear(c.d_model, c.vocab_size, bias=False)
        self.lm_head.weight = self.token_embed.weight  # weight tying
        for name, p in self.named_parameters():
            if p.dim() > 1:
                # Residual-branch outputs are scaled down with depth (GPT-2).
                last = name.endswith(("out_proj.weight", "linear2.weight"))
                std = 0.02 / math.sqrt(2 * c.num_layers) if last else 0.02
                nn.init.normal_(p, mean=0.0, std=std)
            elif name.endswith("bias") and "norm" not in name:
                nn.init.zeros_(p)

    @property
    def block_size(self) -> int:
        """Longest context (``config.block_size``)."""
        return self.config.block_size

    def new_cache(self) -> KVCache:
        """An empty :class:`~dlbook.nn.kv_cache.KVCache` for this model's layers."""
        return KVCache(len(self.layers))

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Logits ``(B, T, V)`` for token ids ``(B, T)``.

        Without ``cache`` the ids are a whole context (``T <= block_size``). With a ``cache``
        they continue the positions already in it (``len(cache)`` of them): their keys and
        values are appended to the cache, and each attends to every earlier position, so
        feeding a sequence in pieces gives the same logits as feeding it at once.
        """
        start = 0 if cache is None else len(cache)
        length = idx.shape[1]
        if start + length > self.block_size:
            raise ValueError(
                f"context of {start + length} tokens exceeds block_size={self.block_size}"
            )
        x = self.token_embed(idx)  # (B, T, d_model)
        # Learned positions are added to the embeddings; RoPE acts inside attention instead.
        x = self.positions(x, offset=start) if self.rotary is None else self.embed_dropout(x)
        if cache is None and self.rotary is None:
            mask = causal_mask(length, idx.device)  # (T, T)
            for layer in self.layers:
                x, _ = layer(x, mask=mask)
        else:
            for index, layer in enumerate(self.layers):
                x = cached_layer(layer, x, start, cache, index, self.rotary)
        return self.lm_head(self.norm(x))  # (B, T, V)

    @torch.no_grad()
    def generate(
        self,
        idx: torch.Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
        top_p: float | None = None,
        use_cache: bool = False,
    ) -> torch.Tensor:
        r"""Extend ``idx`` ``(B, T)`` by sampling ``max_new_tokens`` tokens.

        Each step samples from :math:`\operatorname{softmax}(z / \tau)` for logits :math:`z`
        and temperature :math:`\tau`, optionally restricted to the ``top_k`` largest logits
        and/or the nucleus of probability ``top_p`` (:func:`dlbook.nn.sampling.sample_next`).
        ``temperature=0`` picks the arg-max (greedy).

        Without a cache every step runs the model on the last ``block_size`` tokens. With
        ``use_cache=True`` the prompt is run once and every later step feeds only the newest
        token, reading the keys and values of the past from a
        :class:`~dlbook.nn.kv_cache.KVCache`; the whole sequence must then fit in
        ``block_size``.
        """
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        if use_cache and idx.shape[1] + max_new_tokens > self.block_size:
            raise ValueError(
                f"with use_cache the prompt ({idx.shape[1]}) and the new tokens "
                f"({max_new_tokens}) must fit in block_size={self.block_size}"
            )
        was_training = self.training
        self.eval()
        cache = self.new_cache() if use_cache else None
        step_input = idx
        for _ in range(max_new_tokens):
            if cache is None:
                logits = self(idx[:, -self.block_size :])[:, -1]  # (B, V)
            else:
                logits = self(step_input, cache)[:, -1]  # (B, V): only the new positions run
            next_id = sample_next(logits, temperature, top_k, top_p, generator)  # (B, 1)
            idx = torch.cat([idx, next_id], dim=1)
            step_input = next_id
        self.train(was_training)
        return idx
