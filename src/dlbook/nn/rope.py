r"""Rotary position embeddings (RoPE; Su et al., 2021/2024).

Instead of adding a position vector to the token embedding, RoPE *rotates* the queries and keys
of every attention head by an angle proportional to their position. The features of a head of
size :math:`d` are taken in pairs :math:`(x_{2i}, x_{2i+1})`, :math:`i = 0, \dots, d/2 - 1`,
and the pair at position :math:`p` is rotated by :math:`p\,\theta_i`:

.. math::

    \begin{pmatrix} x'_{2i} \\ x'_{2i+1} \end{pmatrix} =
    \begin{pmatrix} \cos p\theta_i & -\sin p\theta_i \\ \sin p\theta_i & \cos p\theta_i
    \end{pmatrix}
    \begin{pmatrix} x_{2i} \\ x_{2i+1} \end{pmatrix},
    \qquad \theta_i = b^{-2i/d},

with base :math:`b` = 10000. A rotation preserves lengths, and the dot product of a query
rotated to position :math:`m` with a key rotated to position :math:`n` depends on the positions
only through :math:`m - n`: :math:`\langle R_m q, R_n k\rangle = \langle q, R_{n-m} k\rangle`.
Attention scores therefore see *relative* positions, and no position table limits the length.

The pairs here are adjacent features, as in the paper; some libraries pair feature :math:`i` with
:math:`i + d/2` instead, which is the same method up to a fixed permutation of the features.
"""

from __future__ import annotations

import torch
from torch import nn

from dlbook.nn._checks import positive_int

__all__ = ["RotaryEmbedding", "apply_rope", "rope_angles"]


def rope_angles(positions: torch.Tensor, dim: int, base: float = 10000.0) -> torch.Tensor:
    r"""The rotation angles :math:`p\,\theta_i`, shape ``(len(positions), dim // 2)``."""
    positive_int("dim", dim)
    if dim % 2:
        raise ValueError(f"RoPE rotates pairs of features: dim must be even, got {dim}")
    exponents = torch.arange(0, dim, 2, dtype=torch.float32, device=positions.device) / dim
    inv_freq = base**-exponents  # (dim / 2,): theta_i
    return positions.to(torch.float32)[:, None] * inv_freq  # (T, dim / 2)


def apply_rope(x: torch.Tensor, positions: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """Rotate the feature pairs of ``x`` ``(..., T, d)`` by the angles of ``positions`` ``(T,)``."""
    if x.shape[-2] != positions.shape[0]:
        raise ValueError(
            f"x has {x.shape[-2]} positions on its second-to-last axis, positions has "
            f"{positions.shape[0]}"
        )
    angles = rope_angles(positions, x.shape[-1], base)  # (T, d / 2)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]  # (..., T, d / 2) each
    rotated = torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1)
    return rotated.flatten(-2)  # (..., T, d): pairs back in place


class RotaryEmbedding(nn.Module):
    """:func:`apply_rope` as a module: ``rotary(x, start)`` rotates ``x`` ``(B, h, T, d)`` as
    positions ``start, ..., start + T - 1``.

    Parameters
    ----------
    head_dim:
        Feature size of each head (even).
    base:
        :math:`b` in :math:`\\theta_i = b^{-2i/d}`.
    """

    def __init__(self, head_dim: int, base: float = 10000.0):
        super().__init__()
        positive_int("head_dim", head_dim)
        if head_dim % 2:
            raise ValueError(f"RoPE needs an even head_dim, got {head_dim}")
        self.head_dim = head_dim
        self.base = base

    def extra_repr(self) -> str:
        return f"head_dim={self.head_dim}, base={self.base:g}"

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        positions = torch.arange(start, start + x.shape[-2], device=x.device)  # (T,)
        return apply_rope(x, positions, self.base)
