r"""Comparing the ROC AUC of two models scored on the same test set: DeLong's paired test.

A paired bootstrap of the AUC (:func:`dlbook.stats.paired_bootstrap`) needs thousands of
re-sorts of the test set, which is slow for large test sets. DeLong, DeLong and Clarke-Pearson
(1988) give the variance of an AUC, and the covariance of two AUCs computed on the same examples,
in closed form. With :math:`m` positive examples :math:`x_i` and :math:`n` negative ones
:math:`y_j`, and :math:`\psi(x, y) = 1` if :math:`x > y`, :math:`\tfrac12` if :math:`x = y`,
:math:`0` otherwise, each example gets a *placement value* under model :math:`k`:

.. math::

    V^k_{10}(x_i) = \frac1n \sum_j \psi(x^k_i, y^k_j), \qquad
    V^k_{01}(y_j) = \frac1m \sum_i \psi(x^k_i, y^k_j),

whose means are both :math:`\widehat{\mathrm{AUC}}_k`. With :math:`S_{10}` and :math:`S_{01}`
the :math:`2 \times 2` sample covariance matrices of the placement values over the positives and
over the negatives,

.. math::

    \operatorname{Var}\bigl(\widehat{\mathrm{AUC}}_a - \widehat{\mathrm{AUC}}_b\bigr)
    = c^\top \Bigl(\frac{S_{10}}{m} + \frac{S_{01}}{n}\Bigr) c, \qquad c = (1, -1)^\top,

and :math:`z = (\widehat{\mathrm{AUC}}_a - \widehat{\mathrm{AUC}}_b) / \sqrt{\operatorname{Var}}`
is compared with a standard normal. The placement values are computed from mid-ranks in
:math:`O((m + n) \log(m + n))` (Sun & Xu 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbook.stats import format_p_value

__all__ = ["DeLongResult", "delong_test", "placement_values"]


@dataclass(frozen=True)
class DeLongResult:
    """Outcome of :func:`delong_test`: the AUC of each model, their ``difference`` (A minus B),
    its standard error ``se``, the two-sided ``p_value`` and the ``low``-``high`` normal interval
    of the difference at ``confidence``; ``n_pos`` and ``n_neg`` test examples of each class."""

    auc_a: float
    auc_b: float
    difference: float
    se: float
    p_value: float
    low: float
    high: float
    confidence: float
    n_pos: int
    n_neg: int

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha

    def sentence(
        self, name_a: str = "A", name_b: str = "B", alpha: float = 0.05, digits: int = 3
    ) -> str:
        """The verdict in one sentence, e.g. for ``glue(..., display=False)``."""
        interval = (
            f"DeLong's paired test gives a difference in AUC ({name_a} minus {name_b}) of "
            f"{self.difference:+.{digits}f}, {self.confidence:.0%} interval "
            f"[{self.low:.{digits}f}, {self.high:.{digits}f}], p {format_p_value(self.p_value)}"
        )
        if not self.significant(alpha):
            return f"{interval}: within noise, neither is better at the {alpha:g} level."
        better, worse = (name_a, name_b) if self.difference > 0 else (name_b, name_a)
        return f"{interval}: {better} ranks better than {worse} at the {alpha:g} level."


def placement_values(y_true, score) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and the placement values ``V10`` (one per positive) and ``V01`` (one per negative).

    Ties count one half, as in the Mann-Whitney statistic.
    """
    from scipy.stats import rankdata

    y = np.asarray(y_true)
    s = np.asarray(score, dtype=float)
    if y.ndim != 1 or s.shape != y.shape:
        raise ValueError(f"y_true and score must be 1-D of one length, got {y.shape}, {s.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold 0 (negative) and 1 (positive)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    positive = y == 1
    m, n = int(positive.sum()), int((~positive).sum())
    if m == 0 or n == 0:
        raise ValueError("the AUC needs at least one positive and one negative example")
    x, z = s[positive], s[~positive]
    rank_all = rankdata(np.concatenate([x, z]))  # mid-ranks among all m + n scores
    rank_x, rank_z = rankdata(x), rankdata(z)  # mid-ranks within each class
    v10 = (rank_all[:m] - rank_x) / n  # share of negatives below each positive (ties: half)
    v01 = 1.0 - (rank_all[m:] - rank_z) / m  # share of positives above each negative
    return float(v10.mean()), v10, v01


def delong_test(y_true, score_a, score_b, *, confidence: float = 0.95) -> DeLongResult:
    """DeLong's test of equal AUC for two models scored on the same test examples.

    Parameters
    ----------
    y_true:
        0/1 labels, one per test example.
    score_a, score_b:
        Each model's score for every example (any monotone score: logits, probabilities), in the
        same order as ``y_true``.
    confidence:
        Coverage of the normal interval of the difference.
    """
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    auc_a, v10_a, v01_a = placement_values(y_true, score_a)
    auc_b, v10_b, v01_b = placement_values(y_true, score_b)
    m, n = len(v10_a), len(v01_a)
    if m < 2 or n < 2:
        raise ValueError("DeLong's variance needs at least two examples of each class")
    s10 = np.cov(np.vstack([v10_a, v10_b]))  # (2, 2) over the positives
    s01 = np.cov(np.vstack([v01_a, v01_b]))  # (2, 2) over the negatives
    cov = s10 / m + s01 / n
    variance = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    difference = auc_a - auc_b
    se = float(np.sqrt(max(variance, 0.0)))
    if se == 0.0:
        p_value = 1.0 if difference == 0 else 0.0
    else:
        p_value = float(2 * norm.sf(abs(difference) / se))
    half = float(norm.ppf(0.5 + confidence / 2)) * se
    return DeLongResult(
        auc_a=auc_a,
        auc_b=auc_b,
        difference=difference,
        se=se,
        p_value=p_value,
        low=difference - half,
        high=difference + half,
        confidence=confidence,
        n_pos=m,
        n_neg=n,
    )
