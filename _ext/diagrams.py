"""Draw the book's diagrams at build time, as SVG (HTML) and PDF (the printed book).

Each diagram is a Python file in ``dlbook_diagrams_dir`` (default ``book/_diagrams``) with a
``draw()`` function that returns a matplotlib figure built from the vocabulary of
:mod:`dlbook.plot.diagrams`. When the builder starts, every diagram whose source (or the
vocabulary) changed since it was last drawn is drawn again into ``<dir>/_out/<name>.svg`` and
``.pdf``; a page shows it with a figure directive and a wildcard, so that each builder picks its
format::

    ```{figure} ../_diagrams/_out/transformer_blocks.*
    :name: fig-transformer-blocks
    :alt: What the diagram shows, for a screen reader.

    The caption: what to see in it.
    ```

Files whose name starts with ``_`` are helpers, not diagrams. ``_out/`` is not committed.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def diagram_sources(folder: Path) -> list[Path]:
    """The diagram files of ``folder`` (``*.py`` not starting with ``_``), sorted."""
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def source_hash(path: Path) -> str:
    from dlbook.plot import diagrams

    digest = hashlib.sha256(path.read_bytes())
    digest.update(Path(diagrams.__file__).read_bytes())
    return digest.hexdigest()[:16]


def draw_diagram(path: Path, out: Path) -> list[Path]:
    """Run ``path``'s ``draw()`` and save the figure as ``out/<stem>.svg`` and ``.pdf``."""
    import matplotlib

    matplotlib.use("Agg")
    from dlbook.plot import diagrams

    spec = importlib.util.spec_from_file_location(f"dlbook_diagram_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        draw = getattr(module, "draw", None)
        if draw is None:
            raise AttributeError(f"{path.name} has no draw() function")
        figure = draw()
    except Exception as exc:
        raise ExtensionError(f"diagram {path} could not be drawn: {exc!r}") from exc
    return diagrams.save(figure, out / path.stem)


def draw_changed(folder: Path) -> list[str]:
    """Draw every diagram of ``folder`` whose source changed; returns the names drawn."""
    out = folder / "_out"
    drawn = []
    for path in diagram_sources(folder):
        stamp = out / f"{path.stem}.hash"
        digest = source_hash(path)
        fresh = all((out / f"{path.stem}.{ext}").is_file() for ext in ("svg", "pdf"))
        if fresh and stamp.is_file() and stamp.read_text() == digest:
            continue
        draw_diagram(path, out)
        stamp.write_text(digest)
        drawn.append(path.stem)
    return drawn


def on_builder_inited(app: Sphinx) -> None:
    folder = Path(app.confdir) / app.config.dlbook_diagrams_dir
    if not folder.is_dir():
        return
    drawn = draw_changed(folder)
    if drawn:
        LOGGER.info("[diagrams] drew %s", ", ".join(drawn))


def setup(app: Sphinx) -> dict:
    app.add_config_value("dlbook_diagrams_dir", "book/_diagrams", "env", [str])
    app.connect("builder-inited", on_builder_inited)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
