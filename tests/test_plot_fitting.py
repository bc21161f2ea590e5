"""plot_runs draws one labelled curve per run for the chosen metric."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlbook.plot.fitting import plot_runs  # noqa: E402

SMALL = {"loss": [1.0, 0.8, 0.7], "val_loss": [1.0, 0.9, 0.95]}
LARGE = {"loss": [0.9, 0.4, 0.1], "val_loss": [0.8, 1.0, 1.4]}


class FakeKerasHistory:
    history = {"val_accuracy": [0.5, 0.7, 0.6]}


def test_one_curve_per_run_in_order_with_labels():
    ax = plot_runs({"small": SMALL, "large": LARGE})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["small", "large"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), LARGE["val_loss"])
    assert ax.get_title() == "val loss"
    plt.close(ax.figure)


def test_mark_best_uses_the_minimum_of_a_loss_and_the_maximum_otherwise():
    ax = plot_runs({"small": SMALL, "large": LARGE}, mark_best=True)
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [(d.get_xdata()[0], d.get_ydata()[0]) for d in dots] == [(2, 0.9), (1, 0.8)]
    plt.close(ax.figure)
    ax = plot_runs({"keras": FakeKerasHistory()}, "val_accuracy", mark_best=True, title="acc")
    dot = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    assert (dot.get_xdata()[0], dot.get_ydata()[0]) == (2, 0.7)
    assert ax.get_title() == "acc"
    plt.close(ax.figure)


def test_cross_entropy_metrics_count_as_lower_is_better_unless_told_otherwise():
    run = {"val_bce": [0.7, 0.5, 0.6]}
    ax = plot_runs({"r": run}, "val_bce", mark_best=True)
    dot = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    assert dot.get_xdata()[0] == 2
    plt.close(ax.figure)
    ax = plot_runs({"r": run}, "val_bce", mark_best=True, lower_is_better=False)
    dot = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    assert dot.get_xdata()[0] == 1
    plt.close(ax.figure)


def test_draws_on_given_axes():
    fig, (a, b) = plt.subplots(1, 2)
    assert plot_runs({"small": SMALL}, "loss", ax=b) is b
    assert len(a.get_lines()) == 0 and len(b.get_lines()) == 1
    plt.close(fig)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="at least one run"):
        plot_runs({})
    with pytest.raises(KeyError, match="no metric 'val_mae'"):
        plot_runs({"small": SMALL}, "val_mae")
    with pytest.raises(TypeError, match="run 'x'"):
        plot_runs({"x": [1, 2]})
