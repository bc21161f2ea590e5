"""An encoder-decoder unrolled in time, without attention (top) and with attention (bottom)."""

from dlbook.plot import diagrams as dg

SOURCE = ["le", "chat", "dort"]
TARGET = ["<s>", "the", "cat", "sleeps"]
OUTPUT = ["the", "cat", "sleeps", "</s>"]


def _row(ax, y0, attention):
    enc = []
    for i, word in enumerate(SOURCE):
        tok = dg.box(ax, (0.8 + i * 1.3, y0), word, role="input", w=0.9, h=0.4, fontsize=9)
        h = dg.box(ax, (0.8 + i * 1.3, y0 + 0.9), f"$h_{i + 1}$", role="state", w=0.7, h=0.45)
        dg.arrow(ax, tok.top, h.bottom)
        if enc:
            dg.arrow(ax, enc[-1].right, h.left)
        enc.append(h)
    dec = []
    x0 = 5.2
    for i, (word, out) in enumerate(zip(TARGET, OUTPUT, strict=True)):
        x = x0 + i * 1.3
        tok = dg.box(ax, (x, y0), word, role="input", w=0.9, h=0.4, fontsize=9)
        s = dg.box(ax, (x, y0 + 0.9), f"$s_{i + 1}$", role="state", w=0.7, h=0.45)
        o = dg.box(ax, (x, y0 + 1.8), out, role="output", w=0.9, h=0.4, fontsize=9)
        dg.arrow(ax, tok.top, s.bottom)
        dg.arrow(ax, s.top, o.bottom)
        if dec:
            dg.arrow(ax, dec[-1].right, s.left)
        dec.append(s)
    if not attention:
        dg.arrow(
            ax,
            enc[-1].right,
            dec[0].left,
            text="one vector for the whole source",
            text_offset=(0.0, 0.25),
        )
        return
    dg.arrow(ax, enc[-1].right, dec[0].left)
    # Attention: decoder step 3 reads a weighted sum of every encoder state.
    c = dg.box(
        ax,
        (x0 + 2 * 1.3 - 0.65, y0 + 2.35),
        "$c_3 = \\sum_j \\alpha_{3j} h_j$",
        role="attention",
        w=1.7,
        h=0.45,
        fontsize=9,
    )
    for j, h in enumerate(enc):
        dg.arrow(ax, h.top, c.left, role="attention", curve=-0.25 + 0.08 * j)
    dg.arrow(ax, c.bottom, (dec[2].x - 0.28, dec[2].y + dec[2].h / 2), role="attention")


def draw():
    fig, ax = dg.canvas(10.0, 6.4)
    dg.label(
        ax,
        (0.1, 6.15),
        "Without attention: the decoder sees only the last encoder state",
        ha="left",
        fontsize=10,
    )
    _row(ax, 3.6, attention=False)
    dg.label(
        ax,
        (0.1, 2.95),
        "With attention: each decoder step builds its own context",
        ha="left",
        fontsize=10,
    )
    _row(ax, 0.3, attention=True)
    return fig
