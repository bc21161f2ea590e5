r"""Splitting a data set's rows: hold-out, K-fold and splits in time.

Every function returns row indices (or, for :func:`time_split`, the frames themselves), so the
same split serves NumPy arrays, tensors and data frames.

* :func:`holdout_split`: a seeded random cut into training and test rows;
* :func:`kfold_indices`: K-fold cross-validation, every row validated exactly once;
* :func:`chronological_split`: consecutive blocks of time steps, oldest first;
* :func:`time_split`: the same for a data frame with a time column, never cutting between
  rows with the same time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["chronological_split", "holdout_split", "kfold_indices", "time_split"]


def _check_count(n: object, name: str = "n", minimum: int = 2) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def holdout_split(
    n: int, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the row indices ``0..n-1`` and cut them into a training and a test part.

    Parameters
    ----------
    n : int
        Number of rows (at least 2).
    test_fraction : float, default 0.2
        Share of the rows in the test part, strictly between 0 and 1.
    seed : int, default 0
        Seed of the permutation: the same seed gives the same split.

    Returns
    -------
    train_idx, test_idx : ndarray of int64
        Sorted, disjoint, together covering every row;
        ``len(test_idx) == round(test_fraction * n)`` (at least one row on each side).
    """
    n = _check_count(n)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = min(max(int(round(test_fraction * n)), 1), n - 1)
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def kfold_indices(
    n: int, n_splits: int = 5, *, shuffle: bool = True, seed: int = 0, sort: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train_indices, validation_indices)`` for each of ``n_splits`` folds.

    The rows are permuted (with ``seed``) and cut into ``n_splits`` folds whose sizes differ by
    at most one; fold ``i`` is the validation set of round ``i`` and the other folds, in order,
    form its training set. Every row is validated exactly once.

    Parameters
    ----------
    n : int
        Number of rows.
    n_splits : int, default 5
        Number of folds :math:`K`, ``2 <= n_splits <= n``.
    shuffle : bool, default True
        Permute the rows before cutting the folds. Leave it on unless the data are already in
        random order.
    seed : int, default 0
        Seed of the permutation.
    sort : bool, default False
        Return every index array sorted (rows in table order) instead of in shuffled order.

    Returns
    -------
    list of (ndarray, ndarray)
        ``n_splits`` pairs of int64 index arrays.
    """
    n_splits = _check_count(n_splits, "n_splits")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < n_splits:
        raise ValueError(f"need at least n_splits={n_splits} rows for {n_splits} folds, got {n!r}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    folds = np.array_split(order, n_splits)
    out = []
    for i, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        out.append((np.sort(train), np.sort(val)) if sort else (train, val))
    return out


def _boundaries(n: int, fractions: Sequence[float]) -> np.ndarray:
    # Half-open block boundaries 0 = b_0 <= b_1 <= ... <= b_k = n, rounded to the nearest row.
    bounds = np.rint(np.concatenate([[0.0], np.cumsum(fractions)]) * n).astype(int)
    bounds[-1] = n
    return bounds


def chronological_split(
    n: int, fractions: Sequence[float] = (0.6, 0.2, 0.2)
) -> list[tuple[int, int]]:
    """Cut ``range(n)`` into consecutive ``(start, end)`` blocks, oldest first.

    Time series are split by time, never shuffled: the model is trained on the past and judged
    on a future it has not seen, which is how it will be used.

    Parameters
    ----------
    n : int
        Number of time steps.
    fractions : sequence of float, default (0.6, 0.2, 0.2)
        Positive shares of the blocks (train, validation, test, ...); they must sum to 1.

    Returns
    -------
    list of (int, int)
        Half-open boundaries; the blocks are contiguous and together cover ``range(n)``.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    shares = np.asarray(fractions, dtype=float)
    if shares.ndim != 1 or len(shares) == 0 or np.any(shares <= 0):
        raise ValueError(f"fractions must be positive numbers, got {fractions!r}")
    if not np.isclose(shares.sum(), 1.0):
        raise ValueError(f"fractions must sum to 1, got {shares.sum():.4f}")
    bounds = _boundaries(n, shares)
    if np.any(np.diff(bounds) == 0):
        raise ValueError(f"n={n} is too small to give every block of {fractions!r} a time step")
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def time_split(df, column: str, fractions: Sequence[float] = (0.5, 0.25, 0.25)) -> tuple:
    """Split a data frame into consecutive time periods (no shuffling, no leakage).

    Rows are sorted by ``column`` (stably) and cut where :func:`chronological_split` would cut
    their positions, except that rows with equal times never straddle a cut: a cut moves
    forward to the next distinct time (so a block may come out empty).

    Parameters
    ----------
    df : pandas.DataFrame
        The rows to split.
    column : str
        The time column.
    fractions : sequence of float, default (0.5, 0.25, 0.25)
        Non-negative shares of the blocks; they must sum to 1.

    Returns
    -------
    tuple of pandas.DataFrame
        One frame per fraction, in time order, each with its original index.
    """
    shares = [float(f) for f in fractions]
    if any(f < 0 for f in shares) or not np.isclose(sum(shares), 1.0):
        raise ValueError("fractions must be non-negative and sum to 1")
    ordered = df.sort_values(column, kind="stable")
    times = ordered[column].to_numpy()
    n = len(ordered)
    cuts = [0]
    for bound in _boundaries(n, shares)[1:-1]:
        cut = max(int(bound), cuts[-1])
        while 0 < cut < n and times[cut] == times[cut - 1]:
            cut += 1
        cuts.append(cut)
    cuts.append(n)
    return tuple(ordered.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True))
