"""Graph readouts equal PyTorch Geometric's global pooling functions."""

import pytest
import torch
from torch_geometric import nn as pyg_nn

from dlbook.nn.pooling import global_add_pool, global_max_pool, global_mean_pool


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (global_add_pool, pyg_nn.global_add_pool),
        (global_mean_pool, pyg_nn.global_mean_pool),
        (global_max_pool, pyg_nn.global_max_pool),
    ],
)
def test_equals_pyg(ours, theirs):
    torch.manual_seed(0)
    sizes = torch.tensor([3, 1, 7, 4])
    batch = torch.repeat_interleave(torch.arange(4), sizes)
    x = torch.randn(int(sizes.sum()), 5) - 3.0  # all negative: max must not clip at zero
    torch.testing.assert_close(ours(x, batch), theirs(x, batch))
    torch.testing.assert_close(ours(x, batch, 4), theirs(x, batch, 4))


def test_values_by_hand_and_empty_graph():
    x = torch.tensor([[1.0], [2.0], [5.0]])
    batch = torch.tensor([0, 0, 2])  # graph 1 has no nodes
    torch.testing.assert_close(global_add_pool(x, batch), torch.tensor([[3.0], [0.0], [5.0]]))
    torch.testing.assert_close(global_mean_pool(x, batch), torch.tensor([[1.5], [0.0], [5.0]]))
    torch.testing.assert_close(global_max_pool(x, batch), torch.tensor([[2.0], [0.0], [5.0]]))


def test_sum_sees_multiset_size_mean_and_max_do_not():
    # {1, 1} and {1}: the sum tells them apart, the mean and the max cannot.
    x = torch.tensor([[1.0], [1.0], [1.0]])
    batch = torch.tensor([0, 0, 1])
    assert global_add_pool(x, batch)[0] != global_add_pool(x, batch)[1]
    assert global_mean_pool(x, batch)[0] == global_mean_pool(x, batch)[1]
    assert global_max_pool(x, batch)[0] == global_max_pool(x, batch)[1]


def test_bad_arguments():
    x = torch.randn(3, 2)
    with pytest.raises(ValueError, match="batch"):
        global_add_pool(x, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="num_graphs"):
        global_mean_pool(x, torch.tensor([0, 1, 2]), num_graphs=2)
    with pytest.raises(ValueError, match="shape"):
        global_max_pool(torch.randn(3), torch.tensor([0, 0, 0]))
