"""Read TensorBoard's event files back into arrays, to plot training curves on a page.

``keras.callbacks.TensorBoard`` (and PyTorch's ``SummaryWriter``) write what they log into
*event files*: ``<log dir>/<run>/events.out.tfevents.*``, one run per subfolder (Keras writes
``train/`` and ``validation/``). TensorBoard, the program, is a web server that reads those
files and draws them. A book page cannot embed that server, but it can read the same files:
:func:`read_scalars` returns every scalar series they hold, for matplotlib to draw.

Two encodings of a scalar exist and both are read: the TensorFlow 2 one (a 0-d tensor with the
``scalars`` plugin, as Keras writes it) and the older ``simple_value`` (as PyTorch writes it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import (
    SCALARS,
    TENSORS,
    EventAccumulator,
)
from tensorboard.util.tensor_util import make_ndarray

__all__ = ["read_scalars"]


def _run_dirs(logdir: Path) -> list[Path]:
    """Folders under ``logdir`` (itself included) that directly hold event files."""
    return sorted({path.parent for path in logdir.rglob("*tfevents*") if path.is_file()})


def read_scalars(logdir: str | Path) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Every scalar series logged under ``logdir``, by run and tag.

    Parameters
    ----------
    logdir:
        The folder given to the logger (``keras.callbacks.TensorBoard(log_dir=...)``).

    Returns
    -------
    dict
        ``{run: {tag: (steps, values)}}``, where ``run`` is the event folder's path relative to
        ``logdir`` (``"train"``, ``"validation"``; ``"."`` for files directly in ``logdir``),
        ``steps`` an ``int64`` array and ``values`` a ``float64`` array, sorted by step. When a
        step was logged twice (a restarted run), the last value written wins.
    """
    root = Path(logdir)
    if not root.is_dir():
        raise FileNotFoundError(f"no log folder at {root}")
    runs = _run_dirs(root)
    if not runs:
        raise FileNotFoundError(
            f"no TensorBoard event files (events.out.tfevents.*) under {root}: was the "
            "TensorBoard callback given this folder, and did training run?"
        )
    out: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for folder in runs:
        accumulator = EventAccumulator(str(folder), size_guidance={SCALARS: 0, TENSORS: 0})
        accumulator.Reload()
        series: dict[str, dict[int, float]] = {}
        tags = accumulator.Tags()
        for tag in tags.get(SCALARS, []):
            for event in accumulator.Scalars(tag):
                series.setdefault(tag, {})[int(event.step)] = float(event.value)
        for tag in tags.get(TENSORS, []):
            plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
            if plugin != "scalars":
                continue  # histograms, images, graphs: not scalar series
            for event in accumulator.Tensors(tag):
                value = make_ndarray(event.tensor_proto)
                series.setdefault(tag, {})[int(event.step)] = float(np.asarray(value).item())
        run = folder.relative_to(root).as_posix()
        out[run] = {
            tag: (
                np.array(sorted(points), dtype=np.int64),
                np.array([points[s] for s in sorted(points)], dtype=np.float64),
            )
            for tag, points in sorted(series.items())
        }
    return out
