"""Routing a report by channel, and hand-offs between levels (ODD 7.7, 7.10; 派单 and 流转)."""

from __future__ import annotations

from .. import schedule as ev
from ..agents import Township
from ..case_log import (DISPATCHED, HANDED_UP, LATE_REPORT, PLATFORM, REFERRED, REPORTED, RESIDENT,
                        SENT_BACK)
from ..cases import APP, COMMITTEE, COUNTY, GRID, IN_PERSON, IN_TRANSIT, LATENT, QUEUED, TOWNSHIP, U_ROUTE, URGENT, Desk
from ..units import HOURS
from .base import Submodel, ratio


class Dispatch(Submodel):
    """In person to the grid worker, by app straight to the level with authority (platform
    routing), by 12345 through the dispatch centre; a case beyond a level's authority is handed
    up one level, and county items are referred to their county department's desk (吹哨), which
    must take them up (报到) within `county.report_hours` or the case counts as a late report and
    comes under supervision (督办).
    With direct dispatch (直派), an urgent case goes straight to the level with authority,
    whatever its channel, and a hand-off skips the levels between."""

    name = "dispatch"
    params = ("township.dispatch_hours", "handoff.grid_to_committee_hours", "handoff.committee_to_township_hours",
              "handoff.township_to_county_hours", "county.report_hours", "policy.decentralisation", "policy.one_window_reduction",
              "routing.direct_dispatch", "routing.misroute_share", "policy.smart_dispatch", "grid.heads",
              "grid.head_handoff_hours")

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.p
        self.delay = model.delay
        self.dispatch_mean = model.rules.dispatch_mean
        window = 1.0 - p["policy.decentralisation"] * p["policy.one_window_reduction"]
        handoff = model.rules.handoff_mean
        if p["grid.heads"]:   # the grid's head (网格长), a committee member, takes what the grid hands up
            handoff = (p["grid.head_handoff_hours"] * HOURS, *handoff[1:])
        self.handoff_mean = tuple(mean * window for mean in handoff)
        self.county_mean = p["handoff.township_to_county_hours"] * HOURS
        self.report_deadline = p["county.report_hours"] * HOURS
        self.referred = self.late_reports = 0
        self.misroute = p["routing.misroute_share"] * (1.0 - p["policy.smart_dispatch"])
        self.dispatched = self.sent_back = 0
        self.direct_on = bool(p["routing.direct_dispatch"])

    def handlers(self):
        return {ev.REPORT: self.on_report, ev.ARRIVE: self.on_arrive, ev.COUNTY: self.on_county}

    def link(self) -> None:
        m = self.model
        self.open, self.leave_latent = m.intake.open, m.discovery.leave_latent
        self.arrive = m.service.arrive
        self.supervise = m.supervision.supervise
        self.county_desk = {dept.need: dept.desk for dept in m.county}
        safety = m.submodels.get("safety")   # full-time mediators' desks take the committees' disputes
        self.mediated = safety.need if safety is not None and safety.desks else -1
        self.mediation_desk = safety.desk_for if safety is not None else None

    def on_report(self, case, _) -> None:
        if case.status != LATENT:
            return  # discovered first
        now = self.events.now
        self.leave_latent(case)
        self.open(case, now)
        self.case_log.add(case, REPORTED, now, RESIDENT, case.household, extra=case.channel)
        direct = self.direct(case)
        if case.channel == IN_PERSON and not direct:
            self.arrive(case, self.model.grid_desks[case.grid])
        elif case.channel == IN_PERSON:
            self.on_arrive(case, self.target(case, direct))
        elif case.channel == APP:
            self.on_arrive(case, self.platform_target(case, direct))
        else:
            case.status = IN_TRANSIT
            self.events.push(now + self.delay(self.dispatch_mean), ev.ARRIVE, case, self.platform_target(case, direct))

    def platform_target(self, case, direct: bool) -> Desk | None:
        """Where the platform (12345 centre or app) sends the case: its target, or — with chance
        `misroute` — a desk at another of the grid, committee and township levels (misrouting)."""
        self.dispatched += 1
        u = case.u[U_ROUTE]
        if u >= self.misroute:
            desk = self.target(case, direct)
        else:
            right = Township.dispatch_level(case)
            wrong = [lv for lv in (GRID, COMMITTEE, TOWNSHIP) if lv != right]
            case.misrouted = True
            case.misrouted_to = wrong[int(u / self.misroute * len(wrong))]
            desk = self.desk_for(case.misrouted_to, case)
        self.case_log.add(case, DISPATCHED, self.events.now, PLATFORM, case.channel, extra=case.misrouted)
        return desk

    def direct(self, case) -> bool:
        """Whether the case is dispatched directly (直派): an urgent case, with the lever on."""
        return self.direct_on and case.urgency == URGENT

    def target(self, case, direct: bool) -> Desk | None:
        """Where dispatch sends the case: the desk at its dispatch level, or None for the county
        step (a directly dispatched county item skips the township)."""
        if direct and case.level == COUNTY:
            return None
        return self.desk_for(Township.dispatch_level(case), case)

    def desk_for(self, level: int, case) -> Desk:
        m = self.model
        if level == GRID:
            return m.grid_desks[case.grid]
        if level == COMMITTEE:
            if case.need == self.mediated:
                return self.mediation_desk(case)
            return m.committees[case.community].desk
        if level == COUNTY:
            return self.county_desk[case.need]
        return m.township.desk

    def on_arrive(self, case, desk: Desk | None) -> None:
        if desk is None:
            self.to_county(case)
            return
        if desk.level == COUNTY:  # the whistle: the department must take the case up by the deadline
            self.referred += 1
            self.events.push(self.events.now + self.report_deadline, ev.COUNTY, case)
        self.arrive(case, desk)

    def hand_up(self, case, level: int) -> None:
        """One level up; a directly dispatched case goes straight to the level with authority
        (one hand-off, with the delay of the hand-off from this level). A misrouted case is sent
        back instead (退单)."""
        case.status = IN_TRANSIT
        self.case_log.add(case, SENT_BACK if case.misrouted else HANDED_UP, self.events.now, level)
        if case.misrouted:
            self.send_back(case)
            return
        nxt = case.level if self.direct(case) else level + 1
        if nxt == COUNTY:
            self.to_county(case)
        else:
            self.events.push(self.events.now + self.delay(self.handoff_mean[level]), ev.ARRIVE, case,
                             self.desk_for(nxt, case))

    def send_back(self, case) -> None:
        """退单: the wrong desk returns the case to the platform, which dispatches it again, right
        this time, after its dispatch delay."""
        case.misrouted = False
        self.sent_back += 1
        self.events.push(self.events.now + self.delay(self.dispatch_mean), ev.ARRIVE, case,
                         self.target(case, self.direct(case)))

    def to_county(self, case) -> None:
        """Referred to its county department (吹哨): in the department's queue after a delay."""
        case.status = IN_TRANSIT
        self.case_log.add(case, REFERRED, self.events.now, TOWNSHIP, 0)
        self.events.push(self.events.now + self.delay(self.county_mean), ev.ARRIVE, case, self.county_desk[case.need])

    def on_county(self, case, _) -> None:
        """The report deadline (报到) of a referred case: still waiting in the queue is a late report."""
        if case.status == QUEUED:
            self.case_log.at_desk(case, LATE_REPORT, self.events.now, case.desk)
            self.late_reports += 1
            self.supervise(case)

    def summary(self) -> dict[str, float]:
        """Cases referred to county departments over the run, and the share not taken up in time."""
        return {"county.referred": float(self.referred),
                "county.late_report_rate": ratio(self.late_reports, self.referred),
                "routing.dispatched": float(self.dispatched),
                "routing.sent_back_share": ratio(self.sent_back, self.dispatched)}
