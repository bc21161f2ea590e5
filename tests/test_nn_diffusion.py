"""Diffusion: the forward process's marginals, and both samplers recover the data distribution
when given the exact noise predictor of Gaussian data (a closed form)."""

from __future__ import annotations

import math

import pytest
import torch

from dlbook.nn.diffusion import (
    MLPDenoiser,
    MLPDenoiserConfig,
    NoiseSchedule,
    TinyUNet,
    UNetConfig,
    classifier_free_guidance,
    ddim_sample,
    ddim_timesteps,
    ddpm_sample,
    diffusion_loss,
    timestep_embedding,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MEAN, STD = 0.7, 0.4  # the data: every pixel independently N(MEAN, STD^2)


def exact_eps(schedule):
    # For Gaussian data, x_t ~ N(sqrt(ab) m, ab s^2 + 1 - ab), and the best prediction of the
    # noise is E[eps | x_t] = sqrt(1 - ab) (x_t - sqrt(ab) m) / (ab s^2 + 1 - ab).
    def model(x, t):
        ab = schedule.alpha_bars[t].reshape(-1, *([1] * (x.dim() - 1)))
        return (1 - ab).sqrt() * (x - ab.sqrt() * MEAN) / (ab * STD**2 + 1 - ab)

    return model


def test_schedules():
    linear = NoiseSchedule.linear(1000)
    torch.testing.assert_close(linear.alpha_bars, torch.cumprod(1 - linear.betas, 0))
    assert linear.alpha_bars[-1] == pytest.approx(4.0e-5, rel=0.05)  # Ho et al.'s schedule
    cosine = NoiseSchedule.cosine(1000)
    assert cosine.alpha_bars[0] > 0.999 and cosine.alpha_bars[-1] < 1e-4
    assert (cosine.alpha_bars[1:] < cosine.alpha_bars[:-1]).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        NoiseSchedule([0.1, 1.0])


def test_forward_process_marginals():
    schedule = NoiseSchedule.linear(100)
    gen = torch.Generator().manual_seed(0)
    x0 = torch.full((40_000, 1), 2.0)
    t = torch.full((40_000,), 30)
    xt = schedule.q_sample(x0, t, torch.randn(x0.shape, generator=gen))
    ab = schedule.alpha_bars[30]
    assert xt.mean().item() == pytest.approx(2.0 * ab.sqrt().item(), abs=0.02)
    assert xt.var().item() == pytest.approx(1 - ab.item(), abs=0.02)


def test_loss_is_the_noise_regression():
    schedule = NoiseSchedule.linear(50)
    model = exact_eps(schedule)
    x0 = MEAN + STD * torch.randn(512, 1, 2, 2, generator=torch.Generator().manual_seed(0))
    loss = diffusion_loss(model, schedule, x0, torch.Generator().manual_seed(1))
    gen = torch.Generator().manual_seed(1)
    t = torch.randint(0, 50, (512,), generator=gen)
    noise = torch.randn(x0.shape, generator=gen)
    expected = (model(schedule.q_sample(x0, t, noise), t) - noise).pow(2).mean()
    torch.testing.assert_close(loss, expected)


def test_ddim_timesteps():
    steps = ddim_timesteps(1000, 10)
    assert steps[0] == 0 and steps[-1] == 999 and len(steps) == 10
    assert ddim_timesteps(5, 5) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="exceeds"):
        ddim_timesteps(5, 6)


@pytest.mark.parametrize("schedule", [NoiseSchedule.linear(1000), NoiseSchedule.cosine(1000)])
def test_ddim_with_the_exact_predictor_recovers_the_data(schedule):
    def sample(steps):
        return ddim_sample(exact_eps(schedule), schedule, (4000, 1, 2, 2), steps=steps,
                           generator=torch.Generator().manual_seed(0))  # fmt: skip

    x = sample(1000)
    assert x.mean().item() == pytest.approx(MEAN, abs=0.02)
    assert x.std().item() == pytest.approx(STD, abs=0.01)
    # Fewer, longer steps shrink the spread (the discretisation error of the ODE solver),
    # and the error falls as the steps get shorter.
    errors = [abs(sample(n).std().item() - STD) for n in (10, 50, 250)]
    assert errors[0] > errors[1] > errors[2]


def test_ddim_trajectory_and_clipping():
    schedule = NoiseSchedule.linear(100)
    gen = torch.Generator().manual_seed(0)
    x, path = ddim_sample(
        exact_eps(schedule), schedule, (8, 1, 2, 2), steps=5, clip=0.5, generator=gen,
        return_trajectory=True,
    )  # fmt: skip
    assert [t for t, _, _ in path] == ddim_timesteps(100, 5)[::-1]
    assert x.abs().max() <= 0.5 + 1e-6
    assert all(x0.abs().max() <= 0.5 + 1e-6 for _, _, x0 in path)


def test_ddpm_with_the_exact_predictor_recovers_the_data():
    schedule = NoiseSchedule.linear(1000)
    x, path = ddpm_sample(exact_eps(schedule), schedule, (4000, 1, 2, 2), keep=(1000, 500, 0),
                          generator=torch.Generator().manual_seed(0))  # fmt: skip
    assert x.mean().item() == pytest.approx(MEAN, abs=0.02)
    assert x.std().item() == pytest.approx(STD, abs=0.02)
    assert set(path) == {1000, 500, 0}
    assert path[1000].std().item() == pytest.approx(1.0, abs=0.02), "starts from pure noise"
    torch.testing.assert_close(path[0], x)


