"""Attention maps: which input each output looked at, as a heatmap."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np


def plot_attention(
    weights: object,
    x_labels: Sequence[str],
    y_labels: Sequence[str],
    ax: plt.Axes | None = None,
    *,
    title: str | None = None,
    cmap: str = "viridis",
    colorbar: bool = False,
) -> plt.Axes:
    """Draw an attention map: one row per output (query), one column per input (key).

    Parameters
    ----------
    weights:
        Array-like ``(len(y_labels), len(x_labels))`` of attention weights, for example one
        example's ``(L, S)`` slice of the weights that :mod:`dlbook.nn.attention` returns.
        A NumPy array, a (CPU or GPU) PyTorch tensor or a TensorFlow tensor.
    x_labels:
        Labels of the inputs (keys), such as the characters of the source string.
    y_labels:
        Labels of the outputs (queries), such as the characters the decoder wrote.
    ax:
        Axes to draw on (default: a new figure sized to the map).
    title:
        Optional title.
    cmap:
        Colour map; weights are shown on a fixed 0..1 scale so maps can be compared.
    colorbar:
        Whether to add a colour bar.

    Returns
    -------
    The axes drawn on.
    """
    w = _to_numpy(weights)
    if w.ndim != 2:
        raise ValueError(f"weights must be a 2-D (outputs, inputs) array, got shape {w.shape}")
    if w.shape != (len(y_labels), len(x_labels)):
        raise ValueError(
            f"weights have shape {w.shape} but there are {len(y_labels)} y labels (rows) and "
            f"{len(x_labels)} x labels (columns)"
        )
    if ax is None:
        width = min(0.25 * len(x_labels) + 1.5, 16)
        height = min(0.25 * len(y_labels) + 1.2, 12)
        _, ax = plt.subplots(figsize=(width, height))
    image = ax.imshow(w, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(x_labels)), [_visible(s) for s in x_labels], fontsize=8)
    ax.set_yticks(range(len(y_labels)), [_visible(s) for s in y_labels], fontsize=8)
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_xlabel("input")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _visible(label: str) -> str:
    # A space tick label would be invisible; show it as an open box.
    return "\u2423" if label == " " else label


def _to_numpy(weights: object) -> np.ndarray:
    if hasattr(weights, "detach"):  # torch.Tensor, possibly on a GPU
        weights = weights.detach().cpu().numpy()
    elif hasattr(weights, "numpy"):  # tf.Tensor
        weights = weights.numpy()
    return np.asarray(weights, dtype=float)
