"""dlbook.pretrained.small_convnet: data selection, architecture, and training once."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from dlbook.pretrained.small_convnet import (  # noqa: E402
    DIGITS_0_TO_4,
    SmallConvnetConfig,
    build_small_convnet,
    load_small_convnet,
    small_convnet_data,
)


def test_config_refuses_bad_values():
    with pytest.raises(ValueError, match="dataset"):
        SmallConvnetConfig(dataset="cifar10")
    with pytest.raises(ValueError, match="distinct"):
        SmallConvnetConfig(classes=(3, 3))
    with pytest.raises(ValueError, match="from 0 to 9"):
        SmallConvnetConfig(classes=(0, 10))
    with pytest.raises(ValueError, match="filters"):
        SmallConvnetConfig(filters=(8, 8, 0))
    with pytest.raises(ValueError, match="dropout"):
        SmallConvnetConfig(dropout=1.0)
    with pytest.raises(ValueError, match="seed"):
        SmallConvnetConfig(seed=-1)


def test_data_keeps_the_classes_and_renumbers_them():
    config = SmallConvnetConfig(classes=(7, 2), train_examples=100)
    (x_train, y_train), (x_test, y_test) = small_convnet_data(config)
    assert x_train.shape == (100, 28, 28, 1) and x_train.dtype == np.float32
    assert x_train.min() >= 0.0 and x_train.max() <= 1.0
    from dlbook.data import load_mnist

    _, (raw_x, raw_y) = load_mnist()
    kept = np.isin(raw_y, (7, 2))
    assert len(y_test) == kept.sum()
    np.testing.assert_array_equal(y_test, np.where(raw_y[kept] == 7, 0, 1))
    np.testing.assert_allclose(x_test[:, :, :, 0], raw_x[kept] / 255.0, rtol=1e-6)
    assert set(np.unique(y_train)) == {0, 1}


def test_architecture_shapes_and_names():
    model = build_small_convnet(SmallConvnetConfig(classes=(0, 1, 2), filters=(4, 8, 12)))
    assert model.get_layer("conv3").output.shape == (None, 7, 7, 12)
    assert model.get_layer("features").output.shape == (None, 9 * 12)
    assert model.output.shape == (None, 3)
    probs = model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def test_trained_once_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DLBOOK_ARTIFACTS", raising=False)
    config = SmallConvnetConfig(filters=(8, 8, 8), epochs=2, batch_size=64, train_examples=2048)
    first = load_small_convnet(config)
    files = list((tmp_path / "artifacts").glob("small-convnet-*.weights.h5"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = load_small_convnet(config)
    assert files[0].stat().st_mtime_ns == stamp  # served, not trained again
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    (_, _), (x_test, y_test) = small_convnet_data(config)
    accuracy = second.evaluate(x_test[:500], y_test[:500], verbose=0)[1]
    assert accuracy > 0.6  # five classes: far above chance (0.2) after a short training
    assert DIGITS_0_TO_4.classes == (0, 1, 2, 3, 4)
