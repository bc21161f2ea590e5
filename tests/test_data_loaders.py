"""Every loader of dlbook.data on the real data (from the mirror, or downloaded)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import dlbook.data as data
from dlbook.data.dates import LONG_DATE_FORMATS, format_date

REPO = Path(__file__).resolve().parents[1]
_SHARED = REPO.parent / "shared" / "data"
MIRROR = os.environ.get("DLBOOK_DATA_MIRROR") or (str(_SHARED) if _SHARED.is_dir() else None)


@pytest.fixture(scope="session")
def _loader_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("dlbook-loader-cache")


@pytest.fixture(autouse=True)
def _data_env(monkeypatch, _loader_cache):
    monkeypatch.setenv("DLBOOK_DATA_DIR", str(_loader_cache))
    if MIRROR:
        monkeypatch.setenv("DLBOOK_DATA_MIRROR", MIRROR)


# --- images ----------------------------------------------------------------------------------


def test_mnist():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0
    assert np.bincount(y_train).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949
    ]  # fmt: skip
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_fashion_mnist():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(data.FASHION_MNIST_CLASSES) == 10
    assert data.FASHION_MNIST_CLASSES[9] == "Ankle boot"


# --- graphs ----------------------------------------------------------------------------------


def _check_graph(g, n, e, f, c, split):
    assert g.x.shape == (n, f) and g.x.dtype == np.float32
    assert g.y.shape == (n,) and g.y.dtype == np.int64
    assert g.edge_index.shape == (2, e) and g.edge_index.dtype == np.int64
    assert g.num_classes == c and g.y.max() == c - 1
    masks = (g.train_mask, g.val_mask, g.test_mask)
    assert all(m.dtype == np.bool_ and m.shape == (n,) for m in masks)
    assert tuple(int(m.sum()) for m in masks) == split
    assert not np.any(g.train_mask & g.val_mask) and not np.any(g.val_mask & g.test_mask)
    src, dst = g.edge_index
    assert np.all(src != dst)  # no self-loops
    pairs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert len(pairs) == e  # no duplicates
    assert pairs == set(zip(dst.tolist(), src.tolist(), strict=True))  # symmetric
    assert set(np.unique(g.x).tolist()) <= {0.0, 1.0}  # raw bag of words


def test_cora():
    g = data.load_planetoid("cora")
    _check_graph(g, 2708, 10556, 1433, 7, (140, 500, 1000))
    assert np.bincount(g.y[g.train_mask]).tolist() == [20] * 7
    assert np.flatnonzero(g.train_mask).tolist() == list(range(140))
    assert np.flatnonzero(g.val_mask).tolist() == list(range(140, 640))
    assert np.bincount(g.y).tolist() == [351, 217, 418, 818, 426, 298, 180]
    assert data.load_planetoid("Cora").num_edges == 10556  # case-insensitive


def test_citeseer():
    g = data.load_planetoid("citeseer")
    _check_graph(g, 3327, 9104, 3703, 6, (120, 500, 1000))
    assert np.bincount(g.y[g.train_mask]).tolist() == [20] * 6
    # The 15 isolated test-range nodes are zero-filled.
    assert int((g.x.sum(axis=1) == 0).sum()) >= 15


@pytest.mark.parametrize(("name", "folder"), [("cora", "Cora"), ("citeseer", "CiteSeer")])
def test_planetoid_matches_pytorch_geometric(tmp_path, name, folder):
    pytest.importorskip("torch_geometric")
    from torch_geometric.datasets import Planetoid

    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    for f in data.get_dataset("planetoid").files:
        if f.name.startswith(f"ind.{name}."):
            shutil.copy(data.fetch("planetoid", f.name), raw / f.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Planetoid(str(tmp_path), folder)[0]
    ours = data.load_planetoid(name)
    assert np.array_equal(ref.x.numpy(), ours.x)
    assert np.array_equal(ref.y.numpy(), ours.y)
    ref_edges = set(map(tuple, ref.edge_index.numpy().T.tolist()))
    assert ref_edges == set(map(tuple, ours.edge_index.T.tolist()))
    for mask in ("train_mask", "val_mask", "test_mask"):
        assert np.array_equal(getattr(ref, mask).numpy(), getattr(ours, mask))

    pyg = ours.to_pyg()
    assert pyg.num_nodes == ours.num_nodes and pyg.x.dtype.is_floating_point
    assert np.array_equal(pyg.edge_index.numpy(), ours.edge_index)


def test_mutag():
    graphs = data.load_mutag()
    assert len(graphs) == 188
    assert sum(g.num_nodes for g in graphs) == 3371
    assert sum(g.num_edges for g in graphs) == 7442
    assert np.bincount([g.y for g in graphs]).tolist() == [63, 125]
    for g in graphs:
        assert g.x.dtype == g.edge_index.dtype == g.edge_attr.dtype == np.int64
        assert g.edge_index.shape == (2, g.edge_attr.shape[0])
        assert g.edge_index.min() >= 0 and g.edge_index.max() < g.num_nodes
        assert g.x.min() >= 0 and g.x.max() <= 6
        assert g.edge_attr.min() >= 0 and g.edge_attr.max() <= 3
        assert isinstance(g.y, int)


def test_mutag_matches_pytorch_geometric(tmp_path):
    pytest.importorskip("torch_geometric")
    from torch_geometric.datasets import TUDataset

    raw = tmp_path / "MUTAG" / "raw"
    raw.mkdir(parents=True)
    for f in data.get_dataset("mutag").files:
        shutil.copy(data.fetch("mutag", f.name), raw / f.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = TUDataset(str(tmp_path), "MUTAG")
    ours = data.mutag_to_pyg(data.load_mutag())
    assert len(ref) == len(ours) == 188
    for a, b in zip(ref, ours, strict=True):
        assert b.x.shape[1] == 7 and b.edge_attr.shape[1] == 4 and tuple(b.y.shape) == (1,)
        assert np.array_equal(a.x.numpy(), b.x.numpy())
        assert int(a.y) == int(b.y)

        def edges(d):
            labels = d.edge_attr.argmax(1).tolist()
            return sorted(zip(*d.edge_index.tolist(), labels, strict=True))

        assert edges(a) == edges(b)


def test_karate_club():
    g = data.load_karate_club()
    assert g.number_of_nodes() == 34 and g.number_of_edges() == 78
    clubs = {g.nodes[v]["club"] for v in g}
    assert clubs == {"Mr. Hi", "Officer"}
    for v in g:
        assert g.nodes[v]["label"] == (0 if g.nodes[v]["club"] == "Mr. Hi" else 1)
    assert g.nodes[0]["label"] == 0 and g.nodes[33]["label"] == 1


# --- tabular ---------------------------------------------------------------------------------


def test_diabetes():
    x, y = data.load_diabetes()
    assert x.shape == (442, 10) and y.shape == (442,)
    assert x.dtype == y.dtype == np.float32
    assert np.allclose(x.mean(axis=0), 0, atol=1e-6)
    assert np.allclose(np.linalg.norm(x, axis=0), 1, atol=1e-5)
    raw, _ = data.load_diabetes(scaled=False)
    assert raw[0, 0] == 59 and y.min() >= 25 and y.max() <= 346


def test_sample_images_match_scikit_learn():
    from sklearn.datasets import load_sample_images

    images = data.load_sample_images()
    theirs = load_sample_images()
    for name, array in images.items():
        assert array.shape == (427, 640, 3) and array.dtype == np.uint8
        index = [f.rsplit("/", 1)[-1] for f in theirs.filenames].index(f"{name}.jpg")
        np.testing.assert_array_equal(array, theirs.images[index])


# --- text ------------------------------------------------------------------------------------


def test_tiny_shakespeare():
    train, val = data.load_tiny_shakespeare()
    assert (len(train), len(val)) == (1003854, 111540)
    assert train.startswith("First Citizen:")
    assert len(set(train + val)) == 65


def test_multi30k():
    pairs = data.load_multi30k()
    assert {k: len(v) for k, v in pairs.items()} == {"train": 29000, "val": 1014, "test": 1000}
    de, en = pairs["train"][0]
    assert de.startswith("Zwei junge weiße Männer") and en.startswith("Two young, White males")
    assert all(d and e and "\n" not in d + e for d, e in pairs["test"])


def test_dates_are_deterministic_and_valid():
    a = data.make_dates(500, seed=3)
    assert a == data.make_dates(500, seed=3)
    assert a != data.make_dates(500, seed=4)
    langs = data.DATE_LANGUAGES
    for human, iso in a + data.make_dates(300, seed=5, style="long"):
        day = dt.date.fromisoformat(iso)
        assert 1950 <= day.year <= 2049
        renderings = {
            format_date(day, f, lang)
            for f in data.DATE_FORMATS + LONG_DATE_FORMATS
            for lang in langs
        }
        assert human in renderings


def test_dates_hand_checked():
    day = dt.date(2002, 3, 3)  # a Sunday
    assert format_date(day, "ordinal") == "the 3rd of March 2002"
    assert format_date(day, "numeric_us") == "03/03/02"
    assert format_date(day, "abbreviated") == "mar 3 2002"
    assert format_date(day, "full") == "Sunday, March 3, 2002"
    assert format_date(day, "verbose") == "on the third day of March in the year 2002"
    assert format_date(day, "full", "de") == "Sonntag, 3. März 2002"
    assert format_date(dt.date(1999, 12, 1), "full", "fr") == "mercredi 1er décembre 1999"
    assert format_date(dt.date(1987, 7, 21), "medium", "es") == "21 de julio de 1987"
    assert format_date(dt.date(2011, 11, 12), "ordinal") == "the 12th of November 2011"
    assert format_date(dt.date(2049, 12, 31), "numeric_eu") == "31.12.2049"


def test_dates_long_style_is_longer_and_options_work():
    short = data.make_dates(200, seed=0)
    long = data.make_dates(200, seed=0, style="long")
    assert np.mean([len(h) for h, _ in long]) > 2 * np.mean([len(h) for h, _ in short])
    only = data.make_dates(50, seed=1, formats=["numeric_eu"], languages=["en"])
    assert all(h.count(".") == 2 for h, _ in only)
    assert {"en", "de", "fr", "es"} <= set(data.DATE_LANGUAGES)
    with pytest.raises(ValueError):
        data.make_dates(3, formats=["nope"])
