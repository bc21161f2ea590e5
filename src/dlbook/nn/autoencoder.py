r"""A plain (deterministic) autoencoder: a bottleneck that must reconstruct its input.

The encoder maps :math:`x` to a code :math:`z = g_\phi(x)` of ``latent_dim`` numbers and the
decoder maps it back to pixel logits :math:`f_\theta(z)`; training minimises the binary
cross-entropy between :math:`x` (grey levels in [0, 1]) and :math:`\sigma(f_\theta(z))`,

.. math::

    \ell(x) = -\sum_j \bigl(x_j \log \hat x_j + (1 - x_j) \log(1 - \hat x_j)\bigr),
    \qquad \hat x = \sigma\bigl(f_\theta(g_\phi(x))\bigr).

Nothing asks the codes to follow any particular distribution, which is why decoding random
codes rarely gives a digit (see the VAE, :mod:`dlbook.nn.vae`).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn
from torch.nn import functional as F

from dlbook.nn._checks import positive_int

__all__ = ["Autoencoder", "AutoencoderConfig", "reconstruction_loss"]


@dataclass(frozen=True)
class AutoencoderConfig:
    """``input_dim`` pixels, one hidden layer of ``hidden`` ReLU units on each side, and a
    code of ``latent_dim`` numbers."""

    input_dim: int = 784
    hidden: int = 512
    latent_dim: int = 32

    def __post_init__(self) -> None:
        for name in ("input_dim", "hidden", "latent_dim"):
            positive_int(name, getattr(self, name))


class Autoencoder(nn.Module):
    """Shapes: ``x`` ``(B, input_dim)``; codes ``(B, latent_dim)``; logits ``(..., input_dim)``."""

    def __init__(self, config: AutoencoderConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or AutoencoderConfig()
        self.encoder = nn.Sequential(
            nn.Linear(c.input_dim, c.hidden), nn.ReLU(), nn.Linear(c.hidden, c.latent_dim)
        )
        self.decoder = nn.Sequential(
            nn.Linear(c.latent_dim, c.hidden), nn.ReLU(), nn.Linear(c.hidden, c.input_dim)
        )

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        """Pixel logits; ``.sigmoid()`` gives the reconstructed grey levels."""
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


def reconstruction_loss(model: Autoencoder, x: Tensor) -> Tensor:
    """Binary cross-entropy summed over pixels, averaged over the batch (nats per image)."""
    return F.binary_cross_entropy_with_logits(model(x), x, reduction="sum") / x.shape[0]
