r"""Comparing two models that were scored on the same test set.

When two models answer the same test questions, their errors are correlated: an example that is
hard for one is usually hard for the other. Treating the two scores as independent samples (two
separate confidence intervals, a two-sample test) ignores that and is far too conservative, or
plainly wrong. The paired methods here look at the same examples under both models:

* :func:`mcnemar_exact` for accuracy: only the examples on which the models *disagree* carry
  information. With :math:`b` examples that only model A gets right and :math:`c` that only B
  gets right, under the null hypothesis of equal accuracy each disagreement is a fair coin, so
  :math:`b \sim \mathrm{Binomial}(b + c, 1/2)`; the exact two-sided p-value is
  :math:`\min\bigl(1, 2\,P[X \le \min(b, c)]\bigr)` (McNemar 1947; the exact form as in
  Dietterich 1998).
* :func:`paired_bootstrap` for any other metric (AUC, RMSE, BLEU, MAE): resample the test
  examples with replacement, *the same resample for both models*, and take percentiles of the
  difference of the metric (Efron & Tibshirani 1993; Koehn 2004 for BLEU).
* :func:`mean_sd` for the spread over seeds, when a difference is small enough that one training
  run could be luck.

Each result has a ``sentence()`` that states the verdict in words, computed from the numbers, so
a page can glue the verdict instead of typing it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BootstrapResult",
    "McNemarResult",
    "format_mean_sd",
    "format_p_value",
    "mcnemar_exact",
    "mean_sd",
    "paired_bootstrap",
]


def _as_bool(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one flag per test example (1-D), got shape {array.shape}")
    if array.dtype != bool:
        if not np.isin(array, (0, 1)).all():
            raise ValueError(
                f"{name} must hold booleans (True where the model is right), got values "
                f"{np.unique(array)[:5]}"
            )
        array = array.astype(bool)
    return array


@dataclass(frozen=True)
class McNemarResult:
    """Outcome of :func:`mcnemar_exact`.

    Attributes: ``n`` test examples; ``accuracy_a``, ``accuracy_b``; ``only_a`` (:math:`b`,
    right only under A), ``only_b`` (:math:`c`); the exact two-sided ``p_value``.
    """

    n: int
    accuracy_a: float
    accuracy_b: float
    only_a: int
    only_b: int
    p_value: float

    @property
    def difference(self) -> float:
        """Accuracy of A minus accuracy of B."""
        return self.accuracy_a - self.accuracy_b

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha

    def sentence(self, name_a: str = "A", name_b: str = "B", alpha: float = 0.05) -> str:
        """The verdict in one sentence, e.g. for ``glue(..., display=False)``."""
        counts = (
            f"{name_a} alone is right on {self.only_a} test examples, {name_b} alone on "
            f"{self.only_b}; McNemar's exact test gives p {format_p_value(self.p_value)}"
        )
        if not self.significant(alpha):
            return (
                f"{counts}, so the difference of {abs(self.difference) * 100:.1f} points is "
                f"within noise (not significant at the {alpha:g} level)."
            )
        better, worse = (name_a, name_b) if self.difference > 0 else (name_b, name_a)
        return (
            f"{counts}: {better} is better than {worse} by {abs(self.difference) * 100:.1f} "
            f"points, significant at the {alpha:g} level."
        )


def format_p_value(p: float) -> str:
    """``"= 0.032"`` or ``"< 0.0001"``: the relation and the value, for ``f"p {...}"``.

    Two significant figures down to 0.0001; below that only the bound, which is all a verdict
    needs. Shared by the verdict sentences here and in :mod:`dlbook.auc`, so every page writes
    p-values the same way.
    """
    return f"= {p:.2g}" if p >= 1e-4 else "< 0.0001"


def mcnemar_exact(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> McNemarResult:
    """McNemar's exact test of equal accuracy for two models on the same test examples.

    Parameters
    ----------
    correct_a, correct_b:
        One flag per test example, True where model A (resp. B) is right. Same length, same
        order of examples.
    """
    a = _as_bool(correct_a, "correct_a")
    b = _as_bool(correct_b, "correct_b")
    if a.shape != b.shape:
        raise ValueError(
            f"correct_a and correct_b must score the same test examples: got {a.size} and "
            f"{b.size} flags"
        )
    if a.size == 0:
        raise ValueError("no test examples: correct_a and correct_b are empty")
    only_a = int(np.sum(a & ~b))
    only_b = int(np.sum(~a & b))
    discordant = only_a + only_b
    if discordant == 0:
        p_value = 1.0
    else:
        from scipy.stats import binom

        p_value = float(min(1.0, 2.0 * binom.cdf(min(only_a, only_b), discordant, 0.5)))
    return McNemarResult(
        n=int(a.size),
        accuracy_a=float(a.mean()),
        accuracy_b=float(b.mean()),
        only_a=only_a,
        only_b=only_b,
        p_value=p_value,
    )


@dataclass(frozen=True)
class BootstrapResult:
    """Outcome of :func:`paired_bootstrap`: the metric of each model on the full test set, their
    ``difference`` (A minus B), and the ``low``-``high`` percentile interval of the difference at
    ``confidence`` over ``n_resamples`` paired resamples."""

    metric_a: float
    metric_b: float
    difference: float
    low: float
    high: float
    confidence: float
    n_resamples: int

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def sentence(
        self,
        name_a: str = "A",
        name_b: str = "B",
        metric: str = "the metric",
        higher_is_better: bool = True,
        digits: int = 3,
    ) -> str:
        """The verdict in one sentence, e.g. for ``glue(..., display=False)``."""
        interval = (
            f"the paired bootstrap {self.confidence:.0%} interval of the difference in {metric} "
            f"({name_a} minus {name_b}) is [{self.low:.{digits}f}, {self.high:.{digits}f}]"
        )
        if not self.excludes_zero():
            return f"{interval[0].upper()}{interval[1:]}: it contains zero, so neither is better."
        a_better = (self.difference > 0) == higher_is_better
        better, worse = (name_a, name_b) if a_better else (name_b, name_a)
        return f"{interval[0].upper()}{interval[1:]}: it excludes zero, so {better} beats {worse}."


def paired_bootstrap(
    metric: Callable[..., float],
    y_true,
    pred_a,
    pred_b,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> BootstrapResult:
    """Paired bootstrap interval of ``metric(y_true, pred_a) - metric(y_true, pred_b)``.

    Every resample draws test-example indices with replacement and scores *both* models on the
    same draw, so the correlation between their errors is kept.

    Parameters
    ----------
    metric:
        ``metric(y_true, y_pred) -> float``, e.g. ``sklearn.metrics.roc_auc_score``. It is
        called with the resampled rows (numpy fancy indexing of each argument's first axis; a
        list, such as sentences for BLEU, is indexed item by item).
    y_true, pred_a, pred_b:
        Targets and the two models' predictions, one row per test example.
    n_resamples, confidence, seed:
        Number of resamples, the central interval's coverage, the generator's seed.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if n_resamples < 100:
        raise ValueError(
            f"n_resamples={n_resamples} is too few for a percentile interval; use >= 100"
        )
    n = len(y_true)
    for name, values in (("pred_a", pred_a), ("pred_b", pred_b)):
        if len(values) != n:
            raise ValueError(
                f"{name} has {len(values)} rows but y_true has {n}: both models must be scored "
                "on the same test examples, in the same order"
            )
    if n < 2:
        raise ValueError(f"need at least 2 test examples to resample, got {n}")

    def take(values, idx):
        if isinstance(values, list | tuple):
            return [values[i] for i in idx]
        return np.asarray(values)[idx]

    metric_a = float(metric(y_true, pred_a))
    metric_b = float(metric(y_true, pred_b))
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_resamples)
    for i in range(n_resamples):
        idx = rng.integers(0, n, size=n)
        truth = take(y_true, idx)
        diffs[i] = metric(truth, take(pred_a, idx)) - metric(truth, take(pred_b, idx))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return BootstrapResult(
        metric_a=metric_a,
        metric_b=metric_b,
        difference=metric_a - metric_b,
        low=float(low),
        high=float(high),
        confidence=confidence,
        n_resamples=n_resamples,
    )


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of results over seeds."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size < 2:
        raise ValueError(
            f"mean_sd needs results from at least 2 seeds (a 1-D list), got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"mean_sd got non-finite results: {array.tolist()}")
    return float(array.mean()), float(array.std(ddof=1))


def format_mean_sd(values: Sequence[float], digits: int = 3) -> str:
    """``'mean ± sd'`` of results over seeds, for glued text."""
    mean, sd = mean_sd(values)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"
