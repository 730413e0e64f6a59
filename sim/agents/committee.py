"""Village / residents' committees (村/居委会): a staff pool handling committee-level cases."""

from __future__ import annotations

import mesa

from ..cases import COMMITTEE, Desk
from .server import Server


class Staff(Server):
    """One staff member's time at a committee or the township (not spatial, not an agent)."""

    __slots__ = ("desk", "speed", "case", "task", "work", "busy_since", "overtime_from", "reassign", "em_desk",
                 "case_hours", "task_hours", "overtime_hours", "ot_month", "ot_month_hours", "on_call", "x", "y")

    def __init__(self, desk: Desk, speed: float):
        self.open_books(desk, speed, None)  # a position only while on emergency duty


def staff_desk(desk: Desk, staff: int, speed: float) -> Desk:
    """Fill a desk with `staff` idle staff members."""
    for _ in range(staff):
        s = Staff(desk, speed)
        desk.servers.append(s)
        desk.idle.append(s)
    return desk


class Committee(mesa.discrete_space.FixedAgent):
    """Runs one community; its office sits in one of the community's grid cells."""

    def __init__(self, model, community: int, staff: int, cell):
        super().__init__(model)
        self.community = community
        self.cell = cell
        self.desk = staff_desk(Desk(COMMITTEE, community), staff, model.rules.speed)
