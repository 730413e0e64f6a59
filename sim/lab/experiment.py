"""Experiment definitions: one TOML file per study in experiments/, validated before any run.

    name = "grid_size_sweep"
    description = "..."
    design = "sweep"                  # compare | sweep | morris | sobol | calibrate | optimise | robust | discover
    scenario = "../scenarios/workshop.toml"        # the base scenario (paths relative to this file)
    scenarios = ["../scenarios/baseline.toml", ...] # compare: the first is the reference
    seed = 1
    reps = 5                          # replications per scenario or design point (paired seeds)
    days = 180                        # optional: overrides sim.days
    outcomes = ["response_time_h.mean", ...]       # optional: recorded outcomes

    [set]                             # optional: fixed overrides applied to every scenario
    "sim.warmup_days" = 10

    [parameters."grid.households_per_grid"]        # sweep: values = [...] or start/stop/n
    values = [100, 200, 400, 800]
    [parameters."policy.app_adoption"]             # morris/sobol/calibrate: bounds
    low = 0.0
    high = 1.0                        # sobol/morris may add dist = "triangular" (mode) or "truncnormal" (mean, sd)
    group = "levers"                  # sobol/morris: indices per group (all parameters grouped, or none)

    [groups.delays]                   # sobol/morris: a group of parameters at once, each from
    parameters = ["handoff.*"]        # scale[0] x to scale[1] x its base-scenario value; "PREFIX.*" is
    scale = [0.5, 1.5]                # every numeric parameter whose key starts with "PREFIX."

    [morris]  trajectories = 20, levels = 4
    [sobol]   n = 256, second_order = false
    [compare] precision = 0.02, max_reps = 200
    [targets.before]                  # calibrate: one fit per named target set
    "rates.solved" = { value = 0.53, tolerance = 0.01 }
    [calibrate] n_initial = 64, max_refine_evals = 60
    [levers."KEY"], [objectives], [constraints], [optimise]   # optimise: see sim/lab/optimise.py
    # robust: policies (scenarios = [...], [policies."NAME"], policies_file) in sampled futures
    # ([uncertainty.NAME] like [groups.NAME]; by default the assumption-marked parameters),
    # [thresholds] "rates.on_time" = { at_least = 0.7 }, [robust] futures = 40, objectives = {...};
    # discover: the same space and thresholds (or results = "ROBUST FOLDER", policy = "NAME"),
    # [discover] futures, method = "prim" | "cart", threshold_density, min_mass, resamples
    [calibrate] method = "history_matching", n_initial, wave_size, waves, cutoff, discrepancy, ...
    [targets.after.set]               # history matching: this target set's own context (overrides)

Every error names the file, the key, the value and what is allowed (exit status 2).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..params import PARAM_BY_KEY
from ..scenario import (COSMETIC_KEYS, MAX_NESTING, SAFE_NAME_RULE, Scenario, ScenarioError, TomlError,
                        is_safe_name, load, name_from_file, read_toml, shown)
from ..scenario import shorten
from .calibration import Target
from .compare import KEY_OUTCOMES

DESIGNS = ("compare", "sweep", "morris", "sobol", "calibrate", "optimise", "robust", "discover")
CALIBRATION_METHODS = ("fit", "history_matching")
HM_KEYS = {"wave_size", "waves", "cutoff", "second_max", "discrepancy", "identified_share", "loo", "loo_waves"}
DISTS = ("uniform", "triangular", "truncnormal")
DEEP_UNCERTAINTY_KEYS = ("uncertainty", "policies", "policies_file", "thresholds", "results", "policy")
TOP_KEYS = {"name", "description", "description_zh", "design", "scenario", "scenarios", "seed", "reps", "days", "outcomes",
            "set", "parameters", "groups", "morris", "sobol", "compare", "targets", "calibrate",
            "levers", "objectives", "constraints", "optimise",
            "uncertainty", "policies", "policies_file", "thresholds", "robust", "discover", "results", "policy"}
SECTION_KEYS = {"morris": {"trajectories", "levels"}, "sobol": {"n", "second_order", "resamples"},
                "compare": {"precision", "max_reps"}, "calibrate": {"method", "n_initial", "max_refine_evals",
                                                                    *HM_KEYS},
                "robust": {"futures", "objectives"},
                "discover": {"futures", "method", "threshold_density", "min_mass", "resamples"}}


# The most runs one experiment may ask for. A million runs of the smallest useful scenario take
# about a day of one core's time and their ledger rows a few GB; larger designs are mistakes (a
# Sobol N of 2**60, a sweep of 1e11 points) that would otherwise fail late, after files were written.
MAX_RUNS = 1_000_000
MAX_RESAMPLES = 100_000  # bootstrap resamples of Sobol indices: each holds a copy of the design's outputs
MAX_LEVELS = 1_000       # Morris grid levels: far finer than any screening needs
MAX_SEED = 2 ** 63 - 1   # TOML integers are 64-bit: a seed must fit in an experiment file and the ledger


class ExperimentError(ValueError):
    """An experiment definition is invalid: where (file, key), what (value), what is allowed."""

    def __init__(self, file: str | Path, key: str | None, value: Any, allowed: str):
        self.file, self.key, self.value, self.allowed = str(file), key, value, allowed
        where = f"{file}: " + (f"key '{shorten(key, 80)}' = {shown(value)}: " if key is not None else "")
        super().__init__(where + allowed)


@dataclass(frozen=True)
class Axis:
    """A swept parameter and its values."""
    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Bound:
    """A parameter varied over a range (sensitivity analysis, calibration)."""
    key: str
    low: float
    high: float
    dist: str = "uniform"
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    log: bool = False        # calibrate: search on a logarithmic scale
    group: str | None = None  # sobol/morris: the SALib group it moves with

    @property
    def integer(self) -> bool:
        return PARAM_BY_KEY[self.key].kind is int


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    design: str
    file: str
    scenarios: tuple[Scenario, ...]     # compare: all of them; other designs: the one base scenario
    seed: int = 0
    reps: int = 10
    outcomes: tuple[str, ...] = KEY_OUTCOMES
    axes: tuple[Axis, ...] = ()
    bounds: tuple[Bound, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)   # the design's own section
    targets: Mapping[str, tuple[Target, ...]] = field(default_factory=dict)
    description_zh: str = ""
    levers: tuple = ()          # optimise: optimise.Lever decision variables
    objectives: tuple = ()      # optimise: (summary key, "minimise" | "maximise")
    constraints: tuple = ()     # optimise: optimise.Constraint bounds on the candidates' means
    contexts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # calibrate: [targets.SET.set]

    def context(self, set_name: str) -> Scenario:
        """The scenario a target set is matched in: the base with the set's own overrides."""
        overrides = self.contexts.get(set_name)
        return self.base.with_values(dict(overrides), origin=self.file) if overrides else self.base

    def describe(self, lang: str) -> str:
        return (self.description_zh if lang == "zh" else "") or self.description

    @property
    def base(self) -> Scenario:
        return self.scenarios[0]

    def definition(self) -> dict[str, Any]:
        """Everything that determines the results, as plain data (manifest, ledger fingerprint)."""
        return {"name": self.name, "description": self.description, "description_zh": self.description_zh,
                "design": self.design, "seed": self.seed,
                "reps": self.reps, "outcomes": list(self.outcomes),
                "scenarios": [s.to_dict() for s in self.scenarios],
                "axes": {a.key: list(a.values) for a in self.axes},
                "bounds": {b.key: {k: v for k, v in vars(b).items() if k != "key" and v not in (None, False)}
                           for b in self.bounds},
                "options": dict(self.options),
                "targets": {n: {t.outcome: [t.value, t.tolerance] + ([t.discrepancy] if t.discrepancy is not None
                                                                      else []) for t in ts}
                            for n, ts in self.targets.items()},
                **({"contexts": {n: dict(c) for n, c in self.contexts.items()}} if self.contexts else {}),
                **self._optimise_definition()}

    def _optimise_definition(self) -> dict[str, Any]:
        """The optimise design's tables (absent for the other designs, whose fingerprints stay as they were)."""
        if not self.levers:
            return {}
        return {"levers": {lv.key: lv.spec() for lv in self.levers}, "objectives": dict(self.objectives),
                "constraints": {c.key: {c.kind: c.limit} for c in self.constraints}}

    def fingerprint(self) -> str:
        """What identifies the experiment's runs: its definition without names and descriptions
        (rewording a description must not orphan a ledger)."""
        d = self.definition()
        d = {k: v for k, v in d.items() if k not in COSMETIC_KEYS}
        d["scenarios"] = [{k: v for k, v in s.items() if k not in COSMETIC_KEYS} for s in d["scenarios"]]
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


