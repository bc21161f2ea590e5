"""One step of message passing on a small graph: neighbours send messages, a node aggregates."""

import numpy as np

from dlbook.plot import diagrams as dg

POS = {0: (1.4, 2.2), 1: (0.4, 3.3), 2: (0.4, 1.1), 3: (2.6, 3.2), 4: (3.4, 1.4)}
EDGES = [(0, 1), (0, 2), (0, 3), (3, 4), (0, 4)]


def _graph(ax, dx, highlight):
    for a, b in EDGES:
        (xa, ya), (xb, yb) = POS[a], POS[b]
        ax.plot([xa + dx, xb + dx], [ya, yb], color="#999999", lw=1.2, zorder=0)
    for node, (x, y) in POS.items():
        role = "output" if node == highlight else "state"
        dg.box(ax, (x + dx, y), f"$h_{node}$", role=role, w=0.55, h=0.45)


def draw():
    fig, ax = dg.canvas(12.4, 4.2)
    dg.label(ax, (1.9, 3.95), "1. each neighbour $j$ sends $m_{j} = W h_j$", fontsize=9.5)
    _graph(ax, 0.0, highlight=None)
    for j in (1, 2, 3, 4):
        (x0, y0), (x1, y1) = POS[j], POS[0]
        v = np.array([x1 - x0, y1 - y0])
        v /= np.linalg.norm(v)
        dg.arrow(
            ax,
            (x0 + 0.3 * v[0], y0 + 0.3 * v[1]),
            (x1 - 0.3 * v[0], y1 - 0.3 * v[1]),
            role="attention",
        )
    agg = dg.box(
        ax,
        (5.4, 2.2),
        r"$\sum_{j \in \mathcal{N}(0)} \frac{m_j}{\sqrt{d_0 d_j}}$",
        role="op",
        w=1.9,
        h=0.9,
        fontsize=12,
    )
    dg.label(ax, (5.4, 3.95), "2. node 0 aggregates", fontsize=9.5)
    dg.arrow(ax, (2.0, 2.2), agg.left)
    upd = dg.box(ax, (7.3, 2.2), r"$h_0' = \sigma(\cdot)$", role="param", w=1.3, h=0.55)
    dg.label(ax, (7.3, 3.95), "3. update", fontsize=9.5)
    dg.arrow(ax, agg.right, upd.left)
    _graph(ax, 8.6, highlight=0)
    dg.arrow(ax, upd.right, (8.6 + POS[0][0] - 0.3, POS[0][1]), curve=-0.3)
    dg.label(ax, (10.4, 0.35), "every node does the same, at once", fontsize=9)
    return fig
