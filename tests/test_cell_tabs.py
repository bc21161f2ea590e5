"""The cell_tabs build extension turns runs of `tab:<Label>` cells into one synced tab set."""

import re
import textwrap

import pytest

from conftest import NOTEBOOK_HEADER

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


@pytest.mark.slow
def test_consecutive_tabbed_cells_become_one_tab_set(tiny_book):
    tiny_book.write({"index": PAGE}, extensions=["cell_tabs"], execute="off")
    result = tiny_book.build()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = tiny_book.html("index")

    tab_sets = re.findall(r'<div class="sd-tab-set dlbook-cell-tabs', html)
    assert len(tab_sets) == 1, "exactly one run of two or more tabbed cells"
    labels = re.findall(r'data-sync-id="([^"]+)"', html)
    assert labels == ["TensorFlow", "PyTorch"]
    start = html.index("sd-tab-set dlbook-cell-tabs")
    inside, after = html[start : html.index("Between the runs")], html[html.index("Between") :]
    assert "from tensorflow" in inside and "from torch" in inside
    assert "a lone tabbed cell" in after and "plain cell" in after
    assert 'data-sync-id="Alone"' not in html