def load_experiment(path: str | Path, *, seed: int | None = None, reps: int | None = None,
                    days: int | None = None) -> Experiment:
    """Read and validate an experiment file; command-line options override the file's values."""
    path = Path(path)
    if not path.exists():
        raise ExperimentError(path, None, None, "no such file")
    if not path.is_file():  # a folder, or a pipe or device that reading would block on
        raise ExperimentError(path, None, None, "a folder, not an experiment file" if path.is_dir() else
                              "not a regular file")
    try:
        raw = read_toml(path)
    except TomlError as exc:
        raise ExperimentError(path, None, None, str(exc)) from None
    return build(raw, path, seed=seed, reps=reps, days=days)


def build(raw: Mapping[str, Any], path: str | Path, *, seed=None, reps=None, days=None,
          base_dir: Path | None = None) -> Experiment:
    """Validate a definition given as a dict (from a file, or built by a command-line shorthand)."""
    path = Path(path)
    base_dir = base_dir or path.parent
    f = str(path)
    from ..scenario import nesting
    if nesting(raw) > MAX_NESTING:
        raise ExperimentError(f, None, None, f"nested more than {MAX_NESTING} levels deep (tables and lists)")
    for key in raw:
        if key not in TOP_KEYS:
            raise ExperimentError(f, key, raw[key], f"unknown key; allowed: {', '.join(sorted(TOP_KEYS))}")
    design = raw.get("design")
    if design not in DESIGNS:
        raise ExperimentError(f, "design", design, f"one of {', '.join(DESIGNS)}")
    name = _string(f, raw, "name", name_from_file(path))
    if "name" in raw and not is_safe_name(name):
        raise ExperimentError(f, "name", name, SAFE_NAME_RULE)
    if design in ("robust", "discover"):  # policies over sampled futures: sim/lab/policies.py
        from .policies import deep_uncertainty
        return _finish(f, Experiment(**deep_uncertainty(raw, f, base_dir, name, seed=seed, reps=reps, days=days)))
    for key in DEEP_UNCERTAINTY_KEYS:
        if key in raw:
            raise ExperimentError(f, key, raw[key], f"only a robust or discover design has {key!r}")
    overrides = _overrides(f, raw, days)
    scenarios = _scenarios(f, raw, design, base_dir, overrides)
    known = summary_keys(scenarios[0])
    exp = dict(name=name, description=_string(f, raw, "description", ""),
               description_zh=_string(f, raw, "description_zh", ""), design=design, file=f,
               scenarios=scenarios,
               seed=_int(f, "seed", seed if seed is not None else raw.get("seed", 0), 0, MAX_SEED),
               reps=_int(f, "reps", reps if reps is not None else raw.get("reps", 10), 1),
               outcomes=_outcomes(f, raw, known), options=_options(f, raw, design))
    if design == "optimise":
        return _finish(f, Experiment(**{**exp, **_optimise(f, raw, scenarios[0], known)}))
    for key in ("levers", "objectives", "constraints", "optimise"):
        if key in raw:
            raise ExperimentError(f, key, raw[key], f"only an optimise design has [{key}]")
    params = raw.get("parameters", {})
    if not isinstance(params, dict):
        raise ExperimentError(f, "parameters", params, "a table of parameter keys")
    if "groups" in raw:
        if design not in ("morris", "sobol"):
            raise ExperimentError(f, "groups", raw["groups"], "only a morris or sobol design has [groups.NAME]")
        params = _expand_groups(f, raw["groups"], params, scenarios[0])
    if design == "sweep":
        exp["axes"] = _axes(f, params, scenarios[0])
    elif design in ("morris", "sobol", "calibrate"):
        exp["bounds"] = _bounds(f, params, allow_dists=design != "calibrate")
    elif params:
        raise ExperimentError(f, "parameters", list(params), "compare varies scenarios, not parameters")
    if design == "calibrate":
        exp["targets"], exp["contexts"] = _targets(f, raw.get("targets"), known, exp["options"], scenarios[0])
    elif "targets" in raw:
        raise ExperimentError(f, "targets", raw["targets"], "only a calibrate design has targets")
    return _finish(f, Experiment(**exp))


