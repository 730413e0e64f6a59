"""The unit of work of every experiment: one run of one scenario with one seed, as plain data.

A run is named by a content hash of what determines its result (the resolved scenario, the
seed, and what is recorded), so the same run asked for twice — by a resumed experiment, by an
adaptive design revisiting a point, by a Morris design repeating a point — is computed once.
Tasks take and return plain data, so any executor (in-process, process pool, Dask) can run them
and the results are identical, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .. import __version__, memory
from ..runner import run
from ..scenario import COSMETIC_KEYS, from_dict

# Tasks import nothing heavier than the model itself (not scipy.stats): every worker process pays
# for its imports when it starts.

# Response-time distribution recorded per run: quantiles at these probabilities (averaging
# quantiles across replications gives the mean distribution, and CIs per quantile).
QUANTILE_PROBS = tuple(round(0.01 * i, 2) for i in range(1, 100))

# Daily columns recorded per run for figures over time (a subset of outcomes.TIMESERIES_COLUMNS).
SERIES_COLUMNS = ("satisfaction_rate", "latent_satisfaction", "backlog", "response_mean_h",
                  "vulnerable_reached_share", "active_volunteers")


@dataclass(frozen=True)
class RunSpec:
    """One run to do: scenario (as `Scenario.to_dict()`), seed, and what to record."""

    scenario: dict[str, Any]
    seed: int
    outcomes: tuple[str, ...]
    detail: bool = False          # also record daily series and response-time quantiles (figures)
    label: str = ""               # for people: "small_grids rep 3", "point 17 rep 0"
    params: dict[str, Any] = field(default_factory=dict)  # the varied values, for the ledger
    run_id: str = ""

    def __post_init__(self):
        if not self.run_id:
            object.__setattr__(self, "run_id", run_id(self.scenario, self.seed, self.outcomes, self.detail))


def run_id(scenario: dict[str, Any], seed: int, outcomes: Sequence[str], detail: bool) -> str:
    """Content hash of everything that determines a run's record (and the code version); a
    scenario's name and descriptions do not change what it simulates, so they are left out."""
    what = {k: v for k, v in scenario.items() if k not in COSMETIC_KEYS}
    # Keys are sorted for a canonical text, but the order of need types and of emergencies decides
    # which random draws go where, so it is part of the run's identity.
    order = [list(scenario.get("needs", {})), list(scenario.get("emergencies", {}))]
    key = json.dumps([__version__, what, seed, list(outcomes), detail, order], sort_keys=True, default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def run_record(scenario: dict[str, Any], seed: int, outcomes: Sequence[str], detail: bool) -> dict[str, Any]:
    """Simulate and keep what the experiment records: the chosen outcomes (NaN when undefined),
    and with `detail` the daily series, response-time quantiles and the outcomes by community type."""
    resolved = from_dict(scenario, scenario.get("name", "<scenario>"))
    # In a worker, the memory available already reflects the runs of the other workers: a run that
    # would not fit now fails at once, with the numbers, rather than being killed; a rerun retries it.
    memory.check(resolved, hint="or use fewer --workers")
    o = run(resolved, seed, case_table=False, response_times=detail)
    record: dict[str, Any] = {"outcomes": {k: float(o.summary.get(k, math.nan)) for k in outcomes}}
    if detail:
        record["series"] = {c: [float(x) for x in o.timeseries[c]] for c in SERIES_COLUMNS}
        rt = o.response_h
        q = np.quantile(rt, QUANTILE_PROBS) if len(rt) else np.full(len(QUANTILE_PROBS), math.nan)
        record["rt_quantiles"] = [float(x) for x in q]
        # outcomes by community type (sim/community_outcomes.py): who is left behind where
        record["by_type"] = {k: float(v) for k, v in o.summary.items() if k.startswith("by_type.")}
    return record


def run_batch(specs: Sequence[tuple[str, dict[str, Any], int, tuple[str, ...], bool]]) -> list[dict[str, Any]]:
    """Run several small runs in one task (fewer round trips). A failing run is caught and
    reported with its traceback; the others go on."""
    results = []
    for rid, scenario, seed, outcomes, detail in specs:
        t0 = time.perf_counter()
        try:
            record, status, tb = run_record(scenario, seed, outcomes, detail), "done", None
        except Exception:  # isolate the failure; the ledger keeps the traceback
            record, status, tb = None, "failed", traceback.format_exc()
        results.append({"run_id": rid, "status": status, "record": record, "traceback": tb,
                        "duration_s": time.perf_counter() - t0})
    return results
