"""One code path from laptop to cluster: a concurrent.futures-style executor.

`serial` runs tasks in this process; `process` uses a local process pool (default: all cores);
`dask` runs them on a Dask cluster — a LocalCluster started here (``scheduler="local"``) or a
running one, by its address (``scheduler="tcp://host:8786"``) or by the scheduler file its
scheduler wrote (``scheduler="/shared/scheduler.json"``, from ``dask scheduler --scheduler-file``:
how batch systems such as SLURM pass the address to a job). Tasks are plain picklable functions of
plain data, so every executor gives the same results.

Every executor has `workers`, the number of tasks it runs at once (worker threads across the
cluster for Dask), so callers can size batches.

Dask notes:

- `dask` and `distributed` are imported only when a Dask executor is made, so the serial and
  process paths do not need them.
- Task functions are pickled by reference: the worker imports their module (``sim.lab.compare``,
  ``sim.lab.engine``) by name. LocalCluster workers are processes of this interpreter: they find the
  installed (or editable-installed) govsim, and they also start with this process's ``sys.path``.
  **On a remote cluster every worker needs govsim installed — the same version as the client — and
  the same versions of numpy/scipy/mesa, and the scheduler and workers the same dask/distributed
  as the client** — otherwise a task fails with ``ModuleNotFoundError`` or, worse, gives different
  numbers. Arguments travel with each task (plain data; keep them small). The simplest way: start
  the scheduler and the workers with the ``dask`` command of the client's own environment
  (``.venv/bin/dask scheduler``, ``.venv/bin/dask worker ADDRESS``) on a shared filesystem, or
  install the same locked versions everywhere (a container image on Kubernetes).
- A worker that dies mid-experiment (killed, its machine lost) costs only its running tasks: the
  scheduler gives them to the other workers and the experiment completes with the same results
  (tested with separate ``dask scheduler`` / ``dask worker`` processes in tests/test_dask_cluster.py).
  A task that kills several workers in turn (``distributed.scheduler.allowed-failures``, default 3)
  fails with distributed's ``KilledWorker``, which stops the experiment with a one-line message
  (exit 1, as failed runs); the runs that finished are in the ledger and rerunning the command resumes.
- Like the spawn process pool, a LocalCluster re-imports the ``__main__`` module in its worker
  processes: scripts need an ``if __name__ == "__main__":`` guard.
- Tasks are submitted with ``pure=False``: submitting the same function and arguments twice runs
  them twice (Dask would otherwise merge them into one task under one key).
- ``future.cancel()`` returns True until the task has finished (unlike a process pool, also while
  it runs) and releases it on the cluster; a task already running on a worker is abandoned, not
  interrupted. A task's exception comes back through ``future.result()`` (the worker also logs
  "Compute Failed" on its stderr).
- ``shutdown()`` closes the client, and the LocalCluster if this executor started it (never a
  remote cluster). ``shutdown(wait=True)`` (the ``with`` block's exit) first waits for the
  unfinished futures; ``wait=False`` does not, so they are cancelled. After ``cancel_futures=True``
  or any successful ``future.cancel()``, LocalCluster workers are stopped without waiting for the
  tasks they are running (killed after a few seconds) — the Ctrl-C path.
- If this process is killed (SIGKILL), the worker processes of a LocalCluster it started exit by
  themselves (distributed watches their parent); the workers of a remote cluster stay, and a task
  of the dead client that is already running there runs to its end.
- LocalCluster workers ignore SIGINT: Ctrl-C in a terminal reaches the whole process group, and it
  is this process that decides (it cancels and shuts down) instead of each worker dying noisily.
- Quiet: the LocalCluster's HTTP server on a free port (``dashboard_address=":0"``; None would still
  try 8787 and warn "Port 8787 is already in use"), distributed's logs at WARNING, and the noise of
  stopping our own cluster suppressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any, Callable

EXECUTORS = ("serial", "process", "dask")


class SerialExecutor(Executor):
    """Runs each task at submit time, in this process (for debugging and small studies)."""

    workers = 1

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller sees it through the future, as with a pool
            future.set_exception(exc)
        return future


class ProcessExecutor(ProcessPoolExecutor):
    """A spawn-context process pool that says how many workers it has.

    Workers never receive SIGINT: Ctrl-C reaches the whole foreground process group, and the main
    process alone decides what happens (cancel, `shutdown(wait=False, cancel_futures=True)`,
    which here also stops the workers at once instead of letting running batches finish).
    Workers exit by themselves within about a second when the main process dies without shutting
    the pool down (killed): see `exit_with_parent`."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        # "spawn": a forked child of a multi-threaded parent (numpy, solara) can deadlock.
        super().__init__(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                         initializer=exit_with_parent, initargs=(os.getpid(),))

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        # Workers are spawned during submit and must never see Ctrl-C (it reaches the whole
        # foreground process group): a child inherits the signal mask through fork and exec, so
        # SIGINT blocked here stays blocked in the new workers from their first instruction (an
        # initializer would run only after their imports). Blocking, unlike ignoring, loses
        # nothing in this process: a Ctrl-C that arrives meanwhile is handled by another thread
        # or stays pending until the mask is restored.
        if threading.current_thread() is not threading.main_thread():
            return super().submit(fn, *args, **kwargs)
        if not hasattr(signal, "pthread_sigmask"):  # Windows: no masks; spawned workers ignore SIGINT
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                return super().submit(fn, *args, **kwargs)
            finally:
                signal.signal(signal.SIGINT, previous)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not wait and cancel_futures:  # abandon running work: its results would not be recorded
            for process in list((self._processes or {}).values()):
                process.terminate()
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


