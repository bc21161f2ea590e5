"""DCGAN shapes and sampling; the players' losses and their gradients against closed forms;
the WGAN-GP penalty of a linear critic."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlbook.nn.gan import (
    DCGANConfig,
    DCGANDiscriminator,
    DCGANGenerator,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_shapes_ranges_and_sampling():
    torch.manual_seed(0)
    config = DCGANConfig(latent_dim=8, g_channels=(16, 8), d_channels=(8, 16))
    gen, disc = DCGANGenerator(config), DCGANDiscriminator(config)
    images = gen(torch.randn(4, 8))
    assert images.shape == (4, 1, 28, 28) and images.abs().max() <= 1
    assert disc(images).shape == (4,)
    assert DCGANDiscriminator(config, batch_norm=False)(images).shape == (4,)
    samples = gen.sample(5, generator=torch.Generator().manual_seed(0), batch_size=2)
    assert samples.shape == (5, 1, 28, 28) and samples.min() >= 0 and samples.max() <= 1
    assert gen.training, "sample() restores the training mode"
    again = gen.sample(5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(samples, again)
    with pytest.raises(ValueError, match="g_channels"):
        DCGANConfig(g_channels=(8,))


def test_discriminator_loss_closed_form():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    expected = -torch.sigmoid(real).log().mean() - (1 - torch.sigmoid(fake)).log().mean()
    torch.testing.assert_close(discriminator_loss(real, fake), expected)


def test_generator_gradients_saturate_only_in_the_minimax_form():
    logits = torch.tensor([-8.0, 0.0, 3.0], requires_grad=True)  # D rejects the first sample
    d = torch.sigmoid(logits.detach())
    (grad_sat,) = torch.autograd.grad(generator_loss(logits, saturating=True), logits)
    (grad_ns,) = torch.autograd.grad(generator_loss(logits), logits)
    torch.testing.assert_close(grad_sat, -d / 3)  # d/dl log(1 - sigmoid(l)) = -sigmoid(l)
    torch.testing.assert_close(grad_ns, -(1 - d) / 3)  # d/dl -log sigmoid(l)
    assert grad_sat[0].abs() < 1e-3 < grad_ns[0].abs()
    torch.testing.assert_close(
        generator_loss(logits.detach(), saturating=True), (1 - d).log().mean()
    )


def test_gradient_penalty_of_a_linear_critic():
    critic = nn.Linear(6, 1, bias=True)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 0.0, 4.0, 0.0, 0.0, 0.0]]))  # norm 5
    real, fake = torch.randn(10, 6), torch.randn(10, 6)
    penalty = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(0))
    torch.testing.assert_close(penalty, torch.tensor((5.0 - 1.0) ** 2))
    penalty.backward()
    assert critic.weight.grad is not None, "the penalty trains the critic"
