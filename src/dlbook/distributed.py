r"""Start training runs in child processes from a notebook, and never leave one behind.

Data-parallel training runs one process per device; a notebook page starts them with
``torchrun`` and waits. Doing that from a Jupyter kernel needs more care than a shell does:

* **Time-outs.** A rank that waits in a collective for a peer that died waits forever. Every
  launch has a deadline; at the deadline the whole run is stopped and :class:`LaunchTimeout`
  raised.
* **No orphans.** ``torchrun`` starts each worker in a session of its own, so killing
  ``torchrun``'s process group does not reach the workers. Each launch therefore carries a
  unique marker in its environment (``DLBOOK_LAUNCH_ID``), inherited by every process it starts;
  stopping a launch sends ``SIGTERM`` to the child's group (``torchrun`` passes it on and tidies
  up), waits a grace period, then kills every process that still carries the marker, wherever
  it has been re-parented. On Linux the child also dies with the kernel that started it
  (``PR_SET_PDEATHSIG``), and every launch still alive when the interpreter exits is stopped.
* **Free ports.** The rendezvous store of a one-machine launch binds port 0, so the operating
  system picks a free port at the moment of binding; two pages launching at once never collide.
* **Clear errors.** A run that exits with an error raises :class:`LaunchError` naming the exit
  status and quoting the end of the run's output (the failing rank's traceback).

:class:`ChildProcess` supervises one command; :func:`run_python` runs a Python script to the end;
:func:`torchrun` launches ``nproc`` copies of a script with ``torch.distributed.run``. Inside the
script, :func:`init_distributed` joins the process group with the right backend (NCCL when every
rank has a GPU of its own, gloo otherwise) and device.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MARKER",
    "ChildProcess",
    "DistInfo",
    "LaunchError",
    "LaunchResult",
    "LaunchTimeout",
    "free_port",
    "init_distributed",
    "live_processes",
    "pick_backend",
    "run_python",
    "torchrun",
    "torchrun_argv",
]

#: The environment variable that tags every process of a launch (value: the launch's id).
MARKER = "DLBOOK_LAUNCH_ID"

_LINUX = sys.platform.startswith("linux")
_PR_SET_PDEATHSIG = 1

# A tiny trampoline: ask the kernel to send SIGTERM when our parent dies, make sure the parent
# did not die already, then become the real command (the request survives exec).
_TRAMPOLINE = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(143)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


class LaunchError(RuntimeError):
    """A child run failed: its exit status is not 0 (``returncode``; ``output`` holds its log)."""

    def __init__(self, message: str, returncode: int | None = None, output: str = ""):
        super().__init__(message)
        self.returncode = returncode
        self.output = output


class LaunchTimeout(LaunchError):
    """A child run did not finish before its deadline; it was stopped, with all it started."""


@dataclass
class LaunchResult:
    """What a finished run left: exit status 0, its output, wall and CPU seconds.

    ``cpu_seconds`` is the user + system time of the run and every process it waited for
    (``torchrun`` waits for its workers), read from ``RUSAGE_CHILDREN`` around the run.
    ``launch_id`` is the marker its processes carried (see :func:`live_processes`).
    """

    returncode: int
    output: str
    seconds: float
    cpu_seconds: float
    launch_id: str


# ----------------------------------------------------------------------------- processes


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free now: bind port 0, let the OS choose, read it back, release it.

    Another process may take the port between this call and its use; where the program that
    needs the port can bind port 0 itself (as :func:`torchrun` lets the rendezvous store do),
    prefer that.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _state(pid: int) -> str | None:
    # The one-letter state of a process (R, S, Z, ...), or None when it is gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def live_processes(launch_id: str) -> list[int]:
    """Process ids that carry ``launch_id`` in their environment and are still alive.

    Linux only (it reads ``/proc``); elsewhere it returns an empty list. Zombies (exited, not
    yet reaped by their parent) are not alive and are left out.
    """
    if not _LINUX:
        return []
    needle = f"{MARKER}={launch_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if needle in environ.split(b"\0") and _state(int(entry.name)) not in (None, "Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


def _source_checkout() -> str | None:
    # The folder holding this dlbook package, when it is a source checkout (not an installed
    # copy in site-packages): children are pointed at it so they run the same code.
    folder = Path(__file__).resolve().parents[1]
    if folder.name in ("site-packages", "dist-packages"):
        return None
    return str(folder)


_LIVE: set[ChildProcess] = set()


@atexit.register
def _stop_all() -> None:
    for child in list(_LIVE):
        child.stop(grace=1.0)


def _tail(text: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a run's output, without the launcher's own traceback.

    When ``torchrun`` stops (a failed rank, a signal) it prints a Python traceback of its own
    frames, which says nothing about the cause; the workers' lines before it (their tracebacks
    are prefixed ``[rankN]:``) and its summary of the first failure do.
    """
    kept = text.rstrip().splitlines()
    for i, line in enumerate(kept):
        if line.startswith("Traceback (most recent call last):") and any(
            "torch/distributed/" in later for later in kept[i + 1 : i + 8]
        ):
            summary = [
                other.strip()
                for other in kept[i:]
                if other.strip().startswith(("rank ", "exitcode ", "Root Cause"))
            ]
            kept = kept[:i] + summary
            break
    return "\n".join(kept[-lines:])


