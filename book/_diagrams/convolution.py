"""A 3x3 convolution sliding over a 6x6 input, then 2x2 max pooling of the feature map."""

import numpy as np

from dlbook.plot import diagrams as dg

INPUT = np.array(
    [
        [0, 0, 1, 1, 0, 0],
        [0, 1, 1, 1, 1, 0],
        [0, 1, 0, 0, 1, 0],
        [0, 1, 0, 0, 1, 0],
        [0, 1, 1, 1, 1, 0],
        [0, 0, 1, 1, 0, 0],
    ],
    dtype=float,
)
KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=float)


def _window(ax, origin, cell, row, col, size, colour):
    x, y = origin[0] + col * cell, origin[1] - (row + size) * cell
    ax.add_patch(
        dg.plt.Rectangle((x, y), size * cell, size * cell, fill=False, edgecolor=colour, lw=2.2)
    )


def draw():
    fig, ax = dg.canvas(11.0, 4.4)
    cell = 0.5
    feature = np.array(
        [[(INPUT[i : i + 3, j : j + 3] * KERNEL).sum() for j in range(4)] for i in range(4)]
    )
    pooled = feature.reshape(2, 2, 2, 2).max(axis=(1, 3))
    dg.label(ax, (1.6, 4.15), "input (6 × 6)", fontsize=10)
    dg.matrix(ax, INPUT, origin=(0.1, 3.8), cell=cell, role="input")
    for i in range(6):
        for j in range(6):
            colour = "white" if INPUT[i, j] else dg.INK
            dg.label(
                ax,
                (0.1 + (j + 0.5) * cell, 3.8 - (i + 0.5) * cell),
                f"{INPUT[i, j]:.0f}",
                color=colour,
            )
    _window(ax, (0.1, 3.8), cell, 1, 2, 3, dg.ROLES["param"]["edge"])
    dg.label(ax, (4.5, 4.15), "kernel (3 × 3)", fontsize=10)
    k = (KERNEL + 1) / 2
    dg.matrix(ax, k, origin=(3.75, 3.8), cell=cell, role="param")
    for i in range(3):
        for j in range(3):
            dg.label(ax, (3.75 + (j + 0.5) * cell, 3.8 - (i + 0.5) * cell), f"{KERNEL[i, j]:+.0f}")
    dg.arrow(ax, (3.1, 2.4), (3.7, 2.4))
    dg.label(ax, (4.5, 1.9), "slide the kernel;\nmultiply and sum\nat each position", fontsize=9)
    span = np.abs(feature).max()
    dg.label(ax, (7.0, 4.15), "feature map (4 × 4)", fontsize=10)
    dg.matrix(ax, np.abs(feature) / span, origin=(6.0, 3.8), cell=cell, role="state")
    for i in range(4):
        for j in range(4):
            dg.label(ax, (6.0 + (j + 0.5) * cell, 3.8 - (i + 0.5) * cell), f"{feature[i, j]:.0f}")
    _window(ax, (6.0, 3.8), cell, 1, 2, 1, dg.ROLES["param"]["edge"])
    dg.arrow(ax, (5.3, 2.4), (5.95, 2.4))
    _window(ax, (6.0, 3.8), cell, 0, 0, 2, dg.ROLES["output"]["edge"])
    dg.label(ax, (9.7, 4.15), "2 × 2 max pool", fontsize=10)
    dg.matrix(ax, np.abs(pooled) / span, origin=(9.2, 3.55), cell=cell, role="output")
    for i in range(2):
        for j in range(2):
            dg.label(ax, (9.2 + (j + 0.5) * cell, 3.55 - (i + 0.5) * cell), f"{pooled[i, j]:.0f}")
    dg.arrow(ax, (8.1, 3.3), (9.1, 3.3))
    dg.label(
        ax,
        (5.5, 0.35),
        "each output value sees a 3 × 3 window; the same 9 weights are used at every position",
        fontsize=9,
    )
    return fig
