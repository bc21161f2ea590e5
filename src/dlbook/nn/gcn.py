"""The graph convolutional layer of Kipf and Welling (2017), written with PyTorch sparse ops.

The chapter *Message passing from scratch* derives the layer; this is the tested version that
later cells reuse. It does not import PyTorch Geometric, and
``tests/test_nn_gcn.py`` shows it equal to ``torch_geometric.nn.GCNConv`` with copied weights.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dlbook.graphs import add_self_loops, adjacency_matrix, normalized_adjacency
from dlbook.nn._checks import positive_int
from dlbook.nn._graph import glorot_uniform_, transform_features

__all__ = ["GCNConv"]


class GCNConv(nn.Module):
    r"""Graph convolution: every node averages its neighbours' transformed features.

    .. math::

        H' = \hat D^{-1/2} \hat A \hat D^{-1/2} \, H W + b,
        \qquad \hat A = A + I, \quad \hat D_{ii} = \textstyle\sum_j \hat A_{ij},

    so that node :math:`i` receives

    .. math::

        h_i' = \sum_{j \in \mathcal N(i) \cup \{i\}}
               \frac{1}{\sqrt{\hat d_i \hat d_j}} \, W^\top h_j + b .

    The nonlinearity :math:`\sigma` of the paper's :math:`H' = \sigma(\ldots)` is left to the
    model, as in PyTorch Geometric.

    Parameters
    ----------
    in_features : int
        Width of the input node features :math:`H` (``F_in``).
    out_features : int
        Width of the output node features :math:`H'` (``F_out``).
    bias : bool, default True
        Add a learned bias :math:`b` after propagation.
    self_loops : bool, default True
        Use :math:`\hat A = A + I` (every node also keeps its own features). A node that already
        has a self-loop keeps its weight instead of getting a second loop.
    normalize : bool, default True
        Apply the symmetric normalisation; with ``False`` the layer sums raw neighbours,
        :math:`H' = \hat A H W + b`. (PyTorch Geometric's ``GCNConv`` adds no self-loops at
        all when ``normalize=False``; here ``self_loops`` still decides.)
    cached : bool, default False
        Keep the normalised adjacency of the first call and reuse it. Only for a graph that
        never changes (one transductive graph such as Cora).

    Shapes
    ------
    ``x``: ``(N, F_in)`` dense or sparse COO; ``edge_index``: ``(2, E)`` with column
    ``(j, i)`` meaning a message from ``j`` to ``i``; ``edge_weight``: ``(E,)``; output
    ``(N, F_out)``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        self_loops: bool = True,
        normalize: bool = True,
        cached: bool = False,
    ) -> None:
        super().__init__()
        positive_int("in_features", in_features)
        positive_int("out_features", out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.self_loops = self_loops
        self.normalize = normalize
        self.cached = cached
        self._cache: Tensor | None = None
        self.weight = nn.Parameter(torch.empty(in_features, out_features))  # (F_in, F_out)
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None  # (F_out,)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform weights and a zero bias, the initialisation of the paper."""
        glorot_uniform_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
        self._cache = None

    def propagation_matrix(
        self, edge_index: Tensor, num_nodes: int, edge_weight: Tensor | None = None
    ) -> Tensor:
        """The sparse ``(N, N)`` matrix that the layer multiplies :math:`HW` by."""
        if self.cached and self._cache is not None:
            return self._cache
        if self.normalize:
            a = normalized_adjacency(
                edge_index, num_nodes, edge_weight, self_loops=self.self_loops, kind="sym"
            )
        else:
            if self.self_loops:
                ones = torch.ones(edge_index.size(1), device=edge_index.device)
                edge_index, edge_weight = add_self_loops(
                    edge_index, num_nodes, ones if edge_weight is None else edge_weight
                )
            a = adjacency_matrix(edge_index, num_nodes, edge_weight)
        if self.cached:
            self._cache = a
        return a

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        h = transform_features(x, self.weight)  # (N, F_out)
        a = self.propagation_matrix(edge_index, x.size(0), edge_weight)  # (N, N) sparse
        out = torch.sparse.mm(a.to(h.dtype), h)  # (N, F_out): sum over neighbours j of a_ij h_j
        if self.bias is not None:
            out = out + self.bias  # (N, F_out)
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.in_features}, {self.out_features}, bias={self.bias is not None}, "
            f"self_loops={self.self_loops}, normalize={self.normalize}"
        )
