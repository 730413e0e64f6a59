"""Village / residents' committees (村/居委会): a staff pool handling committee-level cases."""

from __future__ import annotations

import math

import mesa

from ..cases import COMMITTEE, Desk
from .server import Server


class Staff(Server):
    """One staff member's time at a committee or the township (not spatial, not an agent)."""

    __slots__ = ("desk", "speed", "case", "task", "work", "busy_since", "overtime_from", "reassign", "em_desk",
                 "case_hours", "task_hours", "overtime_hours", "ot_month", "ot_month_hours", "on_call", "x", "y")

    def __init__(self, desk: Desk, speed: float):
        self.open_books(desk, speed, None)  # a position only while on emergency duty


class FieldStaff(Staff):
    """A staff member whose on-site cases take a round trip from the office at `field_speed` (km/day,
    township.travel_kmh): the distances of a rural township (ODD §7.35)."""

    __slots__ = ("office", "field_speed")

    def __init__(self, desk: Desk, speed: float, office: tuple[float, float], field_speed: float):
        super().__init__(desk, speed)
        self.office, self.field_speed = office, field_speed

    def service_time(self, case, resolves: bool, p) -> float:
        t = super().service_time(case, resolves, p)
        if resolves and p.on_site[case.need]:
            hx, hy = p.hh_xy[case.household]
            t += 2.0 * math.hypot(hx - self.office[0], hy - self.office[1]) / self.field_speed
        return t


def staff_desk(desk: Desk, staff: int, speed: float, field: tuple | None = None) -> Desk:
    """Fill a desk with `staff` idle staff members; with `field` ((office x, y), speed km/day) they
    travel to on-site cases from that office."""
    for _ in range(staff):
        s = Staff(desk, speed) if field is None else FieldStaff(desk, speed, *field)
        desk.servers.append(s)
        desk.idle.append(s)
    return desk


class Committee(mesa.discrete_space.FixedAgent):
    """Runs one community; its office sits in one of the community's grid cells."""

    def __init__(self, model, community: int, staff: int, cell, field: tuple | None = None):
        super().__init__(model)
        self.community = community
        self.cell = cell
        self.desk = staff_desk(Desk(COMMITTEE, community), staff, model.rules.speed, field)
