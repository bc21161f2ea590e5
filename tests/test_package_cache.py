"""The package-aware execution cache re-runs exactly the pages that import a changed module.

A tiny book over a throwaway package `fakepkg` is built several times; every page appends its
name to a log file when it executes, so the log tells which pages ran in each build.
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from conftest import NOTEBOOK_HEADER
from package_cache import PackageIndex, dependency_files

HEADER = NOTEBOOK_HEADER


def page(name: str, imports: str, log: Path) -> str:
    return HEADER + textwrap.dedent(
        f"""\
        # Page {name}

        ```{{code-cell}} ipython3
        {imports}
        with open({str(log)!r}, "a") as f:
            f.write("{name}\\n")
        ```
        """
    )


@pytest.fixture
def book(tiny_book):
    root = tiny_book.root
    pkg = root / "src" / "fakepkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\nA = b.B + 1\n")
    (pkg / "b.py").write_text("B = 1\n")
    (pkg / "c.py").write_text("C = 3\n")
    (pkg / "sub" / "__init__.py").write_text("from fakepkg.sub.deep import D\n")
    (pkg / "sub" / "deep.py").write_text("D = 4\n")
    log = root / "executed.log"
    pages = {
        "p_none": page("p_none", "import math", log),
        "p_a": page("p_a", "from fakepkg.a import A", log),
        "p_c": page("p_c", "import fakepkg.c", log),
    }
    config = {"package_cache_packages": {"fakepkg": "src/fakepkg"}}
    tiny_book.write(pages, extensions=["package_cache"], config=config)
    return tiny_book, log


def build(book, log: Path) -> list[str]:
    """Build, and return the pages that executed (each appends its name to ``log``)."""
    log.write_text("")
    result = book.build(env=dict(os.environ, PYTHONPATH=str(book.root / "src")))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return sorted(log.read_text().split())


@pytest.mark.slow
def test_only_pages_that_import_a_changed_module_execute_again(book):
    tiny, log = book
    root = tiny.root
    assert build(tiny, log) == ["p_a", "p_c", "p_none"]
    assert build(tiny, log) == [], "a no-op rebuild executes nothing"

    time.sleep(1.1)  # file times have a resolution; make the edit visibly newer
    (root / "src" / "fakepkg" / "b.py").write_text("B = 2\n")
    assert build(tiny, log) == ["p_a"], "p_a imports b through a"

    time.sleep(1.1)
    (root / "src" / "fakepkg" / "c.py").touch()
    assert build(tiny, log) == [], "a touched but unchanged module re-executes nothing"

    time.sleep(1.1)
    (root / "p_none.md").write_text(page("p_none", "import math  # edited", log))
    assert build(tiny, log) == ["p_none"], "editing one page re-executes only that page"


def test_dependency_walk_follows_imports_and_parent_packages(book):
    root = book[0].root
    index = PackageIndex("fakepkg", root / "src" / "fakepkg")
    names = lambda files: sorted(str(f.relative_to(root / "src")) for f in files)  # noqa: E731
    assert names(dependency_files("from fakepkg.a import A", [index])) == [
        "fakepkg/__init__.py",
        "fakepkg/a.py",
        "fakepkg/b.py",
    ]
    assert names(dependency_files("import fakepkg.sub as s\n%timeit 1", [index])) == [
        "fakepkg/__init__.py",
        "fakepkg/sub/__init__.py",
        "fakepkg/sub/deep.py",
    ]
    assert dependency_files("import numpy", [index]) == []
