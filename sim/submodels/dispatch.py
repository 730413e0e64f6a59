"""Routing a report by channel, and hand-offs between levels (ODD 7.7, 7.10; 派单 and 流转)."""

from __future__ import annotations

from .. import schedule as ev
from ..agents import Township
from ..cases import APP, COMMITTEE, COUNTY, GRID, IN_PERSON, IN_TRANSIT, LATENT, Desk
from .base import Submodel


class Dispatch(Submodel):
    """In person to the grid worker, by app straight to the level with authority (platform
    routing), by 12345 through the dispatch centre; a case beyond a level's authority is handed
    up one level, and county items go to county departments (outside the model, a delay)."""

    name = "dispatch"
    params = ("township.dispatch_hours", "handoff.grid_to_committee_hours", "handoff.committee_to_township_hours",
              "handoff.county_days", "policy.decentralisation", "policy.one_window_reduction")

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.p
        self.delay = model.delay
        self.dispatch_mean = model.rules.dispatch_mean
        window = 1.0 - p["policy.decentralisation"] * p["policy.one_window_reduction"]
        self.handoff_mean = tuple(mean * window for mean in model.rules.handoff_mean)
        self.county_mean = p["handoff.county_days"]

    def handlers(self):
        return {ev.REPORT: self.on_report, ev.ARRIVE: self.on_arrive, ev.COUNTY: self.on_county}

    def link(self) -> None:
        m = self.model
        self.open, self.leave_latent = m.intake.open, m.discovery.leave_latent
        self.arrive, self.resolve = m.service.arrive, m.verification.resolve

    def on_report(self, case, _) -> None:
        if case.status != LATENT:
            return  # discovered first
        now = self.events.now
        self.leave_latent(case)
        self.open(case, now)
        if case.channel == IN_PERSON:
            self.arrive(case, self.model.grid_desks[case.grid])
        elif case.channel == APP:
            self.arrive(case, self.desk_for(Township.dispatch_level(case), case))
        else:
            case.status = IN_TRANSIT
            self.events.push(now + self.delay(self.dispatch_mean), ev.ARRIVE, case,
                             self.desk_for(Township.dispatch_level(case), case))

    def desk_for(self, level: int, case) -> Desk:
        m = self.model
        if level == GRID:
            return m.grid_desks[case.grid]
        if level == COMMITTEE:
            return m.committees[case.community].desk
        return m.township.desk

    def on_arrive(self, case, desk: Desk) -> None:
        self.arrive(case, desk)

    def hand_up(self, case, level: int) -> None:
        now = self.events.now
        case.status = IN_TRANSIT
        nxt = level + 1
        if nxt == COUNTY:
            case.t_in[COUNTY] = now
            self.events.push(now + self.delay(self.county_mean), ev.COUNTY, case)
        else:
            self.events.push(now + self.delay(self.handoff_mean[level]), ev.ARRIVE, case, self.desk_for(nxt, case))

    def on_county(self, case, _) -> None:
        self.resolve(case, COUNTY)
