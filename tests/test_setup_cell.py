"""The notebooks' setup cell installs what is missing *and* what is older than the oldest
version the book is tested with (pyproject.toml's lower bounds), and says what and why.

The cell's own code is executed here, with the package lookups and pip replaced by fakes."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from notebooks import read_floors, read_pins, requirements_for, setup_cell_source

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def runtime(monkeypatch):
    """A fake runtime: ``installed`` maps distribution -> version (an import name of the same
    name is importable); pip's command lines are recorded in ``calls``."""

    class Runtime:
        installed: dict[str, str] = {}
        calls: list[list[str]] = []

    def find_spec(name, *args, **kwargs):
        present = any(dist.replace("-", "_").startswith(name) for dist in Runtime.installed)
        return object() if present else None

    def version(dist):
        if dist not in Runtime.installed:
            raise importlib.metadata.PackageNotFoundError(dist)
        return Runtime.installed[dist]

    def run(command, check=False, **kwargs):
        Runtime.calls.append(list(command))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(subprocess, "run", run)
    return Runtime


def run_cell(required, floors, capsys):
    exec(compile(setup_cell_source(required, floors), "<setup cell>", "exec"), {})
    return capsys.readouterr().out


def installed_by(runtime) -> list[str]:
    assert len(runtime.calls) <= 1, "one pip command for everything"
    if not runtime.calls:
        return []
    command = runtime.calls[0]
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    return [arg for arg in command[4:] if not arg.startswith("-")]


def test_missing_package_is_installed_at_its_pin(runtime, capsys):
    runtime.installed = {}
    out = run_cell({"fakelib": "fakelib==2.4.6"}, {"fakelib": "2.1.3"}, capsys)
    assert installed_by(runtime) == ["fakelib==2.4.6"]
    assert "Installing fakelib==2.4.6: fakelib is not installed" in out


def test_package_below_the_floor_is_upgraded_and_the_reason_printed(runtime, capsys):
    runtime.installed = {"fakelib": "2.0.2"}
    out = run_cell({"fakelib": "fakelib==2.4.6"}, {"fakelib": "2.1.3"}, capsys)
    assert installed_by(runtime) == ["fakelib==2.4.6"]
    assert "Installing fakelib==2.4.6: fakelib 2.0.2 is older than 2.1.3" in out


@pytest.mark.parametrize("version", ["2.1.3", "2.1.10", "3.0", "2.1.3+cu128", "2.2.0rc1"])
def test_package_at_or_above_the_floor_is_left_alone(runtime, capsys, version):
    runtime.installed = {"fakelib": version}
    out = run_cell({"fakelib": "fakelib==2.4.6"}, {"fakelib": "2.1.3"}, capsys)
    assert installed_by(runtime) == [] and out == ""


def test_versions_compare_by_number_not_by_text(runtime, capsys):
    runtime.installed = {"fakelib": "2.9.0"}
    run_cell({"fakelib": "fakelib==2.13.0"}, {"fakelib": "2.11.0"}, capsys)
    assert installed_by(runtime) == ["fakelib==2.13.0"], "2.9 is older than 2.11"


def test_no_floor_means_only_a_missing_package_is_installed(runtime, capsys):
    runtime.installed = {"fakelib": "0.1"}
    assert run_cell({"fakelib": "fakelib==2.4.6"}, {}, capsys) == ""
    assert installed_by(runtime) == []


def test_only_what_needs_it_is_installed_in_one_pip_command(runtime, capsys):
    runtime.installed = {"fakelib": "2.4.6", "otherlib": "1.0"}
    out = run_cell(
        {"fakelib": "fakelib==2.4.6", "otherlib": "otherlib==1.5", "newlib": "newlib==3.0"},
        {"fakelib": "2.1.3", "otherlib": "1.2"},
        capsys,
    )
    assert installed_by(runtime) == ["otherlib==1.5", "newlib==3.0"]
    assert out.count("Installing") == 2


def test_the_cpu_tensorflow_wheel_counts_as_tensorflow(runtime, capsys, monkeypatch):
    """The build installs `tensorflow-cpu`; Colab has `tensorflow`: either one's version is
    compared with the floor."""
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)  # other tests imported it
    required = requirements_for("import tensorflow", read_pins(ROOT / "requirements.txt"), "x")
    runtime.installed = {"tensorflow-cpu": "1.0.0"}
    out = run_cell(required, {"tensorflow": "2.20.0"}, capsys)
    assert "Installing tensorflow==2.21.0: tensorflow-cpu 1.0.0 is older than 2.20.0" in out
    runtime.calls.clear()
    runtime.installed = {"tensorflow-cpu": "2.21.0"}
    assert run_cell(required, {"tensorflow": "2.20.0"}, capsys) == ""


def test_upgrading_a_module_already_imported_asks_for_a_restart(runtime, capsys, monkeypatch):
    runtime.installed = {"fakelib": "1.0"}
    monkeypatch.setitem(sys.modules, "fakelib", object())
    with pytest.raises(RuntimeError, match="fakelib had been imported.*restart"):
        run_cell({"fakelib": "fakelib==2.4.6"}, {"fakelib": "2.1.3"}, capsys)


def test_dlbook_comes_from_dlbook_source(runtime, capsys, monkeypatch):
    monkeypatch.setenv("DLBOOK_SOURCE", "/path/to/checkout")
    monkeypatch.delitem(sys.modules, "dlbook", raising=False)  # other tests imported it
    runtime.installed = {}
    out = run_cell({"dlbook": "git+https://example.org/dlbook@abc"}, {}, capsys)
    assert installed_by(runtime) == ["/path/to/checkout"]
    assert "dlbook is not installed" in out


def test_floors_are_pyprojects_lower_bounds_and_not_above_the_pins():
    floors = read_floors(ROOT / "pyproject.toml")
    pins = read_pins(ROOT / "requirements.txt")
    assert {"numpy", "torch", "tensorflow", "keras", "pandas"} <= set(floors)

    def release(version):
        return tuple(int(n) for n in version.split("+")[0].split(".") if n.isdigit())

    for dist, floor in floors.items():
        pin = pins.get(dist) or pins.get(dist + "-cpu")
        assert pin, f"{dist} has a lower bound but no pin in requirements.txt"
        assert release(floor) <= release(pin.split("==")[1]), f"{dist}: floor above the pin"


def test_read_floors_ignores_extras_markers_and_upper_bounds(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["a>=1.2", "b", "c[extra] >= 3.4, <5", '
        '"d<2"]\n[project.optional-dependencies]\ne = ["e>=0.1; python_version < \'4\'"]\n'
    )
    assert read_floors(pyproject) == {"a": "1.2", "c": "3.4", "e": "0.1"}
