"""Re-execute exactly the pages whose code depends on a changed module of ``dlbook``.

Jupyter Book's execution cache keys a page on its code cells alone, so editing the package
would leave stale outputs behind. This extension closes that gap in two steps while Sphinx reads
a MyST notebook page:

1. It finds the package modules the page's code imports, directly or through other modules of
   the package (a static walk of ``import`` statements), and registers their files as
   dependencies of the page, so Sphinx re-reads the page when one of them changes.
2. It writes a hash of those files' contents into the page's ``kernelspec`` metadata, which
   jupyter-cache includes in its key. A changed module therefore changes the key and the page
   executes again; an unchanged one (a mere ``touch``) still hits the cache.

Pages that do not import the package are never affected.

Configuration (``sphinx: config:`` in ``_config.yml``):
``package_cache_packages``: mapping of top-level package name to its source folder, relative to
the book root (default ``{"dlbook": "src/dlbook"}``).
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

HASH_KEY = "dlbook_package_hash"


class PackageIndex:
    """Resolves module names of one package to files and follows imports between them."""

    def __init__(self, name: str, folder: Path):
        self.name = name
        self.folder = folder
        self._imports: dict[Path, set[str]] = {}

    def file_of(self, module: str) -> Path | None:
        parts = module.split(".")
        if parts[0] != self.name:
            return None
        base = self.folder.joinpath(*parts[1:])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    def _module_name(self, path: Path) -> str:
        rel = path.relative_to(self.folder).with_suffix("")
        parts = [self.name, *rel.parts]
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def imports_in_file(self, path: Path) -> set[str]:
        if path not in self._imports:
            tree = ast.parse(path.read_text(), filename=str(path))
            package = self._module_name(path)
            if path.name != "__init__.py":
                package = package.rpartition(".")[0]
            self._imports[path] = self.imported_modules(tree, package)
        return self._imports[path]

    def imported_modules(self, tree: ast.AST, package: str = "") -> set[str]:
        """Names of this package's modules that the code in ``tree`` may import."""
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative import inside the package
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, node.module] if node.module else anchor)
                else:
                    base = node.module or ""
                found.add(base)
                # `from pkg.sub import name` may name a submodule as well as an attribute.
                found.update(f"{base}.{alias.name}" for alias in node.names)
        return {m for m in found if m.split(".")[0] == self.name}

    def closure(self, modules: set[str]) -> set[Path]:
        """Files of the given modules, their parent packages, and everything they import."""
        files: set[Path] = set()
        todo = list(modules)
        seen: set[str] = set()
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            parts = module.split(".")
            # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
            todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
            path = self.file_of(module)
            if path is None or path in files:
                continue
            files.add(path)
            todo.extend(self.imports_in_file(path))
        return files


def is_notebook_source(source: str) -> bool:
    """Whether a MyST Markdown page is an executable notebook (its front matter has a kernel).

    The one test of "is this page executable" that the extensions, tools and tests share.
    """
    return source.startswith("---") and "kernelspec" in source.split("\n---", 2)[0]


def code_of_page(source: str) -> str | None:
    """The code cells of a MyST notebook page, joined, or None when it is not a notebook."""
    if not is_notebook_source(source):
        return None
    import jupytext

    notebook = jupytext.reads(source, fmt="myst")
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def _parse_code(code: str) -> ast.AST:
    # IPython magics and shell escapes are not Python; blank them out before parsing.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return ast.parse("")


def dependency_files(code: str, indexes: list[PackageIndex]) -> list[Path]:
    tree = _parse_code(code)
    files: set[Path] = set()
    for index in indexes:
        files |= index.closure(index.imported_modules(tree))
    return sorted(files)


def hash_files(files: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def with_hash_in_kernelspec(source: str, value: str) -> str:
    """Return the page source with ``kernelspec.<HASH_KEY>: value`` in its YAML front matter."""
    _, front, body = source.split("---", 2)
    meta = yaml.safe_load(front) or {}
    meta.setdefault("kernelspec", {})[HASH_KEY] = value
    return "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---" + body


def package_indexes(app: Sphinx) -> list[PackageIndex]:
    if not hasattr(app, "_package_cache_indexes"):
        root = Path(app.confdir)
        app._package_cache_indexes = [
            PackageIndex(name, (root / folder).resolve())
            for name, folder in app.config.package_cache_packages.items()
        ]
    return app._package_cache_indexes


def page_source_and_dependencies(app: Sphinx, source: str) -> tuple[str, list[Path]]:
    """The page source as the build executes it (package hash in its kernelspec) and the
    package files it depends on; an unchanged source and no files for other pages."""
    code = code_of_page(source)
    if code is None:
        return source, []
    files = dependency_files(code, package_indexes(app))
    if not files:
        return source, []
    digest = hash_files(files, Path(app.confdir).resolve())
    return with_hash_in_kernelspec(source, digest), files


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    source[0], files = page_source_and_dependencies(app, source[0])
    for path in files:
        app.env.note_dependency(str(path))
    if files:
        LOGGER.verbose("[package_cache] %s depends on %d package files", docname, len(files))


def on_builder_inited(app: Sphinx) -> None:
    # A fresh index per build: module files may have changed since the last one.
    if hasattr(app, "_package_cache_indexes"):
        del app._package_cache_indexes


def setup(app: Sphinx) -> dict:
    app.add_config_value("package_cache_packages", {"dlbook": "src/dlbook"}, "env", [dict])
    app.connect("builder-inited", on_builder_inited)
    # Run before myst-nb parses the page (a lower priority runs first).
    app.connect("source-read", on_source_read, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
