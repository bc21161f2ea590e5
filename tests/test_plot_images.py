import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlbook.plot.images import plot_feature_maps, plot_filters, plot_image_grid


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _shown(fig):
    """The arrays drawn on the visible panels, in order."""
    return [ax.images[0].get_array() for ax in fig.axes if ax.images]


def test_image_grid_draws_each_image_once_with_titles():
    images = np.random.default_rng(0).random((10, 28, 28, 1))
    fig = plot_image_grid(images, [str(i) for i in range(10)], ncols=4)
    assert len(fig.axes) == 12  # 3 rows of 4, two panels left empty
    shown = _shown(fig)
    assert len(shown) == 10
    np.testing.assert_allclose(shown[3], images[3, ..., 0])
    assert [ax.get_title() for ax in fig.axes[:3]] == ["0", "1", "2"]


def test_image_grid_accepts_rgb_and_rejects_other_shapes():
    fig = plot_image_grid(np.zeros((3, 8, 8, 3)))
    assert len(_shown(fig)) == 3
    with pytest.raises(ValueError, match="shape"):
        plot_image_grid(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="titles"):
        plot_image_grid(np.zeros((3, 8, 8)), ["a"])
    with pytest.raises(ValueError, match="zero"):
        plot_image_grid(np.zeros((0, 8, 8)))


def test_filters_one_panel_per_output_channel_on_a_centred_scale():
    rng = np.random.default_rng(1)
    kernels = rng.normal(size=(3, 3, 2, 5))
    fig = plot_filters(kernels, channel=1)
    shown = _shown(fig)
    assert len(shown) == 5
    np.testing.assert_allclose(shown[4], kernels[:, :, 1, 4])
    low, high = fig.axes[0].images[0].get_clim()
    assert low == pytest.approx(-high)
    # Default: averaged over input channels.
    np.testing.assert_allclose(_shown(plot_filters(kernels))[0], kernels[:, :, :, 0].mean(-1))


def test_filters_reject_bad_arguments():
    with pytest.raises(ValueError, match="kh, kw"):
        plot_filters(np.zeros((3, 3, 4)))
    with pytest.raises(ValueError, match="channel"):
        plot_filters(np.zeros((3, 3, 1, 4)), channel=1)


def test_feature_maps_one_panel_per_channel():
    maps = np.random.default_rng(2).random((13, 13, 6))
    fig = plot_feature_maps(maps, max_maps=4, ncols=2)
    shown = _shown(fig)
    assert len(shown) == 4
    np.testing.assert_allclose(shown[2], maps[..., 2])
    with pytest.raises(ValueError, match="single image"):
        plot_feature_maps(maps[None])
    with pytest.raises(ValueError, match="max_maps"):
        plot_feature_maps(maps, max_maps=0)
