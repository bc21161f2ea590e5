"""What the graph layers with a weight matrix (:class:`~dlbook.nn.gcn.GCNConv`,
:class:`~dlbook.nn.gat.GATConv`) share: the papers' Glorot initialisation and the transform of
dense or sparse node features."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def glorot_uniform_(param: Tensor) -> Tensor:
    r"""Fill ``param`` in place from :math:`U(-b, b)`, :math:`b = \sqrt{6 / (n_\text{in} +
    n_\text{out})}`, with :math:`n_\text{in}, n_\text{out}` its last two sizes (Glorot and
    Bengio, 2010; PyTorch Geometric's ``glorot``)."""
    bound = math.sqrt(6.0 / (param.shape[-2] + param.shape[-1]))
    return nn.init.uniform_(param, -bound, bound)


def transform_features(x: Tensor, weight: Tensor) -> Tensor:
    """``x @ weight`` for node features ``x`` ``(N, F_in)``, dense or sparse COO, and a weight
    ``(F_in, F_out)``; raises ``ValueError`` if ``x`` is not ``(N, F_in)``."""
    if x.dim() != 2 or x.size(1) != weight.size(0):
        raise ValueError(f"x must have shape (N, {weight.size(0)}), got {tuple(x.shape)}")
    return torch.sparse.mm(x, weight) if x.is_sparse else x @ weight  # (N, F_out)
