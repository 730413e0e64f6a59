"""The optimise design's definition and its pure logic (no runs, no files).

    design = "optimise"
    scenario = "../scenarios/workshop.toml"
    seed = 7
    reps = 3                                   # the CRN seeds every candidate shares
    [levers."grid.households_per_grid"]        # a decision variable: low/high (integers for an
    low = 150                                  # integer parameter; log = true for a log scale) ...
    high = 600
    [levers."policy.smart_dispatch"]           # ... or values = [...] (categorical, boolean, string)
    values = [0.0, 0.5, 1.0]
    [objectives]                               # one or several summary keys
    "response_time_h.mean" = "minimise"        # minimise | maximise
    [constraints]                              # optional: bounds on the candidates' means
    "cost.total_cny_per_year" = { at_most = 2.0e6 }
    [optimise]
    trials = 60                                # candidates evaluated in the search
    batch = 4                                  # candidates asked per round (run in parallel)
    sampler = "tpe"                            # tpe (default for one objective) | nsga2 (default for several)
    reevaluate_top = 3                         # the best (or Pareto) candidates re-evaluated ...
    reevaluate_reps = 10                       # ... with this many fresh seeds

Validation errors are ExperimentError (file, key, value, what is allowed; exit status 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..params import PARAM_BY_KEY
from ..scenario import Scenario, ScenarioError

COST_KEY = "cost.total_cny_per_year"   # the budget measure: every lever's declared cost a year (sim/costs.py)
DIRECTIONS = ("minimise", "maximise")
SAMPLERS = ("tpe", "nsga2")
OPTIMISE_KEYS = {"trials", "batch", "sampler", "reevaluate_top", "reevaluate_reps"}
MAX_LEVERS = 40          # beyond this a few hundred trials cannot search the space
MAX_VALUES = 1_000       # categorical values of one lever
MAX_OBJECTIVES = 4       # a Pareto front of more objectives is too sparse to read or to search
MAX_TRIALS = 10_000
MAX_BATCH = 256          # candidates asked before any is told: beyond this the search is random sampling
MAX_TOP = 20             # portfolios re-evaluated (and compared pairwise in the report)
MAX_REEVAL_REPS = 1_000
BOUND_SHARE = 0.05       # a lever within 5% of its range from a bound is reported as pushed to it


@dataclass(frozen=True)
class Lever:
    """A decision variable: a numeric range (integer for an integer parameter) or a list of values."""
    key: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    log: bool = False
    values: tuple[Any, ...] | None = None

    def spec(self) -> dict[str, Any]:
        if self.values is not None:
            return {"values": list(self.values)}
        return {"low": self.low, "high": self.high, **({"log": True} if self.log else {})}


@dataclass(frozen=True)
class Constraint:
    key: str
    kind: str        # "at_most" | "at_least"
    limit: float

    def violation(self, value: float) -> float:
        """optuna's convention: <= 0 is feasible; an undefined value (NaN) is infeasible."""
        if math.isnan(value):
            return math.inf
        return value - self.limit if self.kind == "at_most" else self.limit - value


# ------------------------------------------------------------------ validation
def parse(f: str, raw: Mapping, base: Scenario, known: frozenset[str]) -> dict[str, Any]:
    """The optimise design's tables: levers, objectives, constraints and the [optimise] options."""
    from .experiment import ExperimentError
    for key in ("parameters", "groups", "targets"):
        if key in raw:
            raise ExperimentError(f, key, raw[key], "an optimise design varies [levers.\"KEY\"], not [parameters]")
    levers = _levers(f, raw.get("levers"), base)
    objectives = _objectives(f, raw.get("objectives"), known)
    constraints = _constraints(f, raw.get("constraints", {}), known)
    return {"levers": levers, "objectives": objectives, "constraints": constraints,
            "options": _options(f, raw.get("optimise", {}), len(objectives))}


def _levers(f: str, table: Any, base: Scenario) -> tuple[Lever, ...]:
    from .experiment import ExperimentError
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "levers", table, "one or more [levers.\"KEY\"] tables: low and high, or values = [...]")
    if len(table) > MAX_LEVERS:
        raise ExperimentError(f, "levers", f"{len(table)} levers", f"at most {MAX_LEVERS} levers")
    out = []
    for key, spec in table.items():
        where = f"levers.{key}"
        p = PARAM_BY_KEY.get(key)
        if p is None:
            from ..scenario import unknown_key_hint
            raise ExperimentError(f, where, spec, unknown_key_hint(key))
        if not isinstance(spec, dict):
            raise ExperimentError(f, where, spec, "a table: low and high (numbers), or values = [...]")
        lever = _categorical(f, where, p, spec) if "values" in spec else _range(f, where, p, spec)
        _check_buildable(f, where, lever, base)
        out.append(lever)
    return tuple(out)


