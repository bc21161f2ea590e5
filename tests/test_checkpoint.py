"""Tests of dlbook.checkpoint: a resumed run equals an uninterrupted one, bit for bit, and each
piece of state matters; saves are atomic."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.checkpoint import (
    checkpoint_path,
    get_rng_state,
    latest_checkpoint,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
    set_rng_state,
)
from dlbook.train import warmup_schedule

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _draws():
    return (
        random.random(),
        float(np.random.rand()),  # noqa: NPY002
        torch.rand(3).tolist(),
    )


def test_rng_state_round_trip():
    random.seed(1)
    np.random.seed(2)  # noqa: NPY002
    torch.manual_seed(3)
    state = get_rng_state()
    first = _draws()
    _draws()
    set_rng_state(state)
    assert _draws() == first


def _setup(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = warmup_schedule(optimizer, warmup_steps=3, total_steps=10, decay="cosine")
    return model, optimizer, scheduler


def _train(model, optimizer, scheduler, steps):
    # The data come from the global RNG too, as a shuffling loader's would.
    for _ in range(steps):
        x = torch.randn(8, 4)
        loss = F.mse_loss(model(x).squeeze(-1), x.sum(dim=1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.fixture
def reference():
    model, optimizer, scheduler = _setup()
    _train(model, optimizer, scheduler, 10)
    return _flat(model)


def _resumed(tmp_path, *, forget=()):
    model, optimizer, scheduler = _setup()
    _train(model, optimizer, scheduler, 5)
    path = save_checkpoint(
        checkpoint_path(tmp_path, 5),
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        step=5,
        extra={"note": "halfway"},
    )
    _train(model, optimizer, scheduler, 2)  # work lost when the run is killed
    torch.manual_seed(123)  # a new process starts with other random state
    model, optimizer, scheduler = _setup(seed=99)  # and a fresh model
    info = load_checkpoint(
        path,
        model=model,
        optimizer=None if "optimizer" in forget else optimizer,
        scheduler=None if "scheduler" in forget else scheduler,
        restore_rng="rng" not in forget,
    )
    assert info == {"step": 5, "extra": {"note": "halfway"}}
    _train(model, optimizer, scheduler, 5)
    return _flat(model)


def test_resume_equals_uninterrupted_run_exactly(tmp_path, reference):
    assert torch.equal(_resumed(tmp_path), reference)


@pytest.mark.parametrize("piece", ["optimizer", "scheduler", "rng"])
def test_each_piece_of_state_is_needed(tmp_path, reference, piece):
    assert not torch.allclose(_resumed(tmp_path, forget=(piece,)), reference, atol=1e-6)


def test_missing_state_is_an_error(tmp_path):
    model, optimizer, _ = _setup()
    path = save_checkpoint(tmp_path / "m.pt", model=model, step=0)
    with pytest.raises(KeyError, match="no optimizer state"):
        load_checkpoint(path, model=model, optimizer=optimizer)


def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model, _, _ = _setup()
    path = save_checkpoint(tmp_path / "c.pt", model=model, step=1)
    before = path.read_bytes()

    def dies_half_way(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # the run is stopped while writing

    monkeypatch.setattr(torch, "save", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model=model, step=2)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left


def test_latest_and_prune(tmp_path):
    model, _, _ = _setup()
    assert latest_checkpoint(tmp_path) is None
    assert latest_checkpoint(tmp_path / "missing") is None
    for step in (20, 100, 40):
        save_checkpoint(checkpoint_path(tmp_path, step), model=model, step=step)
    (tmp_path / "step-000900.pt.123.tmp").write_bytes(b"partial")  # an interrupted save
    assert latest_checkpoint(tmp_path).name == "step-000100.pt"
    removed = prune_checkpoints(tmp_path, keep=2)
    assert [p.name for p in removed] == ["step-000020.pt"]
    assert sorted(p.name for p in tmp_path.glob("step-*.pt")) == [
        "step-000040.pt",
        "step-000100.pt",
    ]
    with pytest.raises(ValueError):
        prune_checkpoints(tmp_path, keep=0)
    with pytest.raises(ValueError):
        checkpoint_path(tmp_path, -1)
