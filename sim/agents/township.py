"""The township / street office (乡镇/街道): dispatch centre, departments, referral to the county."""

from __future__ import annotations

import mesa

from ..cases import TOWNSHIP, Desk
from .committee import staff_desk


class Township(mesa.Agent):
    """Dispatches hotline cases to the level with authority; resolves township-level cases;
    refers county-level items to county departments (outside the model, a delay)."""

    def __init__(self, model, staff: int, field: tuple | None = None):
        super().__init__(model)
        self.desk = staff_desk(Desk(TOWNSHIP, 0), staff, model.rules.speed, field)

    @staticmethod
    def dispatch_level(case) -> int:
        """The 12345 dispatch centre sends a case to the level with authority; county items
        go through the township, which refers them."""
        return min(case.level, TOWNSHIP)
