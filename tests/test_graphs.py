"""Graph utilities: self-loops, degrees, normalised adjacency, homophily and batching."""

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.utils import add_remaining_self_loops, homophily
from torch_geometric.utils import to_undirected as pyg_to_undirected

from dlbook.graphs import (
    add_self_loops,
    adjacency_matrix,
    batch_graphs,
    degree,
    edge_homophily,
    node_homophily,
    normalized_adjacency,
    remove_self_loops,
    to_undirected,
)

# A path 0 - 1 - 2 and a lone node 3, stored in both directions.
PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])


def random_graphs(count, seed=0):
    gen = torch.Generator().manual_seed(seed)
    graphs = []
    for _ in range(count):
        n = int(torch.randint(2, 12, (1,), generator=gen))
        e = int(torch.randint(0, 3 * n, (1,), generator=gen))
        graphs.append(
            Data(
                x=torch.randn(n, 7, generator=gen),
                edge_index=torch.randint(0, n, (2, e), generator=gen),
                edge_attr=torch.randn(e, 4, generator=gen),
                y=torch.randint(0, 2, (1,), generator=gen),
            )
        )
    return graphs


def test_degree():
    assert degree(PATH, 4).tolist() == [1, 2, 1, 0]
    star_in = torch.tensor([[1, 2, 3], [0, 0, 0]])
    assert degree(star_in, direction="in").tolist() == [3, 0, 0, 0]
    assert degree(star_in, direction="out").tolist() == [0, 1, 1, 1]
    with pytest.raises(ValueError, match="direction"):
        degree(PATH, direction="both")


def test_self_loops_match_pyg():
    torch.manual_seed(0)
    edge_index = torch.cat([torch.randint(0, 10, (2, 30)), torch.tensor([[3, 3], [3, 3]])], 1)
    weight = torch.rand(edge_index.size(1))
    ours = add_self_loops(edge_index, 12, weight, fill_value=2.0)
    theirs = add_remaining_self_loops(edge_index, weight, fill_value=2.0, num_nodes=12)
    dense = [adjacency_matrix(e, 12, w, sparse=False) for e, w in (ours, theirs)]
    torch.testing.assert_close(dense[0], dense[1])
    loops, _ = add_self_loops(PATH, 4)
    assert loops.size(1) == 4 + 4
    no_loops, _ = remove_self_loops(loops)
    assert torch.equal(no_loops, PATH)


def test_to_undirected_matches_pyg():
    torch.manual_seed(1)
    edge_index = torch.randint(0, 15, (2, 40))
    assert torch.equal(to_undirected(edge_index, 15), pyg_to_undirected(edge_index, num_nodes=15))


def test_normalized_adjacency_by_hand():
    a = normalized_adjacency(PATH, 4).to_dense()
    d = torch.tensor([2.0, 3.0, 2.0, 1.0])  # degrees with self-loops
    a_hat = torch.tensor([[1.0, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1]])  # A + I
    torch.testing.assert_close(a, a_hat / torch.sqrt(d[:, None] * d[None, :]))
    rw = normalized_adjacency(PATH, 4, kind="rw").to_dense()
    torch.testing.assert_close(rw.sum(1), torch.ones(4))  # rows of D^-1 A sum to one
    bare = normalized_adjacency(PATH, 4, self_loops=False).to_dense()
    assert bare[3].abs().sum() == 0  # an isolated node gets a zero row, not NaN
    with pytest.raises(ValueError, match="kind"):
        normalized_adjacency(PATH, 4, kind="left")


def test_homophily_matches_pyg():
    torch.manual_seed(2)
    edge_index = to_undirected(torch.randint(0, 30, (2, 80)), 30)
    y = torch.randint(0, 3, (30,))
    assert edge_homophily(edge_index, y) == pytest.approx(
        homophily(edge_index, y, method="edge"), abs=1e-6
    )
    assert node_homophily(edge_index, y) == pytest.approx(
        homophily(edge_index, y, method="node"), abs=1e-6
    )
    assert edge_homophily(PATH, torch.tensor([0, 0, 0, 1])) == 1.0
    assert edge_homophily(PATH, torch.tensor([0, 1, 0, 1])) == 0.0


def test_batching_preserves_node_and_edge_counts():
    graphs = random_graphs(9)
    batch = batch_graphs(graphs)
    assert batch.num_graphs == 9
    assert batch.num_nodes == sum(g.num_nodes for g in graphs)
    assert batch.edge_index.size(1) == sum(g.num_edges for g in graphs)
    assert batch.edge_attr.size(0) == sum(g.num_edges for g in graphs)
    assert torch.bincount(batch.batch).tolist() == [g.num_nodes for g in graphs]
    assert batch.y.tolist() == [int(g.y) for g in graphs]


def test_batching_keeps_graphs_apart_and_matches_pyg():
    graphs = random_graphs(6, seed=3)
    ours = batch_graphs(graphs)
    theirs = Batch.from_data_list(graphs)
    for name in ("x", "edge_index", "batch", "ptr", "y", "edge_attr"):
        assert torch.equal(getattr(ours, name), getattr(theirs, name)), name
    # No edge crosses between graphs: both ends of every edge are in the same graph.
    src, dst = ours.edge_index
    assert torch.equal(ours.batch[src], ours.batch[dst])
    # Connected components of the union are unions of each graph's components.
    g = nx.Graph()
    g.add_nodes_from(range(ours.num_nodes))
    g.add_edges_from(ours.edge_index.T.tolist())
    for component in nx.connected_components(g):
        assert len({int(ours.batch[v]) for v in component}) == 1


def test_batching_numpy_graphs_and_errors():
    class Plain:
        def __init__(self, n):
            self.x = np.arange(n)  # 1-D labels become a column
            self.edge_index = np.array([[0], [n - 1]])

    batch = batch_graphs([Plain(2), Plain(3)])
    assert batch.x.shape == (5, 1)
    assert batch.edge_index.tolist() == [[0, 2], [1, 4]]
    assert batch.y is None and batch.edge_attr is None
    with pytest.raises(ValueError, match="at least one"):
        batch_graphs([])
    with pytest.raises(ValueError, match="same width"):
        batch_graphs(
            [
                Data(x=torch.ones(2, 3), edge_index=PATH[:, :0]),
                Data(x=torch.ones(2, 4), edge_index=PATH[:, :0]),
            ]
        )


def test_edge_index_validation():
    with pytest.raises(ValueError, match=r"shape \(2, E\)"):
        degree(torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="num_nodes"):
        degree(PATH, 2)
    with pytest.raises(ValueError, match="integers"):
        degree(PATH.float())
    with pytest.raises(TypeError):
        degree(PATH.numpy())
