"""Generator scores: the Fréchet distance against closed forms, coverage, confidence, and
sampling the next token with temperature and top-k."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from dlbook.generative import (
    FrechetComparison,
    GeneratorScore,
    ShuffledBatches,
    class_coverage,
    compare_frechet,
    frechet_distance,
    gaussian_stats,
    mean_confidence,
    sample_logits,
    score_features,
)


def random_spd(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def test_one_dimensional_gaussians_closed_form():
    # W2^2 between N(m1, s1^2) and N(m2, s2^2) is (m1 - m2)^2 + (s1 - s2)^2.
    assert frechet_distance([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(9.0 + 1.0)


def test_commuting_covariances_closed_form():
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_general_covariances_match_the_matrix_square_root_formula(seed):
    d = 6
    s1, s2 = random_spd(d, seed), random_spd(d, seed + 10)
    rng = np.random.default_rng(seed)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    cross = scipy.linalg.sqrtm(s1 @ s2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * cross)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-8)


def test_zero_for_identical_and_mean_shift_for_equal_covariances():
    s = random_spd(5, 3)
    mu = np.arange(5.0)
    assert frechet_distance(mu, s, mu, s) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(mu, s, mu + 2.0, s) == pytest.approx(5 * 4.0, rel=1e-9)


def test_singular_covariances_are_fine():
    # Rank-deficient covariances (fewer samples than dimensions) must not produce NaN.
    s = np.zeros((3, 3))
    s[0, 0] = 1.0
    assert frechet_distance(np.zeros(3), s, np.zeros(3), np.eye(3)) == pytest.approx(2.0)


def test_sample_statistics_approach_the_closed_form():
    rng = np.random.default_rng(0)
    n, d = 200_000, 3
    s1, s2 = np.diag([1.0, 2.0, 0.5]), np.diag([2.0, 2.0, 1.0])
    x1 = rng.normal(size=(n, d)) * np.sqrt(np.diag(s1))
    x2 = 1.0 + rng.normal(size=(n, d)) * np.sqrt(np.diag(s2))
    expected = 3.0 + np.sum((np.sqrt(np.diag(s1)) - np.sqrt(np.diag(s2))) ** 2)
    got = frechet_distance(*gaussian_stats(x1), *gaussian_stats(x2))
    assert got == pytest.approx(expected, abs=0.02)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="one D"):
        frechet_distance(np.zeros(2), np.eye(3), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        gaussian_stats(np.zeros(5))


def test_coverage_is_normalised_entropy():
    assert class_coverage(np.arange(1000) % 10) == pytest.approx(1.0)
    assert class_coverage(np.full(50, 3)) == pytest.approx(0.0)
    two = np.array([0, 7] * 20)
    assert class_coverage(two) == pytest.approx(np.log(2) / np.log(10))
    with pytest.raises(ValueError, match="0 .. 9"):
        class_coverage(np.array([0, 10]))


def test_confidence_is_mean_top_probability():
    probs = np.array([[1.0, 0.0], [0.5, 0.5], [0.2, 0.8]])
    assert mean_confidence(probs) == pytest.approx((1.0 + 0.5 + 0.8) / 3)
    with pytest.raises(ValueError, match="sum to 1"):
        mean_confidence(np.array([[2.0, 3.0]]))


def test_score_features_and_sentence():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(500, 4))
    probs = np.eye(10)[np.arange(500) % 10] * 0.9 + 0.01
    score = score_features(feats, probs, gaussian_stats(feats))
    assert score.fd == pytest.approx(0.0, abs=1e-9)
    assert score.coverage == pytest.approx(1.0) and score.confidence == pytest.approx(0.91)
    text = GeneratorScore(fd=3.0, coverage=0.9, confidence=0.8, n=10_000).sentence("GAN", 1.5)
    assert "2.0 times" in text and "GAN" in text and "10,000" in text


def test_greedy_and_top1_pick_the_argmax():
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 2.9]])
    assert sample_logits(logits, temperature=0).tolist() == [1, 0]
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert sample_logits(logits, temperature=5.0, top_k=1, rng=rng).tolist() == [1, 0]


def test_frequencies_follow_the_tempered_softmax():
    z = np.array([1.0, 0.0, -1.0, 0.5])
    rng = np.random.default_rng(0)
    n = 40_000
    for tau in (0.5, 1.0, 2.0):
        draws = sample_logits(np.tile(z, (n, 1)), temperature=tau, rng=rng)
        freq = np.bincount(draws, minlength=4) / n
        p = np.exp(z / tau) / np.exp(z / tau).sum()
        assert np.abs(freq - p).max() < 4 * np.sqrt(p.max() / n) + 1e-3


def test_top_k_renormalises_over_the_k_largest():
    z = np.array([2.0, 1.0, 0.0, -1.0, 1.5])
    rng = np.random.default_rng(1)
    n = 30_000
    draws = sample_logits(np.tile(z, (n, 1)), temperature=1.0, top_k=2, rng=rng)
    assert set(np.unique(draws)) == {0, 4}
    p0 = np.exp(2.0) / (np.exp(2.0) + np.exp(1.5))
    assert np.mean(draws == 0) == pytest.approx(p0, abs=0.015)


@pytest.mark.parametrize(("tau", "top_k"), [(1.0, None), (0.7, 3), (1.8, 1), (1.0, 6)])
def test_numpy_sampling_draws_from_the_distribution_of_the_torch_one(tau, top_k):
    # sample_logits (NumPy, Keras pages) and dlbook.nn.sampling (PyTorch) share the maths.
    from dlbook.generative import _sampling_probabilities
    from dlbook.nn.sampling import filter_logits

    z = np.random.default_rng(3).normal(size=(4, 6)) * 2
    ours = _sampling_probabilities(z, tau, top_k)
    theirs = filter_logits(torch.from_numpy(z), tau, top_k).softmax(-1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert np.all((ours > 0).sum(-1) == (top_k or 6))


def test_sampling_arguments_are_checked():
    with pytest.raises(ValueError, match="temperature"):
        sample_logits(np.zeros(3), temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        sample_logits(np.zeros(3), top_k=4)


def test_shuffled_batches_cover_every_example_once_per_pass():
    data = torch.arange(10)
    batches = ShuffledBatches(data, batch_size=4, seed=0)
    assert len(batches) == 3
    first, second = [torch.cat(list(batches)) for _ in range(2)]
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(10))
    assert first.tolist() != second.tolist(), "a new order every pass"
    again = torch.cat(list(ShuffledBatches(data, batch_size=4, seed=0)))
    assert again.tolist() == first.tolist(), "the seed fixes the order"


def test_shuffled_batches_transform_gets_the_generator():
    images = torch.full((6, 3), 0.5)
    batches = ShuffledBatches(
        images, 3, seed=1, transform=lambda x, g: torch.bernoulli(x, generator=g)
    )
    values = torch.cat(list(batches))
    assert set(values.unique().tolist()) <= {0.0, 1.0} and values.shape == (6, 3)
    with pytest.raises(ValueError, match="batch_size"):
        ShuffledBatches(images, 0)


def test_compare_frechet_tells_a_real_difference_from_noise():
    rng = np.random.default_rng(0)
    reference = (np.zeros(3), np.eye(3))
    same_a, same_b = rng.normal(size=(2000, 3)), rng.normal(size=(2000, 3))
    shifted = rng.normal(size=(2000, 3)) + 0.5
    tie = compare_frechet(same_a, same_b, reference, n_boot=50)
    assert tie.low <= 0 <= tie.high and "equally far" in tie.sentence("VAE", "GAN")
    win = compare_frechet(same_a, shifted, reference, n_boot=50)
    assert win.high < 0 and win.fd_b == pytest.approx(0.75, abs=0.1)
    assert win.sentence("VAE", "GAN").startswith("The VAE is closer")
    lose = compare_frechet(shifted, same_a, reference, n_boot=50)
    assert lose.low > 0 and lose.sentence("VAE", "GAN").startswith("The GAN is closer")
    assert isinstance(lose, FrechetComparison) and lose.difference > 0
    with pytest.raises(ValueError, match="n_boot"):
        compare_frechet(same_a, same_b, reference, n_boot=5)
