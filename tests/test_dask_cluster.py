"""Dask as on a real cluster, end to end: a scheduler and workers started as separate processes
(`dask scheduler`, `dask worker`), a one-machine stand-in for a multi-machine cluster. `govsim
experiment --scheduler` gives the serial executor's outputs byte for byte, leaves the cluster it did
not start running, and completes with the same outputs when a worker is killed mid-experiment."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import govsim_executable, subprocess_env
from tests.helpers import ROOT

pytest.importorskip("distributed", reason="the dask executor needs dask.distributed (the dask[distributed] extra)")

DASK = Path(sys.executable).parent / "dask"  # the `dask` command of govsim's own environment
START_TIMEOUT_S = 180  # a scheduler and two workers importing numpy on a busy 2-core machine
TINY = {"territory.residents": 1000, "territory.households_per_community": 200, "sim.warmup_days": 2}
EXPERIMENT = f"""
name = "cluster"
design = "compare"
scenarios = ["{ROOT / 'scenarios' / 'baseline.toml'}", "{ROOT / 'scenarios' / 'small_grids.toml'}"]
seed = 11
reps = 4
days = 20
outcomes = ["response_time_h.mean", "ratings.satisfaction_rate", "cases.created"]
[set]
{chr(10).join(f'"{k}" = {v}' for k, v in TINY.items())}
"""


@dataclass
class Cluster:
    """A `dask scheduler` process and `dask worker` processes, each the leader of its own process group."""

    folder: Path
    scheduler: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def scheduler_file(self) -> Path:
        return self.folder / "scheduler.json"

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # a file, not a pipe: a full pipe would block it
        try:  # cwd has no govsim source: workers import the installed package, as on another machine
            return subprocess.Popen([str(DASK), *args], cwd=self.folder, env=subprocess_env(), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()

    def processes(self) -> list[subprocess.Popen]:
        return [p for p in [self.scheduler, *self.workers] if p is not None]

    def logs(self) -> str:
        tails = []
        for log in sorted(self.folder.glob("*.log")):
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            tails.append(f"--- {log.name} (last 30 lines)\n" + "\n".join(text[-30:]))
        return "\n".join(tails)

    def stop(self) -> None:
        """Every process group, whatever state the test left them in (TERM, then KILL)."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            for p in self.processes():
                if p.poll() is None:
                    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                        os.killpg(p.pid, signum)
            deadline = time.monotonic() + 15
            for p in self.processes():
                with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
            if all(p.poll() is not None for p in self.processes()):
                return


