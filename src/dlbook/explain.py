r"""Explanations of an image classifier's decision, and a test of whether they are faithful.

A *saliency map* or *heatmap* says, for one image and one class, how much each pixel (or each
region) mattered. Two methods are implemented for Keras models:

* :func:`keras_saliency` (Simonyan et al., 2014): the absolute gradient of the class score with
  respect to the input pixels, :math:`|\partial y^c / \partial x_{ij}|`, maximised over
  channels.
* :func:`keras_grad_cam` (Selvaraju et al., 2017): weight the feature maps :math:`A^k` of one
  convolution layer by the average gradient of the class score over each map, sum, and keep the
  positive part,

  .. math::

      \alpha_k^c = \frac{1}{HW} \sum_{i,j} \frac{\partial y^c}{\partial A^k_{ij}}, \qquad
      L^c = \operatorname{ReLU}\Bigl(\sum_k \alpha_k^c A^k\Bigr),

  a map at the layer's resolution (:func:`grad_cam_from` does the arithmetic on arrays, and
  :func:`upsample_bilinear` brings it to the image's size).

What a unit of the network responds to, independently of any image, can be shown by
*activation maximisation* (Erhan et al., 2009; Simonyan et al., 2014):
:func:`keras_maximize_activation` starts from a grey image with a little noise and climbs the
gradient of the unit's mean activation with respect to the pixels.

A heatmap can look plausible and still not be what the model uses. The *deletion* test of
Petsiuk et al. (2018) asks the model: delete the pixels in the order the explanation ranks them,
most important first, and record the probability of the class after each step
(:func:`deletion_curve`). If the ranking is faithful the probability falls fast, and the area
under the curve (:func:`curve_auc`, over the fraction of pixels deleted) is small; a random
order (:func:`random_orders`) is the floor any explanation must beat. Everything but the two
Keras functions is plain NumPy and works for any framework's ``predict``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "curve_auc",
    "deletion_curve",
    "grad_cam_from",
    "keras_grad_cam",
    "keras_maximize_activation",
    "keras_saliency",
    "orders_from_heatmaps",
    "random_orders",
    "upsample_bilinear",
]


def grad_cam_from(activations, gradients) -> np.ndarray:
    r"""Grad-CAM maps from a layer's activations and the gradient of a class score w.r.t. them.

    Parameters
    ----------
    activations, gradients:
        Arrays of shape ``(N, H, W, K)`` (channels last): :math:`A^k` and
        :math:`\partial y^c / \partial A^k` for each of ``N`` images.

    Returns
    -------
    numpy.ndarray
        ``(N, H, W)``: :math:`\operatorname{ReLU}(\sum_k \alpha_k^c A^k)` with
        :math:`\alpha_k^c` the spatial mean of the gradient of map ``k``.
    """
    a = np.asarray(activations, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    if a.ndim != 4 or a.shape != g.shape:
        raise ValueError(
            "activations and gradients must both have shape (N, H, W, K), got "
            f"{a.shape} and {g.shape}"
        )
    alpha = g.mean(axis=(1, 2), keepdims=True)  # (N, 1, 1, K)
    return np.maximum((alpha * a).sum(axis=-1), 0.0)  # (N, H, W)


def upsample_bilinear(maps, size: tuple[int, int]) -> np.ndarray:
    """Resize ``(N, h, w)`` maps to ``(N, H, W)`` by bilinear interpolation.

    Pixel centres are aligned (a pixel covers a cell of the grid, as in
    ``tf.image.resize(..., method="bilinear")`` and ``torch`` with ``align_corners=False``);
    values beyond the outer centres are held constant.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (N, h, w), got {maps.shape}")
    out_h, out_w = size
    if out_h < 1 or out_w < 1:
        raise ValueError(f"size must be two positive ints, got {size}")

    def coordinates(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5  # output centre in input pixels
        src = np.clip(src, 0, n_in - 1)
        low = np.floor(src).astype(int)
        high = np.minimum(low + 1, n_in - 1)
        return low, high, src - low

    y0, y1, wy = coordinates(maps.shape[1], out_h)
    x0, x1, wx = coordinates(maps.shape[2], out_w)
    rows = maps[:, y0, :] * (1 - wy)[None, :, None] + maps[:, y1, :] * wy[None, :, None]
    return rows[:, :, x0] * (1 - wx) + rows[:, :, x1] * wx  # (N, H, W)


def orders_from_heatmaps(heatmaps, seed: int = 0) -> np.ndarray:
    """Pixel indices of each ``(N, H, W)`` heatmap, hottest first (flat, row-major).

    Ties (a Grad-CAM map is zero over large areas) are broken at random with ``seed``, so that
    the flat part of a map is deleted in no systematic order.
    """
    heat = np.asarray(heatmaps, dtype=np.float64)
    if heat.ndim != 3:
        raise ValueError(f"heatmaps must have shape (N, H, W), got {heat.shape}")
    flat = heat.reshape(len(heat), -1)
    tiebreak = np.random.default_rng(seed).random(flat.shape)
    return np.lexsort((tiebreak, -flat), axis=1)  # primary key: -heat, ascending


def random_orders(n: int, num_pixels: int, seed: int = 0) -> np.ndarray:
    """``(n, num_pixels)``: an independent random permutation of the pixels for each image."""
    if n < 1 or num_pixels < 1:
        raise ValueError(f"n and num_pixels must be positive, got {n} and {num_pixels}")
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random((n, num_pixels)), axis=1)


