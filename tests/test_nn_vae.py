"""The VAE: KL in closed form, the ELBO against torch.distributions, and the importance-sampled
likelihood against numerical integration over a one-dimensional code."""

from __future__ import annotations

import math

import pytest
import torch
from torch import distributions as D

from dlbook.nn.vae import VAE, VAEConfig, gaussian_kl, importance_sampled_nll, negative_elbo

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(4, 3), torch.randn(4, 3)
    q = D.Normal(mu, (0.5 * logvar).exp())
    p = D.Normal(torch.zeros(3), torch.ones(3))
    expected = D.kl_divergence(q, p).sum(-1)
    torch.testing.assert_close(gaussian_kl(mu, logvar), expected)


def test_negative_elbo_matches_distributions_at_the_same_draw():
    torch.manual_seed(0)
    model = VAE(VAEConfig(input_dim=12, hidden=8, latent_dim=3))
    x = torch.bernoulli(torch.full((5, 12), 0.3))
    torch.manual_seed(1)
    reconstruction, kl = negative_elbo(model, x)
    torch.manual_seed(1)  # the same epsilon
    mu, logvar = model.encode(x)
    z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
    log_px = D.Bernoulli(logits=model.decode(z)).log_prob(x).sum(-1)
    torch.testing.assert_close(reconstruction, -log_px)
    torch.testing.assert_close(kl, gaussian_kl(mu, logvar))
    assert reconstruction.shape == kl.shape == (5,)


def test_reparameterisation_carries_gradients_and_has_the_right_moments():
    mu = torch.tensor([1.0, -2.0], requires_grad=True)
    logvar = torch.tensor([0.0, math.log(4.0)], requires_grad=True)
    z = VAE.reparameterize(mu.expand(20_000, 2), logvar.expand(20_000, 2),
                           generator=torch.Generator().manual_seed(0))  # fmt: skip
    torch.testing.assert_close(z.mean(0), mu.detach(), atol=0.05, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 2.0]), atol=0.05, rtol=0)
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None


def exact_log_px(model, x, grid=20_001, span=12.0):
    # log p(x) = log \int p(x|z) N(z; 0, 1) dz for a one-dimensional code, by the trapezoid rule.
    z = torch.linspace(-span / 2, span / 2, grid, dtype=torch.float64).unsqueeze(-1)  # (G, 1)
    logits = model.decode(z)  # (G, D)
    log_px_z = D.Bernoulli(logits=logits.unsqueeze(1)).log_prob(x).sum(-1)  # (G, B)
    log_pz = D.Normal(0.0, 1.0).log_prob(z)  # (G, 1)
    log_f = log_px_z + log_pz
    dz = z[1, 0] - z[0, 0]
    weights = torch.full((grid, 1), 1.0, dtype=torch.float64)
    weights[0] = weights[-1] = 0.5
    return torch.logsumexp(log_f + weights.log(), dim=0) + dz.log()


def test_importance_sampling_converges_to_the_integral():
    torch.manual_seed(0)
    model = VAE(VAEConfig(input_dim=10, hidden=16, latent_dim=1)).double()
    x = torch.bernoulli(torch.full((6, 10), 0.5, dtype=torch.float64))
    exact = -exact_log_px(model, x)
    gen = torch.Generator().manual_seed(0)
    estimate = importance_sampled_nll(model, x, k=20_000, generator=gen)
    torch.testing.assert_close(estimate, exact, atol=0.02, rtol=0)
    # With k = 1 the estimate is the ELBO in expectation: never below -log p(x) on average.
    one = torch.stack([importance_sampled_nll(model, x, k=1, generator=gen) for _ in range(2000)])
    assert (one.mean(0) > exact - 0.05).all()
    assert (one.mean(0) - exact).mean() > (estimate - exact).mean()


def test_sample_shapes_and_range():
    model = VAE(VAEConfig(input_dim=20, hidden=8, latent_dim=2))
    images = model.sample(7, generator=torch.Generator().manual_seed(0))
    assert images.shape == (7, 20) and images.min() >= 0 and images.max() <= 1
    with pytest.raises(ValueError, match="latent_dim"):
        VAEConfig(latent_dim=0)
