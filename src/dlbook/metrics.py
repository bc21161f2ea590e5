r"""Scores that several pages compute: root-mean-square error and exact-match accuracy.

Statistical comparisons of two models (McNemar's test, the paired bootstrap) are in
``dlbook.stats``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["exact_match", "rmse"]


def _as_float_array(values) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor
        values = values.detach().cpu()
    return np.asarray(values, dtype=np.float64)


def rmse(predictions, targets) -> float:
    r"""Root-mean-square error, :math:`\sqrt{\tfrac1n \sum_k (\hat y_k - y_k)^2}`, as a float.

    Takes arrays, lists or tensors of the same shape; computed in float64.
    """
    p, t = _as_float_array(predictions), _as_float_array(targets)
    if p.shape != t.shape:
        raise ValueError(f"predictions {p.shape} and targets {t.shape} must have the same shape")
    if p.size == 0:
        raise ValueError("rmse of an empty array is undefined")
    return float(np.sqrt(np.mean((p - t) ** 2)))


def exact_match(predictions: Sequence[str], targets: Sequence[str]) -> float:
    """Fraction of predictions that equal their target exactly (NaN for no targets)."""
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions for {len(targets)} targets")
    if not targets:
        return math.nan
    return sum(p == t for p, t in zip(predictions, targets, strict=True)) / len(targets)
