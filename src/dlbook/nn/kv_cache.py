r"""A key-value cache for causal self-attention: generate one token at a time without
recomputing the past.

In a causal transformer the key and value of position :math:`s` in layer :math:`\ell` depend only
on tokens :math:`\le s`, so they never change once computed. Generating token :math:`t + 1` needs
the query of position :math:`t` only, attending to the keys and values of positions
:math:`1, \dots, t`. Keeping those in a cache turns each generation step from a forward pass over
the whole prefix, :math:`O(t\,d^2 + t^2 d)` per layer, into one over a single position,
:math:`O(d^2 + t\,d)`; generating :math:`T` tokens costs :math:`O(T^2 d)` instead of
:math:`O(T^2 d^2 + T^3 d)`.

* :class:`KVCache` holds the keys and values ``(B, h, S, d_k)`` of every layer;
* :func:`cached_self_attention` runs a :class:`~dlbook.nn.attention.MultiHeadAttention`'s
  projections on the new positions, appends their keys and values to the cache, and attends from
  the new queries to every cached position (optionally rotating queries and keys with RoPE);
* :func:`cached_layer` runs a whole :class:`~dlbook.nn.transformer.EncoderLayer` that way.

:class:`dlbook.nn.gpt.GPT` uses them in ``forward(idx, cache=...)`` and
``generate(..., use_cache=True)``.
"""

from __future__ import annotations

import torch

from dlbook.nn.attention import MultiHeadAttention, scaled_dot_product_attention
from dlbook.nn.rope import RotaryEmbedding
from dlbook.nn.transformer import EncoderLayer, residual

__all__ = ["KVCache", "cached_layer", "cached_self_attention"]


class KVCache:
    """The keys and values of the positions processed so far, one pair of tensors per layer.

    Parameters
    ----------
    num_layers:
        Number of attention layers that share the cache.
    """

    def __init__(self, num_layers: int):
        self.keys: list[torch.Tensor | None] = [None] * num_layers
        self.values: list[torch.Tensor | None] = [None] * num_layers

    def __len__(self) -> int:
        """Number of positions cached (the same in every layer once a step is complete)."""
        return 0 if self.keys[0] is None else self.keys[0].shape[2]

    def update(
        self, layer: int, keys: torch.Tensor, values: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Append ``keys``/``values`` ``(B, h, T, d_k)`` to layer ``layer``; return all of them
        ``(B, h, S + T, d_k)``."""
        if self.keys[layer] is not None:
            keys = torch.cat([self.keys[layer], keys], dim=2)
            values = torch.cat([self.values[layer], values], dim=2)
        self.keys[layer], self.values[layer] = keys, values
        return keys, values


def cached_self_attention(
    attn: MultiHeadAttention,
    x: torch.Tensor,
    start: int = 0,
    cache: KVCache | None = None,
    layer: int = 0,
    rotary: RotaryEmbedding | None = None,
) -> torch.Tensor:
    r"""Causal self-attention of new positions ``start, ..., start + T - 1`` given the cache.

    Parameters
    ----------
    attn:
        The attention module whose projections (and dropout) are used.
    x:
        Inputs of the new positions ``(B, T, d_model)``.
    start:
        Absolute position of ``x[:, 0]`` (the number of positions already cached).
    cache, layer:
        Where earlier keys and values are kept; ``None`` attends among ``x`` only.
    rotary:
        Rotate queries and keys by their absolute positions (RoPE) before attending.

    Returns
    -------
    ``(B, T, d_model)``: query :math:`t` attends to every position :math:`\le` start + t.
    """
    q = attn._split_heads(attn.q_proj(x))  # (B, h, T, d_k)
    k = attn._split_heads(attn.k_proj(x))  # (B, h, T, d_k)
    v = attn._split_heads(attn.v_proj(x))  # (B, h, T, d_k)
    if rotary is not None:
        q, k = rotary(q, start), rotary(k, start)
    if cache is not None:
        cached = 0 if cache.keys[layer] is None else cache.keys[layer].shape[2]
        if cached != start:
            raise ValueError(f"layer {layer} has {cached} cached positions, but start={start}")
        k, v = cache.update(layer, k, v)  # (B, h, S, d_k), S = start + T
    length, total = q.shape[2], k.shape[2]
    mask = torch.ones(length, total, dtype=torch.bool, device=x.device).tril(total - length)
    heads, _ = scaled_dot_product_attention(
        q, k, v, mask=mask, dropout_p=attn.dropout, training=attn.training
    )  # (B, h, T, d_k)
    b = x.shape[0]
    return attn.out_proj(heads.transpose(1, 2).reshape(b, length, attn.d_model))  # (B, T, d)


def cached_layer(
    layer: EncoderLayer,
    x: torch.Tensor,
    start: int = 0,
    cache: KVCache | None = None,
    index: int = 0,
    rotary: RotaryEmbedding | None = None,
) -> torch.Tensor:
    """One :class:`~dlbook.nn.transformer.EncoderLayer` run causally on new positions with
    :func:`cached_self_attention` (same weights, same residual blocks and norms).

    ``x`` is ``(B, T, d_model)`` for positions ``start, ...``; ``index`` names the layer in the
    cache.
    """

    def attend(z: torch.Tensor) -> tuple[torch.Tensor, None]:
        return cached_self_attention(layer.self_attn, z, start, cache, index, rotary), None

    def feed_forward(z: torch.Tensor) -> tuple[torch.Tensor, None]:
        return layer.feed_forward(z), None

    x, _ = residual(x, attend, layer.norm1, layer.dropout1, layer.norm_first)
    x, _ = residual(x, feed_forward, layer.norm2, layer.dropout2, layer.norm_first)
    return x  # (B, T, d_model)
