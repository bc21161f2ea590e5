"""A pickle reader that can only rebuild plain data.

A pickle is a small program: loading one with :func:`pickle.load` may call any importable
function, ``os.system`` included. The Planetoid files are pickles written by Python 2, so the
book reads them with :class:`RestrictedUnpickler`, which resolves only the handful of globals
those files actually reference (found by tracing ``find_class`` over all sixteen files):

========================================  ===============================
global in the pickle                      what it becomes
========================================  ===============================
``numpy.core.multiarray._reconstruct``    NumPy's array reconstructor
``numpy.ndarray``, ``numpy.dtype``        the NumPy types
``scipy.sparse.csr.csr_matrix``           :class:`scipy.sparse.csr_matrix`
``collections.defaultdict``               :class:`collections.defaultdict`
``__builtin__.list``                      :class:`list`
========================================  ===============================

Anything else raises :class:`~dlbook.data.errors.UnsafePickleError` before it is imported.
"""

from __future__ import annotations

import collections
import io
import pickle
from collections.abc import Callable
from typing import Any

from dlbook.data.errors import UnsafePickleError


def _numpy_reconstruct() -> Any:
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # NumPy < 2
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _ndarray() -> Any:
    import numpy as np

    return np.ndarray


def _dtype() -> Any:
    import numpy as np

    return np.dtype


def _csr_matrix() -> Any:
    from scipy.sparse import csr_matrix

    return csr_matrix


#: The globals a pickle may name, and how to obtain each one. Keys are ``(module, name)`` as
#: written in the pickle (Python 2 and Python 3 spellings).
ALLOWED_GLOBALS: dict[tuple[str, str], Callable[[], Any]] = {
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy", "ndarray"): _ndarray,
    ("numpy", "dtype"): _dtype,
    ("scipy.sparse.csr", "csr_matrix"): _csr_matrix,
    ("scipy.sparse._csr", "csr_matrix"): _csr_matrix,
    ("scipy.sparse", "csr_matrix"): _csr_matrix,
    ("collections", "defaultdict"): lambda: collections.defaultdict,
    ("__builtin__", "list"): lambda: list,
    ("builtins", "list"): lambda: list,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An :class:`pickle.Unpickler` whose ``find_class`` only allows :data:`ALLOWED_GLOBALS`.

    Parameters
    ----------
    file : binary file
        The pickle stream.
    source : str
        A name for the stream, used in error messages.
    **kwargs
        Passed to :class:`pickle.Unpickler` (e.g. ``encoding="latin1"`` for Python 2 pickles).
    """

    def __init__(self, file, *, source: str = "<pickle>", **kwargs) -> None:
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        resolver = ALLOWED_GLOBALS.get((module, name))
        if resolver is None:
            allowed = ", ".join(sorted(f"{m}.{n}" for m, n in ALLOWED_GLOBALS))
            raise UnsafePickleError(
                f"Refusing to load {self.source}: the pickle asks for the global "
                f"{module}.{name}, which is not on the allow-list of plain data types "
                f"({allowed}). The file may be corrupt or malicious; it was not executed."
            )
        return resolver()

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(f"Refusing to load {self.source}: it uses persistent ids.")


def restricted_load(file, *, source: str = "<pickle>", encoding: str = "latin1") -> Any:
    """Read one object from a binary file with :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(file, source=source, encoding=encoding).load()


def restricted_loads(data: bytes, *, source: str = "<pickle>", encoding: str = "latin1") -> Any:
    """Read one object from bytes with :class:`RestrictedUnpickler`."""
    return restricted_load(io.BytesIO(data), source=source, encoding=encoding)
