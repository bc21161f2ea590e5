r"""A small Keras convnet trained once and shared: the transfer source, the network we explain.

Two pages of Part I need a convnet that someone has already trained. *Transfer learning*
pre-trains it on a source task (MNIST digits 0 to 4) and reuses it for a target task with few
labels (digits 5 to 9); *what convnets learn* opens trained networks up (the same digit network,
and one trained on Fashion-MNIST). :func:`load_small_convnet` builds the network from a
:class:`SmallConvnetConfig` and gives it its trained weights through
:func:`dlbook.artifacts.cached_keras_weights`: the first page that asks trains it, every later
page of the build loads it, and a page run alone still trains it itself.

The architecture is the convnet of the convolution chapter with ``"same"`` padding, so that the
last feature maps keep a 7x7 grid (Grad-CAM needs one):

.. code-block:: text

    image (28, 28, 1) -> conv1 3x3 (28, 28, f1) -> pool1 (14, 14, f1)
      -> conv2 3x3 (14, 14, f2) -> pool2 (7, 7, f2) -> conv3 3x3 (7, 7, f3)
      -> pool3 (3, 3, f3) -> features: flatten (9 f3) -> dropout -> logits (k) -> probs (k)

All convolutions use ReLU. The layers are named as above: ``model.get_layer("features")`` is the
input of the classifier (what feature extraction reuses), ``"conv3"`` the last convolution and
``"logits"`` the class scores before the softmax.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "DIGITS_0_TO_4",
    "FASHION",
    "SmallConvnetConfig",
    "build_small_convnet",
    "compile_classifier",
    "load_small_convnet",
    "small_convnet_data",
    "train_small_convnet",
]

_DATASETS = ("mnist", "fashion_mnist")


def _positive_int(name: str, value: object) -> None:
    # Not dlbook.nn._checks: importing dlbook.nn loads PyTorch, which a Keras page should not.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


@dataclass(frozen=True)
class SmallConvnetConfig:
    """What to train on and how; every field is part of the cache key.

    Parameters
    ----------
    dataset:
        ``"mnist"`` or ``"fashion_mnist"`` (loaded through :mod:`dlbook.data`).
    classes:
        The original labels to keep, in order: label ``classes[i]`` becomes class ``i``.
    filters:
        Widths ``(f1, f2, f3)`` of the three convolutions.
    dropout:
        Dropout rate before the classifier.
    epochs, batch_size, peak_lr:
        Adam with a learning rate that decays from ``peak_lr`` to zero along a cosine.
    train_examples:
        Use only the first ``train_examples`` kept training images (``None``: all).
    seed:
        Seed of the initial weights and of the order of the batches.
    """

    dataset: str = "mnist"
    classes: tuple[int, ...] = (0, 1, 2, 3, 4)
    filters: tuple[int, int, int] = (16, 32, 64)
    dropout: float = 0.3
    epochs: int = 3
    batch_size: int = 128
    peak_lr: float = 3e-3
    train_examples: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.dataset not in _DATASETS:
            raise ValueError(f"dataset must be one of {_DATASETS}, got {self.dataset!r}")
        classes = tuple(self.classes)
        if len(classes) < 2 or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be at least two distinct labels, got {classes}")
        if not all(isinstance(c, int) and 0 <= c <= 9 for c in classes):
            raise ValueError(f"classes must be labels from 0 to 9, got {classes}")
        if len(self.filters) != 3:
            raise ValueError(f"filters must hold three widths, got {self.filters}")
        for width in self.filters:
            _positive_int("filters", width)
        _positive_int("epochs", self.epochs)
        _positive_int("batch_size", self.batch_size)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")
        if self.train_examples is not None:
            _positive_int("train_examples", self.train_examples)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not self.peak_lr > 0:
            raise ValueError(f"peak_lr must be positive, got {self.peak_lr!r}")

    @property
    def num_classes(self) -> int:
        return len(self.classes)


#: The transfer source: MNIST digits 0 to 4.
DIGITS_0_TO_4 = SmallConvnetConfig()
#: All ten Fashion-MNIST classes, two epochs.
FASHION = SmallConvnetConfig(dataset="fashion_mnist", classes=tuple(range(10)), epochs=2)


def small_convnet_data(
    config: SmallConvnetConfig,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The kept images and remapped labels: ``(x_train, y_train), (x_test, y_test)``.

    Images are ``float32`` in ``[0, 1]`` of shape ``(N, 28, 28, 1)``; labels ``int64`` from 0
    to ``len(classes) - 1`` (``train_examples`` limits the training part only).
    """
    from dlbook.data import load_fashion_mnist, load_mnist

    loader = load_mnist if config.dataset == "mnist" else load_fashion_mnist
    splits = []
    lookup = np.full(10, -1, dtype=np.int64)
    lookup[list(config.classes)] = np.arange(config.num_classes)
    for x, y in loader():
        keep = np.flatnonzero(lookup[y] >= 0)
        splits.append((x[keep][..., None].astype("float32") / 255.0, lookup[y[keep]]))
    (x_train, y_train), test = splits
    if config.train_examples is not None:
        x_train, y_train = x_train[: config.train_examples], y_train[: config.train_examples]
    return (x_train, y_train), test


