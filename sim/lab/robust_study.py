"""Robustness over deep uncertainty: named policies in every sampled future, with common random
numbers (design = "robust").

The uncertainty space (sim/lab/uncertainty.py) is sampled by a Latin hypercube of `futures`
points; every policy runs in every future with the same replication seeds, so policies differ by
their levers alone and futures by their sampled values alone. Per outcome and policy, the
replications are averaged; then, per future:
- regret: how far a policy falls behind the best policy of that future (per outcome, in the
  direction that is better), summarised as its maximum and 90th percentile over futures;
- satisficing: whether a policy meets every threshold; the share of futures in which it does,
  with a Wilson 95% interval (the futures are a sample of the space);
- worst decile: the mean of the policy's worst 10% of futures (at least one).
A policy that fails its thresholds in at least DISCOVER_SHARE of the futures gets a scenario
discovery (sim/lab/discovery.py) of where it fails.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import stats

from ..scenario import ScenarioError
from .compare import mean_ci, replication_seeds
from .tasks import RunSpec

DISCOVER_SHARE = 0.10  # a policy failing this often gets a discovery of its failing futures
WORST_SHARE = 0.10     # the worst decile


# ------------------------------------------------------------------ pure analysis
def regret(values: np.ndarray, direction: str) -> np.ndarray:
    """policies × futures regret: the best policy's value in the future minus this one's (for
    "max"; the reverse for "min"). Never negative; zero for the best; NaN where undefined."""
    values = np.asarray(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a future where every policy is undefined: no best
        best = np.nanmax(values, axis=0) if direction == "max" else np.nanmin(values, axis=0)
    return best[None, :] - values if direction == "max" else values - best[None, :]


def meets(values: Mapping[str, np.ndarray], limits: Mapping[str, Mapping[str, float]]) -> np.ndarray:
    """policies × futures: True where every threshold is met (an undefined outcome, NaN, is not)."""
    ok = None
    for outcome, spec in limits.items():
        kind, bound = next(iter(spec.items()))
        v = np.asarray(values[outcome], dtype=float)
        with np.errstate(invalid="ignore"):
            this = (v >= bound) if kind == "at_least" else (v <= bound)
        ok = this if ok is None else ok & this
    return ok


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial share (well-behaved at 0 and 1, unlike the normal one)."""
    if n == 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))  # rounding must not exclude p


def satisficing(ok: np.ndarray) -> list[tuple[float, float, float]]:
    """Per policy: (share of futures meeting every threshold, Wilson 95% low, high)."""
    n = ok.shape[1]
    return [(float(row.sum()) / n, *wilson(int(row.sum()), n)) for row in ok]


def worst_decile(values: np.ndarray, direction: str, share: float = WORST_SHARE) -> np.ndarray:
    """Per policy: the mean of its worst ceil(share × futures) defined futures."""
    out = []
    for row in np.asarray(values, dtype=float):
        row = row[~np.isnan(row)]
        if not len(row):
            out.append(math.nan)
            continue
        k = max(1, math.ceil(share * len(row)))
        ordered = np.sort(row) if direction == "max" else -np.sort(-row)
        out.append(float(ordered[:k].mean()))
    return np.array(out)


def robustness_rows(names: Sequence[str], values: Mapping[str, np.ndarray], objectives: Mapping[str, str],
                    limits: Mapping[str, Mapping[str, float]]) -> list[list[Any]]:
    """robustness.csv: policy, measure, outcome, value, ci_low, ci_high."""
    rows = []
    for i, (share, lo, hi) in enumerate(satisficing(meets(values, limits))):
        rows.append([names[i], "satisficing", "all thresholds", share, lo, hi])
    for outcome, way in objectives.items():
        r = regret(values[outcome], way)
        worst = worst_decile(values[outcome], way)
        for i, name in enumerate(names):
            defined = r[i][~np.isnan(r[i])]
            big, p90 = ((float(defined.max()), float(np.quantile(defined, 0.9))) if len(defined)
                        else (math.nan, math.nan))
            mean, low, high = mean_ci(np.asarray(values[outcome][i], dtype=float))
            rows += [[name, "max_regret", outcome, big, math.nan, math.nan],
                     [name, "p90_regret", outcome, p90, math.nan, math.nan],
                     [name, "worst_decile", outcome, float(worst[i]), math.nan, math.nan],
                     [name, "mean_over_futures", outcome, mean, low, high]]
    return rows


