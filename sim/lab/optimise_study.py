"""The optimise design: lever portfolios under a budget, searched with optuna, re-evaluated with fresh seeds.

Each round asks the sampler for `batch` candidates, runs every candidate with the same `reps`
seeds (common random numbers) through the ledger, and tells the sampler the means. The sampler is
seeded and told the same values in the same order on a rerun, so it asks the same candidates and
the ledger returns their finished runs at once: a killed study resumes and writes the same bytes.
The best feasible candidates (or the Pareto set, capped at k) are then run again with a different
seed stream and more replications, beside the base scenario with the same fresh seeds (paired
differences), so the reported figures do not carry the search's selection bias (winner's curse).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .compare import Comparison, compare, paired_rows, replication_seeds
from .optimise import COST_KEY, budget_value, pareto_mask, spread_pick
from .tasks import RunSpec
from ..scenario import ScenarioError

SAMPLER_STREAM = 1   # the sampler's seed: SeedSequence([seed, 1])
FRESH_STREAM = 2     # the re-evaluation's root seed: SeedSequence([seed, 2]), apart from the search's seeds


def stream_seed(seed: int, stream: int, bits: int = 32) -> int:
    dtype = np.uint32 if bits == 32 else np.uint64
    return int(np.random.SeedSequence([seed, stream]).generate_state(1, dtype=dtype)[0])


def fresh_seeds(seed: int, reps: int) -> list[int]:
    """The re-evaluation's replication seeds (a stream apart from replication_seeds(seed, ...))."""
    return replication_seeds(stream_seed(seed, FRESH_STREAM, 64), reps)


@dataclass
class Candidate:
    number: int
    values: dict[str, Any]                  # lever key -> value
    specs: list[RunSpec] = field(default_factory=list)
    error: str = ""                         # a combination of values the scenario rules reject
    means: dict[str, float] = field(default_factory=dict)
    feasible: bool = False

    @property
    def status(self) -> str:
        if self.error:
            return "invalid"
        return "done" if all(math.isfinite(v) for v in self.means.values()) else "undefined"


