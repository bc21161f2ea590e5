"""dlbook.explain: Grad-CAM against its closed form, deletion curves against hand counts."""

from __future__ import annotations

import numpy as np
import pytest

from dlbook.explain import (
    curve_auc,
    deletion_curve,
    grad_cam_from,
    keras_grad_cam,
    keras_saliency,
    orders_from_heatmaps,
    random_orders,
    upsample_bilinear,
)


def test_grad_cam_from_weights_maps_by_mean_gradient_and_clips():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 4, 5))
    g = rng.normal(size=(2, 3, 4, 5))
    expected = np.zeros((2, 3, 4))
    for n in range(2):
        for k in range(5):
            expected[n] += g[n, :, :, k].mean() * a[n, :, :, k]
    np.testing.assert_allclose(grad_cam_from(a, g), np.maximum(expected, 0))
    assert (grad_cam_from(a, g) >= 0).all()
    with pytest.raises(ValueError, match="shape"):
        grad_cam_from(a, g[:, :2])


def test_upsample_bilinear_matches_tensorflow_and_keeps_constants():
    rng = np.random.default_rng(1)
    maps = rng.random((2, 3, 5))
    constant = upsample_bilinear(np.full((1, 4, 4), 2.5), (28, 28))
    np.testing.assert_allclose(constant, 2.5)
    tf = pytest.importorskip("tensorflow")
    reference = tf.image.resize(maps[..., None], (12, 7), method="bilinear").numpy()[..., 0]
    np.testing.assert_allclose(upsample_bilinear(maps, (12, 7)), reference, atol=1e-6)


def test_orders_put_the_hottest_pixels_first_and_break_ties_at_random():
    heat = np.array([[[0.0, 3.0], [1.0, 0.0]]])  # flat indices: 1 (3.0), 2 (1.0), then 0 and 3
    orders = {tuple(orders_from_heatmaps(heat, seed=s)[0]) for s in range(20)}
    assert all(order[:2] == (1, 2) for order in orders)
    assert {order[2:] for order in orders} == {(0, 3), (3, 0)}  # both tie orders occur
    np.testing.assert_array_equal(orders_from_heatmaps(heat, 3), orders_from_heatmaps(heat, 3))


def test_random_orders_are_permutations():
    orders = random_orders(4, 9, seed=0)
    assert orders.shape == (4, 9)
    for row in orders:
        np.testing.assert_array_equal(np.sort(row), np.arange(9))
    assert len({tuple(row) for row in orders}) > 1


def _linear_predict(weights):
    """A 'model' whose class-0 score is the weighted sum of the pixels (class 1: its negative)."""

    def predict(batch):
        score = (batch.reshape(len(batch), -1) * weights.ravel()).sum(axis=1)
        return np.stack([score, -score], axis=1)

    return predict


def test_deletion_curve_removes_pixels_in_order():
    images = np.arange(1, 17, dtype=float).reshape(1, 4, 4)  # pixel p has value p + 1
    weights = np.ones((4, 4))
    order = np.arange(16)[::-1][None, :]  # brightest first
    fractions, probs = deletion_curve(
        _linear_predict(weights), images, order, np.array([0]), steps=4
    )
    np.testing.assert_allclose(fractions, [0, 0.25, 0.5, 0.75, 1.0])
    values = np.arange(16, 0, -1)  # in deletion order
    expected = [values.sum() - values[:k].sum() for k in (0, 4, 8, 12, 16)]
    np.testing.assert_allclose(probs[0], expected)
    # the same with a channel axis, a fill value and several images in small batches
    images4 = np.repeat(images[..., None], 2, axis=0)
    fill_curve = deletion_curve(
        _linear_predict(weights),
        images4,
        np.repeat(order, 2, axis=0),
        np.array([0, 1]),
        steps=4,
        fill=1.0,
        batch_size=3,
    )[1]
    np.testing.assert_allclose(fill_curve[0], np.add(expected, [0, 4, 8, 12, 16]))
    np.testing.assert_allclose(fill_curve[1], -fill_curve[0])


def test_deletion_curve_checks_shapes():
    images = np.zeros((2, 3, 3))
    with pytest.raises(ValueError, match="orders"):
        deletion_curve(_linear_predict(np.ones((3, 3))), images, np.zeros((2, 8)), [0, 0])
    with pytest.raises(ValueError, match="classes"):
        deletion_curve(_linear_predict(np.ones((3, 3))), images, random_orders(2, 9), [0])


