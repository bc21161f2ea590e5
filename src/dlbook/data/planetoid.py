"""The Planetoid citation graphs (Cora, CiteSeer) with the public semi-supervised split.

The raw files are Python 2 pickles from the Planetoid repository (Yang et al., 2016). They are
read with :mod:`dlbook.data._unpickle`, never with :func:`pickle.load`, and assembled the same
way as PyTorch Geometric's ``read_planetoid_data`` so that numbers in the book are comparable
with published ones:

* the nodes are ``allx`` followed by ``tx``; the test rows are then moved to the positions given
  by ``ind.<name>.test.index`` (row ``i`` of the stacked matrix goes to the ``i``-th test index
  taken in sorted order);
* CiteSeer has 15 isolated nodes that appear in neither part; their rows are zero-filled (all
  features 0, label 0) so that the node count is 3,327;
* train = the first ``len(y)`` nodes (20 per class), validation = the next 500 nodes,
  test = the nodes named in ``test.index`` (1,000);
* the adjacency lists become a symmetric, de-duplicated edge list without self-loops, sorted
  by (target, source) as in PyTorch Geometric.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbook.data._unpickle import restricted_load
from dlbook.data.errors import DataError, UnknownDatasetError
from dlbook.data.fetch import fetch_many

PLANETOID_NAMES = ("cora", "citeseer")
_PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")
_NUM_VAL = 500


@dataclass(eq=False)
class PlanetoidGraph:
    """A Planetoid citation graph with its public split.

    Attributes
    ----------
    name : str
        ``"cora"`` or ``"citeseer"``.
    x : numpy.ndarray
        ``float32`` (N, F): raw binary bag-of-words features (not row-normalised).
    y : numpy.ndarray
        ``int64`` (N,): class labels ``0 .. num_classes-1``.
    edge_index : numpy.ndarray
        ``int64`` (2, E): directed edges ``source -> target`` (both directions of every
        undirected edge), sorted by target then source, without duplicates or self-loops.
    train_mask, val_mask, test_mask : numpy.ndarray
        ``bool`` (N,): the public split (Cora: 140 / 500 / 1,000 nodes).
    num_classes : int
        7 for Cora, 6 for CiteSeer.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    edge_index: np.ndarray
    train_mask: np.ndarray
    val_mask: np.ndarray
    test_mask: np.ndarray
    num_classes: int

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def num_edges(self) -> int:
        """Number of directed edges (twice the number of undirected ones)."""
        return int(self.edge_index.shape[1])

    def __repr__(self) -> str:
        return (
            f"PlanetoidGraph(name={self.name!r}, num_nodes={self.num_nodes}, "
            f"num_edges={self.num_edges}, num_features={self.num_features}, "
            f"num_classes={self.num_classes}, train/val/test="
            f"{int(self.train_mask.sum())}/{int(self.val_mask.sum())}/"
            f"{int(self.test_mask.sum())})"
        )

    def to_pyg(self):
        """The graph as a ``torch_geometric.data.Data`` (imports torch on first use).

        Returns
        -------
        torch_geometric.data.Data
            With ``x`` float32 (N, F), ``y`` int64 (N,), ``edge_index`` int64 (2, E) and the
            three boolean masks.
        """
        import torch
        from torch_geometric.data import Data

        return Data(
            x=torch.from_numpy(self.x.copy()),
            y=torch.from_numpy(self.y.copy()),
            edge_index=torch.from_numpy(self.edge_index.copy()),
            train_mask=torch.from_numpy(self.train_mask.copy()),
            val_mask=torch.from_numpy(self.val_mask.copy()),
            test_mask=torch.from_numpy(self.test_mask.copy()),
        )


def _read_part(path, part: str):
    with open(path, "rb") as f:
        if part == "test.index":
            return np.array([int(line) for line in f.read().split()], dtype=np.int64)
        return restricted_load(f, source=path.name, encoding="latin1")


def _dense(obj, part: str) -> np.ndarray:
    if hasattr(obj, "toarray"):
        return np.asarray(obj.toarray(), dtype=np.float32)
    if isinstance(obj, np.ndarray):
        return obj.astype(np.float32)
    raise DataError(f"ind.*.{part}: expected a matrix, got {type(obj).__name__}")


