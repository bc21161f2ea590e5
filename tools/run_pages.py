"""Execute book pages top to bottom in a fresh kernel and report time, CPU time and memory.

Usage::

    python tools/run_pages.py book/basics/tensors.md [more pages ...] [--save DIR] [--threads N]

Each page is converted from MyST Markdown with jupytext and run with nbclient, from the
page's own folder, exactly as the book build runs it, in a child process of its own so that its
kernel's CPU time and peak memory can be read back when it exits. Kernels get ``--threads``
threads (default 1, as in the parallel build on two cores: ``OMP_NUM_THREADS`` and TensorFlow's
thread variables).

Columns: wall seconds; CPU seconds of the kernel and everything it started (user + system),
which on a busy machine is a steadier measure of a page's cost than wall time; the peak resident
memory of the largest process (MiB). A page's budget is about 4 minutes (aim: 3) in the parallel
build; ``--budget`` flags pages whose CPU time exceeds it. The exit status is non-zero when a
page fails; the last lines of each failing page's error are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def run_page(path: pathlib.Path, timeout: int = 900) -> tuple[float, str | None, object]:
    """Run one page in a fresh kernel (in this process); (seconds, error or None, notebook)."""
    import jupytext
    import nbclient

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
        error = "\n".join(str(exc).splitlines()[-15:]) or repr(exc)
    return time.perf_counter() - start, error, notebook


def _child(page: pathlib.Path, timeout: int, save: pathlib.Path | None) -> None:
    """Run one page and print a JSON line: seconds, cpu, peak memory, error."""
    seconds, error, notebook = run_page(page, timeout)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if save:
        import nbformat

        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, save / (page.stem + ".ipynb"))
    # ru_maxrss is in KiB on Linux: the largest single process among the kernel and its children.
    print(
        "RESULT "
        + json.dumps(
            {
                "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mib": usage.ru_maxrss / 1024,
                "error": error,
            }
        ),
        flush=True,
    )


def measure(
    page: pathlib.Path, *, threads: int = 1, timeout: int = 900, save: pathlib.Path | None = None
) -> dict:
    """Run ``page`` in a child process and return its seconds, cpu, peak_mib and error."""
    env = dict(os.environ)
    env.update({name: str(threads) for name in THREAD_VARIABLES})
    command = [sys.executable, __file__, "--child", str(page), "--timeout", str(timeout)]
    if save:
        command += ["--save", str(save)]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
    return {"seconds": float("nan"), "cpu": float("nan"), "peak_mib": float("nan"), "error": tail}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=pathlib.Path)
    parser.add_argument("--save", type=pathlib.Path, help="write executed notebooks here")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--threads", type=int, default=1, help="threads per kernel (default 1)")
    parser.add_argument(
        "--budget", type=float, default=240.0, help="flag pages above this many CPU seconds"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.pages[0].resolve(), args.timeout, args.save)
        return 0
    failures = 0
    total = 0.0
    print(f"{'wall s':>8} {'cpu s':>8} {'peak MiB':>9}  status  page", flush=True)
    for page in args.pages:
        row = measure(page.resolve(), threads=args.threads, timeout=args.timeout, save=args.save)
        total += row["seconds"]
        status = "ok" if row["error"] is None else "FAILED"
        if row["error"] is None and row["cpu"] > args.budget:
            status = "OVER"
        print(
            f"{row['seconds']:8.1f} {row['cpu']:8.1f} {row['peak_mib']:9.0f}  {status:6}  {page}",
            flush=True,
        )
        if row["error"]:
            failures += 1
            print(row["error"], file=sys.stderr)
    print(
        f"total {total:.1f} s for {len(args.pages)} page(s), {args.threads} thread(s) per kernel; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
