"""The package-aware execution cache re-runs exactly the pages that import a changed module.

A tiny book over a throwaway package `fakepkg` is built several times; every page appends its
name to a log file when it executes, so the log tells which pages ran in each build.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import NOTEBOOK_HEADER, ROOT
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
def book(tmp_path):
    pkg = tmp_path / "src" / "fakepkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\nA = b.B + 1\n")
    (pkg / "b.py").write_text("B = 1\n")
    (pkg / "c.py").write_text("C = 3\n")
    (pkg / "sub" / "__init__.py").write_text("from fakepkg.sub.deep import D\n")
    (pkg / "sub" / "deep.py").write_text("D = 4\n")
    log = tmp_path / "executed.log"
    (tmp_path / "p_a.md").write_text(page("p_a", "from fakepkg.a import A", log))
    (tmp_path / "p_c.md").write_text(page("p_c", "import fakepkg.c", log))
    (tmp_path / "p_none.md").write_text(page("p_none", "import math", log))
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: p_none\nchapters:\n  - file: p_a\n  - file: p_c\n"
    )
    (tmp_path / "_config.yml").write_text(
        textwrap.dedent(
            f"""\
            title: t
            execute:
              execute_notebooks: cache
            sphinx:
              local_extensions:
                package_cache: {ROOT / "_ext"}
              config:
                package_cache_packages: {{fakepkg: src/fakepkg}}
            """
        )
    )
    return tmp_path, log


def build(root: Path, log: Path) -> list[str]:
    log.write_text("")
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", str(root), "-W"], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return sorted(log.read_text().split())


def test_only_pages_that_import_a_changed_module_execute_again(book):
    root, log = book
    assert build(root, log) == ["p_a", "p_c", "p_none"]
    assert build(root, log) == [], "a no-op rebuild executes nothing"

    time.sleep(1.1)  # file times have a resolution; make the edit visibly newer
    (root / "src" / "fakepkg" / "b.py").write_text("B = 2\n")
    assert build(root, log) == ["p_a"], "p_a imports b through a"

    time.sleep(1.1)
    (root / "src" / "fakepkg" / "c.py").touch()
    assert build(root, log) == [], "a touched but unchanged module re-executes nothing"

    time.sleep(1.1)
    (root / "p_none.md").write_text(page("p_none", "import math  # edited", log))
    assert build(root, log) == ["p_none"], "editing one page re-executes only that page"


def test_dependency_walk_follows_imports_and_parent_packages(book):
    root, _ = book
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
