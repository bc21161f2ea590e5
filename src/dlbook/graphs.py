"""Graph utilities in plain PyTorch: self-loops, degrees, normalised adjacency, homophily, batching.

A graph with ``N`` nodes is stored as an ``edge_index``: an ``int64`` tensor of shape ``(2, E)``
whose column ``k`` is the directed edge ``edge_index[0, k] -> edge_index[1, k]`` (source, target),
the coordinate (COO) layout that PyTorch Geometric uses. An undirected graph lists every edge in
both directions. Messages flow from source to target, so the matrices built here are indexed
``[target, source]``: row ``i`` of ``A @ H`` gathers what node ``i`` receives.

Nothing here imports PyTorch Geometric; the tests check the results against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "GraphBatch",
    "add_self_loops",
    "adjacency_matrix",
    "batch_graphs",
    "degree",
    "edge_homophily",
    "node_homophily",
    "normalized_adjacency",
    "remove_self_loops",
    "to_undirected",
]


def _check_edge_index(edge_index: Tensor, num_nodes: int | None = None) -> int:
    """Validate an edge index and return the number of nodes (inferred when not given)."""
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"edge_index must be a torch.Tensor, got {type(edge_index).__name__}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"edge_index must hold integers, got dtype {edge_index.dtype}")
    largest = int(edge_index.max()) if edge_index.numel() else -1
    if edge_index.numel() and int(edge_index.min()) < 0:
        raise ValueError("edge_index holds a negative node id")
    if num_nodes is None:
        return largest + 1
    if num_nodes < 0:
        raise ValueError(f"num_nodes must be non-negative, got {num_nodes}")
    if largest >= num_nodes:
        raise ValueError(f"edge_index refers to node {largest} but num_nodes is {num_nodes}")
    return num_nodes


def degree(edge_index: Tensor, num_nodes: int | None = None, *, direction: str = "in") -> Tensor:
    """Number of edges arriving at (``"in"``) or leaving (``"out"``) each node.

    For an undirected graph stored in both directions the two are equal. Returns an ``int64``
    tensor of shape ``(N,)``.
    """
    if direction not in ("in", "out"):
        raise ValueError(f"direction must be 'in' or 'out', got {direction!r}")
    n = _check_edge_index(edge_index, num_nodes)
    nodes = edge_index[1] if direction == "in" else edge_index[0]  # (E,)
    return torch.bincount(nodes, minlength=n)  # (N,)


def remove_self_loops(
    edge_index: Tensor, edge_weight: Tensor | None = None
) -> tuple[Tensor, Tensor | None]:
    """Drop every edge ``i -> i`` (and its weight)."""
    _check_edge_index(edge_index)
    keep = edge_index[0] != edge_index[1]  # (E,)
    return edge_index[:, keep], None if edge_weight is None else edge_weight[keep]


def add_self_loops(
    edge_index: Tensor,
    num_nodes: int | None = None,
    edge_weight: Tensor | None = None,
    fill_value: float = 1.0,
) -> tuple[Tensor, Tensor | None]:
    """Give every node exactly one self-loop, appended after the other edges.

    A node that already had a self-loop keeps its weight (the last one, if it had several);
    a node without one gets ``fill_value``. Without ``edge_weight`` only the edges are returned
    (weight ``None``). This is the rule of PyTorch Geometric's ``add_remaining_self_loops``.
    """
    n = _check_edge_index(edge_index, num_nodes)
    if edge_weight is not None and edge_weight.shape != (edge_index.size(1),):
        raise ValueError(
            f"edge_weight must have shape ({edge_index.size(1)},), got {tuple(edge_weight.shape)}"
        )
    is_loop = edge_index[0] == edge_index[1]  # (E,)
    loops = torch.arange(n, device=edge_index.device)  # (N,)
    new_index = torch.cat([edge_index[:, ~is_loop], loops.repeat(2, 1)], dim=1)  # (2, E' + N)
    if edge_weight is None:
        return new_index, None
    loop_weight = torch.full((n,), fill_value, dtype=edge_weight.dtype, device=edge_weight.device)
    loop_weight[edge_index[0, is_loop]] = edge_weight[is_loop]
    return new_index, torch.cat([edge_weight[~is_loop], loop_weight])


def to_undirected(edge_index: Tensor, num_nodes: int | None = None) -> Tensor:
    """Add the reverse of every edge and drop duplicates; columns come out sorted."""
    n = _check_edge_index(edge_index, num_nodes)
    both = torch.cat([edge_index, edge_index.flip(0)], dim=1)  # (2, 2E)
    key = torch.unique(both[0] * max(n, 1) + both[1])  # sorted, duplicates removed
    return torch.stack([key // max(n, 1), key % max(n, 1)])  # (2, E_undirected)


def adjacency_matrix(
    edge_index: Tensor,
    num_nodes: int | None = None,
    edge_weight: Tensor | None = None,
    *,
    sparse: bool = True,
) -> Tensor:
    """The ``(N, N)`` adjacency matrix with ``A[target, source] = weight`` (duplicates summed).

    Returned as a coalesced sparse COO tensor, or dense with ``sparse=False``.
    """
    n = _check_edge_index(edge_index, num_nodes)
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.size(1), device=edge_index.device)
    a = torch.sparse_coo_tensor(edge_index.flip(0), edge_weight, (n, n), check_invariants=False)
    a = a.coalesce()  # (N, N), duplicate edges summed
    return a if sparse else a.to_dense()


def normalized_adjacency(
    edge_index: Tensor,
    num_nodes: int | None = None,
    edge_weight: Tensor | None = None,
    *,
    self_loops: bool = True,
    kind: str = "sym",
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    r"""The propagation matrix of a graph convolution, as a sparse ``(N, N)`` tensor.

    With :math:`\hat A = A + I` (``self_loops=True``) or :math:`\hat A = A` and the degrees
    :math:`\hat d_i = \sum_j \hat A_{ij}` (summed over the sources that send to ``i``):

    .. math::

        \text{sym:}\quad \hat D^{-1/2} \hat A \hat D^{-1/2}, \qquad
        \text{rw:}\quad \hat D^{-1} \hat A .

    ``"sym"`` is Kipf and Welling's GCN normalisation; ``"rw"`` (random walk) averages the
    neighbours. Nodes of degree zero get a zero row instead of a division by zero.
    """
    if kind not in ("sym", "rw"):
        raise ValueError(f"kind must be 'sym' or 'rw', got {kind!r}")
    n = _check_edge_index(edge_index, num_nodes)
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.size(1), dtype=dtype, device=edge_index.device)
    if self_loops:
        edge_index, edge_weight = add_self_loops(edge_index, n, edge_weight)
    src, dst = edge_index  # (E,), (E,)
    deg = torch.zeros(n, dtype=edge_weight.dtype, device=edge_weight.device)
    deg.index_add_(0, dst, edge_weight)  # (N,) weighted in-degree
    if kind == "sym":
        inv_sqrt = deg.pow(-0.5).masked_fill(deg == 0, 0.0)  # (N,)
        values = inv_sqrt[dst] * edge_weight * inv_sqrt[src]  # (E,)
    else:
        inv = deg.reciprocal().masked_fill(deg == 0, 0.0)  # (N,)
        values = inv[dst] * edge_weight  # (E,)
    # Row = target, column = source: (A @ H)[i] sums the messages that node i receives.
    a = torch.sparse_coo_tensor(torch.stack([dst, src]), values, (n, n), check_invariants=False)
    return a.coalesce()


def edge_homophily(edge_index: Tensor, y: Tensor) -> float:
    """Fraction of edges whose two ends have the same label."""
    _check_edge_index(edge_index, y.size(0))
    if edge_index.size(1) == 0:
        raise ValueError("the graph has no edges: homophily is undefined")
    return float((y[edge_index[0]] == y[edge_index[1]]).float().mean())


def node_homophily(edge_index: Tensor, y: Tensor) -> float:
    """Mean over nodes with at least one incoming edge of the share of same-label neighbours."""
    n = _check_edge_index(edge_index, y.size(0))
    same = (y[edge_index[0]] == y[edge_index[1]]).float()  # (E,)
    hits = torch.zeros(n).index_add_(0, edge_index[1], same)  # (N,)
    deg = degree(edge_index, n).float()  # (N,)
    has = deg > 0
    if not bool(has.any()):
        raise ValueError("the graph has no edges: homophily is undefined")
    return float((hits[has] / deg[has]).mean())


@dataclass
class GraphBatch:
    """Several graphs merged into one graph with one connected block per input graph.

    Attributes
    ----------
    x : Tensor
        ``(sum n_g, F)`` node features, graph after graph.
    edge_index : Tensor
        ``(2, sum e_g)`` edges, each graph's node ids shifted by the nodes before it.
    batch : Tensor
        ``(sum n_g,)`` the graph each node belongs to, ``0 .. num_graphs - 1``.
    ptr : Tensor
        ``(num_graphs + 1,)`` where each graph's nodes start (and the total at the end).
    y : Tensor or None
        The graphs' targets concatenated, when every graph has a ``y``.
    edge_attr : Tensor or None
        ``(sum e_g, D)`` edge features, when every graph has ``edge_attr``.
    """

    x: Tensor
    edge_index: Tensor
    batch: Tensor
    ptr: Tensor
    y: Tensor | None = None
    edge_attr: Tensor | None = None

    @property
    def num_graphs(self) -> int:
        return self.ptr.numel() - 1

    @property
    def num_nodes(self) -> int:
        return self.x.size(0)


def batch_graphs(graphs: Sequence[object]) -> GraphBatch:
    """Merge graphs into one disconnected graph, as PyTorch Geometric's ``Batch`` does.

    Each graph is any object with ``x`` of shape ``(n, F)`` and ``edge_index`` of shape
    ``(2, e)`` (tensors or NumPy arrays), and optionally ``y`` and ``edge_attr``. The block of
    graph ``g`` has its node ids shifted by the number of nodes in graphs ``0 .. g-1``, so no edge
    crosses from one graph to another.
    """
    if len(graphs) == 0:
        raise ValueError("batch_graphs needs at least one graph")
    xs, edges, batch, ys, attrs = [], [], [], [], []
    offset = 0
    counts = []
    for g, graph in enumerate(graphs):
        x = torch.as_tensor(graph.x)  # (n, F)
        if x.dim() == 1:
            x = x.unsqueeze(-1)  # (n, 1)
        ei = torch.as_tensor(graph.edge_index, dtype=torch.int64)  # (2, e)
        _check_edge_index(ei, x.size(0))
        xs.append(x)
        edges.append(ei + offset)  # shift into this graph's block
        batch.append(torch.full((x.size(0),), g, dtype=torch.int64))
        counts.append(x.size(0))
        offset += x.size(0)
        y = getattr(graph, "y", None)
        ys.append(None if y is None else torch.as_tensor(y).reshape(-1))
        attr = getattr(graph, "edge_attr", None)
        attrs.append(None if attr is None else torch.as_tensor(attr))
    widths = {x.shape[1:] for x in xs}
    if len(widths) != 1:
        raise ValueError(f"all graphs need node features of the same width, got {sorted(widths)}")
    ptr = torch.zeros(len(graphs) + 1, dtype=torch.int64)
    ptr[1:] = torch.cumsum(torch.tensor(counts), 0)
    return GraphBatch(
        x=torch.cat(xs),  # (sum n_g, F)
        edge_index=torch.cat(edges, dim=1),  # (2, sum e_g)
        batch=torch.cat(batch),  # (sum n_g,)
        ptr=ptr,  # (G + 1,)
        y=None if any(y is None for y in ys) else torch.cat(ys),
        edge_attr=None if any(a is None for a in attrs) else torch.cat(attrs),
    )
