"""The two alternating updates of a GAN: the discriminator, then the generator."""

from dlbook.plot import diagrams as dg


def draw():
    fig, ax = dg.canvas(11.0, 4.4)
    # Discriminator step (top row).
    y1 = 3.3
    dg.label(ax, (0.1, 4.15), "1. discriminator step (generator frozen)", ha="left", fontsize=10)
    noise = dg.box(ax, (0.8, y1), r"$z \sim \mathcal{N}(0, I)$", role="input", w=1.4, h=0.5)
    gen_frozen = dg.box(ax, (2.8, y1), "generator $G$", role="param", w=1.5, h=0.5, linestyle=":")
    fake = dg.box(ax, (4.7, y1), "fake $G(z)$", role="state", w=1.3, h=0.5)
    real = dg.box(ax, (4.7, y1 - 0.8), "real $x$", role="input", w=1.3, h=0.5)
    disc = dg.box(ax, (6.8, y1 - 0.4), "discriminator $D$", role="param", w=1.8, h=0.6)
    loss = dg.box(
        ax, (9.4, y1 - 0.4), "BCE: real→1, fake→0", role="output", w=2.2, h=0.5, fontsize=9
    )
    dg.arrow(ax, noise.right, gen_frozen.left)
    dg.arrow(ax, gen_frozen.right, fake.left)
    dg.arrow(ax, fake.right, disc.left)
    dg.arrow(ax, real.right, disc.left)
    dg.arrow(ax, disc.right, loss.left)
    dg.arrow(
        ax,
        (loss.x, loss.y - 0.25),
        (disc.x + 0.3, disc.y - 0.3),
        role="grad",
        curve=-0.4,
        text="update $D$",
        text_offset=(0.3, -0.75),
    )
    # Generator step (bottom row).
    y2 = 0.8
    dg.label(ax, (0.1, 1.65), "2. generator step (discriminator frozen)", ha="left", fontsize=10)
    noise2 = dg.box(ax, (0.8, y2), r"$z \sim \mathcal{N}(0, I)$", role="input", w=1.4, h=0.5)
    gen2 = dg.box(ax, (2.8, y2), "generator $G$", role="param", w=1.5, h=0.5)
    fake2 = dg.box(ax, (4.7, y2), "fake $G(z)$", role="state", w=1.3, h=0.5)
    disc2 = dg.box(ax, (6.8, y2), "discriminator $D$", role="param", w=1.8, h=0.6, linestyle=":")
    loss2 = dg.box(ax, (9.4, y2), "BCE: fake→1", role="output", w=2.2, h=0.5, fontsize=9)
    dg.arrow(ax, noise2.right, gen2.left)
    dg.arrow(ax, gen2.right, fake2.left)
    dg.arrow(ax, fake2.right, disc2.left)
    dg.arrow(ax, disc2.right, loss2.left)
    dg.arrow(
        ax,
        (loss2.x - 0.6, loss2.y - 0.25),
        (gen2.x, gen2.y - 0.25),
        role="grad",
        curve=0.25,
        text="gradients flow through $D$ to update $G$",
        text_offset=(0.0, -0.62),
    )
    dg.label(ax, (10.0, 1.65), "dotted: frozen", fontsize=8.5)
    return fig