def deletion_curve(
    predict: Callable[[np.ndarray], np.ndarray],
    images,
    orders,
    classes,
    *,
    steps: int = 28,
    fill: float = 0.0,
    batch_size: int = 2048,
) -> tuple[np.ndarray, np.ndarray]:
    """Probability of each image's class as its pixels are deleted in the given order.

    Parameters
    ----------
    predict:
        ``predict(batch) -> (B, classes)`` probabilities for a batch shaped like ``images``.
    images:
        ``(N, H, W)`` or ``(N, H, W, C)``; a pixel (all its channels) is deleted at once.
    orders:
        ``(N, H * W)`` flat pixel indices of each image, most important first.
    classes:
        ``(N,)`` the class whose probability is followed (usually the predicted one).
    steps:
        Number of deletion steps; step ``s`` has deleted ``round(s * H * W / steps)`` pixels.
    fill:
        The value a deleted pixel takes (the background: 0 for MNIST-like images).
    batch_size:
        How many modified images to pass to ``predict`` at once.

    Returns
    -------
    (fractions, probabilities):
        ``(steps + 1,)`` fractions of pixels deleted, from 0 to 1, and ``(N, steps + 1)`` the
        probability of the class at each step (column 0: the intact image).
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must be (N, H, W) or (N, H, W, C), got {images.shape}")
    n, h, w = images.shape[:3]
    orders = np.asarray(orders)
    classes = np.asarray(classes)
    if orders.shape != (n, h * w):
        raise ValueError(f"orders must have shape {(n, h * w)}, got {orders.shape}")
    if classes.shape != (n,):
        raise ValueError(f"classes must have shape {(n,)}, got {classes.shape}")
    if steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps}")
    counts = np.round(np.arange(steps + 1) * h * w / steps).astype(int)  # pixels deleted
    # rank[i, p]: position of pixel p in image i's order; p is deleted once rank < count
    rank = np.empty_like(orders)
    np.put_along_axis(rank, orders, np.arange(h * w)[None, :].repeat(n, axis=0), axis=1)
    rank = rank.reshape(n, h, w)
    probabilities = np.empty((n, steps + 1))
    jobs = [(i, s) for s in range(steps + 1) for i in range(n)]
    for start in range(0, len(jobs), batch_size):
        chunk = jobs[start : start + batch_size]
        idx = np.array([i for i, _ in chunk])
        step = np.array([s for _, s in chunk])
        deleted = rank[idx] < counts[step][:, None, None]  # (B, H, W)
        if images.ndim == 4:
            deleted = deleted[..., None]
        batch = np.where(deleted, np.asarray(fill, dtype=images.dtype), images[idx])
        probs = np.asarray(predict(batch))  # (B, classes)
        probabilities[idx, step] = probs[np.arange(len(chunk)), classes[idx]]
    return counts / (h * w), probabilities


def curve_auc(fractions, values) -> np.ndarray:
    """Area under each curve over ``fractions`` (trapezoid rule): ``(N, T) -> (N,)``.

    For a deletion curve the fractions run from 0 to 1, so the area is the mean probability
    over the deletion; lower means the ranking found what the model needs sooner.
    """
    x = np.asarray(fractions, dtype=np.float64)
    y = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if x.ndim != 1 or y.shape[1] != len(x):
        raise ValueError(f"values must have shape (N, {len(x)}), got {y.shape}")
    return ((y[:, 1:] + y[:, :-1]) / 2 * np.diff(x)).sum(axis=1)


def _input_of(model):
    """The model's input as its graph was built: one tensor, or the list of several (calling a
    single-input model built on ``model.inputs`` with a bare tensor makes Keras warn)."""
    return model.inputs[0] if len(model.inputs) == 1 else model.inputs


def keras_grad_cam(
    model,
    images,
    layer: str,
    classes=None,
    *,
    score_layer: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM maps of a functional Keras model at convolution layer ``layer``.

    Parameters
    ----------
    model:
        A functional (or ``Sequential`` with an ``Input``) Keras model of images.
    images:
        ``(N, H, W, C)`` batch.
    layer:
        Name of the layer whose feature maps are weighted (usually the last convolution).
    classes:
        ``(N,)`` the class to explain for each image; by default the predicted class.
    score_layer:
        Name of the layer that outputs the class *scores* (logits, before the softmax), as
        Grad-CAM prescribes; by default the model's output (probabilities).

    Returns
    -------
    (heatmaps, classes):
        ``(N, h, w)`` maps at ``layer``'s resolution and the ``(N,)`` classes explained.
    """
    import keras
    import tensorflow as tf

    scores_out = model.output if score_layer is None else model.get_layer(score_layer).output
    probe = keras.Model(_input_of(model), [model.get_layer(layer).output, scores_out])
    x = tf.convert_to_tensor(np.asarray(images, dtype="float32"))
    with tf.GradientTape() as tape:
        maps, scores = probe(x, training=False)  # (N, h, w, K), (N, classes)
        if classes is None:
            classes = np.asarray(tf.argmax(scores, axis=-1))
        classes = np.asarray(classes)
        picked = tf.gather(scores, classes, axis=1, batch_dims=1)  # (N,)
    grads = tape.gradient(picked, maps)  # (N, h, w, K)
    return grad_cam_from(maps.numpy(), grads.numpy()), classes