class ChildProcess:
    """One command in a process group of its own, with a deadline, that leaves nothing behind.

    Output (stdout and stderr together) goes to a temporary file, so a chatty child can never
    block on a full pipe; :meth:`output` reads it. Use it as a context manager, or call
    :meth:`stop`: either stops the child and every process it started. On Linux the child is
    also sent ``SIGTERM`` when the thread that started it ends (``PR_SET_PDEATHSIG`` follows
    the creating thread): start children from the thread that waits for them, as a notebook
    cell does.

    Parameters
    ----------
    argv:
        The command and its arguments.
    env:
        Variables added to (or, with value ``None``, removed from) this process's environment.
    cwd:
        Working directory of the child.
    name:
        What to call the child in error messages (default: the command line).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str | None] | None = None,
        cwd: str | Path | None = None,
        name: str | None = None,
    ):
        self.argv = [str(a) for a in argv]
        self.name = name or " ".join(Path(a).name if "/" in a else a for a in self.argv)
        self.launch_id = uuid.uuid4().hex
        child_env = dict(os.environ)
        for name, value in (env or {}).items():
            if value is None:
                child_env.pop(name, None)
            else:
                child_env[name] = str(value)
        child_env[MARKER] = self.launch_id
        source = _source_checkout()
        if source is not None:  # children import the same dlbook as this process
            child_env["PYTHONPATH"] = os.pathsep.join(
                p for p in (source, child_env.get("PYTHONPATH")) if p
            )
        command = self.argv
        if _LINUX:
            command = [sys.executable, "-c", _TRAMPOLINE, str(os.getpid()), *self.argv]
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix="dlbook-child-", suffix=".log", delete=False
        )
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=child_env,
            cwd=cwd,
            start_new_session=True,
        )
        self.pid = self.proc.pid
        _LIVE.add(self)

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def poll(self) -> int | None:
        """The exit status, or None while the child runs."""
        return self.proc.poll()

    def output(self) -> str:
        """Everything the child has written so far (stdout and stderr, interleaved)."""
        try:
            return Path(self._log.name).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait(self, timeout: float) -> int:
        """Wait at most ``timeout`` seconds for the child to exit and return its status.

        At the deadline, or if the wait is interrupted (a notebook's *interrupt*), the child
        and everything it started are stopped; a deadline raises :class:`LaunchTimeout`.
        """
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise LaunchTimeout(
                f"{self.name} did not finish within {timeout:g} s and was stopped (with every "
                f"process it started). Last output:\n{_tail(self.output())}",
                None,
                self.output(),
            ) from None
        except BaseException:
            self.stop()
            raise

    def wait_for_line(self, text: str, timeout: float, poll: float = 0.05) -> None:
        """Wait until a line of the child's output contains ``text``.

        Raises :class:`LaunchError` if the child exits first and :class:`LaunchTimeout` (after
        stopping it) if ``timeout`` seconds pass.
        """
        deadline = time.perf_counter() + timeout
        while True:
            if any(text in line for line in self.output().splitlines()):
                return
            status = self.poll()
            if status is not None:
                raise LaunchError(
                    f"{self.name} exited with status {status} before printing {text!r}. "
                    f"Last output:\n{_tail(self.output())}",
                    status,
                    self.output(),
                )
            if time.perf_counter() > deadline:
                self.stop()
                raise LaunchTimeout(
                    f"{self.name} did not print {text!r} within {timeout:g} s and was stopped. "
                    f"Last output:\n{_tail(self.output())}",
                    None,
                    self.output(),
                )
            try:
                time.sleep(poll)
            except BaseException:  # an interrupted wait stops the child
                self.stop()
                raise

    def kill(self) -> int:
        """Kill the child at once with ``SIGKILL`` (no clean-up in it: a power cut), reap it,
        and return its exit status (``-9``). Processes it started are stopped too."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        status = self.proc.wait()
        self.stop()
        return status

    def stop(self, grace: float = 5.0) -> None:
        """Stop the child and every process it started (idempotent).

        ``SIGTERM`` to the child's process group first, so that a supervisor such as
        ``torchrun`` can stop its workers; after ``grace`` seconds, ``SIGKILL`` to whatever
        still runs: the group, and every process carrying this launch's marker.
        """
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # anything left in the child's group
        for _ in range(50):
            stragglers = live_processes(self.launch_id)
            if not stragglers:
                break
            for pid in stragglers:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)  # a worker's own session, with its helpers
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        if not self._log.closed:
            self._log.close()
        _LIVE.discard(self)

    def __del__(self):
        # The log outlives stop() (the output stays readable); it goes with the object.
        with contextlib.suppress(Exception):
            if not self._log.closed:
                self._log.close()
            os.unlink(self._log.name)


