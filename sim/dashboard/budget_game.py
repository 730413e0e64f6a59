"""The budget game for workshops: players choose lever settings under a yearly budget, each runs a
year with the same seed, the room compares outcomes against cost, and the reveal says which choice
was best within the budget and why.

Every run takes the path of an experiment's run (`sim.lab.tasks.run_record`, which the dashboard
may not import): the memory check, `sim.runner.run` of the resolved scenario with the seed, and the
recorded summary keys (`cost.*` included) with the outcomes by community type. A run is named by a
content hash of the resolved scenario and the seed, so two players with the same levers share one
run, and the reveal's one-at-a-time swaps reuse what was already run. All runs use the game's seed (common random numbers: the same
residents and needs at the same moments), so what differs between entries is what the levers did.
With `replications` > 1 each entry is the mean over seeds seed, seed + 1, …, with a 95% interval.

The budget constrains `cost.total_cny_per_year` (ODD §7.40). Part of it follows from the levers
alone (`FIXED_COMPONENTS`: wages, grid heads, devolution funds, platform, sensors, training,
recognition, legal advisers and conventions), read off the model as built, before any day is run;
the rest (overtime, supervision, duty, volunteer points, meetings, mediators, patrols) is known only
after the run. When grids are never re-partitioned the fixed part is a lower bound of the total, so
an entry whose fixed part is over the budget is over budget for sure before it runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import __version__, costs, memory
from ..labels import label, name as outcome_name
from ..model import GovernanceModel
from ..params import ASSUMPTION, PARAM_BY_KEY
from ..runner import no_cyclic_gc, run
from ..scenario import Scenario, ScenarioError, load
from . import i18n
from .session import ROOT, LeverControl, controls_for

ORIGIN = "budget game"
COST_KEY = "cost.total_cny_per_year"
# Objectives a game may rank by, each with its direction.
OBJECTIVES: dict[str, str] = {"response_time_h.mean": "minimise", "response_time_h.p90": "minimise",
                              "ratings.satisfaction_rate": "maximise", "satisfaction.latent_mean": "maximise",
                              "satisfaction.elderly_gap": "minimise", "equity.response_gap_elderly_h": "minimise"}
# Reported for every entry whatever the objective: first response, satisfaction, the elderly gap.
REPORTED = ("response_time_h.mean", "ratings.satisfaction_rate", "satisfaction.elderly_gap")
# Who is left behind: elderly and offline residents' response against everyone's.
GROUP_KEYS = ("response_time_h.by_age.elderly.mean",)
RECORDED = tuple(dict.fromkeys([*OBJECTIVES, *REPORTED, *GROUP_KEYS, COST_KEY,
                                *(f"cost.{c}_cny_per_year" for c in costs.COMPONENTS)]))
# A response-time excess below this is not called a gap (h).
GAP_MIN_H = 0.5
FIXED_COMPONENTS = ("staff", "grid_heads", "devolution_funds", "platform", "sensors", "training", "recognition")


@dataclass(frozen=True)
class Entry:
    """One player's choice and what it gave. `changes` are the levers set differently from the
    baseline; `outcomes` the means over the seeds (NaN when not run); `per_seed` each seed's values;
    `ci` a (low, high) 95% interval per key with more than one seed; `cost` the total a year
    (the fixed part when not run); `over_budget` flagged entries cannot win."""

    player: str
    changes: dict[str, Any]
    outcomes: dict[str, float]
    per_seed: dict[str, tuple[float, ...]]
    ci: dict[str, tuple[float, float]]
    by_type: dict[str, float]
    cost: float
    fixed_cost: float
    over_budget: bool
    ran: bool
    order: int
    seeds: tuple[int, ...] = field(default=())

    def value(self, key: str) -> float:
        return self.outcomes.get(key, math.nan)


@dataclass(frozen=True)
class Quote:
    """The cost of a choice before it runs: `fixed` (known from the levers), `running` (the baseline's
    running costs, an estimate), `estimate` their sum; `over_for_sure` when the fixed part alone is
    over the budget and is a lower bound (`bound`)."""

    fixed: float
    running: float
    budget: float
    bound: bool

    @property
    def estimate(self) -> float:
        return self.fixed + self.running

    @property
    def over_for_sure(self) -> bool:
        return self.bound and self.fixed > self.budget

    @property
    def over_estimate(self) -> bool:
        return self.estimate > self.budget


@dataclass(frozen=True)
class SwapEffect:
    """One lever of the best choice applied alone to the baseline: the change in the objective and in
    cost (means over the seeds, with paired 95% intervals when there are several); NaN when the
    scenario rules refuse the lever on its own."""

    key: str
    baseline_value: Any
    best_value: Any
    effect: float
    cost_change: float
    effect_ci: tuple[float, float] = (math.nan, math.nan)
    valid: bool = True


@dataclass(frozen=True)
class Reveal:
    best: Entry | None
    baseline: Entry
    effects: list[SwapEffect]
    text: str


@dataclass(frozen=True)
class Table:
    """The room's table: `columns` (key, header) and `rows` (key -> text, with the entry under
    "entry"), baseline first, then players by rank (within budget first)."""

    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]


def _mean_ci(values: list[float], level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Mean and Student-t interval over the seeds (as the experiment reports' `compare.mean_ci`)."""
    from scipy import stats
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return (float(x.mean()) if len(x) else math.nan), (math.nan, math.nan)
    m = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, (m - half, m + half)


