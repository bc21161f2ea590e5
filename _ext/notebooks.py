"""Ready-to-run notebooks for every executable page, and launch buttons that open them.

sphinx-book-theme builds Colab links from a page's source file, which for MyST Markdown pages is
a ``.md`` that Colab cannot open. This extension instead

* writes, for every executable page, a notebook ``_notebooks/<docname>.ipynb`` into the HTML
  output: the page's cells (no outputs), preceded by a **setup cell** that installs what the page
  imports and the runtime lacks, or has in a version older than the lowest one the book is
  tested with (the ``>=`` bounds in ``pyproject.toml``): ``dlbook`` at the commit the book was
  built from, and pinned versions from ``requirements.txt``. It prints each install and its
  reason, so it runs on a bare Colab or Binder kernel and does nothing where everything is
  present and recent enough. "What the page imports" includes what the ``dlbook``
  modules it uses import when loaded (``dlbook.train`` needs PyTorch even on a page that never
  imports ``torch``) and the TensorFlow backend that Keras 3 needs. Pages that import a
  deep-learning framework ask Colab for a GPU;
* points the page's Colab and Binder buttons and its ``.ipynb`` download at that notebook, as
  published on the notebooks branch (``dlbook_notebooks_branch``) of the repository named in
  ``_config.yml`` (``repository.url``). The deploy workflow copies ``_notebooks/`` to that branch.

The setup cell honours ``DLBOOK_SOURCE``: a pip requirement (a local path, a wheel, a git URL)
to install ``dlbook`` from instead of the pinned commit; the tests use it for a local checkout.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext
import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

from package_cache import (
    PackageIndex,
    _parse_code,
    code_of_page,
    dependency_files,
    is_notebook_source,
    package_indexes,
)

LOGGER = logging.getLogger(__name__)

NOTEBOOK_DIR = "_notebooks"
SETUP_TAG = "dlbook-setup"

#: Import names whose distribution has another name on PyPI.
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "torch_geometric": "torch-geometric",
    "myst_nb": "myst-nb",
    "yaml": "pyyaml",
    "PIL": "pillow",
    "tensorflow": "tensorflow",
}
#: Distributions pinned under another name in requirements.txt (the CPU-only TensorFlow wheel).
PIN_ALIASES = {"tensorflow": "tensorflow-cpu"}
#: Present in every Jupyter kernel: never installed by the setup cell.
KERNEL_PROVIDED = {"IPython", "ipykernel", "ipywidgets", "traitlets"}
#: Imports that cannot run without another: Keras 3 needs a backend, and the book's is TensorFlow.
IMPLIED = {"keras": ("tensorflow",)}
#: Imports that make a page worth running on a GPU.
GPU_FRAMEWORKS = {"torch", "tensorflow", "keras", "torch_geometric"}


def read_pins(requirements: Path) -> dict[str, str]:
    """``{distribution name (lower case): "name==version"}`` from a requirements file."""
    pins = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)", line)
        if match:
            pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    return pins


def read_floors(pyproject: Path) -> dict[str, str]:
    """``{distribution name (lower case): lowest tested version}`` from the ``>=`` bounds of
    ``pyproject.toml``'s dependencies and optional dependencies."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        requirements += group
    floors = {}
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?[^;]*?>=\s*([0-9][\w.]*)", requirement)
        if match:
            floors[match.group(1).lower()] = match.group(3)
    return floors


def top_level_imports(code: str) -> list[str]:
    """Top-level module names imported anywhere in ``code``, in first-seen order."""
    names: list[str] = []
    for node in ast.walk(_parse_code(code)):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found = [node.module]
        else:
            continue
        for name in found:
            top = name.split(".")[0]
            if top not in names:
                names.append(top)
    return names


def module_level_imports(code: str) -> list[str]:
    """Top-level module names a module imports when it is loaded (not inside functions)."""
    tree = _parse_code(code)
    names: list[str] = []
    todo = list(ast.iter_child_nodes(tree))
    while todo:
        node = todo.pop(0)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in top_level_imports(ast.unparse(node)):
                if name not in names:
                    names.append(name)
        todo.extend(ast.iter_child_nodes(node))
    return names


