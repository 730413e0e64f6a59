"""Run a set of runs through an executor, with the ledger: resume, failure isolation, progress.

`execute` skips the runs the ledger already holds as done, sends the rest in batches to the
executor, and commits each batch to the ledger as it comes back. It returns every run's record
read back from the ledger, so an experiment's outputs are computed from the same bytes whether
its runs were done now, earlier, or across an interruption.
"""

from __future__ import annotations

import math
import sys
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass
from typing import Any, Sequence

from tqdm import tqdm

from .ledger import Ledger
from .tasks import RunSpec, run_batch


@dataclass
class Results:
    records: dict[str, dict[str, Any]]   # run_id -> ledger record (status, outcomes, detail, traceback)
    computed: int                        # runs done in this call (not read back)

    def failed(self) -> list[str]:
        return [rid for rid, r in self.records.items() if r["status"] != "done"]

    def outcome(self, spec: RunSpec, key: str) -> float:
        """The recorded value, NaN for a failed run."""
        r = self.records.get(spec.run_id)
        return r["outcomes"].get(key, math.nan) if r and r["status"] == "done" else math.nan


class RunsFailed(RuntimeError):
    """Some runs failed: they are in the ledger with their tracebacks; the others are kept."""

    def __init__(self, results: Results, specs: Sequence[RunSpec]):
        self.results = results
        by_id = {s.run_id: s for s in specs}
        self.failed = [(rid, by_id[rid], results.records.get(rid, {}).get("traceback") or "")
                       for rid in results.failed() if rid in by_id]
        super().__init__(f"{len(self.failed)} of {len(by_id)} runs failed")


def batch_size(pending: int, workers: int, cap: int = 8) -> int:
    """Runs per task: enough tasks to keep every worker busy to the end (about four per worker),
    few enough round trips that the executor's overhead stays small."""
    return max(1, min(cap, pending // max(1, 4 * workers)))


def _stream(executor: Executor, chunks: list[list[RunSpec]]):
    """Submit batches through a bounded window and yield each batch's results as it finishes.

    The window keeps at most two batches per worker in flight (one with an in-process executor,
    which computes at submit time): finished work reaches the ledger as it finishes, memory
    stays bounded on a cluster, and Ctrl-C has little to cancel."""
    workers = getattr(executor, "workers", 1)
    window = 2 * workers if workers > 1 else 1
    todo = iter(chunks)
    in_flight: set = set()
    try:
        while True:
            while len(in_flight) < window and (chunk := next(todo, None)) is not None:
                in_flight.add(executor.submit(run_batch, [(s.run_id, s.scenario, s.seed, s.outcomes, s.detail)
                                                          for s in chunk]))
            if not in_flight:
                return
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BaseException:
        for f in in_flight:  # Ctrl-C or a broken pool: drop what has not started; finished runs are kept
            f.cancel()
        raise


def execute(specs: Sequence[RunSpec], ledger: Ledger, executor: Executor, *, progress: bool = True,
            desc: str = "runs", batch: int | None = None) -> Results:
    unique = {s.run_id: s for s in specs}
    done = ledger.finished()
    pending = [s for rid, s in unique.items() if rid not in done]
    computed = 0
    if pending:
        size = batch or batch_size(len(pending), getattr(executor, "workers", 1))
        chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
        bar = tqdm(total=len(unique), initial=len(unique) - len(pending), desc=desc, unit="run",
                   disable=not progress, file=sys.stderr, smoothing=0.1, dynamic_ncols=True)
        try:
            for results in _stream(executor, chunks):
                ledger.record(unique, results)
                computed += len(results)
                bar.update(len(results))
        finally:
            bar.close()
    return Results(ledger.records(unique), computed)
