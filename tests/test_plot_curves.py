"""plot_history draws one panel per metric, with validation curves beside training ones."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlbook.plot import plot_history  # noqa: E402

HISTORY = {
    "loss": [1.0, 0.5, 0.25],
    "val_loss": [1.1, 0.7, 0.6],
    "accuracy": [0.5, 0.8, 0.9],
    "val_accuracy": [0.45, 0.7, 0.75],
}


def test_one_panel_per_metric_with_both_curves():
    fig = plot_history(HISTORY)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    train, val = axes[0].get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(train.get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(val.get_ydata(), HISTORY["val_loss"])
    plt.close(fig)


def test_accepts_an_object_with_a_history_attribute():
    class FakeKerasHistory:
        history = {"loss": [3.0, 2.0]}

    fig = plot_history(FakeKerasHistory(), title="run")
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 1
    assert fig._suptitle.get_text() == "run"
    plt.close(fig)


def test_chosen_metrics_and_given_axes():
    fig, axes = plt.subplots(1, 1)
    out = plot_history(HISTORY, metrics=["accuracy"], axes=[axes])
    assert out is fig and axes.get_title() == "accuracy"
    plt.close(fig)


def test_errors_name_the_problem():
    with pytest.raises(KeyError, match="f1"):
        plot_history(HISTORY, metrics=["f1"])
    with pytest.raises(TypeError, match="dict of metric lists"):
        plot_history([1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        plot_history({})
