"""Graph-classification data in the TU Dortmund text format (MUTAG).

A TU dataset ``DS`` is a handful of text files describing one big disconnected graph:

* ``DS_A.txt`` — one edge ``i, j`` per line (1-based node ids, both directions listed);
* ``DS_graph_indicator.txt`` — line ``i`` is the (1-based) graph of node ``i``;
* ``DS_graph_labels.txt`` — one label per graph;
* ``DS_node_labels.txt`` / ``DS_edge_labels.txt`` — one label per node / per line of ``DS_A``.

:func:`load_mutag` cuts it into one :class:`TUGraph` per molecule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlbook.data.errors import DataError
from dlbook.data.fetch import fetch_many

#: MUTAG node labels (atom types), by index.
MUTAG_ATOMS = ("C", "N", "O", "F", "I", "Cl", "Br")
#: MUTAG edge labels (bond types), by index.
MUTAG_BONDS = ("aromatic", "single", "double", "triple")


@dataclass(eq=False)
class TUGraph:
    """One graph of a TU dataset.

    Attributes
    ----------
    x : numpy.ndarray
        ``int64`` (n,): node labels (for MUTAG the atom type, 0..6; see :data:`MUTAG_ATOMS`).
    edge_index : numpy.ndarray
        ``int64`` (2, e): directed edges, 0-based node ids within this graph; every chemical
        bond appears in both directions.
    edge_attr : numpy.ndarray
        ``int64`` (e,): edge labels (for MUTAG the bond type, 0..3; see :data:`MUTAG_BONDS`).
    y : int
        The graph label (MUTAG: 1 mutagenic, 0 not; the file's -1 is mapped to 0).
    """

    x: np.ndarray
    edge_index: np.ndarray
    edge_attr: np.ndarray
    y: int

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])

    def __repr__(self) -> str:
        return f"TUGraph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, y={self.y})"


def _ints(path: Path, columns: int = 1) -> np.ndarray:
    text = path.read_text(encoding="ascii").replace(",", " ")
    values = np.array(text.split(), dtype=np.int64)
    if columns > 1:
        if values.size % columns:
            raise DataError(f"{path.name}: expected {columns} numbers per line")
        values = values.reshape(-1, columns)
    return values


def read_tu(paths: dict[str, Path], prefix: str) -> list[TUGraph]:
    """Cut the TU text files (a mapping from file name to path) into graphs."""
    edges = _ints(paths[f"{prefix}_A.txt"], columns=2) - 1  # 0-based global ids
    graph_of = _ints(paths[f"{prefix}_graph_indicator.txt"]) - 1
    graph_labels = _ints(paths[f"{prefix}_graph_labels.txt"])
    node_labels = _ints(paths[f"{prefix}_node_labels.txt"])
    edge_labels = _ints(paths[f"{prefix}_edge_labels.txt"])

    num_nodes, num_graphs = graph_of.size, graph_labels.size
    if node_labels.size != num_nodes or edge_labels.size != edges.shape[0]:
        raise DataError(f"{prefix}: label files do not match the node / edge counts")
    if graph_of.min() != 0 or graph_of.max() != num_graphs - 1 or np.any(np.diff(graph_of) < 0):
        raise DataError(f"{prefix}: the graph indicator is not sorted 1..{num_graphs}")
    if edges.min() < 0 or edges.max() >= num_nodes:
        raise DataError(f"{prefix}: an edge names a node that does not exist")
    if np.any(graph_of[edges[:, 0]] != graph_of[edges[:, 1]]):
        raise DataError(f"{prefix}: an edge joins two different graphs")

    # First node of each graph, and which graph each edge belongs to.
    starts = np.searchsorted(graph_of, np.arange(num_graphs + 1))
    edge_graph = graph_of[edges[:, 0]]
    order = np.argsort(edge_graph, kind="stable")
    edge_starts = np.searchsorted(edge_graph[order], np.arange(num_graphs + 1))

    mapped = np.where(graph_labels == -1, 0, graph_labels)
    graphs = []
    for g in range(num_graphs):
        lo, hi = starts[g], starts[g + 1]
        sel = order[edge_starts[g] : edge_starts[g + 1]]
        graphs.append(
            TUGraph(
                x=node_labels[lo:hi].copy(),
                edge_index=np.ascontiguousarray((edges[sel] - lo).T),
                edge_attr=edge_labels[sel].copy(),
                y=int(mapped[g]),
            )
        )
    return graphs


def load_mutag() -> list[TUGraph]:
    """The MUTAG molecules: 188 graphs (125 mutagenic, 63 not).

    Returns
    -------
    list of TUGraph
        188 graphs with 3,371 nodes and 7,442 directed edges in total. Each graph has ``x``
        ``int64`` (n,) atom labels 0..6, ``edge_index`` ``int64`` (2, e) 0-based within the
        graph, ``edge_attr`` ``int64`` (e,) bond labels 0..3, and ``y`` an ``int`` in {0, 1}
        (the file's -1 becomes 0).
    """
    names = [
        f"MUTAG_{part}.txt"
        for part in ("A", "graph_indicator", "graph_labels", "node_labels", "edge_labels")
    ]
    return read_tu(fetch_many("mutag", names), "MUTAG")


def mutag_to_pyg(graphs: list[TUGraph]) -> list:
    """Convert MUTAG graphs to PyTorch Geometric ``Data`` objects (imports torch lazily).

    Returns
    -------
    list of torch_geometric.data.Data
        ``x`` float32 (n, 7) one-hot atom type, ``edge_index`` int64 (2, e), ``edge_attr``
        float32 (e, 4) one-hot bond type, ``y`` int64 of shape (1,).
    """
    import torch
    from torch_geometric.data import Data

    eye_nodes = np.eye(len(MUTAG_ATOMS), dtype=np.float32)
    eye_edges = np.eye(len(MUTAG_BONDS), dtype=np.float32)
    out = []
    for g in graphs:
        out.append(
            Data(
                x=torch.from_numpy(eye_nodes[g.x]),
                edge_index=torch.from_numpy(g.edge_index.copy()),
                edge_attr=torch.from_numpy(eye_edges[g.edge_attr]),
                y=torch.tensor([g.y], dtype=torch.long),
            )
        )
    return out