# ------------------------------------------------------------------ runs
def future_specs(exp) -> tuple[np.ndarray, dict[tuple[str, int, int], RunSpec]]:
    """The futures (a Latin hypercube of the space) and one run per (policy, future, replication),
    every policy and future with the same replication seeds."""
    from .experiment import ExperimentError
    from .policies import policy_scenario
    from .uncertainty import future_values, latin_hypercube
    o = exp.options
    X = latin_hypercube(exp.bounds, o["futures"], exp.seed)
    seeds = replication_seeds(exp.seed, exp.reps)
    specs = {}
    for name, overrides in o["policies"].items():
        for i, row in enumerate(X):
            values = future_values(exp.bounds, row)
            try:
                scenario = policy_scenario(exp.base, {**overrides, **values}, exp.file).to_dict()
            except ScenarioError as exc:  # a rule between values that a sampled future breaks
                raise ExperimentError(exp.file, exc.key, exc.value, f"{exc.allowed} (policy {name!r} in future {i}: "
                                      "narrow the uncertainty ranges)") from None
            scenario["name"] = name
            for r, seed in enumerate(seeds):
                specs[name, i, r] = RunSpec(scenario, seed, exp.outcomes, label=f"{name} future {i} rep {r}",
                                            params={"policy": name, "future": i, "rep": r})
    return X, specs


def outcome_table(exp, specs, results, n_futures: int) -> tuple[dict[str, np.ndarray], list[list[Any]]]:
    """outcome -> policies × futures means over replications; and the outcomes.csv rows."""
    names = list(exp.options["policies"])
    means = {o: np.full((len(names), n_futures), math.nan) for o in exp.outcomes}
    rows = []
    for p, name in enumerate(names):
        for i in range(n_futures):
            for outcome in exp.outcomes:
                x = np.array([results.outcome(specs[name, i, r], outcome) for r in range(exp.reps)])
                m, lo, hi = mean_ci(x)
                means[outcome][p, i] = m
                rows.append([name, i, outcome, m, lo, hi, int(np.isfinite(x).sum())])
    return means, rows


def run_robust(study) -> None:
    exp = study.exp
    X, specs = future_specs(exp)
    results = study.execute(list(specs.values()), "robust")
    names = list(exp.options["policies"])
    keys = [b.key for b in exp.bounds]
    study.csv("futures.csv", ["future", *keys], ([i, *row] for i, row in enumerate(X)))
    values, rows = outcome_table(exp, specs, results, len(X))
    study.csv("outcomes.csv", ["policy", "future", "outcome", "mean", "ci_low", "ci_high", "reps"], rows)
    table = robustness_rows(names, values, exp.options["objectives"], exp.options["thresholds"])
    study.csv("robustness.csv", ["policy", "measure", "outcome", "value", "ci_low", "ci_high"], table)
    ok = meets(values, exp.options["thresholds"])
    discoveries = failure_discoveries(exp, X, names, ok)
    study.facts["satisficing"] = {n: s for n, (s, _, _) in zip(names, satisficing(ok))}
    from .robust_report import robust_figures, robust_report
    figures = robust_figures(exp, names, values, ok, study.out / "figures", study.lang)
    found = {name: discovery_outputs(study, d, f"discovery_{name}") for name, d in discoveries.items()}
    study.csv("discovery_boxes.csv", BOX_HEADER, [r for name, d in discoveries.items() for r in box_rows(name, d)])
    study.files += [f"figures/{p.name}" for p in figures.values()]
    study.write("report.md", robust_report(exp, names, values, ok, table, found, study.lang))


def failure_discoveries(exp, X: np.ndarray, names: Sequence[str], ok: np.ndarray) -> dict[str, Any]:
    """A scenario discovery for each policy that fails in DISCOVER_SHARE of the futures or more
    (and not in all: then there is no region to tell apart)."""
    from .discovery import discover
    out = {}
    for p, name in enumerate(names):
        fails = ~ok[p]
        if DISCOVER_SHARE <= fails.mean() < 1:
            out[name] = discover(X, [b.key for b in exp.bounds], fails, method="prim", seed=exp.seed)
    return out


BOX_HEADER = ["policy", "box", "coverage", "density", "mass", "n", "dimension", "low", "high", "stability"]


def discovery_outputs(study, d, stem: str) -> tuple[Any, dict[str, Path]]:
    """A discovery's figures under figures/, as paths relative to the report."""
    from .discovery import discovery_figures
    figures = discovery_figures(d, study.out / "figures", study.lang, stem)
    study.files += [f"figures/{Path(p).name}" for p in figures.values()]
    return d, {k: Path("figures") / Path(p).name for k, p in figures.items()}


def box_rows(policy: str, d) -> list[list[Any]]:
    """discovery_boxes.csv: one row per box and restricted dimension (a box restricting none: one row)."""
    rows = []
    for j, box in enumerate(d.boxes):
        head = [policy, j + 1, box.coverage, box.density, box.mass, box.n]
        limits = box.limits.items() or [("", ("", ""))]
        rows += [[*head, k, lo, hi, box.stability.get(k, "")] for k, (lo, hi) in limits]
    return rows
