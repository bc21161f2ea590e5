"""The book's code cells fit the content column: no line longer than LINE_LENGTH characters.

At a 1280-pixel-wide window the content column shows 88 characters of code (see
book/_static/dlbook.css); the browser test in test_a11y.py checks the rendered pages.
Format a page's code with ``jupytext --pipe "ruff format --line-length 88 -" book/<page>.md``.
"""

from __future__ import annotations

import jupytext
import pytest

from conftest import ROOT, executable_pages

LINE_LENGTH = 88


@pytest.mark.parametrize("docname", executable_pages())
def test_code_lines_fit_the_column(docname):
    notebook = jupytext.read(ROOT / f"{docname}.md")
    long = [
        f"cell {i}: {len(line)} chars: {line.strip()[:60]}..."
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > LINE_LENGTH
    ]
    assert not long, f"{docname}: code lines over {LINE_LENGTH} characters:\n" + "\n".join(long)
