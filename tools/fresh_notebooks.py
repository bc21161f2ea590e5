"""Run the book's notebooks the way a reader on Colab or Binder would: in a fresh virtual
environment that has only Jupyter, so each notebook's setup cell must install what it needs.

Usage::

    python tools/fresh_notebooks.py [book/data.md | _build/html/_notebooks/book/data.ipynb ...]

Without arguments it runs the notebook of every executable page in ``_toc.yml``, made from the
current sources exactly as the build makes it. `dlbook` is installed from this checkout (the
setup cell's DLBOOK_SOURCE override) instead of the pinned commit.

Installing TensorFlow and PyTorch for every notebook would take most of the time, so notebooks
share an environment, but only where that cannot hide a missing install: a notebook runs in an
environment only if everything installed there so far is among what its own setup cell
requires. Otherwise it gets a new environment.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "_build" / "html" / "_notebooks"

RUNNER = textwrap.dedent(
    """\
    import sys, nbclient, nbformat
    path, cwd = sys.argv[1], sys.argv[2]
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                     resources={"metadata": {"path": cwd}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, path)
    """
)


def make_fresh_env(folder: Path, nbclient_version: str) -> Path:
    """A virtual environment with only Jupyter's kernel and notebook runner; its python."""
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"nbclient=={nbclient_version}",
            "ipykernel",
        ],
        check=True,
    )
    return python


def run_notebook(python: Path, notebook: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Execute ``notebook`` in place with the fresh environment's kernel."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(DLBOOK_SOURCE=str(ROOT), PATH=f"{python.parent}:{env.get('PATH', '')}")
    mirror = ROOT.parent / "shared" / "data"
    if mirror.is_dir():
        env.setdefault("DLBOOK_DATA_MIRROR", str(mirror))
    return subprocess.run(
        [str(python), "-c", RUNNER, str(notebook), str(cwd)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3 * 3600,
    )


REQUIRED_LINE = re.compile(r'^    "([\w.]+)": ', re.M)


def required_imports(notebook: Path) -> frozenset[str]:
    """The import names a generated notebook's setup cell makes sure of."""
    import nbformat

    setup = nbformat.read(notebook, as_version=4).cells[0].source
    block = setup.split("REQUIRED = {", 1)[1].split("\n}", 1)[0]
    return frozenset(REQUIRED_LINE.findall(block))


def notebooks_from_pages(pages: list[Path], folder: Path) -> list[Path]:
    """Write the ready-to-run notebook of each page into ``folder``, as the build would."""
    import nbformat

    from notebooks import page_notebook, read_floors, read_pins
    from package_cache import PackageIndex

    pins = read_pins(ROOT / "requirements.txt")
    floors = read_floors(ROOT / "pyproject.toml")
    indexes = [PackageIndex("dlbook", ROOT / "src" / "dlbook")]
    written = []
    for page in pages:
        notebook = page_notebook(page.read_text(), pins, "dlbook", indexes, floors)
        if notebook is None:
            continue
        rel = page.resolve().relative_to(ROOT).with_suffix(".ipynb")
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        written.append(target)
    return written


def toc_pages() -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import executable_pages

    return [ROOT / f"{docname}.md" for docname in executable_pages()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="pages (.md) or notebooks (.ipynb)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "_ext"))
    from notebooks import read_pins

    nbclient_version = read_pins(ROOT / "requirements.txt")["nbclient"].split("==")[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pages = [p for p in args.paths if p.suffix == ".md"] or ([] if args.paths else toc_pages())
        notebooks = [p for p in args.paths if p.suffix == ".ipynb"]
        notebooks += notebooks_from_pages(pages, tmp / "notebooks")
        # Fewest requirements first, so that small environments grow into larger ones.
        notebooks.sort(key=lambda nb: (len(required_imports(nb)), str(nb)))
        envs: list[tuple[Path, set[str]]] = []  # (python, what its setup cells installed)
        for notebook in notebooks:
            required = required_imports(notebook)
            env = next((e for e in envs if e[1] <= required), None)
            if env is None:
                python = make_fresh_env(tmp / f"env{len(envs)}", nbclient_version)
                env = (python, set())
                envs.append(env)
            python, installed = env
            workdir = tmp / "run" / notebook.stem
            workdir.mkdir(parents=True)
            copy = workdir / notebook.name
            copy.write_bytes(notebook.read_bytes())
            start = time.perf_counter()
            result = run_notebook(python, copy, workdir)
            installed |= required
            status = "ok" if result.returncode == 0 else "FAILED"
            name = notebook.relative_to(tmp) if notebook.is_relative_to(tmp) else notebook
            seconds = time.perf_counter() - start
            print(f"{seconds:8.1f} s  {status:6}  env{envs.index(env)}  {name}", flush=True)
            if result.returncode:
                failures.append(notebook.name)
                print(result.stderr[-3000:], file=sys.stderr)
    print(
        f"{len(notebooks) - len(failures)} of {len(notebooks)} notebooks ran, in {len(envs)} "
        f"fresh environments" + (f"; failed: {', '.join(failures)}" if failures else "")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
