"""Tests of dlbook.distributed: launches of real child processes, their errors, time-outs and
clean-up. Each torchrun launch starts three Python processes that import PyTorch (the agent and
two gloo workers) and costs a few CPU seconds, so those tests are marked slow."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dlbook import distributed
from dlbook.distributed import (
    ChildProcess,
    LaunchError,
    LaunchTimeout,
    free_port,
    live_processes,
    pick_backend,
    run_python,
    torchrun,
    torchrun_argv,
)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds leftover processes through /proc"
)

# A worker that records its pid, joins the group, checks an all-reduce, and then does what its
# first argument says: finish, fail on rank 1, or hang on rank 1 while rank 0 waits for it.
WORKER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import torch
    import torch.distributed as dist
    from dlbook.distributed import init_distributed

    mode, folder = sys.argv[1], Path(sys.argv[2])
    info = init_distributed(timeout_s=60)
    (folder / f"pid-{info.rank}").write_text(str(os.getpid()))
    t = torch.tensor([float(info.rank + 1)])
    dist.all_reduce(t)
    print(f"rank {info.rank} of {info.world_size} via {info.backend}: sum {t.item():g}",
          flush=True)
    if mode == "fail" and info.rank == 1:
        raise ValueError("boom from rank 1")
    if mode == "hang":
        print(f"rank {info.rank} ready", flush=True)
        if info.rank == 1:
            time.sleep(3600)
        dist.barrier()
    dist.destroy_process_group()
    """
)


def _alive(pid: int) -> bool:
    return distributed._state(pid) not in (None, "Z", "X")


def _worker_pids(folder: Path) -> list[int]:
    return [int(p.read_text()) for p in sorted(folder.glob("pid-*"))]


@pytest.fixture
def worker(tmp_path) -> Path:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    return script


def test_free_port_can_be_bound():
    port = free_port()
    assert 0 < port < 65536
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_pick_backend():
    assert pick_backend(2, 0) == ("gloo", False)
    assert pick_backend(2, 1) == ("gloo", True)  # two ranks cannot share a GPU under NCCL
    assert pick_backend(2, 2) == ("nccl", True)
    assert pick_backend(1, 8) == ("nccl", True)
    with pytest.raises(ValueError):
        pick_backend(0, 1)


def test_torchrun_argv_is_a_one_machine_launch_on_port_0():
    argv = torchrun_argv("train.py", ["--steps", 3], nproc=4)
    assert argv[1:3] == ["-m", "torch.distributed.run"]
    assert "--nproc-per-node=4" in argv and "--rdzv-endpoint=127.0.0.1:0" in argv
    assert argv[-3:] == ["train.py", "--steps", "3"]
    with pytest.raises(ValueError):
        torchrun_argv("train.py", nproc=0)


@linux_only
@pytest.mark.slow
def test_two_gloo_processes_all_reduce(worker, tmp_path):
    result = torchrun(worker, ["ok", tmp_path], nproc=2, timeout=300)
    assert result.returncode == 0
    assert "rank 0 of 2 via gloo: sum 3" in result.output
    assert "rank 1 of 2 via gloo: sum 3" in result.output
    assert result.cpu_seconds > 0
    pids = _worker_pids(tmp_path)
    assert len(pids) == 2 and not any(map(_alive, pids))


@linux_only
@pytest.mark.slow
def test_two_launches_at_once_do_not_collide(worker, tmp_path):
    # As when two pages of the book launch at the same moment: each rendezvous binds its own
    # free port, and each launch's processes carry their own marker.
    from concurrent.futures import ThreadPoolExecutor

    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda f: torchrun(worker, ["ok", f], nproc=2, timeout=300), folders)
        )
    assert all("rank 1 of 2 via gloo: sum 3" in r.output for r in results)
    assert results[0].launch_id != results[1].launch_id
    assert all(live_processes(r.launch_id) == [] for r in results)


