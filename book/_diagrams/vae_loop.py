"""One training step of a variational autoencoder: encode, sample, decode, two loss terms."""

from dlbook.plot import diagrams as dg


def draw():
    fig, ax = dg.canvas(11.0, 3.6)
    y = 1.9
    x = dg.box(ax, (0.6, y), "image $x$", role="input", w=1.0, h=0.6)
    enc = dg.box(ax, (2.3, y), r"encoder $q_\phi(z \mid x)$", role="param", w=1.8, h=0.6)
    mu = dg.box(ax, (4.4, y + 0.5), r"$\mu$", role="state", w=0.6, h=0.45)
    sig = dg.box(ax, (4.4, y - 0.5), r"$\log \sigma^2$", role="state", w=0.8, h=0.45)
    eps = dg.box(
        ax, (5.9, y - 1.35), r"$\epsilon \sim \mathcal{N}(0, I)$", role="input", w=1.5, h=0.45
    )
    z = dg.box(ax, (5.9, y), r"$z = \mu + \sigma \odot \epsilon$", role="op", w=1.7, h=0.6)
    dec = dg.box(ax, (8.0, y), r"decoder $p_\theta(x \mid z)$", role="param", w=1.8, h=0.6)
    rec = dg.box(
        ax, (10.1, y + 0.8), r"$-\log p_\theta(x \mid z)$", role="output", w=1.6, h=0.5, fontsize=9
    )
    dg.label(ax, (10.1, y + 1.25), "reconstruction of $x$", fontsize=8.5)
    kl = dg.box(
        ax,
        (4.4, y + 1.45),
        r"$\mathrm{KL}(q_\phi(z \mid x) \,\|\, \mathcal{N}(0, I))$",
        role="output",
        w=2.6,
        h=0.5,
        fontsize=9,
    )
    dg.arrow(ax, x.right, enc.left)
    dg.arrow(ax, enc.right, mu.left)
    dg.arrow(ax, enc.right, sig.left)
    dg.arrow(ax, mu.right, z.left)
    dg.arrow(ax, sig.right, z.left)
    dg.arrow(ax, eps.top, z.bottom)
    dg.arrow(ax, z.right, dec.left)
    dg.arrow(ax, dec.right, rec.left, curve=0.2)
    dg.arrow(ax, mu.top, kl.bottom, text=r"$\mu, \sigma$", text_offset=(0.25, -0.1))
    dg.label(ax, (9.3, 0.55), "loss = reconstruction + KL  (the negative ELBO)", fontsize=9.5)
    dg.label(
        ax,
        (5.9, 0.1),
        "noise enters from outside: gradients reach $\\mu$ and $\\sigma$",
        fontsize=8.5,
        color=dg.ROLES["grad"]["edge"],
    )
    return fig
