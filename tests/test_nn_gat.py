"""The from-scratch GAT layer equals PyTorch Geometric's GATConv with copied weights."""

import pytest
import torch
from torch_geometric.nn import GATConv as PygGATConv
from torch_geometric.utils import softmax as pyg_softmax

from dlbook.nn.gat import GATConv, edge_softmax


def copy_into(ours, theirs, heads, out):
    with torch.no_grad():
        ours.weight.copy_(theirs.lin.weight.T)  # PyG: (heads * out, in)
        ours.att_src.copy_(theirs.att_src.view(heads, out))
        ours.att_dst.copy_(theirs.att_dst.view(heads, out))
        ours.bias.copy_(torch.randn_like(ours.bias))
        theirs.bias.copy_(ours.bias)


@pytest.mark.parametrize("heads", [1, 4])
@pytest.mark.parametrize("concat", [True, False])
@pytest.mark.parametrize("with_loops", [0, 5])
def test_equals_pyg_gatconv(heads, concat, with_loops):
    torch.manual_seed(heads + 10 * with_loops)
    n = 40
    edge_index = torch.randint(0, n, (2, 150))
    if with_loops:
        loops = torch.arange(with_loops)
        edge_index = torch.cat([edge_index, loops.repeat(2, 1)], dim=1)
    x = torch.randn(n, 7)
    theirs = PygGATConv(7, 5, heads=heads, concat=concat)
    ours = GATConv(7, 5, heads=heads, concat=concat)
    copy_into(ours, theirs, heads, 5)
    out_ours, (ei, alpha) = ours(x, edge_index, return_attention=True)
    out_theirs, (ei_t, alpha_t) = theirs(x, edge_index, return_attention_weights=True)
    torch.testing.assert_close(out_ours, out_theirs, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ei, ei_t)
    torch.testing.assert_close(alpha, alpha_t, atol=1e-5, rtol=1e-5)


def test_without_self_loops_and_sparse_input():
    torch.manual_seed(1)
    n = 25
    edge_index = torch.randint(0, n, (2, 80))
    x = (torch.rand(n, 9) < 0.3).float()
    theirs = PygGATConv(9, 3, heads=2, add_self_loops=False)
    ours = GATConv(9, 3, heads=2, self_loops=False)
    copy_into(ours, theirs, 2, 3)
    expected = theirs(x, edge_index)
    torch.testing.assert_close(ours(x, edge_index), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours(x.to_sparse(), edge_index), expected, atol=1e-5, rtol=1e-5)


def test_edge_softmax():
    torch.manual_seed(2)
    index = torch.tensor([0, 0, 1, 2, 2, 2])
    scores = torch.randn(6, 3) * 50  # large scores must not overflow
    alpha = edge_softmax(scores, index, 4)
    assert torch.isfinite(alpha).all()
    sums = torch.zeros(4, 3).index_add_(0, index, alpha)
    torch.testing.assert_close(sums[:3], torch.ones(3, 3))
    torch.testing.assert_close(alpha, pyg_softmax(scores, index, num_nodes=4))


def test_attention_dropout_only_in_training():
    torch.manual_seed(3)
    layer = GATConv(4, 2, heads=2, dropout=0.5)
    x, edge_index = torch.randn(10, 4), torch.randint(0, 10, (2, 30))
    layer.eval()
    torch.testing.assert_close(layer(x, edge_index), layer(x, edge_index))
    layer.train()
    assert not torch.allclose(layer(x, edge_index), layer(x, edge_index))


def test_bad_arguments():
    with pytest.raises(ValueError, match="heads"):
        GATConv(3, 2, heads=0)
    with pytest.raises(ValueError, match="dropout"):
        GATConv(3, 2, dropout=1.5)
    with pytest.raises(ValueError, match="shape"):
        GATConv(3, 2)(torch.randn(4, 5), torch.tensor([[0], [1]]))
