"""The Colab-parity run (tools/colab_parity.py): its parts, and the run itself.

The run itself (tests marked ``colab``) executes every page's notebook in a Python 3.13
stand-in for Colab's runtime: far too slow for every test run, so it is skipped unless asked
for with ``pytest -m colab`` or ``DLBOOK_COLAB_PARITY=1``. The other tests are fast.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import colab_parity as cp  # noqa: E402

from conftest import NOTEBOOK_HEADER, executable_pages  # noqa: E402
from notebooks import make_notebook, read_floors, read_pins  # noqa: E402

FREEZE = """\
absl-py==1.4.0
Flask==3.1.1
google-colab @ file:///colabtools/dist/google_colab-1.0.0.tar.gz
numpy==2.1.3
nvidia-cublas-cu12==12.8.4.1
torch==2.11.0+cu128
jupyter_client==7.4.9
"""


def test_freeze_drops_local_labels_and_url_installs(tmp_path):
    freeze = tmp_path / "pip-freeze.gpu.txt"
    freeze.write_text(FREEZE)
    colab = cp.read_freeze(freeze)
    assert colab["torch"] == ("torch", "2.11.0"), "the CUDA build becomes the registry's release"
    assert colab["flask"] == ("Flask", "3.1.1")
    assert colab["jupyter-client"] == ("jupyter_client", "7.4.9")
    assert "google-colab" not in colab, "no registry serves a file:// install"


def test_constraints_hold_everything_but_cuda_libraries(tmp_path):
    freeze = tmp_path / "pip-freeze.gpu.txt"
    freeze.write_text(FREEZE)
    text = cp.constraints_text(cp.read_freeze(freeze))
    assert "torch==2.11.0\n" in text and "numpy==2.1.3\n" in text
    assert "nvidia" not in text


def test_python_version_comes_from_the_os_info_beside_the_freeze(tmp_path):
    freeze = tmp_path / "pip-freeze.gpu.txt"
    freeze.write_text(FREEZE)
    (tmp_path / "os-info-gpu.txt").write_text("# generated\nUbuntu 22.04.5 LTS\nPython 3.13.15\n")
    (tmp_path / "os-info.cpu.txt").write_text("Python 3.12.1\n")
    assert cp.python_version_of(freeze) == "3.13"


def test_preinstalled_is_what_setup_cells_would_find_on_colab(tmp_path):
    freeze = tmp_path / "pip-freeze.gpu.txt"
    freeze.write_text(FREEZE)
    colab = cp.read_freeze(freeze)
    wanted = cp.preinstalled(colab, ["numpy", "torch", "sacrebleu"], ["Flask"])
    assert wanted == {
        "Flask": "3.1.1",
        "jupyter_client": "7.4.9",
        "numpy": "2.1.3",
        "torch": "2.11.0",
    }, "Colab lacks sacrebleu: the setup cell installs it"


def test_reset_plan_removes_additions_and_restores_changes():
    base = {"numpy": "2.1.3", "torch": "2.11.0"}
    now = {"numpy": "2.4.6", "torch": "2.11.0", "dlbook": "0.1", "sacrebleu": "2.6.0"}
    assert cp.reset_plan(base, now) == (["dlbook", "sacrebleu"], ["numpy==2.1.3"])
    assert cp.reset_plan(base, dict(base)) == ([], [])


def _page(code: str) -> str:
    return NOTEBOOK_HEADER + "# A page\n\n```{code-cell} ipython3\n" + code + "\n```\n"


def test_setup_requirements_read_back_from_a_generated_notebook(tmp_path):
    pins = read_pins(ROOT / "requirements.txt")
    notebook = make_notebook(
        _page("import dlbook\nimport numpy\nimport keras"),
        pins,
        "src",
        "",
        read_floors(ROOT / "pyproject.toml"),
    )
    path = tmp_path / "page.ipynb"
    nbformat.write(notebook, path)
    required = cp.setup_requirements(path)
    assert required["dlbook"] is None, "dlbook comes from DLBOOK_SOURCE"
    assert required["numpy"] == pins["numpy"]
    assert required["keras"] == pins["keras"]
    assert required["tensorflow"].startswith("tensorflow=="), "Keras's backend"


def _glue_output(name: str, text: str, display: bool = False) -> dict:
    prefix = "" if display else "application/papermill.record/"
    return nbformat.v4.new_output(
        "display_data",
        data={prefix + "text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": prefix}},
    )


def _executed(values: dict[str, str], figure: str | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [_glue_output(k, v) for k, v in values.items()]
    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text="0.5\n"))
    if figure:
        image = nbformat.v4.new_output(
            "display_data",
            data={"image/png": "iVBOR", "text/plain": "<Figure>"},
            metadata={"scrapbook": {"name": figure, "mime_prefix": ""}},
        )
        cell.outputs.append(image)
    return nbformat.v4.new_notebook(cells=[cell])


def test_glued_values_are_read_back_as_numbers_texts_and_figures():
    notebook = _executed(
        {"acc": "0.8125", "loss": "np.float64(0.25)", "n": "120", "verdict": "'A beats B'"},
        figure="fig",
    )
    assert cp.glued_values(notebook) == {
        "acc": 0.8125,
        "loss": 0.25,
        "n": 120.0,
        "verdict": "'A beats B'",
        "fig": "<figure>",
    }


def test_compare_glue_reports_what_moved_and_how_far():
    build = {"acc": 0.80, "loss": 0.25, "same": 1.0, "verdict": "'A wins'", "gone": 3.0}
    colab = {
        "acc": 0.81,
        "loss": 0.25 * (1 + 1e-12),
        "same": 1.0,
        "verdict": "'B wins'",
        "new": 2.0,
    }
    result = cp.compare_glue(colab, build)
    assert result["compared"] == 4
    assert result["moved"] == ["acc", "verdict"], "a 1e-12 relative change is not a move"
    assert result["only_build"] == ["gone"] and result["only_colab"] == ["new"]
    key, before, after, rel = result["largest"]
    assert (key, before, after) == ("acc", 0.80, 0.81)
    assert rel == pytest.approx(0.01 / 0.81)


def test_report_table_has_a_row_per_page_whatever_the_pages():
    ok = {"seconds": 12.0, "cpu": 10.5, "peak_mib": 900.0, "error": None}
    failed = {"seconds": 3.0, "cpu": 2.0, "peak_mib": 400.0, "error": "KeyError"}
    rows = [
        {
            "page": f"book/part/p{i}",
            "colab": ok,
            "build": ok,
            "installed": [
                "/src: dlbook is not installed",
                "numpy==2.4.6: numpy 2.0.2 is older than 2.1.3, the oldest version tested",
            ],
            "glue": cp.compare_glue({"a": 1.0}, {"a": 1.0}),
        }
        for i in range(43)
    ] + [{"page": "book/part/broken", "colab": failed, "installed": []}]
    table = cp.report_table(rows).splitlines()
    assert len(table) == 2 + 44
    assert table[-1].startswith("| book/part/broken | FAILED | 3 | 2 | 400 | — |")
    assert "| ok | 12 | 10 | 900 | dlbook, numpy (2.0.2 < 2.1.3) |" in table[2]


def test_toc_pages_are_the_executable_pages_in_toc_order():
    assert [p.relative_to(ROOT).with_suffix("").as_posix() for p in cp.toc_pages()] == (
        executable_pages()
    )


def test_tested_pythons_agree_across_readme_pyproject_and_binder():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    classified = [
        c.rsplit(":: ", 1)[1] for c in project["classifiers"] if re.search(r":: 3\.\d+$", c)
    ]
    assert "3.13" in classified, "Colab's Python is tested by the parity run"
    assert project["requires-python"] == f">={classified[0]}"
    readme = (ROOT / "README.md").read_text()
    tested = re.search(r"\*\*Tested Pythons:\*\*(.+?)\n\n", readme, re.S).group(1)
    assert set(re.findall(r"3\.\d+", tested)) == set(classified)
    runtime = (ROOT / "binder" / "runtime.txt").read_text()
    match = re.fullmatch(r"python-(3\.\d+)\n?", runtime)
    assert match and match.group(1) in classified, "repo2docker reads one python-X.Y line"


# --- The run itself --------------------------------------------------------------------------


def _wanted(config) -> bool:
    marks = config.getoption("markexpr", "") or ""
    return os.environ.get("DLBOOK_COLAB_PARITY") == "1" or bool(
        re.search(r"(?<!not )\bcolab\b", marks)
    )


@pytest.fixture(scope="module")
def colab_env(request, tmp_path_factory):
    if not _wanted(request.config):
        pytest.skip(
            "the Colab-parity run is slow: select it with -m colab (or DLBOOK_COLAB_PARITY=1)"
        )
    from fresh_notebooks import notebooks_from_pages

    if not cp.FREEZE.is_file():
        pytest.skip(f"no snapshot of Colab's packages at {cp.FREEZE}")
    folder = tmp_path_factory.mktemp("all-notebooks")
    return cp.make_env(cp.FREEZE, None, notebooks_from_pages(cp.toc_pages(), folder))


GLUE_ROLE = re.compile(r"\{glue(?::text|:md|:figure)?\}`([^`:]+)")


@pytest.mark.colab
@pytest.mark.parametrize("docname", executable_pages())
def test_page_runs_in_colabs_runtime(colab_env, docname, tmp_path):
    """The page's notebook runs top to bottom in the stand-in for Colab's runtime, setup cell
    first, and glues every value that its text shows."""
    from fresh_notebooks import notebooks_from_pages

    page = ROOT / f"{docname}.md"
    (notebook,) = notebooks_from_pages([page], tmp_path / "notebook")
    colab_env.reset()
    result = cp.run_in_colab_env(colab_env, notebook, tmp_path / "run", threads=1, timeout=1800)
    assert result["error"] is None, result["error"]
    glued = cp.glued_values(nbformat.read(notebook, as_version=4))
    shown = set(GLUE_ROLE.findall(page.read_text()))
    assert shown <= set(glued), f"not glued in Colab's runtime: {sorted(shown - set(glued))}"


def test_baselines_can_come_from_run_pages_output(tmp_path):
    log = tmp_path / "run_pages.log"
    log.write_text(
        "  wall s    cpu s  peak MiB  status  page\n"
        "    23.1      6.0       824  ok      book/intro.md\n"
        "   300.2    250.0      1900  OVER    book/basics/convnets.md\n"
        "     5.0      2.0       300  FAILED  book/graphs/tools.md\n"
        "Traceback: KeyError\n"
        "total 23.1 s for 1 page(s), 1 thread(s) per kernel; load average 3.0\n"
    )
    rows = cp.read_run_pages_log(log)
    assert rows["book/intro"] == {"seconds": 23.1, "cpu": 6.0, "peak_mib": 824.0, "error": None}
    assert rows["book/basics/convnets"]["error"] is None, "over budget, but it ran"
    assert rows["book/graphs/tools"]["error"]
    assert len(rows) == 3


def test_export_cached_writes_the_newest_executed_notebook_of_a_page(tmp_path):
    from jupyter_cache import get_cache

    cache = get_cache(str(tmp_path / "cache"))
    for acc in ("0.5", "0.75"):  # two builds of the same page; the second is the newest
        path = tmp_path / f"run{acc}.ipynb"
        notebook = _executed({"acc": acc})
        notebook.cells[0].source = f"x = {acc}"  # a different notebook each time
        nbformat.write(notebook, path)
        cache.cache_notebook_file(
            str(path), uri="/elsewhere/book/part/page.md", check_validity=False
        )
    dest = tmp_path / "out" / "page.ipynb"
    assert cp.export_cached(tmp_path / "cache", cp.ROOT / "book/part/page.md", dest)
    assert cp.glued_values(nbformat.read(dest, as_version=4)) == {"acc": 0.75}
    other = tmp_path / "out" / "other.ipynb"
    assert not cp.export_cached(tmp_path / "cache", cp.ROOT / "book/part/other.md", other)
    assert not other.exists()
