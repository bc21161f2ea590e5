r"""The MNIST autoencoder that two pages share: the plain autoencoder of the VAE page, whose
32-number codes the diffusion page then learns to generate (latent diffusion).

:func:`load_mnist_autoencoder` builds a :class:`dlbook.nn.autoencoder.Autoencoder` and gives it
its trained weights through :func:`dlbook.artifacts.cached_torch_module`: trained by the first
page that asks (a few passes over the 60,000 grey training digits with the binary cross-entropy
of :func:`dlbook.nn.autoencoder.reconstruction_loss`), loaded by the next.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from dlbook.nn._checks import positive_int
from dlbook.nn.autoencoder import Autoencoder, AutoencoderConfig, reconstruction_loss

__all__ = ["MnistAutoencoderRecipe", "load_mnist_autoencoder", "train_mnist_autoencoder"]


@dataclass(frozen=True)
class MnistAutoencoderRecipe:
    """The architecture (``model``) and how it is trained: Adam at ``lr``, ``epochs`` passes
    over the grey training digits (pixels in [0, 1]) in batches of ``batch_size``."""

    model: AutoencoderConfig = AutoencoderConfig(hidden=512, latent_dim=32)
    epochs: int = 3
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0

    def __post_init__(self) -> None:
        positive_int("epochs", self.epochs)
        positive_int("batch_size", self.batch_size)


def train_mnist_autoencoder(model: Autoencoder, recipe: MnistAutoencoderRecipe) -> None:
    """Train ``model`` in place as ``recipe`` says."""
    from dlbook.data import load_mnist
    from dlbook.generative import ShuffledBatches
    from dlbook.train import fit

    (x_train, _), _ = load_mnist()
    x = torch.from_numpy(x_train).reshape(len(x_train), -1).float() / 255  # (60000, 784)
    batches = ShuffledBatches(x, batch_size=recipe.batch_size, seed=recipe.seed)
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    fit(model, reconstruction_loss, batches, optimizer=optimizer, epochs=recipe.epochs,
        device=device)  # fmt: skip


def load_mnist_autoencoder(
    device: torch.device | str = "cpu", recipe: MnistAutoencoderRecipe | None = None
) -> Autoencoder:
    """The trained autoencoder on ``device``, in evaluation mode (trained on first use)."""
    from dlbook.artifacts import cached_torch_module

    recipe = recipe or MnistAutoencoderRecipe()
    torch.manual_seed(recipe.seed)
    model = Autoencoder(recipe.model).to(device)
    cached_torch_module(
        "mnist-autoencoder", asdict(recipe), model, lambda m: train_mnist_autoencoder(m, recipe)
    )
    return model
