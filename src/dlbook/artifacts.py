r"""Trained weights that several pages share, made once and kept in the data cache.

Some models are needed by more than one page: the classifier that judges every generator of
Part VI, the encoder that the BERT page pre-trains and later pages adapt, the source network of
transfer learning. Each page must still run alone, top to bottom, in a fresh kernel (and on
Colab), so each page *can* train the model itself; but when a build runs pages side by side, or
one after another, the model should be trained once.

:func:`cached_file` is the one primitive: it names a file in the cache by the artifact's name
and a key (a hash of everything that made it: the configuration the caller passes, the source
code of the ``dlbook`` package, the framework's version), and produces it under a file lock
only when it is missing. A second page that asks for the same artifact while the first is
training waits on the lock and then reads the file, so a parallel build never trains the same
model twice at once. :func:`cached_torch_module` and :func:`cached_keras_weights` wrap it for
the two frameworks.

After the artifact is built *or* loaded, the global random state (Python, NumPy and the
frameworks) is re-seeded with ``seed``, so the rest of a page draws the same random numbers
whichever of the two happened: a page's results cannot depend on whether another page trained
the model first.

The cache lives in :func:`dlbook.data.fetch.cache_dir` under ``artifacts/``; delete that folder
to force retraining. Set ``DLBOOK_ARTIFACTS=off`` to always train (the cache is then neither read
nor written).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "artifact_key",
    "artifacts_dir",
    "cached_file",
    "cached_keras_weights",
    "cached_torch_module",
    "package_source_hash",
]

_PACKAGE_ROOT = Path(__file__).resolve().parent


def artifacts_dir() -> Path:
    """Where shared artifacts are kept: ``<data cache>/artifacts``."""
    from dlbook.data.fetch import cache_dir

    return cache_dir() / "artifacts"


def package_source_hash() -> str:
    """A hash of every ``.py`` file of the installed ``dlbook`` package (names and bytes).

    Any change to the package's code changes it, so an artifact made by older code is never
    served to newer code. (Coarser than needed, and therefore safe.)
    """
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_ROOT.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE_ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def artifact_key(name: str, config: Mapping[str, Any]) -> str:
    """The 16-hex-digit key of artifact ``name`` made with ``config`` by this package's code.

    ``config`` must be JSON-serialisable (numbers, strings, lists, dicts): it should hold every
    setting that changes the result (sizes, epochs, seeds, the datasets used).
    """
    _check_name(name)
    try:
        text = json.dumps(dict(config), sort_keys=True, separators=(",", ":"))
    except TypeError as exc:
        raise TypeError(
            f"the config of artifact {name!r} must be JSON-serialisable (numbers, strings, lists, "
            f"dicts): {exc}. Convert other values (tuples are fine, numpy scalars are not) first."
        ) from None
    digest = hashlib.sha256(f"{name}\0{text}\0{package_source_hash()}".encode())
    return digest.hexdigest()[:16]


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(
            f"artifact name must be a non-empty string of letters, digits, '-' and '_', "
            f"got {name!r}"
        )


def _enabled() -> bool:
    return os.environ.get("DLBOOK_ARTIFACTS", "on").lower() not in {"off", "0", "false", "no"}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (a no-op where ``fcntl`` does not exist)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _reseed(seed: int | None) -> None:
    if seed is None:
        return
    from dlbook.env import FRAMEWORKS, seed_everything

    # Seed only the frameworks this kernel has already imported: never import one here.
    seed_everything(seed, [name for name in FRAMEWORKS if name in sys.modules])


def cached_file(
    name: str,
    config: Mapping[str, Any],
    produce: Callable[[Path], None],
    *,
    suffix: str = "",
    seed: int | None = 0,
) -> tuple[Path, bool]:
    """The path of artifact ``name`` made with ``config``; ``produce(path)`` makes it if missing.

    Parameters
    ----------
    name:
        A short name (letters, digits, ``-``, ``_``), e.g. ``"mnist-judge"``.
    config:
        Every setting that changes the artifact (JSON-serialisable); part of the key.
    produce:
        Called with a temporary path to write the artifact to; the file is moved into place
        only when ``produce`` returns, so an interrupted run leaves nothing half-written.
    suffix:
        File-name suffix, such as ``".pt"`` or ``".weights.h5"`` (some savers insist on one).
    seed:
        Re-seed the frameworks already imported with this seed afterwards (``None``: don't).

    Returns
    -------
    (path, built):
        Where the artifact is, and whether this call made it. With ``DLBOOK_ARTIFACTS=off`` the
        artifact is made in a fresh temporary folder every time and ``built`` is True.
    """
    key = artifact_key(name, config)
    if not _enabled():
        folder = Path(tempfile.mkdtemp(prefix=f"dlbook-{name}-"))
        path = folder / f"{name}-{key}{suffix}"
        produce(path)
        _reseed(seed)
        return path, True
    folder = artifacts_dir()
    final = folder / f"{name}-{key}{suffix}"
    built = False
    with _locked(folder / f".{name}-{key}.lock"):
        if not final.exists():
            tmp = folder / f".{name}-{key}.part{suffix}"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            try:
                produce(tmp)
                if not tmp.exists():
                    raise RuntimeError(
                        f"producing artifact {name!r} wrote nothing to {tmp}: the produce "
                        "function must save the artifact to the path it is given"
                    )
                os.replace(tmp, final)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            built = True
    _reseed(seed)
    return final, built


def cached_torch_module(
    name: str,
    config: Mapping[str, Any],
    module,
    train: Callable[[Any], None],
    *,
    seed: int | None = 0,
) -> bool:
    """Give ``module`` the weights that ``train(module)`` produces, training only if not cached.

    ``module`` must be freshly built from ``config`` (the same architecture every time). When the
    artifact exists its ``state_dict`` is loaded into ``module``; otherwise ``train(module)``
    trains it in place and its ``state_dict`` is saved. Returns whether training ran.
    The module is left in evaluation mode either way.
    """
    import torch

    def produce(path: Path) -> None:
        train(module)
        torch.save({k: v.detach().cpu() for k, v in module.state_dict().items()}, path)

    path, built = cached_file(
        name, {**config, "_torch": torch.__version__}, produce, suffix=".pt", seed=None
    )
    if not built:
        device = next(iter(module.parameters()), torch.empty(0)).device
        state = torch.load(path, map_location=device, weights_only=True)
        module.load_state_dict(state)
    module.eval()
    _reseed(seed)
    return built


def cached_keras_weights(
    name: str,
    config: Mapping[str, Any],
    model,
    train: Callable[[Any], None],
    *,
    seed: int | None = 0,
) -> bool:
    """The Keras counterpart of :func:`cached_torch_module`: ``model`` must be built (its
    weights created) from ``config``; its weights are loaded from the cache or made by
    ``train(model)`` and saved. Returns whether training ran."""
    import keras

    def produce(path: Path) -> None:
        train(model)
        model.save_weights(path)

    path, built = cached_file(
        name,
        {**config, "_keras": keras.__version__, "_backend": keras.backend.backend()},
        produce,
        suffix=".weights.h5",
        seed=None,
    )
    if not built:
        model.load_weights(path)
    _reseed(seed)
    return built
