"""Execute book pages top to bottom in a fresh kernel and report how long each took.

Usage::

    python tools/run_pages.py book/basics/tensors.md [more pages ...] [--save DIR]

Each page is converted from MyST Markdown with jupytext and run with nbclient, from the
page's own folder, exactly as the book build runs it. The exit status is non-zero when a page
fails; the first error of each failing page is printed.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import jupytext
import nbclient
import nbformat


def run_page(path: pathlib.Path, timeout: int = 900) -> tuple[float, str | None, object]:
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
        error = "\n".join(str(exc).splitlines()[-15:])
    return time.perf_counter() - start, error, notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=pathlib.Path)
    parser.add_argument("--save", type=pathlib.Path, help="write executed notebooks here")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    failures = 0
    rows = []
    for page in args.pages:
        seconds, error, notebook = run_page(page.resolve(), args.timeout)
        rows.append((page, seconds, error))
        status = "ok" if error is None else "FAILED"
        print(f"{seconds:8.1f} s  {status:6}  {page}", flush=True)
        if error:
            failures += 1
            print(error, file=sys.stderr)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, args.save / (page.stem + ".ipynb"))
    print(
        f"total {sum(s for _, s, _ in rows):.1f} s for {len(rows)} page(s); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
