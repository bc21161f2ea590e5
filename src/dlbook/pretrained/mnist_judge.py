r"""The judge of Part VI: one MNIST classifier that scores every image generator.

The Fréchet Inception Distance (Heusel et al., 2017) compares generated and real images
through the features of a network trained on ImageNet. Here the network is a small convnet
trained on MNIST by the book itself, and the features are its penultimate layer (128 ReLU
units): :func:`judge_outputs` returns them with the class probabilities, and
:mod:`dlbook.generative` turns them into a Fréchet distance, a class coverage and a mean
confidence.

:func:`load_mnist_judge` builds the judge and gives it its trained weights through
:func:`dlbook.artifacts.cached_torch_module`: the first page that needs it trains it (two
passes over the training digits, about half a CPU minute), every later page of the same build
loads it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from dlbook.nn._checks import positive_int

__all__ = [
    "MNIST_MEAN",
    "MNIST_STD",
    "JudgeConfig",
    "MnistJudge",
    "judge_outputs",
    "load_mnist_judge",
    "real_test_stats",
    "score_images",
    "train_judge",
]

#: Mean and standard deviation of the MNIST training pixels scaled to [0, 1].
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


@dataclass(frozen=True)
class JudgeConfig:
    """Architecture and training recipe of the judge (all of it is part of the cache key).

    Two 3x3 convolutions (``channels``), each followed by ReLU and 2x2 max-pooling, a dense
    layer of ``features`` ReLU units (the features the Fréchet distance uses) and a 10-way
    output; trained with Adam (``lr``) for ``epochs`` passes in batches of ``batch_size`` over
    the first ``train_examples`` training images (``None``: all 60,000).
    """

    channels: tuple[int, int] = (16, 32)
    features: int = 128
    epochs: int = 2
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    train_examples: int | None = None

    def __post_init__(self) -> None:
        for name in ("features", "epochs", "batch_size"):
            positive_int(name, getattr(self, name))
        if self.train_examples is not None:
            positive_int("train_examples", self.train_examples)
        if len(self.channels) != 2:
            raise ValueError(f"channels must hold two widths, got {self.channels}")
        for width in self.channels:
            positive_int("channels", width)


class MnistJudge(nn.Module):
    """A small convnet on 28x28 digits with pixel values in [0, 1].

    Shapes: input ``(N, 1, 28, 28)``; :meth:`features` ``(N, config.features)``;
    :meth:`forward` logits ``(N, 10)``.
    """

    def __init__(self, config: JudgeConfig | None = None) -> None:
        super().__init__()
        self.config = config or JudgeConfig()
        c1, c2 = self.config.channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.dense = nn.Linear(c2 * 7 * 7, self.config.features)
        self.out = nn.Linear(self.config.features, 10)

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer: ``(N, 1, 28, 28)`` in [0, 1] to ``(N, features)``."""
        if x.dim() != 4 or x.shape[1:] != (1, 28, 28):
            raise ValueError(
                f"the judge reads images of shape (N, 1, 28, 28), got {tuple(x.shape)}"
            )
        x = (x - MNIST_MEAN) / MNIST_STD
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (N, c1, 14, 14)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (N, c2, 7, 7)
        return F.relu(self.dense(x.flatten(1)))  # (N, features)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.features(x))  # (N, 10)


def train_judge(model: MnistJudge) -> None:
    """Train ``model`` in place on the MNIST training set, as its ``config`` says."""
    from dlbook.data import load_mnist
    from dlbook.train import fit

    config = model.config
    device = next(model.parameters()).device
    (x_train, y_train), _ = load_mnist()
    n = config.train_examples or len(x_train)
    x = torch.from_numpy(x_train[:n]).unsqueeze(1)  # (n, 1, 28, 28) uint8
    y = torch.from_numpy(y_train[:n].astype(np.int64))
    generator = torch.Generator().manual_seed(config.seed)

    def batches():
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), config.batch_size):
            idx = order[i : i + config.batch_size]
            yield x[idx].float() / 255.0, y[idx]

    def loss_fn(model, batch):
        images, labels = batch
        logits = model(images)
        accuracy = (logits.argmax(1) == labels).float().mean()
        return F.cross_entropy(logits, labels), {"accuracy": accuracy}

    class Epoch:  # re-iterable, one shuffled pass per epoch, with a length for the progress
        def __iter__(self):
            return batches()

        def __len__(self):
            return -(-len(x) // config.batch_size)

    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    fit(model, loss_fn, Epoch(), optimizer=optimizer, epochs=config.epochs, device=device)


def load_mnist_judge(
    device: torch.device | str = "cpu", config: JudgeConfig | None = None
) -> MnistJudge:
    """The trained judge on ``device``, in evaluation mode (trained on first use, then cached).

    The global random state is re-seeded afterwards (see :mod:`dlbook.artifacts`), so the rest
    of a page draws the same numbers whether the judge was trained or loaded.
    """
    from dlbook.artifacts import cached_torch_module

    config = config or JudgeConfig()
    torch.manual_seed(config.seed)
    model = MnistJudge(config).to(device)
    cached_torch_module("mnist-judge", asdict(config), model, train_judge)
    return model


@torch.no_grad()
def judge_outputs(
    judge: MnistJudge, images, batch_size: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features ``(N, D)`` and class probabilities ``(N, 10)`` of ``images``.

    ``images``: an array or tensor of shape ``(N, 28, 28)``, ``(N, 1, 28, 28)`` or ``(N, 784)``
    with values in [0, 1] (``uint8`` arrays are divided by 255).
    """
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, Tensor) else images)
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    x = x.float().reshape(-1, 1, 28, 28)
    judge.eval()
    device = next(judge.parameters()).device
    feats, probs = [], []
    for i in range(0, len(x), batch_size):
        f = judge.features(x[i : i + batch_size].to(device))
        feats.append(f.cpu())
        probs.append(judge.out(f).softmax(-1).cpu())
    return torch.cat(feats).double().numpy(), torch.cat(probs).double().numpy()


def real_test_stats(judge: MnistJudge) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the judge's features of the 10,000 real MNIST test digits: the
    reference every generator is measured against."""
    from dlbook.data import load_mnist
    from dlbook.generative import gaussian_stats

    _, (x_test, _) = load_mnist()
    return gaussian_stats(judge_outputs(judge, x_test)[0])


def score_images(judge: MnistJudge, images, reference):
    """:class:`dlbook.generative.GeneratorScore` of ``images`` (any layout
    :func:`judge_outputs` reads) against ``reference`` = :func:`real_test_stats`."""
    from dlbook.generative import score_features

    return score_features(*judge_outputs(judge, images), reference)
