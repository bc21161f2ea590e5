"""Collaborative filtering on explicit ratings: baselines, matrix factorisation and helpers.

A rating data set is three aligned arrays: ``users`` and ``items`` (0-based integer ids) and
``ratings`` (floats). Everything here takes and returns those arrays, so the same code serves
MovieLens and the small synthetic tables of the tests.

* :func:`train_test_split_ratings` and :func:`kfold_indices` split the rows of a rating table;
* :class:`GlobalMean` and :class:`BiasBaseline` are the baselines every recommender must beat;
* :class:`dlbook.nn.MatrixFactorization` is the biased dot-product model of Koren et al. (2009);
* :func:`fit_ratings` trains any such PyTorch model (full batch or mini-batches, Adam) on an
  explicitly regularised squared error, and :func:`predict_ratings` / :func:`rmse` score it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "BiasBaseline",
    "GlobalMean",
    "fit_ratings",
    "kfold_indices",
    "predict_ratings",
    "rmse",
    "train_test_split_ratings",
]


# ------------------------------------------------------------------------------------------
# Splitting and scoring
# ------------------------------------------------------------------------------------------


def _check_n(n: int) -> None:
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer number of ratings >= 2, got {n!r}")


def train_test_split_ratings(
    n: int, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the row indices ``0..n-1`` and cut them into a training and a test part.

    Parameters
    ----------
    n : int
        Number of ratings (rows).
    test_fraction : float
        Share of the rows in the test part, strictly between 0 and 1.
    seed : int
        Seed of the permutation: the same seed gives the same split.

    Returns
    -------
    train_idx, test_idx : ndarray of int64
        Disjoint, together covering every row; ``len(test_idx) == round(test_fraction * n)``.
    """
    _check_n(n)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = min(max(int(round(test_fraction * n)), 1), n - 1)
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def kfold_indices(n: int, n_splits: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled k-fold cross-validation over the rows of a rating table.

    Every row is in exactly one test fold; fold sizes differ by at most one.

    Returns
    -------
    list of (train_idx, test_idx)
        ``n_splits`` pairs of sorted int64 index arrays.
    """
    _check_n(n)
    if not isinstance(n_splits, (int, np.integer)) or not 2 <= n_splits <= n:
        raise ValueError(f"n_splits must be an integer between 2 and n={n}, got {n_splits!r}")
    perm = np.random.default_rng(seed).permutation(n)
    folds = np.array_split(perm, n_splits)
    out = []
    for k, test in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        out.append((np.sort(train), np.sort(test)))
    return out


def rmse(predictions, targets) -> float:
    r"""Root-mean-square error, :math:`\sqrt{\tfrac1n \sum_k (\hat r_k - r_k)^2}`, as a float."""
    p = np.asarray(
        predictions.detach().cpu() if isinstance(predictions, torch.Tensor) else predictions,
        dtype=np.float64,
    )
    t = np.asarray(
        targets.detach().cpu() if isinstance(targets, torch.Tensor) else targets,
        dtype=np.float64,
    )
    if p.shape != t.shape:
        raise ValueError(f"predictions {p.shape} and targets {t.shape} must have the same shape")
    if p.size == 0:
        raise ValueError("rmse of an empty array is undefined")
    return float(np.sqrt(np.mean((p - t) ** 2)))


def _as_index(a, name: str, size: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-D array of integer ids, got {arr.dtype} {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} must lie in [0, {size}), got ids from {arr.min()} to {arr.max()}")
    return arr.astype(np.int64)


# ------------------------------------------------------------------------------------------
# Baselines
# ------------------------------------------------------------------------------------------


class GlobalMean:
    r"""Predict every rating as the mean training rating, :math:`\hat r_{ui} = \mu`."""

    def fit(self, users, items, ratings) -> GlobalMean:
        r = np.asarray(ratings, dtype=np.float64)
        if r.size == 0:
            raise ValueError("cannot fit on zero ratings")
        self.mean_ = float(r.mean())
        return self

    def predict(self, users, items) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise RuntimeError("call fit() before predict()")
        return np.full(len(np.asarray(users)), self.mean_)


class BiasBaseline:
    r"""User and item biases around the global mean, fitted by alternating least squares.

    .. math::

        \hat r_{ui} = \mu + b_u + b_i, \qquad
        \min_{b}\; \sum_{(u,i)} (r_{ui} - \mu - b_u - b_i)^2
            + \lambda_u \sum_u b_u^2 + \lambda_i \sum_i b_i^2 .

    With the user biases fixed, each item bias has the closed form
    :math:`b_i = \sum_{u \in U_i} (r_{ui} - \mu - b_u) / (\lambda_i + |U_i|)`, and symmetrically
    for users; alternating the two updates is the baseline of Koren (2010) and of the Surprise
    library's ``BaselineOnly`` (whose defaults are ``reg_u=15``, ``reg_i=10``, 10 epochs).
    Users or items without training ratings keep a bias of zero.

    Parameters
    ----------
    num_users, num_items : int
        Sizes of the id ranges.
    reg_user, reg_item : float
        :math:`\lambda_u` and :math:`\lambda_i` (>= 0).
    n_epochs : int
        Number of alternating sweeps (items, then users).
    """

    def __init__(
        self,
        num_users: int,
        num_items: int,
        reg_user: float = 15.0,
        reg_item: float = 10.0,
        n_epochs: int = 10,
    ) -> None:
        if num_users < 1 or num_items < 1:
            raise ValueError("num_users and num_items must be positive")
        if reg_user < 0 or reg_item < 0:
            raise ValueError("regularisation strengths must be >= 0")
        if n_epochs < 1:
            raise ValueError(f"n_epochs must be >= 1, got {n_epochs}")
        self.num_users, self.num_items = int(num_users), int(num_items)
        self.reg_user, self.reg_item, self.n_epochs = float(reg_user), float(reg_item), n_epochs

    def fit(self, users, items, ratings) -> BiasBaseline:
        u = _as_index(users, "users", self.num_users)
        i = _as_index(items, "items", self.num_items)
        r = np.asarray(ratings, dtype=np.float64)
        if not len(u) == len(i) == len(r) or r.size == 0:
            raise ValueError("users, items and ratings must be non-empty and of equal length")
        self.mean_ = float(r.mean())
        n_u = np.bincount(u, minlength=self.num_users)  # (num_users,)
        n_i = np.bincount(i, minlength=self.num_items)  # (num_items,)
        self.user_bias_ = np.zeros(self.num_users)
        self.item_bias_ = np.zeros(self.num_items)
        for _ in range(self.n_epochs):
            resid = r - self.mean_ - self.user_bias_[u]
            self.item_bias_ = np.bincount(i, resid, self.num_items) / (self.reg_item + n_i)
            resid = r - self.mean_ - self.item_bias_[i]
            self.user_bias_ = np.bincount(u, resid, self.num_users) / (self.reg_user + n_u)
        return self

    def predict(self, users, items) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise RuntimeError("call fit() before predict()")
        u = _as_index(users, "users", self.num_users)
        i = _as_index(items, "items", self.num_items)
        return self.mean_ + self.user_bias_[u] + self.item_bias_[i]


# ------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------


def _tensor(a, dtype: torch.dtype, device) -> torch.Tensor:
    if isinstance(a, torch.Tensor):
        return a.to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)


def _device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


@torch.no_grad()
def predict_ratings(
    model: nn.Module,
    users,
    items,
    *,
    clip: tuple[float, float] | None = (1.0, 5.0),
    batch_size: int = 65536,
) -> np.ndarray:
    """Predictions of a ``model(users, items)`` as a NumPy array, clipped to the rating scale.

    ``clip=None`` returns the raw outputs. The model is put in evaluation mode and left there.
    """
    model.eval()
    device = _device(model)
    u = _tensor(users, torch.long, device)
    i = _tensor(items, torch.long, device)
    if u.shape != i.shape or u.ndim != 1:
        raise ValueError(f"users {tuple(u.shape)} and items {tuple(i.shape)} must be equal 1-D")
    out = [
        model(u[s : s + batch_size], i[s : s + batch_size]) for s in range(0, len(u), batch_size)
    ]
    pred = torch.cat(out) if out else torch.empty(0)
    if clip is not None:
        pred = pred.clamp(*clip)
    return pred.cpu().numpy().astype(np.float64)


def fit_ratings(
    model: nn.Module,
    users,
    items,
    ratings,
    *,
    epochs: int = 100,
    lr: float = 0.05,
    batch_size: int | None = None,
    validation: Sequence | None = None,
    seed: int = 0,
    clip: tuple[float, float] | None = (1.0, 5.0),
) -> dict[str, list[float]]:
    r"""Train a rating model with Adam on the mean squared error plus its L2 penalty.

    The objective over the :math:`N` training ratings is

    .. math::

        J = \frac1N \sum_{(u,i)} (\hat r_{ui} - r_{ui})^2 + \frac1N\, \Omega(\theta),

    where :math:`\Omega` is ``model.penalty()`` when the model has one (zero otherwise). Dividing
    the penalty by :math:`N` makes :math:`N J` the classic sum-of-squares objective, so a
    regularisation strength means the same thing as in :class:`BiasBaseline`. With
    ``batch_size=None`` every step uses all ratings (full-batch training: one step per
    epoch, deterministic); otherwise each epoch visits shuffled mini-batches and each batch's
    mean squared error is paired with the full :math:`\Omega / N`, an unbiased estimate of
    :math:`J`.

    Parameters
    ----------
    model : torch.nn.Module
        Called as ``model(users, items)`` on long tensors, returning ``(batch,)`` predictions.
    users, items, ratings : array-like
        Training data, aligned 1-D arrays.
    epochs : int
        Passes over the training data.
    lr : float
        Adam learning rate.
    batch_size : int or None
        Mini-batch size; ``None`` for full-batch training.
    validation : (users, items, ratings) or None
        When given, its RMSE (predictions clipped to ``clip``) is recorded after every epoch.
    seed : int
        Seed of the mini-batch order.
    clip : (low, high) or None
        Rating scale for the validation predictions.

    Returns
    -------
    dict of lists
        ``"loss"`` (the objective :math:`J` seen during the epoch), ``"rmse"`` (training RMSE
        of the epoch's predictions, before the update) and, with ``validation``,
        ``"val_rmse"``: one value per epoch, ready for :func:`dlbook.plot.curves.plot_history`.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size}")
    device = _device(model)
    u = _tensor(users, torch.long, device)
    i = _tensor(items, torch.long, device)
    r = _tensor(ratings, torch.float32, device)
    if not (u.ndim == i.ndim == r.ndim == 1 and len(u) == len(i) == len(r) > 0):
        raise ValueError("users, items and ratings must be non-empty 1-D arrays of equal length")
    n = len(r)
    penalty = getattr(model, "penalty", None)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"loss": [], "rmse": []}
    if validation is not None:
        history["val_rmse"] = []
    for _ in range(epochs):
        model.train()
        if batch_size is None:
            batches = [(u, i, r)]  # full batch: no copying
        else:
            order = torch.randperm(n, generator=generator).to(device)
            batches = [(u[b], i[b], r[b]) for b in order.split(batch_size)]
        total_loss, total_sq = 0.0, 0.0
        for bu, bi, br in batches:
            optimizer.zero_grad()
            err = model(bu, bi) - br  # (batch,)
            sq = err.pow(2).mean()
            loss = sq + penalty() / n if penalty is not None else sq
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(br)
            total_sq += sq.item() * len(br)
        history["loss"].append(total_loss / n)
        history["rmse"].append(math.sqrt(total_sq / n))
        if validation is not None:
            vu, vi, vr = validation
            history["val_rmse"].append(rmse(predict_ratings(model, vu, vi, clip=clip), vr))
    model.eval()
    return history
