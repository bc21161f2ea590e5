"""Counting the parameters of a model."""

from __future__ import annotations

from torch import nn

__all__ = ["count_parameters"]


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        Any module; a weight shared by two of its submodules (tied embeddings) is counted once.
    trainable_only : bool, default True
        Count only the parameters with ``requires_grad`` (the ones an optimiser updates).

    Returns
    -------
    int
        :math:`\\sum_p \\operatorname{numel}(p)` over the (trainable) parameters.
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
