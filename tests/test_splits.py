"""Tests of dlbook.splits: hold-out, K-fold, chronological and time splits."""

import numpy as np
import pandas as pd
import pytest

from dlbook.splits import chronological_split, holdout_split, kfold_indices, time_split


def test_holdout_split_is_a_seeded_sorted_partition():
    train, test = holdout_split(1000, 0.2, seed=3)
    assert len(test) == 200 and len(train) == 800
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(1000))
    again = holdout_split(1000, 0.2, seed=3)
    assert np.array_equal(again[1], test)
    assert not np.array_equal(holdout_split(1000, 0.2, seed=4)[1], test)


def test_sorted_kfold_covers_every_row_once():
    folds = kfold_indices(103, n_splits=5, seed=0, sort=True)
    assert len(folds) == 5
    tests = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tests), np.arange(103))
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == 103
        assert len(test) in (20, 21)


@pytest.mark.parametrize(
    "call",
    [
        lambda: holdout_split(10, 1.0),
        lambda: holdout_split(1, 0.5),
        lambda: kfold_indices(10, n_splits=1),
        lambda: kfold_indices(3, n_splits=4),
    ],
)
def test_bad_split_arguments(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("n, k", [(10, 2), (11, 3), (442, 4), (5, 5)])
def test_kfold_validates_every_sample_exactly_once(n, k):
    folds = kfold_indices(n, k, seed=1)
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(val), np.arange(n))
    for train, v in folds:
        assert len(np.intersect1d(train, v)) == 0
        assert len(train) + len(v) == n
        assert abs(len(v) - n / k) < 1  # folds of (almost) equal size


def test_kfold_shuffle_is_seeded_and_optional():
    a = [v.tolist() for _, v in kfold_indices(12, 3, seed=0)]
    b = [v.tolist() for _, v in kfold_indices(12, 3, seed=0)]
    assert a == b
    plain = [v.tolist() for _, v in kfold_indices(6, 3, shuffle=False)]
    assert plain == [[0, 1], [2, 3], [4, 5]]


def test_kfold_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_splits must"):
        (kfold_indices(10, 1))
    with pytest.raises(ValueError, match="at least"):
        (kfold_indices(3, 4))


def test_sorted_folds_are_the_shuffled_folds_sorted():
    for (a_train, a_val), (b_train, b_val) in zip(
        kfold_indices(50, 4, seed=2), kfold_indices(50, 4, seed=2, sort=True), strict=True
    ):
        assert np.array_equal(np.sort(a_train), b_train) and np.array_equal(np.sort(a_val), b_val)
        assert not np.array_equal(a_val, b_val)  # shuffled order unless asked


def test_chronological_split_covers_range_in_order():
    blocks = chronological_split(10, (0.6, 0.2, 0.2))
    assert blocks == [(0, 6), (6, 8), (8, 10)]
    blocks = chronological_split(8731, (0.6, 0.2, 0.2))
    assert blocks[0][0] == 0 and blocks[-1][1] == 8731
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:], strict=False))


@pytest.mark.parametrize(
    "n, fractions", [(0, (1.0,)), (10, (0.5, 0.4)), (10, (1.2, -0.2)), (2, (0.4, 0.3, 0.3))]
)
def test_chronological_split_rejects_bad_arguments(n, fractions):
    with pytest.raises(ValueError):
        chronological_split(n, fractions)


def test_time_split_cuts_like_chronological_split_but_never_between_equal_times():
    times = pd.Series([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    frame = pd.DataFrame({"t": times.sample(frac=1.0, random_state=0), "x": range(10)})
    parts = time_split(frame, "t", (0.6, 0.2, 0.2))
    bounds = chronological_split(10, (0.6, 0.2, 0.2))
    assert [len(p) for p in parts] == [b - a for a, b in bounds]
    assert [p["t"].tolist() for p in parts] == [[0, 1, 2, 3, 4, 5], [6, 7], [8, 9]]
    tied = pd.DataFrame({"t": [0, 1, 1, 1, 2, 3, 4, 4, 5, 6]})
    parts = time_split(tied, "t", (0.2, 0.5, 0.3))
    assert [p["t"].tolist() for p in parts] == [[0, 1, 1, 1], [2, 3, 4, 4], [5, 6]]
    assert sum(len(p) for p in parts) == len(tied)
    with pytest.raises(ValueError, match="sum to 1"):
        time_split(tied, "t", (0.5, 0.4))