class Search:
    """optuna's ask/tell loop over the levers, silenced and seeded, in-memory storage."""

    def __init__(self, exp):
        import optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)  # failed candidates are in trials.csv
        self.optuna, self.exp = optuna, exp
        d = optuna.distributions
        self.space = {lv.key: (d.CategoricalDistribution(lv.values) if lv.values is not None else
                               d.IntDistribution(lv.low, lv.high, log=lv.log) if lv.integer else
                               d.FloatDistribution(lv.low, lv.high, log=lv.log)) for lv in exp.levers}
        seed = stream_seed(exp.seed, SAMPLER_STREAM)
        with warnings.catch_warnings():  # constraints_func is marked experimental in some versions
            warnings.simplefilter("ignore")
            if exp.options["sampler"] == "nsga2":
                sampler = optuna.samplers.NSGAIISampler(population_size=exp.options["batch"], seed=seed,
                                                        constraints_func=_constraints)
            else:
                sampler = optuna.samplers.TPESampler(seed=seed, constraints_func=_constraints)
        self.study = optuna.create_study(directions=[_optuna_direction(d) for _, d in exp.objectives],
                                         sampler=sampler)
        self.trials: dict[int, Any] = {}

    def ask(self) -> tuple[int, dict[str, Any]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = self.study.ask(self.space)
        self.trials[trial.number] = trial
        return trial.number, {k: _plain(v) for k, v in trial.params.items()}

    def tell(self, c: Candidate) -> None:
        trial = self.trials.pop(c.number)
        values = [c.means.get(k, math.nan) for k, _ in self.exp.objectives]
        if c.status != "done" or not all(math.isfinite(v) for v in values):
            self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
            return
        trial.set_user_attr("constraints", [con.violation(c.means[con.key]) for con in self.exp.constraints])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.study.tell(trial, values)


def _constraints(frozen_trial) -> list[float]:
    return frozen_trial.user_attrs.get("constraints", [])


def _optuna_direction(direction: str) -> str:
    return "minimize" if direction == "minimise" else "maximize"


def _plain(v: Any) -> Any:
    """numpy scalars as Python values (CSV, TOML and the scenario take plain values)."""
    return v.item() if isinstance(v, np.generic) else v


# ------------------------------------------------------------------ the run
def run_optimise(study) -> None:
    from .optimise_report import write_outputs
    exp = study.exp
    clock = {"optimiser_s": 0.0}
    candidates = search(study, clock)
    top = select_top(exp, candidates)
    reeval = reevaluate(study, top) if top else None
    t0 = time.perf_counter()
    write_outputs(study, candidates, top, reeval)
    clock["analysis_s"] = time.perf_counter() - t0
    study.facts["search_seeds"] = replication_seeds(exp.seed, exp.reps)
    study.facts["reevaluation_seeds"] = fresh_seeds(exp.seed, exp.options["reevaluate_reps"]) if top else []
    study.facts["overhead"] = clock  # time outside the simulations (ask/tell, specs, analysis, outputs)


def search(study, clock: dict[str, float]) -> list[Candidate]:
    """Rounds of `batch` candidates: ask, run (CRN seeds, through the ledger), tell the means."""
    exp, o = study.exp, study.exp.options
    engine, seeds = Search(exp), replication_seeds(exp.seed, exp.reps)
    candidates: list[Candidate] = []
    while len(candidates) < o["trials"]:
        t0 = time.perf_counter()
        n = min(o["batch"], o["trials"] - len(candidates))
        batch = [candidate(exp, *engine.ask(), seeds) for _ in range(n)]
        clock["optimiser_s"] += time.perf_counter() - t0
        specs = [s for c in batch for s in c.specs]
        results = study.execute(specs, f"optimise {len(candidates) + n}/{o['trials']}") if specs else None
        t0 = time.perf_counter()
        for c in batch:
            if not c.error:
                c.means = {k: float(np.mean([results.outcome(s, k) for s in c.specs])) for k in exp.outcomes}
                c.feasible = c.status == "done" and all(con.violation(c.means[con.key]) <= 0
                                                        for con in exp.constraints)
            engine.tell(c)
        clock["optimiser_s"] += time.perf_counter() - t0
        candidates += batch
    return candidates


def candidate(exp, number: int, values: dict[str, Any], seeds: list[int]) -> Candidate:
    """A candidate's runs: the base scenario with its lever values, once per CRN seed."""
    c = Candidate(number, values)
    try:
        scenario = exp.base.with_values(values, origin=exp.file).to_dict()
    except ScenarioError as exc:
        c.error = f"{exc.key} = {exc.value}: {exc.allowed}"
        return c
    c.specs = [RunSpec(scenario, seed, exp.outcomes, label=f"trial {number} rep {r}",
                       params={**values, "trial": number, "rep": r}) for r, seed in enumerate(seeds)]
    return c


def select_top(exp, candidates: list[Candidate]) -> list[Candidate]:
    """One objective: the best feasible candidates; several: the feasible Pareto set, capped at
    reevaluate_top and spread along the first objective. Candidates that ran the same model count once."""
    k = exp.options["reevaluate_top"]
    unique: dict[str, Candidate] = {}
    for c in candidates:  # identical outcomes in every run: lever values that build the same model
        if c.feasible:    # (households per grid that round to the same grids) are one portfolio
            unique.setdefault(repr([c.means[k] for k in exp.outcomes]), c)
    pool = list(unique.values())
    if not pool or k == 0:
        return []
    keys = [key for key, _ in exp.objectives]
    points = np.array([[c.means[key] for key in keys] for c in pool])
    sign = 1.0 if exp.objectives[0][1] == "minimise" else -1.0
    if len(keys) == 1:
        order = np.argsort(sign * points[:, 0], kind="stable")
        return [pool[i] for i in order[:k]]
    front = np.flatnonzero(pareto_mask(points, [d for _, d in exp.objectives]))
    front = front[np.argsort(sign * points[front, 0], kind="stable")]
    return [pool[i] for i in spread_pick(list(front), k)]


@dataclass
class Reevaluation:
    result: Comparison                     # base scenario first, then p1..pk, with the fresh seeds
    names: list[str]                       # p1..pk, in the order of `top`
    pairs: list[dict[str, Any]]            # portfolio vs portfolio paired differences (i < j)


def reevaluate(study, top: list[Candidate]) -> Reevaluation:
    """The top candidates and the base scenario, with fresh seeds and reevaluate_reps replications:
    means with 95% CIs, paired differences against the base and between the portfolios."""
    exp, o = study.exp, study.exp.options
    names = [f"p{i + 1}" for i in range(len(top))]
    base = replace(exp.base, name="base") if exp.base.name in names else exp.base
    scenarios = [base] + [replace(exp.base.with_values(c.values, origin=exp.file), name=n)
                          for n, c in zip(names, top)]
    result = compare(scenarios, o["reevaluate_reps"], stream_seed(exp.seed, FRESH_STREAM, 64), study.executor,
                     exp.outcomes, ledger=study.ledger, progress=study.progress, on_specs=study.specs.extend)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            rows = paired_rows([a, b], list(exp.outcomes), {n: result.values[n] for n in (a, b)})
            pairs += [{"portfolio": b, "reference": a, **{k: r[k] for k in ("outcome", "diff", "diff_ci_low",
                                                                            "diff_ci_high", "p_value")}}
                      for r in rows if r["scenario"] == b]
    return Reevaluation(result, names, pairs)


def marginal_values(exp, candidates: list[Candidate]) -> dict[str, Any]:
    """Per objective: the best attainable against the cost a year, over the candidates that meet every
    constraint except the budget (the constraints on COST_KEY), and its slope near the budget."""
    budgets = [c for c in exp.constraints if c.key == COST_KEY and c.kind == "at_most"]
    others = [c for c in exp.constraints if c not in budgets]
    ok = [c for c in candidates if c.status == "done" and all(con.violation(c.means[con.key]) <= 0 for con in others)]
    if not ok or all(key == COST_KEY for key, _ in exp.objectives):
        return {}
    costs = np.array([c.means[COST_KEY] for c in ok])
    if budgets:
        budget, where = min(b.limit for b in budgets), "budget"
    else:  # no budget: read the slope around the cost of the best candidate of the first objective
        key, direction = next((k, d) for k, d in exp.objectives if k != COST_KEY)
        y = np.array([c.means[key] for c in ok])
        budget, where = float(costs[int(np.argmin(y) if direction == "minimise" else np.argmax(y))]), "best"
    return {key: (budget_value(costs, np.array([c.means[key] for c in ok]), d, budget), where)
            for key, d in exp.objectives if key != COST_KEY}  # the cost against itself says nothing
