"""dlbook.tensorboard_logs reads back what TensorFlow, Keras and PyTorch loggers wrote."""

from __future__ import annotations

import numpy as np
import pytest

from dlbook.tensorboard_logs import read_scalars


def test_tensorflow_scalars_and_runs(tmp_path):
    tf = pytest.importorskip("tensorflow")
    for run, scale in (("train", 1.0), ("validation", 2.0)):
        writer = tf.summary.create_file_writer(str(tmp_path / run))
        with writer.as_default():
            for step in range(5):
                tf.summary.scalar("loss", scale / (step + 1), step=step)
            tf.summary.histogram("weights", np.arange(10.0), step=0)  # not a scalar: skipped
        writer.close()
    logs = read_scalars(tmp_path)
    assert sorted(logs) == ["train", "validation"]
    assert sorted(logs["train"]) == ["loss"]
    steps, values = logs["validation"]["loss"]
    assert steps.dtype == np.int64
    np.testing.assert_array_equal(steps, np.arange(5))
    np.testing.assert_allclose(values, 2.0 / np.arange(1, 6), rtol=1e-6)


def test_keras_callback_logs_the_history(tmp_path):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(
        x,
        y,
        validation_data=(x, y),
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path))],
    )
    logs = read_scalars(tmp_path)
    steps, values = logs["train"]["epoch_loss"]
    np.testing.assert_array_equal(steps, [0, 1, 2])
    np.testing.assert_allclose(values, history.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(
        logs["validation"]["epoch_loss"][1], history.history["val_loss"], rtol=1e-5
    )


def test_simple_value_scalars_and_last_write_wins(tmp_path):
    pytest.importorskip("torch")
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(tmp_path))
    for step in (2, 0, 1):  # out of order: returned sorted by step
        writer.add_scalar("acc", step / 10, global_step=step)
    writer.add_scalar("acc", 0.5, global_step=1)  # step 1 again: the later value wins
    writer.close()
    steps, values = read_scalars(tmp_path)["."]["acc"]
    np.testing.assert_array_equal(steps, [0, 1, 2])
    np.testing.assert_allclose(values, [0.0, 0.5, 0.2], rtol=1e-6)


def test_missing_logs_are_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no log folder"):
        read_scalars(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no TensorBoard event files"):
        read_scalars(tmp_path)
