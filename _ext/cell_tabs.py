"""Render runs of executed notebook cells as sphinx-design tab sets.

myst-nb cannot nest a ``code-cell`` inside a directive, so a ``tab-set`` cannot hold executed
code. This extension works the other way round: consecutive code cells tagged ``tab:<Label>``,
for example ``:tags: ["tab:TensorFlow"]`` then ``:tags: ["tab:PyTorch"]``, are gathered after
parsing into one tab set with one tab per cell (source and outputs). Tabs with the same label
are synchronised across the page, so choosing "PyTorch" once switches every tab set.

In other outputs (LaTeX, the generated notebooks) the cells simply follow each other.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_design.shared import create_component

TAG_PREFIX = "tab:"


def tab_label(node: nodes.Node) -> str | None:
    """The tab label of a myst-nb code cell, or ``None`` when it is not a tabbed cell."""
    if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
        return None
    for tag in node.get("cell_metadata", {}).get("tags", []):
        if tag.startswith(TAG_PREFIX) and tag[len(TAG_PREFIX) :].strip():
            return tag[len(TAG_PREFIX) :].strip()
    return None


def _tab_item(label: str, cell: nodes.Element, selected: bool) -> nodes.container:
    item = create_component("tab-item", classes=["sd-tab-item"], selected=selected)
    rubric = nodes.rubric(label, label, classes=["sd-tab-label"])
    rubric["sync_id"] = label
    rubric["sync_group"] = "framework"
    item += rubric
    content = create_component("tab-content", classes=["sd-tab-content"])
    content += cell
    item += content
    return item


class CellTabs(SphinxTransform):
    """Group consecutive ``tab:<Label>`` cells into one tab set."""

    default_priority = 800

    def apply(self, **kwargs) -> None:
        parents = {id(n.parent): n.parent for n in self.document.findall(tab_label_node)}
        for parent in parents.values():
            self._group_children(parent)

    def _group_children(self, parent: nodes.Element) -> None:
        children = list(parent.children)
        new_children: list[nodes.Node] = []
        run: list[tuple[str, nodes.Element]] = []

        def flush() -> None:
            if not run:
                return
            if len(run) == 1:  # a lone tabbed cell stays a plain cell
                new_children.append(run[0][1])
            else:
                tab_set = create_component("tab-set", classes=["sd-tab-set", "dlbook-cell-tabs"])
                for i, (label, cell) in enumerate(run):
                    cell.parent = None
                    tab_set += _tab_item(label, cell, selected=(i == 0))
                new_children.append(tab_set)
            run.clear()

        for child in children:
            label = tab_label(child)
            if label is None:
                flush()
                new_children.append(child)
            else:
                run.append((label, child))
        flush()
        parent.children = []
        parent.extend(new_children)


def tab_label_node(node: nodes.Node) -> bool:
    return tab_label(node) is not None


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_design")
    app.add_transform(CellTabs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
