"""Executors: serial, process pool and Dask give the same results through concurrent.futures."""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import os
import subprocess
import sys
import time
import uuid

import pytest

from sim.lab import executors
from sim.lab.compare import replication_seeds
from sim.lab.executors import EXECUTORS, make_executor
from sim.lab.tasks import run_record
from sim.runner import run
from sim.scenario import load
from tests.helpers import SCENARIOS

SEEDS = replication_seeds(7, 3)


@pytest.fixture(scope="module")
def tiny() -> dict:
    return load(SCENARIOS / "baseline.toml",
                {"sim.days": 20, "sim.warmup_days": 5, "territory.residents": 2000}).to_dict()


@pytest.fixture(scope="module")
def dask_ex():
    """One LocalCluster (2 worker processes, 1 thread each) for the module."""
    pytest.importorskip("distributed")
    ex = make_executor("dask", 2)
    yield ex
    ex.shutdown()


def summaries(executor, scenario: dict) -> list[str]:
    """Every summary outcome, the daily series and the response-time quantiles of each seed's run,
    through the experiments' own task."""
    outcomes = tuple(run(load(SCENARIOS / "baseline.toml", {"sim.days": 2, "sim.warmup_days": 0,
                                                             "territory.residents": 200}), 0).summary)
    futures = [executor.submit(run_record, scenario, seed, outcomes, True) for seed in SEEDS]
    # json.dumps: exact float reprs, and NaN equals NaN
    return [json.dumps(f.result(timeout=60), sort_keys=True) for f in futures]


def test_unknown_kind_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="allowed serial, process, dask"):
        make_executor("threads")
    assert EXECUTORS == ("serial", "process", "dask")


def test_importing_the_module_does_not_import_dask():
    # The module file alone (importing the `sim` package would cost seconds of numpy/mesa imports).
    code = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('ex', sys.argv[1]); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); m.make_executor('serial'); "
            "m.make_executor('process', 2).shutdown(); print(sorted({'dask', 'distributed'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, executors.__file__], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_workers_of_serial_and_process():
    assert make_executor("serial").workers == 1
    assert make_executor("process", 1).workers == 1  # one worker: no pool, run serially
    with make_executor("process", 2) as pool:
        assert pool.workers == 2
    with make_executor("process") as pool:
        assert pool.workers == (os.cpu_count() or 1)


def test_serial_process_and_dask_give_identical_summaries(tiny, dask_ex):
    serial = summaries(make_executor("serial"), tiny)
    with make_executor("process", 2) as pool:
        assert summaries(pool, tiny) == serial
    assert summaries(dask_ex, tiny) == serial
    assert "NaN" in serial[0]  # the comparison covers NaN outcomes


def test_dask_workers_counts_threads(dask_ex):
    assert dask_ex.workers == 2
    assert sum(dask_ex.client.nthreads().values()) == 2


def test_dask_futures_work_with_as_completed_and_carry_exceptions(dask_ex):
    futures = {dask_ex.submit(math.sqrt, x): x for x in (4.0, -1.0, 9.0)}
    assert all(isinstance(f, cf.Future) for f in futures)
    seen = {}
    for f in cf.as_completed(futures, timeout=30):
        seen[futures[f]] = f.exception()
    assert seen[4.0] is None and seen[9.0] is None
    assert isinstance(seen[-1.0], ValueError)
    with pytest.raises(ValueError, match="math domain error"):
        next(f for f, x in futures.items() if x == -1.0).result()
    assert sorted(f.result() for f, x in futures.items() if x > 0) == [2.0, 3.0]
    done, not_done = cf.wait(futures, timeout=30)
    assert len(done) == 3 and not not_done


def test_dask_runs_the_same_task_twice(dask_ex):
    a, b = dask_ex.submit(uuid.uuid4), dask_ex.submit(uuid.uuid4)  # pure=False: two tasks, not one
    assert a.result(timeout=30) != b.result(timeout=30)


def test_dask_cancel(dask_ex):
    slow = [dask_ex.submit(time.sleep, 0.5) for _ in range(4)]
    assert slow[-1].cancel() and slow[-1].cancelled()
    done = list(cf.as_completed(slow, timeout=30))
    assert len(done) == 4
    assert [f.cancelled() for f in slow] == [False, False, False, True]
    with pytest.raises(cf.CancelledError):
        slow[-1].result()
    assert not slow[0].cancel()  # finished: too late