PARENT_CHECK_S = 0.5  # how often a pool worker checks that the process that started it is alive


def exit_with_parent(parent_pid: int, interval: float = PARENT_CHECK_S) -> None:
    """Pool initializer: a daemon thread ends this worker process when its parent is gone.

    A pool's workers wait for work from their parent; if the parent is killed (SIGKILL, the OOM
    killer), nothing would tell them, and each would stay, idle or finishing work nobody will
    read, forever. The orphaned worker is adopted by another process, so its parent pid changes."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="govsim-exit-with-parent", daemon=True).start()


class _BridgedFuture(Future):
    """A concurrent.futures.Future mirroring a distributed.Future (so `as_completed`/`wait` work).

    It stays PENDING until the Dask task ends, so `cancel()` succeeds until then; it also cancels
    the Dask task (unless `_cancel_remote` is False: the executor cancels many in one call)."""

    def __init__(self, executor: DaskExecutor, dask_future: Any):
        super().__init__()
        self._executor = executor
        self._dask_future = dask_future  # holding it keeps the task alive on the cluster
        self._bridge_lock = threading.Lock()

    def cancel(self, _cancel_remote: bool = True) -> bool:
        with self._bridge_lock:
            if self.cancelled():
                return True
            if not super().cancel():  # finished already
                return False
            self.set_running_or_notify_cancel()  # wake as_completed/wait now (returns False)
            dask_future, self._dask_future = self._dask_future, None
        self._executor._forget(self, abandoned=True)
        if _cancel_remote and dask_future is not None:
            try:
                dask_future.cancel()
            except Exception:  # the client is closing: the task goes with it
                pass
        return True

    def _resolve(self, dask_future: Any) -> None:
        """Done callback of the Dask future (runs in distributed's callback thread)."""
        try:
            if self.done():
                return
            try:  # the task has ended: this only fetches its result from the worker
                outcome = ("result", dask_future.result())
            except BaseException as exc:  # the task's own exception with its remote traceback, or
                outcome = ("exception", exc)  # CancelledError if the cluster dropped it (client closed)
            with self._bridge_lock:
                if self.done():
                    return
                self.set_running_or_notify_cancel()
                if outcome[0] == "result":
                    self.set_result(outcome[1])
                else:
                    self.set_exception(outcome[1])
                self._dask_future = None
        finally:
            self._executor._forget(self)


class DaskExecutor(Executor):
    """concurrent.futures front end of a distributed.Client; see the module docstring."""

    def __init__(self, client: Any, cluster: Any = None):
        self._client = client
        self._cluster = cluster  # only a cluster this executor started; closed on shutdown
        self._pending: set[_BridgedFuture] = set()
        self._lock = threading.Lock()
        self._shutdown = False
        self._abandoned = False
        self._workers = 1
        self._workers = self.workers

    @property
    def client(self) -> Any:
        return self._client

    @property
    def workers(self) -> int:
        """Worker threads across the cluster now (at least 1; a cluster may have none yet)."""
        if not self._shutdown:
            try:
                self._workers = max(1, sum(self._client.nthreads().values()))
            except Exception:
                pass
        return self._workers

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            dask_future = self._client.submit(fn, *args, pure=False, **kwargs)
            future = _BridgedFuture(self, dask_future)
            self._pending.add(future)
        dask_future.add_done_callback(future._resolve)
        return future

    def _forget(self, future: _BridgedFuture, abandoned: bool = False) -> None:
        with self._lock:
            self._pending.discard(future)
            self._abandoned |= abandoned  # a cancelled task may still be running on a worker

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            pending = list(self._pending)
        if cancel_futures and pending:
            remote = [f._dask_future for f in pending if f._dask_future is not None]
            for f in pending:
                f.cancel(_cancel_remote=False)
            with contextlib.suppress(Exception):
                self._client.cancel(remote)
        elif wait and pending:
            wait_futures(pending)
        # Tasks still running that nobody waits for: stop our workers without waiting for them.
        abandon = cancel_futures or self._abandoned or (bool(pending) and not wait)
        if self._cluster is not None:  # ours: stopping it is no news, say nothing below ERROR
            with contextlib.suppress(Exception):  # a stdlib function: nothing to import on the workers
                self._client.run(logging.disable, logging.WARNING)
        try:
            self._client.close()
        finally:
            if self._cluster is not None:
                _close_local_cluster(self._cluster, graceful=not abandon)
        for f in pending:  # shutdown(wait=False): the closed client took the tasks with it
            f.cancel(_cancel_remote=False)


@contextlib.contextmanager
def _quiet_dask_logs_here():
    """Raise distributed's stderr handlers to ERROR in this process for a while."""
    handlers = [h for h in logging.getLogger("distributed").handlers if isinstance(h, logging.StreamHandler)]
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels):
            handler.setLevel(level)


