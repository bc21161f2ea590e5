"""Run every page's ready-to-run notebook as a reader on Colab would, in a local stand-in for
Colab's runtime, and compare what it glues with the build.

Usage::

    python tools/colab_parity.py [book/basics/tensors.md ...] [--report DIR] [--no-baseline]

Without pages it runs the notebook of every executable page in ``_toc.yml``. Run it under
``nice``: it executes one page at a time, but each page twice (stand-in, then build).

**The stand-in** (made once and kept, see ``--env``): a virtual environment with the Python of
Colab's runtime (its minor version from ``os-info-gpu.txt`` beside the freeze, found as
``python3.13`` on the PATH or under pyenv) that holds, at the versions of Colab's ``pip freeze``
(``../shared/colab/pip-freeze.gpu.txt``), every distribution a page's setup cell would find
preinstalled on Colab: those the setup cells require that Colab has, those that the setup
cells' own installs (``dlbook``, and what Colab lacks) need and Colab has, and Jupyter's kernel
(ipykernel, IPython, nbclient, ...). CUDA builds (``2.11.0+cu128``) are replaced by the same
version from the package registry; everything these bring along is held to Colab's version
too (a pip constraint file), except CUDA's own libraries, which the registry's build pins for
its CUDA release. Where a version cannot be installed at all, the run stops and says which.

**Each notebook** is made from the page's source exactly as the build makes it and runs there
as a reader's would: setup cell first (it installs ``dlbook`` from this checkout through
``DLBOOK_SOURCE``, and whatever is missing or older than ``pyproject.toml``'s lower bounds), in
a fresh working folder, with an empty data cache (datasets come from ``DLBOOK_DATA_MIRROR``)
and one thread per kernel. Before each notebook the environment is put back to Colab's set:
what the previous setup cell installed is removed, so that every notebook starts as on a new
Colab machine.

**The baseline** is the same page run in the build's environment (the Python running this
tool) by ``tools/run_pages.py``, with the same thread count and an empty data cache of its own
(or read from ``--baseline DIR``: what ``run_pages.py --save DIR/<part>`` saved and printed,
kept in ``DIR/run_pages.log``). Glued values (myst-nb ``glue``) are compared key by key.

**The report**: a Markdown table on stdout and in ``--report`` (default
``_build/colab-parity``) as ``report.md``, with ``report.json`` and the executed notebooks
(``colab/``, ``build/``) beside it. ``--resume`` keeps what the report already holds for a
page and runs only what is missing, so the book can be run in chunks, and the stand-in runs
first (``--no-baseline``) and the baselines later. ``--build-cache DIR`` compares with what a
book build executed, from its execution cache (``_build/.jupyter_cache``; the notebooks in
``_build/jupyter_execute`` lack the glue outputs), instead of running each page again. The
exit status is non-zero when a page fails in the stand-in.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside a clone; two levels up from a worktree under wt/.
SHARED = next((p / "shared" for p in ROOT.parents[:2] if (p / "shared").is_dir()), ROOT.parent)
FREEZE = SHARED / "colab" / "pip-freeze.gpu.txt"
DEFAULT_REPORT = ROOT / "_build" / "colab-parity"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")

#: The Jupyter kernel and notebook runner as Colab has them (the kernel runs inside them).
KERNEL_STACK = (
    "ipykernel",
    "ipython",
    "jupyter-client",
    "jupyter-core",
    "nbclient",
    "nbformat",
    "traitlets",
    "pyzmq",
    "tornado",
    "matplotlib-inline",
    "setuptools",
    "wheel",
)

RUNNER = textwrap.dedent(
    """\
    import json, resource, sys, time
    import nbclient, nbformat
    path, cwd, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": cwd}})
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as exc:
        error = "\\n".join(str(exc).splitlines()[-15:]) or repr(exc)
    finally:
        nbformat.write(nb, path)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("RESULT " + json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                                  "peak_mib": usage.ru_maxrss / 1024, "error": error}))
    """
)


# --- Colab's package list ------------------------------------------------------------------


def normalize(name: str) -> str:
    """A distribution name as the package registry compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_freeze(path: Path) -> dict[str, tuple[str, str]]:
    """``{normalized name: (name, version)}`` from a ``pip freeze`` listing.

    Local version labels are dropped (``torch==2.11.0+cu128`` becomes ``2.11.0``, the same
    release from the registry); entries installed from a URL or a path (``name @ ...``) are
    left out, since no registry serves them.
    """
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^+\s;]+)(\+\S+)?", line)
        if match:
            found[normalize(match.group(1))] = (match.group(1), match.group(2))
    return found


