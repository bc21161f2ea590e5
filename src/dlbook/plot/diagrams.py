r"""The book's diagram vocabulary: boxes, arrows, token rows and matrices in one visual language.

Every diagram of the book (a computation graph, an encoder-decoder unrolled in time, a transformer
block, one step of message passing) is drawn by a short Python function from these pieces, at
build time, as a vector graphic (SVG for the web, PDF for the printed book). One vocabulary keeps
the look consistent; the meaning of each colour is fixed by :data:`ROLES`:

=============  ==========================================================================
role           what it marks
=============  ==========================================================================
``input``      data coming in: tokens, pixels, node features (blue)
``param``      learned parameters: weight matrices, embeddings (orange)
``op``         an operation without parameters: add, softmax, dot product (grey)
``state``      intermediate values: hidden states, activations, messages (light blue)
``output``     what the model produces: predictions, losses (green)
``grad``       gradients and the backward pass (vermillion, dashed arrows)
``attention``  attention weights and the context they build (purple)
=============  ==========================================================================

The colours are the Okabe-Ito palette (readable with the common colour-vision deficiencies) and
every role is also told apart by something other than colour: gradients are dashed, parameters
have square corners, operations are round. Diagrams have a transparent background and dark ink;
the book's theme puts images on a light card in dark mode, so they read in both modes.

Example::

    from dlbook.plot import diagrams as dg

    fig, ax = dg.canvas(6, 2)
    x = dg.box(ax, (1, 1), "$x$", role="input")
    w = dg.box(ax, (3, 1), "$W x + b$", role="param")
    dg.arrow(ax, x.right, w.left)
    dg.save(fig, "linear")          # linear.svg and linear.pdf
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = [
    "INK",
    "ROLES",
    "Box",
    "arrow",
    "box",
    "brace_label",
    "canvas",
    "label",
    "matrix",
    "save",
    "token_row",
]

#: Dark ink for lines and text (not pure black: softer on a white card).
INK = "#222222"

#: Fill colour and edge style of every role (see the module docstring for their meaning).
ROLES: dict[str, dict[str, object]] = {
    "input": {"face": "#cfe5f5", "edge": "#0072B2", "pad": 0.08},
    "param": {"face": "#fbe3bf", "edge": "#E69F00", "pad": 0.0},
    "op": {"face": "#eeeeee", "edge": "#666666", "pad": 0.3},
    "state": {"face": "#e4f1fb", "edge": "#56B4E9", "pad": 0.08},
    "output": {"face": "#cdeee2", "edge": "#009E73", "pad": 0.08},
    "grad": {"face": "#f8d9c9", "edge": "#D55E00", "pad": 0.08},
    "attention": {"face": "#f1dcea", "edge": "#CC79A7", "pad": 0.08},
    "plain": {"face": "none", "edge": "none", "pad": 0.0},
}


def _check_role(role: str) -> dict[str, object]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {sorted(ROLES)}")
    return ROLES[role]


@dataclass(frozen=True)
class Box:
    """Where a drawn box is: its centre and size, and the midpoints of its four sides."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> tuple[float, float]:
        return (self.x - self.w / 2, self.y)

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y)

    @property
    def top(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.x, self.y - self.h / 2)

    @property
    def center(self) -> tuple[float, float]:
        return (self.x, self.y)


def canvas(width: float, height: float, *, scale: float = 1.0):
    """A figure whose data coordinates run from (0, 0) to (width, height), one unit per inch
    (times ``scale``), with no axes. Returns ``(fig, ax)``."""
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas size must be positive, got {width} x {height}")
    fig = plt.figure(figsize=(width * scale, height * scale))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.patch.set_alpha(0)
    return fig, ax


def box(
    ax,
    xy: tuple[float, float],
    text: str = "",
    *,
    role: str = "state",
    w: float = 1.2,
    h: float = 0.5,
    fontsize: float = 10,
    linestyle: str = "-",
) -> Box:
    """Draw a labelled box of ``role`` centred at ``xy``; returns its :class:`Box`."""
    style = _check_role(role)
    pad = float(style["pad"])
    radius = min(w, h) * pad if pad else 0.0
    patch = FancyBboxPatch(
        (xy[0] - w / 2, xy[1] - h / 2),
        w,
        h,
        boxstyle=f"round,pad=0,rounding_size={radius}" if radius else "square,pad=0",
        facecolor=style["face"],
        edgecolor=style["edge"],
        linewidth=1.4,
        linestyle=linestyle,
        zorder=2,
    )
    ax.add_patch(patch)
    if text:
        ax.text(
            xy[0], xy[1], text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=3
        )
    return Box(xy[0], xy[1], w, h)


def arrow(
    ax,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    role: str | None = None,
    text: str = "",
    curve: float = 0.0,
    text_offset: tuple[float, float] = (0.0, 0.12),
    fontsize: float = 9,
    both: bool = False,
) -> None:
    """An arrow from ``start`` to ``end``; ``role="grad"`` draws it dashed in the gradient colour,
    ``curve`` bends it (an arc), ``text`` labels its midpoint."""
    colour = INK if role in (None, "plain") else _check_role(role)["edge"]
    patch = FancyArrowPatch(
        start,
        end,
        arrowstyle="<|-|>" if both else "-|>",
        mutation_scale=11,
        color=colour,
        linewidth=1.3,
        linestyle=(0, (4, 3)) if role == "grad" else "-",
        connectionstyle=f"arc3,rad={curve}",
        shrinkA=2,
        shrinkB=2,
        zorder=1,
    )
    ax.add_patch(patch)
    if text:
        mx = (start[0] + end[0]) / 2 + text_offset[0]
        my = (start[1] + end[1]) / 2 + text_offset[1]
        ax.text(mx, my, text, ha="center", va="bottom", fontsize=fontsize, color=colour)


