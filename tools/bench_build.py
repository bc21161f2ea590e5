"""Measure the book's build: cold, no-op and one-page rebuilds, and per-page execution times.

Usage::

    python tools/bench_build.py [--skip-cold] [--page book/intro.md] [--output report.md]

* cold: the whole `_build/` folder removed (datasets stay in their cache), then a full build;
* no-op: the same build again, nothing changed;
* one page: a comment appended to the last code cell of `--page`, a build, then the page
  restored (and a build that puts the cache back in step).

Each build is `jupyter-book build .` with warnings as errors. The report lists wall times, which
pages executed in each build, the execution time of every page (from the execution cache) with
the pages over the budget flagged, and the scheduling efficiency of the cold build's parallel
pre-execution: the sum of page times divided by (workers x its wall time); 1.0 means no core
was ever idle. ``--write-times`` stores the page times in ``book/_data/page_times.json``, which
the build uses to start the longest pages first on a machine that has never built the book.

Budget: a page may take at most ``BUDGET_SECONDS`` (4 minutes) in the parallel build, on one
thread; ``AIM_SECONDS`` (3 minutes) is the aim. Check a new page before adding it with
``python tools/run_pages.py book/<part>/<page>.md`` (CPU seconds, one thread).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
EXECUTED = re.compile(r"\[parallel\] (\S+) executed in|(\S+\.md): Executed notebook in")
PARALLEL = re.compile(
    r"\[parallel\] executing (\d+) pages, (\d+) at a time.*?\[parallel\] \d+ pages in ([\d.]+) s",
    re.S,
)
TIMES = ROOT / "book" / "_data" / "page_times.json"
BUDGET_SECONDS = 240.0
AIM_SECONDS = 180.0


LAST_LOG = {}


def build(label: str) -> tuple[float, list[str]]:
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ)
    mirror = ROOT.parent / "shared" / "data"
    if "DLBOOK_DATA_MIRROR" not in env and mirror.is_dir():
        env["DLBOOK_DATA_MIRROR"] = str(mirror)
    start = time.perf_counter()
    result = subprocess.run(
        [str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    if result.returncode != 0:
        print(log[-5000:], file=sys.stderr)
        raise SystemExit(f"the {label} build failed")
    LAST_LOG[label] = log
    executed = sorted(
        {(a or str(Path(b).relative_to(ROOT).with_suffix(""))) for a, b in EXECUTED.findall(log)}
    )
    print(f"{label:10} {seconds:7.1f} s  executed: {', '.join(executed) or 'none'}", flush=True)
    return seconds, executed


def page_times() -> dict[str, float]:
    from jupyter_cache import get_cache

    cache = get_cache(str(BUILD / ".jupyter_cache"))
    latest: dict[str, tuple] = {}
    for record in cache.list_cache_records():
        uri = str(Path(record.uri).resolve().relative_to(ROOT).with_suffix(""))
        if uri not in latest or record.created > latest[uri][0]:
            latest[uri] = (record.created, record.data.get("execution_seconds"))
    return {uri: seconds for uri, (_, seconds) in sorted(latest.items()) if seconds is not None}


def scheduling_efficiency(log: str, times: dict[str, float]):
    """(pages, workers, wall, sum of page times / (workers x wall)) of a build's parallel
    pre-execution, or None when it ran none."""
    match = PARALLEL.search(log)
    if not match:
        return None
    pages, workers, wall = int(match[1]), int(match[2]), float(match[3])
    return pages, workers, wall, sum(times.values()) / (workers * wall)


def write_times(times: dict[str, float]) -> None:
    table = {
        "about": (
            "Execution seconds of each page in the parallel cold build, used to start the "
            "longest pages first. Refresh with: python tools/bench_build.py --write-times"
        ),
        "measured": f"{platform.node()}, {time.strftime('%Y-%m-%d')}",
        "seconds": {uri: round(sec, 1) for uri, sec in sorted(times.items(), key=lambda i: -i[1])},
    }
    TIMES.write_text(json.dumps(table, indent=2) + "\n")


def touch_page(page: Path) -> str:
    original = page.read_text()
    fences = [m.end() for m in re.finditer(r"```\{code-cell\}[^\n]*\n", original)]
    last = fences[-1]
    end = original.index("```", last)
    page.write_text(original[:end] + "# benchmark: an edit that changes nothing\n" + original[end:])
    return original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true", help="keep the existing _build/")
    parser.add_argument("--page", type=Path, default=Path("book/intro.md"))
    parser.add_argument("--output", type=Path, help="also write the report here (Markdown)")
    parser.add_argument(
        "--write-times",
        action="store_true",
        help=f"store the page times in {TIMES.relative_to(ROOT)}",
    )
    args = parser.parse_args()

    rows = []
    if not args.skip_cold:
        shutil.rmtree(BUILD, ignore_errors=True)
        rows.append(("cold (empty _build/)", *build("cold")))
    else:
        build("warm-up")
    rows.append(("no-op rebuild", *build("no-op")))
    page = ROOT / args.page
    original = touch_page(page)
    try:
        rows.append((f"one page edited ({args.page})", *build("one page")))
    finally:
        page.write_text(original)
    build("restore")

    lines = [
        f"Build benchmark on {platform.node()}: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| build | wall time (s) | pages executed |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {name} | {sec:.1f} | {len(pages)} |" for name, sec, pages in rows]
    times = page_times()
    lines += ["", "| page | execution (s) | budget |", "| --- | ---: | --- |"]
    for uri, sec in sorted(times.items(), key=lambda item: -item[1]):
        flag = "**over**" if sec > BUDGET_SECONDS else ("above aim" if sec > AIM_SECONDS else "ok")
        lines.append(f"| {uri} | {sec:.1f} | {flag} |")
    lines += [f"| **total** | **{sum(times.values()):.1f}** | |"]
    over = [uri for uri, sec in times.items() if sec > BUDGET_SECONDS]
    lines += ["", f"Pages over the {BUDGET_SECONDS:.0f} s budget: {', '.join(over) or 'none'}."]
    if "cold" in LAST_LOG:
        efficiency = scheduling_efficiency(LAST_LOG["cold"], times)
        if efficiency is not None:
            pages, workers, wall, value = efficiency
            lines.append(
                f"Scheduling efficiency of the cold build: {value:.2f} ({pages} pages, {workers} "
                f"workers, pre-execution wall {wall:.0f} s; 1.0 = no idle core)."
            )
    if args.write_times:
        write_times(times)
        lines.append(f"Page times written to {TIMES.relative_to(ROOT)}.")
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
