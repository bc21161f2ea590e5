"""Training curves: a figure per run instead of a wall of log lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt


def _as_dict(history: object) -> Mapping[str, Sequence[float]]:
    # A Keras ``History`` keeps its numbers in ``.history``; dlbook.train's History is a mapping.
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(
            "plot_history expects a dict of metric lists or an object with a .history dict "
            f"(such as the History that keras.Model.fit returns), got {type(history).__name__}"
        )
    return data


def plot_history(
    history: object,
    metrics: Sequence[str] | None = None,
    *,
    title: str | None = None,
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """Plot training and validation curves, one panel per metric.

    ``history`` maps names such as ``"loss"`` and ``"val_loss"`` to one value per epoch.
    Each panel shows a metric and, when present, its ``val_`` twin. ``metrics`` chooses the
    panels (default: every metric without the ``val_`` prefix, in the order recorded).
    """
    data = _as_dict(history)
    if metrics is None:
        metrics = [name for name in data if not name.startswith("val_")]
    missing = [m for m in metrics if m not in data]
    if missing:
        raise KeyError(f"metric(s) {missing} not in the history; it has {sorted(data)}")
    if not metrics:
        raise ValueError("the history is empty: there is nothing to plot")
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
        axes = axes[0]
    else:
        if len(axes) != len(metrics):
            raise ValueError(f"got {len(axes)} axes for {len(metrics)} metrics")
        fig = axes[0].figure
    for ax, name in zip(axes, metrics, strict=True):
        values = data[name]
        epochs = range(1, len(values) + 1)
        ax.plot(epochs, values, label="training")
        if f"val_{name}" in data:
            ax.plot(epochs, data[f"val_{name}"], label="validation")
            ax.legend()
        ax.set_xlabel("epoch")
        ax.set_title(name.replace("_", " "))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
