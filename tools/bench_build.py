"""Measure the book's build: cold, no-op and one-page rebuilds, and per-page execution times.

Usage::

    python tools/bench_build.py [--skip-cold] [--page book/intro.md] [--output report.md]

* cold: the whole `_build/` folder removed (datasets stay in their cache), then a full build;
* no-op: the same build again, nothing changed;
* one page: a comment appended to the last code cell of `--page`, a build, then the page
  restored (and a build that puts the cache back in step).

Each build is `jupyter-book build .` with warnings as errors. The report lists wall times, which
pages executed in each build, and the execution time of every page (from the execution cache).
"""

from __future__ import annotations

import argparse
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
    lines += ["", "| page | execution (s) |", "| --- | ---: |"]
    lines += [f"| {uri} | {sec:.1f} |" for uri, sec in times.items()]
    lines += [f"| **total** | **{sum(times.values()):.1f}** |"]
    report = "\n".join(lines)
    print(report)
    if args.output:
        args.output.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
