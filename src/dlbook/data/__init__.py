"""Datasets for the book: a checksummed registry, a cache, and loaders that return arrays.

Every loader returns ready-to-use NumPy arrays, pandas data frames or small dataclasses with
the dataset's canonical split. Files are looked up in the cache (``DLBOOK_DATA_DIR``), then a
mirror folder (``DLBOOK_DATA_MIRROR``), then downloaded; every file is checked against the
SHA-256 recorded in the catalogue (:mod:`dlbook.data.catalogue`, registered through
:mod:`dlbook.data.registry`) before it is used.

Importing this package is cheap: pandas, torch and networkx are imported inside the loaders
that need them.

>>> from dlbook.data import load_mnist, list_datasets
>>> (x_train, y_train), (x_test, y_test) = load_mnist()  # doctest: +SKIP
"""

from dlbook.data import catalogue  # noqa: F401 (registers the book's datasets)
from dlbook.data._unpickle import RestrictedUnpickler, restricted_load, restricted_loads
from dlbook.data.bundled import (
    DIABETES_FEATURES,
    KARATE_CLUBS,
    load_diabetes,
    load_karate_club,
    load_sample_images,
)
from dlbook.data.dates import DATE_FORMATS, DATE_LANGUAGES, make_dates
from dlbook.data.errors import (
    ChecksumError,
    DataError,
    DataUnavailableError,
    UnknownDatasetError,
    UnsafePickleError,
)
from dlbook.data.fetch import (
    DataWarning,
    cache_dir,
    cache_path,
    fetch,
    fetch_many,
    mirror_dir,
    sha256_file,
)
from dlbook.data.mnist import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist
from dlbook.data.movielens import MovieLens, load_movielens_100k
from dlbook.data.nycflights import load_nyc_flights, load_nyc_weather
from dlbook.data.planetoid import PlanetoidGraph, load_planetoid
from dlbook.data.registry import (
    DataFile,
    Dataset,
    Package,
    dataset_info,
    get_dataset,
    list_datasets,
    register,
    registered,
    registry_markdown,
    unregister,
)
from dlbook.data.reviews import load_movie_reviews
from dlbook.data.text import load_multi30k, load_tiny_shakespeare
from dlbook.data.tu import MUTAG_ATOMS, MUTAG_BONDS, TUGraph, load_mutag, mutag_to_pyg

__all__ = [
    "DATE_FORMATS",
    "DATE_LANGUAGES",
    "DIABETES_FEATURES",
    "FASHION_MNIST_CLASSES",
    "KARATE_CLUBS",
    "MUTAG_ATOMS",
    "MUTAG_BONDS",
    "ChecksumError",
    "DataError",
    "DataFile",
    "DataUnavailableError",
    "DataWarning",
    "Dataset",
    "MovieLens",
    "Package",
    "PlanetoidGraph",
    "RestrictedUnpickler",
    "TUGraph",
    "UnknownDatasetError",
    "UnsafePickleError",
    "cache_dir",
    "cache_path",
    "dataset_info",
    "fetch",
    "fetch_many",
    "get_dataset",
    "list_datasets",
    "load_diabetes",
    "load_fashion_mnist",
    "load_karate_club",
    "load_mnist",
    "load_movie_reviews",
    "load_movielens_100k",
    "load_multi30k",
    "load_mutag",
    "load_nyc_flights",
    "load_nyc_weather",
    "load_planetoid",
    "load_sample_images",
    "load_tiny_shakespeare",
    "make_dates",
    "mirror_dir",
    "mutag_to_pyg",
    "register",
    "registered",
    "registry_markdown",
    "restricted_load",
    "restricted_loads",
    "sha256_file",
    "unregister",
]
