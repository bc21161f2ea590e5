"""Embedding maps: vectors projected to two dimensions and drawn with their labels."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_embedding_2d", "project_2d"]

METHODS = ("pca", "tsne", "none")


def project_2d(vectors, method: str = "pca", *, seed: int = 0) -> np.ndarray:
    r"""Project row vectors to two dimensions.

    ``"pca"`` centres the rows and keeps their coordinates along the two leading principal
    directions, the first two right singular vectors :math:`v_1, v_2` of the centred matrix:

    .. math:: z_k = \bigl((x_k - \bar x)^\top v_1,\ (x_k - \bar x)^\top v_2\bigr).

    The sign of each direction is fixed so that its largest loading is positive, which makes
    the picture repeatable. ``"tsne"`` runs scikit-learn's t-SNE (initialised with PCA,
    seeded), which keeps neighbourhoods rather than distances; ``"none"`` expects rows that are
    already two-dimensional.

    Parameters
    ----------
    vectors : array-like of shape (n, d)
        One embedding per row (``n >= 2``; ``d >= 2`` except for ``"none"``).
    method : {"pca", "tsne", "none"}
    seed : int
        Random state of t-SNE.

    Returns
    -------
    ndarray of shape (n, 2)
    """
    x = np.asarray(vectors.detach().cpu() if hasattr(vectors, "detach") else vectors, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"vectors must be a 2-D array with at least two rows, got {x.shape}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "none":
        if x.shape[1] != 2:
            raise ValueError(f"method='none' needs two columns, got {x.shape[1]}")
        return x.copy()
    if x.shape[1] < 2:
        raise ValueError("vectors need at least two dimensions to project to two")
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(1.0, (x.shape[0] - 1) / 3)))
        tsne = TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed)
        return tsne.fit_transform(x)
    centred = x - x.mean(axis=0)  # (n, d)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)  # vt: (min(n, d), d)
    directions = vt[:2]  # (2, d)
    signs = np.sign(directions[np.arange(2), np.abs(directions).argmax(axis=1)])
    return centred @ (directions * signs[:, None]).T  # (n, 2)


def _annotated(annotate, n: int) -> np.ndarray:
    if annotate is None:
        return np.arange(n) if n <= 60 else np.arange(0)
    if isinstance(annotate, bool):
        return np.arange(n) if annotate else np.arange(0)
    idx = np.asarray(annotate)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"a boolean annotate mask must have shape ({n},), got {idx.shape}")
        return np.flatnonzero(idx)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise ValueError("annotate holds an index outside the points")
    return idx.astype(int).reshape(-1)


def plot_embedding_2d(
    vectors,
    labels: Sequence[str] | None = None,
    *,
    method: str = "pca",
    values: Sequence | None = None,
    annotate=None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    cmap: str = "coolwarm",
    colorbar_label: str | None = None,
    seed: int = 0,
    fontsize: float = 8,
    point_size: float = 18,
) -> plt.Axes:
    """Scatter embeddings in two dimensions, with text labels beside (some of) the points.

    Parameters
    ----------
    vectors : array-like of shape (n, d)
        The embeddings, projected with :func:`project_2d` (``method="none"`` draws 2-D rows as
        they are).
    labels : sequence of str, optional
        One label per row: the category, word or title the vector stands for.
    method : {"pca", "tsne", "none"}
        How to reach two dimensions.
    values : sequence, optional
        Colours the points: numbers through ``cmap`` with a colour bar (``colorbar_label``),
        strings as groups with a legend.
    annotate : None, bool, boolean mask or indices
        Which points get their label written: by default all of them when there are at most
        60 points, none otherwise.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    title : str, optional
    seed : int
        Random state of t-SNE.

    Returns
    -------
    matplotlib Axes
        The axes, whose axis labels name the projection.
    """
    z = project_2d(vectors, method, seed=seed)  # (n, 2)
    n = len(z)
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for {n} vectors")
    if values is not None and len(values) != n:
        raise ValueError(f"got {len(values)} values for {n} vectors")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 5.0))
    if values is None:
        ax.scatter(z[:, 0], z[:, 1], s=point_size, alpha=0.8)
    else:
        vals = np.asarray(values)
        if np.issubdtype(vals.dtype, np.number):
            points = ax.scatter(z[:, 0], z[:, 1], c=vals, cmap=cmap, s=point_size, alpha=0.9)
            bar = ax.figure.colorbar(points, ax=ax, shrink=0.8)
            if colorbar_label:
                bar.set_label(colorbar_label)
        else:
            for group in dict.fromkeys(vals.tolist()):  # first-seen order
                mask = vals == group
                ax.scatter(z[mask, 0], z[mask, 1], s=point_size, alpha=0.85, label=str(group))
            ax.legend(fontsize=fontsize, loc="best")
    if labels is not None:
        for k in _annotated(annotate, n):
            ax.annotate(
                str(labels[k]),
                (z[k, 0], z[k, 1]),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=fontsize,
            )
    names = {"pca": ("PC 1", "PC 2"), "tsne": ("t-SNE 1", "t-SNE 2"), "none": ("dim 1", "dim 2")}
    ax.set_xlabel(names[method][0])
    ax.set_ylabel(names[method][1])
    if title:
        ax.set_title(title)
    return ax
