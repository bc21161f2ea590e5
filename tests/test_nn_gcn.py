"""The from-scratch GCN layer equals PyTorch Geometric's GCNConv with the same weights."""

import pytest
import torch
from torch_geometric.nn import GCNConv as PygGCNConv
from torch_geometric.utils import add_remaining_self_loops

from dlbook.nn.gcn import GCNConv


def random_graph(num_nodes, num_edges, *, seed, loops=0, undirected=False):
    gen = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(0, num_nodes, (2, num_edges), generator=gen)
    edge_index = edge_index[:, edge_index[0] != edge_index[1]]
    if undirected:
        edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    if loops:
        nodes = torch.randperm(num_nodes, generator=gen)[:loops]
        edge_index = torch.cat([edge_index, nodes.repeat(2, 1)], dim=1)
    return edge_index


def copy_into(ours, theirs):
    with torch.no_grad():
        ours.weight.copy_(theirs.lin.weight.T)  # PyG stores (F_out, F_in)
        if ours.bias is not None:
            ours.bias.copy_(torch.randn_like(ours.bias))  # a non-zero bias checks the add
            theirs.bias.copy_(ours.bias)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"bias": False},
        {"add_self_loops": False},
        {"normalize": False},
        {"add_self_loops": False, "normalize": False, "bias": False},
    ],
)
@pytest.mark.parametrize("undirected", [False, True])
def test_equals_pyg_gcnconv(seed, options, undirected):
    torch.manual_seed(seed)
    n = 30 + 7 * seed
    edge_index = random_graph(n, 4 * n, seed=seed, undirected=undirected)
    x = torch.randn(n, 5)
    theirs = PygGCNConv(5, 3, **options)
    ours = GCNConv(
        5,
        3,
        bias=options.get("bias", True),
        self_loops=options.get("add_self_loops", True),
        normalize=options.get("normalize", True),
    )
    copy_into(ours, theirs)
    their_edges = edge_index
    if not ours.normalize and ours.self_loops:
        # PyG only adds self-loops inside its normalisation; give it A + I explicitly.
        their_edges, _ = add_remaining_self_loops(edge_index, num_nodes=n)
    torch.testing.assert_close(ours(x, edge_index), theirs(x, their_edges), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("self_loops", [True, False])
def test_graph_with_existing_self_loops_and_isolated_nodes(self_loops):
    torch.manual_seed(3)
    n = 40
    edge_index = random_graph(25, 60, seed=3, loops=6)  # nodes 25..39 have no edges at all
    x = torch.randn(n, 4)
    theirs = PygGCNConv(4, 6, add_self_loops=self_loops)
    ours = GCNConv(4, 6, self_loops=self_loops)
    copy_into(ours, theirs)
    torch.testing.assert_close(ours(x, edge_index), theirs(x, edge_index), atol=1e-5, rtol=1e-5)


def test_edge_weights_and_gradients_match():
    torch.manual_seed(4)
    n = 50
    edge_index = random_graph(n, 200, seed=4, loops=5)
    edge_weight = torch.rand(edge_index.size(1)) + 0.1
    x = torch.randn(n, 8)
    theirs = PygGCNConv(8, 4)
    ours = GCNConv(8, 4)
    copy_into(ours, theirs)
    out_ours = ours(x, edge_index, edge_weight)
    out_theirs = theirs(x, edge_index, edge_weight)
    torch.testing.assert_close(out_ours, out_theirs, atol=1e-5, rtol=1e-5)
    out_ours.square().sum().backward()
    out_theirs.square().sum().backward()
    torch.testing.assert_close(ours.weight.grad, theirs.lin.weight.grad.T, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(ours.bias.grad, theirs.bias.grad, atol=1e-4, rtol=1e-4)


def test_sparse_input_and_cache():
    torch.manual_seed(5)
    n = 20
    edge_index = random_graph(n, 50, seed=5, undirected=True)
    x = (torch.rand(n, 10) < 0.2).float()  # a sparse bag of words
    layer = GCNConv(10, 3, cached=True)
    dense = layer(x, edge_index)
    torch.testing.assert_close(layer(x.to_sparse(), edge_index), dense)
    # the cache keeps the first graph's matrix, by design
    assert layer._cache is not None
    torch.testing.assert_close(layer(x, edge_index[:, :4]), dense)


def test_two_node_graph_by_hand():
    # A - B with self-loops: every degree is 2, so every coefficient is 1/2.
    layer = GCNConv(1, 1, bias=False)
    with torch.no_grad():
        layer.weight.fill_(1.0)
    out = layer(torch.tensor([[1.0], [3.0]]), torch.tensor([[0, 1], [1, 0]]))
    torch.testing.assert_close(out, torch.tensor([[2.0], [2.0]]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="in_features"):
        GCNConv(0, 3)
    layer = GCNConv(4, 2)
    with pytest.raises(ValueError, match="shape"):
        layer(torch.randn(5, 3), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="num_nodes"):
        layer(torch.randn(5, 4), torch.tensor([[0], [7]]))


# ----------------------------------------------------------------------------- shared helpers


def test_glorot_uniform_draws_within_the_papers_bound():
    from dlbook.nn._graph import glorot_uniform_

    p = torch.empty(3, 40, 60)  # fans are the last two sizes
    torch.manual_seed(0)
    glorot_uniform_(p)
    bound = (6.0 / (40 + 60)) ** 0.5
    assert p.abs().max() <= bound and p.abs().max() > 0.95 * bound
    # Uniform on [-b, b] has variance b^2 / 3.
    assert abs(p.var().item() - bound**2 / 3) < 0.1 * bound**2 / 3
    # One uniform draw, as torch.nn.init.uniform_ would make with that bound.
    torch.manual_seed(0)
    assert torch.equal(p, torch.empty(3, 40, 60).uniform_(-bound, bound))


def test_transform_features_dense_and_sparse_agree():
    from dlbook.nn._graph import transform_features

    x = torch.randn(5, 4) * (torch.rand(5, 4) < 0.5)
    w = torch.randn(4, 3)
    dense = transform_features(x, w)
    assert torch.allclose(dense, x @ w)
    assert torch.allclose(transform_features(x.to_sparse(), w), dense, atol=1e-6)
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        transform_features(torch.randn(5, 3), w)
