"""Two runs of a page in fresh kernels glue the same figures.

Seeds are fixed by `dlbook.setup`, so on the same machine a rebuild repeats a page's numbers.
CPU kernels are deterministic for the small models of the book, so the tolerance is tight: a
relative difference of at most 1e-6 (exact equality for text). This is checked on a small page
that trains a model (a GCN on the karate club) and glues its results.
"""

from __future__ import annotations

import math
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))

from run_pages import run_page  # noqa: E402

from results import notebook_glue  # noqa: E402

pytestmark = pytest.mark.book

PAGE = ROOT / "book" / "graphs" / "message_passing.md"
RELATIVE_TOLERANCE = 1e-6


def test_two_runs_glue_the_same_figures():
    first_seconds, first_error, first = run_page(PAGE)
    second_seconds, second_error, second = run_page(PAGE)
    assert first_error is None and second_error is None, first_error or second_error
    a, b = notebook_glue(first), notebook_glue(second)
    assert a, "the page glues no value"
    assert a.keys() == b.keys()
    differ = {
        key: (a[key], b[key])
        for key in a
        if not (
            math.isclose(a[key], b[key], rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
            if isinstance(a[key], float) and isinstance(b[key], float)
            else a[key] == b[key]
        )
    }
    assert not differ, f"values that changed between two runs: {differ}"
