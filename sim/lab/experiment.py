"""Experiment definitions: one TOML file per study in experiments/, validated before any run.

    name = "grid_size_sweep"
    description = "..."
    design = "sweep"                  # compare | sweep | morris | sobol | calibrate
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

    [morris]  trajectories = 20, levels = 4
    [sobol]   n = 256, second_order = false
    [compare] precision = 0.02, max_reps = 200
    [targets.before]                  # calibrate: one fit per named target set
    "rates.resolution" = { value = 0.53, tolerance = 0.01 }
    [calibrate] n_initial = 64, max_refine_evals = 60

Every error names the file, the key, the value and what is allowed (exit status 2).
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..params import PARAM_BY_KEY
from ..scenario import (COSMETIC_KEYS, SAFE_NAME_RULE, Scenario, ScenarioError, is_safe_name, load,
                        name_from_file)
from .compare import KEY_OUTCOMES

DESIGNS = ("compare", "sweep", "morris", "sobol", "calibrate")
DISTS = ("uniform", "triangular", "truncnormal")
TOP_KEYS = {"name", "description", "description_zh", "design", "scenario", "scenarios", "seed", "reps", "days", "outcomes",
            "set", "parameters", "morris", "sobol", "compare", "targets", "calibrate"}
SECTION_KEYS = {"morris": {"trajectories", "levels"}, "sobol": {"n", "second_order", "resamples"},
                "compare": {"precision", "max_reps"}, "calibrate": {"n_initial", "max_refine_evals"}}


class ExperimentError(ValueError):
    """An experiment definition is invalid: where (file, key), what (value), what is allowed."""

    def __init__(self, file: str | Path, key: str | None, value: Any, allowed: str):
        self.file, self.key, self.value, self.allowed = str(file), key, value, allowed
        where = f"{file}: " + (f"key '{key}' = {value!r}: " if key is not None else "")
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

    @property
    def integer(self) -> bool:
        return PARAM_BY_KEY[self.key].kind is int


@dataclass(frozen=True)
class Target:
    outcome: str
    value: float
    tolerance: float


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
                "targets": {n: {t.outcome: [t.value, t.tolerance] for t in ts} for n, ts in self.targets.items()}}

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
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError(path, None, None, "no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExperimentError(path, None, None, f"not valid TOML: {exc}") from None
    return build(raw, path, seed=seed, reps=reps, days=days)


def build(raw: Mapping[str, Any], path: str | Path, *, seed=None, reps=None, days=None,
          base_dir: Path | None = None) -> Experiment:
    """Validate a definition given as a dict (from a file, or built by a command-line shorthand)."""
    path = Path(path)
    base_dir = base_dir or path.parent
    f = str(path)
    for key in raw:
        if key not in TOP_KEYS:
            raise ExperimentError(f, key, raw[key], f"unknown key; allowed: {', '.join(sorted(TOP_KEYS))}")
    design = raw.get("design")
    if design not in DESIGNS:
        raise ExperimentError(f, "design", design, f"one of {', '.join(DESIGNS)}")
    name = _string(f, raw, "name", name_from_file(path))
    if "name" in raw and not is_safe_name(name):
        raise ExperimentError(f, "name", name, SAFE_NAME_RULE)
    overrides = _overrides(f, raw, days)
    scenarios = _scenarios(f, raw, design, base_dir, overrides)
    known = summary_keys(scenarios[0])
    exp = dict(name=name, description=_string(f, raw, "description", ""),
               description_zh=_string(f, raw, "description_zh", ""), design=design, file=f,
               scenarios=scenarios, seed=_int(f, "seed", seed if seed is not None else raw.get("seed", 0), 0),
               reps=_int(f, "reps", reps if reps is not None else raw.get("reps", 10), 1),
               outcomes=_outcomes(f, raw, known), options=_options(f, raw, design))
    params = raw.get("parameters", {})
    if not isinstance(params, dict):
        raise ExperimentError(f, "parameters", params, "a table of parameter keys")
    if design == "sweep":
        exp["axes"] = _axes(f, params, scenarios[0])
    elif design in ("morris", "sobol", "calibrate"):
        exp["bounds"] = _bounds(f, params, allow_dists=design != "calibrate")
    elif params:
        raise ExperimentError(f, "parameters", list(params), "compare varies scenarios, not parameters")
    if design == "calibrate":
        exp["targets"] = _targets(f, raw.get("targets"), known)
    elif "targets" in raw:
        raise ExperimentError(f, "targets", raw["targets"], "only a calibrate design has targets")
    return Experiment(**exp)


# ------------------------------------------------------------------- pieces
def _string(f: str, raw: Mapping, key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ExperimentError(f, key, value, "a string")
    return value


def _int(f: str, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ExperimentError(f, key, value, f"an integer ≥ {minimum}")
    return value


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
            out.append(load(target, overrides or None))
        except ScenarioError as exc:
            given = f" with {', '.join(f'{k} = {v!r}' for k, v in overrides.items())}" if overrides else ""
            raise ExperimentError(f, exc.key, exc.value, f"{exc.allowed} (scenario {p}{given})") from None
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
    drift from outcomes.summary)."""
    from ..runner import run
    tiny = scenario.with_values({"sim.days": 2, "sim.warmup_days": 0, "territory.residents": 300,
                                 "territory.households_per_community": 60}, origin="summary keys")
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
        table["resamples"] = _int(f, "sobol.resamples", table.get("resamples", 1000), 10)
    elif design == "morris":
        table["trajectories"] = _int(f, "morris.trajectories", table.get("trajectories", 20), 2)
        levels = _int(f, "morris.levels", table.get("levels", 4), 2)
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
        table["n_initial"] = _int(f, "calibrate.n_initial", table.get("n_initial", 64), 4)
        table["max_refine_evals"] = _int(f, "calibrate.max_refine_evals", table.get("max_refine_evals", 60), 0)
    return table