def python_version_of(freeze: Path) -> str:
    """The ``major.minor`` Python of the runtime whose freeze this is (its os-info file)."""
    kind = "gpu" if "gpu" in freeze.name else "cpu"
    for info in sorted(freeze.parent.glob(f"os-info*{kind}*.txt")):
        match = re.search(r"^Python (\d+\.\d+)", info.read_text(), re.M)
        if match:
            return match.group(1)
    raise SystemExit(f"no os-info file with a Python version beside {freeze}")


def find_python(version: str) -> Path:
    """An interpreter of Python ``version`` (``3.13``): on the PATH, else the newest pyenv one."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(
        pyenv.glob(f"{version}.*/bin/python{version}"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parts[-3])],
    )
    on_path = shutil.which(f"python{version}")
    for python in ([Path(on_path)] if on_path else []) + candidates[::-1]:
        # A pyenv shim is on the PATH even where that version is not selected: try it.
        check = subprocess.run([str(python), "--version"], capture_output=True, text=True)
        if check.returncode == 0 and check.stdout.split()[-1].startswith(version + "."):
            return python
    raise SystemExit(f"no Python {version} found (on the PATH or under {pyenv})")


# --- What a setup cell needs ---------------------------------------------------------------

SETUP_ENTRY = re.compile(r'^    "([\w.]+)": \((?:"([^"]+)"|os\.environ)', re.M)


def setup_requirements(notebook_path: Path) -> dict[str, str | None]:
    """``{import name: pip requirement}`` of a generated notebook's setup cell (``dlbook``'s
    requirement is None: it comes from ``DLBOOK_SOURCE``)."""
    import nbformat

    source = nbformat.read(notebook_path, as_version=4).cells[0].source
    block = source.split("REQUIRED = {", 1)[1].split("\n}", 1)[0]
    return {name: requirement or None for name, requirement in SETUP_ENTRY.findall(block)}


def installed_by_setup(notebook) -> list[str]:
    """What an executed notebook's setup cell printed it installed, and why."""
    text = "".join(o.get("text", "") for o in notebook.cells[0].get("outputs", []))
    return re.findall(r"^Installing (.+)$", text, re.M)


def distribution_of(requirement: str) -> str:
    return normalize(re.split(r"[=<>!~\[ ;@]", requirement, maxsplit=1)[0])


def preinstalled(
    colab: dict[str, tuple[str, str]], required: Iterable[str], dependencies: Iterable[str]
) -> dict[str, str]:
    """``{name: Colab's version}`` of what a reader's setup cells find on Colab: the
    distributions they require (``required``), what their installs pull in
    (``dependencies``) and the kernel stack, where Colab's freeze lists them."""
    names = {normalize(n) for n in [*required, *dependencies, *KERNEL_STACK]}
    return {colab[n][0]: colab[n][1] for n in sorted(names) if n in colab}


#: CUDA's own libraries: the registry's torch of Colab's version is built for another CUDA
#: release than Colab's (cu130, not cu128) and pins its own. They do not run on a CPU anyway.
CUDA_LIBRARIES = re.compile(r"^(nvidia-|cuda-)")


