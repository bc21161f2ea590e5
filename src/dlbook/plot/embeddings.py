"""Embedding maps: vectors projected to two dimensions, drawn coloured and labelled.

The book's one scatter plot of embeddings: word vectors, entity embeddings, node embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from dlbook.plot.style import CLASS_COLORS, class_colors

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
    classes: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    highlight: Sequence[int] = (),
    annotate=None,
    ax: plt.Axes | None = None,
    title: str | None = None,
    cmap: str = "coolwarm",
    colorbar_label: str | None = None,
    seed: int = 0,
    fontsize: float = 8,
    point_size: float = 18,
    frame: bool = True,
) -> plt.Axes:
    """Scatter embeddings in two dimensions, coloured and labelled.

    Parameters
    ----------
    vectors : array-like of shape (n, d)
        The embeddings, projected with :func:`project_2d` (``method="none"`` draws 2-D rows as
        they are, for instance a t-SNE map computed beforehand).
    labels : sequence of str, optional
        One text label per row: the category, word or title the vector stands for.
    method : {"pca", "tsne", "none"}
        How to reach two dimensions.
    values : sequence, optional
        Colours the points: numbers through ``cmap`` with a colour bar (``colorbar_label``),
        strings as groups with a legend.
    classes : sequence of int, optional
        Colours the points by integer class (``0 .. 9``, the colours of
        :data:`dlbook.plot.style.CLASS_COLORS`, the same class always the same colour); an
        alternative to ``values``.
    class_names : sequence of str, optional
        With ``classes``: a legend naming the classes present.
    highlight : sequence of int
        Indices of points to draw larger, circled in black.
    annotate : None, bool, boolean mask or indices
        Which points get their label written: by default all of them when there are at most
        60 points, none otherwise.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    title : str, optional
    seed : int
        Random state of t-SNE.
    fontsize, point_size : float
        Size of the labels and of the points.
    frame : bool, default True
        Axis labels naming the projection, with ticks and grid; ``False`` draws the points
        alone (for maps such as t-SNE's, whose axes mean nothing).

    Returns
    -------
    matplotlib Axes
    """
    z = project_2d(vectors, method, seed=seed)  # (n, 2)
    n = len(z)
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for {n} vectors")
    if values is not None and len(values) != n:
        raise ValueError(f"got {len(values)} values for {n} vectors")
    if classes is not None:
        if values is not None:
            raise ValueError("colour the points by values or by classes, not both")
        classes = np.asarray(classes)
        if classes.shape != (n,):
            raise ValueError(f"got {classes.shape[0]} classes for {n} vectors")
    elif class_names is not None:
        raise ValueError("class_names name the classes: pass classes as well")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 5.0))
    if classes is not None:
        ax.scatter(z[:, 0], z[:, 1], c=class_colors(classes), s=point_size, linewidths=0)
    elif values is None:
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
    if len(highlight):
        idx = np.asarray(highlight)
        ax.scatter(
            z[idx, 0],
            z[idx, 1],
            c=class_colors(classes[idx]) if classes is not None else "none",
            s=point_size * 8,
            edgecolors="black",
            linewidths=1.2,
        )
    if class_names is not None:
        handles = [
            plt.Line2D([], [], marker="o", ls="", color=CLASS_COLORS[c], label=class_names[c])
            for c in sorted(set(classes.tolist()))
        ]
        ax.legend(handles=handles, loc="best", fontsize=7, markerscale=0.8)
    if labels is not None:
        for k in _annotated(annotate, n):
            ax.annotate(
                str(labels[k]),
                (z[k, 0], z[k, 1]),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=fontsize,
            )
    if frame:
        names = {
            "pca": ("PC 1", "PC 2"),
            "tsne": ("t-SNE 1", "t-SNE 2"),
            "none": ("dim 1", "dim 2"),
        }
        ax.set_xlabel(names[method][0])
        ax.set_ylabel(names[method][1])
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