def test_connecting_to_a_running_scheduler_leaves_it_running(dask_ex):
    address = dask_ex.client.scheduler.address
    with make_executor(scheduler=address) as remote:
        assert remote.workers == 2
        assert remote.submit(math.sqrt, 16.0).result(timeout=30) == 4.0
        naps = [remote.submit(time.sleep, 0.2) for _ in range(3)]
    assert all(f.done() and f.result() is None for f in naps)  # shutdown(wait=True) waited for them
    assert remote.client.status == "closed"
    assert dask_ex.submit(math.sqrt, 25.0).result(timeout=30) == 5.0  # cluster untouched

    other = make_executor(scheduler=address)
    naps = [other.submit(time.sleep, 1.0) for _ in range(4)]
    other.shutdown(wait=True, cancel_futures=True)  # does not wait for them
    assert all(f.cancelled() for f in naps)
    assert dask_ex.submit(math.sqrt, 36.0).result(timeout=30) == 6.0


def test_unreachable_scheduler_is_a_clear_value_error():
    pytest.importorskip("distributed")
    start = time.perf_counter()
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        make_executor("dask", scheduler="tcp://127.0.0.1:9", timeout=1)
    assert time.perf_counter() - start < 10


def test_serial_takes_no_scheduler():
    with pytest.raises(ValueError, match="serial"):
        make_executor("serial", scheduler="local")


def test_local_cluster_lifecycle_is_quiet_and_cleans_up(capfd):
    pytest.importorskip("distributed")
    with make_executor("process", 1, scheduler="local") as ex:  # a scheduler means Dask, any kind
        cluster = ex._cluster
        assert ex.workers == 1
        assert ex.submit(math.sqrt, 4.0).result(timeout=30) == 2.0
        slow = [ex.submit(time.sleep, 60) for _ in range(3)]
        time.sleep(0.5)  # the first one is running
        # As the experiment engine does on Ctrl-C: cancel what is in flight, then leave the block.
        assert all(f.cancel() for f in slow)
        start = time.perf_counter()
    assert time.perf_counter() - start < 20  # the running task was abandoned, not waited for
    assert all(f.cancelled() for f in slow)
    assert ex.client.status == "closed" and cluster.status.name == "closed"
    with pytest.raises(RuntimeError):
        ex.submit(math.sqrt, 1.0)
    out, err = capfd.readouterr()
    assert err == "" and out == ""


# ------------------------------------------------------------- parent death
def _alive(pid: int) -> bool:
    """A process that exists and has not exited (a zombie waiting to be reaped counts as gone)."""
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _workers_of(pid: int, n: int, timeout: float = 120) -> list[int]:
    """The pool worker processes (spawned Python children) of process `pid`, once `n` have started."""
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = psutil.Process(pid).children()
            workers = [c.pid for c in children if "spawn_main" in " ".join(c.cmdline())]
        except psutil.NoSuchProcess:
            pytest.fail("the experiment ended before its workers could be seen")
        if len(workers) >= n:
            return workers
        time.sleep(0.2)
    pytest.fail(f"{n} pool workers did not start within {timeout} s")


