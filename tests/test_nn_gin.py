"""The from-scratch GIN layer equals PyTorch Geometric's GINConv with the same MLP."""

import copy

import pytest
import torch
from torch import nn
from torch_geometric.nn import GINConv as PygGINConv

from dlbook.nn.gin import GINConv


def make_mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4))


@pytest.mark.parametrize("eps", [0.0, 0.3])
@pytest.mark.parametrize("train_eps", [False, True])
def test_equals_pyg_ginconv(eps, train_eps):
    torch.manual_seed(0)
    n = 35
    edge_index = torch.randint(0, n, (2, 120))
    x = torch.randn(n, 6)
    theirs = PygGINConv(make_mlp(), eps, train_eps=train_eps)  # (PyG re-initialises its MLP)
    mlp = copy.deepcopy(theirs.nn)
    ours = GINConv(mlp, eps, train_eps=train_eps)
    out_ours, out_theirs = ours(x, edge_index), theirs(x, edge_index)
    torch.testing.assert_close(out_ours, out_theirs, atol=1e-5, rtol=1e-5)
    out_ours.sum().backward()
    out_theirs.sum().backward()
    torch.testing.assert_close(mlp[0].weight.grad, theirs.nn[0].weight.grad, atol=1e-4, rtol=1e-4)
    if train_eps:
        torch.testing.assert_close(ours.eps.grad, theirs.eps.grad.reshape(()), atol=1e-4, rtol=1e-4)
        assert "eps" in dict(ours.named_parameters())
    else:
        assert "eps" not in dict(ours.named_parameters())


def test_sum_aggregation_by_hand():
    # Star: centre 0 receives from 1, 2, 3. Identity MLP shows the raw aggregate.
    edge_index = torch.tensor([[1, 2, 3], [0, 0, 0]])
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    out = GINConv(nn.Identity(), eps=0.5)(x, edge_index)
    torch.testing.assert_close(out, torch.tensor([[1.5 + 9.0], [3.0], [4.5], [6.0]]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="mlp"):
        GINConv("not a module")
    with pytest.raises(ValueError, match="num_nodes"):
        GINConv(nn.Identity())(torch.randn(3, 2), torch.tensor([[0], [5]]))
