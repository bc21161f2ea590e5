"""Small datasets that ship with libraries the book already depends on."""

from __future__ import annotations

import gzip

import numpy as np

from dlbook.data.fetch import fetch_many

#: Karate-club faction names, indexed by the ``label`` node attribute.
KARATE_CLUBS = ("Mr. Hi", "Officer")


def load_karate_club():
    """Zachary's karate club as built by networkx.

    Returns
    -------
    networkx.Graph
        34 nodes (``0 .. 33``) and 78 undirected edges. Every node has the attributes ``club``
        (``str``: ``"Mr. Hi"`` or ``"Officer"``, the faction it joined after the split) and
        ``label`` (``int``: 0 for ``"Mr. Hi"``, 1 for ``"Officer"``).
    """
    import networkx as nx

    graph = nx.karate_club_graph()
    for _, attrs in graph.nodes(data=True):
        attrs["label"] = KARATE_CLUBS.index(attrs["club"])
    return graph


def load_diabetes(*, scaled: bool = True):
    """The diabetes regression data (442 patients, 10 baseline variables).

    Read from the files scikit-learn ships, verified by SHA-256.

    Parameters
    ----------
    scaled : bool, default True
        As in scikit-learn: centre each column and divide it by its standard deviation
        times ``sqrt(442)`` (so each column has unit Euclidean norm). ``False`` returns the raw
        measurements (age in years, sex coded 1/2, BMI, ...).

    Returns
    -------
    X : numpy.ndarray
        ``float32`` (442, 10): age, sex, bmi, bp, s1 .. s6.
    y : numpy.ndarray
        ``float32`` (442,): disease progression one year after baseline.
    """
    paths = fetch_many("diabetes")
    with gzip.open(paths["diabetes_data_raw.csv.gz"], "rt") as f:
        x = np.loadtxt(f, dtype=np.float64)
    with gzip.open(paths["diabetes_target.csv.gz"], "rt") as f:
        y = np.loadtxt(f, dtype=np.float64)
    if scaled:
        x = x - x.mean(axis=0)
        x = x / (x.std(axis=0) * np.sqrt(x.shape[0]))
    return x.astype(np.float32), y.astype(np.float32)


#: Column names of :func:`load_diabetes`'s ``X``.
DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def load_sample_images() -> dict[str, np.ndarray]:
    """The two colour photographs that scikit-learn ships, read from its files and verified.

    Returns
    -------
    dict
        ``{"china": array, "flower": array}``, each ``uint8`` of shape (427, 640, 3) (RGB),
        the same pixels as ``sklearn.datasets.load_sample_images()``.
    """
    from PIL import Image

    paths = fetch_many("sample-images")
    images = {}
    for name in ("china", "flower"):
        with Image.open(paths[f"{name}.jpg"]) as image:
            images[name] = np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    return images
