"""Build the whole book from its sources, executing every cell, and check what a reader gets.

This is the slow test: it runs `jupyter-book build . -W -n --keep-going` exactly as an author
would (same `_build/` folder and execution cache, so a second run only re-executes changed
pages). Skip it locally with `pytest -m "not book"`; the README's test command and CI run it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import BUILD, ROOT, book_pages, executable_pages

pytestmark = pytest.mark.book


def test_every_toc_page_is_built(built_book):
    pages = book_pages()
    assert pages, "the table of contents names no pages"
    missing = [p for p in pages if not (built_book / f"{p}.html").is_file()]
    assert not missing, f"pages in _toc.yml that produced no HTML: {missing}"
    assert (built_book / "index.html").is_file()


def test_no_page_shows_an_error_or_traceback(built_book):
    bad = []
    for page in built_book.rglob("*.html"):
        if page.name in {"genindex.html", "search.html"} or "_modules" in page.parts:
            continue
        html = page.read_text(errors="replace")
        if (
            "Traceback (most recent call last)" in html
            or re.search(r'class="[^"]*\btraceback\b', html)
            or "highlight-ipythontb" in html
        ):
            bad.append(str(page.relative_to(built_book)))
    assert not bad, f"pages with a cell error or traceback: {bad}"


def test_search_index_and_theme(built_book):
    index = built_book / "searchindex.js"
    assert index.is_file() and index.stat().st_size > 1000
    welcome = (built_book / "book" / "intro.html").read_text()
    assert "bd-sidebar" in welcome, "the themed sidebar is missing"
    assert 'role="search"' in welcome or "search-button" in welcome, "no search box"
    assert "Welcome" in welcome


def test_welcome_page_ran_the_package(built_book):
    welcome = (built_book / "book" / "intro.html").read_text()
    # The executed setup cell prints the environment report, with the seed.
    assert re.search(r"Python 3\.\d+\.\d+ on \w+", welcome)
    assert "seed 0" in welcome


def test_executable_pages_launch_their_ready_to_run_notebook(built_book):
    import jupytext
    import nbformat

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    org_repo = config["repository"]["url"].removeprefix("https://github.com/")
    branch = config["sphinx"]["config"]["dlbook_notebooks_branch"]
    pages = executable_pages()
    assert pages, "no executable page"
    for docname in pages:
        html = (built_book / f"{docname}.html").read_text()
        colab = f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/{docname}.ipynb"
        binder = f"https://mybinder.org/v2/gh/{org_repo}/{branch}?urlpath=lab/tree/{docname}.ipynb"
        assert f'href="{colab}"' in html, f"{docname}: no Colab link {colab}"
        assert f'href="{binder}"' in html, f"{docname}: no Binder link"
        assert "download-notebook-button" in html, f"{docname}: no .ipynb download"

        notebook_path = built_book / "_notebooks" / f"{docname}.ipynb"
        assert notebook_path.is_file(), f"{docname}: the build made no {notebook_path}"
        notebook = nbformat.read(notebook_path, as_version=4)
        setup, *cells = notebook.cells
        assert "dlbook-setup" in setup.metadata.get("tags", []), f"{docname}: no setup cell"
        source = jupytext.read(ROOT / f"{docname}.md")
        expected = [c.source for c in source.cells if c.cell_type == "code"]
        assert [c.source for c in cells if c.cell_type == "code"] == expected, docname


def test_pages_carry_sharing_metadata_logo_and_favicon(built_book):
    for docname in book_pages():
        html = (built_book / f"{docname}.html").read_text()
        assert re.search(r'<meta name="description" content="[^"]{40,}"', html), docname
        assert '<meta property="og:title"' in html, docname
        assert 'rel="icon"' in html and "logo__image" in html, docname


#: What mybinder.org gives a reader's session (about 2 GB); every page must fit in it.
BINDER_MIB = 2048


def test_every_page_executed_fits_in_binder_s_memory(built_book):
    """The parallel executor records each page's peak memory with its cached notebook; a page
    executed by this build (or an earlier one that recorded it) must stay below Binder's
    limit, or say at its top that it needs Colab."""
    from jupyter_cache import get_cache

    newest = {}
    for record in get_cache(BUILD / ".jupyter_cache").list_cache_records():
        if record.uri not in newest or record.created > newest[record.uri].created:
            newest[record.uri] = record
    over = {}
    for uri, record in newest.items():
        peak = record.data.get("peak_mib")  # None: executed before pages were measured
        page = Path(uri)
        if peak is None or peak < BINDER_MIB or not page.is_file():
            continue
        if "needs Colab" not in page.read_text().replace("**", ""):
            over[page.relative_to(ROOT).as_posix()] = round(peak)
    assert not over, f"pages above {BINDER_MIB} MiB at their peak (MiB): {over}"
