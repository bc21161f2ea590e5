"""Execute the pages a build needs in parallel, before Sphinx reads them one by one.

myst-nb executes notebook pages one after the other while Sphinx reads them. This extension
runs first (``env-before-read-docs``): it finds the pages whose notebooks are not in the
execution cache, executes them in ``dlbook_execution_jobs`` kernels at once, and stores each
result in the cache exactly as myst-nb would. When Sphinx then reads the pages, myst-nb finds
every notebook cached. A page that fails here is simply left uncached: myst-nb executes it
again during the read and reports the error with its traceback, as without this extension.

Pages start longest first, by the execution time the cache recorded for an earlier run of the
same page, or else by the committed table of page times (``dlbook_page_times``, a JSON file of
``{docname: seconds}`` that ``tools/bench_build.py --write-times`` refreshes), so that even a cold
build on a new machine starts its longest pages first. Pages known to neither start first.

Each page still runs alone in a fresh kernel, top to bottom, from its own folder, so results
do not depend on what runs beside it. Set ``dlbook_execution_jobs`` to 1 to turn this off.

Each page's peak memory (the kernel's peak resident set, ``VmHWM`` on Linux, read just before
the kernel shuts down) is logged and stored with its cached notebook (``peak_mib`` beside
``execution_seconds``), so every build that executes a page measures it; the book test holds
every page below what Binder gives a reader (about 2 GiB).

Kernels running side by side share the cores: each is started with ``OMP_NUM_THREADS``,
``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` set to its share (cores divided by
jobs, at least 1), unless the environment already sets them. Without this, two PyTorch kernels
on two cores each start two spinning OpenMP threads, and small models run many times slower.
The thread count is chosen when each kernel starts (:func:`threads_for`): the last page to start
gets every core when nothing else runs, or when what still runs is expected to finish within a
quarter of this page's expected time, so the tail of a build does not leave cores idle.
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from jupyter_client.manager import AsyncKernelManager
from myst_nb.core.read import create_nb_reader
from sphinx.application import Sphinx
from sphinx.util import logging

from package_cache import page_source_and_dependencies

LOGGER = logging.getLogger(__name__)

THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")

#: A running page whose expected remaining time is at most this fraction of the expected time of
#: the last page to start lets that last page take every core.
TAIL_FRACTION = 0.25


def pages_to_execute(app: Sphinx, docnames: list[str]) -> list[tuple[str, Path, object]]:
    """(docname, path, notebook) of the pages whose notebooks the cache does not hold,
    longest expected first (see :func:`expected_seconds`)."""
    env = app.env
    config = env.mystnb_config
    cache = get_cache(config.execution_cache_path)
    pending = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if path.suffix not in {".md", ".ipynb"} or not path.is_file():
            continue
        if any(path.match(pattern) for pattern in config.execution_excludepatterns):
            continue
        text, _ = page_source_and_dependencies(app, path.read_text())
        reader = create_nb_reader(str(path), env.myst_config, config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pending.append((docname, path, notebook))
    expected = expected_seconds(app, cache, [docname for docname, _, _ in pending])
    pending.sort(key=lambda page: -expected[page[0]])
    return pending


def previous_seconds(cache) -> dict[Path, float]:
    """The execution time of the latest cached run of each page, by source path."""
    latest: dict[Path, tuple] = {}
    for record in cache.list_cache_records():
        seconds = record.data.get("execution_seconds")
        path = Path(record.uri).resolve()
        if seconds is not None and (path not in latest or record.created > latest[path][0]):
            latest[path] = (record.created, seconds)
    return {path: seconds for path, (_, seconds) in latest.items()}


def committed_seconds(app: Sphinx) -> dict[str, float]:
    """The committed table of page times (``dlbook_page_times``), by docname; {} if absent."""
    name = app.config.dlbook_page_times
    if not name:
        return {}
    path = Path(app.confdir) / name
    if not path.is_file():
        return {}
    try:
        table = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        LOGGER.warning("[parallel] %s is not valid JSON (%s); ignoring it", name, exc)
        return {}
    return {str(k): float(v) for k, v in table.get("seconds", table).items()}


def expected_seconds(app: Sphinx, cache, docnames: list[str]) -> dict[str, float]:
    """Expected execution time of each page: the cache's latest run of it, else the committed
    table, else infinity (an unknown page is assumed long, so it starts early)."""
    seen = previous_seconds(cache)
    committed = committed_seconds(app)
    expected = {}
    for docname in docnames:
        path = Path(app.env.doc2path(docname)).resolve()
        expected[docname] = seen.get(path, committed.get(docname, math.inf))
    return expected


def threads_for(
    cores: int, jobs: int, waiting: int, others_remaining: list[float], expected: float
) -> int:
    """Threads for a kernel about to start.

    ``waiting``: pages still waiting after this one; ``others_remaining``: the expected remaining
    seconds of each page running now; ``expected``: this page's expected seconds. Every kernel
    gets its share (cores // jobs) while pages wait; the last page gets every core when nothing
    else runs or when all that runs is expected to end within ``TAIL_FRACTION`` of its own time.
    """
    share = max(1, cores // max(1, jobs))
    if waiting > 0:
        return share
    if not others_remaining or max(others_remaining) <= TAIL_FRACTION * expected:
        return max(1, cores)
    return share


def peak_mib(pid: int) -> float | None:
    """Peak resident memory of process ``pid`` in MiB (``VmHWM``), None where unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # reported in kB
    except OSError:
        pass
    return None


def kernel_manager_with_threads(threads: int) -> type[AsyncKernelManager]:
    """A kernel-manager class whose kernels start with ``threads`` threads (the thread variables
    the environment does not set already). The class records its kernel's peak memory in
    ``peak_mib`` when the kernel shuts down (one class per page)."""

    class ThreadedKernelManager(AsyncKernelManager):
        peak_mib: float | None = None

        async def start_kernel(self, **kw):
            env = dict(kw.pop("env", None) or os.environ)
            for name in THREAD_VARIABLES:
                if name not in os.environ:
                    env[name] = str(threads)
            return await super().start_kernel(env=env, **kw)

        async def shutdown_kernel(self, *args, **kw):
            process = getattr(self.provisioner, "process", None)
            if process is not None:
                type(self).peak_mib = peak_mib(process.pid)
            return await super().shutdown_kernel(*args, **kw)

    ThreadedKernelManager.__name__ = f"ThreadedKernelManager{threads}"
    return ThreadedKernelManager


class Scheduler:
    """Hands pages out longest first to ``jobs`` workers and picks each kernel's threads."""

    def __init__(self, pending, expected: dict[str, float], jobs: int, cores: int, clock=None):
        self.jobs, self.cores = jobs, cores
        self.clock = clock or time.perf_counter
        self.expected = expected
        self._queue = list(pending)
        self._running: dict[str, float] = {}  # docname -> start time
        self._lock = threading.Lock()

    def next(self):
        """The next page and its thread count, or None when no page waits."""
        with self._lock:
            if not self._queue:
                return None
            page = self._queue.pop(0)
            now = self.clock()
            others = [
                max(0.0, self.expected.get(name, math.inf) - (now - started))
                for name, started in self._running.items()
            ]
            threads = threads_for(
                self.cores, self.jobs, len(self._queue), others, self.expected.get(page[0], 0.0)
            )
            self._running[page[0]] = now
            return page, threads

    def done(self, docname: str) -> None:
        with self._lock:
            self._running.pop(docname, None)


def on_env_before_read_docs(app: Sphinx, env, docnames: list[str]) -> None:
    config = env.mystnb_config
    cores = os.cpu_count() or 1
    jobs = app.config.dlbook_execution_jobs or cores
    if config.execution_mode != "cache" or jobs < 2:
        return
    pending = pages_to_execute(app, docnames)
    if len(pending) < 2:
        return  # nothing to run side by side: let myst-nb execute as usual
    cache = get_cache(config.execution_cache_path)
    expected = expected_seconds(app, cache, [docname for docname, _, _ in pending])
    scheduler = Scheduler(pending, expected, jobs, cores)
    results: queue.Queue = queue.Queue()
    start = time.perf_counter()
    LOGGER.info(
        "[parallel] executing %d pages, %d at a time, %d thread(s) each",
        len(pending),
        jobs,
        max(1, cores // jobs),
    )
    LOGGER.info("[parallel] order: %s", ", ".join(docname for docname, _, _ in pending))

    def worker() -> None:
        while (item := scheduler.next()) is not None:
            (docname, path, notebook), threads = item
            manager = kernel_manager_with_threads(threads)
            try:
                result = single_nb_execution(
                    notebook,
                    cwd=str(path.parent),
                    allow_errors=config.execution_allow_errors,
                    timeout=config.execution_timeout,
                    meta_override=True,
                    kernel_manager_class=manager,
                )
                results.put((docname, path, notebook, threads, manager.peak_mib, result, None))
            except Exception as exc:  # a kernel that would not start, say
                results.put((docname, path, notebook, threads, None, None, exc))
            finally:
                scheduler.done(docname)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(jobs)]
    for thread in workers:
        thread.start()
    for _ in pending:
        docname, path, notebook, threads, peak, result, exc = results.get()
        if exc is not None or result.err is not None:
            LOGGER.info("[parallel] %s failed; it will run again while read", docname)
            continue
        # Cache writes happen here, in one thread, as myst-nb would make them.
        cache.cache_notebook_bundle(
            CacheBundleIn(
                notebook,
                str(path),
                data={"execution_seconds": result.time, "threads": threads, "peak_mib": peak},
            ),
            check_validity=False,
            overwrite=True,
        )
        LOGGER.info(
            "[parallel] %s executed in %.1f s (%d thread(s), peak %s MiB)",
            docname,
            result.time,
            threads,
            "?" if peak is None else f"{peak:.0f}",
        )
    for thread in workers:
        thread.join()
    LOGGER.info("[parallel] %d pages in %.1f s", len(pending), time.perf_counter() - start)


def setup(app: Sphinx) -> dict:
    # The pre-executor must key pages exactly as the read will, package hash included.
    app.setup_extension("package_cache")
    # 0 means one job per CPU core.
    app.add_config_value("dlbook_execution_jobs", 0, "env", [int])
    # A JSON table {docname: seconds} of page times, relative to the book root ("" for none).
    app.add_config_value("dlbook_page_times", "", "env", [str])
    app.connect("env-before-read-docs", on_env_before_read_docs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