def constraints_text(colab: dict[str, tuple[str, str]]) -> str:
    """A pip constraint file holding every package to Colab's version, but CUDA's libraries."""
    return "".join(
        f"{name}=={version}\n"
        for key, (name, version) in colab.items()
        if not CUDA_LIBRARIES.match(key)
    )


# --- The environment -----------------------------------------------------------------------


def pip(python: Path, *args: str) -> str:
    """Run pip in ``python``'s environment; its output (shown only when it fails)."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(
        [str(python), "-m", "pip", *args], env=env, text=True, capture_output=True
    )
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise SystemExit(f"pip {' '.join(args[:3])} ... failed:\n{tail}")
    return result.stdout


def installed(python: Path) -> dict[str, str]:
    """``{normalized name: version}`` of every distribution in the environment."""
    out = pip(python, "list", "--format=json")
    return {normalize(d["name"]): d["version"] for d in json.loads(out)}


def dependencies_of(python: Path, requirements: list[str]) -> list[str]:
    """Every distribution that installing ``requirements`` into an empty environment brings."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        pip(
            python,
            "install",
            "--quiet",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            *requirements,
        )
        return [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]]


def reset_plan(base: dict[str, str], now: dict[str, str]) -> tuple[list[str], list[str]]:
    """(names to uninstall, ``name==version`` to reinstall) to bring ``now`` back to ``base``."""
    remove = sorted(set(now) - set(base))
    restore = sorted(f"{n}=={v}" for n, v in base.items() if now.get(n) != v)
    return remove, restore


class ColabEnv:
    """The stand-in for Colab's runtime: made once per ``key``, reset before every notebook."""

    def __init__(self, folder: Path, python: Path, colab: dict, key: str):
        self.folder, self.base_python, self.colab, self.key = folder, python, colab, key
        self.python = folder / "bin" / "python"
        self.marker = folder / "colab-parity.json"

    @classmethod
    def existing(cls, python: Path, record: Path) -> ColabEnv:
        """A runtime as it is (Colab's own container): the packages it holds now are the set
        that every notebook starts from."""
        env = cls(record.parent, python, {}, "existing")
        env.python, env.marker = python, record
        record.parent.mkdir(parents=True, exist_ok=True)
        base = installed(python)
        record.write_text(json.dumps({"key": "existing", "wanted": {}, "installed": base}))
        return env

    def ready(self) -> bool:
        if not self.marker.is_file():
            return False
        return json.loads(self.marker.read_text()).get("key") == self.key

    @property
    def wanted(self) -> dict[str, str]:
        return json.loads(self.marker.read_text())["wanted"]

    def base(self) -> dict[str, str]:
        return json.loads(self.marker.read_text())["installed"]

    def create(self, wanted: dict[str, str]) -> None:
        """Install ``wanted`` (``{name: version}``) at those versions, and what they need at
        Colab's versions."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
        subprocess.run([str(self.base_python), "-m", "venv", str(self.folder)], check=True)
        constraints = self.folder / "colab-constraints.txt"
        constraints.write_text(constraints_text(self.colab))
        if "pip" in self.colab:
            pip(self.python, "install", "--quiet", f"pip=={self.colab['pip'][1]}")
        requirements = [f"{name}=={version}" for name, version in wanted.items()]
        pip(self.python, "install", "--quiet", "-c", str(constraints), *requirements)
        base = installed(self.python)
        missing = {n: v for n, v in wanted.items() if base.get(normalize(n)) != v}
        if missing:
            raise SystemExit(f"could not install Colab's versions of {missing}")
        record = {"key": self.key, "wanted": wanted, "installed": base}
        self.marker.write_text(json.dumps(record, indent=1))

    def reset(self) -> list[str]:
        """Put the environment back to Colab's set; what was changed."""
        remove, restore = reset_plan(self.base(), installed(self.python))
        if remove:
            pip(self.python, "uninstall", "--quiet", "--yes", *remove)
        if restore:
            pip(self.python, "install", "--quiet", "--no-deps", *restore)
        return remove + restore


