"""Queueing and service at a desk; abandonment while queued (ODD 7.8, 7.9, 7.10, 7.12)."""

from __future__ import annotations

import math

import numpy as np

from .. import schedule as ev
from ..case_log import ABANDONED as LOG_ABANDONED, AIDED, ARRIVED, RESIDENT, TAKEN, VOLUNTEER
from ..cases import ABANDONED, COMMITTEE, COUNTY, GRID, IN_SERVICE, QUEUED, U_RATING, Case, Desk
from .base import Submodel, ratio
from .summary_stats import breakdowns


class Service(Submodel):
    """A case joins a desk's queue; free servers on duty take waiting cases by urgency, then report
    time; off duty, only urgent cases are taken (on call, as overtime), and only by a server under
    its monthly overtime cap. Top-down tasks (sim/submodels/tasks.py) wait in the same queue. A server
    that finishes resolves the case at its level or hands it up."""

    name = "service"
    params = ("worker.on_call_urgent", "worker.overtime_cap_hours_per_month", "worker.overload_effort",
              "duty.committee_staff", "duty.township_staff", "duty.county_staff", "duty.allowance_cny_per_shift")

    def __init__(self, model) -> None:
        super().__init__(model)
        self.on_call = self.p["worker.on_call_urgent"]
        self.cap = self.p["worker.overtime_cap_hours_per_month"]
        self.overload = self.p["worker.overload_effort"]
        self.refused: set[int] = set()   # ids of urgent cases a server over its cap did not take on call
        self.strained_closures = 0   # closures by a server at its monthly overtime cap
        self._roster(model)

    def _roster(self, model) -> None:
        """The duty roster (值班): how many of each office desk's staff work off duty at once. Grid
        workers keep their phones on: every one of them may take an urgent case of their grid."""
        p = self.p
        for c in model.committees:
            c.desk.duty = p["duty.committee_staff"]
        model.township.desk.duty = p["duty.township_staff"]
        for dept in model.county:
            dept.desk.duty = p["duty.county_staff"]

    def handlers(self):
        return {ev.DONE: self.on_done, ev.ABANDON: self.on_abandon}

    def link(self) -> None:
        m = self.model
        self.shift, self.discovery, self.emergency, self.start_task = m.shift, m.discovery, m.emergency, m.tasks.start
        self.resolve, self.hand_up = m.verification.resolve, m.dispatch.hand_up
        self.mutual_aid_need, self.offer_mutual_aid = m.volunteers.mutual_aid_need, m.volunteers.offer_mutual_aid
        self.heard = m.survey.heard
        safety = m.submodels.get("safety")   # the mediation chain takes the disputes (ODD 7.37)
        self.mediated = safety.need if safety is not None else -1
        self.mediate = safety.mediate if safety is not None else None

    def arrive(self, case, desk: Desk) -> None:
        now = self.events.now
        if case.t_in[desk.level] != case.t_in[desk.level]:
            # NaN: first arrival at this level. `t_in` keeps the first: a dispute misrouted to the
            # township, sent back and later handed up there by the mediation chain keeps its wrong
            # desk's time (the 退单 comes first), as a reopened case keeps its own (§7.7, §7.12).
            case.t_in[desk.level] = now
        self.case_log.at_desk(case, ARRIVED, now, desk)
        shift = self.shift
        if (case.need == self.mutual_aid_need and desk.level == COMMITTEE == case.level and shift.office_duty
                and self.offer_mutual_aid(case)):
            if case.t_accept != case.t_accept:  # NaN: the first acceptance is the response; a reopened case keeps it
                self.accept(case, now)
            self.case_log.add(case, AIDED, now, VOLUNTEER, case.grid)
            case.status = IN_SERVICE
            return
        case.status = QUEUED
        if desk.idle and not desk.queue and (shift.grid_duty if desk.level == GRID else shift.office_duty):
            self.start(desk.idle.pop(), case)  # a free server on duty takes it at once
            return
        desk.put(case)
        self.try_start(desk)

    def try_start(self, desk: Desk) -> None:
        """Idle servers take what waits: cases and top-down tasks in queue order (on duty), or an
        urgent case on call (off duty) if a server under its overtime cap is free."""
        on_duty = self.shift.grid_duty if desk.level == GRID else self.shift.office_duty
        idle = desk.idle
        while idle:
            pick = -1 if on_duty else self._rested(desk)
            if pick is None:
                return
            item = desk.next_case(on_duty, self.on_call)
            if item is None:
                return
            if item.__class__ is Case:
                server = idle.pop(pick)
                if not on_duty:  # on call: one of the desk's duty roster
                    server.on_call = desk
                    desk.on_call_busy += 1
                self.start(server, item)
            else:
                self.start_task(idle.pop(pick), item)

    def _rested(self, desk: Desk) -> int | None:
        """Off duty: the position in `desk.idle` of the last-freed server under its monthly overtime
        cap (the Labour Law's 36 h), or None if the desk's duty roster is all at work or an urgent
        case waits and every idle server is over the cap."""
        if desk.duty is not None and desk.on_call_busy >= desk.duty:
            return None
        now, idle = self.events.now, desk.idle
        for i in range(len(idle) - 1, -1, -1):
            if idle[i].month_overtime(now) < self.cap:
                return i
        if self.on_call and desk.peek_urgency() == 0:
            self.refused.add(desk.queue[0][3].id)
        return None

    def strain(self, server, now: float) -> float:
        """How overloaded a server is: this month's overtime over the monthly cap, at most 1."""
        month = server.month_overtime(now)
        if not month:
            return 0.0
        return min(1.0, month / self.cap) if self.cap else 1.0

    def effort_factor(self, server, now: float) -> float:
        """Sustained overload slows work: 1 + overload × strain."""
        return 1.0 + self.overload * self.strain(server, now)

    def start(self, server, case) -> None:
        now = self.events.now
        if case.t_accept != case.t_accept:  # NaN: first acceptance is the first response
            self.accept(case, now)
        self.case_log.by_server(case, TAKEN, now, server)
        case.status = IN_SERVICE
        server.pause_proactive(now)
        server.case = case
        server.busy_since = now
        # Work started within the shift (paperwork hours included) is overtime only past its end.
        shift = self.shift
        server.overtime_from = shift.end if shift.office_duty else now
        resolves = case.level == server.desk.level or (case.need == self.mediated and self.mediating(case, server.desk))
        t = server.service_time(case, resolves, self.model.rules)
        if server.ot_month_hours:
            t *= self.effort_factor(server, now)
        self.events.push(now + t, ev.DONE, server, case)

    def accept(self, case, now: float) -> None:
        case.t_accept = now
        rec = self.model.recorder
        rec.resp_sum += now - case.t_report
        rec.resp_n += 1

    def on_done(self, server, case) -> None:
        now = self.events.now
        desk = server.desk
        server.case_hours += (now - server.busy_since) * 24.0
        server.add_overtime(max(0.0, now - server.overtime_from) * 24.0, now)
        server.case = None
        if case.need == self.mediated and self.mediating(case, desk):
            self.mediate(server, case, desk.level)   # settled and closed, handed up, or petitioned
        elif case.level == desk.level:
            self.close(server, case, desk.level)
        else:
            self.hand_up(case, desk.level)
        self.free(server)

    def mediating(self, case, desk: Desk) -> bool:
        """Whether finishing this dispute is a mediation attempt: at a grid, committee or township
        desk that it was sent to rightly (a misrouted one is only sent back)."""
        return not case.misrouted and desk.level != COUNTY

    def close(self, server, case, level: int) -> None:
        """The server closes the case at `level` (办结), tired work counted by its strain."""
        if server.ot_month_hours:
            strain = self.strain(server, self.events.now)
            self.strained_closures += strain >= 1.0
            self.resolve(case, level, strain)
        else:
            self.resolve(case, level)

    def free(self, server) -> None:
        """A server done with a case or a top-down task: to its emergency desk if booked for one,
        else back to its routine desk."""
        desk = server.desk
        if server.on_call is not None:   # its on-call work is done: the roster has a free hand
            server.on_call.on_call_busy -= 1
            server.on_call = None
        if server.reassign is not None:  # booked for emergency duty while on this case
            self.emergency.reassigned(server)
            self.try_start(desk)
            return
        if server.resting:   # a part-timer whose hours ended while it worked
            return
        desk.idle.append(server)
        self.rejoin(server, desk)

    def rejoin(self, server, desk: Desk) -> None:
        """A free server on its routine desk: proactive work if a grid worker on duty, then the queue."""
        grid_on_duty = desk.level == GRID and self.shift.grid_duty
        if grid_on_duty:
            server.start_proactive(self.events.now)
        self.try_start(desk)
        if grid_on_duty and server.case is None and server.work is None:
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
        self.case_log.add(case, LOG_ABANDONED, now, RESIDENT, case.household, extra=grade)
        self.heard(case.community, 0.0, r.last_score)
        rec = m.recorder
        rec.ratings += 1
        rec.good += grade >= 3

    def cost_cny(self) -> float:
        """The duty roster's allowances over the run: one duty shift a night and one a rest day for
        each rostered person (none when staff work around the clock or nobody is on call)."""
        m, p = self.model, self.p
        cal = m.calendar
        if cal.always_on or not self.on_call:
            return 0.0
        days = int(math.ceil(m.events.now))
        shifts = days + sum(not cal.is_workday(d) for d in range(days))
        rostered = sum(d.desk.duty for d in (*m.committees, m.township, *m.county))
        return shifts * rostered * p["duty.allowance_cny_per_shift"]

    def summary(self) -> dict[str, float]:
        """The duty roster's cost a year (also counted in `cost.staff_cny`); the share of all closures
        made by a server at its monthly overtime cap (the most strained work, `worker.overload_unsolved`)."""
        years = max(self.events.now, 1e-9) / 365.0
        return {"duty.cost_cny_per_year": self.cost_cny() / years,
                "workload.closed_at_overtime_cap_share": ratio(self.strained_closures, self.model.resolved)}

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
