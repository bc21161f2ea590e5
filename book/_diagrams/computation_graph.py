"""Computation graph of a two-layer network, forward pass above and backward pass below."""

from dlbook.plot import diagrams as dg


def draw():
    fig, ax = dg.canvas(10.4, 3.2)
    y = 2.1
    x = dg.box(ax, (0.6, y), "$x$", role="input", w=0.7)
    z1 = dg.box(ax, (2.5, y), "$z_1 = W_1 x + b_1$", role="state", w=1.9)
    h = dg.box(ax, (4.6, y), r"$h = \mathrm{relu}(z_1)$", role="state", w=1.7)
    z2 = dg.box(ax, (6.7, y), "$z_2 = W_2 h + b_2$", role="state", w=1.9)
    loss = dg.box(ax, (9.2, y), r"$L = \mathrm{CE}(z_2, t)$", role="output", w=1.9)
    w1 = dg.box(ax, (2.5, y + 0.85), "$W_1, b_1$", role="param", w=1.0, h=0.4)
    w2 = dg.box(ax, (6.7, y + 0.85), "$W_2, b_2$", role="param", w=1.0, h=0.4)
    t = dg.box(ax, (9.2, y + 0.85), "target $t$", role="input", w=1.0, h=0.4)
    for a, b in [(x, z1), (z1, h), (h, z2), (z2, loss)]:
        dg.arrow(ax, a.right, b.left)
    for p, node in [(w1, z1), (w2, z2), (t, loss)]:
        dg.arrow(ax, p.bottom, node.top)
    # Backward pass: gradients flow right to left, each step one local derivative.
    yb = 0.75
    grads = [
        (9.2, r"$\partial L/\partial z_2 = \mathrm{softmax}(z_2) - t$"),
        (6.7, r"$\partial L/\partial h = W_2^\top \, \partial L/\partial z_2$"),
        (4.6, r"$\partial L/\partial z_1 = \partial L/\partial h \odot [z_1 > 0]$"),
        (2.5, r"$\partial L/\partial W_1 = \partial L/\partial z_1 \, x^\top$"),
    ]
    boxes = [
        dg.box(ax, (gx, yb), text, role="grad", w=1.8, h=0.45, fontsize=8) for gx, text in grads
    ]
    for a, b in zip(boxes, boxes[1:], strict=False):
        dg.arrow(ax, a.left, b.right, role="grad")
    dg.arrow(ax, loss.bottom, boxes[0].top, role="grad")
    dg.label(ax, (0.6, yb), "backward", fontsize=9, color=dg.ROLES["grad"]["edge"])
    dg.label(ax, (0.6, y + 0.85), "forward", fontsize=9)
    return fig