def run_outcomes(scenario: Scenario, seed: int) -> dict[str, Any]:
    """One run, recorded as an experiment records it: RECORDED summary keys (NaN when undefined)
    and the outcomes by community type (`by_type.*`)."""
    memory.check(scenario, hint="or use a smaller scenario")
    o = run(scenario, seed, case_table=False)
    return {"outcomes": {k: float(o.summary.get(k, math.nan)) for k in RECORDED},
            "by_type": {k: float(v) for k, v in o.summary.items() if k.startswith("by_type.")}}


def run_key(scenario: Scenario, seed: int) -> str:
    """Content hash of what determines a run: the resolved values, the need types and emergencies in
    order, the seed and the code version."""
    d = scenario.to_dict()
    order = [list(d.get("needs", {})), list(d.get("emergencies", {}))]   # the order decides the draws
    what = [__version__, d, seed, order]
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]


def is_assumption(key: str) -> bool:
    """The parameter table marks the price an assumption (as `sim.lab.uncertainty.is_assumption`)."""
    source = PARAM_BY_KEY[key].source
    return source == ASSUMPTION or "assumption" in source.lower()


class BudgetGame:
    """A budget game on one scenario. `budget_cny_per_year` None: the scenario's own
    `cost.total_cny_per_year` (its levers as they are, same seed and days) × `budget_factor`.
    `run_over_budget` False skips the run of an entry whose fixed costs alone exceed the budget
    (it is listed, flagged, without outcomes). Safe to call from several threads at once."""

    def __init__(self, scenario_path: str | Path | Scenario, budget_cny_per_year: float | None = None,
                 seed: int = 0, days: int = 365, objective: str = "response_time_h.mean", *,
                 budget_factor: float = 1.0, replications: int = 1, run_over_budget: bool = True):
        if objective not in OBJECTIVES:
            raise ScenarioError(ORIGIN, "objective", objective, "one of " + ", ".join(OBJECTIVES))
        _check_number("replications", replications, 1, 100, integer=True)
        _check_number("budget_factor", budget_factor, 0.0, 100.0)
        if budget_cny_per_year is not None:   # before the baseline's run: a typo fails at once
            _check_number("budget_cny_per_year", budget_cny_per_year, 0.0, math.inf)
        base = scenario_path if isinstance(scenario_path, Scenario) else load(_resolved(scenario_path))
        self.scenario = base.with_values({"sim.days": _check_number("days", days, 1, 3650, integer=True)},
                                         origin=ORIGIN)
        self.seed, self.days, self.objective = _check_number("seed", seed, 0, 2**63 - 1, integer=True), int(days), objective
        self.direction = OBJECTIVES[objective]
        self.seeds = tuple(self.seed + i for i in range(int(replications)))
        self.run_over_budget = bool(run_over_budget)
        self._controls = {c.key: c for _, group in controls_for(self.scenario) for c in group}
        self._lock = threading.Lock()
        self._runs: dict[str, dict[str, Any]] = {}
        self._fixed: dict[tuple, float] = {}
        self._entries: dict[str, Entry] = {}
        self._latest: dict[str, int] = {}
        self._ticket = 0
        self._reveal_cache: dict[tuple, list[SwapEffect]] = {}
        self.baseline = self._entry("baseline", {}, math.inf, 0)
        budget = self.baseline.cost * float(budget_factor) if budget_cny_per_year is None else budget_cny_per_year
        self.budget = _check_number("budget_cny_per_year", budget, 0.0, math.inf)
        self.baseline = _flagged(self.baseline, self.budget)

    # ---------------------------------------------------------------- levers
    def grouped_controls(self) -> list[tuple[str, list[LeverControl]]]:
        """The levers players may set, by heading: the dashboard's lever controls for this scenario."""
        return controls_for(self.scenario)

    def lever_options(self, key: str) -> tuple[str, ...]:
        return self._controls[key].options(self.scenario)

    def baseline_value(self, key: str) -> Any:
        return self.scenario[key]

    def validate(self, levers: Mapping[str, Any]) -> dict[str, Any]:
        """The levers as the controls set them, those equal to the baseline left out. Raises
        ScenarioError naming the key, the value and what is allowed."""
        if not isinstance(levers, Mapping):
            raise ScenarioError(ORIGIN, "levers", levers, "a table of lever key = value")
        out = {}
        for key, value in levers.items():
            c = self._controls.get(key)
            if c is None:
                raise ScenarioError(ORIGIN, key, value, "one of the levers of this game: " + ", ".join(self._controls))
            v = self._checked(c, value)
            if not c.same(v, self.scenario[key]):
                out[key] = v
        self._spec(out)   # the scenario's rules between values (e.g. merge below half the split)
        return out

    def _checked(self, c: LeverControl, value: Any) -> Any:
        if c.kind == "switch":
            if not isinstance(value, (bool, np.bool_)) and value not in (0, 1):
                raise ScenarioError(ORIGIN, c.key, value, "true or false")
            return bool(value)
        if c.kind == "choice":
            if value not in c.options(self.scenario):
                raise ScenarioError(ORIGIN, c.key, value, "one of " + ", ".join(c.options(self.scenario)))
            return value
        if c.kind == "subset":
            if not isinstance(value, (str, list, tuple, set, frozenset)):
                raise ScenarioError(ORIGIN, c.key, value, "a list of names")
            names = c.selected(value, self.scenario)
            unknown = [n for n in names if n not in c.options(self.scenario)]
            if unknown:
                raise ScenarioError(ORIGIN, c.key, value, "names from " + (", ".join(c.options(self.scenario))
                                                                          or "(none in this scenario)"))
            return c.snap(names, self.scenario)
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if not ok or not math.isfinite(float(value)) or not c.low <= float(value) <= c.high:
            raise ScenarioError(ORIGIN, c.key, value, f"a number from {c.low:g} to {c.high:g} ({c.unit})")
        return c.snap(value)

    def _spec(self, changes: Mapping[str, Any]) -> Scenario:
        return self.scenario.with_values(dict(changes), origin=ORIGIN) if changes else self.scenario

    # ------------------------------------------------------------------ cost
    def fixed_cost(self, changes: Mapping[str, Any]) -> float:
        """The part of `cost.total_cny_per_year` the levers alone set: FIXED_COMPONENTS of the model as
        built (day 0), with the legal advisers and conventions of the mediation component."""
        key = tuple(sorted((k, str(v)) for k, v in changes.items()))
        with self._lock:
            hit = self._fixed.get(key)
        if hit is not None:
            return hit
        with no_cyclic_gc():
            m = GovernanceModel(self._spec(changes), self.seed)
        v = m.spec.values
        parts = {"staff": costs.staff(m, 1.0), "grid_heads": costs.grid_heads(m),
                 "devolution_funds": costs.devolution_funds(m), "platform": costs.platform(m),
                 "sensors": costs.sensors(m), "training": costs.training(m), "recognition": costs.recognition(m)}
        n = m.territory.n_communities
        parts["mediation"] = n * ((v["cost.legal_adviser_cny_per_community_year"] if v["safety.legal_adviser"] else 0)
                                  + (v["cost.convention_cny_per_community_year"] if v["safety.convention"] else 0))
        total = float(sum(parts.values()))
        with self._lock:
            self._fixed[key] = total
        return total

    def fixed_is_bound(self, changes: Mapping[str, Any]) -> bool:
        """Whether the fixed part is a lower bound of the total: the other components are never
        negative, and wages change during the run only where grids are re-partitioned (ODD §7.39)."""
        return not self._spec(changes)["grids.review_interval_days"]

    def quote(self, levers: Mapping[str, Any]) -> Quote:
        """The cost of a choice before running it (validates the levers)."""
        changes = self.validate(levers)
        running = self.baseline.cost - self.baseline.fixed_cost
        return Quote(self.fixed_cost(changes), running, self.budget, self.fixed_is_bound(changes))

    # ------------------------------------------------------------------- runs
    def _run(self, changes: Mapping[str, Any], seed: int) -> dict[str, Any]:
        """One run's record (`run_outcomes`), once per run key; the simulation runs outside the lock."""
        scenario = self._spec(changes)
        rid = run_key(scenario, seed)
        with self._lock:
            hit = self._runs.get(rid)
        if hit is None:
            hit = run_outcomes(scenario, seed)
            with self._lock:
                hit = self._runs.setdefault(rid, hit)
        return hit

    def _entry(self, player: str, changes: dict[str, Any], budget: float, order: int) -> Entry:
        fixed = self.fixed_cost(changes)
        if not self.run_over_budget and self.fixed_is_bound(changes) and fixed > budget:
            nan = {k: math.nan for k in RECORDED}
            return Entry(player, changes, nan, {}, {}, {}, fixed, fixed, True, False, order, self.seeds)
        records = [self._run(changes, s) for s in self.seeds]
        per_seed = {k: tuple(r["outcomes"][k] for r in records) for k in RECORDED}
        outcomes, ci = {}, {}
        for k, xs in per_seed.items():
            outcomes[k], ci[k] = _mean_ci(list(xs)) if len(xs) > 1 else (xs[0], (math.nan, math.nan))
        types = {k for r in records for k in r["by_type"]}
        by_type = {k: float(np.nanmean([r["by_type"].get(k, math.nan) for r in records])) for k in types}
        cost = outcomes[COST_KEY]
        return Entry(player, changes, outcomes, per_seed, ci, by_type, cost, fixed, cost > budget, True, order,
                     self.seeds)

    def submit(self, player: str, levers: Mapping[str, Any]) -> Entry:
        """Validate, run a year (or the replications) and record `player`'s entry, replacing their
        earlier one. Raises ScenarioError for a bad lever; the table does not change then."""
        player = str(player).strip() if isinstance(player, str) else ""
        if not player:
            raise ScenarioError(ORIGIN, "player", player, "a non-empty name")
        changes = self.validate(levers)
        with self._lock:
            self._ticket += 1
            ticket = self._latest[player] = self._ticket
        entry = self._entry(player, changes, self.budget, ticket)
        with self._lock:
            if self._latest[player] == ticket:   # a later resubmission that finished first wins
                self._entries[player] = entry
        return entry

    def entries(self) -> list[Entry]:
        """The players' entries by rank: within budget (best first), then over budget, then not run."""
        with self._lock:
            entries = list(self._entries.values())
        sign = 1.0 if self.direction == "minimise" else -1.0

        def rank_key(e: Entry):
            y = e.value(self.objective)
            return (e.over_budget, not math.isfinite(y), sign * y if math.isfinite(y) else 0.0, e.order)
        return sorted(entries, key=rank_key)

    def best(self) -> Entry | None:
        """The best entry within the budget (earliest submission on a tie), None if there is none."""
        return next((e for e in self.entries() if not e.over_budget and math.isfinite(e.value(self.objective))), None)

    @property
    def version(self) -> int:
        """Grows with every submission: a view re-reads the table when it changes."""
        with self._lock:
            return self._ticket

    # ------------------------------------------------------------ the room
    def table(self, lang: str) -> Table:
        from .budget_text import table
        return table(self, lang)

    def swap_effects(self, best: Entry) -> list[SwapEffect]:
        """For each lever the best entry sets differently from the baseline: the baseline with that
        lever alone changed, same seeds; largest effect on the objective first."""
        key = tuple(sorted((k, str(v)) for k, v in best.changes.items()))
        with self._lock:
            hit = self._reveal_cache.get(key)
        if hit is not None:
            return hit
        out = [self._swap(k, v) for k, v in best.changes.items()]
        out.sort(key=lambda s: -abs(s.effect) if math.isfinite(s.effect) else 0.0)
        with self._lock:
            self._reveal_cache[key] = out
        return out

    def _swap(self, key: str, value: Any) -> SwapEffect:
        base = self.scenario[key]
        try:
            alone = self._entry(f"swap {key}", {key: value}, math.inf, 0)
        except ScenarioError:
            return SwapEffect(key, base, value, math.nan, math.nan, valid=False)
        diffs = [a - b for a, b in zip(alone.per_seed[self.objective], self.baseline.per_seed[self.objective])]
        effect, ci = _mean_ci(diffs) if len(diffs) > 1 else (diffs[0], (math.nan, math.nan))
        return SwapEffect(key, base, value, effect, alone.cost - self.baseline.cost, ci)

    def reveal(self, lang: str) -> Reveal:
        """The best entry within the budget and why (`swap_effects`), as text for the room."""
        from .budget_text import reveal_text
        best = self.best()
        effects = self.swap_effects(best) if best is not None else []
        return Reveal(best, self.baseline, effects, reveal_text(self, best, effects, lang))

    # ------------------------------------------------------------- helpers
    def objective_name(self, lang: str) -> str:
        return outcome_name(self.objective, lang)

    def objective_label(self, lang: str) -> str:
        return label(self.objective, lang)

    def price_basis(self, key: str, lang: str) -> str:
        """What a lever's cost rests on: its prices, each marked assumption or sourced; or no money."""
        if key in costs.FREE_LEVERS:
            return i18n.t("budget.price_free", lang)
        marks = [f"`{k}` ({i18n.t('budget.price_assumption' if is_assumption(k) else 'budget.price_sourced', lang)})"
                 for k in costs.price_rows(key)]
        return ", ".join(marks) or "—"


def _flagged(entry: Entry, budget: float) -> Entry:
    """The entry flagged against `budget` (the baseline is built before the budget is known)."""
    from dataclasses import replace
    return replace(entry, over_budget=entry.cost > budget)


def _resolved(path: str | Path) -> Path:
    """A path as given, or relative to the project folder (scenarios/workshop.toml from anywhere)."""
    p = Path(path)
    return ROOT / p if not p.exists() and not p.is_absolute() and (ROOT / p).exists() else p


def _check_number(key: str, value: Any, low: float, high: float, integer: bool = False):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or math.isnan(float(value)) or not low <= float(value) <= high or (integer and int(value) != value):
        kind = "a whole number" if integer else "a number"
        raise ScenarioError(ORIGIN, key, value, f"{kind} from {low:g} to {high:g}")
    return int(value) if integer else float(value)


__all__ = ["BudgetGame", "Entry", "OBJECTIVES", "Quote", "Reveal", "SwapEffect", "Table"]
