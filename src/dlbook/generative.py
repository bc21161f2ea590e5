r"""Scoring generators on one scale, and sampling the next token from a model's logits.

Part VI trains four kinds of generator (an LSTM on text; a VAE, a GAN and a diffusion model on
MNIST). The image generators are judged by one MNIST classifier
(:mod:`dlbook.pretrained.mnist_judge`), in the spirit of the Fréchet Inception Distance of
Heusel et al. (2017), with the judge's penultimate layer in place of Inception's:

* :func:`frechet_distance`: fit a Gaussian to the judge's features of the generated images and
  another to the features of real test images; the squared Fréchet (2-Wasserstein) distance
  between two Gaussians is

  .. math::

      d^2 = \lVert \mu_1 - \mu_2 \rVert^2
            + \operatorname{tr}\!\bigl(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\bigr).

  Like FID, the number reported is :math:`d^2` (zero for identical statistics; lower is
  better). It is biased upwards for finite samples, so only compare values computed from the
  same number of images.
* :func:`class_coverage`: the entropy of the histogram of the judge's predicted classes,
  divided by :math:`\log K`, so 1.0 means the samples spread evenly over the :math:`K` classes
  and 0.0 that every sample is the same class (mode collapse).
* :func:`mean_confidence`: the mean of the judge's top-class probability, high when samples
  look unambiguously like *some* digit.

:func:`compare_frechet` says whether one generator is closer to the real data than another,
with a bootstrap interval for the difference of their Fréchet distances.

:class:`ShuffledBatches` serves a tensor of images in shuffled mini-batches, one pass per
iteration, with an optional per-batch transform (dynamic binarisation, scaling to [-1, 1]).

:func:`sample_logits` draws the next token from logits with temperature and top-:math:`k`
filtering (greedy decoding is temperature 0); the Keras text-generation page uses it. It is the
NumPy twin of :func:`dlbook.nn.sampling.sample_next`, which the PyTorch pages use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FrechetComparison",
    "GeneratorScore",
    "ShuffledBatches",
    "class_coverage",
    "compare_frechet",
    "frechet_distance",
    "gaussian_stats",
    "mean_confidence",
    "sample_logits",
    "score_features",
]


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of ``features`` (N, D), in float64.

    The covariance uses the unbiased :math:`1/(N-1)` normalisation, as FID implementations do.
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"features must have shape (N, D) with N >= 2, got {x.shape}")
    return x.mean(axis=0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def _sym_sqrt(matrix: np.ndarray) -> np.ndarray:
    # Square root of a symmetric positive semi-definite matrix through its eigendecomposition.
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    r"""Squared Fréchet distance between :math:`N(\mu_1, \Sigma_1)` and :math:`N(\mu_2, \Sigma_2)`.

    The trace of :math:`(\Sigma_1 \Sigma_2)^{1/2}` equals that of the symmetric matrix
    :math:`(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2})^{1/2}`, whose eigenvalues are real and
    non-negative, so it is computed from two symmetric eigendecompositions (no complex
    matrix square root, no round-off imaginary parts).

    Parameters
    ----------
    mu1, mu2 : array of shape (D,)
    sigma1, sigma2 : array of shape (D, D), symmetric positive semi-definite

    Returns
    -------
    float
        :math:`d^2 \ge 0` (tiny negative round-off is clipped to 0).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, float)), np.atleast_1d(np.asarray(mu2, float))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, float)), np.atleast_2d(np.asarray(sigma2, float))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(
            f"means must be (D,) and covariances (D, D) with one D: got {mu1.shape}, "
            f"{s1.shape}, {mu2.shape}, {s2.shape}"
        )
    root1 = _sym_sqrt(s1)
    middle = root1 @ s2 @ root1
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * cross)
    return max(value, 0.0)