def keras_saliency(model, images, classes, *, score_layer: str | None = None) -> np.ndarray:
    r"""Vanilla-gradient saliency :math:`\max_c |\partial y / \partial x_{ij c}|`: ``(N, H, W)``.

    ``classes`` and ``score_layer`` as in :func:`keras_grad_cam`.
    """
    import keras
    import tensorflow as tf

    scores_out = model.output if score_layer is None else model.get_layer(score_layer).output
    probe = keras.Model(_input_of(model), scores_out)
    x = tf.convert_to_tensor(np.asarray(images, dtype="float32"))
    classes = np.asarray(classes)
    with tf.GradientTape() as tape:
        tape.watch(x)
        picked = tf.gather(probe(x, training=False), classes, axis=1, batch_dims=1)  # (N,)
    grads = tape.gradient(picked, x).numpy()  # (N, H, W, C)
    return np.abs(grads).max(axis=-1)


def keras_maximize_activation(
    model,
    layer: str,
    channels,
    *,
    steps: int = 60,
    step_size: float = 0.05,
    shape: tuple[int, ...] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Images that maximise the mean activation of ``channels`` of ``layer``, by gradient ascent.

    For channel :math:`c` the objective is the mean over positions of its activation,
    :math:`f_c(x) = \frac{1}{hw}\sum_{i,j} a_{ijc}(x)` (just :math:`a_c(x)` for a dense layer).
    Each step moves the image along the gradient, normalised to unit root-mean-square so that
    ``step_size`` is the size of a step in pixel units, and clips the pixels to ``[0, 1]``.

    Parameters
    ----------
    model:
        A functional Keras model of images with values in ``[0, 1]``.
    layer:
        The name of the layer whose channels (feature maps, or units of a dense layer) to show.
    channels:
        The channel indices; one image is optimised per channel, all in one batch.
    steps, step_size:
        Number and size of the ascent steps.
    shape:
        The shape of one image (default: the model's input shape).
    seed:
        Seed of the starting noise.

    Returns
    -------
    (images, objectives):
        ``(len(channels), *shape)`` images in ``[0, 1]`` and ``(steps + 1, len(channels))`` the
        objective of each channel before each step and after the last.
    """
    import keras
    import tensorflow as tf

    channels = np.asarray(channels, dtype=int)
    shape = tuple(shape or model.input_shape[1:])
    probe = keras.Model(_input_of(model), model.get_layer(layer).output)
    n_out = probe.output.shape[-1]
    if channels.ndim != 1 or channels.size == 0 or channels.min() < 0 or channels.max() >= n_out:
        raise ValueError(f"channels must be indices from 0 to {n_out - 1}, got {channels}")
    start = 0.5 + 0.05 * np.random.default_rng(seed).standard_normal((len(channels), *shape))
    x = tf.convert_to_tensor(np.clip(start, 0.0, 1.0).astype("float32"))
    select = tf.one_hot(channels, n_out)  # (n, C)
    axes = list(range(1, len(x.shape)))

    def objective(images):
        out = probe(images, training=False)  # (n, ..., C)
        if len(out.shape) > 2:
            out = tf.reduce_mean(out, axis=list(range(1, len(out.shape) - 1)))  # (n, C)
        return tf.reduce_sum(out * select, axis=-1)  # (n,)

    history = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = objective(x)
            total = tf.reduce_sum(value)  # channels are independent: one gradient for all
        history.append(value.numpy())
        grad = tape.gradient(total, x)
        rms = tf.sqrt(tf.reduce_mean(tf.square(grad), axis=axes, keepdims=True)) + 1e-8
        x = tf.clip_by_value(x + step_size * grad / rms, 0.0, 1.0)
    history.append(objective(x).numpy())
    return x.numpy(), np.stack(history)
