"""Paired comparisons, checked against scipy and worked examples, and build-time claims."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from dlbook.claims import ClaimError, check
from dlbook.stats import (
    format_mean_sd,
    format_p_value,
    mcnemar_exact,
    mean_sd,
    paired_bootstrap,
)


def flags(only_a, only_b, both=0, neither=0):
    a = [True] * only_a + [False] * only_b + [True] * both + [False] * neither
    b = [False] * only_a + [True] * only_b + [True] * both + [False] * neither
    return np.array(a), np.array(b)


def test_mcnemar_matches_scipy_binomtest():
    for only_a, only_b in [(3, 12), (10, 10), (0, 7), (25, 40), (1, 0)]:
        a, b = flags(only_a, only_b, both=50, neither=5)
        result = mcnemar_exact(a, b)
        expected = sps.binomtest(only_a, only_a + only_b, 0.5).pvalue
        assert result.p_value == pytest.approx(expected, rel=1e-12)
        assert (result.only_a, result.only_b, result.n) == (only_a, only_b, only_a + only_b + 55)


def test_mcnemar_worked_example():
    # b = 1, c = 9 discordant pairs: p = 2 * (C(10,0) + C(10,1)) / 2**10 = 22 / 1024 exactly.
    a, b = flags(1, 9, both=30)
    assert mcnemar_exact(a, b).p_value == pytest.approx(22 / 1024, rel=1e-12)


def test_mcnemar_only_discordant_pairs_matter():
    a, b = flags(4, 15)
    a2, b2 = flags(4, 15, both=1000, neither=1000)
    assert mcnemar_exact(a, b).p_value == mcnemar_exact(a2, b2).p_value


def test_mcnemar_verdict_sentences():
    a, b = flags(2, 30, both=100)
    text = mcnemar_exact(a, b).sentence("the GCN", "the MLP")
    assert "the MLP is better than the GCN" in text and "significant" in text
    same = mcnemar_exact(*flags(10, 11, both=100)).sentence("A", "B")
    assert "within noise" in same
    assert mcnemar_exact(*flags(0, 0, both=5)).p_value == 1.0


def test_mcnemar_refuses_bad_input():
    with pytest.raises(ValueError, match="same test examples"):
        mcnemar_exact([True, False], [True])
    with pytest.raises(ValueError, match="booleans"):
        mcnemar_exact([0.5, 1], [1, 0])
    with pytest.raises(ValueError, match="empty"):
        mcnemar_exact([], [])


def mae(y, p):
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(p))))


def test_paired_bootstrap_detects_a_real_difference_and_keeps_pairing():
    rng = np.random.default_rng(1)
    y = rng.normal(size=500)
    shared = rng.normal(scale=1.0, size=500)  # errors the two models share
    pred_a = y + shared + rng.normal(scale=0.05, size=500)
    pred_b = y + shared * 1.03 + rng.normal(scale=0.05, size=500)
    result = paired_bootstrap(mae, y, pred_a, pred_b, n_resamples=500)
    assert result.difference == pytest.approx(mae(y, pred_a) - mae(y, pred_b))
    assert result.high < 0  # A has the lower error, and the paired interval sees it
    assert "A beats B" in result.sentence(metric="MAE", higher_is_better=False)
    # Unpaired intervals of each MAE overlap heavily: pairing is what makes this detectable.
    se = np.std(np.abs(pred_a - y)) / np.sqrt(500)
    assert abs(result.difference) < 2 * se


def test_paired_bootstrap_of_identical_models_contains_zero():
    y = np.arange(100.0)
    pred = y + np.sin(y)
    result = paired_bootstrap(mae, y, pred, pred.copy(), n_resamples=200)
    assert result.low == result.high == 0.0
    assert "contains zero" in result.sentence()


def test_paired_bootstrap_is_seeded_and_checks_lengths():
    y = np.arange(50.0)
    a, b = y + 1, y + np.linspace(0, 2, 50)
    assert paired_bootstrap(mae, y, a, b, n_resamples=200) == paired_bootstrap(
        mae, y, a, b, n_resamples=200
    )
    with pytest.raises(ValueError, match="same test examples"):
        paired_bootstrap(mae, y, a[:-1], b)
    with pytest.raises(ValueError, match="too few"):
        paired_bootstrap(mae, y, a, b, n_resamples=10)


def test_paired_bootstrap_indexes_lists_item_by_item():
    refs = ["a b", "c d", "e f"] * 10
    hyps_a = list(refs)
    hyps_b = ["x"] * 30

    def exact(truth, hyp):
        return float(np.mean([t == h for t, h in zip(truth, hyp, strict=True)]))

    result = paired_bootstrap(exact, refs, hyps_a, hyps_b, n_resamples=100)
    assert result.difference == 1.0 and result.low == 1.0


def test_p_values_read_with_one_relation_sign():
    assert format_p_value(0.0321) == "= 0.032"
    assert format_p_value(1.0) == "= 1"
    assert format_p_value(1e-4) == "= 0.0001"
    assert format_p_value(9.9e-5) == "< 0.0001"
    assert format_p_value(0.0) == "< 0.0001"


def test_mean_sd():
    assert mean_sd([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert format_mean_sd([1.0, 2.0, 3.0], digits=1) == "2.0 ± 1.0"
    with pytest.raises(ValueError, match="at least 2 seeds"):
        mean_sd([1.0])


def test_check_passes_and_fails_with_the_sentence():
    check(np.float64(0.9) > 0.8, "the model beats the baseline")
    with pytest.raises(ClaimError, match="the model beats the baseline.*acc = 0.7"):
        check(0.7 > 0.8, "the model beats the baseline", acc=0.7)
    with pytest.raises(TypeError, match="one boolean"):
        check(np.array([True, False]), "all are right")
    with pytest.raises(ValueError, match="sentence"):
        check(True, "  ")
