"""The cell_tabs build extension turns runs of `tab:<Label>` cells into one synced tab set."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import NOTEBOOK_HEADER

ROOT = Path(__file__).resolve().parents[1]

PAGE = NOTEBOOK_HEADER + textwrap.dedent(
    """\
    # Tabs

    ```{code-cell} ipython3
    :tags: ["tab:TensorFlow"]
    print("from tensorflow")
    ```

    ```{code-cell} ipython3
    :tags: ["tab:PyTorch"]
    print("from torch")
    ```

    Between the runs.

    ```{code-cell} ipython3
    :tags: ["tab:Alone"]
    print("a lone tabbed cell")
    ```

    ```{code-cell} ipython3
    print("plain cell")
    ```
    """
)


def test_consecutive_tabbed_cells_become_one_tab_set(tmp_path):
    (tmp_path / "index.md").write_text(PAGE)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (tmp_path / "_config.yml").write_text(
        "title: t\nexecute:\n  execute_notebooks: 'off'\n"
        f"sphinx:\n  local_extensions:\n    cell_tabs: {ROOT / '_ext'}\n"
    )
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", str(tmp_path), "-W"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (tmp_path / "_build" / "html" / "index.html").read_text()

    tab_sets = re.findall(r'<div class="sd-tab-set dlbook-cell-tabs', html)
    assert len(tab_sets) == 1, "exactly one run of two or more tabbed cells"
    labels = re.findall(r'data-sync-id="([^"]+)"', html)
    assert labels == ["TensorFlow", "PyTorch"]
    start = html.index("sd-tab-set dlbook-cell-tabs")
    inside, after = html[start : html.index("Between the runs")], html[html.index("Between") :]
    assert "from tensorflow" in inside and "from torch" in inside
    assert "a lone tabbed cell" in after and "plain cell" in after
    assert 'data-sync-id="Alone"' not in html
