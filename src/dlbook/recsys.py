"""Collaborative filtering on explicit ratings: the baselines, and training and scoring a model.

A rating data set is three aligned arrays: ``users`` and ``items`` (0-based integer ids) and
``ratings`` (floats). Everything here takes and returns those arrays, so the same code serves
MovieLens and the small synthetic tables of the tests.

* :class:`GlobalMean` and :class:`BiasBaseline` are the baselines every recommender must beat;
* :func:`fit_ratings` trains a PyTorch rating model such as
  :class:`dlbook.nn.MatrixFactorization` (full batch or mini-batches, Adam) on an explicitly
  regularised squared error with :func:`dlbook.train.fit`, and :func:`predict_ratings` returns
  its predictions on the rating scale.

Rows are split with :mod:`dlbook.splits` and scored with :func:`dlbook.metrics.rmse`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from dlbook.metrics import rmse
from dlbook.train import History, TensorBatcher, fit

__all__ = ["BiasBaseline", "GlobalMean", "fit_ratings", "predict_ratings"]


# ------------------------------------------------------------------------------------------
# Baselines
# ------------------------------------------------------------------------------------------


def _as_index(a, name: str, size: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-D array of integer ids, got {arr.dtype} {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} must lie in [0, {size}), got ids from {arr.min()} to {arr.max()}")
    return arr.astype(np.int64)


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
    progress: bool = False,
) -> History:
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
    :math:`J`. The loop is :func:`dlbook.train.fit`.

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
    progress : bool, default False
        Show :func:`dlbook.train.fit`'s progress line.

    Returns
    -------
    dlbook.train.History
        ``"loss"`` (the objective :math:`J` seen during the epoch, averaged over its batches),
        ``"rmse"`` (training RMSE of the epoch's predictions, before the update) and, with
        ``validation``, ``"val_rmse"``: one value per epoch, ready for
        :func:`dlbook.plot.curves.plot_history`.
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

    def loss_fn(model, batch):
        bu, bi, br = batch
        sq = (model(bu, bi) - br).pow(2).mean()  # mean squared error of the batch
        loss = sq + penalty() / n if penalty is not None else sq
        return loss, {"mse": sq}

    def val_loss_fn(model, batch):
        vu, vi, vr = batch
        value = rmse(predict_ratings(model, vu, vi, clip=clip), vr)
        return torch.tensor(value**2), {"rmse": value}

    history = fit(
        model,
        loss_fn,
        TensorBatcher([u, i, r], batch_size, seed=seed),
        optimizer=torch.optim.Adam(model.parameters(), lr=lr),
        epochs=epochs,
        val_data=None if validation is None else [tuple(validation)],
        val_loss_fn=val_loss_fn,
        progress=progress,
    )
    history["rmse"] = [math.sqrt(v) for v in history.pop("mse")]
    history.pop("val_loss", None)  # the square of val_rmse
    return history
