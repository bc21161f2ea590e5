"""Tests for dlbook.plot.attention."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlbook.plot.attention import plot_attention  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_heatmap_shows_the_weights_with_labels():
    w = np.array([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]])
    ax = plot_attention(w, list("ab "), ["x", "y"], title="map")
    image = ax.get_images()[0]
    np.testing.assert_allclose(image.get_array(), w)
    assert image.get_clim() == (0.0, 1.0)  # fixed scale: maps are comparable
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "\u2423"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    assert ax.get_title() == "map"


def test_draws_on_given_axes_and_accepts_tensors():
    torch = pytest.importorskip("torch")
    fig, axes = plt.subplots(1, 2)
    w = torch.softmax(torch.randn(4, 5, requires_grad=True), -1)
    ax = plot_attention(w, list("abcde"), list("wxyz"), ax=axes[1], colorbar=True)
    assert ax is axes[1]
    assert ax.get_images()[0].get_array().shape == (4, 5)
    assert len(fig.axes) == 3  # two panels and a colour bar


def test_shape_errors():
    with pytest.raises(ValueError, match="2-D"):
        plot_attention(np.zeros((2, 3, 4)), list("abcd"), list("xyz"))
    with pytest.raises(ValueError, match="labels"):
        plot_attention(np.zeros((2, 3)), list("ab"), list("xyz"))
