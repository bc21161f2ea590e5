"""Run generated notebooks the way a reader on Colab or Binder would: in a fresh virtual
environment that has only Jupyter, so each notebook's setup cell must install what it needs.

Usage::

    python tools/fresh_notebooks.py [_build/html/_notebooks/book/data.ipynb ...]

Without arguments it runs every notebook the last HTML build generated. `dlbook` is installed
from this checkout (the setup cell's DLBOOK_SOURCE override) instead of the pinned commit.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted(NOTEBOOKS.rglob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"no notebooks: build the book first ({NOTEBOOKS} is empty)")
    sys.path.insert(0, str(ROOT / "_ext"))
    from notebooks import read_pins

    nbclient_version = read_pins(ROOT / "requirements.txt")["nbclient"].split("==")[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        python = make_fresh_env(Path(tmp) / "fresh", nbclient_version)
        for notebook in notebooks:
            copy = Path(tmp) / notebook.name
            copy.write_bytes(notebook.read_bytes())
            start = time.perf_counter()
            result = run_notebook(python, copy, Path(tmp))
            status = "ok" if result.returncode == 0 else "FAILED"
            print(f"{time.perf_counter() - start:8.1f} s  {status:6}  {notebook}", flush=True)
            if result.returncode:
                failures += 1
                print(result.stderr[-3000:], file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
