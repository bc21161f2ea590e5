r"""Denoising diffusion (Ho et al., 2020): the noise schedule, a small U-Net and two samplers.

The forward process adds Gaussian noise in :math:`T` steps with variances :math:`\beta_t`;
with :math:`\alpha_t = 1 - \beta_t` and :math:`\bar\alpha_t = \prod_{s \le t} \alpha_s` it
can jump straight to any step:

.. math::

    q(x_t \mid x_0) = N\bigl(\sqrt{\bar\alpha_t}\, x_0,\; (1 - \bar\alpha_t) I\bigr),
    \qquad x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon.

A network :math:`\varepsilon_\theta(x_t, t)` learns to predict the noise
(loss :math:`\lVert \varepsilon - \varepsilon_\theta(x_t, t) \rVert^2`), and a sampler walks
back from pure noise :math:`x_T \sim N(0, I)`:

* :func:`ddpm_sample`, the ancestral sampler of Ho et al., one network call per step, all
  :math:`T` of them;
* :func:`ddim_sample`, the deterministic sampler of Song et al. (2021), which jumps between a
  few of the :math:`T` steps with the same trained network.

Time steps are counted from 0 here: ``t = 0`` is the first (least noisy) step and
``t = T - 1`` the last.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from dlbook.nn._checks import positive_int

__all__ = [
    "MLPDenoiser",
    "MLPDenoiserConfig",
    "NoiseSchedule",
    "TinyUNet",
    "UNetConfig",
    "classifier_free_guidance",
    "ddim_sample",
    "ddim_timesteps",
    "ddpm_sample",
    "diffusion_loss",
    "timestep_embedding",
]

EpsModel = Callable[[Tensor, Tensor], Tensor]


class NoiseSchedule:
    r"""The variances :math:`\beta_t` of the forward process and the quantities derived from them.

    Attributes (float32 tensors of shape ``(T,)``): ``betas``, ``alphas``, ``alpha_bars``
    (:math:`\bar\alpha_t`).
    """

    def __init__(self, betas: Sequence[float] | Tensor) -> None:
        betas = torch.as_tensor(betas, dtype=torch.float64)
        if betas.dim() != 1 or len(betas) < 1:
            raise ValueError("betas must be a non-empty 1-D sequence")
        if not ((betas > 0) & (betas < 1)).all():
            raise ValueError("every beta must lie strictly between 0 and 1")
        alpha_bars = torch.cumprod(1.0 - betas, dim=0)
        self.betas = betas.float()
        self.alphas = (1.0 - betas).float()
        self.alpha_bars = alpha_bars.float()

    @property
    def num_steps(self) -> int:
        return len(self.betas)

    @classmethod
    def linear(cls, num_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02):
        """Ho et al.'s schedule: :math:`\\beta_t` linear from ``beta_start`` to ``beta_end``."""
        positive_int("num_steps", num_steps)
        return cls(torch.linspace(beta_start, beta_end, num_steps, dtype=torch.float64))

    @classmethod
    def cosine(cls, num_steps: int = 1000, offset: float = 0.008, max_beta: float = 0.999):
        r"""Nichol and Dhariwal's (2021) schedule:
        :math:`\bar\alpha_t \propto \cos^2\bigl(\tfrac{t/T + s}{1 + s} \tfrac\pi2\bigr)`,
        with each :math:`\beta_t` capped at ``max_beta``."""
        positive_int("num_steps", num_steps)
        steps = torch.arange(num_steps + 1, dtype=torch.float64) / num_steps
        f = torch.cos((steps + offset) / (1 + offset) * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=max_beta)
        return cls(betas)

    def _at(self, values: Tensor, t: Tensor, like: Tensor) -> Tensor:
        # values[t] shaped (B, 1, 1, ...) to broadcast against a batch like `like`.
        out = values.to(like.device)[t]
        return out.reshape(-1, *([1] * (like.dim() - 1))).to(like.dtype)

    def q_sample(self, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        r""":math:`x_t = \sqrt{\bar\alpha_t} x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon`;
        ``t``: ``(B,)`` integer steps in ``0 .. T-1``."""
        ab = self._at(self.alpha_bars, t, x0)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def diffusion_loss(
    model: EpsModel, schedule: NoiseSchedule, x0: Tensor, generator: torch.Generator | None = None
) -> Tensor:
    r"""The simplified objective of Ho et al.: a uniform step :math:`t`, fresh noise, and the
    mean squared error between the noise and the network's prediction of it from :math:`x_t`."""
    t = torch.randint(0, schedule.num_steps, (x0.shape[0],), generator=generator)
    t = t.to(x0.device)
    noise = torch.randn(x0.shape, generator=generator).to(x0.device, x0.dtype)
    return F.mse_loss(model(schedule.q_sample(x0, t, noise), t), noise)


@torch.no_grad()
def ddpm_sample(
    model: EpsModel,
    schedule: NoiseSchedule,
    shape: Sequence[int],
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    keep: Sequence[int] = (),
) -> tuple[Tensor, dict[int, Tensor]]:
    r"""Ancestral sampling, from :math:`x_{T}` down to :math:`x_0`, one network call per step:

    .. math::

        x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Bigl(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}
            \varepsilon_\theta(x_t, t)\Bigr) + \sigma_t z, \qquad
        \sigma_t^2 = \beta_t, \; z \sim N(0, I),

    with no noise added at the last step. ``generator`` lives on the CPU (so a seed gives the
    same samples on any device). Returns the samples and ``{t: x_t}`` for each step in
    ``keep`` (``T`` for the starting noise).
    """
    x = torch.randn(tuple(shape), generator=generator).to(device)
    trajectory = {schedule.num_steps: x.cpu()} if schedule.num_steps in keep else {}
    for t in range(schedule.num_steps - 1, -1, -1):
        tt = torch.full((x.shape[0],), t, device=device, dtype=torch.long)
        eps = model(x, tt)
        beta, alpha, ab = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
        x = (x - beta / (1 - ab).sqrt() * eps) / alpha.sqrt()
        if t > 0:
            x = x + beta.sqrt() * torch.randn(x.shape, generator=generator).to(device)
        if t in keep:
            trajectory[t] = x.cpu()
    return x, trajectory


def ddim_timesteps(num_steps: int, sampling_steps: int) -> list[int]:
    """``sampling_steps`` steps out of ``0 .. num_steps - 1``, evenly spaced, ending at 0."""
    positive_int("sampling_steps", sampling_steps)
    if sampling_steps > num_steps:
        raise ValueError(f"sampling_steps ({sampling_steps}) exceeds the schedule's {num_steps}")
    return sorted({round(i) for i in torch.linspace(0, num_steps - 1, sampling_steps).tolist()})


@torch.no_grad()
def ddim_sample(
    model: EpsModel,
    schedule: NoiseSchedule,
    shape: Sequence[int],
    *,
    steps: int = 20,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    clip: float | None = None,
    return_trajectory: bool = False,
) -> Tensor | tuple[Tensor, list[tuple[int, Tensor, Tensor]]]:
    r"""Deterministic DDIM sampling (:math:`\eta = 0`) in ``steps`` network calls.

    At each visited step :math:`t`, with the next one :math:`s < t` (or the data for the last):

    .. math::

        \hat x_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\varepsilon_\theta(x_t, t)}
                        {\sqrt{\bar\alpha_t}}, \qquad
        x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1 - \bar\alpha_s}\,\varepsilon_\theta(x_t, t).

    ``clip`` bounds :math:`\hat x_0` to ``[-clip, clip]`` (the data range). With
    ``return_trajectory`` also returns ``[(t, x_t, x0_hat), ...]`` on the CPU, one per step.
    """
    timesteps = ddim_timesteps(schedule.num_steps, steps)[::-1]  # e.g. [999, ..., 0]
    x = torch.randn(tuple(shape), generator=generator).to(device)
    trajectory = []
    for i, t in enumerate(timesteps):
        tt = torch.full((x.shape[0],), t, device=device, dtype=torch.long)
        eps = model(x, tt)
        ab = schedule.alpha_bars[t]
        x0 = (x - (1 - ab).sqrt() * eps) / ab.sqrt()
        if clip is not None:
            x0 = x0.clamp(-clip, clip)
            eps = (x - ab.sqrt() * x0) / (1 - ab).sqrt()
        if return_trajectory:
            trajectory.append((t, x.cpu(), x0.cpu()))
        if i + 1 < len(timesteps):
            ab_next = schedule.alpha_bars[timesteps[i + 1]]
            x = ab_next.sqrt() * x0 + (1 - ab_next).sqrt() * eps
        else:
            x = x0
    return (x, trajectory) if return_trajectory else x


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10_000.0) -> Tensor:
    r"""Sinusoidal embedding of integer steps, as for positions in a transformer, ``(B, dim)``:
    :math:`[\cos(t \omega_i), \sin(t \omega_i)]` with :math:`\omega_i = P^{-i / (d/2)}`."""
    if dim % 2:
        raise ValueError(f"dim must be even, got {dim}")
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]  # (B, half)
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


