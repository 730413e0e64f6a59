"""放权赋能 as the policy text means it: items handed down, the staff time they need following them
(费随事转), and a cap on what is pushed down to committees (规范). ODD 7.3.

Decentralisation hands a share of each devolvable need type down one level (`arrivals`). Here, once
per model, the staffing that follows: the expected staff-years a handed-down item needed at the upper
level (cases a year that are reported × effort × the share handed down), times
`policy.resources_follow`, move with it — from the county department that handled it to the
township, from the township to the committees. With `resources_follow` 0 the items go down and the
staff stay where they were: the lower level's load rises with no one to carry it.
"""

from __future__ import annotations

import numpy as np

from .cases import COUNTY, TOWNSHIP
from .params import LEVELS


def devolvable_mask(needs, cap: int) -> np.ndarray:
    """Per need type: whether decentralisation may hand it down. County items always may (to the
    township); of the township-level items, only the first `cap` devolvable ones in catalogue order
    may go to the committees (规范)."""
    mask, township_items = [], 0
    for n in needs:
        ok = n.devolvable
        if ok and LEVELS.index(n.level) == TOWNSHIP:
            ok = township_items < cap
            township_items += 1
        mask.append(ok)
    return np.array(mask, dtype=bool)


def county_departments(needs) -> list[int]:
    """The need types county departments handle, one department per county-level need type."""
    return [k for k, n in enumerate(needs) if LEVELS.index(n.level) == COUNTY]


def staff_years_moved(v, needs, residents: tuple[int, int], mask: np.ndarray) -> np.ndarray:
    """Per need type: staff-years a year that move down with the handed-down share of it."""
    share = v["policy.decentralisation"] * v["policy.resources_follow"] * v["demand.scale"]
    hours = np.array([(n.rate_other * residents[0] + n.rate_elderly * residents[1]) * n.report_prob * n.effort_hours
                      for n in needs])
    return np.where(mask, hours * share / v["cost.work_hours_per_year"], 0.0)


def staffing(v, needs, residents: tuple[int, int], n_committees: int) -> tuple[list[int], int, list[int]]:
    """(staff per county department, township staff, staff per committee) after 费随事转.

    Whole persons: each department and the township keep at least one; the staff moved to the
    committees are shared out one by one, the first committees getting the remainder."""
    mask = devolvable_mask(needs, v["policy.committee_items_cap"])
    moved = staff_years_moved(v, needs, residents, mask)
    level = [LEVELS.index(n.level) for n in needs]
    base_county = v["county.staff_per_department"]
    county = [max(1, round(base_county - moved[k])) for k in county_departments(needs)]
    from_county = sum(base_county - c for c in county)
    to_committees = round(sum(moved[k] for k in range(len(needs)) if level[k] == TOWNSHIP))
    base_township = v["township.staff_per_10k"] * v["territory.residents"] / 10_000
    township = max(1, round(base_township + from_county - to_committees))
    to_committees = min(to_committees, round(base_township + from_county) - township)
    extra, rest = divmod(max(0, to_committees), n_committees)
    committees = [v["committee.staff"] + extra + (c < rest) for c in range(n_committees)]
    return county, township, committees
