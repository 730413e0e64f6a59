"""What every ODD submodel has: the parameters it reads, the event kinds it handles, what it reports."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType


class Submodel:
    """One submodel of the ODD (§7), installed into a `GovernanceModel`.

    A subclass declares:
    - `name`: the attribute under which the model holds it (`model.intake`, ...);
    - `params`: the parameter keys its behaviour depends on; `self.p` holds their values (values used
      on hot paths are read, converted once, from `model.rules`);
    - `handlers()`: {event kind: handler}, registered on the model's event queue;
    - optionally `link()` to look up the other submodels it calls, `plan_day(day)` and
      `end_of_day(day)` for the daily step, `cost_cny()` for staff costs of its own, `summary()` and
      `case_summary(w)` for the summary
      keys of its process (from its own state; from the summary window's cases), and
      `daily_columns` with `day_row()` for its columns of the daily time series.
    Submodels are built in order, all before any is linked, so `link` may use any of them.
    """

    name = ""
    params: tuple[str, ...] = ()
    daily_columns: tuple[tuple[str, type], ...] = ()   # (column, int or float) of its `day_row()`

    def __init__(self, model) -> None:
        self.model = model
        self.events = model.events
        self.case_log = model.case_log   # observation only (sim/case_log.py)
        values = model.spec.values
        self.p: Mapping = MappingProxyType({k: values[k] for k in self.params})

    def handlers(self) -> dict[int, Callable]:
        return {}

    def link(self) -> None:
        """Look up the other submodels this one calls (all are built by now)."""

    def plan_day(self, day: int) -> None:
        """Schedule this submodel's events of day `day` (called at the start of each day)."""

    def end_of_day(self, day: int) -> None:
        """Work done once a day, after day `day - 1` is recorded."""

    def summary(self) -> dict[str, float]:
        """This submodel's summary keys from its own state (and the model's), over the whole run."""
        return {}

    def case_summary(self, w) -> dict[str, float]:
        """This submodel's summary keys over the cases that arose in the summary window (`w`, an
        `outcomes.CaseArrays`: one numpy array per case field)."""
        return {}

    def cost_cny(self) -> float:
        """Staff costs of this submodel beyond salaries and overtime over the run (supervisors' time,
        duty allowances), added to `cost.staff_cny`."""
        return 0.0

    def day_row(self) -> tuple:
        """This submodel's values in the day's row, one per `daily_columns` entry."""
        return ()


def ratio(a: float, b: float) -> float:
    """a / b for a summary key; NaN when b is 0 (undefined, not zero)."""
    return a / b if b else math.nan
