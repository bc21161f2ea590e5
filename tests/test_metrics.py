"""Tests of dlbook.metrics: RMSE and exact match."""

import numpy as np
import pytest
import torch

from dlbook.metrics import exact_match, rmse


def test_rmse():
    assert rmse([1.0, 2.0], [1.0, 4.0]) == pytest.approx(np.sqrt(2.0))
    assert rmse(torch.tensor([3.0]), np.array([3.0])) == 0.0
    with pytest.raises(ValueError):
        rmse([1.0, 2.0], [1.0])


def test_exact_match():
    assert exact_match(["a", "b", "c"], ["a", "x", "c"]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        exact_match(["a"], ["a", "b"])