def _numeric_param(f: str, key: str, value: Any):
    spec = PARAM_BY_KEY.get(key)
    if spec is None:
        from ..scenario import _unknown_key_hint
        raise ExperimentError(f, f"parameters.{key}", value, _unknown_key_hint(key))
    return spec


def _axes(f: str, params: Mapping, base: Scenario) -> tuple[Axis, ...]:
    if not 1 <= len(params) <= 2:
        raise ExperimentError(f, "parameters", list(params), "a sweep varies one or two parameters")
    axes = []
    for key, spec in params.items():
        _numeric_param(f, key, spec)
        if not isinstance(spec, dict):
            raise ExperimentError(f, f"parameters.{key}", spec, "a table: values = [...] or start, stop, n")
        if "values" in spec:
            values = spec["values"]
            if set(spec) != {"values"} or not isinstance(values, list) or not values:
                raise ExperimentError(f, f"parameters.{key}", spec, "values = [a non-empty list] alone")
        else:
            if set(spec) != {"start", "stop", "n"}:
                raise ExperimentError(f, f"parameters.{key}", spec, "start, stop and n (or values = [...])")
            n = _int(f, f"parameters.{key}.n", spec["n"], 2)
            values = np.linspace(spec["start"], spec["stop"], n).tolist()
        kind = PARAM_BY_KEY[key].kind
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
        allowed = {"low", "high"} | ({"dist", "mode", "mean", "sd"} if allow_dists else {"log"})
        for k in spec:
            if k not in allowed:
                raise ExperimentError(f, f"{where}.{k}", spec[k], f"allowed keys: {', '.join(sorted(allowed))}")
        low, high = spec["low"], spec["high"]
        for k, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ExperimentError(f, f"{where}.{k}", v, "a number")
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
        out.append(Bound(key, float(low), float(high), dist, **extra, log=log))
    return tuple(out)


def _dist_args(f: str, where: str, spec: Mapping, dist: str, low: float, high: float) -> dict[str, float]:
    need = {"uniform": (), "triangular": ("mode",), "truncnormal": ("mean", "sd")}[dist]
    out = {}
    for k in ("mode", "mean", "sd"):
        if k in spec and k not in need:
            raise ExperimentError(f, f"{where}.{k}", spec[k], f"{k} belongs to another distribution than {dist}")
    for k in need:
        v = spec.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExperimentError(f, f"{where}.{k}", v, f"a number ({dist} needs {' and '.join(need)})")
        out[k] = float(v)
    if dist == "triangular" and not low <= out["mode"] <= high:
        raise ExperimentError(f, f"{where}.mode", out["mode"], f"a mode within [{low}, {high}]")
    if dist == "truncnormal" and out["sd"] <= 0:
        raise ExperimentError(f, f"{where}.sd", out["sd"], "a positive standard deviation")
    return out


def _targets(f: str, table: Any, known: frozenset[str]) -> dict[str, tuple[Target, ...]]:
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "targets", table, "one or more [targets.SET] tables of outcome = { value, tolerance }")
    out = {}
    for set_name, targets in table.items():
        if not isinstance(targets, dict) or not targets:
            raise ExperimentError(f, f"targets.{set_name}", targets, "a table of outcome = { value, tolerance }")
        ts = []
        for outcome, spec in targets.items():
            where = f"targets.{set_name}.{outcome}"
            if outcome not in known:
                raise ExperimentError(f, where, spec, "a summary key (see a run's summary.json)")
            if not isinstance(spec, dict) or set(spec) != {"value", "tolerance"}:
                raise ExperimentError(f, where, spec, "{ value = NUMBER, tolerance = POSITIVE NUMBER }")
            if not all(isinstance(spec[k], (int, float)) and not isinstance(spec[k], bool) for k in spec) \
                    or spec["tolerance"] <= 0:
                raise ExperimentError(f, where, spec, "numbers, with a positive tolerance")
            ts.append(Target(outcome, float(spec["value"]), float(spec["tolerance"])))
        out[set_name] = tuple(ts)
    return out