def _close_local_cluster(cluster: Any, graceful: bool) -> None:
    """Close a LocalCluster without its warnings: a worker process that is slow to exit (a busy
    machine, numpy and scipy to tear down) is given time instead of being killed after 4 s; when
    tasks are abandoned (Ctrl-C), worker processes stop without waiting for running tasks."""

    async def stop_workers() -> None:
        async def stop(nanny: Any) -> None:
            process = getattr(nanny, "process", None)
            if not graceful and process is not None:
                with contextlib.suppress(Exception):
                    await process.kill(timeout=_ABANDON_TIMEOUT, executor_wait=False, reason="executor-shutdown")
            await nanny.close(timeout=_CLOSE_TIMEOUT, reason="executor-shutdown")

        await asyncio.gather(*(stop(w) for w in list(cluster.workers.values())), return_exceptions=True)

    with _quiet_dask_logs_here():
        try:
            cluster.sync(stop_workers)
        finally:
            cluster.close()


_CLOSE_TIMEOUT = 30.0  # seconds for a worker process to exit before it is killed
_ABANDON_TIMEOUT = 3.0  # the same when its running task is abandoned (Ctrl-C)


def _ignore_sigint_function() -> Callable[[], None]:
    """A function that ignores SIGINT, local so that it is pickled by value (a worker need not import
    sim for it), and returning None (signal.signal would return the old handler, unpicklable)."""

    def ignore_sigint() -> None:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return ignore_sigint


def _dask_executor(scheduler: str, workers: int | None, timeout: float) -> DaskExecutor:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # a declared dependency, but say what is missing
        raise ValueError(f"the dask executor needs dask.distributed: {exc}") from exc
    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.WARNING)
        try:
            client = Client(cluster, timeout=timeout)
            client.wait_for_workers(n, timeout=timeout)
            # Ctrl-C in a terminal reaches the whole process group: let this process decide
            # (shutdown(cancel_futures=True)) rather than have each worker die on its own.
            with contextlib.suppress(Exception):
                client.run(_ignore_sigint_function())
        except BaseException:
            cluster.close()
            raise
        return DaskExecutor(client, cluster)
    address = scheduler_address(scheduler, timeout)
    try:
        client = Client(address, timeout=timeout)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        where = address if address == scheduler else f"{address} (from {scheduler})"
        raise ValueError(f"cannot reach the Dask scheduler at {where}: {reason}") from exc
    return DaskExecutor(client)


SCHEDULER_FILE_SUFFIX = ".json"


def is_scheduler_file(scheduler: str) -> bool:
    """A path to the JSON file `dask scheduler --scheduler-file PATH` writes, not an address: no
    ``scheme://``, and a name ending in .json or an existing file."""
    return "://" not in scheduler and (scheduler.endswith(SCHEDULER_FILE_SUFFIX) or os.path.isfile(scheduler))


def scheduler_address(scheduler: str, timeout: float = 10.0) -> str:
    """The scheduler's address: `scheduler` itself, or the address recorded in a scheduler file.

    On a batch system the client's job may start before the scheduler's job has written its file
    (on the shared filesystem), so a missing file is waited for, up to `timeout` seconds."""
    if not is_scheduler_file(scheduler):
        return scheduler
    deadline = time.monotonic() + timeout
    while not os.path.exists(scheduler) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        with open(scheduler, encoding="utf-8") as f:
            address = json.load(f).get("address")
    except FileNotFoundError:
        raise ValueError(f"no Dask scheduler file at {scheduler} after {timeout:g} s: start the scheduler "
                         f"first (dask scheduler --scheduler-file {scheduler})") from None
    except (OSError, UnicodeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{scheduler} is not a Dask scheduler file (the JSON `dask scheduler "
                         f"--scheduler-file` writes): {exc}") from None
    if not isinstance(address, str) or not address:
        raise ValueError(f"{scheduler} is not a Dask scheduler file: it names no scheduler address")
    return address


def make_executor(kind: str = "process", workers: int | None = None, scheduler: str | None = None,
                  *, timeout: float = 10.0) -> Executor:
    """An executor of `kind` (see EXECUTORS) with `workers` parallel slots (default: all cores).

    A `scheduler` ("local", an address such as "tcp://host:8786", or the path of the JSON file that
    `dask scheduler --scheduler-file PATH` writes) means Dask, whatever `kind` says unless it is
    "serial"; kind "dask" without one starts a LocalCluster. `workers` sizes the
    LocalCluster and is ignored for a remote cluster; `timeout` (seconds) bounds connecting.
    Raises ValueError for an unknown kind or an unreachable scheduler."""
    if kind not in EXECUTORS:
        raise ValueError(f"executor {kind!r}: allowed {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if scheduler is not None and kind == "serial":
        raise ValueError("the serial executor takes no Dask scheduler")
    if kind == "dask" or scheduler is not None:
        return _dask_executor(scheduler or "local", workers, timeout)
    if kind == "serial" or workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
