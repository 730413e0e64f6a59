"""The uncertainty space of a robustness study: the parameters the table marks as assumptions,
each over a range around its value in the base scenario, sampled by a Latin hypercube.

By default the space holds every numeric parameter whose source is an assumption (the table's
ASSUMPTION, or a source text that says its value is an assumption) under the prefixes of
DEFAULT_SPACE, each from scale[0]× to scale[1]× its base value, clipped to its allowed range.
Policy levers are decisions, not uncertainties, and are never in the default space; parameters
whose base value is zero have no range to scale and are left out (name them with low and high).
An experiment file may instead give its own space:

    [uncertainty.delays]                 # each member from 0.5× to 2× its base value
    parameters = ["handoff.*", "county.report_hours"]
    scale = [0.5, 2.0]
    [parameters."case.patience_factor"]  # or an explicit range
    low = 1.0
    high = 6.0

Every range is itself an assumption, and a report says so.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from scipy.stats import qmc

from ..params import ASSUMPTION, PARAM_BY_KEY, Param

# The default space: named groups of parameter prefixes, each with its scale around the base value.
# Assumption: ±50% brackets what an unpublished delay, count or behavioural coefficient could be;
# the rating cut points move ±15% so that their ranges do not overlap (the cuts must increase).
DEFAULT_SPACE: dict[str, tuple[tuple[str, ...], tuple[float, float]]] = {
    "delays": (("handoff.", "county.", "case.verify_hours", "reporting.delay_"), (0.5, 1.5)),
    "needs": (("demand.scale", "case.unsolved_late", "case.reopen_share"), (0.5, 1.5)),
    "ratings": (("satisfaction.grade_cut_",), (0.85, 1.15)),
    "behaviour": (("case.patience_factor", "reporting.trust_effect", "reporting.latent_lapse_days",
                   "satisfaction.expectation_adapt", "satisfaction.memory", "satisfaction.trust_adapt",
                   "satisfaction.rating_noise", "satisfaction.unmet_performance", "worker.overload_"),
                  (0.5, 1.5)),
}


def is_assumption(p: Param) -> bool:
    """The table marks the value as an assumption: no published figure, or a source that says the
    value itself is assumed (a rule that gives a maximum, say, with the mean assumed)."""
    return p.source == ASSUMPTION or "assumption" in p.source.lower()


def is_uncertain(p: Param) -> bool:
    return p.kind in (int, float) and p.lever is None and is_assumption(p)


def default_members(prefixes: tuple[str, ...]) -> list[str]:
    """The assumption-marked numeric non-lever parameters whose keys start with one of `prefixes`."""
    return [p.key for p in PARAM_BY_KEY.values() if is_uncertain(p) and p.key.startswith(prefixes)]


def default_space(base) -> dict[str, dict[str, Any]]:
    """DEFAULT_SPACE as [parameters."KEY"] entries (low, high, group) around `base`'s values."""
    out: dict[str, dict[str, Any]] = {}
    for group, (prefixes, (lo, hi)) in DEFAULT_SPACE.items():
        for key in default_members(prefixes):
            value, p = base[key], PARAM_BY_KEY[key]
            if key in out or value <= 0:
                continue
            low, high = max(value * lo, p.low), min(value * hi, p.high)
            if low < high:
                out[key] = {"low": low, "high": high, "group": group}
    return out


def parse_space(f: str, raw: Mapping[str, Any], base) -> dict[str, dict[str, Any]]:
    """The file's [uncertainty.NAME] tables and [parameters."KEY"] ranges as [parameters] entries
    with a group ("parameters" for an explicit range), or the default space when it gives none."""
    from .experiment import ExperimentError, expand_groups
    params = raw.get("parameters", {})
    if not isinstance(params, dict):
        raise ExperimentError(f, "parameters", params, "a table of parameter keys with low and high")
    table = raw.get("uncertainty")
    if table is None and not params:
        return default_space(base)
    out = {}
    for key, spec in params.items():
        if not isinstance(spec, dict) or set(spec) - {"low", "high"}:
            raise ExperimentError(f, f"parameters.{key}", spec, "a table of low and high alone")
        out[key] = {**spec, "group": "parameters"}
    if table is not None:
        try:
            out = expand_groups(f, table, out, base)
        except ExperimentError as exc:  # name the section as the robust file spells it
            raise ExperimentError(f, (exc.key or "").replace("groups", "uncertainty", 1) or None, exc.value,
                                  exc.allowed.replace("[groups.NAME]", "[uncertainty.NAME]")) from None
    for key in out:
        p = PARAM_BY_KEY.get(key)
        if p is not None and p.lever is not None:
            raise ExperimentError(f, f"parameters.{key}", out[key], "a parameter that is not a policy lever "
                                  "(levers are what the policies set; the uncertainty space is what they cannot)")
    return out


def latin_hypercube(bounds, n: int, seed: int) -> np.ndarray:
    """`n` futures × len(bounds) values: one point in each of n equal strata of every parameter's
    range (scipy's LatinHypercube, seeded from the experiment seed); integer parameters rounded."""
    unit = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed)).random(n)
    X = np.array([b.low for b in bounds]) + unit * np.array([b.high - b.low for b in bounds])
    for j, b in enumerate(bounds):
        if b.integer:
            X[:, j] = np.round(X[:, j])
    return X


def future_values(bounds, row: np.ndarray) -> dict[str, Any]:
    """One future as parameter overrides (integer parameters as ints)."""
    return {b.key: int(v) if b.integer else float(v) for b, v in zip(bounds, row)}


def range_rows(bounds, base) -> list[tuple[str, str, Any, float, float, bool]]:
    """(group, key, base value, low, high, marked an assumption in the table) per dimension."""
    return [(b.group or "", b.key, base[b.key], b.low, b.high, is_assumption(PARAM_BY_KEY[b.key]))
            for b in bounds]
