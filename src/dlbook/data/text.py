"""Text corpora: Tiny Shakespeare (characters) and Multi30k (German-English sentence pairs)."""

from __future__ import annotations

import gzip

from dlbook.data.errors import DataError
from dlbook.data.fetch import fetch, fetch_many

_MULTI30K_SPLITS = {"train": "train", "val": "val", "test": "test_2016_flickr"}
_MULTI30K_SIZES = {"train": 29000, "val": 1014, "test": 1000}


def load_tiny_shakespeare(val_fraction: float = 0.1) -> tuple[str, str]:
    """Tiny Shakespeare: about 1.1 million characters of plays, split by position.

    Parameters
    ----------
    val_fraction : float, default 0.1
        The share of characters, taken from the end, used for validation.

    Returns
    -------
    train_text, val_text : str
        The first 90% and the last 10% of the text (1,003,854 and 111,540 characters with the
        default fraction). The text is ASCII; ``train_text + val_text`` is the whole file.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError("val_fraction must be between 0 and 1")
    text = fetch("tinyshakespeare", "input.txt").read_text(encoding="utf-8")
    cut = int(len(text) * (1.0 - val_fraction))
    return text[:cut], text[cut:]


def _lines(path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def load_multi30k() -> dict[str, list[tuple[str, str]]]:
    """Multi30k task 1: image captions in German with their English translations.

    Returns
    -------
    dict
        ``{"train": [...], "val": [...], "test": [...]}``, each a list of ``(de, en)`` string
        pairs: 29,000 / 1,014 / 1,000 pairs (the test split is ``test_2016_flickr``). The
        sentences are raw (not tokenised or lower-cased), without trailing newlines.
    """
    names = [f"{stem}.{lang}.gz" for stem in _MULTI30K_SPLITS.values() for lang in ("de", "en")]
    paths = fetch_many("multi30k", names)
    out: dict[str, list[tuple[str, str]]] = {}
    for split, stem in _MULTI30K_SPLITS.items():
        de = _lines(paths[f"{stem}.de.gz"])
        en = _lines(paths[f"{stem}.en.gz"])
        if len(de) != len(en) or len(de) != _MULTI30K_SIZES[split]:
            raise DataError(
                f"multi30k {split}: {len(de)} German and {len(en)} English lines, "
                f"expected {_MULTI30K_SIZES[split]} of each"
            )
        out[split] = list(zip(de, en, strict=True))
    return out
