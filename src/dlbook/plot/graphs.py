"""Pictures of graphs: node-link drawings and adjacency patterns.

Node embeddings are drawn by :func:`dlbook.plot.embeddings.plot_embedding_2d`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

from dlbook.plot.style import CLASS_COLORS, class_colors

__all__ = ["draw_graph", "plot_adjacency"]


def _as_networkx(graph: object, num_nodes: int | None) -> nx.Graph:
    if isinstance(graph, nx.Graph):
        return graph
    edge_index = np.asarray(graph)
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(
            "graph must be a networkx graph or an edge index of shape (2, E), "
            f"got an array of shape {edge_index.shape}"
        )
    g = nx.Graph()
    n = int(edge_index.max()) + 1 if edge_index.size else 0
    g.add_nodes_from(range(num_nodes if num_nodes is not None else n))
    g.add_edges_from(zip(edge_index[0].tolist(), edge_index[1].tolist(), strict=True))
    return g


def draw_graph(
    graph: object,
    *,
    labels: Sequence[int] | None = None,
    pos: Mapping[object, Sequence[float]] | None = None,
    ax: plt.Axes | None = None,
    num_nodes: int | None = None,
    class_names: Sequence[str] | None = None,
    highlight: Sequence[object] = (),
    node_size: float = 120,
    with_labels: bool = False,
    title: str | None = None,
    seed: int = 0,
) -> dict:
    """Draw a graph as nodes and links, nodes coloured by class.

    Parameters
    ----------
    graph : networkx.Graph or array of shape (2, E)
        The graph; an edge index is read as an undirected graph on nodes ``0 .. N-1``.
    labels : sequence of int, optional
        A class per node (in the graph's node order); one colour per class.
    pos : dict, optional
        Node positions. By default a spring layout with ``seed``.
    highlight : sequence of nodes
        Nodes drawn larger with a black outline (for example the labelled ones).
    class_names : sequence of str, optional
        Legend entries, one per class.

    Returns
    -------
    dict
        The positions used, so that several drawings can share one layout.
    """
    g = _as_networkx(graph, num_nodes)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    if pos is None:
        pos = nx.spring_layout(g, seed=seed)
    nodes = list(g.nodes())
    if labels is not None and len(labels) != len(nodes):
        raise ValueError(f"got {len(labels)} labels for {len(nodes)} nodes")
    colors = class_colors(labels) if labels is not None else CLASS_COLORS[0]
    nx.draw_networkx_edges(g, pos, ax=ax, alpha=0.35, width=0.8)
    nx.draw_networkx_nodes(
        g, pos, nodelist=nodes, node_color=colors, node_size=node_size, ax=ax, linewidths=0
    )
    highlight = [v for v in highlight if v in g]
    if highlight:
        index = {v: k for k, v in enumerate(nodes)}
        hl_colors = colors if isinstance(colors, str) else [colors[index[v]] for v in highlight]
        nx.draw_networkx_nodes(
            g,
            pos,
            nodelist=highlight,
            node_color=hl_colors,
            node_size=node_size * 2.2,
            edgecolors="black",
            linewidths=1.5,
            ax=ax,
        )
    if with_labels:
        nx.draw_networkx_labels(g, pos, ax=ax, font_size=7)
    if labels is not None and class_names is not None:
        present = sorted(set(int(c) for c in labels))
        handles = [
            plt.Line2D([], [], marker="o", ls="", color=CLASS_COLORS[c], label=class_names[c])
            for c in present
        ]
        ax.legend(handles=handles, loc="best", fontsize=8)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return dict(pos)


def plot_adjacency(
    edge_index: np.ndarray,
    num_nodes: int,
    *,
    ax: plt.Axes | None = None,
    boundaries: Sequence[int] = (),
    title: str | None = None,
    marker_size: float = 1.5,
) -> plt.Axes:
    """Show where the nonzeros of the adjacency matrix are (row = target, column = source).

    ``boundaries`` (for example a batch's ``ptr``) draws a box around each diagonal block.
    """
    edge_index = np.asarray(edge_index)
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {edge_index.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.plot(edge_index[0], edge_index[1], "s", ms=marker_size, color=CLASS_COLORS[0])
    bounds = list(boundaries)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        ax.add_patch(
            plt.Rectangle(
                (start - 0.5, start - 0.5),
                stop - start,
                stop - start,
                fill=False,
                edgecolor=CLASS_COLORS[1],
                linewidth=1,
            )
        )
    ax.set_xlim(-0.5, num_nodes - 0.5)
    ax.set_ylim(num_nodes - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("source node")
    ax.set_ylabel("target node")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
