"""The Results page: every headline figure of the book, computed at build time.

``book/_data/results.yml`` lists each figure: the page and glue key that compute it, the bar
the book holds itself to and the published reference. The ``results-table`` directive marks
where the table goes; once every page has been read (so every glue value is known), the
placeholder becomes one table per part, with the build machine and library versions, and the
same data is written to ``results.json`` in the HTML output.

A figure whose page is in the build but did not glue its key is a warning (an error under -W),
so a renamed key cannot silently drop a result. Figures of pages not in the build are left out.

Two kinds of figure combine values of several pages, computed here rather than on a page:

* ``minus: {page: ..., key: ...}``: the figure is its own value minus that of another page
  (say, one model's loss against another part's), so the comparison is computed at build time;
* ``best_of: [{page: ..., key: ...}, ...]`` with ``mode: max`` (default) or ``min``: the best
  of several pages' values (say, the best generator's coverage); ``key`` then only names the
  row, and pages not in the build are left out of the choice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import operator
import platform
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt, ">": operator.gt}
#: Packages whose versions the results page lists (import or distribution names).
VERSIONS = (
    "numpy",
    "tensorflow",
    "keras",
    "torch",
    "torch-geometric",
    "scikit-learn",
    "jupyter-book",
    "myst-nb",
)


class results_placeholder(nodes.General, nodes.Element):  # noqa: N801 (docutils node style)
    """Replaced by the results tables once all pages are read."""


class ResultsTable(Directive):
    """``{results-table}`` with ``:data:`` the YAML file, relative to the page."""

    option_spec = {"data": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        source = Path(env.doc2path(env.docname)).parent / self.options["data"]
        env.note_dependency(str(source))
        if not hasattr(env, "dlbook_results_docs"):
            env.dlbook_results_docs = set()
        env.dlbook_results_docs.add(env.docname)
        return [results_placeholder(data=str(source.resolve()))]


def glue_value(output: dict) -> Any:
    """The value of one glue output: its ``text/plain`` as a float where it parses, otherwise
    the text without its quotes."""
    text = next((v for k, v in output.get("data", {}).items() if k.endswith("text/plain")), "")
    try:
        return float(text)
    except ValueError:
        return text.strip("'\"")


def notebook_glue(notebook: dict) -> dict[str, Any]:
    """``{key: value}`` of every value glued in an executed notebook (its outputs)."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = glue_value(output)
    return values


def glued_values(app: Sphinx, docname: str) -> dict[str, Any]:
    """``{key: value}`` glued by a page in this build, as plain Python values where they parse."""
    path = Path(app.env.mystnb_config.output_folder) / f"{docname}.glue.json"
    if not path.is_file():
        return {}
    return {key: glue_value(output) for key, output in json.loads(path.read_text()).items()}


def judge(figure: dict, values: dict[str, Any], value: Any = None) -> bool | None:
    """Whether a figure meets its bar; None when it has no bar or a value is missing.

    ``values`` are those glued by the figure's page; a bar given as another ``key`` (a
    baseline) is looked up among them. ``value`` is the figure's value when it is computed
    (``minus``, ``best_of``) rather than glued under its key.
    """
    bar = figure.get("bar")
    if value is None:
        value = values.get(figure["key"])
    if not bar or not isinstance(value, float):
        return None
    other = values.get(bar["key"]) if "key" in bar else bar["value"]
    if not isinstance(other, int | float):
        return None
    return bool(OPS[bar["op"]](value, other))


def describe_bar(figure: dict) -> str:
    bar = figure.get("bar")
    if not bar:
        return "reported"
    return f"{bar['op']} {bar['key'] if 'key' in bar else bar['value']}"


def collect(app: Sphinx, data_file: Path) -> dict[str, Any]:
    """The figures of every part whose page is in the build, with values and verdicts."""
    spec = yaml.safe_load(data_file.read_text())
    found = app.env.found_docs
    # Glue keys belong to their page: two pages may glue the same key for different things.
    page_values: dict[str, dict[str, Any]] = {}

    def glued(page: str, key: str) -> Any:
        if page not in page_values:
            page_values[page] = glued_values(app, page)
        if key not in page_values[page]:
            LOGGER.warning(
                "results: page %s does not glue %r (see %s)",
                page,
                key,
                data_file.name,
                location=page,
            )
        return page_values[page].get(key)

    parts = []
    for part in spec["parts"]:
        rows = []
        for figure in part["figures"]:
            if figure["page"] not in found:
                continue
            if "minus" in figure and figure["minus"]["page"] not in found:
                continue  # nothing to compare with in this build
            if "best_of" in figure and not any(s["page"] in found for s in figure["best_of"]):
                continue
            if "best_of" in figure:
                sources = [s for s in figure["best_of"] if s["page"] in found]
                found_values = [glued(s["page"], s["key"]) for s in sources]
                numbers = [v for v in found_values if isinstance(v, float)]
                pick = min if figure.get("mode", "max") == "min" else max
                value = pick(numbers) if numbers else None
            else:
                value = glued(figure["page"], figure["key"])
            if "minus" in figure:
                other = glued(figure["minus"]["page"], figure["minus"]["key"])
                both = isinstance(value, float) and isinstance(other, float)
                value = value - other if both else None
            rows.append(
                {
                    **figure,
                    "value": value,
                    "meets_bar": judge(figure, page_values.get(figure["page"], {}), value),
                    "bar_text": describe_bar(figure),
                }
            )
        if rows:
            parts.append({"title": part["title"], "figures": rows})
    return {"build": build_info(), "parts": parts}