# --- Running a notebook --------------------------------------------------------------------


#: A data cache shared by every run (``--data-cache``); None: an empty one for each notebook.
DATA_CACHE: Path | None = None


@contextlib.contextmanager
def reader_environment(data_dir: Path, threads: int) -> Iterator[dict[str, str]]:
    """Environment variables of a reader's run: ``threads`` threads per kernel (0: as the
    runtime chooses), an empty data cache (or the shared one, with shared trained artifacts
    off, so that each page still trains what it needs), the data mirror, no PYTHONPATH
    leaking this checkout into the kernel."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    if threads:
        env.update({name: str(threads) for name in THREAD_VARIABLES})
    if DATA_CACHE is not None:
        data_dir = DATA_CACHE
        env["DLBOOK_ARTIFACTS"] = "off"
    env.update(DLBOOK_DATA_DIR=str(data_dir), PIP_DISABLE_PIP_VERSION_CHECK="1")
    if (SHARED / "data").is_dir():
        env.setdefault("DLBOOK_DATA_MIRROR", str(SHARED / "data"))
    yield env


def run_in_colab_env(
    env: ColabEnv, notebook: Path, workdir: Path, threads: int, timeout: int
) -> dict:
    """Execute ``notebook`` (in place) with the stand-in's kernel, as a reader would."""
    workdir.mkdir(parents=True, exist_ok=True)
    with reader_environment(workdir / ".dlbook-cache", threads) as variables:
        variables.update(
            DLBOOK_SOURCE=str(ROOT),
            PATH=f"{env.python.parent}:{variables.get('PATH', '')}",
        )
        result = subprocess.run(
            [str(env.python), "-c", RUNNER, str(notebook), str(workdir), str(timeout)],
            env=variables,
            cwd=workdir,
            capture_output=True,
            text=True,
        )
    return _result(result)


def run_in_build_env(page: Path, save: Path, workdir: Path, threads: int, timeout: int) -> dict:
    """Execute ``page`` with tools/run_pages.py in this Python (the build's environment)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import run_pages

    workdir.mkdir(parents=True, exist_ok=True)
    with reader_environment(workdir / ".dlbook-cache", threads) as variables:
        variables["PYTHONPATH"] = os.pathsep.join(
            p for p in [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")] if p
        )
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(variables)
        try:
            threads = threads or os.cpu_count() or 1
            return run_pages.measure(page, threads=threads, timeout=timeout, save=save)
        finally:
            os.environ.clear()
            os.environ.update(saved)


RUN_PAGES_ROW = re.compile(r"^\s*(\S+)\s+(\S+)\s+(\S+)\s+(ok|FAILED|OVER)\s+(\S+\.md)\s*$", re.M)


def read_run_pages_log(log: Path) -> dict[str, dict]:
    """``{docname: {seconds, cpu, peak_mib, error}}`` from what tools/run_pages.py printed."""
    rows = {}
    for wall, cpu, peak, status, page in RUN_PAGES_ROW.findall(log.read_text()):
        rows[Path(page).with_suffix("").as_posix()] = {
            "seconds": float(wall),
            "cpu": float(cpu),
            "peak_mib": float(peak),
            "error": None if status != "FAILED" else "failed (see the log)",
        }
    return rows


def export_cached(cache_dir: Path, page: Path, dest: Path) -> bool:
    """Write the newest executed notebook that the book build's jupyter-cache holds for
    ``page`` (matched by its path below the book root) to ``dest``; False if it holds none."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    wanted = page.relative_to(ROOT).as_posix()
    records = [
        r for r in cache.list_cache_records() if Path(r.uri).as_posix().endswith("/" + wanted)
    ]
    if not records:
        return False
    newest = max(records, key=lambda r: r.created)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(cache.get_cache_bundle(newest.pk).nb, dest)
    return True


def _result(result: subprocess.CompletedProcess) -> dict:
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
    return {"seconds": math.nan, "cpu": math.nan, "peak_mib": math.nan, "error": tail}


