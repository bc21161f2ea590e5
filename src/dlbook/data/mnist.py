"""MNIST and Fashion-MNIST from their gzip-compressed IDX files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from dlbook.data.errors import DataError
from dlbook.data.fetch import fetch_many

#: Fashion-MNIST class names, indexed by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# IDX type codes (third byte of the magic number) that these datasets use.
_IDX_DTYPES = {0x08: np.uint8}


def read_idx(path: str | Path) -> np.ndarray:
    """Read a (gzip-compressed) IDX file into a NumPy array.

    The header is a magic number ``0x0000TTDD`` (``TT`` the element type, ``DD`` the number of
    dimensions) followed by one big-endian ``uint32`` per dimension.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of the shape stated in the header.
    """
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{path.name} is not an IDX file (bad magic number)")
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        raise DataError(f"{path.name}: unsupported IDX element type 0x{type_code:02x}")
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", data[4:header])
    array = np.frombuffer(data, dtype=_IDX_DTYPES[type_code], offset=header)
    if array.size != int(np.prod(shape)):
        raise DataError(f"{path.name}: header says {shape} but holds {array.size} values")
    return array.reshape(shape).copy()


def _load_idx_dataset(name: str):
    paths = fetch_many(name, _IDX_FILES)
    x_train, y_train, x_test, y_test = (read_idx(paths[f]) for f in _IDX_FILES)
    return (x_train, y_train), (x_test, y_test)


def load_mnist():
    """The MNIST handwritten digits with the canonical 60,000 / 10,000 split.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_train``: ``uint8`` array of shape (60000, 28, 28), pixel values 0..255;
        ``y_train``: ``uint8`` array of shape (60000,), digits 0..9;
        ``x_test``: ``uint8`` (10000, 28, 28); ``y_test``: ``uint8`` (10000,).

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    return _load_idx_dataset("mnist")


def load_fashion_mnist():
    """Fashion-MNIST (Zalando article images) with the canonical 60,000 / 10,000 split.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Same shapes and dtypes as :func:`load_mnist`: ``uint8`` images (60000, 28, 28) and
        (10000, 28, 28), ``uint8`` labels 0..9 naming :data:`FASHION_MNIST_CLASSES`.
    """
    return _load_idx_dataset("fashion-mnist")