def class_coverage(labels, num_classes: int = 10) -> float:
    r"""Normalised entropy of the class histogram, :math:`H(p) / \log K` in [0, 1].

    Parameters
    ----------
    labels : array of int, shape (N,)
        Predicted class of each sample (``probs.argmax(1)``), in ``0 .. num_classes - 1``.
    num_classes : int
        :math:`K`.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {labels.shape}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in 0 .. {num_classes - 1}")
    p = np.bincount(labels, minlength=num_classes) / labels.size
    nonzero = p[p > 0]
    return float(-(nonzero * np.log(nonzero)).sum() / np.log(num_classes))


def mean_confidence(probs) -> float:
    """Mean over samples of the largest class probability; ``probs`` is (N, K), rows sum to 1."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"probs must have shape (N, K), got {probs.shape}")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("each row of probs must sum to 1 (pass softmax outputs, not logits)")
    return float(probs.max(axis=1).mean())


@dataclass(frozen=True)
class GeneratorScore:
    """One generator on the judge's scale: Fréchet distance to the real test features
    (``fd``), class ``coverage``, mean top-class ``confidence``, and ``n`` samples."""

    fd: float
    coverage: float
    confidence: float
    n: int

    def sentence(self, name: str, floor: float) -> str:
        """The score in words, set against ``floor`` (the distance of real images)."""
        ratio = self.fd / floor if floor > 0 else float("inf")
        return (
            f"{self.n:,} samples of the {name} lie at a Fréchet distance of {self.fd:.2f} from "
            f"the real test digits, {ratio:.1f} times the {floor:.2f} that real training "
            f"digits reach; the judge reads them as digits with a mean confidence of "
            f"{self.confidence:.3f}, spread over the classes with a coverage of "
            f"{self.coverage:.3f}."
        )


def score_features(features, probs, reference_stats) -> GeneratorScore:
    """Score samples from the judge's ``features`` (N, D) and class ``probs`` (N, K) against
    ``reference_stats`` = :func:`gaussian_stats` of the real test features."""
    probs = np.asarray(probs)
    mu, sigma = gaussian_stats(features)
    return GeneratorScore(
        fd=frechet_distance(mu, sigma, *reference_stats),
        coverage=class_coverage(probs.argmax(axis=1), probs.shape[1]),
        confidence=mean_confidence(probs),
        n=int(probs.shape[0]),
    )


@dataclass(frozen=True)
class FrechetComparison:
    """Outcome of :func:`compare_frechet`: the Fréchet distances ``fd_a`` and ``fd_b`` of two
    sets of samples to the reference, and the ``low``-``high`` bootstrap interval of
    ``fd_a - fd_b`` at the ``level`` given."""

    fd_a: float
    fd_b: float
    low: float
    high: float
    level: float

    @property
    def difference(self) -> float:
        return self.fd_a - self.fd_b

    def sentence(self, name_a: str = "A", name_b: str = "B") -> str:
        """The verdict in one sentence, computed from the interval."""
        interval = (
            f"{self.fd_a:.2f} against {self.fd_b:.2f}, a difference of {self.difference:+.2f} "
            f"({self.level:.0%} bootstrap interval {self.low:+.2f} to {self.high:+.2f})"
        )
        if self.low <= 0 <= self.high:
            return (
                f"The {name_a} and the {name_b} are equally far from the real digits as far "
                f"as the judge can tell: {interval}."
            )
        closer, farther = (name_a, name_b) if self.high < 0 else (name_b, name_a)
        return f"The {closer} is closer to the real digits than the {farther}: {interval}."


