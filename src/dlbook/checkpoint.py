r"""Checkpoints that let a killed training run resume to exactly the result it would have had.

A run's state is more than its weights. To continue as if nothing had happened, a resumed run
needs

* the **model**'s parameters and buffers,
* the **optimiser**'s state (momentum, Adam's moment estimates, its step count),
* the **scheduler**'s position on the learning-rate curve,
* a **gradient scaler**'s current scale, when float16 training uses one,
* the **random number generators** (Python, NumPy, PyTorch on the CPU and on every GPU), which
  drive dropout and data shuffling,
* and where it was: the optimiser **step** (from which the data position follows), plus anything
  else the caller keeps in ``extra``.

:func:`save_checkpoint` writes all of it **atomically**: to a temporary file in the same folder,
flushed to disk, then renamed over the target (``os.replace``), so a run killed in the middle of
a save leaves the previous checkpoint intact rather than a truncated file.
:func:`load_checkpoint` restores it; :func:`latest_checkpoint` finds the newest file of a folder
and :func:`prune_checkpoints` keeps only the last few.

Checkpoints are read with ``torch.load(weights_only=True)``: a checkpoint is a pickle, and a
pickle from an untrusted source can run code when loaded; the restricted loader accepts only
tensors and plain containers, which is all these files hold.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "checkpoint_path",
    "get_rng_state",
    "latest_checkpoint",
    "load_checkpoint",
    "prune_checkpoints",
    "save_checkpoint",
    "set_rng_state",
]

_NAME = re.compile(r"step-(\d+)\.pt")


# ----------------------------------------------------------------------------- random state


def get_rng_state() -> dict[str, Any]:
    """The state of every random number generator a training run draws from, as tensors and
    plain Python values: Python's ``random``, NumPy's global generator, PyTorch's CPU generator
    and, when CUDA is available, each GPU's generator."""
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002
    state = {
        "python": {"version": version, "internal": list(internal), "gauss": gauss},
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restore the generators saved by :func:`get_rng_state`.

    The CUDA generators are restored only where the machine has as many GPUs as the saved run.
    """
    py = state["python"]
    random.setstate((py["version"], tuple(py["internal"]), py["gauss"]))
    nps = state["numpy"]
    np.random.set_state(  # noqa: NPY002
        (
            nps["kind"],
            nps["keys"].cpu().numpy().astype(np.uint32),
            nps["pos"],
            nps["has_gauss"],
            nps["cached"],
        )
    )
    torch.set_rng_state(state["torch"].cpu())  # (a checkpoint loaded onto a GPU moved it)
    cuda = state.get("cuda")
    if cuda is not None and torch.cuda.is_available() and torch.cuda.device_count() == len(cuda):
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])


# ----------------------------------------------------------------------------- save and load


def checkpoint_path(folder: str | Path, step: int) -> Path:
    """The file name used for step ``step`` in ``folder``: ``step-000120.pt``."""
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    return Path(folder) / f"step-{step:06d}.pt"


def save_checkpoint(
    path: str | Path,
    *,
    model: torch.nn.Module,
    step: int,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    scaler: torch.amp.GradScaler | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write a complete training state to ``path`` atomically and return the path.

    Parameters
    ----------
    path:
        Target file (its folder is created). Use :func:`checkpoint_path` for the numbered names
        :func:`latest_checkpoint` looks for.
    model, optimizer, scheduler, scaler:
        Saved through their ``state_dict()`` (a ``DistributedDataParallel`` model should be
        passed as its ``.module``).
    step:
        Optimiser steps done so far.
    extra:
        Anything else to keep (tensors, numbers, strings, lists, dicts): a history, a seed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "step": int(step),
        "model": model.state_dict(),
        "rng": get_rng_state(),
        "extra": dict(extra or {}),
    }
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler), ("scaler", scaler)):
        if obj is not None:
            state[name] = obj.state_dict()
    handle, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            torch.save(state, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows: old file or new file, never half
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(
    path: str | Path,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    scaler: torch.amp.GradScaler | None = None,
    restore_rng: bool = True,
    map_location: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Restore what :func:`save_checkpoint` wrote into the given objects.

    Returns ``{"step": ..., "extra": ...}``. Objects passed as ``None`` are not restored (so a
    page can show what goes wrong without them); a missing entry for an object that *is* passed
    is an error. ``restore_rng=False`` leaves the random generators as they are.
    """
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    model.load_state_dict(state["model"])
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler), ("scaler", scaler)):
        if obj is None:
            continue
        if name not in state:
            raise KeyError(f"{path} holds no {name} state; it was saved without one")
        obj.load_state_dict(state[name])
    if restore_rng:
        set_rng_state(state["rng"])
    return {"step": state["step"], "extra": state["extra"]}


def _steps(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found)


def latest_checkpoint(folder: str | Path) -> Path | None:
    """The checkpoint of the highest step in ``folder`` (``step-*.pt``), or None if none.

    Temporary files of a save that was interrupted are never returned.
    """
    found = _steps(Path(folder))
    return found[-1][1] if found else None


def prune_checkpoints(folder: str | Path, keep: int = 2) -> list[Path]:
    """Delete all but the ``keep`` newest checkpoints of ``folder``; return the deleted paths."""
    if keep < 1:
        raise ValueError(f"keep must be >= 1, got {keep}")
    old = [path for _, path in _steps(Path(folder))[:-keep]]
    for path in old:
        path.unlink(missing_ok=True)
    return old