@linux_only
@pytest.mark.slow
def test_a_failing_rank_raises_a_clear_error_and_leaves_nothing(worker, tmp_path):
    with pytest.raises(LaunchError) as caught:
        torchrun(worker, ["fail", tmp_path], nproc=2, timeout=300)
    error = caught.value
    assert not isinstance(error, LaunchTimeout)
    assert error.returncode == 1
    message = str(error)
    assert "ValueError: boom from rank 1" in message  # the failing rank's own traceback
    assert "worker.py on 2 processes failed with status 1" in message
    assert "torch/distributed/run.py" not in message  # not torchrun's traceback
    pids = _worker_pids(tmp_path)
    assert len(pids) == 2 and not any(map(_alive, pids))


@linux_only
@pytest.mark.slow
def test_a_hanging_rank_is_stopped_at_the_deadline_with_every_process(worker, tmp_path):
    child = ChildProcess(torchrun_argv(worker, ["hang", tmp_path], nproc=2))
    try:
        child.wait_for_line("rank 0 ready", timeout=300)
        child.wait_for_line("rank 1 ready", timeout=300)
        pids = _worker_pids(tmp_path)
        assert len(pids) == 2 and all(map(_alive, pids))
        assert set(pids) <= set(live_processes(child.launch_id))
        with pytest.raises(LaunchTimeout, match="did not finish within"):
            child.wait(timeout=0.5)
    finally:
        child.stop()
    assert live_processes(child.launch_id) == []
    assert not any(map(_alive, pids))
    assert child not in distributed._LIVE


SPAWNER = textwrap.dedent(
    """
    import subprocess, sys, time
    # a grandchild in a session of its own, out of reach of the child's process group
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"],
                                  start_new_session=True)
    print(f"grandchild {grandchild.pid}", flush=True)
    time.sleep(3600)
    """
)


@linux_only
def test_kill_is_a_sigkill_and_reaches_grandchildren_in_other_sessions(tmp_path):
    script = tmp_path / "spawner.py"
    script.write_text(SPAWNER)
    with ChildProcess([sys.executable, script]) as child:
        child.wait_for_line("grandchild", timeout=120)
        grandchild = int(child.output().split("grandchild")[1].split()[0])
        assert _alive(grandchild)
        assert child.kill() == -9
    assert not _alive(grandchild)
    assert live_processes(child.launch_id) == []


@linux_only
def test_children_still_running_at_exit_are_stopped(tmp_path):
    script = tmp_path / "spawner.py"
    script.write_text(SPAWNER)
    child = ChildProcess([sys.executable, script])
    child.wait_for_line("grandchild", timeout=120)
    distributed._stop_all()  # what atexit runs
    assert child.poll() is not None
    assert live_processes(child.launch_id) == []


def test_run_python_returns_output_and_raises_on_failure(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("import os; print('threads', os.environ['OMP_NUM_THREADS'])")
    result = run_python(good, threads=3, timeout=120)
    assert result.output.strip() == "threads 3"
    bad = tmp_path / "bad.py"
    bad.write_text("raise KeyError('missing thing')")
    with pytest.raises(LaunchError, match="KeyError: 'missing thing'") as caught:
        run_python(bad, timeout=120)
    assert caught.value.returncode == 1


def test_run_python_time_out(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text("import time; print('started', flush=True); time.sleep(3600)")
    start = time.perf_counter()
    with pytest.raises(LaunchTimeout):
        run_python(slow, timeout=2)
    assert time.perf_counter() - start < 60


def test_wait_for_line_fails_when_the_child_exits_first(tmp_path):
    quick = tmp_path / "quick.py"
    quick.write_text("print('something else')")
    with ChildProcess([sys.executable, quick]) as child, pytest.raises(LaunchError) as caught:
        child.wait_for_line("never printed", timeout=120)
    assert "quick.py exited with status 0" in str(caught.value)
