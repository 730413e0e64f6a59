"""Queueing and service at a desk; abandonment while queued (ODD 7.8, 7.9, 7.10, 7.12)."""

from __future__ import annotations

import numpy as np

from .. import schedule as ev
from ..cases import ABANDONED, COMMITTEE, GRID, IN_SERVICE, QUEUED, U_RATING, Desk
from .base import Submodel, ratio
from .summary_stats import breakdowns


class Service(Submodel):
    """A case joins a desk's queue; free servers on duty take waiting cases by urgency, then report
    time; off duty, only urgent cases are taken (on call, as overtime). A server that finishes
    resolves the case at its level or hands it up."""

    name = "service"
    params = ("worker.on_call_urgent",)

    def __init__(self, model) -> None:
        super().__init__(model)
        self.on_call = self.p["worker.on_call_urgent"]

    def handlers(self):
        return {ev.DONE: self.on_done, ev.ABANDON: self.on_abandon}

    def link(self) -> None:
        m = self.model
        self.shift, self.discovery, self.emergency = m.shift, m.discovery, m.emergency
        self.resolve, self.hand_up = m.verification.resolve, m.dispatch.hand_up
        self.mutual_aid_need, self.offer_mutual_aid = m.volunteers.mutual_aid_need, m.volunteers.offer_mutual_aid
        self.heard = m.survey.heard

    def arrive(self, case, desk: Desk) -> None:
        now = self.events.now
        case.t_in[desk.level] = now
        shift = self.shift
        if (case.need == self.mutual_aid_need and desk.level == COMMITTEE == case.level and shift.office_duty
                and self.offer_mutual_aid(case)):
            self.accept(case, now)
            case.status = IN_SERVICE
            return
        case.status = QUEUED
        if desk.idle and not desk.queue and (shift.grid_duty if desk.level == GRID else shift.office_duty):
            self.start(desk.idle.pop(), case)  # a free server on duty takes it at once
            return
        desk.put(case)
        self.try_start(desk)

    def try_start(self, desk: Desk) -> None:
        on_duty = self.shift.grid_duty if desk.level == GRID else self.shift.office_duty
        while desk.idle:
            case = desk.next_case(on_duty, self.on_call)
            if case is None:
                return
            self.start(desk.idle.pop(), case)

    def start(self, server, case) -> None:
        now = self.events.now
        if case.t_accept != case.t_accept:  # NaN: first acceptance is the first response
            self.accept(case, now)
        case.status = IN_SERVICE
        server.pause_proactive(now)
        server.case = case
        server.busy_since = now
        # Work started within the shift (paperwork hours included) is overtime only past its end.
        shift = self.shift
        server.overtime_from = shift.end if shift.office_duty else now
        self.events.push(now + server.service_time(case, case.level == server.desk.level, self.model.rules),
                         ev.DONE, server, case)

    def accept(self, case, now: float) -> None:
        case.t_accept = now
        rec = self.model.recorder
        rec.resp_sum += now - case.t_report
        rec.resp_n += 1

    def on_done(self, server, case) -> None:
        now = self.events.now
        desk = server.desk
        server.case_hours += (now - server.busy_since) * 24.0
        server.overtime_hours += max(0.0, now - server.overtime_from) * 24.0
        server.case = None
        if case.level == desk.level:
            self.resolve(case, desk.level)
        else:
            self.hand_up(case, desk.level)
        if server.reassign is not None:  # booked for emergency duty while on this case
            self.emergency.reassigned(server)
            self.try_start(desk)
            return
        desk.idle.append(server)
        self.rejoin(server, desk)

    def rejoin(self, server, desk: Desk) -> None:
        """A free server on its routine desk: proactive work if a grid worker on duty, then the queue."""
        grid_on_duty = desk.level == GRID and self.shift.grid_duty
        if grid_on_duty:
            server.start_proactive(self.events.now)
        self.try_start(desk)
        if grid_on_duty and server.case is None:
            self.discovery.schedule(server)

    def on_abandon(self, case, _) -> None:
        if case.status != QUEUED or case.reopened:
            return  # patience only runs out while waiting in a queue; a reopened work order is not given up
        now = self.events.now
        case.status = ABANDONED
        case.t_abandon = now
        m = self.model
        m.abandoned += 1
        m.open_change(now, -1)
        r = case.resident
        r.last_report_resolved = False
        # The resident rates the lack of response (好差评 takes ratings of tickets left unhandled):
        # left out, the rating would count only the cases that got through, and rise under strain.
        case.grade = grade = r.experience(0.0, case.u[U_RATING], m.rules)
        self.heard(case.community, 0.0, r.last_score)
        rec = m.recorder
        rec.ratings += 1
        rec.good += grade >= 3

    def case_summary(self, w) -> dict[str, float]:
        """Response time (report to first acceptance, h) by need, urgency, level and age; the share
        of accepted cases that waited; the share of reported cases abandoned in a queue."""
        out: dict[str, float] = {}
        response = (w.t_accept - w.t_report) * 24
        breakdowns("response_time_h", response, w, self.model.needs, w.level, out)
        accepted = response[~np.isnan(response)]
        out["response_time_h.share_waited"] = ratio((accepted > 1e-9).sum(), len(accepted))
        reported = ~np.isnan(w.t_report)
        out["rates.abandonment"] = ratio(((w.status == ABANDONED) & ~w.lapsed).sum(), reported.sum())
        return out
