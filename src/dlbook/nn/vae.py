r"""A variational autoencoder (Kingma and Welling, 2014) with a Bernoulli likelihood.

The generative model draws a code :math:`z \sim p(z) = N(0, I)` and pixels
:math:`x_j \sim \mathrm{Bernoulli}(\sigma(f_\theta(z))_j)`; the encoder outputs a diagonal
Gaussian :math:`q_\phi(z \mid x) = N(\mu_\phi(x), \operatorname{diag} \sigma^2_\phi(x))`.
Training maximises the evidence lower bound

.. math::

    \log p_\theta(x) \ge \mathcal L(x)
      = \mathbb E_{q_\phi(z \mid x)}\bigl[\log p_\theta(x \mid z)\bigr]
        - \mathrm{KL}\bigl(q_\phi(z \mid x) \,\Vert\, p(z)\bigr),

with the expectation estimated from one draw :math:`z = \mu + \sigma \odot \varepsilon`,
:math:`\varepsilon \sim N(0, I)` (the reparameterisation trick) and the KL term in closed form,
:func:`gaussian_kl`. :func:`importance_sampled_nll` estimates :math:`-\log p_\theta(x)` itself
with :math:`k` importance samples (Burda et al., 2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from dlbook.nn._checks import positive_int

__all__ = ["VAE", "VAEConfig", "gaussian_kl", "importance_sampled_nll", "negative_elbo"]

_LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class VAEConfig:
    """Sizes of a :class:`VAE`: ``input_dim`` pixels, one hidden layer of ``hidden`` ReLU units
    in the encoder and in the decoder, a ``latent_dim``-dimensional code."""

    input_dim: int = 784
    hidden: int = 400
    latent_dim: int = 32

    def __post_init__(self) -> None:
        for name in ("input_dim", "hidden", "latent_dim"):
            positive_int(name, getattr(self, name))


class VAE(nn.Module):
    """Encoder :math:`x \\mapsto (\\mu, \\log \\sigma^2)`, decoder :math:`z \\mapsto` logits.

    Shapes: ``x`` ``(B, input_dim)`` with values in [0, 1]; codes ``(B, latent_dim)``;
    decoder logits ``(..., input_dim)`` (any leading shape).
    """

    def __init__(self, config: VAEConfig | None = None) -> None:
        super().__init__()
        self.config = config or VAEConfig()
        c = self.config
        self.encoder = nn.Sequential(
            nn.Linear(c.input_dim, c.hidden), nn.ReLU(), nn.Linear(c.hidden, 2 * c.latent_dim)
        )
        self.decoder = nn.Sequential(
            nn.Linear(c.latent_dim, c.hidden), nn.ReLU(), nn.Linear(c.hidden, c.input_dim)
        )

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and log-variance of :math:`q(z \\mid x)`, each ``(B, latent_dim)``."""
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, z: Tensor) -> Tensor:
        """Bernoulli logits of the pixels, ``(..., input_dim)``."""
        return self.decoder(z)

    @staticmethod
    def reparameterize(
        mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None
    ) -> Tensor:
        r""":math:`z = \mu + \sigma \odot \varepsilon` with :math:`\varepsilon \sim N(0, I)`:
        a sample of :math:`q(z \mid x)` through which gradients reach :math:`\mu, \sigma`."""
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + eps * (0.5 * logvar).exp()

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Logits of the reconstruction ``(B, input_dim)``, and ``mu``, ``logvar``."""
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` images from the model, ``(n, input_dim)``: codes from the prior, decoded to
        the Bernoulli means (pixel probabilities, the usual way to show VAE samples)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.latent_dim, generator=generator, device=device)
        return self.decode(z).sigmoid()


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    r""":math:`\mathrm{KL}(N(\mu, \operatorname{diag}\sigma^2) \Vert N(0, I))` per row, ``(B,)``:

    .. math::

        \tfrac12 \sum_j \bigl(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2\bigr).
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def negative_elbo(model: VAE, x: Tensor) -> tuple[Tensor, Tensor]:
    r"""One-sample estimate of :math:`-\mathcal L(x)` per example, as (reconstruction, KL).

    Returns the two terms, each ``(B,)`` in nats: the reconstruction term
    :math:`-\log p(x \mid z)` (binary cross-entropy summed over pixels) at one reparameterised
    draw :math:`z`, and :func:`gaussian_kl`. Their sum is the negative ELBO.
    """
    logits, mu, logvar = model(x)
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)
    return reconstruction, gaussian_kl(mu, logvar)


@torch.no_grad()
def importance_sampled_nll(
    model: VAE, x: Tensor, k: int = 100, generator: torch.Generator | None = None
) -> Tensor:
    r"""Estimate :math:`-\log p(x)` per example with ``k`` samples of :math:`q(z \mid x)`, ``(B,)``.

    .. math::

        \log p(x) \approx \log \frac1k \sum_{i=1}^k
            \frac{p(x \mid z_i)\, p(z_i)}{q(z_i \mid x)}, \qquad z_i \sim q(z \mid x).

    The estimate of :math:`\log p(x)` is a lower bound in expectation that tightens as ``k``
    grows (Burda et al., 2016); ``k = 1`` is the ELBO. Memory grows as ``k * B * input_dim``,
    so pass ``x`` in chunks.
    """
    positive_int("k", k)
    mu, logvar = model.encode(x)  # (B, L)
    std = (0.5 * logvar).exp()
    eps = torch.randn((k, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype)
    z = mu + eps * std  # (k, B, L)
    logits = model.decode(z)  # (k, B, D)
    log_px_z = -F.binary_cross_entropy_with_logits(
        logits, x.expand_as(logits), reduction="none"
    ).sum(-1)  # (k, B)
    latent = mu.shape[-1]
    log_pz = -0.5 * (z.pow(2).sum(-1) + latent * _LOG_2PI)
    log_qz = -0.5 * (eps.pow(2).sum(-1) + logvar.sum(-1) + latent * _LOG_2PI)
    log_w = log_px_z + log_pz - log_qz  # (k, B)
    return -(torch.logsumexp(log_w, dim=0) - math.log(k))
