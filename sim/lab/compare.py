"""Scenario comparison with common random numbers: paired differences, CIs, Holm, effect sizes.

Replication i of every scenario runs with the same seed, so scenarios face the same needs and
differences are paired. For each outcome: the mean and 95% CI per scenario (t distribution),
and for each scenario after the first its paired difference from the first with a 95% CI, a
paired t-test p-value corrected for multiple comparisons (Holm), and Cohen's d_z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np
from scipy import stats

from ..scenario import Scenario
from .tasks import SERIES_COLUMNS

KEY_OUTCOMES = ("response_time_h.mean", "response_time_h.p90", "resolution_time_h.mean", "rates.on_time",
                "rates.solved", "ratings.satisfaction_rate", "satisfaction.latent_mean",
                "satisfaction.elderly_gap", "workload.grid_worker.utilisation", "cost.staff_cny")


# The sequential stopping rule uses the outcomes whose mean is well away from zero; a relative
# half-width means nothing for a gap that may be zero (satisfaction.elderly_gap).
STOPPING_OUTCOMES = ("response_time_h.mean", "resolution_time_h.mean", "rates.on_time", "rates.solved",
                     "ratings.satisfaction_rate", "satisfaction.latent_mean", "workload.grid_worker.utilisation")


def replication_seeds(seed: int, reps: int) -> list[int]:
    """Independent seeds for replications 0..reps-1, from one root SeedSequence."""
    children = np.random.SeedSequence(seed).spawn(reps)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (NaN stays NaN)."""
    p = np.array(pvalues, dtype=float)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.full(len(p), math.nan)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()



@dataclass
class Comparison:
    scenarios: list[str]                  # names; the first is the reference
    seeds: list[int]                      # replication seeds, shared by every scenario
    outcomes: list[str]                   # summary keys, the columns of `values`
    values: dict[str, np.ndarray]         # scenario -> (reps, outcomes)
    rows: list[dict[str, Any]]            # one per (outcome, scenario): the comparison.csv rows
    # scenario -> column -> (reps, days); empty when the runs recorded no detail
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    # scenario -> (reps, len(QUANTILE_PROBS)) response-time quantiles in hours
    rt_quantiles: dict[str, np.ndarray] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)     # scenario -> its description
    descriptions_zh: dict[str, str] = field(default_factory=dict)  # scenario -> 中文说明 (if any)
    days: dict[str, float] = field(default_factory=dict)           # scenario -> simulated days (sim.days)
    annualised: tuple[str, ...] = ()  # outcomes turned into amounts per year by per_year()
    # scenario -> by_type.TYPE.MEASURE -> (reps,): outcomes by community type, when the runs recorded detail
    by_type: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


# Outcomes that are totals over the whole simulated run (outcomes._workforce: the cost of the staff
# for `model.time` days, warm-up included) and that reports show per year.
PER_YEAR = ("cost.staff_cny", "cost.overtime_cny")


def per_year(result: Comparison) -> Comparison:
    """The comparison with its run totals (PER_YEAR) annualised, replication by replication:
    × 365 / the scenario's simulated days, then means, CIs and paired differences recomputed (when
    every scenario ran the same days this only rescales them; p-values are unchanged). A result
    without recorded days, or annualised already, comes back as it is."""
    keys = tuple(k for k in PER_YEAR if k in result.outcomes)
    if result.annualised or not keys or any(result.days.get(n, 0) <= 0 for n in result.scenarios):
        return result
    values = {}
    for n, v in result.values.items():
        v = np.array(v, dtype=float, copy=True)
        for k in keys:
            v[:, result.outcomes.index(k)] *= 365.0 / result.days[n]
        values[n] = v
    return replace(result, values=values, rows=_rows(result.scenarios, result.outcomes, values), annualised=keys)


def per_year_sweep(sweep: dict) -> dict:
    """A sweep (the dict study._sweep builds) with its run totals (PER_YEAR) annualised: × 365 /
    the simulated days of each grid point (`sweep["days"]`: one number, or one per point). A sweep
    without days, or annualised already, comes back as it is."""
    keys = tuple(k for k in PER_YEAR if k in sweep["outcomes"])
    if sweep.get("annualised") or not keys or sweep.get("days") is None:
        return sweep
    shape = tuple(len(a) for a in sweep["axes"])
    days = np.broadcast_to(np.asarray(sweep["days"], dtype=float), shape)
    if not (days > 0).all():
        return sweep
    out = dict(sweep, annualised=keys, days_by_point=dict(enumerate(days.ravel().tolist())))
    cols = [list(sweep["outcomes"]).index(k) for k in keys]
    for name in ("mean", "ci_low", "ci_high"):
        arr = np.array(sweep[name], dtype=float).reshape(shape + (len(sweep["outcomes"]),))
        arr[..., cols] *= (365.0 / days)[..., None]
        out[name] = arr
    return out