def _optimise(f: str, raw: Mapping, base: Scenario, known: frozenset[str]) -> dict[str, Any]:
    from .optimise import parse, recorded_outcomes
    parsed = parse(f, raw, base, known)
    extra = _outcomes(f, raw, known) if "outcomes" in raw else ()
    return {**parsed, "outcomes": recorded_outcomes(parsed["objectives"], parsed["constraints"], extra)}


def _finish(f: str, experiment: Experiment) -> Experiment:
    """The checks every design shares: the runs it asks for are bounded, the largest fits in memory."""
    runs = run_count(experiment)
    if runs > MAX_RUNS:
        raise ExperimentError(f, None, None, f"this {experiment.design} design asks for {runs:,} runs "
                              f"({run_count_text(experiment)}); at most {MAX_RUNS:,} are allowed")
    _check_memory(f, experiment)
    return experiment


def design_units(exp: Experiment) -> int:
    """What a sensitivity design moves one at a time: its groups, or else its parameters."""
    groups = {b.group for b in exp.bounds}
    return len(exp.bounds) if None in groups else len(groups)


def run_count(exp: Experiment) -> int:
    """Runs the design asks for (an upper bound for adaptive designs: compare with a precision
    target, calibrate)."""
    o, k = exp.options, len(exp.bounds)
    if exp.design in ("morris", "sobol"):
        k = design_units(exp)
    if exp.design == "compare":
        return len(exp.scenarios) * max(exp.reps, o.get("max_reps", 0) if "precision" in o else 0)
    if exp.design == "sweep":
        return math.prod(len(a.values) for a in exp.axes) * exp.reps
    if exp.design == "optimise":  # the search, then the top k and the base scenario with fresh seeds
        return o["trials"] * exp.reps + (o["reevaluate_top"] + 1) * o["reevaluate_reps"]
    if exp.design in ("robust", "discover"):  # a discover design that reads a robust study runs nothing
        return 0 if "results" in o else len(o.get("policies", {None: 0})) * o["futures"] * exp.reps
    if exp.design == "morris":
        return o["trajectories"] * (k + 1) * exp.reps
    if exp.design == "sobol":
        return o["n"] * (2 * k + 2 if o["second_order"] else k + 2) * exp.reps
    sets = len(exp.targets)  # calibrate: each target set's fit, then Shapley attributions between sets
    if o.get("method") == "history_matching":   # every point runs every pattern
        loo = sets * (o["loo_waves"] - 1) * o["wave_size"] if o["loo"] and sets > 1 else 0
        return (o["n_initial"] + (o["waves"] - 1) * o["wave_size"] + loo) * sets * exp.reps
    from .calibration_study import MAX_SHAPLEY_PARAMS
    shapley = (sets - 1) * 2 ** k if k <= MAX_SHAPLEY_PARAMS else 0
    return (sets * (o["n_initial"] + o["max_refine_evals"] + 2 * k + 1) + shapley) * exp.reps


