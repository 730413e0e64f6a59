"""Statistics of durations for the submodels' summary keys, over the summary window's cases."""

from __future__ import annotations

import math

import numpy as np

from ..params import AGE_GROUPS, LEVELS, URGENCY


def stats(prefix: str, hours: np.ndarray, out: dict[str, float]) -> None:
    """`prefix`.n, .mean, .median and .p90 of `hours` (NaNs left out; NaN statistics when empty)."""
    x = hours[~np.isnan(hours)]
    out[f"{prefix}.n"] = float(len(x))
    if len(x):
        out[f"{prefix}.mean"] = float(x.mean())
        out[f"{prefix}.median"] = float(np.median(x))
        out[f"{prefix}.p90"] = float(np.percentile(x, 90))
    else:
        out[f"{prefix}.mean"] = out[f"{prefix}.median"] = out[f"{prefix}.p90"] = math.nan


def breakdowns(name: str, hours: np.ndarray, w, needs, by_level: np.ndarray, out: dict[str, float]) -> None:
    """The statistics of `hours` (one per case of the window `w`, an `outcomes.CaseArrays`) overall
    and by need, urgency, level (`by_level`: which level each case counts at) and age group."""
    stats(name, hours, out)
    for k, need in enumerate(needs):
        stats(f"{name}.by_need.{need.name}", hours[w.need == k], out)
    for u, uname in enumerate(URGENCY):
        stats(f"{name}.by_urgency.{uname}", hours[w.urgency == u], out)
    for lv, lname in enumerate(LEVELS):
        stats(f"{name}.by_level.{lname}", hours[by_level == lv], out)
    for g, gname in enumerate(AGE_GROUPS):
        stats(f"{name}.by_age.{gname}", hours[w.elderly == bool(g)], out)
