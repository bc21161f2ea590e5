"""The diagram vocabulary and the book's diagrams: every one draws, as SVG and PDF."""

from __future__ import annotations

import re

import matplotlib
import pytest

matplotlib.use("Agg")

from conftest import ROOT  # noqa: E402
from diagrams import diagram_sources, draw_changed, draw_diagram  # noqa: E402
from dlbook.plot import diagrams as dg  # noqa: E402

FOLDER = ROOT / "book" / "_diagrams"


def test_box_geometry_and_roles():
    fig, ax = dg.canvas(4, 2)
    b = dg.box(ax, (2, 1), "x", role="param", w=1.0, h=0.5)
    assert (b.left, b.right, b.top, b.bottom) == ((1.5, 1), (2.5, 1), (2, 1.25), (2, 0.75))
    with pytest.raises(ValueError, match="unknown role"):
        dg.box(ax, (1, 1), "x", role="weights")
    with pytest.raises(ValueError, match="positive"):
        dg.canvas(0, 1)


def test_matrix_checks_its_input():
    fig, ax = dg.canvas(4, 4)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dg.matrix(ax, [[2.0]], origin=(1, 3))
    with pytest.raises(ValueError, match="2-D"):
        dg.matrix(ax, [1.0, 0.5], origin=(1, 3))
    with pytest.raises(ValueError, match="mask shape"):
        dg.matrix(ax, [[0.5, 0.5]], origin=(1, 3), masked=[[True]])


def test_roles_differ_by_more_than_colour():
    # Parameters have square corners, operations round ones; gradients are dashed arrows.
    assert dg.ROLES["param"]["pad"] == 0.0 and dg.ROLES["op"]["pad"] > 0
    fig, ax = dg.canvas(2, 1)
    dg.arrow(ax, (0.1, 0.5), (1.9, 0.5), role="grad")
    assert ax.patches[-1].get_linestyle() != "-"


@pytest.mark.parametrize("path", diagram_sources(FOLDER), ids=lambda p: p.stem)
def test_every_book_diagram_draws_as_vector_graphics(path, tmp_path):
    written = draw_diagram(path, tmp_path)
    assert sorted(p.suffix for p in written) == [".pdf", ".svg"]
    svg = (tmp_path / f"{path.stem}.svg").read_text()
    assert "<svg" in svg and "<image" not in svg, "vector drawing, no embedded bitmap"
    assert (tmp_path / f"{path.stem}.pdf").read_bytes().startswith(b"%PDF")
    assert not re.search(r"<dc:date>", svg), "no timestamp: rebuilds give identical files"


def test_diagrams_are_redrawn_only_when_their_source_changes(tmp_path):
    source = tmp_path / "tiny.py"
    source.write_text(
        "from dlbook.plot import diagrams as dg\n"
        "def draw():\n    fig, ax = dg.canvas(2, 1)\n"
        "    dg.box(ax, (1, 0.5), 'a')\n    return fig\n"
    )
    (tmp_path / "_helper.py").write_text("raise RuntimeError('not a diagram')\n")
    assert draw_changed(tmp_path) == ["tiny"]
    assert draw_changed(tmp_path) == []
    source.write_text(source.read_text().replace("'a'", "'b'"))
    assert draw_changed(tmp_path) == ["tiny"]


def test_a_broken_diagram_fails_with_its_name(tmp_path):
    from sphinx.errors import ExtensionError

    (tmp_path / "broken.py").write_text("def draw():\n    raise ValueError('oops')\n")
    with pytest.raises(ExtensionError, match="broken.py could not be drawn"):
        draw_changed(tmp_path)
