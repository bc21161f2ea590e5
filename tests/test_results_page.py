"""The results extension fills the table from glued values and judges each bar."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import NOTEBOOK_HEADER

PAGE = NOTEBOOK_HEADER + textwrap.dedent(
    """\
    # Experiments

    ```{code-cell} ipython3
    from myst_nb import glue
    glue("acc", float(0.91), display=False)
    glue("loss_a", 1.5, display=False)
    glue("loss_b", 2.5, display=False)
    ```
    """
)

SPEC = {
    "parts": [
        {
            "title": "Part A",
            "figures": [
                {"key": "acc", "page": "exp", "what": "Accuracy", "format": ".1%",
                 "bar": {"op": ">=", "value": 0.9}, "reference": "90% (paper)"},
                {"key": "loss_a", "page": "exp", "what": "Loss A", "format": ".2f",
                 "bar": {"op": "<", "key": "loss_b"}, "reference": "beats B"},
                {"key": "loss_b", "page": "exp", "what": "Loss B", "reference": "baseline"},
                {"key": "other", "page": "not_built", "what": "Elsewhere", "reference": "-"},
            ],
        }
    ]
}  # fmt: skip


def make_book(tiny_book, spec: dict):
    (tiny_book.root / "_data").mkdir()
    (tiny_book.root / "_data" / "results.yml").write_text(json.dumps(spec))
    results = "# Results\n\n```{results-table}\n:data: _data/results.yml\n```\n"
    # Another page glues the same key for something else; the table must not take it.
    other = PAGE.replace("0.91", "0.5").replace("# Experiments", "# More")
    return tiny_book.write(
        {"results": results, "exp": PAGE, "exp2": other},
        extensions=["results"],
        book={"exclude_patterns": ["_data"]},
    )


@pytest.mark.slow
def test_table_and_json_hold_values_and_verdicts(tiny_book):
    tmp_path = make_book(tiny_book, SPEC).root
    result = tiny_book.build()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "_build" / "html" / "results.json").read_text())
    figures = {f["key"]: f for f in data["parts"][0]["figures"]}
    assert set(figures) == {"acc", "loss_a", "loss_b"}, "figures of unbuilt pages are left out"
    assert figures["acc"]["value"] == 0.91, "the value glued by the figure's own page"
    assert figures["acc"]["meets_bar"] is True
    assert figures["loss_a"]["meets_bar"] is True, "1.5 < loss_b (2.5)"
    assert figures["loss_b"]["meets_bar"] is None, "reported, not judged"
    assert data["build"]["cpu_count"] >= 1 and "numpy" in data["build"]["versions"]
    html = (tmp_path / "_build" / "html" / "results.html").read_text()
    assert "91.0%" in html and "90% (paper)" in html and "&gt;= 0.9" in html


@pytest.mark.slow
def test_a_page_that_does_not_glue_its_key_fails_the_strict_build(tiny_book):
    spec = json.loads(json.dumps(SPEC))
    spec["parts"][0]["figures"][0]["key"] = "renamed_acc"
    result = make_book(tiny_book, spec).build()
    assert result.returncode != 0
    assert "does not glue 'renamed_acc'" in result.stdout + result.stderr


@pytest.mark.slow
def test_figures_computed_across_pages(tiny_book):
    spec = {
        "parts": [
            {
                "title": "Part B",
                "figures": [
                    {"key": "loss_a", "page": "exp", "what": "A against B of the other page",
                     "minus": {"page": "exp2", "key": "loss_b"}, "reference": "< 0: A wins",
                     "bar": {"op": "<", "value": 0}},
                    {"key": "acc_best", "page": "exp2", "what": "Best accuracy", "reference": "-",
                     "best_of": [{"page": "exp", "key": "acc"}, {"page": "exp2", "key": "acc"},
                                 {"page": "not_built", "key": "acc"}],
                     "bar": {"op": ">=", "value": 0.9}},
                    {"key": "acc_worst", "page": "exp2", "what": "Worst accuracy", "mode": "min",
                     "best_of": [{"page": "exp", "key": "acc"}, {"page": "exp2", "key": "acc"}],
                     "reference": "-"},
                    {"key": "loss_a", "page": "exp", "what": "Against a page not built",
                     "minus": {"page": "not_built", "key": "loss_b"}, "reference": "-"},
                ],
            }
        ]
    }  # fmt: skip
    tmp_path = make_book(tiny_book, spec).root
    result = tiny_book.build()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "_build" / "html" / "results.json").read_text())
    figures = data["parts"][0]["figures"]
    assert [f["what"] for f in figures] == [
        "A against B of the other page",
        "Best accuracy",
        "Worst accuracy",
    ], "no row without its other page"
    minus, best, worst = figures
    assert minus["value"] == pytest.approx(1.5 - 2.5) and minus["meets_bar"] is True
    assert best["value"] == pytest.approx(0.91) and best["meets_bar"] is True
    assert worst["value"] == pytest.approx(0.5) and worst["meets_bar"] is None


def test_glue_values_parse_numbers_and_strip_quotes():
    from results import glue_value, notebook_glue

    def output(name, text):
        return {
            "output_type": "display_data",
            "data": {"text/plain": text},
            "metadata": {"scrapbook": {"name": name, "mime_prefix": ""}},
        }

    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "x"},
            {"cell_type": "code", "outputs": [output("acc", "0.875"), {"output_type": "stream"}]},
            {"cell_type": "code", "outputs": [output("verdict", "'A beats B'")]},
        ]
    }
    assert notebook_glue(notebook) == {"acc": 0.875, "verdict": "A beats B"}
    assert glue_value({"data": {"text/plain": "12"}}) == 12.0
