r"""Readout: one vector per graph from the node vectors of a batch of graphs.

A batch of graphs (see :func:`dlbook.graphs.batch_graphs`) keeps a ``batch`` vector that says
which graph each node belongs to. A readout reduces the rows of each graph to one row:

.. math::

    h_G^{\text{sum}} = \sum_{i \in G} h_i, \qquad
    h_G^{\text{mean}} = \frac{1}{|G|} \sum_{i \in G} h_i, \qquad
    h_G^{\text{max}} = \max_{i \in G} h_i \ \text{(elementwise)}.

``tests/test_nn_pooling.py`` checks them against ``torch_geometric.nn.global_*_pool``.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["global_add_pool", "global_max_pool", "global_mean_pool"]


def _check(x: Tensor, batch: Tensor, num_graphs: int | None) -> int:
    if x.dim() != 2:
        raise ValueError(f"x must have shape (N, F), got {tuple(x.shape)}")
    if batch.shape != (x.size(0),):
        raise ValueError(f"batch must have shape ({x.size(0)},), got {tuple(batch.shape)}")
    inferred = int(batch.max()) + 1 if batch.numel() else 0
    if num_graphs is None:
        return inferred
    if num_graphs < inferred:
        raise ValueError(f"batch mentions graph {inferred - 1} but num_graphs is {num_graphs}")
    return num_graphs


def global_add_pool(x: Tensor, batch: Tensor, num_graphs: int | None = None) -> Tensor:
    """Sum of the node vectors of each graph: ``(N, F)`` -> ``(G, F)``."""
    g = _check(x, batch, num_graphs)
    return x.new_zeros(g, x.size(1)).index_add_(0, batch, x)  # (G, F)


def global_mean_pool(x: Tensor, batch: Tensor, num_graphs: int | None = None) -> Tensor:
    """Mean of the node vectors of each graph (zero for a graph without nodes)."""
    g = _check(x, batch, num_graphs)
    total = x.new_zeros(g, x.size(1)).index_add_(0, batch, x)  # (G, F)
    count = torch.bincount(batch, minlength=g).clamp(min=1).to(x.dtype)  # (G,)
    return total / count.unsqueeze(1)  # (G, F)


def global_max_pool(x: Tensor, batch: Tensor, num_graphs: int | None = None) -> Tensor:
    """Elementwise maximum of the node vectors of each graph (zero for a graph without nodes)."""
    g = _check(x, batch, num_graphs)
    index = batch.unsqueeze(1).expand_as(x)  # (N, F)
    out = x.new_zeros(g, x.size(1))  # (G, F)
    return out.scatter_reduce(0, index, x, reduce="amax", include_self=False)
