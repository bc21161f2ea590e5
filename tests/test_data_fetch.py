"""The fetch machinery of dlbook.data: cache, mirror, download, verification, errors.

Downloads are exercised for real against an HTTP server on 127.0.0.1 serving good, wrong,
truncated, stalled and missing files; a test-only registry record points at it.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

import dlbook.data as data
from dlbook.data import (
    ChecksumError,
    DataFile,
    Dataset,
    DataUnavailableError,
    DataWarning,
    UnknownDatasetError,
)

REPO = Path(__file__).resolve().parents[1]


def _default_mirror() -> str | None:
    if os.environ.get("DLBOOK_DATA_MIRROR"):
        return os.environ["DLBOOK_DATA_MIRROR"]
    candidate = REPO.parent / "shared" / "data"
    return str(candidate) if candidate.is_dir() else None


MIRROR = _default_mirror()
needs_mirror = pytest.mark.skipif(MIRROR is None, reason="no dataset mirror (DLBOOK_DATA_MIRROR)")

GOOD = bytes(range(256)) * 64  # 16 KiB
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()
GOOD_SIZE = len(GOOD)
WRONG = GOOD[:-1] + b"\x00"  # same length, last byte changed
MEMBER = b"a member of an archive\n" * 10
MEMBER_SHA = hashlib.sha256(MEMBER).hexdigest()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner/member.txt", MEMBER)
        zf.writestr("inner/other.txt", b"unrelated")
    return buf.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    stall = threading.Event()

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        routes = {
            "/good.bin": GOOD,
            "/wrong.bin": WRONG,
            "/archive.zip": _zip_bytes(),
        }
        if self.path in routes:
            body = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/truncated.bin":
            # Promise the whole file, send half, close the connection.
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif self.path == "/stall.bin":
            # Send a little, then go quiet until the client gives up.
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[:1000])
            self.wfile.flush()
            self.stall.wait(10)
        else:
            self.send_error(404, "Not Found")


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    yield f"http://{host}:{port}"
    _Handler.stall.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("DLBOOK_DATA_DIR", str(root))
    monkeypatch.delenv("DLBOOK_DATA_MIRROR", raising=False)
    monkeypatch.setenv("DLBOOK_DATA_TIMEOUT", "2")
    return root


@pytest.fixture
def testset(server):
    def f(name, sha=GOOD_SHA, size=GOOD_SIZE, **kw):
        return DataFile(name=name, sha256=sha, size=size, urls=(f"{server}/{name}",), **kw)

    record = Dataset(
        name="dlbook-test",
        title="Test-only dataset",
        kind="download",
        license="none",
        citation="none",
        homepage="",
        obtained="served by the test",
        loader="-",
        files=(
            f("good.bin"),
            f("wrong.bin"),
            f("truncated.bin"),
            f("stall.bin"),
            f("missing.bin"),
            f("missing2.bin"),
            DataFile(
                name="member.txt",
                sha256=MEMBER_SHA,
                size=len(MEMBER),
                urls=(f"{server}/archive.zip",),
                archive_member="inner/member.txt",
            ),
        ),
    )
    with data.registered(record):
        yield record


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- downloads -------------------------------------------------------------------------------


def test_good_download_lands_in_cache_verified(cache, testset):
    path = data.fetch("dlbook-test", "good.bin", progress=False)
    assert path == cache / "dlbook-test" / "good.bin"
    assert path.read_bytes() == GOOD
    assert _files_in(cache / "dlbook-test") == ["good.bin"]  # no temporary file left
    # Second call: served from the cache, no network needed.
    assert data.fetch("dlbook-test", "good.bin", sources=["cache"]) == path


@pytest.mark.parametrize("name", ["wrong.bin", "truncated.bin"])
def test_bad_download_raises_checksum_error_and_leaves_nothing(cache, testset, server, name):
    with pytest.raises(ChecksumError) as info:
        data.fetch("dlbook-test", name, progress=False)
    err = info.value
    assert (err.dataset, err.filename, err.source) == ("dlbook-test", name, "url")
    assert err.expected == GOOD_SHA
    assert err.actual != GOOD_SHA and len(err.actual) == 64
    message = str(err)
    for part in (name, GOOD_SHA, err.actual, f"{server}/{name}", "url", "To recover"):
        assert part in message
    if name == "truncated.bin":
        assert "8192" in message or "closed" in message  # says it was cut short
    assert not (cache / "dlbook-test").exists()  # no file, partial or otherwise


def test_stalled_download_leaves_no_partial_file(cache, testset):
    with pytest.raises(DataUnavailableError):
        data.fetch("dlbook-test", "stall.bin", progress=False)
    assert not (cache / "dlbook-test").exists()


def test_missing_file_without_mirror_gives_one_clear_message(cache, testset, server):
    with pytest.raises(DataUnavailableError) as info:
        data.fetch_many("dlbook-test", ["missing.bin", "missing2.bin"])
    message = str(info.value)
    assert f"{server}/missing.bin" in message
    assert f"{server}/missing2.bin" in message
    assert "DLBOOK_DATA_MIRROR" in message
    assert "404" in message
    assert _files_in(cache) == []


def test_archive_member_download(cache, testset):
    path = data.fetch("dlbook-test", "member.txt", progress=False)
    assert path.read_bytes() == MEMBER
    assert path.parent == cache / "dlbook-test"


def test_quarantined_cache_file_is_replaced_by_download(cache, testset):
    target = cache / "dlbook-test" / "good.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not the right bytes")
    with pytest.warns(DataWarning, match="Checksum mismatch"):
        path = data.fetch("dlbook-test", "good.bin", progress=False)
    assert path.read_bytes() == GOOD
    quarantined = list((cache / "quarantine" / "dlbook-test").iterdir())
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == b"not the right bytes"


# --- mirror and cache ------------------------------------------------------------------------

SMALL = ("mutag", "MUTAG_graph_labels.txt")


@needs_mirror
def test_mirror_is_used_without_copying(cache, monkeypatch):
    monkeypatch.setenv("DLBOOK_DATA_MIRROR", MIRROR)
    path = data.fetch(*SMALL)
    assert path == Path(MIRROR) / "mutag" / "MUTAG_graph_labels.txt"
    assert not cache.exists() or _files_in(cache) == []


@needs_mirror
def test_corrupted_mirror_file_is_refused_and_left_alone(cache, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "mutag").mkdir(parents=True)
    bad = mirror / "mutag" / "MUTAG_graph_labels.txt"
    shutil.copy(Path(MIRROR) / "mutag" / "MUTAG_graph_labels.txt", bad)
    raw = bytearray(bad.read_bytes())
    raw[10] ^= 0x01  # flip one bit
    bad.write_bytes(bytes(raw))
    bad.chmod(0o444)  # a mirror may be read-only
    monkeypatch.setenv("DLBOOK_DATA_MIRROR", str(mirror))

    with pytest.raises(ChecksumError) as info:
        data.fetch(*SMALL, sources=["cache", "mirror"])
    err = info.value
    assert err.source == "mirror" and err.location == str(bad)
    assert err.expected == data.get_dataset("mutag").file("MUTAG_graph_labels.txt").sha256
    assert err.actual == hashlib.sha256(bytes(raw)).hexdigest()
    assert "MUTAG_graph_labels.txt" in str(err) and "mirror" in str(err)
    assert bad.read_bytes() == bytes(raw)  # untouched
    assert not (cache / "quarantine").exists()


@needs_mirror
def test_corrupted_cache_file_is_quarantined(cache, monkeypatch):
    target = cache / "mutag" / "MUTAG_graph_labels.txt"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"1\n-1\n")

    with pytest.raises(ChecksumError) as info:
        data.fetch(*SMALL, sources=["cache"])
    err = info.value
    assert err.source == "cache" and err.quarantined
    assert not target.exists()
    assert Path(err.quarantined).read_bytes() == b"1\n-1\n"
    assert Path(err.quarantined).parent == cache / "quarantine" / "mutag"
    assert "quarantine" in str(err) and "To recover" in str(err)

    # With a mirror, a second bad copy is quarantined too and the good mirror copy is used.
    target.write_bytes(b"garbage")
    monkeypatch.setenv("DLBOOK_DATA_MIRROR", MIRROR)
    with pytest.warns(DataWarning):
        path = data.fetch(*SMALL)
    assert path == Path(MIRROR) / "mutag" / "MUTAG_graph_labels.txt"
    assert len(list((cache / "quarantine" / "mutag").iterdir())) == 2


def test_no_source_at_all_lists_urls_and_mirror_variable(cache):
    with pytest.raises(DataUnavailableError) as info:
        data.fetch_many("mnist", sources=["cache", "mirror"])
    message = str(info.value)
    assert message.count("https://ossci-datasets.s3.amazonaws.com/mnist/") >= 4
    assert "DLBOOK_DATA_MIRROR" in message and "not set" in message


# --- registry --------------------------------------------------------------------------------


def test_unknown_dataset_lists_known_ones():
    with pytest.raises(UnknownDatasetError) as info:
        data.fetch("mnits", "x")
    assert "mnist" in str(info.value) and "planetoid" in str(info.value)
    with pytest.raises(UnknownDatasetError, match="train-images"):
        data.fetch("mnist", "nope.gz")
    with pytest.raises(UnknownDatasetError, match="cora"):
        data.load_planetoid("pubmed")


def test_registry_records_are_complete():
    names = data.list_datasets()
    for expected in ("mnist", "fashion-mnist", "planetoid", "mutag", "karate", "multi30k"):
        assert expected in names
    for name in names:
        info = data.dataset_info(name)
        assert info["license"] and info["citation"] and info["obtained"]
        for f in info["files"]:
            assert len(f["sha256"]) == 64 and f["size"] > 0
            assert f["urls"] or f["package"] or f["installed"]
    table = data.registry_markdown()
    assert table.count("\n") == len(names) + 2
    assert "MovieLens" in table and "Never redistributed" in table


@needs_mirror
def test_registry_matches_the_mirror_manifest():
    manifest = (Path(MIRROR) / "MANIFEST.tsv").read_text().splitlines()
    header = manifest[0].split("\t")
    for line in manifest[1:]:
        row = dict(zip(header, line.split("\t"), strict=True))
        dataset, filename = row["file"].split("/", 1)
        rec = data.get_dataset(dataset).file(filename)
        assert rec.sha256 == row["sha256"]
        assert rec.size == int(row["bytes"])
        assert row["canonical_url"] in rec.urls


def test_register_rejects_duplicates_and_bad_digests():
    with pytest.raises(ValueError):
        DataFile(name="x", sha256="abc", size=1)
    with pytest.raises(ValueError):
        DataFile(name="../x", sha256="0" * 64, size=1)
    with pytest.raises(ValueError):
        data.register(data.get_dataset("mnist"))


# --- files that an installed dependency ships --------------------------------------------------


def test_installed_file_as_another_release_ships_it_is_accepted(cache, tmp_path, monkeypatch):
    """scikit-learn 1.6 (Colab's) and 1.9 ship the diabetes data as different bytes with the
    same values: both digests are accepted from the installed package, and no other."""
    package = tmp_path / "site" / "fakeshipper"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    def shipped(content: bytes, *, alternates: tuple[str, ...]) -> Path:
        (package / "data" / "values.txt").write_bytes(content)
        record = Dataset(
            name="dlbook-test-installed",
            title="Test-only installed file",
            kind="installed",
            license="none",
            citation="none",
            homepage="",
            obtained="shipped by a fake package",
            loader="-",
            files=(
                DataFile(
                    name="values.txt",
                    sha256=hashlib.sha256(b"4.804\n").hexdigest(),
                    size=6,
                    installed=("fakeshipper", "data/values.txt"),
                    installed_sha256=alternates,
                ),
            ),
        )
        with data.registered(record):
            return data.fetch("dlbook-test-installed", "values.txt", sources=("installed",))

    older = b"4.803999999999999\n"
    assert shipped(b"4.804\n", alternates=()).read_bytes() == b"4.804\n"
    older_digest = hashlib.sha256(older).hexdigest()
    assert shipped(older, alternates=(older_digest,)).read_bytes() == older
    with pytest.raises(ChecksumError):
        shipped(older, alternates=())
    with pytest.raises(ValueError):
        DataFile(name="x", sha256="0" * 64, size=1, installed_sha256=("abc",))