# --- Glued values --------------------------------------------------------------------------

NUMBER = re.compile(r"(?:np\.\w+\()?\s*([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf))\s*\)?")


def glued_values(notebook) -> dict[str, object]:
    """``{key: value}`` of what an executed notebook glued: a float where the glued text is a
    number, the text otherwise, ``"<figure>"`` for glued images."""
    values: dict[str, object] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = len(meta.get("mime_prefix", ""))
            data = {k[prefix:]: v for k, v in output.get("data", {}).items()}
            if any(k.startswith("image/") for k in data):
                values[meta["name"]] = "<figure>"
                continue
            text = str(data.get("text/plain", "")).strip()
            match = NUMBER.fullmatch(text)
            values[meta["name"]] = float(match.group(1)) if match else text
    return values


def compare_glue(colab: dict[str, object], build: dict[str, object]) -> dict:
    """How far the stand-in's glued values moved from the build's.

    Returns the number of keys compared, the keys that moved (numbers by more than 1e-9
    relative, texts that differ), keys glued by one run only, and the largest relative move
    of a number as (key, build value, stand-in value, relative difference).
    """
    moved, largest = [], None
    for key in sorted(set(colab) & set(build)):
        a, b = colab[key], build[key]
        if isinstance(a, float) and isinstance(b, float):
            if a == b or (math.isnan(a) and math.isnan(b)):
                continue
            scale = max(abs(a), abs(b))
            rel = abs(a - b) / scale if scale and math.isfinite(scale) else math.inf
            if rel <= 1e-9:
                continue
            moved.append(key)
            if largest is None or rel > largest[3]:
                largest = (key, b, a, rel)
        elif a != b:
            moved.append(key)
    return {
        "compared": len(set(colab) & set(build)),
        "moved": moved,
        "only_build": sorted(set(build) - set(colab)),
        "only_colab": sorted(set(colab) - set(build)),
        "largest": largest,
    }


# --- The report ----------------------------------------------------------------------------


def _num(value, fmt: str = ".0f") -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format(value, fmt)
    )


def _installed_name(line: str) -> str:
    """``numpy (2.0.2 < 2.1.3)`` or ``sacrebleu`` from a setup cell's "Installing ..." line."""
    why = line.split(": ", 1)[-1]
    older = re.match(r"(\S+) (\S+) is older than (\S+),", why)
    if older:
        return f"{older.group(1)} ({older.group(2)} < {older.group(3)})"
    return why.split()[0]


