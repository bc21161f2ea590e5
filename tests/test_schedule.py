"""Scheduling of the parallel pre-execution: longest pages first, threads per kernel."""

from __future__ import annotations

import json
import math
import os
import sys
import textwrap
from types import SimpleNamespace

import pytest

from conftest import NOTEBOOK_HEADER, ROOT
from parallel_execute import Scheduler, committed_seconds, threads_for


def test_every_kernel_gets_its_share_while_pages_wait():
    assert threads_for(cores=2, jobs=2, waiting=3, others_remaining=[50.0], expected=100) == 1
    assert threads_for(cores=8, jobs=2, waiting=1, others_remaining=[], expected=10) == 4
    assert threads_for(cores=1, jobs=2, waiting=1, others_remaining=[], expected=10) == 1


def test_the_last_page_takes_every_core_when_the_others_are_about_done():
    assert threads_for(cores=2, jobs=2, waiting=0, others_remaining=[], expected=10) == 2
    assert threads_for(cores=2, jobs=2, waiting=0, others_remaining=[2.0], expected=10) == 2
    assert threads_for(cores=2, jobs=2, waiting=0, others_remaining=[30.0], expected=10) == 1
    assert threads_for(cores=2, jobs=2, waiting=0, others_remaining=[math.inf], expected=10) == 1


def test_scheduler_hands_out_pages_in_order_and_tracks_what_runs():
    now = [0.0]
    pages = [("long", None, None), ("mid", None, None), ("short", None, None)]
    expected = {"long": 100.0, "mid": 40.0, "short": 20.0}
    scheduler = Scheduler(pages, expected, jobs=2, cores=2, clock=lambda: now[0])
    assert scheduler.next() == (pages[0], 1)
    assert scheduler.next() == (pages[1], 1)
    now[0] = 39.0
    scheduler.done("mid")
    # "long" still has ~61 s to go, more than a quarter of "short": keep the share.
    assert scheduler.next() == (pages[2], 1)
    assert scheduler.next() is None


def test_scheduler_gives_the_tail_every_core():
    now = [0.0]
    pages = [("a", None, None), ("b", None, None), ("c", None, None)]
    expected = {"a": 50.0, "b": 10.0, "c": 8.0}
    scheduler = Scheduler(pages, expected, jobs=2, cores=2, clock=lambda: now[0])
    scheduler.next(), scheduler.next()
    now[0] = 49.0  # "b" is done, "a" has about 1 s left: "c" should not run on one core
    scheduler.done("b")
    assert scheduler.next() == (pages[2], 2)


def test_committed_table_is_read(tmp_path):
    (tmp_path / "times.json").write_text(json.dumps({"about": "x", "seconds": {"p": 3}}))
    app = SimpleNamespace(config=SimpleNamespace(dlbook_page_times="times.json"), confdir=tmp_path)
    assert committed_seconds(app) == {"p": 3.0}
    app.config.dlbook_page_times = "missing.json"
    assert committed_seconds(app) == {}


def test_the_book_commits_a_time_for_every_page():
    import yaml

    from conftest import toc_files

    table = json.loads((ROOT / "book" / "_data" / "page_times.json").read_text())["seconds"]
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["dlbook_page_times"] == "book/_data/page_times.json"
    pages = [
        name
        for name in toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))
        if (ROOT / f"{name}.md").read_text().startswith("---")
    ]
    missing = sorted(set(pages) - set(table))
    assert not missing, (
        f"no committed execution time for {missing}: run `python tools/bench_build.py "
        "--write-times` (or add the page's time from tools/run_pages.py) to "
        "book/_data/page_times.json"
    )


PAGE = NOTEBOOK_HEADER + textwrap.dedent(
    """\
    # {name}

    ```{{code-cell}} ipython3
    import os
    with open({log!r}, "a") as f:
        f.write("{name} " + os.environ.get("OMP_NUM_THREADS", "-") + "\\n")
    ```
    """
)


@pytest.mark.slow
def test_a_cold_build_starts_the_longest_committed_page_first(tiny_book):
    log = tiny_book.root / "runs.log"
    pages = {name: PAGE.format(name=name, log=str(log)) for name in ("p1", "p2", "p3")}
    (tiny_book.root / "times.json").write_text(json.dumps({"seconds": {"p1": 1, "p2": 5, "p3": 9}}))
    config = {"dlbook_execution_jobs": 2, "dlbook_page_times": "times.json"}
    tiny_book.write(pages, extensions=["parallel_execute"], config=config)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_THREADS")}
    result = tiny_book.build(env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "[parallel] order: p3, p2, p1" in out
    assert sorted(line.split()[0] for line in log.read_text().splitlines()) == ["p1", "p2", "p3"]


def test_bench_reports_scheduling_efficiency():
    sys.path.insert(0, str(ROOT / "tools"))
    from bench_build import scheduling_efficiency

    log = (
        "[parallel] executing 3 pages, 2 at a time, 1 thread(s) each\n"
        "[parallel] a executed in 60.0 s (1 thread(s))\n"
        "[parallel] 3 pages in 50.0 s\n"
    )
    assert scheduling_efficiency(log, {"a": 60.0, "b": 20.0, "c": 10.0}) == (3, 2, 50.0, 0.9)
    assert scheduling_efficiency("no parallel run", {"a": 1.0}) is None
