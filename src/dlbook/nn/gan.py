r"""Generative adversarial networks (Goodfellow et al., 2014): a DCGAN for 28x28 images and
the losses of the two players.

The discriminator :math:`D` outputs a logit, :math:`D(x) = \sigma(\text{logit})` being its
belief that :math:`x` is real; the generator :math:`G` maps a code :math:`z \sim N(0, I)` to an
image. The discriminator minimises the binary cross-entropy

.. math::

    \mathcal L_D = -\mathbb E_x \log D(x) - \mathbb E_z \log\bigl(1 - D(G(z))\bigr),

and the generator either minimises :math:`\mathbb E_z \log(1 - D(G(z)))` (the minimax game of
the paper, whose gradient vanishes when :math:`D` confidently rejects the samples) or, as
everyone does in practice, the non-saturating :math:`-\mathbb E_z \log D(G(z))`.

The DCGAN layout follows Radford et al. (2016): transposed convolutions with batch norm and
ReLU in the generator, strided convolutions with leaky ReLU in the discriminator, no pooling
and no hidden dense layers, a ``tanh`` output for images scaled to [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from dlbook.nn._checks import positive_int

__all__ = [
    "DCGANConfig",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
]


@dataclass(frozen=True)
class DCGANConfig:
    """Sizes of a DCGAN for 28x28 single-channel images: the code size ``latent_dim``, the
    generator's widths at 7x7 and 14x14 (``g_channels``) and the discriminator's at 14x14 and
    7x7 (``d_channels``)."""

    latent_dim: int = 64
    g_channels: tuple[int, int] = (64, 32)
    d_channels: tuple[int, int] = (32, 64)

    def __post_init__(self) -> None:
        positive_int("latent_dim", self.latent_dim)
        for name in ("g_channels", "d_channels"):
            widths = getattr(self, name)
            if len(widths) != 2:
                raise ValueError(f"{name} must hold two widths, got {widths}")
            for width in widths:
                positive_int(name, width)


class DCGANGenerator(nn.Module):
    """Code ``(B, latent_dim)`` to image ``(B, 1, 28, 28)`` in [-1, 1]."""

    def __init__(self, config: DCGANConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or DCGANConfig()
        c1, c2 = c.g_channels
        self.project = nn.Sequential(
            nn.Linear(c.latent_dim, c1 * 7 * 7, bias=False), nn.BatchNorm1d(c1 * 7 * 7), nn.ReLU()
        )
        self.net = nn.Sequential(
            nn.ConvTranspose2d(c1, c2, 4, stride=2, padding=1, bias=False),  # (B, c2, 14, 14)
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.ConvTranspose2d(c2, 1, 4, stride=2, padding=1),  # (B, 1, 28, 28)
            nn.Tanh(),
        )

    def forward(self, z: Tensor) -> Tensor:
        c1 = self.config.g_channels[0]
        return self.net(self.project(z).view(-1, c1, 7, 7))

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, batch_size: int = 1000
    ) -> Tensor:
        """``n`` images ``(n, 1, 28, 28)`` scaled to [0, 1], generated in evaluation mode
        (batch norm uses its running statistics) from codes drawn with a CPU ``generator``."""
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.latent_dim, generator=generator)
        out = torch.cat([self(z[i : i + batch_size].to(device)) for i in range(0, n, batch_size)])
        self.train(was_training)
        return (out + 1) / 2


class DCGANDiscriminator(nn.Module):
    """Image ``(B, 1, 28, 28)`` in [-1, 1] to one logit per image ``(B,)``.

    ``batch_norm=False`` leaves the normalisation out (as a WGAN-GP critic must, since its
    gradient penalty is per example).
    """

    def __init__(self, config: DCGANConfig | None = None, batch_norm: bool = True) -> None:
        super().__init__()
        self.config = c = config or DCGANConfig()
        c1, c2 = c.d_channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c1, 4, stride=2, padding=1),  # (B, c1, 14, 14)
            nn.LeakyReLU(0.2),
            nn.Conv2d(c1, c2, 4, stride=2, padding=1, bias=not batch_norm),  # (B, c2, 7, 7)
            nn.BatchNorm2d(c2) if batch_norm else nn.Identity(),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(-1)


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r""":math:`-\log D(x) - \log(1 - D(G(z)))`, averaged: real labelled 1, fake 0."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: Tensor, saturating: bool = False) -> Tensor:
    r"""The generator's loss on :math:`D`'s logits for its samples.

    Non-saturating (default): :math:`-\log D(G(z))`. Saturating (the minimax game):
    :math:`\log(1 - D(G(z)))`, whose gradient with respect to the logit is :math:`-D(G(z))`,
    nearly zero exactly when the discriminator rejects the samples with confidence.
    """
    if saturating:
        return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def gradient_penalty(
    critic: nn.Module, real: Tensor, fake: Tensor, generator: torch.Generator | None = None
) -> Tensor:
    r"""The WGAN-GP penalty (Gulrajani et al., 2017),
    :math:`\mathbb E_{\hat x} (\lVert \nabla_{\hat x} f(\hat x) \rVert_2 - 1)^2` on random
    interpolates :math:`\hat x = u x + (1 - u) \tilde x` between real and generated samples."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    u = torch.rand(shape, generator=generator).to(real.device, real.dtype)
    mixed = (u * real + (1 - u) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