def run_count_text(exp: Experiment) -> str:
    """How run_count is made up, for the error message."""
    o, k, r = exp.options, len(exp.bounds), exp.reps
    units = "parameters"
    if exp.design in ("morris", "sobol") and exp.bounds and None not in {b.group for b in exp.bounds}:
        k, units = design_units(exp), "groups"
    if exp.design == "compare":
        reps = max(r, o.get("max_reps", 0) if "precision" in o else 0)
        return f"{len(exp.scenarios)} scenarios × {reps:,} replications"
    if exp.design == "sweep":
        return " × ".join(f"{len(a.values):,} values of {a.key}" for a in exp.axes) + f" × {r:,} replications"
    if exp.design == "optimise":
        return (f"{o['trials']:,} trials × {r:,} replications + (reevaluate_top {o['reevaluate_top']} + the base "
                f"scenario) × {o['reevaluate_reps']:,} replications")
    if exp.design in ("robust", "discover"):
        policies = f"{len(o['policies'])} policies × " if exp.design == "robust" else ""
        return f"{policies}{o.get('futures', 0):,} futures × {r:,} replications"
    if exp.design == "morris":
        return f"{o['trajectories']:,} trajectories × ({k} {units} + 1) × {r:,} replications"
    if exp.design == "sobol":
        rows = f"(2 × {k} {units} + 2)" if o["second_order"] else f"({k} {units} + 2)"
        return f"N = {o['n']:,} × {rows} × {r:,} replications"
    if o.get("method") == "history_matching":
        loo = f" + leave-one-out {len(exp.targets)} × {o['loo_waves'] - 1} × {o['wave_size']:,}" if o["loo"] else ""
        return (f"(n_initial {o['n_initial']:,} + {o['waves'] - 1} waves × {o['wave_size']:,}{loo}) points × "
                f"{len(exp.targets)} patterns × {r:,} replications")
    return (f"{len(exp.targets)} target sets × (n_initial {o['n_initial']:,} + max_refine_evals "
            f"{o['max_refine_evals']:,} + a poll of {2 * k + 1}), with attributions, × {r:,} replications")


def _check_memory(f: str, exp: Experiment, copies: int = 1, hint: str = "") -> None:
    """`copies` runs at once (parallel workers) of the largest scenario the design will simulate
    must fit in the memory available."""
    from .. import memory

    candidates = list(exp.scenarios) + [exp.context(name) for name in exp.contexts]  # a pattern may be bigger
    for axis in exp.axes:  # memory grows or shrinks with each numeric value: its extremes suffice
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in axis.values)
        values = {min(axis.values), max(axis.values)} if numeric else set(axis.values)
        candidates += [exp.base.with_values({axis.key: v}, origin=f) for v in values]
    candidates += _lever_corners(f, exp)
    for corner in ("low", "high"):
        try:
            candidates.append(exp.base.with_values({b.key: (int(round(getattr(b, corner))) if b.integer
                                                              else getattr(b, corner)) for b in exp.bounds},
                                                   origin=f))
        except ScenarioError:  # a corner that breaks a rule between values is never run as such
            pass
    biggest = max(candidates, key=lambda sc: memory.estimate(sc).total)
    try:
        memory.check(biggest, copies=copies, hint=hint)
    except memory.MemoryLimitError as exc:
        raise ExperimentError(f, None, None, f"the largest run ({biggest.name}): {exc.allowed}") from None


def _lever_corners(f: str, exp: Experiment) -> list[Scenario]:
    """The optimise design's extremes: every lever at its low end (first value), then at its high end (last)."""
    out = []
    for end in (0, -1):
        values = {lv.key: (lv.values[end] if lv.values is not None else (lv.low, lv.high)[end]) for lv in exp.levers}
        try:
            out.append(exp.base.with_values(values, origin=f) if values else exp.base)
        except ScenarioError:  # a corner that breaks a rule between values is never run as such
            pass
    return out


def check_parallel_memory(exp: Experiment, workers: int) -> None:
    """Before a local pool starts: `workers` of the largest run at once must fit (validation
    checked one). Exits 2 through ExperimentError, naming the fix."""
    _check_memory(exp.file, exp, copies=workers, hint="or use fewer --workers")


