"""Pages run side by side before the read; myst-nb then finds them all in the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import NOTEBOOK_HEADER

ROOT = Path(__file__).resolve().parents[1]

HEADER = NOTEBOOK_HEADER


def page(name: str, log: Path, body: str = "time.sleep(2)") -> str:
    return HEADER + textwrap.dedent(
        f"""\
        # {name}

        ```{{code-cell}} ipython3
        import json, os, time
        start = time.time()
        {body}
        threads = os.environ.get("OMP_NUM_THREADS")
        with open({str(log)!r}, "a") as f:
            f.write(json.dumps(["{name}", start, time.time(), threads]) + "\\n")
        ```
        """
    )


def make_book(
    root: Path, jobs: int, failing: bool = False, bodies: dict[str, str] | None = None
) -> Path:
    log = root / "runs.log"
    for name in ("p1", "p2", "p3"):
        body = "raise RuntimeError('broken page')" if failing and name == "p3" else "time.sleep(2)"
        body = (bodies or {}).get(name, body)
        (root / f"{name}.md").write_text(page(name, log, body))
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: p1\nchapters:\n  - file: p2\n  - file: p3\n"
    )
    (root / "_config.yml").write_text(
        textwrap.dedent(
            f"""\
            title: t
            execute:
              execute_notebooks: cache
            sphinx:
              local_extensions:
                parallel_execute: {ROOT / "_ext"}
              config:
                dlbook_execution_jobs: {jobs}
                nb_execution_raise_on_error: true
            """
        )
    )
    return log


def build(root: Path) -> subprocess.CompletedProcess:
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_THREADS")}
    return subprocess.run(
        [str(jb), "build", str(root), "-W"], capture_output=True, text=True, timeout=600, env=env
    )


def test_pages_overlap_and_the_read_uses_the_cache(tmp_path):
    log = make_book(tmp_path, jobs=2)
    result = build(tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r[0] for r in runs) == ["p1", "p2", "p3"], "each page ran exactly once"
    (_, s1, e1, _), (_, s2, e2, _) = sorted(runs, key=lambda r: r[1])[:2]
    assert s2 < e1, "the first two pages ran at the same time"
    share = max(1, (os.cpu_count() or 1) // 2)
    first_two = sorted(runs, key=lambda r: r[1])[:2]
    assert {r[3] for r in first_two} == {str(share)}, "kernels side by side share the cores"
    assert f"[parallel] executing 3 pages, 2 at a time, {share} thread(s) each" in out
    assert out.count("Using cached notebook") == 3


def test_a_failing_page_is_still_reported_by_the_read(tmp_path):
    make_book(tmp_path, jobs=2, failing=True)
    result = build(tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "p3 failed; it will run again while read" in out
    assert "broken page" in out, "myst-nb re-runs it and shows the traceback"


def test_pages_the_cache_saw_take_long_start_first(tmp_path):
    bodies = {"p1": "time.sleep(0.2)", "p2": "time.sleep(0.2)", "p3": "time.sleep(4)"}
    make_book(tmp_path, jobs=2, bodies=bodies)
    first = build(tmp_path)
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    assert "[parallel] order: p1, p2, p3" in first.stdout + first.stderr, (
        "no history yet: name order"
    )
    for name in ("p1", "p2", "p3"):  # a code edit: every page must run again
        path = tmp_path / f"{name}.md"
        path.write_text(path.read_text().replace("start = time.time()", "start = time.time()  #"))
    second = build(tmp_path)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert "[parallel] order: p3, " in second.stdout + second.stderr, (
        "the page that took longest starts first"
    )