def edges_from_adjacency(adjacency: dict, num_nodes: int) -> np.ndarray:
    """A symmetric, de-duplicated ``int64`` (2, E) edge list without self-loops, from a
    ``{node: [neighbours]}`` mapping, sorted by target node and then source node."""
    rows: list[int] = []
    cols: list[int] = []
    for node, neighbours in adjacency.items():
        rows.extend([int(node)] * len(neighbours))
        cols.extend(int(v) for v in neighbours)
    src = np.asarray(rows, dtype=np.int64)
    dst = np.asarray(cols, dtype=np.int64)
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= num_nodes):
        raise DataError("the graph file names a node outside 0..N-1")
    keep = src != dst
    src, dst = src[keep], dst[keep]
    both_src = np.concatenate([src, dst])
    both_dst = np.concatenate([dst, src])
    # Sort by target, then source: the order PyTorch Geometric's Planetoid uses.
    keys = np.unique(both_dst * num_nodes + both_src)
    return np.stack([keys % num_nodes, keys // num_nodes]).astype(np.int64)


def load_planetoid(name: str = "cora") -> PlanetoidGraph:
    """Load Cora or CiteSeer with the public Planetoid split.

    Parameters
    ----------
    name : {"cora", "citeseer"}
        Case-insensitive.

    Returns
    -------
    PlanetoidGraph
        Cora: ``x`` float32 (2708, 1433), ``y`` int64 (2708,), ``edge_index`` int64
        (2, 10556), masks bool (2708,) with 140 / 500 / 1,000 nodes, 7 classes.
        CiteSeer: (3327, 3703), 9,104 directed edges, 120 / 500 / 1,000, 6 classes.
    """
    key = name.lower()
    if key not in PLANETOID_NAMES:
        raise UnknownDatasetError(
            f"Unknown Planetoid graph {name!r}. Known graphs: {', '.join(PLANETOID_NAMES)}."
        )
    paths = fetch_many("planetoid", [f"ind.{key}.{p}" for p in _PARTS])
    raw = {p: _read_part(paths[f"ind.{key}.{p}"], p) for p in _PARTS}

    x_labeled = _dense(raw["x"], "x")  # only its row count matters: the training nodes
    tx, allx = _dense(raw["tx"], "tx"), _dense(raw["allx"], "allx")
    ty = np.asarray(raw["ty"], dtype=np.int64)
    ally = np.asarray(raw["ally"], dtype=np.int64)
    num_train = int(np.asarray(raw["y"]).shape[0])
    if x_labeled.shape[0] != num_train:
        raise DataError(f"ind.{key}.x and ind.{key}.y disagree on the number of rows")
    test_index = raw["test.index"]
    sorted_test = np.sort(test_index)

    if key == "citeseer":
        # Isolated test nodes are missing from tx/ty: make room for them as zero rows.
        lo, hi = int(test_index.min()), int(test_index.max())
        tx_full = np.zeros((hi - lo + 1, tx.shape[1]), dtype=tx.dtype)
        tx_full[sorted_test - lo] = tx
        ty_full = np.zeros((hi - lo + 1, ty.shape[1]), dtype=ty.dtype)
        ty_full[sorted_test - lo] = ty
        tx, ty = tx_full, ty_full

    x = np.concatenate([allx, tx], axis=0)
    x[test_index] = x[sorted_test]
    y = np.argmax(np.concatenate([ally, ty], axis=0), axis=1).astype(np.int64)
    y[test_index] = y[sorted_test]
    n = x.shape[0]

    train_mask = np.zeros(n, dtype=bool)
    train_mask[:num_train] = True
    val_mask = np.zeros(n, dtype=bool)
    val_mask[num_train : num_train + _NUM_VAL] = True
    test_mask = np.zeros(n, dtype=bool)
    test_mask[test_index] = True

    graph = raw["graph"]
    if not isinstance(graph, dict):
        raise DataError(f"ind.{key}.graph: expected a dict, got {type(graph).__name__}")
    edge_index = edges_from_adjacency(graph, n)

    return PlanetoidGraph(
        name=key,
        x=x,
        y=y,
        edge_index=edge_index,
        train_mask=train_mask,
        val_mask=val_mask,
        test_mask=test_mask,
        num_classes=int(ally.shape[1]),
    )
