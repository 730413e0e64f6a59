"""Supervision of overdue cases (督办; ODD 7.34)."""

from __future__ import annotations

from ..case_log import SUPERVISED
from ..cases import IN_SERVICE, IN_TRANSIT, QUEUED
from .base import Submodel, ratio

OPEN = (QUEUED, IN_SERVICE, IN_TRANSIT)


class Supervision(Submodel):
    """A case still open at its deadline comes under supervision: the township's supervisors spend
    time on it (a cost), and from then on it is queued one urgency class higher at every desk
    (a waiting case is re-queued at once). A county department that misses its report deadline
    (`dispatch.on_county`) puts the case under supervision too."""

    name = "supervision"
    params = ("routing.supervision", "supervision.minutes_per_case", "township.annual_cost_cny",
              "cost.work_hours_per_year")

    def __init__(self, model) -> None:
        super().__init__(model)
        self.on = bool(self.p["routing.supervision"])
        self.kind = self.events.new_kind("supervise")
        self.supervised = 0

    def handlers(self):
        return {self.kind: self.on_due}

    def watch(self, case) -> None:
        """A case is opened: check on it when its deadline falls."""
        if self.on:
            self.events.push(case.t_report + case.deadline, self.kind, case)

    def on_due(self, case, _) -> None:
        if case.status in OPEN:
            self.supervise(case)

    def supervise(self, case) -> None:
        if not self.on or case.supervised:
            return
        case.supervised = True
        self.case_log.add(case, SUPERVISED, self.events.now)
        self.supervised += 1
        if case.status == QUEUED:  # re-queue, one class higher, where it waits now
            case.desk.put(case)

    def cost_cny(self) -> float:
        """What supervising cost over the run: the supervisors' hours at the township's hourly cost."""
        p = self.p
        hours = self.supervised * p["supervision.minutes_per_case"] / 60.0
        return hours * p["township.annual_cost_cny"] / p["cost.work_hours_per_year"]

    def summary(self) -> dict[str, float]:
        """Cases put under supervision over the run, their share of reported cases, and the cost a
        year (also counted in `cost.staff_cny`)."""
        years = max(self.events.now, 1e-9) / 365.0
        return {"supervision.cases": float(self.supervised),
                "supervision.share_of_reported": ratio(self.supervised, self.model.reported),
                "supervision.cost_cny_per_year": self.cost_cny() / years}
