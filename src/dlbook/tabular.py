"""Plumbing for neural networks on tables: category codes, one-hot batches and training.

A table with categorical columns reaches a network as integer codes, one column per variable.
:class:`CategoryEncoder` learns the codes on the training rows (``0`` is kept for categories it
never saw, or saw too rarely), :func:`one_hot_sparse` turns a batch of codes into the sparse
one-hot matrix a plain dense network would read, :func:`default_embedding_dim` proposes an
embedding size per variable, and :func:`fit_binary_classifier` trains any
``model(*inputs) -> logits`` with :func:`dlbook.train.fit`, keeping its best epoch on a
validation set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from dlbook.train import History, TensorBatcher, fit

__all__ = [
    "CategoryEncoder",
    "default_embedding_dim",
    "fit_binary_classifier",
    "one_hot_sparse",
    "predict_logits",
]


class CategoryEncoder:
    """Integer codes for categorical columns, learned on training data.

    Each column's categories seen at least ``min_count`` times during :meth:`fit` get the codes
    ``1..K`` (in order of decreasing frequency); everything else — rare categories, missing
    values and categories that only appear later — gets the code ``0``. A column therefore
    needs an embedding table (or one-hot block) of ``K + 1`` rows: its *cardinality* here.

    Parameters
    ----------
    min_count : int
        Minimum number of training occurrences for a category to get its own code.
    """

    def __init__(self, min_count: int = 1) -> None:
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"min_count must be a positive int, got {min_count!r}")
        self.min_count = min_count

    def fit(self, frame, columns: Sequence[str]) -> CategoryEncoder:
        """Learn the categories of ``columns`` (names of columns of the DataFrame ``frame``)."""
        columns = list(columns)
        if not columns:
            raise ValueError("columns must name at least one column")
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"columns {missing} are not in the frame")
        self.columns_ = columns
        self.categories_ = {}
        for col in columns:
            counts = frame[col].dropna().value_counts(sort=True)
            self.categories_[col] = list(counts.index[counts.to_numpy() >= self.min_count])
        return self

    @property
    def cardinalities(self) -> list[int]:
        """Rows each column needs in an embedding table: its kept categories plus code 0."""
        self._check_fitted()
        return [len(self.categories_[c]) + 1 for c in self.columns_]

    def transform(self, frame) -> np.ndarray:
        """Codes of the fitted columns of ``frame``, an int64 array of shape (rows, columns)."""
        self._check_fitted()
        import pandas as pd

        out = np.zeros((len(frame), len(self.columns_)), dtype=np.int64)
        for j, col in enumerate(self.columns_):
            # get_indexer gives -1 for anything not among the kept categories: code 0.
            out[:, j] = pd.Index(self.categories_[col]).get_indexer(frame[col]) + 1
        return out

    def fit_transform(self, frame, columns: Sequence[str]) -> np.ndarray:
        return self.fit(frame, columns).transform(frame)

    def _check_fitted(self) -> None:
        if not hasattr(self, "columns_"):
            raise RuntimeError("call fit() before using the encoder")


def default_embedding_dim(cardinality: int, max_dim: int = 16) -> int:
    r"""A modest embedding size for a variable with ``cardinality`` codes.

    .. math:: d = \min\bigl(d_{\max},\ \lceil \sqrt{K} \rceil\bigr)

    Two categories need one number, a hundred get ten, and no variable gets more than
    ``max_dim`` however many values it has. This is a starting point, not a law: the size is a
    hyperparameter like any other.
    """
    if cardinality < 1:
        raise ValueError(f"cardinality must be >= 1, got {cardinality}")
    if max_dim < 1:
        raise ValueError(f"max_dim must be >= 1, got {max_dim}")
    return int(min(max_dim, math.ceil(math.sqrt(cardinality))))


def one_hot_sparse(codes: torch.Tensor, cardinalities: Sequence[int]) -> torch.Tensor:
    r"""One-hot encode a batch of category codes, all variables side by side, as a sparse tensor.

    Row :math:`b` has a one in column :math:`o_j + c_{bj}` for every variable :math:`j`, where
    :math:`o_j = \sum_{l<j} K_l` is the offset of variable :math:`j`'s block.

    Parameters
    ----------
    codes : LongTensor of shape (batch, n_vars)
        Codes in ``[0, cardinalities[j])`` for column ``j``.
    cardinalities : sequence of int
        :math:`K_j`, the size of each variable's one-hot block.

    Returns
    -------
    torch.Tensor
        A sparse COO tensor of shape (batch, sum(cardinalities)) holding ``batch * n_vars`` ones.
    """
    if codes.ndim != 2 or codes.shape[1] != len(cardinalities):
        raise ValueError(
            f"codes must have shape (batch, {len(cardinalities)}), got {tuple(codes.shape)}"
        )
    card = torch.as_tensor(list(cardinalities), dtype=torch.long, device=codes.device)
    if codes.numel() and (bool((codes < 0).any()) or bool((codes >= card).any())):
        raise ValueError("every code must lie in [0, cardinality) of its column")
    offsets = torch.cumsum(card, 0) - card  # (n_vars,)
    batch, n_vars = codes.shape
    rows = torch.arange(batch, device=codes.device).repeat_interleave(n_vars)  # (batch*n_vars,)
    cols = (codes + offsets).reshape(-1)  # (batch*n_vars,)
    values = torch.ones(batch * n_vars, device=codes.device)
    size = (batch, int(card.sum()))
    indices = torch.stack([rows, cols])  # (2, batch*n_vars), valid by construction
    return torch.sparse_coo_tensor(indices, values, size, check_invariants=False).coalesce()


@torch.no_grad()
def predict_logits(model: nn.Module, inputs: Sequence[torch.Tensor], batch_size: int = 8192):
    """``model(*inputs)`` in evaluation mode, batch by batch, as a flat CPU tensor of logits."""
    model.eval()
    n = len(inputs[0])
    out = [model(*(x[s : s + batch_size] for x in inputs)) for s in range(0, n, batch_size)]
    return torch.cat(out).reshape(-1).cpu()


def fit_binary_classifier(
    model: nn.Module,
    train: Sequence[torch.Tensor],
    y_train: torch.Tensor,
    validation: Sequence[torch.Tensor],
    y_val: torch.Tensor,
    *,
    epochs: int = 5,
    batch_size: int = 1024,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    monitor: str = "val_loss",
    seed: int = 0,
    progress: bool = False,
) -> History:
    r"""Train ``model(*inputs) -> logits`` on binary labels, keeping the best validation epoch.

    Minimises the mean binary cross-entropy
    :math:`-\frac1N\sum_k [y_k \log \sigma(z_k) + (1-y_k)\log(1-\sigma(z_k))]` with AdamW over
    shuffled mini-batches, with :func:`dlbook.train.fit`. After each epoch the validation loss
    and ROC AUC are recorded; at the end the weights of the best epoch by ``monitor`` are
    restored (early stopping without the stopping: every epoch runs, so the curves show what
    came after the best one).

    Parameters
    ----------
    model : torch.nn.Module
        Returns one logit per row, shape ``(batch,)`` or ``(batch, 1)``.
    train, validation : sequence of tensors
        The model's inputs, each with the rows in its first dimension.
    y_train, y_val : tensor
        0/1 labels.
    epochs, batch_size, lr, weight_decay
        Optimisation settings (``weight_decay`` is AdamW's decoupled weight decay).
    monitor : {"val_loss", "val_auc"}
        Which validation score picks the epoch to keep (lowest loss or highest AUC).
    seed : int
        Fixes the order of the mini-batches.
    progress : bool, default False
        Show :func:`dlbook.train.fit`'s progress line.

    Returns
    -------
    dlbook.train.History
        ``"loss"`` (mean training loss of the epoch's batches), ``"val_loss"`` and ``"val_auc"``,
        one value per epoch. The restored epoch is the best one of ``history[monitor]``.
    """
    from sklearn.metrics import roc_auc_score

    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be positive")
    if monitor not in ("val_loss", "val_auc"):
        raise ValueError(f"monitor must be 'val_loss' or 'val_auc', got {monitor!r}")
    n = len(y_train)
    if any(len(x) != n for x in train) or any(len(x) != len(y_val) for x in validation):
        raise ValueError("every input must have one row per label")
    bce = nn.BCEWithLogitsLoss()

    def loss_fn(model, batch):
        *inputs, y = batch
        return bce(model(*inputs).reshape(-1), y)  # logits: (batch,)

    def val_loss_fn(model, batch):
        *inputs, y = batch  # the whole validation set: the AUC ranks all of it at once
        logits = predict_logits(model, inputs)
        auc = float(roc_auc_score(y.numpy(), logits.numpy()))
        return bce(logits, y), {"auc": auc}

    batches = TensorBatcher([*train, y_train.float().reshape(-1)], batch_size, seed=seed)
    return fit(
        model,
        loss_fn,
        batches,
        optimizer=torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay),
        epochs=epochs,
        val_data=[(*validation, y_val.float().reshape(-1))],
        val_loss_fn=val_loss_fn,
        monitor=monitor,
        mode="min" if monitor == "val_loss" else "max",
        progress=progress,
    )
