"""The restricted unpickler used for the Planetoid pickles."""

from __future__ import annotations

import collections
import os
import pickle
import pickletools
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from dlbook.data import RestrictedUnpickler, UnsafePickleError, restricted_loads
from dlbook.data.errors import DataError

REPO = Path(__file__).resolve().parents[1]
MIRROR = os.environ.get("DLBOOK_DATA_MIRROR") or str(REPO.parent / "shared" / "data")


def test_refuses_os_system_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    # A protocol-0 pickle that calls os.system("touch <marker>") when loaded.
    payload = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    with pytest.raises(UnsafePickleError) as info:
        restricted_loads(payload, source="evil.pkl")
    message = str(info.value)
    assert "os.system" in message and "evil.pkl" in message and "not executed" in message
    assert not marker.exists()
    # It is also a DataError and a pickle.UnpicklingError, so generic handlers catch it.
    assert isinstance(info.value, DataError)
    assert isinstance(info.value, pickle.UnpicklingError)


class _Sneaky:
    def __reduce__(self):
        return (eval, ("1 + 1",))


@pytest.mark.parametrize(
    "obj",
    [_Sneaky(), {1, 2}, __import__("builtins").print, collections.OrderedDict()],
)
def test_refuses_other_globals(obj):
    with pytest.raises(UnsafePickleError):
        restricted_loads(pickle.dumps(obj, protocol=2))


def test_allows_plain_data():
    arr = np.arange(12, dtype=np.int32).reshape(3, 4)
    mat = sp.csr_matrix(np.eye(3, dtype=np.float32))
    adj = collections.defaultdict(list, {0: [1, 2], 1: [0]})
    out = restricted_loads(pickle.dumps((arr, mat, adj), protocol=4))
    assert np.array_equal(out[0], arr) and out[0].dtype == np.int32
    assert (out[1] != mat).nnz == 0
    assert out[2] == adj and out[2].default_factory is list


@pytest.mark.skipif(not Path(MIRROR, "planetoid").is_dir(), reason="no dataset mirror")
def test_reads_every_planetoid_pickle_with_latin1():
    for path in sorted(Path(MIRROR, "planetoid").glob("ind.*")):
        if path.name.endswith("test.index"):
            continue
        globals_seen = {
            arg for op, arg, _ in pickletools.genops(path.read_bytes()) if op.name == "GLOBAL"
        }
        assert globals_seen  # the files do reference globals, and all are allowed
        with open(path, "rb") as f:
            obj = RestrictedUnpickler(f, source=path.name, encoding="latin1").load()
        assert isinstance(obj, np.ndarray | sp.spmatrix | sp.sparray | dict)