def build_small_convnet(config: SmallConvnetConfig = DIGITS_0_TO_4, name: str | None = None):
    """The untrained network of the module docstring, for ``config.num_classes`` classes."""
    import keras

    f1, f2, f3 = config.filters
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Conv2D(f1, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)  # (None, 14, 14, f1)
    x = layers.Conv2D(f2, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)  # (None, 7, 7, f2)
    x = layers.Conv2D(f3, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.MaxPooling2D(2, name="pool3")(x)  # (None, 3, 3, f3)
    features = layers.Flatten(name="features")(x)  # (None, 9 * f3)
    x = layers.Dropout(config.dropout, name="dropout")(features)
    logits = layers.Dense(config.num_classes, name="logits")(x)  # (None, k)
    probs = layers.Softmax(name="probs")(logits)
    return keras.Model(inputs, probs, name=name or f"small_convnet_{config.dataset}")


def compile_classifier(model, *, peak_lr: float, total_steps: int) -> None:
    """Adam with a cosine decay from ``peak_lr`` over ``total_steps``, sparse cross-entropy and
    accuracy: the recipe of this module, reused by pages that train variants of the model."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(peak_lr, max(1, total_steps))
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def train_small_convnet(model, config: SmallConvnetConfig) -> dict[str, list[float]]:
    """Train ``model`` in place on ``config``'s training data; returns the Keras history."""
    import keras

    (x_train, y_train), _ = small_convnet_data(config)
    keras.utils.set_random_seed(config.seed)
    steps = -(-len(x_train) // config.batch_size) * config.epochs
    compile_classifier(model, peak_lr=config.peak_lr, total_steps=steps)
    history = model.fit(
        x_train, y_train, epochs=config.epochs, batch_size=config.batch_size, verbose=0
    )
    return history.history


def load_small_convnet(config: SmallConvnetConfig = DIGITS_0_TO_4):
    """The trained network for ``config`` (trained on first use, then served from the cache).

    The model is returned compiled for evaluation (``model.evaluate`` reports accuracy). The
    global random state is re-seeded afterwards (see :mod:`dlbook.artifacts`), so a page draws
    the same numbers whether the network was trained or loaded.
    """
    import keras

    from dlbook.artifacts import cached_keras_weights

    keras.utils.set_random_seed(config.seed)
    model = build_small_convnet(config)
    cached_keras_weights(
        "small-convnet", asdict(config), model, lambda m: train_small_convnet(m, config)
    )
    compile_classifier(model, peak_lr=config.peak_lr, total_steps=1)
    return model
