"""Data-parallel training: gradients of each shard, averaged by all-reduce, one shared step."""

from dlbook.plot import diagrams as dg


def draw():
    fig, ax = dg.canvas(10.6, 4.4)
    xs = (1.8, 5.3)
    grads = []
    for rank, x in enumerate(xs):
        dg.label(ax, (x, 4.15), f"process {rank} (a full copy of the model)", fontsize=9.5)
        shard = dg.box(ax, (x, 3.5), f"batch shard {rank}", role="input", w=1.6, h=0.45)
        model = dg.box(ax, (x, 2.6), "forward, backward", role="param", w=1.8, h=0.5)
        g = dg.box(ax, (x, 1.7), f"local gradient $g_{rank}$", role="grad", w=1.8, h=0.45)
        dg.arrow(ax, shard.bottom, model.top)
        dg.arrow(ax, model.bottom, g.top)
        grads.append(g)
    reduce = dg.box(
        ax, (3.55, 0.6), r"all-reduce: $\bar g = (g_0 + g_1) / 2$", role="op", w=3.4, h=0.55
    )
    for g in grads:
        dg.arrow(ax, g.bottom, reduce.top, both=True)
    step = dg.box(
        ax,
        (8.6, 0.6),
        r"every process: $\theta \leftarrow \theta - \eta \bar g$",
        role="param",
        w=3.3,
        h=0.55,
        fontsize=9.5,
    )
    dg.arrow(ax, reduce.right, step.left)
    dg.label(
        ax,
        (8.6, 2.2),
        "same $\\bar g$ everywhere,\nso every copy stays identical:\none step on the global batch",
        fontsize=9.5,
    )
    return fig
