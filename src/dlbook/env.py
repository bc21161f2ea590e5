"""One-call notebook setup: seeds, a consistent plot style and a short environment report.

Every chapter of the book begins with :func:`setup`. It makes a page's results repeatable
(the same seed for Python, NumPy, TensorFlow and PyTorch), gives every figure the same look,
and tells the reader which library versions and which device produced the page.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import os
import platform
import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

#: Frameworks :func:`setup` knows how to seed, by import name.
FRAMEWORKS = ("tensorflow", "torch")

#: Distributions whose versions the environment report lists when they are installed.
REPORTED_PACKAGES = (
    "numpy",
    "tensorflow",
    "keras",
    "torch",
    "torch_geometric",
    "scikit-learn",
    "matplotlib",
)


@dataclass
class EnvironmentReport:
    """What produced a page: Python, library versions, the seed and the accelerator."""

    python: str
    platform: str
    seed: int
    versions: dict[str, str] = field(default_factory=dict)
    gpu: bool = False
    device: str = "cpu"
    cpu_count: int = 1

    def summary(self) -> str:
        """A few short lines, suitable for printing at the top of a chapter."""
        libs = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        accel = f"GPU ({self.device})" if self.gpu else f"CPU only ({self.cpu_count} cores)"
        return f"Python {self.python} on {self.platform}; {accel}; seed {self.seed}\n{libs}"

    def __str__(self) -> str:
        return self.summary()

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {line}" for line in self.summary().splitlines())


#: Distribution names to try for an import name (TensorFlow ships as tensorflow or tensorflow-cpu).
_DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "torch_geometric": ("torch-geometric",),
}


def _installed_version(name: str) -> str | None:
    for dist in _DISTRIBUTIONS.get(name, (name,)):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def installed_versions(names: Iterable[str]) -> dict[str, str]:
    """``{name: version}`` of each named package that is installed (the others are left out).

    ``names`` are import or distribution names; ``"tensorflow"`` also finds the
    ``tensorflow-cpu`` distribution.
    """
    versions = {}
    for name in names:
        version = _installed_version(name)
        if version is not None:
            versions[name] = version
    return versions


def cpu_model() -> str:
    """The processor's model name (from ``/proc/cpuinfo`` on Linux), or its architecture."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return name


def _check_frameworks(frameworks: Iterable[str]) -> tuple[str, ...]:
    names = tuple(frameworks)
    unknown = [name for name in names if name not in FRAMEWORKS]
    if unknown:
        raise ValueError(
            f"unknown framework(s) {unknown}: setup() can seed {list(FRAMEWORKS)}; "
            "pass a subset of those, for example frameworks=('torch',)"
        )
    return names


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence what native code writes to file descriptor 2 inside the block.

    TensorFlow's C++ start-up lines ("oneDNN custom operations are on", absl's "All log messages
    before absl::InitializeLog()") bypass ``TF_CPP_MIN_LOG_LEVEL`` on some CPUs and land in a
    notebook's cell output as stderr. Python's own ``sys.stderr`` (warnings, errors) is flushed
    first and keeps working; only the process-level descriptor is pointed at ``os.devnull``.
    """
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):  # no real descriptor (some embedded runtimes)
        yield
        return
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def seed_everything(seed: int = 0, frameworks: Iterable[str] = FRAMEWORKS) -> None:
    """Seed Python's ``random``, NumPy and the named frameworks with ``seed``.

    A framework that is not installed is skipped: a PyTorch-only environment (Colab without
    TensorFlow, say) still gets Python, NumPy and PyTorch seeded.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    names = _check_frameworks(frameworks)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (chapters draw from the global generator)
    if "tensorflow" in names and _installed_version("tensorflow"):
        with quiet_native_stderr():
            import tensorflow as tf

            tf.random.set_seed(seed)
    if "torch" in names and _installed_version("torch"):
        import torch

        torch.manual_seed(seed)  # seeds every CUDA device as well


def _detect_gpu(frameworks: tuple[str, ...]) -> tuple[bool, str]:
    if "torch" in frameworks and "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.cuda.is_available():
            return True, torch.cuda.get_device_name(0)
    if "tensorflow" in frameworks and "tensorflow" in sys.modules:
        gpus = sys.modules["tensorflow"].config.list_physical_devices("GPU")
        if gpus:
            return True, gpus[0].name
    return False, "cpu"


def environment_report(seed: int = 0, frameworks: Iterable[str] = FRAMEWORKS) -> EnvironmentReport:
    """Describe the running environment: versions of the main libraries and any GPU."""
    names = _check_frameworks(frameworks)
    versions = installed_versions(REPORTED_PACKAGES)
    gpu, device = _detect_gpu(names)
    return EnvironmentReport(
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        seed=seed,
        versions=versions,
        gpu=gpu,
        device=device,
        cpu_count=os.cpu_count() or 1,
    )


def setup(
    seed: int = 0,
    frameworks: Iterable[str] = FRAMEWORKS,
    *,
    style: bool = True,
    quiet: bool = False,
) -> EnvironmentReport:
    """Prepare a notebook in one call and return what it ran on.

    Parameters
    ----------
    seed:
        Seed for Python, NumPy and each framework in ``frameworks``.
    frameworks:
        Which of ``"tensorflow"`` and ``"torch"`` to import and seed. A PyTorch chapter passes
        ``("torch",)`` so that it does not pay for importing TensorFlow.
    style:
        Apply the book's matplotlib style (:func:`dlbook.plot.style.use_book_style`).
    quiet:
        Do not print the report (it is returned either way).
    """
    names = _check_frameworks(frameworks)
    if "tensorflow" in names:
        # Keep TensorFlow's C++ start-up chatter out of the book's cell outputs.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    seed_everything(seed, names)
    if style:
        from dlbook.plot import use_book_style

        use_book_style()
    report = environment_report(seed, names)
    if not quiet:
        print(report.summary())
    return report