def requirements_for(
    code: str, pins: dict[str, str], dlbook_source: str, package_code: str = ""
) -> dict[str, str]:
    """``{import name: pip requirement}`` for the third-party modules a page needs: those its
    ``code`` imports, those the package modules it uses (``package_code``) import when loaded,
    and those that these imply (:data:`IMPLIED`).

    Raises ``ValueError`` naming any import that is neither in the standard library nor pinned
    in requirements.txt, so that a notebook never silently lacks an install.
    """
    names = top_level_imports(code)
    names += [n for n in module_level_imports(package_code) if n not in names]
    names += [m for n in names for m in IMPLIED.get(n, ()) if m not in names]
    required: dict[str, str] = {}
    unknown = []
    for name in names:
        if name in sys.stdlib_module_names or name in KERNEL_PROVIDED:
            continue
        if name == "dlbook":
            required[name] = dlbook_source
            continue
        dist = DISTRIBUTIONS.get(name, name)
        pin = pins.get(PIN_ALIASES.get(dist, dist).lower())
        if pin is None:
            unknown.append(name)
            continue
        required[name] = dist + "==" + pin.split("==", 1)[1]
    if unknown:
        raise ValueError(
            f"imports {unknown} are neither standard library nor pinned in requirements.txt; "
            "pin them there (or add the import name to DISTRIBUTIONS in _ext/notebooks.py)"
        )
    return required


#: The setup cell's code after its REQUIRED table. It needs nothing but the standard library,
#: and compares versions by their release numbers ("2.11.0+cu128" is 2.11.0).
SETUP_CODE = """\
def _release(version):
    return tuple(int(n) for n in re.findall(r"\\d+", re.match(r"[\\d.]*", version)[0]))


def _installed(distributions):
    for distribution in distributions:
        try:
            return distribution, importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            pass
    return None, None


def _what_to_install(required):
    \"\"\"{pip requirement: why} for what is missing or older than the oldest tested.\"\"\"
    install = {}
    for name, (requirement, distributions, oldest) in required.items():
        if importlib.util.find_spec(name) is None:
            install[requirement] = f"{name} is not installed"
            continue
        distribution, version = _installed(distributions)
        if oldest and version and _release(version) < _release(oldest):
            install[requirement] = (
                f"{distribution} {version} is older than {oldest}, "
                "the oldest version this book is tested with"
            )
    return install


_install = _what_to_install(REQUIRED)
for _requirement, _why in _install.items():
    print(f"Installing {_requirement}: {_why}")
if _install:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *_install], check=True)
    importlib.invalidate_caches()
    _stale = [
        name
        for name, (requirement, _, _) in REQUIRED.items()
        if requirement in _install and name in sys.modules
    ]
    if _stale:
        raise RuntimeError(
            f"{', '.join(_stale)} had been imported before this cell upgraded it: restart "
            "the kernel (Colab: Runtime > Restart session), then run the notebook again"
        )
"""


def setup_cell_source(required: dict[str, str], floors: dict[str, str] | None = None) -> str:
    """The setup cell: ``required`` (import name -> pip requirement, as from
    :func:`requirements_for`) with each distribution's lowest tested version from ``floors``
    (see :func:`read_floors`), then :data:`SETUP_CODE`."""
    floors = floors or {}
    lines = [
        "# Setup for Colab, Binder or any fresh Jupyter kernel. It installs what this page",
        "# imports and the runtime lacks or has in a version older than the oldest the book is",
        "# tested with: the book's package `dlbook` (at the commit this notebook was made",
        "# from) and pinned libraries. Where all is there and recent enough, it does nothing.",
        "import importlib.metadata",
        "import importlib.util",
        "import os",
        "import re",
        "import subprocess",
        "import sys",
        "",
        "REQUIRED = {  # import name: (pip requirement, distributions, oldest tested version)",
    ]
    for name, requirement in required.items():
        if name == "dlbook":
            source = f'os.environ.get("DLBOOK_SOURCE", "{requirement}")'
            lines.append(f'    "dlbook": ({source}, (), None),')
            continue
        dist = requirement.split("==", 1)[0]
        names = [json.dumps(d) for d in (dist, PIN_ALIASES.get(dist)) if d]
        names = f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
        oldest = floors.get(dist.lower())
        oldest = json.dumps(oldest) if oldest else "None"
        lines.append(f'    "{name}": ({json.dumps(requirement)}, {names}, {oldest}),')
    lines += ["}", "", "", ""]
    return "\n".join(lines) + SETUP_CODE.rstrip("\n")


def make_notebook(
    source: str,
    pins: dict[str, str],
    dlbook_source: str,
    package_code: str = "",
    floors: dict[str, str] | None = None,
) -> nbformat.NotebookNode:
    """The ready-to-run notebook of a MyST notebook page: setup cell, then the page's cells.

    ``package_code`` is the source of the package modules the page uses (see
    :func:`requirements_for`); ``floors`` the lowest tested versions (:func:`read_floors`).
    """
    notebook = jupytext.reads(source, fmt="myst")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    required = requirements_for(code, pins, dlbook_source, package_code)
    setup = nbformat.v4.new_code_cell(
        setup_cell_source(required, floors), metadata={"tags": [SETUP_TAG, "hide-input"]}
    )
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.cells.insert(0, setup)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    if GPU_FRAMEWORKS & set(required):
        notebook.metadata["accelerator"] = "GPU"
        notebook.metadata["colab"] = {"provenance": [], "gpuType": "T4"}
    return notebook


