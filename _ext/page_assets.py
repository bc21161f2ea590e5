"""Tidy what each HTML page loads, and describe each page for sharing.

sphinx-thebe (which Jupyter Book always enables) registers its configuration script on every
build that reads pages, so an incremental build can list the same inline script twice; its
``const`` declarations then fail in the browser ("has already been declared"). This extension
keeps the first of any identical script entries on each page.

Each page also gets a ``description`` and Open Graph tags (title, description, site name) made
from its title and first paragraph, so a shared link previews sensibly.
"""

from __future__ import annotations

import html

from docutils import nodes
from sphinx.application import Sphinx

DESCRIPTION_LENGTH = 200


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # An inline script has no file; Sphinx records that as None or "" depending on its origin.
    return (getattr(script, "filename", str(script)) or "", attributes.get("body"))


def dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def first_paragraph(doctree: nodes.document) -> str:
    for paragraph in doctree.findall(nodes.paragraph):
        text = " ".join(paragraph.astext().split())
        if len(text) > 40:
            if len(text) > DESCRIPTION_LENGTH:
                text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
            return text
    return ""


def add_metadata(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is None:
        return
    description = first_paragraph(doctree)
    title = html.unescape(context.get("title", "")) or app.config.project
    tags = [
        ("name", "description", description),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:site_name", app.config.html_title or app.config.project),
        ("property", "og:type", "article"),
    ]
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n    <meta {kind}="{key}" content="{html.escape(value, quote=True)}" />'
        for kind, key, value in tags
        if value
    )


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", add_metadata)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
