r"""The training loop for PyTorch models, with a compact progress line and a history.

:func:`fit` is the book's one loop: it runs the usual steps (forward, loss, backward, optional
gradient clipping, optimiser and scheduler step) and returns a :class:`History`, a dict of lists
that :func:`dlbook.plot.curves.plot_history` draws. What differs from task to task is the loss
function ``loss_fn(model, batch)`` and the batches; the task-level helpers
(:func:`dlbook.seq2seq.fit_pairs`, :func:`dlbook.tabular.fit_binary_classifier`,
:func:`dlbook.recsys.fit_ratings`) only build those and call :func:`fit`. Progress is one line,
updated in place in a notebook, instead of a wall of logs.

:class:`TensorBatcher` serves shuffled mini-batches of aligned tensors (rows of a table).

:func:`warmup_schedule` builds the learning-rate schedules the transformer pages use: a linear
warm-up followed by inverse-square-root decay (the paper's schedule), cosine decay (GPT), linear
decay or a constant rate.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

__all__ = [
    "History",
    "Progress",
    "TensorBatcher",
    "evaluate",
    "fit",
    "noam_rate",
    "to_device",
    "warmup_factor",
    "warmup_schedule",
]

LossFn = Callable[[nn.Module, object], "torch.Tensor | tuple[torch.Tensor, Mapping[str, float]]"]


# ----------------------------------------------------------------------------- history


class History(dict):
    """Metric name to a list of values, one per record (an epoch or ``eval_every`` steps).

    A plain ``dict`` of lists, so :func:`dlbook.plot.curves.plot_history` draws it directly. Besides
    the metrics it keeps, as attributes, the optimiser ``steps`` done, the learning rate ``lr``
    and the elapsed ``seconds`` at each record.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps: list[int] = []
        self.lr: list[float] = []
        self.seconds: list[float] = []

    def log(self, **metrics: float) -> None:
        """Append one value to each named metric."""
        for name, value in metrics.items():
            self.setdefault(name, []).append(float(value))

    def last(self) -> dict[str, float]:
        """The latest value of every metric."""
        return {name: values[-1] for name, values in self.items() if values}

    def best(self, metric: str = "val_loss", mode: str = "min") -> tuple[int, float]:
        """Index and value of the best record of ``metric`` (``mode`` ``"min"`` or ``"max"``)."""
        if metric not in self or not self[metric]:
            raise KeyError(f"no values for {metric!r}; the history has {sorted(self)}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        values = self[metric]
        pick = min if mode == "min" else max
        index = pick(range(len(values)), key=values.__getitem__)
        return index, values[index]


# ----------------------------------------------------------------------------- schedules


def warmup_factor(
    step: int,
    warmup_steps: int,
    total_steps: int | None = None,
    decay: str = "inverse_sqrt",
    min_factor: float = 0.0,
) -> float:
    r"""Multiplier of the peak learning rate at optimiser step ``step`` (counted from 0).

    A linear warm-up from :math:`1/w` to 1 over the first :math:`w` = ``warmup_steps`` steps,
    then, with :math:`s` = ``step + 1`` and :math:`T` = ``total_steps``:

    .. math::

        f(s) = \begin{cases}
            s / w & s \le w \\
            \sqrt{w / s} & \text{inverse\_sqrt (Vaswani et al., 2017)} \\
            m + (1 - m)\,\tfrac12\big(1 + \cos(\pi\, \tfrac{s - w}{T - w})\big) & \text{cosine} \\
            m + (1 - m)\, \tfrac{T - s}{T - w} & \text{linear} \\
            1 & \text{constant}
        \end{cases}

    where :math:`m` = ``min_factor``; past :math:`T` the cosine and linear schedules stay at
    :math:`m`.
    """
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
    if decay not in ("inverse_sqrt", "cosine", "linear", "constant"):
        raise ValueError(
            f"decay must be 'inverse_sqrt', 'cosine', 'linear' or 'constant', got {decay!r}"
        )
    if decay in ("cosine", "linear") and (total_steps is None or total_steps <= warmup_steps):
        raise ValueError(f"{decay} decay needs total_steps > warmup_steps, got {total_steps}")
    s = step + 1
    if s <= warmup_steps:
        return s / warmup_steps
    if decay == "constant":
        return 1.0
    if decay == "inverse_sqrt":
        return math.sqrt(max(warmup_steps, 1) / s)
    progress = min(1.0, (s - warmup_steps) / (total_steps - warmup_steps))
    shape = 0.5 * (1.0 + math.cos(math.pi * progress)) if decay == "cosine" else 1.0 - progress
    return min_factor + (1.0 - min_factor) * shape


def noam_rate(step: int, d_model: int, warmup_steps: int = 4000) -> float:
    r"""The learning rate of *Attention Is All You Need* at step :math:`s \ge 1`.

    .. math::

        \text{lr}(s) = d_\text{model}^{-1/2}\, \min\big(s^{-1/2},\; s\, w^{-3/2}\big)
    """
    if step < 1:
        raise ValueError(f"steps are counted from 1 in the paper's formula, got {step}")
    return d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5)


