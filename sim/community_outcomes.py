"""Outcomes by community and by community type (sim/community_types.py): who is left behind where.

The same measures for every group of communities, over the cases that arose in the summary window and
the residents living there: how many cases and how they ended (closed, abandoned, never reported, still
open), response time (overall, for offline residents and for the elderly), the on-time rate, the closed
rate and the 好差评 satisfaction rate as the whole-district summary defines them
(sim/submodels/verification.py), latent satisfaction, and the unmet share (cases not closed by the end,
whatever the reason). Counts add up over the groups to the district's totals: no case is lost.
"""

from __future__ import annotations

import math

import numpy as np

from .cases import ABANDONED, RESOLVED
from .submodels.base import ratio
from .submodels.verification import on_time_rates, ratings

COMMUNITY_COLUMNS = (
    "community", "name", "type", "households", "residents", "elderly_share", "offline_share", "cases", "reported",
    "closed", "abandoned", "never_reported", "still_open", "response_mean_h", "response_mean_offline_h",
    "response_mean_elderly_h", "on_time", "closed_rate", "satisfaction_rate", "satisfaction_rate_elderly",
    "latent_satisfaction", "unmet_share",
)
COUNTS = frozenset({"households", "residents", "cases", "reported", "closed", "abandoned", "never_reported",
                    "still_open"})
# The measures the summary gives for each type present (`by_type.TYPE.MEASURE`).
TYPE_MEASURES = COMMUNITY_COLUMNS[3:]


def _subset(w, index: np.ndarray):
    return type(w)(**{k: getattr(w, k)[index] for k in w.__dataclass_fields__})


def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else math.nan


def case_measures(w, end: float) -> dict[str, float]:
    """The case measures of one group: `w` holds the group's cases of the summary window."""
    reported = ~np.isnan(w.t_report)
    closed = w.status == RESOLVED
    never = w.lapsed.astype(bool)
    abandoned = (w.status == ABANDONED) & ~never
    response = (w.t_accept - w.t_report) * 24
    rated = ratings(w, end)
    n = len(w.status)
    return {"cases": float(n), "reported": float(reported.sum()), "closed": float(closed.sum()),
            "abandoned": float(abandoned.sum()), "never_reported": float(never.sum()),
            "still_open": float(n - closed.sum() - abandoned.sum() - never.sum()),
            "response_mean_h": _mean(response), "response_mean_offline_h": _mean(response[~w.digital]),
            "response_mean_elderly_h": _mean(response[w.elderly]),
            "on_time": on_time_rates(w, end, ())["rates.on_time"],
            "closed_rate": ratio(closed.sum(), reported.sum()),
            "satisfaction_rate": rated["ratings.satisfaction_rate"],
            "satisfaction_rate_elderly": rated["ratings.satisfaction_rate_elderly"],
            "unmet_share": ratio(n - closed.sum(), n)}


def resident_arrays(model, counted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every resident's latent satisfaction, digital access and whether the satisfaction measures
    count them (at home some day of the measured window: `counted` when the caller has it), read once
    for all groups."""
    res = model.residents
    if counted is None:
        counted = model.residents_at_home(int(model.spec.values["sim.warmup_days"]))
    return (np.fromiter((r.satisfaction for r in res), float, len(res)),
            np.fromiter((r.digital for r in res), bool, len(res)), counted)


def resident_measures(model, members: np.ndarray, households: int, people) -> dict[str, float]:
    """The resident measures of one group: `members` indexes its residents; `people` is resident_arrays."""
    digital = people[1][members]
    sat = people[0][members][people[2][members]]
    return {"households": float(households), "residents": float(len(members)),
            "elderly_share": ratio(model.resident_elderly[members].sum(), len(members)),
            "offline_share": ratio((~digital).sum(), len(members)),
            "latent_satisfaction": float(sat.mean()) if len(sat) else math.nan}


def _groups(labels: np.ndarray, n: int) -> list[np.ndarray]:
    """The positions holding each label 0..n-1, each in its original order."""
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.cumsum(np.bincount(labels, minlength=n))[:-1])


def group_measures(model, w, group_of_community: np.ndarray, n_groups: int, people=None) -> list[dict[str, float]]:
    """Every measure for each group of communities (group_of_community: the group of each community)."""
    people = people or resident_arrays(model)
    t, end = model.territory, model.events.now
    case_groups = _groups(group_of_community[w.community], n_groups)
    resident_groups = _groups(group_of_community[t.hh_community[model.resident_household]], n_groups)
    households = np.bincount(group_of_community[t.hh_community], minlength=n_groups)
    out = []
    for g in range(n_groups):
        row = resident_measures(model, resident_groups[g], int(households[g]), people)
        row.update(case_measures(_subset(w, case_groups[g]), end))
        out.append({k: row[k] for k in TYPE_MEASURES})
    return out


def by_type(model, w, people=None) -> dict[str, float]:
    """`by_type.TYPE.MEASURE` for each community type present."""
    prof = model.community_profiles
    present = prof.present
    group = np.array([present.index(name) for name in prof.names], dtype=np.int64)
    rows = group_measures(model, w, group, len(present), people)
    return {f"by_type.{name}.{k}": v for name, row in zip(present, rows) for k, v in row.items()}


def community_rows(model, w, people=None) -> list[tuple]:
    """One row per community (COMMUNITY_COLUMNS): its number, name (an imported district's), type, measures."""
    t = model.territory
    names = model.community_profiles.names
    rows = group_measures(model, w, np.arange(t.n_communities), t.n_communities, people)
    labels = t.community_names if len(t.community_names) == t.n_communities else ("",) * t.n_communities
    return [(c, labels[c], names[c], *(int(row[k]) if k in COUNTS else row[k] for k in TYPE_MEASURES))
            for c, row in enumerate(rows)]