def _finish(child: ChildProcess, timeout: float) -> LaunchResult:
    cpu_before = _children_cpu()
    try:
        status = child.wait(timeout)
    finally:
        output = child.output()
        child.stop()
    seconds = time.perf_counter() - child.started
    cpu = _children_cpu() - cpu_before
    if status != 0:
        how = f"signal {-status}" if status < 0 else f"status {status}"
        message = f"{child.name} failed with {how}. Last output:\n{_tail(output)}"
        raise LaunchError(message, status, output)
    return LaunchResult(status, output, seconds, cpu, child.launch_id)


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _thread_env(threads: int | None) -> dict[str, str]:
    if threads is None:
        return {}
    return {name: str(threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def run_python(
    script: str | Path,
    args: Sequence[object] = (),
    *,
    timeout: float = 300,
    env: Mapping[str, str | None] | None = None,
    cwd: str | Path | None = None,
    threads: int | None = None,
) -> LaunchResult:
    """Run ``python script args...`` to the end in a supervised child process.

    Raises :class:`LaunchError` (with the end of the output) if it fails, and
    :class:`LaunchTimeout` if it runs past ``timeout`` seconds; either way nothing it started
    is left running. ``threads`` sets ``OMP_NUM_THREADS`` for the child.
    """
    argv = [sys.executable, str(script), *map(str, args)]
    env = {**_thread_env(threads), **(env or {})}
    name = f"python {Path(script).name}"
    return _finish(ChildProcess(argv, env=env, cwd=cwd, name=name), timeout)


def torchrun(
    script: str | Path,
    args: Sequence[object] = (),
    *,
    nproc: int = 2,
    timeout: float = 300,
    env: Mapping[str, str | None] | None = None,
    cwd: str | Path | None = None,
    threads: int | None = 1,
) -> LaunchResult:
    """Launch ``nproc`` copies of ``script`` on this machine with ``torch.distributed.run``.

    The same as ``torchrun --nnodes=1 --nproc-per-node=<nproc> script args...`` in a shell,
    with a c10d rendezvous on ``127.0.0.1`` whose store binds port 0 (a free port, chosen by
    the OS when it binds, so parallel launches never collide), no restarts, and the guarantees
    of :class:`ChildProcess`: a deadline, errors that quote the failing rank's output, and no
    process left behind. ``threads`` is each worker's ``OMP_NUM_THREADS`` (torchrun's own
    default is 1 as well).

    On several machines, run on each one
    ``torchrun --nnodes=N --nproc-per-node=G --rdzv-backend=c10d
    --rdzv-endpoint=HOST:PORT --rdzv-id=JOB script args``.
    """
    argv = torchrun_argv(script, args, nproc=nproc)
    env = {**_thread_env(threads), **(env or {})}
    name = f"torchrun of {Path(script).name} on {nproc} processes"
    return _finish(ChildProcess(argv, env=env, cwd=cwd, name=name), timeout)


def torchrun_argv(script: str | Path, args: Sequence[object] = (), *, nproc: int = 2) -> list[str]:
    """The command :func:`torchrun` runs (for :class:`ChildProcess`, to watch a run as it goes)."""
    if nproc < 1:
        raise ValueError(f"nproc must be >= 1, got {nproc}")
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        f"--nproc-per-node={nproc}",
        "--rdzv-backend=c10d",
        "--rdzv-endpoint=127.0.0.1:0",
        f"--rdzv-id=dlbook-{uuid.uuid4().hex[:12]}",
        "--max-restarts=0",
        "--monitor-interval=0.5",
        str(script),
        *map(str, args),
    ]


# ----------------------------------------------------------------------------- in the workers


@dataclass
class DistInfo:
    """Where a worker stands: its ``rank`` among ``world_size``, its device and backend."""

    rank: int
    world_size: int
    local_rank: int
    device: object  # torch.device
    backend: str


def pick_backend(world_size: int, gpus: int) -> tuple[str, bool]:
    """``(backend, use_gpu)`` for ``world_size`` ranks on a machine with ``gpus`` GPUs.

    NCCL when every rank can have a GPU of its own; gloo otherwise, on the GPU when there is one
    (ranks then share it: NCCL refuses two ranks on one device) and on the CPU when there is none.
    """
    if world_size < 1 or gpus < 0:
        raise ValueError(f"need world_size >= 1 and gpus >= 0, got {world_size}, {gpus}")
    if gpus >= world_size:
        return "nccl", True
    return "gloo", gpus > 0


def init_distributed(timeout_s: float = 120.0, backend: str | None = None) -> DistInfo:
    """Join the process group of a ``torchrun`` launch and choose this rank's device.

    Reads ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (set by ``torchrun``), picks the backend
    with :func:`pick_backend` unless ``backend`` is given, and initialises
    :mod:`torch.distributed` with a time-out for collectives (a rank whose peer died fails after
    ``timeout_s`` seconds instead of hanging). On Linux the worker also asks to be stopped when
    its parent (the ``torchrun`` agent) dies.
    """
    import torch
    import torch.distributed as dist

    if _LINUX:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    rank = int(os.environ["RANK"])
    world_size = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    gpus = torch.cuda.device_count()
    chosen, use_gpu = pick_backend(world_size, gpus)
    backend = backend or chosen
    if use_gpu:
        device = torch.device("cuda", local_rank % gpus)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
    return DistInfo(rank, world_size, local_rank, device, backend)
