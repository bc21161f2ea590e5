"""Shared trained artifacts: made once, keyed by config and code, locked, RNG-neutral."""

from __future__ import annotations

import multiprocessing
import random
import time

import numpy as np
import pytest
import torch

from dlbook import artifacts


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DLBOOK_ARTIFACTS", raising=False)
    return tmp_path


def write(text):
    calls = []

    def produce(path):
        calls.append(path)
        path.write_text(text)

    return produce, calls


def test_made_once_then_served_from_the_cache():
    produce, calls = write("weights")
    path, built = artifacts.cached_file("toy", {"n": 1}, produce, suffix=".txt")
    assert built and len(calls) == 1
    assert path.read_text() == "weights" and path.name.endswith(".txt")
    assert path.parent == artifacts.artifacts_dir()
    again, built = artifacts.cached_file("toy", {"n": 1}, produce, suffix=".txt")
    assert again == path and not built and len(calls) == 1


def test_key_changes_with_config_and_name_but_not_key_order():
    a = artifacts.artifact_key("toy", {"n": 1, "m": [1, 2]})
    assert a == artifacts.artifact_key("toy", {"m": [1, 2], "n": 1})
    assert a != artifacts.artifact_key("toy", {"n": 2, "m": [1, 2]})
    assert a != artifacts.artifact_key("other", {"n": 1, "m": [1, 2]})


def test_key_changes_with_package_source(monkeypatch):
    before = artifacts.artifact_key("toy", {})
    monkeypatch.setattr(artifacts, "package_source_hash", lambda: "0" * 16)
    assert artifacts.artifact_key("toy", {}) != before


def test_bad_names_and_configs_are_refused_clearly():
    with pytest.raises(ValueError, match="artifact name"):
        artifacts.artifact_key("../escape", {})
    with pytest.raises(TypeError, match="JSON-serialisable"):
        artifacts.artifact_key("toy", {"x": object()})


def test_failed_produce_leaves_nothing_behind(data_dir):
    def boom(path):
        path.write_text("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        artifacts.cached_file("toy", {}, boom)
    assert not [p for p in artifacts.artifacts_dir().iterdir() if not p.name.endswith(".lock")]
    produce, calls = write("ok")
    _, built = artifacts.cached_file("toy", {}, produce)
    assert built and calls


def test_produce_that_writes_nothing_is_an_error():
    with pytest.raises(RuntimeError, match="wrote nothing"):
        artifacts.cached_file("toy", {}, lambda path: None)


def test_switched_off_always_produces(monkeypatch):
    monkeypatch.setenv("DLBOOK_ARTIFACTS", "off")
    produce, calls = write("x")
    artifacts.cached_file("toy", {}, produce)
    artifacts.cached_file("toy", {}, produce)
    assert len(calls) == 2
    assert not artifacts.artifacts_dir().exists()


def _slow_producer(args):
    data_dir, marker = args
    import os

    os.environ["DLBOOK_DATA_DIR"] = data_dir

    def produce(path):
        with open(marker, "a") as f:
            f.write("trained\n")
        time.sleep(0.5)
        path.write_text("w")

    _, built = artifacts.cached_file("shared", {}, produce, seed=None)
    return built


def test_two_processes_at_once_train_once(data_dir, tmp_path):
    marker = tmp_path / "marker.txt"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        built = pool.map(_slow_producer, [(str(data_dir), str(marker))] * 2)
    assert sorted(built) == [False, True]
    assert marker.read_text() == "trained\n"


def _draws():
    return random.random(), float(np.random.rand())  # noqa: NPY002 (the global state is the point), float(torch.rand(()))


def test_random_state_after_the_call_does_not_depend_on_building():
    def noisy(path):
        np.random.rand(100)  # noqa: NPY002
        torch.rand(100)
        random.random()
        path.write_text("x")

    artifacts.cached_file("toy", {}, noisy, seed=3)
    after_build = _draws()
    artifacts.cached_file("toy", {}, noisy, seed=3)
    after_load = _draws()
    assert after_build == after_load


def test_torch_module_round_trip():
    torch.manual_seed(0)
    trained = torch.nn.Linear(3, 2)

    def train(module):
        with torch.no_grad():
            module.weight.fill_(0.5)
            module.bias.fill_(-1.0)

    assert artifacts.cached_torch_module("lin", {"in": 3}, trained, train)
    assert not trained.training
    fresh = torch.nn.Linear(3, 2)
    assert not artifacts.cached_torch_module("lin", {"in": 3}, fresh, train)
    for a, b in zip(trained.state_dict().values(), fresh.state_dict().values(), strict=True):
        assert torch.equal(a, b)
