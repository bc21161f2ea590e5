"""Every page describes itself for sharing (sphinxext-opengraph, as _config.yml sets it up) and
loads each script once (_ext/dedupe_scripts.py)."""

from __future__ import annotations

import re
import textwrap
from types import SimpleNamespace

import pytest
import yaml

from conftest import ROOT
from dedupe_scripts import dedupe_scripts


def test_repeated_scripts_are_kept_once_in_order():
    def script(filename, body=None):
        return SimpleNamespace(filename=filename, attributes={"body": body} if body else {})

    first, thebe, again = script("a.js"), script("", "const x = 1;"), script("a.js")
    context = {"script_files": [first, thebe, script("b.js"), again, script(None, "const x = 1;")]}
    dedupe_scripts(None, "page", "page.html", context, None)
    assert [(s.filename, s.attributes.get("body")) for s in context["script_files"]] == [
        ("a.js", None),
        ("", "const x = 1;"),
        ("b.js", None),
    ]
    assert context["script_files"][0] is first
    empty = {}
    dedupe_scripts(None, "page", "page.html", empty, None)
    assert empty == {}


@pytest.mark.slow
def test_pages_carry_a_description_and_open_graph_tags(tiny_book):
    book_config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    config = {k: v for k, v in book_config.items() if k.startswith("ogp_")}
    page = textwrap.dedent(
        """\
        # Attention

        Attention lets every position of a sequence look at every other one, weighting each by
        how well its key matches the query.

        Another paragraph.
        """
    )
    tiny_book.write(
        {"index": page},
        extensions=["dedupe_scripts"],
        sphinx_extensions=["sphinxext.opengraph"],
        config=config,
        execute="off",
    )
    result = tiny_book.build()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = tiny_book.html("index")
    description = re.search(r'<meta name="description" content="([^"]{40,})"', html)
    assert description and description.group(1).startswith("Attention lets every position")
    assert '<meta property="og:title" content="Attention"' in html
    assert '<meta property="og:type" content="article"' in html
    assert f'<meta property="og:site_name" content="{config["ogp_site_name"]}"' in html
    assert "og:image" not in html, "no generated social cards"
    assert not list(tiny_book.root.glob("_build/html/_images/social_previews/*"))