def test_curve_auc_is_the_trapezoid_area():
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(curve_auc(x, [1 - x, np.ones_like(x)]), [0.5, 1.0])
    np.testing.assert_allclose(curve_auc(x, x**2), [np.trapezoid(x**2, x)])


def _gap_model(keras):
    """conv (4 maps) -> global average pooling -> dense logits -> softmax (a CAM network)."""
    inputs = keras.Input((6, 6, 1))
    maps = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)  # (None, 4, 4, 4)
    pooled = keras.layers.GlobalAveragePooling2D()(maps)
    logits = keras.layers.Dense(3, name="logits")(pooled)
    probs = keras.layers.Softmax()(logits)
    return keras.Model(inputs, probs)


def test_keras_grad_cam_equals_the_class_activation_map_of_a_gap_network():
    # For global average pooling then a linear layer, d logit_c / d A^k_ij = w_kc / (h w), so
    # Grad-CAM is ReLU(sum_k w_kc A^k) / (h w): the CAM of Zhou et al. (2016).
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = _gap_model(keras)
    images = np.random.default_rng(0).random((3, 6, 6, 1)).astype("float32")
    heat, classes = keras_grad_cam(model, images, "conv", score_layer="logits")
    maps = keras.Model(model.inputs, model.get_layer("conv").output).predict(images, verbose=0)
    w = model.get_layer("logits").kernel.numpy()  # (4, 3)
    np.testing.assert_array_equal(classes, model.predict(images, verbose=0).argmax(axis=1))
    cam = np.maximum(np.einsum("nhwk,kn->nhw", maps, w[:, classes]), 0) / 16
    np.testing.assert_allclose(heat, cam, rtol=1e-5, atol=1e-7)
    chosen, _ = keras_grad_cam(model, images, "conv", [2, 2, 2], score_layer="logits")
    cam2 = np.maximum(np.einsum("nhwk,k->nhw", maps, w[:, 2]), 0) / 16
    np.testing.assert_allclose(chosen, cam2, rtol=1e-5, atol=1e-7)


def test_keras_saliency_of_a_linear_score_is_its_weights():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((2, 2, 1))
    logits = keras.layers.Dense(2, name="logits")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Softmax()(logits))
    images = np.random.default_rng(0).random((2, 2, 2, 1)).astype("float32")
    saliency = keras_saliency(model, images, [0, 1], score_layer="logits")
    w = model.get_layer("logits").kernel.numpy()  # (4, 2)
    np.testing.assert_allclose(saliency[0], np.abs(w[:, 0]).reshape(2, 2), rtol=1e-6)
    np.testing.assert_allclose(saliency[1], np.abs(w[:, 1]).reshape(2, 2), rtol=1e-6)


def test_activation_maximisation_climbs_and_finds_the_kernel():
    # One 3x3 linear filter, averaged over positions: the objective is linear in the pixels,
    # so ascent drives every pixel to 1 where the summed kernel weight it meets is positive
    # and to 0 where it is negative.
    keras = pytest.importorskip("keras")
    from dlbook.explain import keras_maximize_activation

    inputs = keras.Input((8, 8, 1))
    maps = keras.layers.Conv2D(2, 3, use_bias=False, name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(maps))
    kernel = np.zeros((3, 3, 1, 2), "float32")
    kernel[:, 0, 0, 0], kernel[:, 2, 0, 0] = 1.0, -1.0  # channel 0: bright left, dark right
    kernel[0, :, 0, 1], kernel[2, :, 0, 1] = 1.0, -1.0  # channel 1: bright top, dark bottom
    model.get_layer("conv").set_weights([kernel])
    images, objective = keras_maximize_activation(model, "conv", [0, 1], steps=40, step_size=0.1)
    assert images.shape == (2, 8, 8, 1) and objective.shape == (41, 2)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert (np.diff(objective, axis=0) >= -1e-6).all()  # never goes down
    # channel 0: column 0 meets only +1 weights, column 7 only -1 weights
    np.testing.assert_allclose(images[0, :, 0, 0], 1.0)
    np.testing.assert_allclose(images[0, :, 7, 0], 0.0)
    np.testing.assert_allclose(images[1, 0, :, 0], 1.0)
    np.testing.assert_allclose(images[1, 7, :, 0], 0.0)
    with pytest.raises(ValueError, match="channels"):
        keras_maximize_activation(model, "conv", [2])
