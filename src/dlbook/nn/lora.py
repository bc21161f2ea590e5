r"""Low-rank adaptation (LoRA; Hu et al., 2022): fine-tune a frozen linear map through a
trainable low-rank update.

A pre-trained weight :math:`W_0 \in \mathbb{R}^{d_\text{out} \times d_\text{in}}` stays frozen;
the adapted layer computes

.. math::

    h = W_0 x + b + \frac{\alpha}{r}\, B A x, \qquad
    A \in \mathbb{R}^{r \times d_\text{in}},\; B \in \mathbb{R}^{d_\text{out} \times r},

with rank :math:`r \ll \min(d_\text{in}, d_\text{out})`. :math:`A` starts random and
:math:`B` at zero, so training starts exactly from the pre-trained model; only
:math:`r (d_\text{in} + d_\text{out})` numbers per layer are trained. After training the update
can be folded into the weight, :math:`W = W_0 + \tfrac{\alpha}{r} B A`
(:meth:`LoRALinear.merged`), so the adapted model costs nothing extra at inference.

* :class:`LoRALinear` wraps one ``nn.Linear``;
* :func:`add_lora` freezes a whole model and wraps the linear layers whose names end with the
  given suffixes (Hu et al. adapt the query and value projections of every attention layer);
* :func:`merge_lora` replaces every :class:`LoRALinear` by its merged ``nn.Linear``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from dlbook.nn._checks import positive_int

__all__ = ["LoRALinear", "add_lora", "merge_lora"]


class LoRALinear(nn.Module):
    r"""A frozen ``nn.Linear`` plus a trainable low-rank update :math:`\frac{\alpha}{r} B A`.

    Parameters
    ----------
    base:
        The pre-trained linear layer; its weight and bias are frozen (``requires_grad=False``).
    rank:
        :math:`r`, the rank of the update.
    alpha:
        :math:`\alpha`; the update is scaled by :math:`\alpha / r`, so that changing :math:`r`
        does not change the size of the update at initialisation scale (default: ``rank``,
        a scale of 1).
    dropout:
        Dropout on the input of the low-rank branch only.

    Notes
    -----
    :math:`A` is initialised like a fresh ``nn.Linear`` weight (Kaiming-uniform), :math:`B` with
    zeros, as in Hu et al. (2022) and the ``peft`` library.
    """

    def __init__(
        self, base: nn.Linear, rank: int = 8, alpha: float | None = None, dropout: float = 0.0
    ):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
        positive_int("rank", rank)
        self.base = base
        self.base.requires_grad_(False)
        self.rank = rank
        self.alpha = float(rank if alpha is None else alpha)
        self.scaling = self.alpha / rank
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))  # (r, d_in)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))  # (d_out, r)
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)

    def extra_repr(self) -> str:
        return f"rank={self.rank}, alpha={self.alpha:g}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = self.dropout(x) @ self.lora_A.T @ self.lora_B.T  # (..., d_out)
        return self.base(x) + self.scaling * update

    def delta_weight(self) -> torch.Tensor:
        r""":math:`\frac{\alpha}{r} B A`, shape ``(d_out, d_in)``."""
        return self.scaling * self.lora_B @ self.lora_A

    @torch.no_grad()
    def merged(self) -> nn.Linear:
        """A plain ``nn.Linear`` computing the same map (in eval mode) with the update folded in."""
        out = nn.Linear(
            self.base.in_features,
            self.base.out_features,
            bias=self.base.bias is not None,
            device=self.base.weight.device,
            dtype=self.base.weight.dtype,
        )
        out.weight.copy_(self.base.weight + self.delta_weight())
        if self.base.bias is not None:
            out.bias.copy_(self.base.bias)
        return out


def add_lora(
    model: nn.Module,
    targets: Sequence[str] = ("q_proj", "v_proj"),
    rank: int = 8,
    alpha: float | None = None,
    dropout: float = 0.0,
    trainable: Sequence[str] = (),
) -> list[str]:
    """Freeze ``model`` and wrap its linear layers named ``*<target>`` in :class:`LoRALinear`.

    Parameters
    ----------
    model:
        Modified in place.
    targets:
        Suffixes of the qualified names of the ``nn.Linear`` modules to adapt (the default adapts
        the query and value projections of :class:`dlbook.nn.attention.MultiHeadAttention`).
    rank, alpha, dropout:
        Passed to :class:`LoRALinear`.
    trainable:
        Prefixes of parameter names that stay trainable as well (for instance a new
        classification head, ``("out.",)``).

    Returns
    -------
    The names of the wrapped modules. Raises ``ValueError`` if none matched.
    """
    model.requires_grad_(False)
    names = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and name.endswith(tuple(targets))
    ]
    if not names:
        raise ValueError(f"no nn.Linear module of the model has a name ending in {list(targets)}")
    for name in names:
        parent, _, child = name.rpartition(".")
        holder = model.get_submodule(parent) if parent else model
        setattr(holder, child, LoRALinear(getattr(holder, child), rank, alpha, dropout))
    for name, p in model.named_parameters():
        if name.startswith(tuple(trainable)):
            p.requires_grad_(True)
    return names


def merge_lora(model: nn.Module) -> nn.Module:
    """Replace every :class:`LoRALinear` in ``model`` (in place) by its merged ``nn.Linear``."""
    wrapped = [name for name, m in model.named_modules() if isinstance(m, LoRALinear)]
    for name in wrapped:
        parent, _, child = name.rpartition(".")
        holder = model.get_submodule(parent) if parent else model
        setattr(holder, child, getattr(holder, child).merged())
    return model
