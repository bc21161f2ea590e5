"""The book's matplotlib style, applied once by :func:`dlbook.env.setup`."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np

#: Colours for up to ten classes: the book's colour-blind-safe cycle (Wong, 2011) followed by
#: grey, brown and black.
CLASS_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#999999",
    "#8C564B",
    "#000000",
)

#: rcParams every figure of the book shares. Small, readable and colour-blind friendly.
BOOK_STYLE: dict[str, object] = {
    "figure.figsize": [6.4, 3.6],
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "legend.frameon": False,
    "font.size": 10,
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(color=list(CLASS_COLORS[:7])),
}


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib's global settings."""
    mpl.rcParams.update(BOOK_STYLE)


def class_colors(classes: Sequence[int]) -> list[str]:
    """The colour of each integer class in ``0 .. 9`` (:data:`CLASS_COLORS`)."""
    classes = np.asarray(classes)
    if classes.size and (classes.min() < 0 or classes.max() >= len(CLASS_COLORS)):
        raise ValueError(f"class labels must lie in 0..{len(CLASS_COLORS) - 1}")
    return [CLASS_COLORS[int(c)] for c in classes]
