"""dlbook.plot.explain: heatmap rows and deletion curves draw what they are given."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlbook.plot.explain import plot_deletion_curves, plot_heatmap_rows


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_heatmap_rows_overlay_each_map_scaled_to_its_maximum():
    rng = np.random.default_rng(0)
    images = rng.random((3, 8, 8, 1))
    heat = {"saliency": rng.random((3, 8, 8)) * 5, "grad-cam": np.zeros((3, 8, 8))}
    fig = plot_heatmap_rows(images, heat, titles=["a", "b", "c"])
    axes = np.array(fig.axes).reshape(3, 3)
    assert [ax.get_title() for ax in axes[0]] == ["a", "b", "c"]
    assert axes[1, 0].get_ylabel() == "saliency"
    assert len(axes[0, 1].images) == 1 and len(axes[1, 1].images) == 2
    overlay = axes[1, 2].images[1].get_array()
    np.testing.assert_allclose(overlay, heat["saliency"][2] / heat["saliency"][2].max())
    np.testing.assert_allclose(axes[2, 0].images[1].get_array(), 0.0)  # an all-zero map
    with pytest.raises(ValueError, match="expected"):
        plot_heatmap_rows(images, {"bad": np.zeros((3, 4, 4))})
    with pytest.raises(ValueError, match="titles"):
        plot_heatmap_rows(images, heat, titles=["a"])


def test_deletion_curves_draw_the_mean_and_report_its_area():
    x = np.linspace(0, 1, 5)
    curves = {"fast": np.array([1 - x, 1 - x]), "slow": np.ones((2, 5))}
    fig = plot_deletion_curves(x, curves)
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), 1 - x)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["fast (area 0.500)", "slow (area 1.000)"]
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    with pytest.raises(ValueError, match="steps"):
        plot_deletion_curves(x, {"bad": np.ones((2, 4))})
