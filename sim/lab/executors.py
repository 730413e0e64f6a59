"""One code path from laptop to cluster: a concurrent.futures-style executor.

`serial` runs tasks in this process; `process` uses a local process pool (default: all cores).
Tasks are plain picklable functions of plain data, so every executor gives the same results.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, Callable

EXECUTORS = ("serial", "process")


class SerialExecutor(Executor):
    """Runs each task at submit time, in this process (for debugging and small studies)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller sees it through the future, as with a pool
            future.set_exception(exc)
        return future


def make_executor(kind: str = "process", workers: int | None = None) -> Executor:
    if kind == "serial" or workers == 1:
        return SerialExecutor()
    if kind == "process":
        # "spawn": a forked child of a multi-threaded parent (numpy, solara) can deadlock.
        return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                   mp_context=multiprocessing.get_context("spawn"))
    raise ValueError(f"executor {kind!r}: allowed {', '.join(EXECUTORS)}")