def report_table(rows: list[dict]) -> str:
    """The Markdown table of a parity run, one row per page (any number of pages)."""
    lines = [
        "| page | Colab stand-in | wall s | CPU s | peak MiB | setup cell installed "
        "| build wall s | build CPU s | build peak MiB | glued values | moved "
        "| largest relative move |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        colab, build, glue = row["colab"], row.get("build") or {}, row.get("glue")
        installed_names = ", ".join(map(_installed_name, row.get("installed", []))) or "—"
        if glue:
            largest = glue["largest"]
            move = (
                f"{largest[0]}: {largest[1]:.6g} → {largest[2]:.6g} ({largest[3]:.2%})"
                if (largest)
                else "—"
            )
            missing = glue["only_build"] + glue["only_colab"]
            if missing:
                move += f"; glued by one run only: {', '.join(missing)}"
            glued, moved = str(glue["compared"]), str(len(glue["moved"]))
        else:
            glued, moved, move = "—", "—", "—"
        status = "ok" if colab["error"] is None else "FAILED"
        lines.append(
            f"| {row['page']} | {status} | {_num(colab['seconds'])} | {_num(colab['cpu'])} "
            f"| {_num(colab['peak_mib'])} | {installed_names} | {_num(build.get('seconds'))} "
            f"| {_num(build.get('cpu'))} | {_num(build.get('peak_mib'))} | {glued} | {moved} "
            f"| {move} |"
        )
    return "\n".join(lines) + "\n"


def environment_summary(env: ColabEnv, freeze: Path) -> str:
    base = env.base()
    if env.key == "existing":
        python = subprocess.run([str(env.python), "--version"], capture_output=True, text=True)
        return f"Runtime {env.python} ({python.stdout.strip()}), {len(base)} distributions."
    shown = ["torch", "tensorflow", "keras", "numpy", "pandas", "scikit-learn", "matplotlib"]
    versions = ", ".join(f"{n} {base[n]}" for n in shown if n in base)
    python = subprocess.run(
        [str(env.python), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"Stand-in for Colab's runtime ({freeze.name}): {python}, {versions}; "
        f"{len(env.wanted)} distributions at Colab's versions, {len(base)} installed in all."
    )


# --- Main ----------------------------------------------------------------------------------


def toc_files(toc: object) -> list[str]:
    """Every ``file:`` (and the ``root``) of a jb-book table of contents, in order."""
    if isinstance(toc, dict):
        found = [toc[key] for key in ("root", "file") if key in toc]
        return found + [f for value in toc.values() for f in toc_files(value)]
    if isinstance(toc, list):
        return [f for item in toc for f in toc_files(item)]
    return []


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The executable pages (MyST notebooks) that ``_toc.yml`` lists, in its order."""
    import yaml

    sys.path.insert(0, str(ROOT / "_ext"))
    from package_cache import is_notebook_source

    pages = [ROOT / f"{name}.md" for name in toc_files(yaml.safe_load(toc.read_text()))]
    return [p for p in pages if p.is_file() and is_notebook_source(p.read_text())]


def make_env(freeze: Path, folder: Path | None, notebooks: list[Path]) -> ColabEnv:
    """The stand-in for the runtime that ``freeze`` lists, made if not there yet (or made for
    another freeze, Python, set of setup-cell requirements or pyproject.toml)."""
    colab = read_freeze(freeze)
    version = python_version_of(freeze)
    python = find_python(version)
    folder = folder or Path.home() / ".cache" / "dlbook" / "colab-parity" / f"py{version}"
    required: dict[str, str | None] = {}
    for notebook in notebooks:
        required |= setup_requirements(notebook)
    pinned = sorted(r for r in required.values() if r)
    # Which distributions dlbook requires shapes the stand-in too (not their lower bounds).
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needs = [project.get("dependencies", [])]
    needs += list(project.get("optional-dependencies", {}).values())
    needs = sorted(distribution_of(r) for group in needs for r in group)
    key = hashlib.sha256(
        json.dumps([str(python), sorted(colab.items()), pinned, needs], sort_keys=True).encode()
    ).hexdigest()[:16]
    env = ColabEnv(folder, python, colab, key)
    if not env.ready():
        # What the setup cells install where Colab lacks it (dlbook included) finds Colab's
        # other packages there: those are part of the stand-in too.
        lacking = [r for r in pinned if distribution_of(r) not in colab] + [str(ROOT)]
        wanted = preinstalled(colab, map(distribution_of, pinned), dependencies_of(python, lacking))
        print(f"making the stand-in for Colab's runtime in {folder} ({len(wanted)} packages)")
        env.create(wanted)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages (.md); default: all in the toc")
    parser.add_argument("--freeze", type=Path, default=FREEZE, help="Colab's pip freeze")
    parser.add_argument("--env", type=Path, help="the stand-in's folder (kept between runs)")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="report folder")
    parser.add_argument("--no-baseline", action="store_true", help="skip the build-env runs")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="take the build-environment runs from this folder: notebooks saved by "
        "`run_pages.py --save DIR/<part>` and its output in DIR/run_pages.log",
    )
    parser.add_argument(
        "--build-cache",
        type=Path,
        help="compare glued values with what a book build executed, read from its execution "
        "cache (_build/.jupyter_cache), instead of running each page again; the build "
        "columns of the table then hold no times",
    )
    parser.add_argument("--resume", action="store_true", help="keep what the report holds")
    parser.add_argument(
        "--runtime-python",
        type=Path,
        help="run in this interpreter's environment as it is (Colab's own container) "
        "instead of the stand-in",
    )
    parser.add_argument(
        "--data-cache", type=Path, help="keep datasets here for all pages (default: none)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per kernel (0: the runtime's choice)"
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    global DATA_CACHE
    DATA_CACHE = args.data_cache.resolve() if args.data_cache else None

    sys.path.insert(0, str(ROOT / "tools"))
    sys.path.insert(0, str(ROOT / "_ext"))
    import nbformat
    from fresh_notebooks import notebooks_from_pages

    all_pages = toc_pages()
    pages = [p.resolve() for p in args.pages] or all_pages
    args.report.mkdir(parents=True, exist_ok=True)
    state_path = args.report / "report.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    failures = 0
    with tempfile.TemporaryDirectory(prefix="colab-parity-") as tmp:
        tmp = Path(tmp)
        if args.runtime_python:
            env = ColabEnv.existing(args.runtime_python, args.report / "runtime-packages.json")
        else:
            # The stand-in is made for every page of the book, whichever pages run now.
            env = make_env(args.freeze, args.env, notebooks_from_pages(all_pages, tmp / "all"))
        print(environment_summary(env, args.freeze), flush=True)
        for page in pages:
            name = page.relative_to(ROOT).with_suffix("").as_posix()
            row = state.get(name) if args.resume else None
            executed_path = args.report / "colab" / f"{name}.ipynb"
            if row is None:
                (notebook,) = notebooks_from_pages([page], tmp / "notebooks")
                changed = env.reset()
                if changed:
                    print(f"  reset: {', '.join(changed)}", flush=True)
                workdir = tmp / "run" / name
                colab = run_in_colab_env(env, notebook, workdir, args.threads, args.timeout)
                executed_path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(notebook, executed_path)
                executed = nbformat.read(notebook, as_version=4)
                row = {"page": name, "colab": colab, "installed": installed_by_setup(executed)}
            elif not args.no_baseline and "build" not in row:
                print(f"  {name}: Colab stand-in run from the report", flush=True)
            if not args.no_baseline and "build" not in row:
                if args.build_cache:
                    save = tmp / "build" / Path(name).parent
                    if export_cached(args.build_cache, page, save / f"{page.stem}.ipynb"):
                        row["build"] = {
                            "seconds": math.nan,
                            "cpu": math.nan,
                            "peak_mib": math.nan,
                            "error": None,
                        }
                elif args.baseline:
                    save = args.baseline / Path(name).parent
                    logged = read_run_pages_log(args.baseline / "run_pages.log")
                    if name in logged:
                        row["build"] = logged[name]
                else:
                    save = args.report / "build" / Path(name).parent
                    workdir = tmp / "build" / name
                    row["build"] = run_in_build_env(page, save, workdir, args.threads, args.timeout)
                saved = save / f"{page.stem}.ipynb"
                ran = row.get("build", {}).get("error", "") is None
                if ran and saved.is_file() and executed_path.is_file():
                    row["glue"] = compare_glue(
                        glued_values(nbformat.read(executed_path, as_version=4)),
                        glued_values(nbformat.read(saved, as_version=4)),
                    )
            state[name] = row
            state_path.write_text(json.dumps(state, indent=1))
            failures += row["colab"]["error"] is not None
            print(report_table([row]).splitlines()[-1], flush=True)
            if row["colab"]["error"]:
                print(row["colab"]["error"], file=sys.stderr)
        ordered = [
            state[n]
            for n in (p.relative_to(ROOT).with_suffix("").as_posix() for p in all_pages)
            if n in state
        ]
        text = environment_summary(env, args.freeze) + "\n\n" + report_table(ordered)
    (args.report / "report.md").write_text(text)
    print()
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