def _assert_gone(pids: list[int], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    left = [p for p in pids if _alive(p)]
    for p in left:  # do not leave them behind whatever happens
        os.kill(p, 9)
    assert not left, f"pool workers {left} outlived their killed parent by {within} s"


def test_pool_workers_exit_when_the_experiment_is_killed(tmp_path):
    """SIGKILL of `govsim sweep` (no shutdown, no cleanup) must not leave its workers running."""
    from tests.conftest import govsim_executable, subprocess_env

    scenario = tmp_path / "long.toml"
    scenario.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\nname = "long"\n'
                        "[territory]\nresidents = 3000\n[sim]\ndays = 3000\nwarmup_days = 5\n", encoding="utf-8")
    proc = subprocess.Popen([govsim_executable(), "sweep", str(scenario), "--param",
                             "grid.households_per_grid=100,200", "--reps", "4", "--workers", "2", "--out",
                             str(tmp_path / "out"), "--no-progress"], cwd=tmp_path, env=subprocess_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers = _workers_of(proc.pid, 2)
        time.sleep(1.0)  # the workers are busy with runs
        assert all(_alive(p) for p in workers)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    _assert_gone(workers, within=10)


def test_exit_with_parent_runs_in_every_worker_and_spares_a_live_parent():
    with executors.ProcessExecutor(2) as ex:
        pids = {ex.submit(os.getpid).result(timeout=120) for _ in range(4)}
        time.sleep(3 * executors.PARENT_CHECK_S)  # the watch has checked a few times: parent alive
        assert all(_alive(p) for p in pids)
        assert ex.submit(math.sqrt, 9.0).result(timeout=60) == 3.0
        assert ex._initializer is executors.exit_with_parent and ex._initargs == (os.getpid(),)


@pytest.mark.skipif(not hasattr(__import__("signal"), "pthread_sigmask"), reason="POSIX signal masks")
def test_ctrl_c_during_submit_is_delayed_not_lost(monkeypatch, ctrl_c_reaches_python):
    """Workers are spawned with SIGINT blocked; a Ctrl-C that lands in that window must still
    reach the main process (as KeyboardInterrupt once submit returns), or the experiment would
    carry on as if it had never been interrupted."""
    import signal
    from concurrent.futures import ProcessPoolExecutor

    def submit_hit_by_ctrl_c(self, fn, /, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # arrives while workers are being spawned
        time.sleep(0.05)
        done = cf.Future()
        done.set_result(None)
        return done

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit_hit_by_ctrl_c)
    pool = executors.ProcessExecutor(1)
    try:
        with pytest.raises(KeyboardInterrupt):
            pool.submit(abs, -1)
            time.sleep(1)  # the interrupt is delivered on return; never reached
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        pool.shutdown()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_pool_workers_do_not_die_of_ctrl_c(ctrl_c_reaches_python):
    """Ctrl-C reaches every process of the terminal's foreground group: a worker must survive it
    (the main process alone decides what happens), also when it arrives right after spawn."""
    import signal

    with executors.ProcessExecutor(1) as pool:
        pid = pool.submit(os.getpid).result(timeout=60)
        os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        assert pool.submit(os.getpid).result(timeout=60) == pid, "the worker died of SIGINT"


# ------------------------------------------------------------ scheduler files
def test_scheduler_file_or_address():
    assert not executors.is_scheduler_file("tcp://10.0.0.1:8786")
    assert not executors.is_scheduler_file("local")
    assert executors.is_scheduler_file("/shared/scheduler.json")
    assert executors.scheduler_address("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"


def test_scheduler_file_gives_its_address(tmp_path):
    path = tmp_path / "scheduler.json"
    path.write_text(json.dumps({"type": "Scheduler", "address": "tcp://10.0.0.7:41234", "workers": {}}))
    assert executors.scheduler_address(str(path)) == "tcp://10.0.0.7:41234"
    bare = tmp_path / "scheduler"  # an existing file is a scheduler file whatever its name
    bare.write_text(path.read_text())
    assert executors.scheduler_address(str(bare)) == "tcp://10.0.0.7:41234"


def test_scheduler_file_written_late_is_waited_for(tmp_path):
    import threading

    path = tmp_path / "scheduler.json"
    timer = threading.Timer(0.3, lambda: path.write_text('{"address": "tcp://127.0.0.1:1234"}'))
    timer.start()
    try:
        assert executors.scheduler_address(str(path), timeout=30) == "tcp://127.0.0.1:1234"
    finally:
        timer.cancel()


@pytest.mark.parametrize("content, message", [
    (None, "no Dask scheduler file at .* after 0.2 s: start the scheduler first"),
    ("not json", "is not a Dask scheduler file"),
    ('["tcp://127.0.0.1:1"]', "is not a Dask scheduler file"),
    ('{"type": "Scheduler"}', "names no scheduler address"),
])
def test_bad_scheduler_file_is_a_clear_value_error(tmp_path, content, message):
    path = tmp_path / "scheduler.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message):
        executors.scheduler_address(str(path), timeout=0.2)


def test_unreachable_scheduler_from_a_file_names_both(tmp_path):
    pytest.importorskip("distributed")
    path = tmp_path / "scheduler.json"
    path.write_text('{"address": "tcp://127.0.0.1:9"}')
    with pytest.raises(ValueError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9 \(from .*scheduler.json\)"):
        make_executor("dask", scheduler=str(path), timeout=1)