def page_notebook(
    source: str,
    pins: dict[str, str],
    dlbook_source: str,
    indexes: list[PackageIndex],
    floors: dict[str, str] | None = None,
) -> nbformat.NotebookNode | None:
    """The ready-to-run notebook of a page's MyST source, or None if it is not executable.

    The package modules the page uses, found through ``indexes``, count for its setup cell.
    """
    code = code_of_page(source)
    if code is None:
        return None
    modules = dependency_files(code, indexes)
    package_code = "\n".join(module.read_text() for module in modules)
    return make_notebook(source, pins, dlbook_source, package_code, floors)


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "main"


def _repo_parts(app: Sphinx) -> tuple[str, str] | None:
    url = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(\.git)?", url)
    return (match.group(1), match.group(2)) if match else None


def launch_urls(app: Sphinx, docname: str) -> dict[str, str]:
    """Colab and Binder URLs of a page's notebook on the notebooks branch."""
    parts = _repo_parts(app)
    if parts is None:
        return {}
    org, repo = parts
    branch = app.config.dlbook_notebooks_branch
    path = f"{docname}.ipynb"
    return {
        "Colab": f"https://colab.research.google.com/github/{org}/{repo}/blob/{branch}/{path}",
        "Binder": f"https://mybinder.org/v2/gh/{org}/{repo}/{branch}?urlpath=lab/tree/{path}",
    }


def _is_executable(app: Sphinx, docname: str) -> bool:
    if docname not in app.env.all_docs:
        return False  # generated pages: search, index
    return is_notebook_source(Path(app.env.doc2path(docname)).read_text())


def _link_pdf(app: Sphinx, group: dict, pathto) -> None:
    """Make the theme's ".pdf" entry download the whole book's PDF instead of printing."""
    for button in group["buttons"]:
        if button.get("label") == "download-pdf-button":
            button.update(
                type="link",
                url=pathto(app.config.dlbook_pdf_name, 1),
                tooltip="Download the whole book as a PDF",
            )
            button.pop("javascript", None)


def _link_notebook(group: dict, notebook_url: str) -> None:
    group["buttons"] = [b for b in group["buttons"] if b.get("label") != "download-notebook-button"]
    group["buttons"].insert(
        0,
        {
            "type": "link",
            "url": notebook_url,
            "text": ".ipynb",
            "icon": "fas fa-code",
            "tooltip": "Download this page as a ready-to-run notebook",
            "label": "download-notebook-button",
        },
    )


def add_buttons(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is None:
        return
    buttons = context.setdefault("header_buttons", [])
    pathto = context["pathto"]
    executable = _is_executable(app, pagename)
    for group in buttons:
        if group.get("label") == "download-buttons":
            _link_pdf(app, group, pathto)
            if executable:
                _link_notebook(group, pathto(f"{NOTEBOOK_DIR}/{pagename}.ipynb", 1))
    if not executable:
        return
    urls = launch_urls(app, pagename)
    if not urls:
        return
    icons = {"Colab": "_static/images/logo_colab.png", "Binder": "_static/images/logo_binder.svg"}
    launch = {
        "type": "group",
        "tooltip": "Run this page as a notebook",
        "icon": "fas fa-rocket",
        "label": "launch-buttons",
        "buttons": [
            {
                "type": "link",
                "text": name,
                "tooltip": f"Open this page as a notebook on {name}",
                "icon": icons[name],
                "url": url,
                "label": f"launch-{name.lower()}-button",
            }
            for name, url in urls.items()
        ],
    }
    buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]
    buttons.insert(0, launch)


def write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.confdir)
    pins = read_pins(root / "requirements.txt")
    floors = read_floors(root / "pyproject.toml")
    org_repo = _repo_parts(app)
    commit = _commit(root)
    if org_repo:
        dlbook_source = f"git+https://github.com/{org_repo[0]}/{org_repo[1]}@{commit}"
    else:
        dlbook_source = "dlbook"
    out = Path(app.outdir) / NOTEBOOK_DIR
    written = 0
    for docname in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(docname))
        if path.suffix != ".md":
            continue
        try:
            notebook = page_notebook(
                path.read_text(), pins, dlbook_source, package_indexes(app), floors
            )
        except ValueError as exc:
            LOGGER.warning("%s: %s", docname, exc, location=docname)
            continue
        if notebook is None:
            continue
        target = out / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
        written += 1
    LOGGER.info("[notebooks] %d ready-to-run notebooks in %s", written, out)


def setup(app: Sphinx) -> dict:
    app.add_config_value("dlbook_notebooks_branch", "notebooks", "html", [str])
    app.add_config_value("dlbook_pdf_name", "dlbook.pdf", "html", [str])
    app.connect("html-page-context", add_buttons, priority=600)
    app.connect("build-finished", write_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
