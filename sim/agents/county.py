"""County departments (条): each works the township's items of one county-level need type."""

from __future__ import annotations

import mesa

from ..cases import COUNTY, Desk
from .committee import staff_desk


class CountyDepartment(mesa.Agent):
    """A county department's staff serving this township (街乡吹哨、部门报到): the township refers
    (blows the whistle), the case queues at the department, its staff take it up (报到) in office
    hours, as capacity allows — a queue that can grow, not a fixed delay."""

    def __init__(self, model, index: int, need: int, staff: int):
        super().__init__(model)
        self.need = need
        self.desk = staff_desk(Desk(COUNTY, index), staff, model.rules.speed)
