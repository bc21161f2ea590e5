"""Figures for explanations: heatmaps over images, and deletion curves side by side.

Companions of :mod:`dlbook.explain`; both return the matplotlib figure so a page can add to it
before ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlbook.plot.images import _as_images

#: Line styles and markers cycled with the colours, so curves differ without colour too.
_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P")


def plot_heatmap_rows(
    images: np.ndarray,
    rows: Mapping[str, np.ndarray],
    *,
    titles: Sequence[str] | None = None,
    image_cmap: str = "gray_r",
    heat_cmap: str = "inferno",
    alpha: float = 0.6,
    size: float = 1.25,
) -> plt.Figure:
    """The images in a first row, then one row per explanation, each heatmap over its image.

    Parameters
    ----------
    images : array (N, H, W) or (N, H, W, 1)
        The images explained, one per column.
    rows : mapping of row label to array (N, H, W)
        Heatmaps at the images' resolution (upsample coarse maps first). Each heatmap is
        scaled to its own maximum, since only where it is large matters, not its units.
    titles : sequence of str, optional
        One title per column (a class, a prediction).
    image_cmap, heat_cmap, alpha:
        Colour maps of the images and of the heatmaps, and the heatmaps' opacity.
    size : float
        Width and height of each panel in inches.
    """
    images = _as_images(images)
    n = len(images)
    if n == 0:
        raise ValueError("there is nothing to plot: got zero images")
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images")
    for label, heat in rows.items():
        if np.shape(heat) != images.shape[:3]:
            raise ValueError(
                f"heatmaps {label!r} have shape {np.shape(heat)}, expected {images.shape[:3]} "
                "(one map per image at the image's resolution)"
            )
    fig, axes = plt.subplots(
        1 + len(rows), n, figsize=(size * n, size * (1 + len(rows))), squeeze=False
    )
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for j in range(n):
        axes[0, j].imshow(images[j], cmap=image_cmap)
        if titles is not None:
            axes[0, j].set_title(titles[j], fontsize="small")
    for i, (label, heat) in enumerate(rows.items(), start=1):
        axes[i, 0].set_ylabel(label, fontsize="small")
        for j in range(n):
            top = float(np.max(heat[j])) or 1.0
            axes[i, j].imshow(images[j], cmap=image_cmap)
            axes[i, j].imshow(heat[j] / top, cmap=heat_cmap, alpha=alpha, vmin=0, vmax=1)
    fig.tight_layout()
    return fig


def plot_deletion_curves(
    fractions: np.ndarray,
    curves: Mapping[str, np.ndarray],
    *,
    ax: plt.Axes | None = None,
    ylabel: str = "probability of the class",
) -> plt.Figure:
    """Mean deletion curve of each ranking, its area in the legend.

    Parameters
    ----------
    fractions : array (T,)
        Fraction of pixels deleted at each step (from :func:`dlbook.explain.deletion_curve`).
    curves : mapping of name to array (N, T)
        Per-image curves of each ranking; the mean over images is drawn.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    """
    x = np.asarray(fractions, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 3.6))
    else:
        fig = ax.figure
    for k, (name, values) in enumerate(curves.items()):
        values = np.atleast_2d(np.asarray(values, dtype=float))
        if values.shape[1] != len(x):
            raise ValueError(f"curves {name!r} have {values.shape[1]} steps, expected {len(x)}")
        mean = values.mean(axis=0)
        area = float(((mean[1:] + mean[:-1]) / 2 * np.diff(x)).sum())
        ax.plot(
            x,
            mean,
            linestyle=_STYLES[k % len(_STYLES)],
            marker=_MARKERS[k % len(_MARKERS)],
            markevery=max(1, len(x) // 8),
            label=f"{name} (area {area:.3f})",
        )
    ax.set(xlabel="fraction of pixels deleted", ylabel=ylabel, ylim=(0, 1.02))
    ax.legend(fontsize="small")
    return fig