def start_cluster(folder: Path, n_workers: int = 2) -> Cluster:
    """`dask scheduler --scheduler-file` and `n_workers` one-thread `dask worker`s reading that file
    (no port chosen by the test: the scheduler takes a free one and writes it in the file)."""
    if not DASK.exists():
        pytest.skip(f"no dask command beside {sys.executable} (distributed's console script)")
    cluster = Cluster(folder)
    cluster.scheduler = cluster.start("scheduler", "scheduler", "--scheduler-file", str(cluster.scheduler_file),
                                      "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0")
    for i in range(n_workers):
        cluster.workers.append(cluster.start(f"worker{i}", "worker", "--scheduler-file", str(cluster.scheduler_file),
                                             "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                                             "--dashboard-address", ":0", "--name", f"worker{i}"))
    return cluster


def connect(cluster: Cluster, n_workers: int):
    """A client of the cluster once `n_workers` workers have registered; a clear failure with every
    process's log otherwise."""
    from distributed import Client

    deadline = time.monotonic() + START_TIMEOUT_S
    while not cluster.scheduler_file.exists() and time.monotonic() < deadline:
        if cluster.scheduler.poll() is not None:
            pytest.fail(f"dask scheduler exited with status {cluster.scheduler.returncode}\n{cluster.logs()}")
        time.sleep(0.2)
    try:
        client = Client(scheduler_file=str(cluster.scheduler_file), timeout=max(1, deadline - time.monotonic()))
        client.wait_for_workers(n_workers, timeout=max(1, deadline - time.monotonic()))
    except Exception as exc:
        dead = {p.args[1] + str(i): p.returncode for i, p in enumerate(cluster.processes()) if p.poll() is not None}
        pytest.fail(f"{n_workers} dask workers did not register within {START_TIMEOUT_S} s ({exc!r}; "
                    f"exited: {dead or 'none'})\n{cluster.logs()}")
    return client


@pytest.fixture
def cluster(tmp_path: Path):
    """A running scheduler with two registered workers, and a client watching it; stopped afterwards."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    c = start_cluster(folder)
    client = None
    try:
        client = connect(c, 2)
        yield c, client
    finally:
        if client is not None:
            client.close()
        c.stop()


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """The tiny policy comparison and the serial executor's outputs, the reference for every cluster run."""
    folder = tmp_path_factory.mktemp("serial")
    path = folder / "cluster.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    assert main(["experiment", str(path), "--out", str(folder / "out"), "--workers", "1", "--no-progress"]) == 0
    return path, outputs(folder / "out")


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output but the ledger and the manifest (which records timings and the command)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and not p.name.startswith("ledger.sqlite")}


def govsim(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([govsim_executable(), *args], cwd=cwd, env=subprocess_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, cluster: Cluster, timeout: float = 600) -> None:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    assert proc.returncode == 0, f"govsim experiment exited with {proc.returncode}\n{out}\n{err}\n{cluster.logs()}"


def test_experiment_on_separate_scheduler_and_workers_matches_serial_and_leaves_them_running(cluster, experiment,
                                                                                              tmp_path):
    c, client = cluster
    path, serial = experiment
    workers_before = set(client.scheduler_info()["workers"])
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    finish(govsim("experiment", str(path), "--scheduler", address, "--out", str(tmp_path / "dask"), "--no-progress",
                  cwd=tmp_path), c)
    assert outputs(tmp_path / "dask") == serial  # byte for byte: tables, report and figures
    # The client must not shut down a cluster it did not start: same processes, same workers.
    assert all(p.poll() is None for p in c.processes()), c.logs()
    assert set(client.scheduler_info()["workers"]) == workers_before
    assert client.submit(sum, [1, 2, 3]).result(timeout=60) == 6
    executed = client.run(lambda: __import__("sys").modules.get("sim.lab.tasks") is not None)
    assert sorted(executed.values()) == [True, True]  # both workers ran govsim's tasks


def test_a_worker_killed_mid_experiment_costs_nothing(cluster, experiment, tmp_path):
    """SIGKILL of one worker (nanny and worker process) while it runs a batch: the scheduler gives its
    work to the other worker, and the experiment (connected by the scheduler file, as on SLURM)
    completes with the serial outputs."""
    c, client = cluster
    path, serial = experiment
    victim = c.workers[0]
    victim_address = next(addr for addr, w in client.scheduler_info()["workers"].items() if w["name"] == "worker0")
    proc = govsim("experiment", str(path), "--scheduler", str(c.scheduler_file), "--out", str(tmp_path / "dask"),
                  "--no-progress", cwd=tmp_path)
    try:
        deadline = time.monotonic() + 300
        while not client.processing().get(victim_address):
            assert proc.poll() is None, f"the experiment ended before worker0 ran a task: {proc.communicate()}"
            assert time.monotonic() < deadline, f"worker0 got no task within 300 s\n{c.logs()}"
            time.sleep(0.05)
        os.killpg(victim.pid, signal.SIGKILL)  # its nanny and its worker process
        victim.wait(timeout=30)
        assert proc.poll() is None, "the experiment had finished: the kill came too late to test anything"
        finish(proc, c)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert outputs(tmp_path / "dask") == serial
    assert list(client.scheduler_info()["workers"]) != [victim_address]
    assert victim_address not in client.scheduler_info()["workers"]
    assert c.scheduler.poll() is None and c.workers[1].poll() is None
    with contextlib.closing(sqlite3.connect(tmp_path / "dask" / "ledger.sqlite")) as db:
        statuses = db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()
    assert statuses == [("done", 8)]  # 2 scenarios x 4 replications, none lost or failed


def test_a_bad_scheduler_file_is_a_one_line_error(experiment, tmp_path, capsys):
    path, _ = experiment
    bad = tmp_path / "scheduler.json"
    bad.write_text("<html>not the scheduler's file</html>", encoding="utf-8")
    assert main(["experiment", str(path), "--scheduler", str(bad), "--out", str(tmp_path / "out"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "--scheduler" in err and str(bad) in err and "is not a Dask scheduler file" in err
    assert not (tmp_path / "out" / "ledger.sqlite").exists()