# ------------------------------------------------------------------- pieces
def _string(f: str, raw: Mapping, key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ExperimentError(f, key, value, "a string")
    return value


def _int(f: str, key: str, value: Any, minimum: int, maximum: int = MAX_SEED) -> int:
    """An integer in [minimum, maximum] (the sizes of a design are bounded afterwards, by the
    number of runs they make together: `run_count`)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        big = isinstance(value, int) and not isinstance(value, bool) and value > maximum
        most = "< 2**63" if maximum == MAX_SEED else f"≤ {maximum:,}"
        raise ExperimentError(f, key, value, f"an integer ≥ {minimum}" + (f" and {most}" if big else ""))
    return value


def _number(f: str, key: str, value: Any, what: str = "a finite number") -> float:
    """A finite int or float (not a boolean, not NaN or infinite, not a string)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExperimentError(f, key, value, what)
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ExperimentError(f, key, value, what)
    return x


def _overrides(f: str, raw: Mapping, days: int | None) -> dict[str, Any]:
    fixed = raw.get("set", {})
    if not isinstance(fixed, dict):
        raise ExperimentError(f, "set", fixed, "a table of KEY = VALUE overrides")
    overrides = dict(fixed)
    if days is not None:
        overrides["sim.days"] = days
    elif "days" in raw:
        overrides["sim.days"] = _int(f, "days", raw["days"], 1)
    return overrides


def _scenarios(f: str, raw: Mapping, design: str, base_dir: Path, overrides: dict) -> tuple[Scenario, ...]:
    if design == "compare":
        paths = raw.get("scenarios")
        if not isinstance(paths, list) or len(paths) < 2 or not all(isinstance(p, str) for p in paths):
            raise ExperimentError(f, "scenarios", paths, "at least two scenarios, as a list of files (the first is the reference)")
        if "scenario" in raw:
            raise ExperimentError(f, "scenario", raw["scenario"], "a compare design lists 'scenarios'")
    else:
        path = raw.get("scenario")
        if not isinstance(path, str):
            raise ExperimentError(f, "scenario", path, "the base scenario file (a string)")
        if "scenarios" in raw:
            raise ExperimentError(f, "scenarios", raw["scenarios"], f"a {design} design takes one 'scenario'")
        paths = [path]
    out = []
    for p in paths:
        target = (base_dir / p) if not Path(p).is_absolute() else Path(p)
        if not target.is_file():
            raise ExperimentError(f, "scenarios" if design == "compare" else "scenario", p,
                                  f"no such scenario file ({target})")
        try:
            scenario = load(target)
            out.append(scenario.with_values(overrides, origin=f) if overrides else scenario)
        except ScenarioError as exc:
            given = f" with {', '.join(f'{k} = {shown(v)}' for k, v in overrides.items())}" if overrides else ""
            where = f"{exc.file}: " if exc.file not in (str(target), p, f) else ""  # a file it extends
            raise ExperimentError(f, exc.key, exc.value, f"{where}{exc.allowed} (scenario {p}{given})") from None
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ExperimentError(f, "scenarios", paths, f"scenario names must differ: {', '.join(names)}")
    return tuple(out)


def _outcomes(f: str, raw: Mapping, known: frozenset[str]) -> tuple[str, ...]:
    outcomes = raw.get("outcomes", list(KEY_OUTCOMES))
    if not isinstance(outcomes, list) or not outcomes or not all(isinstance(o, str) for o in outcomes):
        raise ExperimentError(f, "outcomes", outcomes, "a non-empty list of summary keys, e.g. \"response_time_h.mean\"")
    unknown = [o for o in outcomes if o not in known]
    if unknown:
        raise ExperimentError(f, "outcomes", unknown[0], "a summary key (see a run's summary.json)")
    return tuple(dict.fromkeys(outcomes))


def summary_keys(scenario: Scenario) -> frozenset[str]:
    """The keys a run of this scenario's summary has, read off a tiny run (a hand-kept list would
    drift from outcomes.summary). An imported district's file is left out: its households do not
    shrink to the tiny run's residents, and its summary has the same keys."""
    from ..runner import run
    tiny = scenario.with_values({"sim.days": 2, "sim.warmup_days": 0, "territory.residents": 300,
                                 "territory.households_per_community": 60, "territory.district_file": ""},
                                origin="summary keys")
    return frozenset(run(tiny, 0, case_table=False).summary)


def _options(f: str, raw: Mapping, design: str) -> dict[str, Any]:
    for section, allowed in SECTION_KEYS.items():
        table = raw.get(section)
        if table is None:
            continue
        if section != design:
            raise ExperimentError(f, section, table, f"a [{section}] section belongs to a {section} design, not {design}")
        if not isinstance(table, dict):
            raise ExperimentError(f, section, table, "a table")
        for key in table:
            if key not in allowed:
                raise ExperimentError(f, f"{section}.{key}", table[key], f"allowed keys: {', '.join(sorted(allowed))}")
    table = dict(raw.get(design, {}))
    if design == "sobol":
        n = _int(f, "sobol.n", table.get("n", 256), 2)
        if n & (n - 1):
            raise ExperimentError(f, "sobol.n", n, "a power of two (Sobol sequences balance at 2^m points)")
        table["n"] = n
        table["second_order"] = table.get("second_order", False)
        if not isinstance(table["second_order"], bool):
            raise ExperimentError(f, "sobol.second_order", table["second_order"], "true or false")
        table["resamples"] = _int(f, "sobol.resamples", table.get("resamples", 1000), 10, MAX_RESAMPLES)
    elif design == "morris":
        table["trajectories"] = _int(f, "morris.trajectories", table.get("trajectories", 20), 2)
        levels = _int(f, "morris.levels", table.get("levels", 4), 2, MAX_LEVELS)
        if levels % 2:
            raise ExperimentError(f, "morris.levels", levels, "an even number (Morris grids need even levels)")
        table["levels"] = levels
    elif design == "compare":
        if "precision" in table:
            p = table["precision"]
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1:
                raise ExperimentError(f, "compare.precision", p, "a relative half-width in (0, 1), e.g. 0.02")
        table["max_reps"] = _int(f, "compare.max_reps", table.get("max_reps", 200), 2)
    elif design == "calibrate":
        _calibrate_options(f, table)
    return table


def _calibrate_options(f: str, table: dict) -> None:
    method = table.get("method", "fit")   # not stored when absent: a fit's ledger keeps its fingerprint
    if method not in CALIBRATION_METHODS:
        raise ExperimentError(f, "calibrate.method", method, f"one of {', '.join(CALIBRATION_METHODS)}")
    table["n_initial"] = _int(f, "calibrate.n_initial", table.get("n_initial", 64), 4)
    if method == "fit":
        extra = sorted(HM_KEYS & set(table))
        if extra:
            raise ExperimentError(f, f"calibrate.{extra[0]}", table[extra[0]],
                                  'a history-matching option: set method = "history_matching"')
        table["max_refine_evals"] = _int(f, "calibrate.max_refine_evals", table.get("max_refine_evals", 60), 0)
        return
    if "max_refine_evals" in table:
        raise ExperimentError(f, "calibrate.max_refine_evals", table["max_refine_evals"],
                              'an option of method = "fit"; history matching has wave_size and waves')
    table["wave_size"] = _int(f, "calibrate.wave_size", table.get("wave_size", 40), 2)
    table["waves"] = _int(f, "calibrate.waves", table.get("waves", 3), 1, 100)
    table["loo_waves"] = _int(f, "calibrate.loo_waves", table.get("loo_waves", 2), 1, 100)
    for key, default in (("second_max", False), ("loo", True)):
        table[key] = table.get(key, default)
        if not isinstance(table[key], bool):
            raise ExperimentError(f, f"calibrate.{key}", table[key], "true or false")
    table["cutoff"] = _positive(f, "calibrate.cutoff", table.get("cutoff", 3.0), "a number above zero, e.g. 3")
    table["discrepancy"] = _positive(f, "calibrate.discrepancy", table.get("discrepancy", 1.0),
                                     "a number >= 0: the model discrepancy's sd in tolerances of each target",
                                     allow_zero=True)
    share = _positive(f, "calibrate.identified_share", table.get("identified_share", 0.5), "a share in (0, 1)")
    if share >= 1:
        raise ExperimentError(f, "calibrate.identified_share", share, "a share in (0, 1)")
    table["identified_share"] = share


def _positive(f: str, key: str, value: Any, what: str, allow_zero: bool = False) -> float:
    x = _number(f, key, value, what)
    if x < 0 or (x == 0 and not allow_zero):
        raise ExperimentError(f, key, value, what)
    return x


def _numeric_param(f: str, key: str, value: Any):
    spec = PARAM_BY_KEY.get(key)
    if spec is None:
        from ..scenario import unknown_key_hint
        raise ExperimentError(f, f"parameters.{key}", value, unknown_key_hint(key))
    return spec


def _axes(f: str, params: Mapping, base: Scenario) -> tuple[Axis, ...]:
    if not 1 <= len(params) <= 2:
        raise ExperimentError(f, "parameters", list(params), "a sweep varies one or two parameters")
    axes = []
    for key, spec in params.items():
        _numeric_param(f, key, spec)
        if not isinstance(spec, dict):
            raise ExperimentError(f, f"parameters.{key}", spec, "a table: values = [...] or start, stop, n")
        kind = PARAM_BY_KEY[key].kind
        numeric = kind in (int, float)
        if "values" in spec:
            values = spec["values"]
            if set(spec) != {"values"} or not isinstance(values, list) or not values:
                raise ExperimentError(f, f"parameters.{key}", spec, "values = [a non-empty list] alone")
            if len(values) > MAX_RUNS:
                raise ExperimentError(f, f"parameters.{key}", f"{len(values):,} values",
                                      f"at most {MAX_RUNS:,} values (each is at least one run)")
            for v in values:  # the type first: a string or NaN must not reach rounding or the runs
                if numeric:
                    _number(f, f"parameters.{key}", v, f"finite numbers ({key} is a number: "
                                                       f"{PARAM_BY_KEY[key].allowed()})")
                elif not isinstance(v, kind):
                    raise ExperimentError(f, f"parameters.{key}", v, PARAM_BY_KEY[key].allowed())
        else:
            if set(spec) != {"start", "stop", "n"}:
                raise ExperimentError(f, f"parameters.{key}", spec, "start, stop and n (or values = [...])")
            if not numeric:
                raise ExperimentError(f, f"parameters.{key}", spec, f"values = [...] ({key} is not a number)")
            start = _number(f, f"parameters.{key}.start", spec["start"])
            stop = _number(f, f"parameters.{key}.stop", spec["stop"])
            n = spec["n"]
            if isinstance(n, float) and math.isfinite(n) and n.is_integer() and n > MAX_RUNS:
                n = int(n)  # n = 1e11: name the runs it would make rather than its type
            else:
                n = _int(f, f"parameters.{key}.n", n, 2)
            if n > MAX_RUNS:
                raise ExperimentError(f, f"parameters.{key}.n", n, f"{n:,} values make at least {n:,} runs; "
                                      f"at most {MAX_RUNS:,} runs are allowed")
            values = np.linspace(start, stop, n).tolist()
        if kind is int:
            values = [int(round(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in values]
        for v in values:  # each value must make a valid scenario
            try:
                base.with_values({key: v}, origin=f)
            except ScenarioError as exc:
                raise ExperimentError(f, f"parameters.{key}", v, exc.allowed) from None
        if len(set(map(repr, values))) != len(values):
            raise ExperimentError(f, f"parameters.{key}", values, "distinct values (integers are rounded)")
        axes.append(Axis(key, tuple(values)))
    return tuple(axes)


def _bounds(f: str, params: Mapping, allow_dists: bool) -> tuple[Bound, ...]:
    if not params:
        raise ExperimentError(f, "parameters", {}, "at least one [parameters.\"KEY\"] table with low and high")
    out = []
    for key, spec in params.items():
        p = _numeric_param(f, key, spec)
        where = f"parameters.{key}"
        if p.kind not in (int, float):
            raise ExperimentError(f, where, spec, "a numeric parameter (sensitivity and calibration vary numbers)")
        if not isinstance(spec, dict) or "low" not in spec or "high" not in spec:
            raise ExperimentError(f, where, spec, "a table with low and high")
        allowed = {"low", "high"} | ({"dist", "mode", "mean", "sd", "group"} if allow_dists else {"log"})
        for k in spec:
            if k not in allowed:
                raise ExperimentError(f, f"{where}.{k}", spec[k], f"allowed keys: {', '.join(sorted(allowed))}")
        low, high = spec["low"], spec["high"]
        for k, v in (("low", low), ("high", high)):
            _number(f, f"{where}.{k}", v, "a finite number")
        if not low < high:
            raise ExperimentError(f, where, [low, high], "low < high (the bounds are reversed or equal)")
        if low < p.low or high > p.high:
            raise ExperimentError(f, where, [low, high], f"bounds within the parameter's range ({p.allowed()})")
        dist = spec.get("dist", "uniform")
        if dist not in DISTS:
            raise ExperimentError(f, f"{where}.dist", dist, f"one of {', '.join(DISTS)}")
        extra = _dist_args(f, where, spec, dist, low, high)
        log = spec.get("log", False)
        if not isinstance(log, bool) or (log and low <= 0):
            raise ExperimentError(f, f"{where}.log", log, "true or false; true needs positive bounds")
        bound = Bound(key, float(low), float(high), dist, **extra, log=log, group=_group(f, where, spec))
        try:  # what the design will build from it, so that it cannot fail after files are written
            if allow_dists:
                from .sensitivity import Factor
                Factor(key, bound.low, bound.high, dist, bound.mode, bound.mean, bound.sd)
            else:
                from .calibration import FreeParameter
                FreeParameter(key, bound.low, bound.high, integer=bound.integer, log=log)
        except ValueError as exc:
            raise ExperimentError(f, where, spec, str(exc)) from None
        out.append(bound)
    _check_groups(f, out, params)
    return tuple(out)


MAX_GROUP_NAME = 60


def _expand_groups(f: str, table: Any, params: Mapping, base: Scenario) -> dict:
    """[groups.NAME] tables as [parameters."KEY"] entries of that group: each parameter from
    scale[0] x to scale[1] x its value in the base scenario, within the parameter's table bounds."""
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "groups", table, "[groups.NAME] tables of parameters = [...] and scale = [low, high]")
    out = dict(params)
    for name, spec in table.items():
        where = f"groups.{name}"
        if not isinstance(spec, dict) or set(spec) != {"parameters", "scale"}:
            raise ExperimentError(f, where, spec, "a table of parameters = [keys or \"PREFIX.*\"] and scale = [low, high]")
        low, high = _scale(f, f"{where}.scale", spec["scale"])
        for key in _group_keys(f, f"{where}.parameters", spec["parameters"]):
            if key in out:
                raise ExperimentError(f, f"{where}.parameters", key, "a parameter not already varied "
                                      "(under [parameters] or another group)")
            value, p = base[key], PARAM_BY_KEY[key]
            if value <= 0:
                raise ExperimentError(f, f"{where}.parameters", key, f"a parameter with a positive value to scale "
                                      f"(it is {shown(value)} in {base.name}); give it low and high under [parameters]")
            lo, hi = max(value * low, p.low), min(value * high, p.high)
            if not lo < hi:
                raise ExperimentError(f, f"{where}.scale", [low, high], f"a range that is not empty within {key}'s "
                                      f"bounds ({p.allowed()}) at its value {shown(value)}")
            out[key] = {"low": lo, "high": hi, "group": name}
    return out


def _scale(f: str, where: str, value: Any) -> tuple[float, float]:
    what = "[low, high]: two finite numbers with 0 <= low < high (multiples of each base value)"
    if not isinstance(value, list) or len(value) != 2:
        raise ExperimentError(f, where, value, what)
    low, high = (_number(f, where, v, what) for v in value)
    if not 0 <= low < high:
        raise ExperimentError(f, where, value, what)
    return low, high


def _group_keys(f: str, where: str, keys: Any) -> list[str]:
    """Parameter keys, "PREFIX.*" standing for every numeric parameter of that table section."""
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise ExperimentError(f, where, keys, "a non-empty list of parameter keys or \"PREFIX.*\"")
    out: list[str] = []
    for key in keys:
        numeric = lambda p: p.kind in (int, float)  # noqa: E731 (bool is not a number to vary)
        if key.endswith(".*"):
            matched = [p.key for p in PARAM_BY_KEY.values() if p.key.startswith(key[:-1]) and numeric(p)]
            if not matched:
                raise ExperimentError(f, where, key, "a prefix that matches numeric parameters (see govsim params)")
        else:
            _numeric_param(f, key, key)
            if not numeric(PARAM_BY_KEY[key]):
                raise ExperimentError(f, where, key, "a numeric parameter (sensitivity analysis varies numbers)")
            matched = [key]
        out += [k for k in matched if k not in out]
    return out


def _group(f: str, where: str, spec: Mapping) -> str | None:
    if "group" not in spec:
        return None
    name = spec["group"]
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_GROUP_NAME or not name.isprintable():
        raise ExperimentError(f, f"{where}.group", name, f"a group name: a non-empty printable string of at "
                              f"most {MAX_GROUP_NAME} characters")
    return name


def _check_groups(f: str, bounds: list[Bound], params: Mapping) -> None:
    """All parameters in groups, or none (SALib); and at least two groups to compare."""
    grouped = [b for b in bounds if b.group is not None]
    if not grouped:
        return
    loose = [b for b in bounds if b.group is None]
    if loose:
        first = loose[0].key
        raise ExperimentError(f, f"parameters.{first}", params[first],
                              f"a group = \"NAME\" like the other parameters ({grouped[0].key} is in group "
                              f"{grouped[0].group!r}): either every parameter has a group or none")
    names = sorted({b.group for b in bounds})
    if len(names) < 2:
        raise ExperimentError(f, "parameters", f"one group {names[0]!r}",
                              "at least two groups (one group's indices are trivially 1), or no groups")


def _dist_args(f: str, where: str, spec: Mapping, dist: str, low: float, high: float) -> dict[str, float]:
    need = {"uniform": (), "triangular": ("mode",), "truncnormal": ("mean", "sd")}[dist]
    out = {}
    for k in ("mode", "mean", "sd"):
        if k in spec and k not in need:
            raise ExperimentError(f, f"{where}.{k}", spec[k], f"{k} belongs to another distribution than {dist}")
    for k in need:
        out[k] = _number(f, f"{where}.{k}", spec.get(k), f"a finite number ({dist} needs {' and '.join(need)})")
    if dist == "triangular" and not low <= out["mode"] < high:
        # SALib's triangular distribution takes the peak as a fraction of the range and rejects 1
        raise ExperimentError(f, f"{where}.mode", out["mode"],
                              f"a mode from low up to but not including high: {low} <= mode < {high}")
    if dist == "truncnormal" and out["sd"] <= 0:
        raise ExperimentError(f, f"{where}.sd", out["sd"], "a positive standard deviation")
    return out


def _targets(f: str, table: Any, known: frozenset[str], options: Mapping[str, Any],
             base: Scenario) -> tuple[dict[str, tuple[Target, ...]], dict[str, dict[str, Any]]]:
    """The target sets, and the context overrides of those that have a [targets.SET.set] table."""
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "targets", table, "one or more [targets.SET] tables of outcome = { value, tolerance }")
    hm = options.get("method") == "history_matching"
    out, contexts = {}, {}
    for set_name, targets in table.items():
        if not isinstance(targets, dict) or not targets:
            raise ExperimentError(f, f"targets.{set_name}", targets, "a table of outcome = { value, tolerance }")
        if "set" in targets:
            if not hm:
                raise ExperimentError(f, f"targets.{set_name}.set", targets["set"], "a target set's own context "
                                      'needs method = "history_matching" in [calibrate] (fit sets share the base)')
            contexts[set_name] = _context(f, set_name, targets["set"], base)
        ts = [_target(f, f"targets.{set_name}.{outcome}", outcome, spec, known, hm)
              for outcome, spec in targets.items() if outcome != "set"]
        if not ts:
            raise ExperimentError(f, f"targets.{set_name}", targets, "at least one outcome = { value, tolerance }")
        out[set_name] = tuple(ts)
    return out, contexts


def _context(f: str, set_name: str, overrides: Any, base: Scenario) -> dict[str, Any]:
    where = f"targets.{set_name}.set"
    if not isinstance(overrides, dict) or not overrides:
        raise ExperimentError(f, where, overrides, "a table of KEY = VALUE overrides for this target set's runs")
    try:
        base.with_values(dict(overrides), origin=f)
    except ScenarioError as exc:
        raise ExperimentError(f, f"{where}.{exc.key}" if exc.key else where, exc.value, exc.allowed) from None
    return dict(overrides)


def _target(f: str, where: str, outcome: str, spec: Any, known: frozenset[str], hm: bool) -> Target:
    if outcome not in known:
        raise ExperimentError(f, where, spec, "a summary key (see a run's summary.json)")
    allowed = {"value", "tolerance", "discrepancy"} if hm else {"value", "tolerance"}
    if not isinstance(spec, dict) or not {"value", "tolerance"} <= set(spec) <= allowed:
        raise ExperimentError(f, where, spec, "{ value = NUMBER, tolerance = POSITIVE NUMBER" +
                              (", discrepancy = NUMBER >= 0 (optional) }" if hm else " }"))
    value = _number(f, f"{where}.value", spec["value"], "a finite number")
    tolerance = _number(f, f"{where}.tolerance", spec["tolerance"], "a finite number above zero")
    if tolerance <= 0:
        raise ExperimentError(f, f"{where}.tolerance", spec["tolerance"], "a finite number above zero")
    discrepancy = None
    if "discrepancy" in spec:
        discrepancy = _positive(f, f"{where}.discrepancy", spec["discrepancy"],
                                "a finite number >= 0 (sd of the model discrepancy, outcome units)", allow_zero=True)
    return Target(outcome, value, tolerance, discrepancy)


# The pieces the designs that validate their own tables (sim/lab/optimise.py, policies.py, uncertainty.py) use.
integer, number, string, design_options, fixed_overrides = _int, _number, _string, _options, _overrides
scenario_files, outcome_keys, parameter_bounds, expand_groups = _scenarios, _outcomes, _bounds, _expand_groups
