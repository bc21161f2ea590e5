"""Grids of images: samples of a dataset, convolution filters and feature maps.

Every function takes NumPy arrays in the channels-last layout Keras uses and returns the
matplotlib :class:`~matplotlib.figure.Figure`, so a page can add to it before ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np


def _grid(n: int, ncols: int, size: float) -> tuple[plt.Figure, np.ndarray]:
    """A figure with ``n`` image panels, ``ncols`` to a row, axes switched off."""
    if n < 1:
        raise ValueError("there is nothing to plot: got zero images")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)  # ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.set_axis_off()
    return fig, axes.ravel()


def _as_images(images: np.ndarray) -> np.ndarray:
    """Accept (N, H, W), (N, H, W, 1) or (N, H, W, 3); return (N, H, W) or (N, H, W, 3)."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise ValueError(
            f"images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), got {images.shape}"
        )
    return images


def plot_image_grid(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    cmap: str = "gray_r",
    size: float = 1.1,
    vmin: float | None = None,
    vmax: float | None = None,
    suptitle: str | None = None,
) -> plt.Figure:
    """Show a batch of images in a grid, optionally with a title over each.

    Parameters
    ----------
    images : array of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3)
    titles : sequence of str, optional
        One short title per image (a label, a prediction).
    ncols : int
        Images per row.
    cmap : str
        Colour map for single-channel images (default: dark ink on white paper).
    size : float
        Width and height of each panel in inches.
    vmin, vmax : float, optional
        Shared colour limits; by default each image uses its own range.
    suptitle : str, optional
        A title over the whole grid.
    """
    images = _as_images(images)
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    fig, axes = _grid(len(images), ncols, size)
    for i, (ax, image) in enumerate(zip(axes, images, strict=False)):
        ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(titles[i], fontsize="small")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_filters(
    kernels: np.ndarray,
    *,
    channel: int | None = None,
    ncols: int = 8,
    size: float = 0.9,
    suptitle: str | None = None,
) -> plt.Figure:
    """Show the kernels of a 2-D convolution layer, one panel per output channel.

    A ``Conv2D`` layer computes, for output channel :math:`c`,

    .. math::

        y_{i,j,c} = b_c + \\sum_{u,v,k} w_{u,v,k,c}\\, x_{i+u,\\,j+v,\\,k},

    so the slice :math:`w_{:,:,k,c}` is the small picture that channel :math:`c` looks for in
    input channel :math:`k`. Weights are drawn on a diverging scale centred on zero: red
    pixels excite the unit, blue pixels inhibit it.

    Parameters
    ----------
    kernels : array of shape (kh, kw, in_channels, out_channels)
        The layer's kernel in Keras layout (``layer.kernel``).
    channel : int, optional
        Which input channel to show; by default the kernels are averaged over input channels.
    ncols : int
        Filters per row.
    size : float
        Width and height of each panel in inches.
    suptitle : str, optional
        A title over the whole grid.
    """
    kernels = np.asarray(kernels)
    if kernels.ndim != 4:
        raise ValueError(
            f"kernels must have shape (kh, kw, in_channels, out_channels), got {kernels.shape}"
        )
    if channel is None:
        planes = kernels.mean(axis=2)  # (kh, kw, out)
    else:
        if not 0 <= channel < kernels.shape[2]:
            raise ValueError(f"channel {channel} out of range for {kernels.shape[2]} inputs")
        planes = kernels[:, :, channel, :]  # (kh, kw, out)
    planes = np.moveaxis(planes, -1, 0)  # (out, kh, kw)
    fig, axes = _grid(len(planes), ncols, size)
    for ax, plane in zip(axes, planes, strict=False):
        limit = float(np.abs(plane).max()) or 1.0
        ax.imshow(plane, cmap="RdBu_r", vmin=-limit, vmax=limit)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_feature_maps(
    maps: np.ndarray,
    *,
    max_maps: int | None = None,
    ncols: int = 8,
    size: float = 0.9,
    cmap: str = "viridis",
    suptitle: str | None = None,
) -> plt.Figure:
    """Show the activations of one image at one layer, one panel per channel.

    Parameters
    ----------
    maps : array of shape (H, W, C)
        A layer's output for a single input (drop the batch axis first).
    max_maps : int, optional
        Show only the first ``max_maps`` channels.
    ncols : int
        Maps per row.
    size : float
        Width and height of each panel in inches.
    cmap : str
        Colour map; each map uses its own range, so the brightest pixel is the strongest
        response of that channel.
    suptitle : str, optional
        A title over the whole grid.
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(
            f"maps must have shape (H, W, C) for a single image, got {maps.shape}; "
            "index the batch axis away first, e.g. activations[0]"
        )
    if max_maps is not None:
        if max_maps < 1:
            raise ValueError(f"max_maps must be at least 1, got {max_maps}")
        maps = maps[..., :max_maps]
    planes = np.moveaxis(maps, -1, 0)  # (C, H, W)
    fig, axes = _grid(len(planes), ncols, size)
    for ax, plane in zip(axes, planes, strict=False):
        ax.imshow(plane, cmap=cmap)
    if suptitle:
        fig.suptitle(suptitle)
    return fig
