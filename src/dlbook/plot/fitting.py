"""Compare runs: one metric of several training histories on the same axes.

:func:`dlbook.plot.curves.plot_history` shows one run, metric by metric. When a chapter asks "which
of these models overfits first?" (a smaller network, a regularised one, one with dropout), the
answer is one curve per run on one panel, which is what :func:`plot_runs` draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

#: Parts of metric names for which a lower value is better.
_LOWER_IS_BETTER = ("loss", "error", "entropy", "bce", "mae", "mse")


def _metric_values(name: str, history: object, metric: str) -> Sequence[float]:
    data = getattr(history, "history", history)  # a Keras History keeps its dict in .history
    if not isinstance(data, Mapping):
        raise TypeError(
            f"run {name!r}: expected a dict of metric lists or an object with a .history dict, "
            f"got {type(history).__name__}"
        )
    if metric not in data:
        raise KeyError(f"run {name!r} has no metric {metric!r}; it has {sorted(data)}")
    return data[metric]


def plot_runs(
    runs: Mapping[str, object],
    metric: str = "val_loss",
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
    mark_best: bool = False,
    lower_is_better: bool | None = None,
) -> plt.Axes:
    """Plot ``metric`` of several runs against the epoch, one labelled curve per run.

    Parameters
    ----------
    runs : mapping
        ``label -> history``, where each history is a Keras ``History`` or a dict of lists
        such as ``{"loss": [...], "val_loss": [...]}``. Curves are drawn in this order.
    metric : str
        The history key to plot, ``"val_loss"`` by default.
    ax : matplotlib Axes, optional
        Draw on these axes instead of a new figure.
    title : str, optional
        Panel title (default: the metric's name).
    mark_best : bool
        Mark each run's best epoch with a dot.
    lower_is_better : bool, optional
        Whether the best epoch is the one with the lowest value. By default it is guessed from
        the metric's name: lowest for losses and errors (names containing ``"loss"``,
        ``"error"``, ``"entropy"``, ``"bce"``, ``"mae"`` or ``"mse"``), highest otherwise.

    Returns
    -------
    matplotlib Axes
    """
    if not runs:
        raise ValueError("plot_runs needs at least one run")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 3.4))
    if lower_is_better is None:
        lower_is_better = any(word in metric for word in _LOWER_IS_BETTER)
    for label, history in runs.items():
        values = list(_metric_values(label, history, metric))
        epochs = range(1, len(values) + 1)
        (line,) = ax.plot(epochs, values, label=label)
        if mark_best and values:
            best = min if lower_is_better else max
            i = values.index(best(values))
            ax.plot(i + 1, values[i], "o", color=line.get_color())
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title if title is not None else metric.replace("_", " "))
    ax.legend()
    return ax
