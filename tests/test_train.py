"""Tests of dlbook.train: schedules, history, the fit/evaluate loop."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.plot import plot_history
from dlbook.train import (
    History,
    Progress,
    TensorBatcher,
    evaluate,
    fit,
    noam_rate,
    to_device,
    warmup_factor,
    warmup_schedule,
)


def _regression_data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    return [(x[i : i + 32], y[i : i + 32]) for i in range(0, n, 32)]


def _mse(model, batch):
    x, y = batch
    pred = model(x).squeeze(-1)
    return F.mse_loss(pred, y), {"mae": (pred - y).abs().mean()}


def test_warmup_factor_shapes():
    assert warmup_factor(0, 10) == pytest.approx(0.1)
    assert warmup_factor(9, 10) == pytest.approx(1.0)
    assert warmup_factor(39, 10) == pytest.approx(math.sqrt(10 / 40))
    assert warmup_factor(99, 10, 100, "linear") == pytest.approx(0.0)
    assert warmup_factor(54, 10, 100, "cosine") == pytest.approx(0.5)
    assert warmup_factor(500, 10, 100, "cosine", min_factor=0.1) == pytest.approx(0.1)
    assert warmup_factor(50, 10, decay="constant") == 1.0
    assert warmup_factor(5, 0, decay="constant") == 1.0
    with pytest.raises(ValueError, match="total_steps"):
        warmup_factor(0, 10, decay="cosine")
    with pytest.raises(ValueError, match="decay"):
        warmup_factor(0, 10, decay="exponential")


def test_noam_rate_peaks_at_warmup():
    rates = [noam_rate(s, 512, 4000) for s in range(1, 20001)]
    assert max(range(len(rates)), key=rates.__getitem__) + 1 == 4000
    assert max(rates) == pytest.approx(512**-0.5 * 4000**-0.5)
    with pytest.raises(ValueError):
        noam_rate(0, 512)


def test_warmup_schedule_drives_the_optimizer():
    param = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    sched = warmup_schedule(opt, warmup_steps=4, total_steps=8, decay="linear")
    seen = []
    for _ in range(8):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert seen == pytest.approx([0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25, 0.0])


def test_history_is_a_plottable_dict():
    h = History()
    h.log(loss=1.0, val_loss=1.5)
    h.log(loss=0.5, val_loss=1.2)
    assert h == {"loss": [1.0, 0.5], "val_loss": [1.5, 1.2]}
    assert h.last() == {"loss": 0.5, "val_loss": 1.2}
    assert h.best() == (1, 1.2)
    assert h.best("loss", "max") == (0, 1.0)
    with pytest.raises(KeyError):
        h.best("accuracy")
    fig = plot_history(h)
    assert len(fig.axes) == 1


def test_fit_learns_and_records_per_epoch():
    torch.manual_seed(0)
    data = _regression_data()
    model = nn.Linear(3, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    history = fit(model, _mse, data, optimizer=opt, epochs=30, val_data=data[:2], progress=False)
    assert set(history) == {"loss", "mae", "val_loss", "val_mae"}
    assert len(history["loss"]) == 30 and history.steps[-1] == 30 * len(data)
    assert history["val_loss"][-1] < 1e-3 < history["loss"][0]
    assert len(history.lr) == len(history.seconds) == 30
    assert not model.training  # fit leaves the model in eval mode


def test_fit_with_steps_generator_eval_every_and_scheduler():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = warmup_schedule(opt, warmup_steps=5)
    endless = (batch for _ in range(1000) for batch in _regression_data())
    history = fit(model, _mse, endless, optimizer=opt, scheduler=sched, max_steps=45,
                  eval_every=20, clip_grad_norm=1.0, progress=False)  # fmt: skip
    assert history.steps == [20, 40, 45]  # the last, partial stretch is recorded too
    assert history.lr[0] == pytest.approx(0.1 * math.sqrt(5 / 21))
    # Continuing a history keeps counting steps.
    fit(model, _mse, _regression_data(), optimizer=opt, history=history, progress=False)
    assert history.steps[-1] == 45 + 8


def test_fit_stops_when_a_generator_runs_out_and_validates_arguments():
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    history = fit(model, _mse, iter(_regression_data()), optimizer=opt, epochs=5, progress=False)
    assert history.steps == [8]
    with pytest.raises(ValueError, match="no batches"):
        fit(model, _mse, [], optimizer=opt, progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, _mse, [], optimizer=opt, epochs=0)
    bad = lambda model, batch: torch.ones(2)  # noqa: E731
    with pytest.raises(ValueError, match="scalar"):
        fit(model, bad, _regression_data(), optimizer=opt, progress=False)


def test_evaluate_uses_eval_mode_and_no_grad():
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    model.train()
    data = _regression_data()
    a = evaluate(model, _mse, data)
    b = evaluate(model, _mse, data, max_batches=2)
    assert a == evaluate(model, _mse, data)  # dropout is off: repeatable
    assert a != b and model.training


def test_progress_prints_one_line_outside_notebooks(capsys):
    bar = Progress(total=10)
    bar.update(5, {"loss": 1.0})
    bar.close(10, {"loss": 0.5})
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "step 10/10" in out and "loss 0.5" in out
    Progress(None, enabled=False).close(3, {})
    assert capsys.readouterr().out == ""


def test_to_device_walks_containers():
    batch = {"x": torch.zeros(2), "pair": (torch.ones(1), [torch.ones(1), 3])}
    moved = to_device(batch, "cpu")
    assert isinstance(moved["pair"], tuple) and moved["pair"][1][1] == 3
    assert to_device(batch, None) is batch


def test_fit_restores_the_best_record_and_uses_the_validation_loss_fn():
    torch.manual_seed(0)
    data = _regression_data()
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)  # too large: the loss ends up growing
    states = []

    def val_loss_fn(model, batch):
        states.append({k: v.clone() for k, v in model.state_dict().items()})
        loss, _ = _mse(model, batch)
        return loss, {"neg": -loss}

    history = fit(
        model,
        _mse,
        data,
        optimizer=opt,
        epochs=6,
        val_data=data[:1],
        val_loss_fn=val_loss_fn,
        monitor="val_neg",
        mode="max",
        progress=False,
    )
    assert set(history) == {"loss", "mae", "val_loss", "val_neg"}
    best = max(range(6), key=lambda k: history["val_neg"][k])
    assert history.best("val_neg", "max") == (best, history["val_neg"][best])
    for name, value in model.state_dict().items():
        assert torch.equal(value, states[best][name])
    with pytest.raises(KeyError, match="monitor"):
        fit(model, _mse, data, optimizer=opt, monitor="val_auc", progress=False)
    with pytest.raises(ValueError, match="mode"):
        fit(model, _mse, data, optimizer=opt, mode="best", progress=False)


def test_tensor_batcher_shuffles_every_pass_from_its_seed():
    x, y = torch.arange(10), torch.arange(10) * 2
    batcher = TensorBatcher([x, y], batch_size=4, seed=1)
    assert len(batcher) == 3
    first, second = list(batcher), list(batcher)
    assert [len(b[0]) for b in first] == [4, 4, 2]
    assert all(torch.equal(b[1], 2 * b[0]) for b in first)  # rows stay aligned
    assert sorted(torch.cat([b[0] for b in first]).tolist()) == list(range(10))
    assert not torch.equal(torch.cat([b[0] for b in first]), torch.cat([b[0] for b in second]))
    again = TensorBatcher([x, y], batch_size=4, seed=1)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, again, strict=True))
    ordered = TensorBatcher([x], batch_size=4, shuffle=False)
    assert torch.equal(torch.cat([b[0] for b in ordered]), x)
    full = list(TensorBatcher([x, y], batch_size=None))
    assert len(full) == 1 and full[0][0] is x
    with pytest.raises(ValueError, match="rows"):
        TensorBatcher([x, y[:3]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        TensorBatcher([x], batch_size=0)
