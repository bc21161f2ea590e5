"""DeLong's paired AUC test, checked against the O(mn) definition and sklearn."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from dlbook.auc import delong_test, placement_values
from dlbook.stats import paired_bootstrap


def brute_force(y, a, b):
    """DeLong et al. (1988) written out over every positive-negative pair."""

    def psi(x, z):
        return (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])

    comps = []
    for s in (a, b):
        p = psi(s[y == 1], s[y == 0])  # (m, n)
        comps.append((p.mean(), p.mean(axis=1), p.mean(axis=0)))
    m, n = (y == 1).sum(), (y == 0).sum()
    s10 = np.cov(np.vstack([comps[0][1], comps[1][1]]))
    s01 = np.cov(np.vstack([comps[0][2], comps[1][2]]))
    cov = s10 / m + s01 / n
    return comps[0][0], comps[1][0], cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], comps


def data(seed, n=300, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    a = y + rng.normal(size=n)
    b = 0.5 * y + rng.normal(size=n) + 0.3 * a
    if ties:
        a, b = np.round(a), np.round(b * 2) / 2
    return y, a, b


@pytest.mark.parametrize("ties", [False, True])
def test_matches_the_pairwise_definition(ties):
    for seed in range(4):
        y, a, b = data(seed, ties=ties)
        auc_a, auc_b, variance, comps = brute_force(y, a, b)
        result = delong_test(y, a, b)
        assert result.auc_a == pytest.approx(auc_a, abs=1e-12)
        assert result.auc_b == pytest.approx(auc_b, abs=1e-12)
        assert result.se == pytest.approx(np.sqrt(variance), rel=1e-9)
        _, v10, v01 = placement_values(y, a)
        np.testing.assert_allclose(v10, comps[0][1], atol=1e-12)
        np.testing.assert_allclose(v01, comps[0][2], atol=1e-12)


def test_auc_matches_sklearn():
    y, a, b = data(7, ties=True)
    result = delong_test(y, a, b)
    assert result.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert result.auc_b == pytest.approx(roc_auc_score(y, b), abs=1e-12)


def test_standard_error_agrees_with_the_paired_bootstrap():
    y, a, b = data(3, n=2000)
    result = delong_test(y, a, b)
    boot = paired_bootstrap(roc_auc_score, y, a, b, n_resamples=1000, seed=1)
    bootstrap_se = (boot.high - boot.low) / (2 * 1.959964)
    assert result.se == pytest.approx(bootstrap_se, rel=0.15)
    assert result.difference == pytest.approx(boot.difference, abs=1e-12)


def test_verdicts():
    y, a, b = data(0, n=1000)
    clear = delong_test(y, a, b)
    assert clear.significant() and clear.difference > 0
    assert "A ranks better than B" in clear.sentence()
    if clear.p_value < 1e-4:
        assert "p < 0.0001" in clear.sentence(), "one relation sign, not 'p = < 0.0001'"
    assert re.search(r"p (= [\d.e-]+|< 0\.0001)", clear.sentence())
    same = delong_test(y, a, a)
    assert same.p_value == 1.0 and same.se == 0.0
    assert "within noise" in same.sentence("one", "two")
    rng = np.random.default_rng(1)
    noise = delong_test(y, a, a + rng.normal(scale=1e-3, size=len(a)))
    assert not noise.significant()
    assert noise.low < 0 < noise.high


def test_refuses_bad_input():
    with pytest.raises(ValueError, match="positive and one negative"):
        delong_test([1, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1])
    with pytest.raises(ValueError, match="0 \\(negative\\) and 1"):
        delong_test([0, 2, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1])
    with pytest.raises(ValueError, match="one length"):
        delong_test([0, 1, 1], [0.1, 0.2], [0.3, 0.2, 0.1])