@dataclass(frozen=True)
class UNetConfig:
    """Sizes of a :class:`TinyUNet`: ``channels`` at the two resolutions, the width of the
    step embedding ``time_dim``, ``groups`` of the group norms, and ``patch``, the
    space-to-depth factor applied first (2: a 28x28 image becomes 4 channels of 14x14)."""

    image_channels: int = 1
    channels: tuple[int, int] = (32, 64)
    time_dim: int = 64
    groups: int = 8
    patch: int = 2

    def __post_init__(self) -> None:
        for name in ("image_channels", "time_dim", "groups", "patch"):
            positive_int(name, getattr(self, name))
        if len(self.channels) != 2 or any(c % self.groups for c in self.channels):
            raise ValueError(
                f"channels must be two widths divisible by groups={self.groups}, "
                f"got {self.channels}"
            )


class ResBlock(nn.Module):
    """Two 3x3 convolutions with group norm and SiLU, the step embedding added in between,
    and a residual connection (a 1x1 convolution when the width changes)."""

    def __init__(self, c_in: int, c_out: int, time_dim: int, groups: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(min(groups, c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.time = nn.Linear(time_dim, c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor, temb: Tensor) -> Tensor:
        h = self.conv1(F.silu(self.norm1(x)))  # (B, c_out, H, W)
        h = h + self.time(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    r"""A two-level U-Net that predicts the noise :math:`\varepsilon_\theta(x_t, t)`.

    Space-to-depth by ``patch``, a block at the first resolution (kept as the skip), a strided
    convolution down, two blocks at half resolution, nearest upsampling and a convolution up,
    a block on the concatenation with the skip, and depth-to-space back to the image.

    Shapes: ``x`` ``(B, C, H, W)`` with ``H`` and ``W`` divisible by ``2 * patch``; ``t``
    ``(B,)`` integer steps; output like ``x``.
    """

    def __init__(self, config: UNetConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or UNetConfig()
        c1, c2 = c.channels
        c_in = c.image_channels * c.patch**2
        self.time_mlp = nn.Sequential(
            nn.Linear(c.time_dim, c.time_dim), nn.SiLU(), nn.Linear(c.time_dim, c.time_dim)
        )
        self.conv_in = nn.Conv2d(c_in, c1, 3, padding=1)
        self.block1 = ResBlock(c1, c1, c.time_dim, c.groups)
        self.down = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.block2 = ResBlock(c2, c2, c.time_dim, c.groups)
        self.block3 = ResBlock(c2, c2, c.time_dim, c.groups)
        self.up = nn.Conv2d(c2, c1, 3, padding=1)
        self.block4 = ResBlock(2 * c1, c1, c.time_dim, c.groups)
        self.norm_out = nn.GroupNorm(c.groups, c1)
        self.conv_out = nn.Conv2d(c1, c_in, 3, padding=1)

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        p = self.config.patch
        temb = self.time_mlp(timestep_embedding(t, self.config.time_dim))  # (B, time_dim)
        h = F.pixel_unshuffle(x, p) if p > 1 else x  # (B, C p^2, H/p, W/p)
        h1 = self.block1(self.conv_in(h), temb)  # (B, c1, H/p, W/p)
        h2 = self.block2(self.down(h1), temb)  # (B, c2, H/2p, W/2p)
        h2 = self.block3(h2, temb)
        u = self.up(F.interpolate(h2, scale_factor=2.0, mode="nearest"))  # (B, c1, H/p, W/p)
        u = self.block4(torch.cat([u, h1], dim=1), temb)
        out = self.conv_out(F.silu(self.norm_out(u)))  # (B, C p^2, H/p, W/p)
        return F.pixel_shuffle(out, p) if p > 1 else out


@dataclass(frozen=True)
class MLPDenoiserConfig:
    """Sizes of an :class:`MLPDenoiser`: vectors of ``dim`` numbers, ``depth`` hidden layers of
    ``width`` SiLU units, a step embedding of ``time_dim``; ``num_classes`` > 0 makes it
    class-conditional (a learned embedding per class, plus one for "no class")."""

    dim: int = 32
    width: int = 512
    depth: int = 3
    time_dim: int = 64
    num_classes: int = 0

    def __post_init__(self) -> None:
        for name in ("dim", "width", "depth", "time_dim"):
            positive_int(name, getattr(self, name))
        if self.num_classes < 0:
            raise ValueError(f"num_classes must be 0 or more, got {self.num_classes}")
        if self.time_dim % 2:
            raise ValueError(f"time_dim must be even, got {self.time_dim}")


class MLPDenoiser(nn.Module):
    r"""Predicts the noise :math:`\varepsilon_\theta(x_t, t)` of a vector :math:`x_t`, such as
    an autoencoder's code (latent diffusion, Rombach et al., 2022).

    The input and the step embedding are projected to ``width`` and added; then ``depth``
    residual blocks (SiLU, linear) and a linear output of ``dim`` numbers.

    With ``config.num_classes`` = :math:`K > 0` the network also takes class labels ``y``
    and adds a learned embedding of the class to the sum, :math:`\varepsilon_\theta(x_t, t, y)`.
    Label :math:`K` (:attr:`null_class`, also used when ``y`` is ``None``) means "no class":
    trained on examples whose label was dropped, it gives the unconditional prediction that
    classifier-free guidance needs (:func:`classifier_free_guidance`).

    Shapes: ``x`` ``(B, dim)``, ``t`` ``(B,)`` integer steps, ``y`` ``(B,)`` integer labels in
    ``0 .. K`` or ``None``; output ``(B, dim)``.
    """

    def __init__(self, config: MLPDenoiserConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or MLPDenoiserConfig()
        self.time_mlp = nn.Sequential(nn.Linear(c.time_dim, c.width), nn.SiLU())
        self.input = nn.Linear(c.dim, c.width)
        self.blocks = nn.ModuleList(nn.Linear(c.width, c.width) for _ in range(c.depth))
        self.output = nn.Linear(c.width, c.dim)
        if c.num_classes:
            self.label = nn.Embedding(c.num_classes + 1, c.width)

    @property
    def null_class(self) -> int:
        """The label that means "no class" (``num_classes``)."""
        return self.config.num_classes

    def forward(self, x: Tensor, t: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.input(x) + self.time_mlp(timestep_embedding(t, self.config.time_dim))  # (B, W)
        if self.config.num_classes:
            if y is None:
                y = torch.full_like(t, self.null_class)
            h = h + self.label(y)  # (B, W)
        elif y is not None:
            raise ValueError("this denoiser is unconditional (num_classes=0) but got labels")
        for block in self.blocks:
            h = h + block(F.silu(h))
        return self.output(F.silu(h))  # (B, dim)


def classifier_free_guidance(model: nn.Module, labels: Tensor, scale: float) -> EpsModel:
    r"""The guided noise estimate of Ho and Salimans (2022), as a model the samplers accept.

    A class-conditional denoiser trained with some labels dropped (replaced by its
    ``null_class``) predicts both :math:`\varepsilon_\theta(x_t, t, y)` and the unconditional
    :math:`\varepsilon_\theta(x_t, t, \varnothing)`; guidance extrapolates from the second
    towards and beyond the first:

    .. math::

        \tilde\varepsilon = \varepsilon_\theta(x_t, t, \varnothing)
            + s\,\bigl(\varepsilon_\theta(x_t, t, y)
            - \varepsilon_\theta(x_t, t, \varnothing)\bigr).

    ``scale`` :math:`s = 0` samples unconditionally, :math:`s = 1` from the conditional model,
    :math:`s > 1` trades diversity for samples more typical of their class. ``labels``:
    ``(B,)``, one per sample, on the model's device. Both estimates come from one batched call.
    """
    null = torch.full_like(labels, model.null_class)

    def guided(x: Tensor, t: Tensor) -> Tensor:
        if scale == 0:
            return model(x, t, null)
        if scale == 1:
            return model(x, t, labels)
        both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null]))
        conditional, unconditional = both.chunk(2)  # (B, dim) each
        return unconditional + scale * (conditional - unconditional)

    return guided
