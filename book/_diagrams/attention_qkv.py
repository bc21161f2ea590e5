"""Queries, keys and values: one attention head, its score matrix and a causal mask."""

import numpy as np

from dlbook.plot import diagrams as dg

TOKENS = ["the", "cat", "sat", "down"]


def draw():
    fig, ax = dg.canvas(10.0, 4.6)
    dg.token_row(ax, TOKENS, y=0.5, x0=0.8, step=1.0, role="input")
    dg.label(ax, (0.8 + 1.5, 0.05), "input vectors $X$ (one row per token)")
    wq = dg.box(ax, (0.9, 2.0), "$Q = X W_Q$", role="param", w=1.3, h=0.45)
    wk = dg.box(ax, (2.3, 2.0), "$K = X W_K$", role="param", w=1.3, h=0.45)
    wv = dg.box(ax, (3.7, 2.0), "$V = X W_V$", role="param", w=1.3, h=0.45)
    for w in (wq, wk, wv):
        dg.arrow(ax, (w.x, 0.75), w.bottom)
    scores = dg.box(ax, (1.6, 3.2), r"$QK^\top / \sqrt{d_k}$", role="op", w=1.6, h=0.5)
    dg.arrow(ax, wq.top, scores.bottom)
    dg.arrow(ax, wk.top, scores.bottom)
    soft = dg.box(ax, (4.1, 3.2), "mask, softmax", role="op", w=1.5, h=0.5)
    dg.arrow(ax, scores.right, soft.left)
    out = dg.box(ax, (4.1, 4.2), r"$\mathrm{softmax}(\cdot)\, V$", role="output", w=1.7, h=0.45)
    dg.arrow(ax, soft.top, out.bottom)
    dg.arrow(ax, wv.right, (out.x + 0.6, out.y - 0.23), curve=0.35)
    # The attention matrix: row i = query i, column j = key j; masked cells are hatched.
    rng = np.random.default_rng(3)
    raw = rng.random((4, 4)) + np.eye(4)
    mask = np.triu(np.ones((4, 4), dtype=bool), k=1)
    raw[mask] = 0
    weights = raw / raw.sum(axis=1, keepdims=True)
    dg.matrix(
        ax,
        weights,
        origin=(6.8, 3.9),
        cell=0.55,
        masked=mask,
        row_labels=TOKENS,
        col_labels=TOKENS,
        show_values=True,
        fontsize=9,
    )
    dg.label(ax, (6.8 + 1.1, 3.9 + 0.55), "keys (attended to)", fontsize=9)
    dg.label(ax, (5.75, 2.8), "queries", fontsize=9, rotation=90)
    dg.label(
        ax, (6.8 + 1.1, 1.3), "each row sums to 1;\nhatched: future tokens, masked", fontsize=9
    )
    return fig
