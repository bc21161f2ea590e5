"""The transformer's encoder and decoder layers, with residual connections and layer norm."""

from dlbook.plot import diagrams as dg


def _sublayer(ax, x, y, text, role="op", w=2.4):
    return dg.box(ax, (x, y), text, role=role, w=w, h=0.5, fontsize=9)


def _residual(ax, below, norm, x_side):
    # The skip path: from below the sublayer, around it, into the add & norm box.
    ax.plot([below[0], x_side, x_side], [below[1], below[1], norm.y], color=dg.INK, lw=1.2)
    dg.arrow(ax, (x_side, norm.y), norm.right if x_side > norm.x else norm.left)


def draw():
    fig, ax = dg.canvas(9.6, 7.4)
    # Encoder layer (left).
    xe = 2.4
    dg.label(ax, (xe, 7.1), "Encoder layer (× N)", fontsize=10)
    inp = dg.box(
        ax, (xe, 0.5), "token embeddings + positions", role="input", w=2.9, h=0.45, fontsize=9
    )
    att = _sublayer(ax, xe, 1.8, "multi-head self-attention", role="attention")
    an1 = _sublayer(ax, xe, 2.8, "add & layer norm", w=2.0)
    ff = _sublayer(ax, xe, 3.9, "feed-forward (per position)", role="param")
    an2 = _sublayer(ax, xe, 4.9, "add & layer norm", w=2.0)
    dg.arrow(ax, inp.top, att.bottom)
    dg.arrow(ax, att.top, an1.bottom)
    dg.arrow(ax, an1.top, ff.bottom)
    dg.arrow(ax, ff.top, an2.bottom)
    _residual(ax, (xe, 1.2), an1, xe - 1.65)
    _residual(ax, (xe, 3.3), an2, xe - 1.65)
    mem = dg.box(ax, (xe, 6.1), "encoder output (memory)", role="state", w=2.6, h=0.45, fontsize=9)
    dg.arrow(ax, an2.top, mem.bottom)
    # Decoder layer (right).
    xd = 7.0
    dg.label(ax, (xd, 7.1), "Decoder layer (× N)", fontsize=10)
    dinp = dg.box(
        ax, (xd, 0.5), "target embeddings + positions", role="input", w=2.9, h=0.45, fontsize=9
    )
    satt = _sublayer(ax, xd, 1.5, "masked self-attention", role="attention")
    dn1 = _sublayer(ax, xd, 2.3, "add & layer norm", w=2.0)
    catt = _sublayer(ax, xd, 3.3, "cross-attention", role="attention")
    dn2 = _sublayer(ax, xd, 4.1, "add & layer norm", w=2.0)
    dff = _sublayer(ax, xd, 5.1, "feed-forward", role="param")
    dn3 = _sublayer(ax, xd, 5.9, "add & layer norm", w=2.0)
    out = dg.box(ax, (xd, 6.75), "linear + softmax", role="output", w=2.0, h=0.4, fontsize=9)
    for a, b in [
        (dinp, satt),
        (satt, dn1),
        (dn1, catt),
        (catt, dn2),
        (dn2, dff),
        (dff, dn3),
        (dn3, out),
    ]:
        dg.arrow(ax, a.top, b.bottom)
    _residual(ax, (xd, 1.0), dn1, xd + 1.65)
    _residual(ax, (xd, 2.8), dn2, xd + 1.65)
    _residual(ax, (xd, 4.6), dn3, xd + 1.65)
    # Keys and values of cross-attention come from the encoder's memory.
    dg.arrow(
        ax,
        mem.right,
        catt.left,
        role="attention",
        text="keys, values",
        curve=-0.25,
        text_offset=(0.1, -0.55),
    )
    return fig
