"""The working day: offices open, grid workers start proactive work, all close (ODD 7.15)."""

from __future__ import annotations

import math

import numpy as np

from .. import schedule as ev
from .base import Submodel, ratio


class Shift(Submodel):
    """Who is on duty. With staff on duty around the clock there are no shift events at all."""

    name = "shift"
    daily_columns = (("date", str), ("workday", int))

    def __init__(self, model) -> None:
        super().__init__(model)
        self.calendar = model.calendar
        self.part_timers = [w for w in model.workers if w.part_time]
        # A part-timer's hours on a working day, from the start of grid duty (days); none if they
        # last to the shift's end, where everyone goes off anyway.
        hours = {w.day_hours for w in self.part_timers}
        grid_duty = self.calendar.length - self.calendar.paperwork
        self.part_day = min(hours) / 24.0 if hours else math.inf
        if self.part_day >= grid_duty - 1e-12:
            self.part_day = math.inf
        self.today = 0
        always = self.calendar.always_on
        self.office_duty = self.grid_duty = always   # committee and township desks; grid desks
        self.end = math.inf if always else 0.0      # end of the current (or last) shift
        if always:
            for w in model.workers:
                w.start_proactive(0.0)

    def handlers(self):
        return {ev.SHIFT: self.on_shift}

    def link(self) -> None:
        self.service, self.discovery = self.model.service, self.model.discovery

    def plan_day(self, day: int) -> None:
        self.today = day
        for t, phase in self.calendar.shift_events(day):
            self.events.push(t, ev.SHIFT, phase)
            if phase == ev.GRID_ON_DUTY and self.part_timers and self.part_day < math.inf:
                self.events.push(t + self.part_day, ev.SHIFT, ev.PART_TIMERS_OFF)

    def day_row(self) -> tuple:
        """The date of the day being recorded and whether it was a working day of the staff."""
        return self.calendar.dates.iso(self.today), int(self.calendar.is_workday(self.today))

    def case_summary(self, w) -> dict[str, float]:
        """Reports made outside office hours (outside a shift, or on a rest day) and how long
        they wait for a first response, against those made in office hours."""
        reported = ~np.isnan(w.t_report)
        t = w.t_report[reported]
        inside = self.calendar.in_hours(t)
        response = (w.t_accept[reported] - t) * 24
        out = {"reports.out_of_hours_share": ratio(float((~inside).sum()), float(len(t)))}
        for name, keep in (("in_hours", inside), ("out_of_hours", ~inside)):
            r = response[keep & ~np.isnan(response)]
            out[f"response_time_h.{name}.mean"] = float(r.mean()) if len(r) else math.nan
            out[f"response_time_h.{name}.median"] = float(np.median(r)) if len(r) else math.nan
        return out

    def on_shift(self, phase: int, _) -> None:
        if phase == ev.OFFICES_OPEN:
            self._offices_open()
        elif phase == ev.GRID_ON_DUTY:
            self._grid_on_duty()
        elif phase == ev.PART_TIMERS_OFF:
            self._part_timers_off()
        else:
            self._part_timers_off()
            self._all_close()

    def _offices_open(self) -> None:
        m = self.model
        self.office_duty = True
        self.end = self.events.now + self.calendar.length
        for w in m.workers:
            if w.case is None and w.em_desk is None:
                w.back_to_office()
        for c in m.committees:
            self.service.try_start(c.desk)
        self.service.try_start(m.township.desk)
        for dept in m.county:
            self.service.try_start(dept.desk)

    def _grid_on_duty(self) -> None:
        now = self.events.now
        self.grid_duty = True
        off_at = now + self.part_day
        for w in self.part_timers:
            if w.come_on(off_at):
                w.desk.idle.append(w)
        for desk in self.model.grid_desks:
            for w in desk.idle:
                w.start_proactive(now)
            self.service.try_start(desk)
            for w in desk.idle:
                self.discovery.schedule(w)

    def _part_timers_off(self) -> None:
        """Part-timers' hours end: the idle ones leave the idle list (they are not on call); busy ones
        finish what they hold (a top-down task stops at `off_at`) and rest then (`Service.free`)."""
        now = self.events.now
        for w in self.part_timers:
            if not w.resting and w.go_off(now) and w in w.desk.idle:
                w.desk.idle.remove(w)

    def _all_close(self) -> None:
        now = self.events.now
        self.office_duty = self.grid_duty = False
        for desk in self.model.grid_desks:
            for w in desk.idle:
                w.pause_proactive(now)
