"""Graph drawings: they draw what they are given and reject malformed input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlbook.plot.graphs import draw_graph, plot_adjacency  # noqa: E402


def test_draw_graph_networkx_and_edge_index_share_a_layout():
    g = nx.karate_club_graph()
    labels = [0 if g.nodes[v]["club"] == "Mr. Hi" else 1 for v in g]
    fig, (a, b) = plt.subplots(1, 2)
    pos = draw_graph(g, labels=labels, ax=a, highlight=[0, 33], class_names=["A", "B"])
    assert set(pos) == set(g.nodes)
    edge_index = np.array(list(g.edges())).T
    pos2 = draw_graph(edge_index, labels=labels, pos=pos, ax=b, num_nodes=34)
    assert pos2 == pos
    assert len(a.collections) >= 3  # edges, nodes, highlighted nodes
    assert [t.get_text() for t in a.get_legend().get_texts()] == ["A", "B"]
    plt.close(fig)


def test_draw_graph_errors():
    with pytest.raises(ValueError, match="labels"):
        draw_graph(nx.path_graph(3), labels=[0, 1])
    with pytest.raises(ValueError, match="shape"):
        draw_graph(np.zeros((3, 3)))
    plt.close("all")


def test_plot_adjacency_blocks():
    edge_index = np.array([[0, 1, 3, 4], [1, 0, 4, 3]])
    ax = plot_adjacency(edge_index, 5, boundaries=[0, 2, 5])
    assert len(ax.patches) == 2
    xs, ys = ax.lines[0].get_data()
    assert list(xs) == [0, 1, 3, 4] and list(ys) == [1, 0, 4, 3]
    plt.close("all")
