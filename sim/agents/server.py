"""Servers: anyone who works a queue — grid workers, committee and township staff, volunteers on shift."""

from __future__ import annotations

import math


MONTH_DAYS = 30.0   # overtime caps count by 30-day months from day 0


class Server:
    """A server's books: its desk, what it is doing, where it is, and its hours.

    The hooks below do nothing for a plain staff member; grid workers and volunteer shifts
    override the ones that concern them, so callers never ask what kind of server they hold."""

    __slots__ = ()
    is_staff = True   # staff may take staff-only emergency tasks; volunteers may not
    part_time = False  # part-time grid workers (兼职) work limited hours: see GridWorker
    resting = False    # off until its next hours on duty (only part-timers rest while others are on duty)
    off_at = math.inf  # when its hours on duty end today, if before the shift's end (only part-timers')

    def open_books(self, desk, speed: float, xy: tuple | None) -> None:
        self.desk = desk
        self.speed = speed       # km/day, for travel to a household
        self.case = None
        self.task = None
        self.work = None         # a top-down task (上级交办) in hand, sim/submodels/tasks.py
        self.busy_since = 0.0
        self.overtime_from = 0.0
        self.reassign = None     # an emergency desk to join when the current case is done
        self.em_desk = None      # the emergency desk it serves, if any
        self.on_call = None      # the desk whose duty roster it is working for off duty, if any
        self.case_hours = 0.0
        self.task_hours = 0.0    # hours on top-down tasks
        self.overtime_hours = 0.0
        self.ot_month = -1       # the 30-day month of ot_month_hours
        self.ot_month_hours = 0.0
        self.x, self.y = xy if xy is not None else (None, None)

    def service_time(self, case, resolves: bool, p) -> float:
        """Effort for cases within the desk's authority; triage for those forwarded up."""
        return case.effort if resolves else p.triage

    def pause_proactive(self, now: float) -> None:
        """Close a spell of proactive work (grid workers only have one)."""

    def back_to_office(self) -> None:
        """Return to the office at the start of a working day (grid workers only have one)."""

    def start_from(self, xy: tuple[float, float]) -> None:
        """Take up emergency duty: a server with no position of its own starts from `xy`."""
        if self.x is None:
            self.x, self.y = xy

    def book_task(self, hours: float, emergency, overtime: bool) -> None:
        self.case_hours += hours
        if overtime:
            self.add_overtime(hours, self.busy_since + hours / 24.0)

    def add_overtime(self, hours: float, now: float) -> None:
        """Book overtime, also in the current 30-day month (the Labour Law's cap is monthly)."""
        if hours > 0.0:
            self.overtime_hours += hours
            month = int(now // MONTH_DAYS)
            if month != self.ot_month:
                self.ot_month, self.ot_month_hours = month, 0.0
            self.ot_month_hours += hours

    def month_overtime(self, now: float) -> float:
        """Overtime booked so far in the 30-day month of `now`."""
        return self.ot_month_hours if int(now // MONTH_DAYS) == self.ot_month else 0.0

    def off_shift(self, now: float) -> bool:
        """Whether the server's time at an emergency desk is over (only volunteers' shifts end)."""
        return False
