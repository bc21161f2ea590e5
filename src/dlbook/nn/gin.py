"""The graph isomorphism network layer of Xu et al. (2019), in plain PyTorch.

``tests/test_nn_gin.py`` shows it equal to ``torch_geometric.nn.GINConv`` with the same MLP.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dlbook.graphs import _check_edge_index

__all__ = ["GINConv"]


class GINConv(nn.Module):
    r"""Sum the neighbours, add the node itself weighted by :math:`1 + \epsilon`, apply an MLP.

    .. math::

        h_i' = \mathrm{MLP}\Big( (1 + \epsilon)\, h_i + \sum_{j \in \mathcal N(i)} h_j \Big)

    Summing (rather than averaging or taking the maximum) keeps the size of a neighbourhood in
    the result, which is what makes the layer as discriminative as the Weisfeiler-Lehman test.

    Parameters
    ----------
    mlp : torch.nn.Module
        Maps ``(N, F_in)`` to ``(N, F_out)``; usually two linear layers with a nonlinearity.
    eps : float, default 0.0
        The initial :math:`\epsilon`.
    train_eps : bool, default False
        Learn :math:`\epsilon` as a parameter instead of keeping it fixed.

    Shapes
    ------
    ``x``: ``(N, F_in)``; ``edge_index``: ``(2, E)`` (messages from ``edge_index[0]`` to
    ``edge_index[1]``); output ``(N, F_out)``.
    """

    def __init__(self, mlp: nn.Module, eps: float = 0.0, *, train_eps: bool = False) -> None:
        super().__init__()
        if not isinstance(mlp, nn.Module):
            raise ValueError(f"mlp must be a torch.nn.Module, got {type(mlp).__name__}")
        self.mlp = mlp
        if train_eps:
            self.eps = nn.Parameter(torch.tensor(float(eps)))
        else:
            self.register_buffer("eps", torch.tensor(float(eps)))

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        _check_edge_index(edge_index, x.size(0))
        src, dst = edge_index  # (E,), (E,)
        summed = torch.zeros_like(x).index_add_(0, dst, x[src])  # (N, F_in): sum of neighbours
        return self.mlp((1 + self.eps) * x + summed)  # (N, F_out)
