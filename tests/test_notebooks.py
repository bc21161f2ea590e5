"""Ready-to-run notebooks: a setup cell first, every code cell of the page after it, in order,
and a generated notebook that runs top to bottom in a fresh environment with only Jupyter."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import NOTEBOOK_HEADER

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from notebooks import SETUP_TAG, make_notebook, read_pins, requirements_for  # noqa: E402

PINS = read_pins(ROOT / "requirements.txt")

PAGE = NOTEBOOK_HEADER + textwrap.dedent(
    """\
    # A page

    Some text.

    ```{code-cell} ipython3
    import dlbook
    import numpy as np
    ```

    ```{code-cell} ipython3
    :tags: [hide-input]
    from sklearn.linear_model import LinearRegression
    import torch
    x = np.arange(3)
    ```
    """
)


def test_pins_come_from_requirements(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\n-e .\ntorch==9.9.1  # pinned\nscikit-learn==1.0\n\njupyter-book==1.0.0\n"
    )
    pins = read_pins(requirements)
    assert pins["torch"] == "torch==9.9.1"
    assert pins["scikit-learn"] == "scikit-learn==1.0"
    assert set(pins) == {"torch", "scikit-learn", "jupyter-book"}
    # The book's own requirements pin the frameworks its pages import.
    assert PINS["torch"].startswith("torch==")
    assert PINS["numpy"].startswith("numpy==")
    assert "-e" not in PINS


def test_setup_cell_first_then_every_code_cell_in_order():
    notebook = make_notebook(PAGE, PINS, "dlbook-source")
    setup, *cells = notebook.cells
    assert SETUP_TAG in setup.metadata["tags"]
    assert '"dlbook": (os.environ.get("DLBOOK_SOURCE", "dlbook-source"), (), None)' in setup.source
    assert '"sklearn": ("scikit-learn==' in setup.source
    assert '"torch": ("torch==2.13.0", ("torch",), None)' in setup.source
    page_code = [c.source for c in jupytext.reads(PAGE, fmt="myst").cells if c.cell_type == "code"]
    assert [c.source for c in cells if c.cell_type == "code"] == page_code
    assert all(c.outputs == [] for c in cells if c.cell_type == "code")
    assert notebook.metadata["accelerator"] == "GPU", "a torch page asks Colab for a GPU"


def test_no_gpu_requested_without_a_framework():
    page = PAGE.replace("import torch\n", "")
    assert "accelerator" not in make_notebook(page, PINS, "x").metadata


def test_unpinned_import_is_a_clear_error():
    with pytest.raises(ValueError, match="fancylib.*requirements.txt"):
        requirements_for("import fancylib\nimport os", PINS, "x")
    assert (
        requirements_for("import os, json\nfrom IPython.display import Markdown", PINS, "x") == {}
    )


def test_keras_brings_its_tensorflow_backend():
    required = requirements_for("import keras", PINS, "x")
    assert required["keras"].startswith("keras==")
    assert required["tensorflow"] == "tensorflow==" + PINS["tensorflow-cpu"].split("==")[1]


def test_what_the_package_imports_when_loaded_is_required_too():
    package_code = (
        "import torch\n"
        "from torch import nn\n"
        "try:\n    import tqdm\nexcept ImportError:\n    tqdm = None\n"
        "def later():\n    import sklearn\n"
        "class Model:\n    def fit(self):\n        import pandas\n"
    )
    required = requirements_for("from dlbook.train import fit", PINS, "src", package_code)
    assert set(required) == {"dlbook", "torch", "tqdm"}, "imports inside functions are lazy"


def _small_page() -> Path:
    for candidate in ("book/data.md", "book/intro.md"):
        if (ROOT / candidate).exists():
            return ROOT / candidate
    raise AssertionError("no small page to run")


@pytest.mark.slow
def test_generated_notebook_runs_in_a_fresh_environment(tmp_path):
    """Only Jupyter is installed; the setup cell installs dlbook (from this checkout) and the
    pinned libraries the page needs, then the page runs top to bottom."""
    from fresh_notebooks import make_fresh_env, notebooks_from_pages, run_notebook

    (nb_path,) = notebooks_from_pages([_small_page()], tmp_path / "notebooks")
    python = make_fresh_env(tmp_path / "fresh", PINS["nbclient"].split("==")[1])
    result = run_notebook(python, nb_path, tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    executed = nbformat.read(nb_path, as_version=4)
    setup_output = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    assert f"Installing {ROOT}: dlbook is not installed" in setup_output
    assert all(
        o.output_type != "error" for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
