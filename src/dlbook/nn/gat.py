"""The graph attention layer of Velickovic et al. (2018), in plain PyTorch.

``tests/test_nn_gat.py`` shows it equal to ``torch_geometric.nn.GATConv`` with copied weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlbook.graphs import _check_edge_index, add_self_loops, remove_self_loops
from dlbook.nn._checks import positive_int, probability
from dlbook.nn._graph import glorot_uniform_, transform_features

__all__ = ["GATConv", "edge_softmax"]


def edge_softmax(scores: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    r"""Softmax of edge scores over the edges that share a target node.

    .. math::

        \alpha_{ij} = \frac{\exp e_{ij}}{\sum_{k:\,(k \to i)} \exp e_{ik}}

    ``scores`` has shape ``(E, ...)`` and ``index`` ``(E,)`` gives each edge's target; the
    weights of the edges arriving at any one node sum to one. The maximum of each group is
    subtracted first, so large scores do not overflow.
    """
    if scores.size(0) != index.size(0):
        raise ValueError(f"{scores.size(0)} scores for {index.size(0)} edges")
    expanded = index.view(-1, *([1] * (scores.dim() - 1))).expand_as(scores)  # (E, ...)
    group_max = scores.new_full((num_nodes, *scores.shape[1:]), float("-inf"))
    group_max = group_max.scatter_reduce(0, expanded, scores, reduce="amax")  # (N, ...)
    exp = (scores - group_max[index]).exp()  # (E, ...)
    total = scores.new_zeros((num_nodes, *scores.shape[1:])).index_add_(0, index, exp)  # (N, ...)
    return exp / total[index]  # (E, ...)


class GATConv(nn.Module):
    r"""Graph attention: each node takes a learned, softmax-weighted average of its neighbours.

    For each of :math:`K` heads, with shared weights :math:`W` and attention vectors
    :math:`a_{\text{src}}, a_{\text{dst}}`:

    .. math::

        e_{ij} = \mathrm{LeakyReLU}\big(a_{\text{dst}}^\top W h_i + a_{\text{src}}^\top W h_j\big),
        \qquad
        \alpha_{ij} = \operatorname{softmax}_{j \in \mathcal N(i) \cup \{i\}} (e_{ij}),

    .. math::

        h_i' = \big\Vert_{k=1}^{K} \sum_{j \in \mathcal N(i) \cup \{i\}} \alpha_{ij}^{k} W^{k} h_j
        \quad \text{(concat)}
        \qquad \text{or} \qquad
        h_i' = \frac{1}{K} \sum_{k=1}^{K} \sum_{j} \alpha_{ij}^{k} W^{k} h_j \quad \text{(mean)},

    plus a bias. The paper writes :math:`a^\top [W h_i \Vert W h_j]`; splitting :math:`a` into
    its two halves gives the same score with one product per node instead of one per edge.

    Parameters
    ----------
    in_features, out_features : int
        Input width ``F_in`` and width per head ``F_out``.
    heads : int, default 1
        Number of attention heads :math:`K`.
    concat : bool, default True
        Concatenate the heads (output width ``heads * F_out``) or average them (``F_out``).
    negative_slope : float, default 0.2
        Slope of the LeakyReLU for negative scores.
    dropout : float, default 0.0
        Dropout on the attention weights :math:`\alpha` during training (each node then sees a
        random subset of its neighbourhood).
    self_loops : bool, default True
        Let every node attend to itself (existing self-loops are replaced by one each).
    bias : bool, default True
        Add a learned bias.

    Shapes
    ------
    ``x``: ``(N, F_in)`` dense or sparse COO; ``edge_index``: ``(2, E)``; output
    ``(N, heads * F_out)`` or ``(N, F_out)``. With ``return_attention=True`` the forward pass
    also returns ``(edge_index, alpha)``, the edges used (self-loops included) and their
    ``(E', heads)`` weights.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        heads: int = 1,
        *,
        concat: bool = True,
        negative_slope: float = 0.2,
        dropout: float = 0.0,
        self_loops: bool = True,
        bias: bool = True,
    ) -> None:
        super().__init__()
        positive_int("in_features", in_features)
        positive_int("out_features", out_features)
        positive_int("heads", heads)
        probability("dropout", dropout)
        self.in_features = in_features
        self.out_features = out_features
        self.heads = heads
        self.concat = concat
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.self_loops = self_loops
        self.weight = nn.Parameter(torch.empty(in_features, heads * out_features))  # (F_in, K*C)
        self.att_src = nn.Parameter(torch.empty(heads, out_features))  # (K, C)
        self.att_dst = nn.Parameter(torch.empty(heads, out_features))  # (K, C)
        width = heads * out_features if concat else out_features
        self.bias = nn.Parameter(torch.empty(width)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform weights and attention vectors, zero bias."""
        for p in (self.weight, self.att_src, self.att_dst):
            glorot_uniform_(p)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(
        self, x: Tensor, edge_index: Tensor, *, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, tuple[Tensor, Tensor]]:
        h = transform_features(x, self.weight)  # (N, K*C)
        n, k, c = x.size(0), self.heads, self.out_features
        _check_edge_index(edge_index, n)
        if self.self_loops:
            edge_index, _ = remove_self_loops(edge_index)
            edge_index, _ = add_self_loops(edge_index, n)
        src, dst = edge_index  # (E,), (E,)
        h = h.view(n, k, c)  # (N, K, C)
        score_src = (h * self.att_src).sum(-1)  # (N, K): a_src . W h_j
        score_dst = (h * self.att_dst).sum(-1)  # (N, K): a_dst . W h_i
        e = F.leaky_relu(score_src[src] + score_dst[dst], self.negative_slope)  # (E, K)
        alpha = edge_softmax(e, dst, n)  # (E, K), sums to 1 over each node's incoming edges
        alpha = F.dropout(alpha, self.dropout, self.training)
        messages = alpha.unsqueeze(-1) * h[src]  # (E, K, C)
        out = h.new_zeros(n, k, c).index_add_(0, dst, messages)  # (N, K, C)
        out = out.reshape(n, k * c) if self.concat else out.mean(dim=1)  # (N, K*C) or (N, C)
        if self.bias is not None:
            out = out + self.bias
        if return_attention:
            return out, (edge_index, alpha)
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.in_features}, {self.out_features}, heads={self.heads}, "
            f"concat={self.concat}, dropout={self.dropout}"
        )
