"""Pages run side by side before the read; myst-nb then finds them all in the cache.

No assertion here depends on how fast the machine is: that two pages ran at the same time is
shown by a rendezvous (each of the first two pages waits until the other has started, which a
one-at-a-time run could never satisfy), and the order of a rebuild is checked against the
execution times that the cache itself recorded.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from conftest import NOTEBOOK_HEADER

pytestmark = pytest.mark.slow

#: How long a page of the rendezvous waits for its partner before giving up (seconds).
PATIENCE = 300


def page(name: str, log: Path, body: str = "pass") -> str:
    """A page that runs ``body``, then logs its name and its kernel's thread setting."""
    code = "\n".join(
        [
            "import json, os, pathlib, time",
            body,
            'threads = os.environ.get("OMP_NUM_THREADS")',
            f"with open({str(log)!r}, 'a') as f:",
            f"    f.write(json.dumps([{name!r}, threads]) + '\\n')",
        ]
    )
    return NOTEBOOK_HEADER + f"# {name}\n\n```{{code-cell}} ipython3\n{code}\n```\n"


def rendezvous(me: str, partner: str, folder: Path) -> str:
    """Code that announces that ``me`` has started, then waits until ``partner`` has too."""
    return textwrap.dedent(
        f"""\
        started = pathlib.Path({str(folder)!r})
        (started / {me!r}).touch()
        deadline = time.monotonic() + {PATIENCE}
        while not (started / {partner!r}).exists():
            assert time.monotonic() < deadline, "{partner} never started beside {me}"
            time.sleep(0.05)"""
    )


def make_book(tiny_book, jobs: int, bodies: dict[str, str]) -> Path:
    log = tiny_book.root / "runs.log"
    pages = {name: page(name, log, bodies.get(name, "pass")) for name in ("p1", "p2", "p3")}
    config = {"dlbook_execution_jobs": jobs, "nb_execution_raise_on_error": True}
    tiny_book.write(pages, extensions=["parallel_execute"], config=config)
    return log


def build(tiny_book):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_THREADS")}
    return tiny_book.build(env=env, timeout=900)


def test_pages_overlap_and_the_read_uses_the_cache(tiny_book):
    started = tiny_book.root / "started"
    started.mkdir()
    log = make_book(
        tiny_book,
        jobs=2,
        bodies={
            "p1": rendezvous("p1", "p2", started),
            "p2": rendezvous("p2", "p1", started),
        },
    )
    result = build(tiny_book)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r[0] for r in runs) == ["p1", "p2", "p3"], "each page ran exactly once"
    share = max(1, (os.cpu_count() or 1) // 2)
    side_by_side = {r[1] for r in runs if r[0] in ("p1", "p2")}
    assert side_by_side == {str(share)}, "kernels side by side share the cores"
    assert f"[parallel] executing 3 pages, 2 at a time, {share} thread(s) each" in out
    assert out.count("Using cached notebook") == 3


def test_a_failing_page_is_still_reported_by_the_read(tiny_book):
    make_book(tiny_book, jobs=2, bodies={"p3": "raise RuntimeError('broken page')"})
    result = build(tiny_book)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "p3 failed; it will run again while read" in out
    assert "broken page" in out, "myst-nb re-runs it and shows the traceback"


def test_pages_the_cache_saw_take_long_start_first(tiny_book):
    from jupyter_cache import get_cache

    from parallel_execute import previous_seconds

    make_book(tiny_book, jobs=2, bodies={"p3": "time.sleep(3)"})
    first = build(tiny_book)
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    assert "[parallel] order: p1, p2, p3" in first.stdout + first.stderr, (
        "no history yet: name order"
    )
    cache = get_cache(tiny_book.root / "_build" / ".jupyter_cache")
    seconds = previous_seconds(cache)
    assert len(seconds) == 3, "the cache recorded how long each page took"
    by_time = sorted(
        ("p1", "p2", "p3"), key=lambda name: -seconds[(tiny_book.root / f"{name}.md").resolve()]
    )
    for name in ("p1", "p2", "p3"):  # a code edit: every page must run again
        path = tiny_book.root / f"{name}.md"
        path.write_text(path.read_text().replace("time\n", "time  # edited\n", 1))
    second = build(tiny_book)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert f"[parallel] order: {', '.join(by_time)}" in second.stdout + second.stderr, (
        "the page that took longest starts first"
    )


def test_each_page_s_peak_memory_is_recorded_with_its_cache_entry(tiny_book):
    from jupyter_cache import get_cache

    # p1 holds 400 MiB at once (bytearray pages are touched, so they are resident)
    make_book(tiny_book, jobs=2, bodies={"p1": "block = bytearray(400 * 2**20)"})
    result = build(tiny_book)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    cache = get_cache(tiny_book.root / "_build" / ".jupyter_cache")
    peaks = {
        Path(record.uri).stem: record.data["peak_mib"] for record in cache.list_cache_records()
    }
    assert set(peaks) == {"p1", "p2", "p3"}
    assert peaks["p1"] >= 400, "the 400 MiB block is in p1's peak"
    assert peaks["p2"] < peaks["p1"] - 300 and peaks["p3"] < peaks["p1"] - 300
    assert "p1 executed in" in out and f"peak {peaks['p1']:.0f} MiB" in out