def build_info() -> dict[str, Any]:
    """The build machine and library versions, from :mod:`dlbook.env`'s environment report."""
    from dlbook.env import cpu_model, environment_report, installed_versions

    with contextlib.suppress(ImportError):
        import torch  # noqa: F401 (the report looks for a GPU through an imported torch)
    report = environment_report(frameworks=("torch",))
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cpu_count": report.cpu_count,
        "gpu": report.device if report.gpu else None,
        "python": report.python,
        "platform": f"{platform.system()} {platform.release()}",
        "versions": installed_versions(VERSIONS),
    }


def _format(value: Any, fmt: str) -> str:
    if isinstance(value, float):
        try:
            return format(value, fmt)
        except ValueError:
            return str(value)
    return "missing" if value is None else str(value)


def _table(app: Sphinx, fromdoc: str, rows: list[dict]) -> nodes.table:
    headers = ["Figure", "This build", "Bar", "Meets bar", "Published reference"]
    table = nodes.table(classes=["dlbook-results"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in (34, 12, 14, 10, 30):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for text in headers:
        row += nodes.entry("", nodes.paragraph(text=text))
    head += row
    group += head
    body = nodes.tbody()
    for figure in rows:
        row = nodes.row()
        what = nodes.paragraph()
        if app.builder.format == "html":
            uri = app.builder.get_relative_uri(fromdoc, figure["page"])
            what += nodes.reference("", figure["what"], refuri=uri, internal=True)
        else:
            what += nodes.Text(figure["what"])
        what += nodes.Text(" ")
        what += nodes.literal(text=figure["key"])
        verdict = {True: "yes", False: "NO", None: "-"}[figure["meets_bar"]]
        cells = [
            what,
            nodes.paragraph(text=_format(figure["value"], figure.get("format", ".4g"))),
            nodes.paragraph(text=figure["bar_text"]),
            nodes.paragraph(text=verdict),
            nodes.paragraph(text=figure["reference"]),
        ]
        for cell in cells:
            row += nodes.entry("", cell)
        body += row
    group += body
    return table


def _machine(build: dict) -> nodes.Node:
    gpu = build["gpu"] or "none"
    text = (
        f"Built {build['date']} on {build['cpu']} ({build['cpu_count']} cores, GPU: {gpu}), "
        f"{build['platform']}, Python {build['python']}; "
        + ", ".join(f"{k} {v}" for k, v in build["versions"].items())
        + "."
    )
    return nodes.paragraph(text=text, classes=["dlbook-results-machine"])


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(results_placeholder)):
        results = collect(app, Path(placeholder["data"]))
        app.env.dlbook_results = results
        new: list[nodes.Node] = [_machine(results["build"])]
        for part in results["parts"]:
            section = nodes.rubric(text=part["title"])
            new += [section, _table(app, docname, part["figures"])]
        if not results["parts"]:
            new.append(nodes.paragraph(text="No page with a headline figure is in this build."))
        placeholder.replace_self(new)


def on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    # The results page shows values from other pages: rewrite it whenever any page changes.
    if added or changed or removed:
        return sorted(getattr(env, "dlbook_results_docs", set()) - set(removed))
    return []


def on_env_merge_info(app, env, docnames, other) -> None:
    if not hasattr(env, "dlbook_results_docs"):
        env.dlbook_results_docs = set()
    env.dlbook_results_docs |= getattr(other, "dlbook_results_docs", set())


def on_env_purge_doc(app, env, docname) -> None:
    getattr(env, "dlbook_results_docs", set()).discard(docname)


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    results = getattr(app.env, "dlbook_results", None)
    if exception is not None or app.builder.format != "html" or results is None:
        return
    out = Path(app.outdir) / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


def setup(app: Sphinx) -> dict:
    app.add_node(results_placeholder)
    app.add_directive("results-table", ResultsTable)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("build-finished", on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