def compare(scenarios: Sequence[Scenario], reps: int, seed: int, executor, outcomes=KEY_OUTCOMES,
            precision: float | None = None, max_reps: int = 200, *, ledger=None, progress: bool = False,
            detail: bool = False, on_specs=None) -> Comparison:
    """Run `reps` paired replications of every scenario; with `precision` H, keep adding
    replications (in batches of `reps`, up to `max_reps`) until the 95% CI half-width of every
    outcome in STOPPING_OUTCOMES is within H × |mean| for every scenario — a sequential stopping
    rule; the result says how many replications were reached.

    Runs go through the ledger (an in-memory one if none is given), so a resumed comparison
    reads finished runs back; `detail` also records daily series and response-time quantiles;
    `on_specs(specs)` is told each round's runs (the study lists them in runs.csv)."""
    from .engine import RunsFailed, execute
    from .ledger import Ledger
    from .tasks import RunSpec

    names = [s.name for s in scenarios]
    raw = [s.to_dict() for s in scenarios]
    outcomes = list(outcomes)
    ledger = ledger or Ledger(":memory:", "compare")
    target = reps
    while True:
        seeds = replication_seeds(seed, target)  # prefix-stable: earlier replications keep their seeds
        specs = {(name, r): RunSpec(raw[i], seeds[r], tuple(outcomes), detail, f"{name} rep {r}",
                                    {"scenario": name, "rep": r})
                 for i, name in enumerate(names) for r in range(target)}
        if on_specs:
            on_specs(list(specs.values()))
        results = execute(list(specs.values()), ledger, executor, progress=progress, desc="compare")
        if results.failed():
            raise RunsFailed(results, list(specs.values()))
        values = {name: np.array([[results.outcome(specs[name, r], k) for k in outcomes] for r in range(target)],
                                 dtype=float).reshape(target, len(outcomes)) for name in names}
        watched = [j for j, k in enumerate(outcomes) if k in STOPPING_OUTCOMES] or list(range(len(outcomes)))
        if precision is None or target >= max_reps or precise_enough(
                {n: v[:, watched] for n, v in values.items()}, precision):
            break
        target = min(max_reps, target + reps)
    result = Comparison(names, seeds, outcomes, values, _rows(names, outcomes, values),
                        descriptions={s.name: s.description for s in scenarios},
                        descriptions_zh={s.name: s.description_zh for s in scenarios if s.description_zh},
                        days={s.name: float(s["sim.days"]) for s in scenarios})
    if detail:
        for name in names:
            recs = [results.records[specs[name, r].run_id]["detail"] for r in range(target)]
            result.series[name] = {c: np.array([d["series"][c] for d in recs], dtype=float) for c in SERIES_COLUMNS}
            result.rt_quantiles[name] = np.array([d["rt_quantiles"] for d in recs], dtype=float)
            keys = sorted(set.intersection(*(set(d.get("by_type", {})) for d in recs))) if recs else []
            result.by_type[name] = {k: np.array([d["by_type"][k] for d in recs], dtype=float) for k in keys}
    return result


def precise_enough(values: dict[str, np.ndarray], precision: float) -> bool:
    """Every outcome's 95% CI half-width is within `precision` × |mean| (outcomes with a zero or
    undefined mean need a half-width within `precision` in absolute terms)."""
    for data in values.values():
        for j in range(data.shape[1]):
            m, lo, hi = mean_ci(data[:, j])
            if math.isnan(m):
                continue
            if math.isnan(lo) or (hi - lo) / 2 > precision * (abs(m) if m else 1.0):
                return False
    return True


def _rows(names: list[str], outcomes: list[str], values: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    rows = []
    base = values[names[0]]
    for j, key in enumerate(outcomes):
        for name in names:
            m, lo, hi = mean_ci(values[name][:, j])
            row = {"scenario": name, "outcome": key, "mean": m, "ci_low": lo, "ci_high": hi,
                   "diff": math.nan, "diff_ci_low": math.nan, "diff_ci_high": math.nan, "p_value": math.nan,
                   "effect_size_dz": math.nan}
            if name != names[0]:
                d = values[name][:, j] - base[:, j]
                d = d[~np.isnan(d)]
                row["diff"], row["diff_ci_low"], row["diff_ci_high"] = mean_ci(d)
                if len(d) > 1 and d.std(ddof=1) > 0:
                    row["p_value"] = float(stats.ttest_1samp(d, 0.0).pvalue)
                    row["effect_size_dz"] = float(d.mean() / d.std(ddof=1))
                elif len(d) > 1:  # identical in every replication
                    row["p_value"] = 1.0 if d.mean() == 0 else 0.0
            rows.append(row)
    adjusted = holm([r["p_value"] for r in rows])
    for r, p in zip(rows, adjusted):
        r["p_holm"] = p
    return rows


# Means with 95% CIs per scenario and paired differences from the first (CIs, p-values, Holm), one row
# per (outcome, scenario), for other designs that pair replications by seed (sim/lab/optimise_study.py).
paired_rows = _rows