def label(ax, xy: tuple[float, float], text: str, *, fontsize: float = 9, **kwargs) -> None:
    """Free text in the diagram's ink (centred at ``xy`` unless ``ha``/``va`` say otherwise)."""
    kwargs.setdefault("ha", "center")
    kwargs.setdefault("va", "center")
    ax.text(xy[0], xy[1], text, fontsize=fontsize, color=kwargs.pop("color", INK), **kwargs)


def brace_label(ax, x0: float, x1: float, y: float, text: str, *, fontsize: float = 9) -> None:
    """A bracket under the span ``x0``-``x1`` at height ``y`` with ``text`` below it."""
    ax.plot([x0, x0, x1, x1], [y + 0.08, y, y, y + 0.08], color=INK, linewidth=1.0)
    ax.text((x0 + x1) / 2, y - 0.08, text, ha="center", va="top", fontsize=fontsize, color=INK)


def token_row(
    ax,
    tokens: Sequence[str],
    *,
    y: float,
    x0: float = 0.8,
    step: float = 1.0,
    role: str = "input",
    w: float = 0.8,
    h: float = 0.45,
    fontsize: float = 9,
) -> list[Box]:
    """A row of small boxes, one per token, left to right from ``x0``; returns the boxes."""
    return [
        box(ax, (x0 + i * step, y), token, role=role, w=w, h=h, fontsize=fontsize)
        for i, token in enumerate(tokens)
    ]


def matrix(
    ax,
    values,
    *,
    origin: tuple[float, float],
    cell: float = 0.4,
    role: str = "attention",
    masked=None,
    row_labels: Sequence[str] = (),
    col_labels: Sequence[str] = (),
    fontsize: float = 8,
    show_values: bool = False,
) -> None:
    """A grid of cells whose fill strength is ``values`` (in [0, 1]); ``origin`` is the top-left
    corner. Cells where ``masked`` is True are hatched (excluded, e.g. by a causal mask)."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"matrix values must be 2-D, got shape {values.shape}")
    if np.nanmin(values) < 0 or np.nanmax(values) > 1:
        raise ValueError("matrix values must lie in [0, 1] (they set the fill strength)")
    masked = np.zeros(values.shape, dtype=bool) if masked is None else np.asarray(masked, bool)
    if masked.shape != values.shape:
        raise ValueError(f"mask shape {masked.shape} does not match values {values.shape}")
    edge = _check_role(role)["edge"]
    x0, y0 = origin
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            x, y = x0 + j * cell, y0 - (i + 1) * cell
            if masked[i, j]:
                patch = plt.Rectangle(
                    (x, y),
                    cell,
                    cell,
                    facecolor="none",
                    edgecolor="#999999",
                    hatch="////",
                    linewidth=0.6,
                )
            else:
                patch = plt.Rectangle(
                    (x, y),
                    cell,
                    cell,
                    facecolor=edge,
                    alpha=0.1 + 0.9 * values[i, j],
                    edgecolor="white",
                    linewidth=0.8,
                )
            ax.add_patch(patch)
            if show_values and not masked[i, j]:
                ax.text(
                    x + cell / 2,
                    y + cell / 2,
                    f"{values[i, j]:.1f}",
                    ha="center",
                    va="center",
                    fontsize=fontsize - 1,
                    color=INK,
                )
    for i, text in enumerate(row_labels):
        ax.text(
            x0 - 0.08,
            y0 - (i + 0.5) * cell,
            text,
            ha="right",
            va="center",
            fontsize=fontsize,
            color=INK,
        )
    for j, text in enumerate(col_labels):
        ax.text(
            x0 + (j + 0.5) * cell,
            y0 + 0.08,
            text,
            ha="center",
            va="bottom",
            fontsize=fontsize,
            color=INK,
            rotation=0,
        )


def save(fig, path: str | Path, formats: Sequence[str] = ("svg", "pdf")) -> list[Path]:
    """Write ``fig`` as ``path.<format>`` for each format (vector graphics) and close it.

    Text is drawn as outlines, so a diagram looks the same whatever fonts the reader has; the
    figure's alt text carries its words for screen readers and search.
    """
    path = Path(path)
    written = []
    with plt.rc_context({"svg.fonttype": "path", "pdf.fonttype": 42, "svg.hashsalt": "dlbook"}):
        for fmt in formats:
            out = path.with_suffix(f".{fmt}")
            out.parent.mkdir(parents=True, exist_ok=True)
            metadata = {"Date": None} if fmt == "svg" else {"CreationDate": None}
            fig.savefig(
                out,
                format=fmt,
                transparent=True,
                bbox_inches="tight",
                pad_inches=0.05,
                metadata=metadata,
            )
            written.append(out)
    plt.close(fig)
    return written