def _range(f: str, where: str, p, spec: Mapping) -> Lever:
    from .experiment import ExperimentError, number
    if p.kind not in (int, float):
        raise ExperimentError(f, where, spec, f"values = [...] ({p.key} is not a number: {p.allowed()})")
    extra = set(spec) - {"low", "high", "log"}
    if extra or "low" not in spec or "high" not in spec:
        key = sorted(extra)[0] if extra else None
        raise ExperimentError(f, f"{where}.{key}" if key else where, spec[key] if key else spec,
                              "low and high (and optionally log = true), or values = [...] alone")
    low, high = (number(f, f"{where}.{k}", spec[k]) for k in ("low", "high"))
    if p.kind is int and not (low.is_integer() and high.is_integer()):
        raise ExperimentError(f, where, [spec["low"], spec["high"]], f"whole numbers ({p.key} is an integer)")
    if not low < high:
        raise ExperimentError(f, where, [spec["low"], spec["high"]], "low < high (the bounds are reversed or equal)")
    if low < p.low or high > p.high:
        raise ExperimentError(f, where, [spec["low"], spec["high"]], f"bounds within the parameter's range ({p.allowed()})")
    log = spec.get("log", False)
    if not isinstance(log, bool) or (log and low <= 0):
        raise ExperimentError(f, f"{where}.log", log, "true or false; true needs positive bounds")
    if p.kind is int:
        return Lever(p.key, int(low), int(high), integer=True, log=log)
    return Lever(p.key, low, high, log=log)


def _categorical(f: str, where: str, p, spec: Mapping) -> Lever:
    from .experiment import ExperimentError, number
    values = spec["values"]
    if set(spec) != {"values"} or not isinstance(values, list) or not values:
        raise ExperimentError(f, where, spec, "values = [a non-empty list] alone")
    if len(values) > MAX_VALUES:
        raise ExperimentError(f, where, f"{len(values):,} values", f"at most {MAX_VALUES:,} values")
    numeric = p.kind in (int, float)
    for v in values:
        if numeric:
            number(f, f"{where}.values", v, f"finite numbers ({p.key} is a number: {p.allowed()})")
            if p.kind is int and not float(v).is_integer():
                raise ExperimentError(f, f"{where}.values", v, f"whole numbers ({p.key} is an integer)")
        elif not isinstance(v, p.kind):
            raise ExperimentError(f, f"{where}.values", v, p.allowed())
    if p.kind is int:
        values = [int(v) for v in values]
    if len(set(map(repr, values))) != len(values):
        raise ExperimentError(f, f"{where}.values", values, "distinct values")
    return Lever(p.key, values=tuple(values))


def _check_buildable(f: str, where: str, lever: Lever, base: Scenario) -> None:
    """Each value (each bound of a range) alone must make a valid scenario, so that a file's typo
    fails now, not after the search started (combinations that break a rule between values are
    told to the sampler as failed candidates)."""
    from .experiment import ExperimentError
    for v in lever.values if lever.values is not None else (lever.low, lever.high):
        try:
            base.with_values({lever.key: v}, origin=f)
        except ScenarioError as exc:
            raise ExperimentError(f, where, v, exc.allowed) from None


def _objectives(f: str, table: Any, known: frozenset[str]) -> tuple[tuple[str, str], ...]:
    from .experiment import ExperimentError
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "objectives", table, "a table of summary key = \"minimise\" or \"maximise\"")
    if len(table) > MAX_OBJECTIVES:
        raise ExperimentError(f, "objectives", list(table), f"at most {MAX_OBJECTIVES} objectives")
    for key, direction in table.items():
        if key not in known:
            raise ExperimentError(f, f"objectives.{key}", direction, "a summary key (see a run's summary.json)")
        if direction not in DIRECTIONS:
            raise ExperimentError(f, f"objectives.{key}", direction, "\"minimise\" or \"maximise\"")
    return tuple(table.items())


def _constraints(f: str, table: Any, known: frozenset[str]) -> tuple[Constraint, ...]:
    from .experiment import ExperimentError, number
    if not isinstance(table, dict):
        raise ExperimentError(f, "constraints", table, "a table of summary key = { at_most = X } or { at_least = X }")
    out = []
    for key, spec in table.items():
        where = f"constraints.{key}"
        if key not in known:
            raise ExperimentError(f, where, spec, "a summary key (see a run's summary.json)")
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in ("at_most", "at_least"):
            raise ExperimentError(f, where, spec, "{ at_most = NUMBER } or { at_least = NUMBER }")
        kind, limit = next(iter(spec.items()))
        out.append(Constraint(key, kind, number(f, f"{where}.{kind}", limit)))
    return tuple(out)


def _options(f: str, table: Any, n_objectives: int) -> dict[str, Any]:
    from .experiment import ExperimentError, integer
    if not isinstance(table, dict):
        raise ExperimentError(f, "optimise", table, "a table")
    for key in table:
        if key not in OPTIMISE_KEYS:
            raise ExperimentError(f, f"optimise.{key}", table[key], f"allowed keys: {', '.join(sorted(OPTIMISE_KEYS))}")
    o = {"trials": integer(f, "optimise.trials", table.get("trials", 40), 1, MAX_TRIALS),
         "batch": integer(f, "optimise.batch", table.get("batch", 4), 1, MAX_BATCH),
         "sampler": table.get("sampler", "tpe" if n_objectives == 1 else "nsga2"),
         "reevaluate_top": integer(f, "optimise.reevaluate_top", table.get("reevaluate_top", 3), 0, MAX_TOP),
         "reevaluate_reps": integer(f, "optimise.reevaluate_reps", table.get("reevaluate_reps", 10), 2, MAX_REEVAL_REPS)}
    if o["sampler"] not in SAMPLERS:
        raise ExperimentError(f, "optimise.sampler", o["sampler"], "\"tpe\" or \"nsga2\"")
    if o["sampler"] == "nsga2" and o["batch"] < 2:
        raise ExperimentError(f, "optimise.batch", o["batch"], "at least 2 with nsga2 (a round is one generation)")
    return o


