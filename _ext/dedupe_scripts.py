"""Keep one copy of each script a page loads.

sphinx-thebe (which Jupyter Book always enables) registers its configuration script on every
build that reads pages, so an incremental build can list the same inline script twice; its
``const`` declarations then fail in the browser ("has already been declared"). This extension
keeps the first of any identical script entries on each page.

(The page descriptions and Open Graph tags that this module used to write come from
``sphinxext-opengraph`` now; see ``_config.yml``.)
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # An inline script has no file; Sphinx records that as None or "" depending on its origin.
    return (getattr(script, "filename", str(script)) or "", attributes.get("body"))


def dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Drop the repeated entries of ``context["script_files"]``, keeping the first of each."""
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


def setup(app: Sphinx) -> dict:
    # After the other handlers of html-page-context (default priority 500) have added theirs.
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
