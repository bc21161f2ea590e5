"""Shared fixtures: a tiny book for the extension tests, and the whole book built once per test
session (HTML, then the PDF)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The book's Sphinx extensions are plain modules in _ext/; the tests import them by name.
sys.path.insert(0, str(ROOT / "_ext"))

from package_cache import is_notebook_source  # noqa: E402

# Unit tests that read a dataset use the shared mirror when it is beside the checkout (as the
# book build does, see book_env), so that they run offline.
_MIRROR = ROOT.parent / "shared" / "data"
if "DLBOOK_DATA_MIRROR" not in os.environ and _MIRROR.is_dir():
    os.environ["DLBOOK_DATA_MIRROR"] = str(_MIRROR)

BUILD = ROOT / "_build"
HTML = BUILD / "html"
PDF = BUILD / "latex" / "dlbook.pdf"

#: The YAML header that makes a MyST Markdown file an executable notebook page.
NOTEBOOK_HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def toc_files(toc: dict | list) -> list[str]:
    """Every `file:` named in a jb-book table of contents, root first."""
    found = []
    if isinstance(toc, dict):
        for key in ("root", "file"):
            if key in toc:
                found.append(toc[key])
        for value in toc.values():
            if isinstance(value, list | dict):
                found.extend(toc_files(value))
    elif isinstance(toc, list):
        for item in toc:
            found.extend(toc_files(item))
    return found


@pytest.fixture
def one_torch_thread():
    """Tiny tensors: a second intra-op thread only adds synchronisation cost (a lot on a busy
    machine). Use with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class TinyBook:
    """A throwaway Jupyter Book in a temporary folder, for testing one extension of ``_ext/``.

    ``write`` lays out the pages (the first one is the root), ``_toc.yml`` and ``_config.yml``
    (the named extensions of ``_ext/`` loaded as local extensions, ``config`` as Sphinx
    settings); ``build`` runs ``jupyter-book build`` on it in a subprocess.
    """

    def __init__(self, root: Path):
        self.root = root

    def write(
        self,
        pages: dict[str, str],
        *,
        extensions: Sequence[str],
        config: dict | None = None,
        execute: str = "cache",
        book: dict | None = None,
        sphinx_extensions: Sequence[str] = (),
    ) -> TinyBook:
        """Write ``{name: source}`` pages and the book's configuration; returns ``self``.

        ``sphinx_extensions`` are installed extensions to load as well (``extra_extensions``);
        ``book`` adds top-level settings of ``_config.yml``.
        """
        for name, source in pages.items():
            (self.root / f"{name}.md").write_text(source)
        root, *chapters = pages
        toc = {"format": "jb-book", "root": root}
        if chapters:
            toc["chapters"] = [{"file": name} for name in chapters]
        (self.root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
        sphinx = {"local_extensions": {name: str(ROOT / "_ext") for name in extensions}}
        if sphinx_extensions:
            sphinx["extra_extensions"] = list(sphinx_extensions)
        if config:
            sphinx["config"] = config
        settings = {"title": "t", "execute": {"execute_notebooks": execute}, "sphinx": sphinx}
        (self.root / "_config.yml").write_text(
            yaml.safe_dump({**settings, **(book or {})}, sort_keys=False)
        )
        return self

    def build(
        self, *args: str, env: dict[str, str] | None = None, timeout: int = 600
    ) -> subprocess.CompletedProcess:
        """``jupyter-book build <root> -W [args]``; the output is in ``.stdout + .stderr``."""
        jb = Path(sys.executable).with_name("jupyter-book")
        return subprocess.run(
            [str(jb), "build", str(self.root), "-W", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )

    def html(self, name: str) -> str:
        return (self.root / "_build" / "html" / f"{name}.html").read_text()


@pytest.fixture
def tiny_book(tmp_path) -> TinyBook:
    """An empty :class:`TinyBook` in a fresh temporary folder."""
    return TinyBook(tmp_path)


def book_pages() -> list[str]:
    """Docnames of every page in the book's `_toc.yml`, root first."""
    return toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))


def executable_pages() -> list[str]:
    """Docnames of the book's executable pages (MyST notebooks), in table-of-contents order."""
    return [d for d in book_pages() if is_notebook_source((ROOT / f"{d}.md").read_text())]


def book_env() -> dict[str, str]:
    env = dict(os.environ)
    mirror = ROOT.parent / "shared" / "data"
    if "DLBOOK_DATA_MIRROR" not in env and mirror.is_dir():
        env["DLBOOK_DATA_MIRROR"] = str(mirror)
    return env


def run_build(args: list[str], log: Path, what: str) -> None:
    jb = Path(sys.executable).with_name("jupyter-book")
    log.parent.mkdir(exist_ok=True)
    start = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(
            [str(jb), "build", str(ROOT), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=book_env(),
            cwd=ROOT,
            timeout=80 * 60,
        )
    # .ci/run prints this file at the end: each build's wall time, apart from the tests'.
    with (BUILD / "timings.txt").open("a") as timings:
        timings.write(f"{what} build: {time.perf_counter() - start:.0f} s\n")
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:])
        pytest.fail(f"the {what} build failed (full log: {log}):\n{tail}")


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The HTML book, every cell executed, warnings as errors."""
    run_build(["-W", "-n", "--keep-going"], BUILD / "book-build.log", "HTML")
    return HTML


@pytest.fixture(scope="session")
def built_pdf(built_book) -> Path:
    """The whole book as one PDF (XeLaTeX), also copied beside the HTML for its download."""
    if shutil.which("xelatex") is None or shutil.which("latexmk") is None:
        if os.environ.get("CI"):
            pytest.fail("XeLaTeX is not installed: see README, 'The PDF' (.ci/run installs it)")
        pytest.skip("needs XeLaTeX and latexmk (see README, 'The PDF')")
    run_build(["--builder", "pdflatex"], BUILD / "pdf-build.log", "PDF")
    assert PDF.is_file(), f"the PDF build made no {PDF}"
    shutil.copy2(PDF, built_book / PDF.name)
    return PDF