def recorded_outcomes(objectives, constraints, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """What every run records: the objectives, the constrained outcomes, the cost a year (the
    marginal value of budget needs it), then any outcomes the file lists."""
    return tuple(dict.fromkeys([k for k, _ in objectives] + [c.key for c in constraints] + [COST_KEY, *extra]))


# ------------------------------------------------------------------ analysis
def pareto_mask(points: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Rows of `points` (candidates × objectives) that no other row dominates."""
    sign = np.array([1.0 if d == "minimise" else -1.0 for d in directions])
    x = points * sign  # all minimised
    keep = np.ones(len(x), dtype=bool)
    for i in range(len(x)):
        better_eq = (x <= x[i]).all(axis=1)
        strictly = (x < x[i]).any(axis=1)
        keep[i] = not (better_eq & strictly).any()
    return keep


def spread_pick(order: Sequence[int], k: int) -> list[int]:
    """k members of `order` evenly spaced along it (both ends kept): a Pareto set capped at k that
    still spans the front."""
    if len(order) <= k:
        return list(order)
    idx = np.unique(np.round(np.linspace(0, len(order) - 1, k)).astype(int))
    return [order[i] for i in idx]


def at_bounds(lever: Lever, values: Sequence[Any]) -> str:
    """"low", "high", "low and high" when the portfolios sit within BOUND_SHARE of a bound; "" else.
    Categorical levers: "" (they have no bounds; the report lists the values chosen)."""
    if lever.values is not None or not values:
        return ""
    span = lever.high - lever.low
    lows = [v for v in values if v <= lever.low + BOUND_SHARE * span]
    highs = [v for v in values if v >= lever.high - BOUND_SHARE * span]
    if len(lows) == len(values):
        return "low"
    if len(highs) == len(values):
        return "high"
    return "low and high" if lows and highs and len(lows) + len(highs) == len(values) else ""


@dataclass(frozen=True)
class BudgetValue:
    frontier: list[tuple[float, float]]   # (cost, best objective attainable at up to that cost): its steps
    budget: float                         # where the slope is read: the cost limit, or the best's cost
    slope_per_million: float              # objective change per extra 1M CNY a year (NaN: too few points)
    points: int                           # frontier steps within the window
    window: tuple[float, float]           # the cost window around the budget
    top_cost: float = math.nan            # the costliest candidate: the frontier is flat from its last step to here


SLOPE_SAMPLES = 41  # points at which the step frontier is read across the window for the slope


def budget_value(costs: np.ndarray, objective: np.ndarray, direction: str, budget: float,
                 window: float = 0.25) -> BudgetValue:
    """The best objective attainable as a function of the budget (best so far over candidates
    sorted by cost: a step frontier), and its slope near `budget`: a least-squares line through the
    step function read at evenly spaced costs within ±`window` × budget (and within the costs the
    candidates span), so that a stretch where more money found nothing better counts as flat. In
    objective units per extra 1M CNY a year; NaN with fewer than two steps in the window.
    Candidates are those feasible under every constraint but the budget."""
    ok = np.isfinite(costs) & np.isfinite(objective)
    order = np.argsort(costs[ok], kind="stable")
    c, y = costs[ok][order], objective[ok][order]
    better = np.less if direction == "minimise" else np.greater
    frontier: list[tuple[float, float]] = []
    for ci, yi in zip(c, y):
        if not frontier or better(yi, frontier[-1][1]):
            frontier.append((float(ci), float(yi)))
    lo, hi = budget * (1 - window), budget * (1 + window)
    near = [(ci, yi) for ci, yi in frontier if lo <= ci <= hi]
    slope = math.nan
    if len({ci for ci, _ in near}) >= 2:
        steps_c, steps_y = np.array(frontier).T
        xs = np.linspace(max(lo, steps_c[0]), min(hi, c[-1]), SLOPE_SAMPLES)
        ys = steps_y[np.searchsorted(steps_c, xs, side="right") - 1]
        slope = float(np.polyfit(xs / 1e6, ys, 1)[0])
    return BudgetValue(frontier, float(budget), slope, len(near), (lo, hi), float(c[-1]) if len(c) else math.nan)


def toml_value(v: Any) -> str:
    """A lever value as TOML: true/false, a quoted string, an integer, a float that reads back equal."""
    import json
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON's escapes are TOML basic-string escapes
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    text = repr(float(v))
    return text if any(ch in text for ch in ".en") else text + ".0"