def compare_frechet(
    features_a, features_b, reference, n_boot: int = 100, level: float = 0.95, seed: int = 0
) -> FrechetComparison:
    """Compare two generators by their Fréchet distances to ``reference`` (mean, covariance).

    The samples of the two generators are independent, so each set of features is resampled
    with replacement on its own, ``n_boot`` times; the interval is the central ``level`` share
    of the resampled differences (percentile bootstrap). The reference is held fixed: both
    generators are measured against the same real digits.
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if n_boot < 10:
        raise ValueError(f"n_boot must be at least 10, got {n_boot}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    rng = np.random.default_rng(seed)

    def fd(x):
        return frechet_distance(*gaussian_stats(x), *reference)

    diffs = np.array(
        [
            fd(a[rng.integers(0, len(a), len(a))]) - fd(b[rng.integers(0, len(b), len(b))])
            for _ in range(n_boot)
        ]
    )
    low, high = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    return FrechetComparison(fd(a), fd(b), float(low), float(high), level)


def sample_logits(
    logits,
    temperature: float = 1.0,
    top_k: int | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Draw one token per row of ``logits`` (..., V).

    With temperature :math:`\tau > 0` the token is drawn from
    :math:`p_i \propto \exp(z_i / \tau)`, restricted to the ``top_k`` largest logits when
    given; :math:`\tau = 0` is greedy decoding (the arg-max; ties go to the lowest index).

    This is the NumPy twin of :func:`dlbook.nn.sampling.sample_next`, which holds the maths
    (see :mod:`dlbook.nn.sampling`) and serves the PyTorch models; the test suite checks that
    the two draw from the same distribution. This one exists for models whose logits are NumPy
    arrays (the Keras pages): it draws with a NumPy ``Generator``, so a TensorFlow page needs
    no PyTorch and keeps one NumPy random stream. It has no nucleus (top-:math:`p`) option,
    and a ``top_k`` larger than the vocabulary is an error here rather than "keep everything".

    Returns
    -------
    numpy.ndarray of int64, shape ``logits.shape[:-1]``
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim < 1 or z.shape[-1] < 1:
        raise ValueError(f"logits must have a last axis of vocabulary size, got {z.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and not 1 <= top_k <= z.shape[-1]:
        raise ValueError(f"top_k must be between 1 and {z.shape[-1]}, got {top_k}")
    if temperature == 0:
        return z.argmax(axis=-1)
    p = _sampling_probabilities(z, temperature, top_k)  # (..., V)
    rng = np.random.default_rng() if rng is None else rng
    flat = p.reshape(-1, p.shape[-1])
    u = rng.random(flat.shape[0])[:, None]
    picks = (flat.cumsum(axis=-1) < u).sum(axis=-1)
    return np.minimum(picks, flat.shape[-1] - 1).reshape(p.shape[:-1]).astype(np.int64)


def _sampling_probabilities(z: np.ndarray, temperature: float, top_k: int | None) -> np.ndarray:
    """The distribution :func:`sample_logits` draws from: the softmax of ``z / temperature``
    over the ``top_k`` largest logits (NumPy's ``softmax(filter_logits(...))`` of
    :mod:`dlbook.nn.sampling`)."""
    z = z / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.sort(z, axis=-1)[..., -top_k][..., None]
        z = np.where(z >= kth, z, -np.inf)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    return p


class ShuffledBatches:
    """Mini-batches of ``data`` (a tensor, first axis = examples) in a new random order at
    every iteration, each passed through ``transform(batch, generator)`` if given.

    Re-iterable (one pass per ``for`` loop, so :func:`dlbook.train.fit` can run several
    epochs) and sized (``len`` is the number of batches, the last one possibly smaller).
    The order and the transform's randomness come from one CPU ``torch.Generator`` seeded
    with ``seed``, so a run is repeatable.
    """

    def __init__(
        self,
        data,
        batch_size: int,
        seed: int = 0,
        transform: Callable | None = None,
    ) -> None:
        import torch

        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.data = data
        self.batch_size = batch_size
        self.transform = transform
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.data) // self.batch_size)

    def __iter__(self) -> Iterator:
        import torch

        order = torch.randperm(len(self.data), generator=self.generator)
        for i in range(0, len(order), self.batch_size):
            batch = self.data[order[i : i + self.batch_size]]
            yield batch if self.transform is None else self.transform(batch, self.generator)
