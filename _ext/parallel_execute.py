"""Execute the pages a build needs in parallel, before Sphinx reads them one by one.

myst-nb executes notebook pages one after the other while Sphinx reads them. This extension
runs first (``env-before-read-docs``): it finds the pages whose notebooks are not in the
execution cache, executes them in ``dlbook_execution_jobs`` kernels at once, and stores each
result in the cache exactly as myst-nb would. When Sphinx then reads the pages, myst-nb finds
every notebook cached. A page that fails here is simply left uncached: myst-nb executes it
again during the read and reports the error with its traceback, as without this extension.

Pages start longest first, by the execution time the cache recorded for an earlier version of
the same page (pages it has never seen start before all others), so that a long page does not
start last and run alone while the other cores idle.

Each page still runs alone in a fresh kernel, top to bottom, from its own folder, so results
do not depend on what runs beside it. Set ``dlbook_execution_jobs`` to 1 to turn this off.

Kernels running side by side share the cores: each is started with ``OMP_NUM_THREADS``,
``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` set to its share (cores divided by
jobs, at least 1), unless the environment already sets them. Without this, two PyTorch kernels
on two cores each start two spinning OpenMP threads, and small models run many times slower.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import create_nb_reader
from sphinx.application import Sphinx
from sphinx.util import logging

from package_cache import page_source_and_dependencies

LOGGER = logging.getLogger(__name__)


def pages_to_execute(app: Sphinx, docnames: list[str]) -> list[tuple[str, Path, object]]:
    """(docname, path, notebook) of the pages whose notebooks the cache does not hold."""
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
    seconds = previous_seconds(cache)
    pending.sort(key=lambda page: -seconds.get(page[1].resolve(), float("inf")))
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


THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


@contextmanager
def threads_per_kernel(jobs: int) -> Iterator[int]:
    """Give kernels started inside this block their share of the cores; yields the share."""
    share = max(1, (os.cpu_count() or 1) // jobs)
    added = [name for name in THREAD_VARIABLES if name not in os.environ]
    os.environ.update({name: str(share) for name in added})
    try:
        yield share
    finally:
        for name in added:
            os.environ.pop(name, None)


def on_env_before_read_docs(app: Sphinx, env, docnames: list[str]) -> None:
    config = env.mystnb_config
    jobs = app.config.dlbook_execution_jobs or os.cpu_count() or 1
    if config.execution_mode != "cache" or jobs < 2:
        return
    pending = pages_to_execute(app, docnames)
    if len(pending) < 2:
        return  # nothing to run side by side: let myst-nb execute as usual
    cache = get_cache(config.execution_cache_path)
    start = time.perf_counter()
    with threads_per_kernel(jobs) as share, ThreadPoolExecutor(max_workers=jobs) as pool:
        LOGGER.info(
            "[parallel] executing %d pages, %d at a time, %d thread(s) each",
            len(pending),
            jobs,
            share,
        )
        LOGGER.info("[parallel] order: %s", ", ".join(docname for docname, _, _ in pending))
        futures = {
            pool.submit(
                single_nb_execution,
                notebook,
                cwd=str(path.parent),
                allow_errors=config.execution_allow_errors,
                timeout=config.execution_timeout,
                meta_override=True,
            ): (docname, path, notebook)
            for docname, path, notebook in pending
        }
        for future in as_completed(futures):
            docname, path, notebook = futures[future]
            result = future.result()
            if result.err is not None:
                LOGGER.info("[parallel] %s failed; it will run again while read", docname)
                continue
            # Cache writes happen here, in one thread, as myst-nb would make them.
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time}),
                check_validity=False,
                overwrite=True,
            )
            LOGGER.info("[parallel] %s executed in %.1f s", docname, result.time)
    LOGGER.info("[parallel] %d pages in %.1f s", len(pending), time.perf_counter() - start)


def setup(app: Sphinx) -> dict:
    # The pre-executor must key pages exactly as the read will, package hash included.
    app.setup_extension("package_cache")
    # 0 means one job per CPU core.
    app.add_config_value("dlbook_execution_jobs", 0, "env", [int])
    app.connect("env-before-read-docs", on_env_before_read_docs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
