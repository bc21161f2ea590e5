"""Tests for dlbook.plot.embeddings: 2-D projections and labelled embedding maps."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlbook.plot.embeddings import plot_embedding_2d, project_2d


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_pca_projection_matches_scikit_learn_up_to_sign():
    from sklearn.decomposition import PCA

    x = np.random.default_rng(0).normal(size=(40, 6)) * np.arange(1, 7)
    ours = project_2d(x, "pca")
    ref = PCA(n_components=2).fit_transform(x)
    assert ours.shape == (40, 2)
    for j in range(2):
        assert np.allclose(np.abs(ours[:, j]), np.abs(ref[:, j]), atol=1e-8)
        assert np.allclose(ours[:, j], ref[:, j]) or np.allclose(ours[:, j], -ref[:, j])


def test_pca_recovers_a_planted_plane_and_is_repeatable():
    rng = np.random.default_rng(1)
    plane = rng.normal(size=(50, 2)) * [5.0, 2.0]
    basis = np.linalg.qr(rng.normal(size=(8, 2)))[0].T  # (2, 8), orthonormal rows
    x = plane @ basis + 3.0  # 8-D points lying in a shifted plane
    z = project_2d(x)
    # The projection keeps every pairwise distance of points that lie in a plane.
    d_x = np.linalg.norm(x[:, None] - x[None], axis=-1)
    d_z = np.linalg.norm(z[:, None] - z[None], axis=-1)
    assert np.allclose(d_x, d_z, atol=1e-8)
    assert np.array_equal(z, project_2d(x))


def test_tsne_and_none():
    from threadpoolctl import threadpool_limits

    x = np.random.default_rng(0).normal(size=(25, 5))
    with threadpool_limits(1):  # a tiny problem: extra OpenMP threads only add waiting
        assert project_2d(x, "tsne", seed=0).shape == (25, 2)
    flat = np.arange(10.0).reshape(5, 2)
    assert np.array_equal(project_2d(flat, "none"), flat)


def test_project_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    x = torch.randn(10, 4, requires_grad=True)
    assert project_2d(x).shape == (10, 2)


@pytest.mark.parametrize(
    "args",
    [
        (np.zeros(5), "pca"),
        (np.zeros((1, 3)), "pca"),
        (np.zeros((5, 3)), "umap"),
        (np.zeros((5, 3)), "none"),
        (np.zeros((5, 1)), "pca"),
    ],
)
def test_project_rejects_bad_input(args):
    with pytest.raises(ValueError):
        project_2d(*args)


def test_plot_writes_the_labels_and_names_the_axes():
    x = np.random.default_rng(0).normal(size=(12, 4))
    labels = [f"w{k}" for k in range(12)]
    ax = plot_embedding_2d(x, labels, title="words")
    texts = [t.get_text() for t in ax.texts]
    assert texts == labels
    assert ax.get_xlabel() == "PC 1" and ax.get_title() == "words"
    # Label k sits at the projected position of vector k.
    z = project_2d(x)
    assert np.allclose(ax.texts[5].xy, z[5])


def test_plot_annotates_a_subset_and_colours():
    x = np.random.default_rng(0).normal(size=(100, 3))
    labels = [str(k) for k in range(100)]
    assert len(plot_embedding_2d(x, labels).texts) == 0  # too many points: none by default
    ax = plot_embedding_2d(x, labels, annotate=[0, 7], values=np.linspace(0, 1, 100))
    assert [t.get_text() for t in ax.texts] == ["0", "7"]
    assert len(ax.figure.axes) == 2  # the colour bar
    ax = plot_embedding_2d(x, labels, annotate=np.arange(100) < 3, values=["a", "b"] * 50)
    assert len(ax.texts) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_rejects_mismatched_labels():
    x = np.zeros((4, 3)) + np.arange(3)
    with pytest.raises(ValueError):
        plot_embedding_2d(x, ["a", "b"])
    with pytest.raises(ValueError):
        plot_embedding_2d(x, values=[1, 2])


def test_plot_colours_by_class_highlights_and_draws_bare_maps():
    from matplotlib.colors import to_hex

    from dlbook.plot.style import CLASS_COLORS

    rng = np.random.default_rng(0)
    classes = rng.integers(0, 7, 50)
    ax = plot_embedding_2d(
        rng.normal(size=(50, 2)),
        method="none",
        classes=classes,
        highlight=[0, 1],
        class_names=[f"c{k}" for k in range(7)],
        frame=False,
    )
    points, circled = ax.collections
    colours = [to_hex(c) for c in points.get_facecolors()]
    assert colours == [CLASS_COLORS[c].lower() for c in classes]  # the same class, one colour
    assert len(circled.get_offsets()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"c{k}" for k in sorted(set(classes.tolist()))
    ]
    assert ax.get_xticks().size == 0 and ax.get_xlabel() == ""
    with pytest.raises(ValueError, match="class labels"):
        plot_embedding_2d(np.zeros((2, 2)), method="none", classes=[0, 12])
    with pytest.raises(ValueError, match="classes"):
        plot_embedding_2d(np.zeros((5, 2)), method="none", classes=[0, 1])
    with pytest.raises(ValueError, match="not both"):
        plot_embedding_2d(np.zeros((2, 2)), method="none", classes=[0, 1], values=[1.0, 2.0])
    plt.close("all")
