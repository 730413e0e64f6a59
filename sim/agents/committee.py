"""Village / residents' committees (村/居委会): a staff pool handling committee-level cases."""

from __future__ import annotations

import mesa

from ..cases import COMMITTEE, Desk


def start_server_books(server, desk: Desk) -> None:
    """The state every server keeps, staff member or grid worker: its desk, what it is doing,
    and its hours."""
    server.desk = desk
    server.case = None
    server.busy_since = 0.0
    server.overtime_from = 0.0
    server.reassign = None   # an emergency desk to join when the current case is done
    server.em_desk = None    # the emergency desk it serves, if any
    server.task = None
    server.case_hours = 0.0
    server.overtime_hours = 0.0


class Staff:
    """One staff member's time at a committee or the township (not spatial, not an agent)."""

    __slots__ = ("desk", "case", "busy_since", "overtime_from", "case_hours", "overtime_hours",
                 "reassign", "em_desk", "task", "x", "y")

    def __init__(self, desk: Desk):
        start_server_books(self, desk)
        self.x = self.y = None  # a position only while on emergency duty

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