def warmup_schedule(
    optimizer: torch.optim.Optimizer,
    warmup_steps: int,
    total_steps: int | None = None,
    decay: str = "inverse_sqrt",
    min_factor: float = 0.0,
) -> torch.optim.lr_scheduler.LambdaLR:
    """A scheduler that multiplies the optimiser's rate by :func:`warmup_factor`.

    Call ``scheduler.step()`` after every ``optimizer.step()`` (as :func:`fit` does).
    """
    warmup_factor(0, warmup_steps, total_steps, decay, min_factor)  # validate the arguments now
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_factor(step, warmup_steps, total_steps, decay, min_factor)
    )


# ----------------------------------------------------------------------------- progress


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def _format_seconds(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


class Progress:
    """One status line: rewritten in place in a notebook, printed once at the end elsewhere.

    In a Jupyter notebook the line is a display that is updated (at most every
    ``interval`` seconds), so an executed notebook keeps only the final line. In a terminal
    or under pytest, only :meth:`~dlbook.train.Progress.close` prints, when ``enabled``.
    """

    def __init__(self, total: int | None, enabled: bool = True, interval: float = 1.0):
        self.total = total
        self.enabled = enabled
        self.interval = interval
        self.start = time.perf_counter()
        self._last = -math.inf
        self._handle = None
        self._notebook = enabled and _in_notebook()

    def _line(self, step: int, metrics: Mapping[str, float]) -> str:
        of = f"/{self.total}" if self.total else ""
        parts = [f"step {step}{of}"] + [f"{k} {v:.4g}" for k, v in metrics.items()]
        parts.append(_format_seconds(time.perf_counter() - self.start))
        return " · ".join(parts)

    def update(self, step: int, metrics: Mapping[str, float], force: bool = False) -> None:
        """Show ``step`` and ``metrics`` (in a notebook; at most every ``interval`` seconds)."""
        if not self._notebook:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        from IPython.display import display

        text = {"text/plain": self._line(step, metrics)}
        if self._handle is None:
            self._handle = display(text, raw=True, display_id=True)
        else:
            self._handle.update(text, raw=True)

    def close(self, step: int, metrics: Mapping[str, float]) -> None:
        """Show the final line: update the notebook display, or print it elsewhere."""
        if not self.enabled:
            return
        if self._notebook:
            self.update(step, metrics, force=True)
        else:
            print(self._line(step, metrics))


# ----------------------------------------------------------------------------- batches


class TensorBatcher:
    """Mini-batches of rows of aligned tensors, reshuffled on every pass.

    Each pass draws a permutation of the rows from the batcher's own generator (so a run is
    repeatable from ``seed``) and yields, for each slice of ``batch_size`` indices, the tuple
    ``tuple(t[idx] for t in tensors)``. With ``batch_size=None`` every pass yields the
    tensors themselves, unshuffled: one full batch.

    Parameters
    ----------
    tensors : sequence of torch.Tensor
        Tensors with the rows in their first dimension, all of the same length.
    batch_size : int or None
        Rows per batch (the last batch of a pass may be smaller); ``None`` for one full batch.
    shuffle : bool, default True
        Permute the rows on each pass (``False``: in order).
    seed : int, default 0
        Seed of the batcher's generator.
    """

    def __init__(
        self,
        tensors: Sequence[torch.Tensor],
        batch_size: int | None,
        shuffle: bool = True,
        seed: int = 0,
    ):
        self.tensors = tuple(tensors)
        if not self.tensors:
            raise ValueError("TensorBatcher needs at least one tensor")
        self.n = len(self.tensors[0])
        if any(len(t) != self.n for t in self.tensors):
            raise ValueError(f"all tensors need {self.n} rows, got {[len(t) for t in tensors]}")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        if self.batch_size is None:
            return 1
        return -(-self.n // self.batch_size)

    def __iter__(self):
        if self.batch_size is None:
            yield self.tensors
            return
        if self.shuffle:
            order = torch.randperm(self.n, generator=self.generator)
        else:
            order = torch.arange(self.n)
        for idx in order.split(self.batch_size):
            yield tuple(t[idx.to(t.device)] for t in self.tensors)


# ----------------------------------------------------------------------------- loop


def to_device(batch: object, device: torch.device | str | None) -> object:
    """Move every tensor in a (nested) tuple, list or dict to ``device``."""
    if device is None:
        return batch
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, tuple | list):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def _split(output: object) -> tuple[torch.Tensor, dict[str, float]]:
    if isinstance(output, tuple):
        if len(output) != 2 or not isinstance(output[1], Mapping):
            raise ValueError("loss_fn must return a loss tensor or (loss, {name: value})")
        loss, extra = output
    else:
        loss, extra = output, {}
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        raise ValueError("loss_fn must return a scalar loss tensor (or (loss, metrics))")
    extra = {k: float(v.detach() if isinstance(v, torch.Tensor) else v) for k, v in extra.items()}
    return loss, extra


class _Mean:
    # Running means of the loss and the extra metrics over a stretch of steps.
    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, values: Mapping[str, float]) -> None:
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.count += 1

    def means(self) -> dict[str, float]:
        return {k: v / self.count for k, v in self.sums.items()} if self.count else {}


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    data: Iterable,
    device: torch.device | str | None = None,
    max_batches: int | None = None,
) -> dict[str, float]:
    """Mean loss (and extra metrics) of ``loss_fn`` over ``data`` in eval mode, no gradients.

    Batches are weighted equally; ``max_batches`` limits how many are used.
    """
    was_training = model.training
    model.eval()
    mean = _Mean()
    for i, batch in enumerate(data):
        if max_batches is not None and i >= max_batches:
            break
        loss, extra = _split(loss_fn(model, to_device(batch, device)))
        mean.add({"loss": float(loss), **extra})
    model.train(was_training)
    if not mean.count:
        raise ValueError("evaluate got no batches")
    return mean.means()


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    train_data: Iterable,
    *,
    optimizer: torch.optim.Optimizer,
    epochs: int = 1,
    max_steps: int | None = None,
    val_data: Iterable | Callable[[], Iterable] | None = None,
    eval_every: int | None = None,
    eval_batches: int | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    clip_grad_norm: float | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
    history: History | None = None,
    val_loss_fn: LossFn | None = None,
    monitor: str | None = None,
    mode: str = "min",
) -> History:
    """Train ``model`` and return its :class:`History`.

    Parameters
    ----------
    model : torch.nn.Module
        The module to train (put in train mode for the steps, eval mode for validation).
    loss_fn : callable
        ``loss_fn(model, batch)`` returns a scalar loss tensor, or ``(loss, metrics)`` with
        a dict of extra numbers (such as ``{"accuracy": 0.9}``) to average and record.
    train_data : iterable
        An iterable of batches, iterated once per epoch (a ``DataLoader``, a
        :class:`dlbook.text.BucketBatcher`, a list); or an endless iterator with ``max_steps``.
    optimizer, scheduler : torch.optim.Optimizer, LRScheduler or None (default)
        The scheduler (if any) is stepped after every optimiser step.
    epochs, max_steps : int, default 1 and None
        Train for ``epochs`` passes, or stop earlier after ``max_steps`` optimiser steps.
    val_data : iterable, callable or None, default None
        Batches for validation (or a function returning them, called at each record); its
        metrics are recorded with a ``val_`` prefix.
    eval_every : int or None, default None
        Record every ``eval_every`` steps instead of once per epoch.
    eval_batches : int or None, default None
        Use at most this many validation batches per record.
    clip_grad_norm : float or None, default None
        Clip the global gradient norm to this value.
    device : torch.device, str or None, default None
        Move every batch there (the model must already be there).
    progress : bool, default True
        Show the compact progress line.
    history : History or None, default None
        Continue an existing history instead of starting a new one.
    val_loss_fn : callable or None, default None
        The loss (and metrics) for validation, called like ``loss_fn`` in eval mode without
        gradients (default: ``loss_fn``); for metrics that need the whole validation set at
        once, such as a ROC AUC, pass that set as one batch.
    monitor, mode : str or None (default), and "min" (default) or "max"
        Keep a copy of the weights at the record with the best value of ``monitor`` (such as
        ``"val_loss"``; ``mode`` ``"min"`` or ``"max"``; the first of equal values) and load
        it back at the end: every epoch still runs, so the curves show what came after.

    Each record holds the mean training loss (and metrics) over the steps since the last
    record, and the validation metrics at that moment.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be >= 1, got {max_steps}")
    if eval_every is not None and eval_every < 1:
        raise ValueError(f"eval_every must be >= 1, got {eval_every}")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    val_loss_fn = loss_fn if val_loss_fn is None else val_loss_fn
    history = History() if history is None else history
    step = history.steps[-1] if history.steps else 0
    first_step = step
    total = None
    if max_steps is not None:
        total = first_step + max_steps
    elif hasattr(train_data, "__len__"):
        total = first_step + epochs * len(train_data)
    bar = Progress(total, enabled=progress)
    start = time.perf_counter() - (history.seconds[-1] if history.seconds else 0.0)
    running = _Mean()
    sign = 1.0 if mode == "min" else -1.0  # the best record has the lowest sign * value
    best = {"score": math.inf, "state": None}

    def record() -> None:
        values = {k: v for k, v in running.means().items()}
        if val_data is not None:
            data = val_data() if callable(val_data) else val_data
            val = evaluate(model, val_loss_fn, data, device, eval_batches)
            values.update({f"val_{k}": v for k, v in val.items()})
        history.log(**values)
        history.steps.append(step)
        history.lr.append(optimizer.param_groups[0]["lr"])
        history.seconds.append(time.perf_counter() - start)
        running.__init__()
        if monitor is not None:
            if monitor not in values:
                names = sorted(values)
                raise KeyError(f"monitor={monitor!r} is not recorded; a record has {names}")
            if sign * values[monitor] < best["score"]:
                best["score"] = sign * values[monitor]
                best["state"] = copy.deepcopy(model.state_dict())

    def finished() -> bool:
        return max_steps is not None and step - first_step >= max_steps

    model.train()
    for _epoch in range(epochs):
        seen = 0
        for batch in train_data:
            seen += 1
            loss, extra = _split(loss_fn(model, to_device(batch, device)))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            running.add({"loss": loss.item(), **extra})
            if eval_every is not None and (step - first_step) % eval_every == 0:
                record()
            bar.update(step, {**history.last(), "loss": running.means().get("loss", loss.item())})
            if finished():
                break
        if seen == 0:
            if step == first_step:
                raise ValueError("train_data yielded no batches")
            break  # an exhausted iterator: nothing more to train on
        if eval_every is None:
            record()
        if finished():
            break
    if running.count and eval_every is not None:
        record()  # the steps after the last full eval_every stretch
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    model.eval()
    bar.close(step, history.last())
    return history