def test_timestep_embedding():
    emb = timestep_embedding(torch.tensor([0, 5]), 8)
    assert emb.shape == (2, 8)
    torch.testing.assert_close(emb[0], torch.tensor([1.0] * 4 + [0.0] * 4))
    assert emb[1, 0].item() == pytest.approx(math.cos(5.0))


@pytest.mark.parametrize("patch", [1, 2])
def test_unet_shapes_time_conditioning_and_gradients(patch):
    torch.manual_seed(0)
    model = TinyUNet(UNetConfig(channels=(8, 16), time_dim=16, groups=4, patch=patch))
    x = torch.randn(3, 1, 28, 28)
    out = model(x, torch.tensor([0, 10, 999]))
    assert out.shape == x.shape
    other = model(x, torch.tensor([500, 500, 500]))
    assert not torch.allclose(out, other), "the output depends on the step"
    out.pow(2).mean().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(ValueError, match="divisible"):
        UNetConfig(channels=(8, 12), groups=8)


def test_mlp_denoiser_shapes_and_time_conditioning():
    torch.manual_seed(0)
    model = MLPDenoiser(MLPDenoiserConfig(dim=5, width=16, depth=2, time_dim=8))
    x = torch.randn(4, 5)
    out = model(x, torch.tensor([0, 1, 2, 3]))
    assert out.shape == (4, 5)
    assert not torch.allclose(out, model(x, torch.tensor([900] * 4)))
    with pytest.raises(ValueError, match="even"):
        MLPDenoiserConfig(time_dim=7)


def test_a_trained_mlp_denoiser_samples_a_two_point_mixture():
    # Data: +-1 in every coordinate (two clusters). A small denoiser trained for a few hundred
    # steps and sampled with DDIM must put samples near both clusters, not at the mean 0.
    torch.manual_seed(0)
    schedule = NoiseSchedule.cosine(100)
    model = MLPDenoiser(MLPDenoiserConfig(dim=2, width=64, depth=2, time_dim=16))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(600):
        x0 = torch.randint(0, 2, (256, 1), generator=gen).float().mul(2).sub(1).expand(256, 2)
        loss = diffusion_loss(model, schedule, x0, gen)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        x = ddim_sample(model, schedule, (1000, 2), steps=50, generator=gen)
    near = (x - x.sign()).abs().max(dim=1).values < 0.3
    assert near.float().mean() > 0.6, "most samples land on a cluster, not between them"
    assert 0.3 < (x[:, 0] > 0).float().mean() < 0.7, "both clusters are used"


def test_class_conditional_mlp_denoiser():
    torch.manual_seed(0)
    model = MLPDenoiser(MLPDenoiserConfig(dim=5, width=16, depth=2, time_dim=8, num_classes=3))
    assert model.null_class == 3
    x, t = torch.randn(4, 5), torch.tensor([0, 1, 2, 3])
    out = model(x, t, torch.tensor([0, 1, 2, 0]))
    assert out.shape == (4, 5)
    assert not torch.allclose(out, model(x, t, torch.tensor([1, 2, 0, 1])))
    # No labels means the "no class" label.
    torch.testing.assert_close(model(x, t), model(x, t, torch.full((4,), 3)))
    with pytest.raises(ValueError, match="unconditional"):
        MLPDenoiser(MLPDenoiserConfig(dim=5, width=16))(x, t, torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="num_classes"):
        MLPDenoiserConfig(num_classes=-1)


def test_guidance_extrapolates_from_the_unconditional_estimate():
    torch.manual_seed(0)
    model = MLPDenoiser(MLPDenoiserConfig(dim=5, width=16, depth=2, time_dim=8, num_classes=3))
    x, t, y = torch.randn(6, 5), torch.arange(6) * 100, torch.tensor([0, 1, 2, 0, 1, 2])
    with torch.no_grad():
        conditional, unconditional = model(x, t, y), model(x, t)
        for scale in (0.0, 1.0, 2.5):
            expected = unconditional + scale * (conditional - unconditional)
            got = classifier_free_guidance(model, y, scale)(x, t)
            torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_guided_sampling_draws_the_requested_cluster():
    # Data: two clusters, -1 (label 0) and +1 (label 1) in every coordinate; labels dropped
    # for a fifth of the examples. Unguided samples use both clusters; guided samples land
    # on the one asked for.
    torch.manual_seed(0)
    schedule = NoiseSchedule.cosine(100)
    config = MLPDenoiserConfig(dim=2, width=64, depth=2, time_dim=16, num_classes=2)
    model = MLPDenoiser(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(600):
        y = torch.randint(0, 2, (256,), generator=gen)
        x0 = y.float().mul(2).sub(1)[:, None].expand(256, 2)
        given = torch.where(torch.rand(256, generator=gen) < 0.2, model.null_class, y)
        loss = diffusion_loss(lambda x, t, given=given: model(x, t, given), schedule, x0, gen)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    asked = torch.arange(1000) % 2
    samples = {}
    for scale in (0.0, 3.0):
        samples[scale] = ddim_sample(
            classifier_free_guidance(model, asked, scale),
            schedule,
            (1000, 2),
            steps=50,
            generator=torch.Generator().manual_seed(1),
        )
    free, guided = samples[0.0], samples[3.0]
    assert 0.2 < (free[:, 0] > 0).float().mean() < 0.8, "unguided: both clusters"
    landed = (guided[:, 0] > 0).long() == asked
    assert landed.float().mean() > 0.95, "guided: the requested cluster"
