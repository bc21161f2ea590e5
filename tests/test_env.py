"""dlbook.setup: seeds make draws repeat, the report tells the truth, bad arguments are refused."""

import os
import random

import matplotlib as mpl
import numpy as np
import pytest

import dlbook
from dlbook.env import environment_report, seed_everything
from dlbook.plot import BOOK_STYLE


def test_version_is_a_release_string():
    parts = dlbook.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_seed_everything_repeats_python_and_numpy_draws():
    seed_everything(123, frameworks=())
    first = (random.random(), np.random.rand(4))  # noqa: NPY002
    seed_everything(123, frameworks=())
    second = (random.random(), np.random.rand(4))  # noqa: NPY002
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    seed_everything(124, frameworks=())
    assert random.random() != first[0]


def test_seed_everything_repeats_torch_draws():
    torch = pytest.importorskip("torch")
    seed_everything(7, frameworks=("torch",))
    a = torch.rand(5)
    seed_everything(7, frameworks=("torch",))
    b = torch.rand(5)
    assert torch.equal(a, b)


def test_seed_everything_repeats_tensorflow_draws():
    tf = pytest.importorskip("tensorflow")
    seed_everything(7, frameworks=("tensorflow",))
    a = tf.random.uniform((5,)).numpy()
    seed_everything(7, frameworks=("tensorflow",))
    b = tf.random.uniform((5,)).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        seed_everything(seed)


def test_unknown_framework_is_named_in_the_error():
    with pytest.raises(ValueError, match="jax"):
        dlbook.setup(frameworks=("jax",), quiet=True)


def test_setup_applies_style_and_returns_report(capsys):
    mpl.rcdefaults()
    report = dlbook.setup(seed=3, frameworks=("torch",))
    printed = capsys.readouterr().out
    assert report.seed == 3
    assert "seed 3" in printed and "torch" in printed
    for key, value in BOOK_STYLE.items():
        if key != "axes.prop_cycle":
            assert mpl.rcParams[key] == value, key
    mpl.rcdefaults()


def test_setup_quiet_prints_nothing(capsys):
    dlbook.setup(seed=0, frameworks=(), quiet=True, style=False)
    assert capsys.readouterr().out == ""


def test_environment_report_lists_installed_versions():
    import importlib.metadata

    report = environment_report(0, frameworks=("torch",))
    assert report.versions["numpy"] == np.__version__
    assert report.versions["torch"] == importlib.metadata.version("torch")
    assert report.cpu_count >= 1
    torch = pytest.importorskip("torch")
    assert report.gpu == torch.cuda.is_available()
    text = report.summary()
    assert "numpy " + np.__version__ in text
    assert report._repr_markdown_().startswith("- Python")


def test_installed_versions_and_cpu_model():
    import importlib.metadata

    from dlbook.env import cpu_model, installed_versions

    versions = installed_versions(["numpy", "torch-geometric", "no-such-package-xyz"])
    assert versions["numpy"] == importlib.metadata.version("numpy")
    assert versions["torch-geometric"] == importlib.metadata.version("torch-geometric")
    assert "no-such-package-xyz" not in versions
    assert isinstance(cpu_model(), str) and cpu_model()


def test_quiet_native_stderr_hides_descriptor_writes_and_restores(capfd):
    from dlbook.env import quiet_native_stderr

    with quiet_native_stderr():
        os.write(2, b"native chatter\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "native chatter" not in err
    assert "after" in err
