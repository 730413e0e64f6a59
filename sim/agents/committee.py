"""Village / residents' committees (村/居委会): a staff pool handling committee-level cases."""

from __future__ import annotations

import mesa

from ..cases import COMMITTEE, Desk


class Staff:
    """One staff member's time at a committee or the township (not spatial, not an agent)."""

    __slots__ = ("desk", "case", "busy_since", "overtime_from", "case_hours", "overtime_hours",
                 "reassign", "em_desk", "task", "x", "y")

    def __init__(self, desk: Desk):
        self.desk = desk
        self.case = None
        self.busy_since = 0.0
        self.overtime_from = 0.0
        self.reassign = None   # an emergency desk to join when the current case is done
        self.em_desk = None    # the emergency desk it serves, if any
        self.task = None
        self.x = self.y = None  # a position only while on emergency duty
        self.case_hours = 0.0
        self.overtime_hours = 0.0

    def service_time(self, case, resolves: bool, p) -> float:
        """Effort for cases within the desk's authority; triage for those forwarded up."""
        return case.effort if resolves else p.triage


class Committee(mesa.discrete_space.FixedAgent):
    """Runs one community; its office sits in one of the community's grid cells."""

    def __init__(self, model, community: int, staff: int, cell):
        super().__init__(model)
        self.community = community
        self.cell = cell
        self.desk = Desk(COMMITTEE, community)
        for _ in range(staff):
            s = Staff(self.desk)
            self.desk.servers.append(s)
            self.desk.idle.append(s)
