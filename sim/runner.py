"""`run(scenario, seed) -> Outcomes`: the model as a plain function, usable from any process."""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from collections.abc import Callable
from pathlib import Path
from typing import Any, Mapping

from . import outcomes as oc
from .model import GovernanceModel
from .scenario import Scenario, load


@contextmanager
def no_cyclic_gc():
    """For building and stepping a model: it allocates millions of long-lived case records and no
    reference cycles, which the cyclic collector would re-scan over and over (measured: about 2 µs
    a case). Refcounting still frees everything; the collector is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run(scenario: Scenario | str | Path, seed: int = 0, *, days: int | None = None,
        overrides: Mapping[str, Any] | None = None, case_table: bool = True,
        on_day: Callable[[int], None] | None = None, response_times: bool = False) -> oc.Outcomes:
    """Simulate `scenario` (a Scenario or a TOML path) with `seed`; return its outcomes.

    `days` overrides sim.days; `overrides` are dotted keys as for `--set`;
    `on_day(day)` is called after each simulated day (progress bars);
    `response_times` adds the in-window response times (`Outcomes.response_h`).
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    if days is not None:
        overrides = {**(overrides or {}), "sim.days": days}
    if overrides:
        scenario = scenario.with_values(overrides)
    t0 = time.perf_counter()
    n_days = scenario["sim.days"]
    with no_cyclic_gc():
        model = GovernanceModel(scenario, seed, case_log=False)   # nothing here reads the case tracer's log
        t_build = time.perf_counter() - t0
        for day in range(n_days):
            model.step()
            if on_day:
                on_day(day + 1)
        wall = time.perf_counter() - t0
        communities: list[tuple] = []
        summary = oc.summary(model, communities)
        rows = oc.case_rows(model) if case_table else []
        response_h = oc.response_hours(model) if response_times else None
    return oc.Outcomes(summary, model.recorder.columns(), tuple(c for c, _ in oc.CASE_COLUMNS), rows, wall,
                       list(model.surveys), {"build_s": t_build, "events": model.events.processed}, response_h,
                       community_rows=communities)
