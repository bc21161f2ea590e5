r"""Texture statistics: Gram matrices of feature maps, and a one-layer network of random
filters at several scales that is enough to synthesise textures (Ustyuzhaninov et al., 2017).

Gatys et al. (2015) describe a texture by the correlations between a network's feature maps,
the Gram matrix

.. math::

    G_{ij} = \frac{1}{HW} \sum_{p} F_{i,p} F_{j,p},

where :math:`F_{i,p}` is channel :math:`i` at position :math:`p`: it keeps which features occur
together, and throws away where. Matching the Gram matrices of an image being optimised to
those of an example texture synthesises a new sample of that texture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from dlbook.nn._checks import positive_int

__all__ = ["RandomMultiscaleConfig", "RandomMultiscaleNet", "gram_loss", "gram_matrix"]


def gram_matrix(features: Tensor) -> Tensor:
    """``(B, C, H, W)`` feature maps to ``(B, C, C)`` Gram matrices, averaged over positions."""
    if features.dim() != 4:
        raise ValueError(f"features must be (B, C, H, W), got {tuple(features.shape)}")
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


@dataclass(frozen=True)
class RandomMultiscaleConfig:
    """``filters`` random filters of each size in ``sizes`` on ``in_channels`` inputs."""

    in_channels: int = 3
    sizes: tuple[int, ...] = (3, 5, 7, 11, 15, 23)
    filters: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        positive_int("in_channels", self.in_channels)
        positive_int("filters", self.filters)
        if not self.sizes or any(s < 1 or s % 2 == 0 for s in self.sizes):
            raise ValueError(f"sizes must be odd positive kernel sizes, got {self.sizes}")


class RandomMultiscaleNet(nn.Module):
    r"""One convolutional layer of random, untrained filters at several sizes, then ReLU.

    Each filter is drawn from a uniform distribution, made zero-mean (so it responds to
    structure, not to brightness) and scaled to unit norm; the weights are fixed by
    ``config.seed`` and never trained. :meth:`forward` returns one ``(B, filters, H, W)`` map
    per size (same padding), the inputs of :func:`gram_matrix`.
    """

    def __init__(self, config: RandomMultiscaleConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or RandomMultiscaleConfig()
        generator = torch.Generator().manual_seed(c.seed)
        for size in c.sizes:
            w = torch.rand(c.filters, c.in_channels, size, size, generator=generator) - 0.5
            w = w - w.mean(dim=(1, 2, 3), keepdim=True)
            w = w / w.flatten(1).norm(dim=1).reshape(-1, 1, 1, 1)
            self.register_buffer(f"weight_{size}", w)

    def forward(self, x: Tensor) -> list[Tensor]:
        maps = []
        for size in self.config.sizes:
            w = getattr(self, f"weight_{size}")
            maps.append(F.relu(F.conv2d(F.pad(x, [size // 2] * 4, mode="reflect"), w)))
        return maps


def gram_loss(features: Sequence[Tensor], targets: Sequence[Tensor]) -> Tensor:
    """Sum over layers of the squared Frobenius distance between Gram matrices, each divided
    by the squared norm of its target (so every scale counts about equally)."""
    total = features[0].new_zeros(())
    for f, g in zip(features, targets, strict=True):
        total = total + (gram_matrix(f) - g).pow(2).sum() / g.pow(2).sum()
    return total
