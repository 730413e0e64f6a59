"""The definitions of the robust and discover designs: policies, the uncertainty space, thresholds.

A policy is a set of overrides of the base scenario. It comes from
- a scenario file listed under `scenarios = [...]`: what the file changes from the root of its
  `extends` chain (small_grids.toml, which extends baseline.toml, is grid.households_per_grid =
  200; baseline.toml itself changes nothing: it is the base scenario as it stands), so the
  workshop-sized base keeps its size and only the levers move;
- a `[policies."NAME"]` table of KEY = VALUE overrides;
- `policies_file = "PATH"`: a TOML file of `[policies."NAME"]` tables (the optimise design's
  portfolios.toml).
A policy may not set a parameter of the uncertainty space: there it would be a decision, not an
uncertainty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from ..scenario import SAFE_NAME_RULE, Scenario, ScenarioError, TomlError, from_dict, is_safe_name, load, read_toml
from .compare import KEY_OUTCOMES
from .experiment import Bound, ExperimentError, summary_keys
from .experiment import design_options as _options, fixed_overrides as _overrides, integer as _int, number as _number
from .experiment import outcome_keys as _outcomes, parameter_bounds as _bounds, scenario_files as _scenarios
from .experiment import string as _string

CATALOGUES = ("needs", "emergencies", "tasks", "collective")  # whole tables a scenario file may change
DIRECTIONS = ("max", "min")
THRESHOLD_KINDS = {"at_least": "max", "at_most": "min"}
METHODS = ("prim", "cart")
ROBUST_FILES = ("futures.csv", "outcomes.csv", "manifest.json")


def deep_uncertainty(raw: Mapping[str, Any], f: str, base_dir: Path, name: str, *, seed=None, reps=None,
                     days=None) -> dict[str, Any]:
    """The Experiment fields of a robust or discover design."""
    design = raw["design"]
    for key in ("groups", "targets"):
        if key in raw:
            raise ExperimentError(f, key, raw[key], f"a {design} design has no [{key}] (its space is [uncertainty.NAME])")
    if design == "discover" and "results" in raw:
        for option, value in (("--reps", reps), ("--days", days)):
            if value is not None:  # nothing runs: a size would be silently ignored
                raise ExperimentError(f, option, value, "no --reps or --days: a discover design reading a robust "
                                      "study (results) runs nothing")
        return _reading_results(raw, f, base_dir, name)
    for key in ("results", "policy"):
        if key in raw:
            raise ExperimentError(f, key, raw[key], "only a discover design reading a robust study's folder has "
                                  "'results' and 'policy'")
    seed = _int(f, "seed", seed if seed is not None else raw.get("seed", 0), 0)  # before it seeds the futures
    overrides = _overrides(f, raw, days)
    base = _scenarios(f, {k: v for k, v in raw.items() if k != "scenarios"}, design, base_dir, overrides)[0]
    known = summary_keys(base)
    bounds = space_bounds(f, raw, base)
    options = dict(_options(f, raw, design))
    options["futures"] = _int(f, f"{design}.futures", options.get("futures", 40), 2)
    check_futures(f, base, bounds, options["futures"], seed)
    options["thresholds"] = thresholds(f, raw.get("thresholds"), known)
    if design == "robust":
        options["policies"] = policies(f, raw, base_dir, base, bounds, overrides)
        options["objectives"] = objectives(f, options.get("objectives"), options["thresholds"], known)
    else:
        for key in ("scenarios", "policies", "policies_file"):
            if key in raw:
                raise ExperimentError(f, key, raw[key], "a discover design runs its base scenario alone (or reads "
                                      "a robust study: results and policy)")
        options["policies"] = {base.name: {}}
        options.update(discover_options(f, options))
    outcomes = _outcomes(f, {"outcomes": raw.get("outcomes", list(KEY_OUTCOMES))}, known)
    outcomes = tuple(dict.fromkeys([*outcomes, *options["thresholds"], *options.get("objectives", {})]))
    return dict(name=name, description=_string(f, raw, "description", ""),
                description_zh=_string(f, raw, "description_zh", ""), design=design, file=f, scenarios=(base,),
                seed=seed, reps=_int(f, "reps", reps if reps is not None else raw.get("reps", 2), 1),
                outcomes=outcomes, bounds=bounds, options=options)


def space_bounds(f: str, raw: Mapping[str, Any], base: Scenario) -> tuple[Bound, ...]:
    """The uncertainty space as Bounds (group = its [uncertainty.NAME], or "parameters")."""
    from dataclasses import replace
    from .uncertainty import parse_space
    space = parse_space(f, raw, base)
    if not space:
        raise ExperimentError(f, "uncertainty", raw.get("uncertainty"), "at least one uncertain parameter")
    plain = {k: {"low": v["low"], "high": v["high"]} for k, v in space.items()}
    return tuple(replace(b, group=space[b.key]["group"]) for b in _bounds(f, plain, allow_dists=False))


def check_futures(f: str, base: Scenario, bounds, futures: int, seed: int) -> None:
    """Every sampled future must make a valid base scenario (rules between values, such as rating
    cut points that must increase, can break when ranges overlap): refused before anything runs."""
    from .uncertainty import future_values, latin_hypercube
    if futures > 1_000_000:
        return  # run_count refuses the size, naming it
    for i, row in enumerate(latin_hypercube(bounds, futures, seed)):
        try:
            base.with_values(future_values(bounds, row), origin=f)
        except ScenarioError as exc:
            raise ExperimentError(f, exc.key, exc.value, f"{exc.allowed} (in sampled future {i}: narrow the "
                                  "uncertainty ranges so that they cannot break this rule)") from None


def thresholds(f: str, table: Any, known: frozenset[str]) -> dict[str, dict[str, float]]:
    """[thresholds] "OUTCOME" = { at_least = X } or { at_most = X }."""
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "thresholds", table, 'a [thresholds] table of "OUTCOME" = { at_least = X } '
                              "or { at_most = X }")
    out = {}
    for outcome, spec in table.items():
        where = f"thresholds.{outcome}"
        if outcome not in known:
            raise ExperimentError(f, where, spec, "a summary key (see a run's summary.json)")
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in THRESHOLD_KINDS:
            raise ExperimentError(f, where, spec, "{ at_least = NUMBER } or { at_most = NUMBER }")
        kind, value = next(iter(spec.items()))
        out[outcome] = {kind: _number(f, f"{where}.{kind}", value)}
    return out


def objectives(f: str, table: Any, limits: Mapping[str, Mapping[str, float]], known) -> dict[str, str]:
    """Which way is better for each outcome whose regret is reported: [robust] objectives =
    { "OUTCOME" = "max" | "min" }; by default the thresholds' outcomes, in their direction."""
    if table is None:
        return {o: THRESHOLD_KINDS[next(iter(spec))] for o, spec in limits.items()}
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f, "robust.objectives", table, '{ "OUTCOME" = "max" or "min", ... }')
    for outcome, way in table.items():
        if outcome not in known:
            raise ExperimentError(f, f"robust.objectives.{outcome}", way, "a summary key (see a run's summary.json)")
        if way not in DIRECTIONS:
            raise ExperimentError(f, f"robust.objectives.{outcome}", way, '"max" (higher is better) or "min"')
    return dict(table)


def discover_options(f: str, table: Mapping[str, Any]) -> dict[str, Any]:
    method = table.get("method", "prim")
    if method not in METHODS:
        raise ExperimentError(f, "discover.method", method, f"one of {', '.join(METHODS)}")
    density = _number(f, "discover.threshold_density", table.get("threshold_density", 0.8))
    mass = _number(f, "discover.min_mass", table.get("min_mass", 0.05))
    if not 0 < density <= 1:
        raise ExperimentError(f, "discover.threshold_density", density, "a share in (0, 1]")
    if not 0 < mass < 1:
        raise ExperimentError(f, "discover.min_mass", mass, "a share in (0, 1)")
    return {"method": method, "threshold_density": density, "min_mass": mass,
            "resamples": _int(f, "discover.resamples", table.get("resamples", 50), 0, 10_000)}


# ------------------------------------------------------------------- policies
def policies(f: str, raw: Mapping[str, Any], base_dir: Path, base: Scenario, bounds, fixed: Mapping[str, Any]
             ) -> dict[str, dict[str, Any]]:
    """name -> overrides, from scenario files, [policies."NAME"] tables and a policies_file, in that order."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}   # name -> (where it was given, overrides)
    paths = raw.get("scenarios", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ExperimentError(f, "scenarios", paths, "a list of scenario files (each one policy)")
    for p in paths:
        scenario = _scenarios(f, {"scenario": p}, "robust", base_dir, {})[0]
        changes = {k: v for k, v in scenario_overrides(scenario).items() if k not in fixed}  # [set] fixes these
        _add(f, found, scenario.name, "scenarios", changes)
    tables = raw.get("policies", {})
    if not isinstance(tables, dict):
        raise ExperimentError(f, "policies", tables, '[policies."NAME"] tables of KEY = VALUE overrides')
    for name, table in tables.items():
        _add(f, found, name, f"policies.{name}", _flat(f, f"policies.{name}", table))
    if "policies_file" in raw:
        for name, table in _policies_file(f, raw["policies_file"], base_dir).items():
            _add(f, found, name, f"policies_file {raw['policies_file']}: policies.{name}",
                 _flat(f, f"policies_file.policies.{name}", table))
    if len(found) < 2:
        raise ExperimentError(f, "policies", sorted(found), "at least two policies (scenarios = [...], "
                              '[policies."NAME"] tables or policies_file): regret compares them')
    uncertain = {b.key for b in bounds}
    for name, (where, overrides) in found.items():
        clash = sorted(uncertain & set(overrides))
        if clash:
            raise ExperimentError(f, f"{where}.{clash[0]}" if where.startswith("policies.") else where,
                                  overrides[clash[0]], f"policy {name!r} sets {clash[0]}, a parameter of the "
                                  "uncertainty space: leave it to the futures, or take it out of the space")
        try:
            policy_scenario(base, overrides, f)
        except ScenarioError as exc:
            key = f"{where}.{exc.key}" if where.startswith("policies.") else where
            raise ExperimentError(f, key, exc.value, f"{exc.allowed} (policy {name!r})") from None
    return {name: overrides for name, (_, overrides) in found.items()}


def _add(f: str, found: dict, name: str, where: str, overrides: dict[str, Any]) -> None:
    if not isinstance(name, str) or not is_safe_name(name):
        raise ExperimentError(f, where, name, f"a policy name: {SAFE_NAME_RULE}")
    if name in found:
        raise ExperimentError(f, where, name, f"a policy name not already used (by {found[name][0]})")
    found[name] = (where, overrides)


def _flat(f: str, where: str, table: Any, prefix: str = "") -> dict[str, Any]:
    """A policy table as dotted KEY = VALUE overrides ("policy.decentralisation" = 0.8, or nested)."""
    if not isinstance(table, dict):
        raise ExperimentError(f, where, table, "a table of KEY = VALUE overrides, e.g. \"policy.decentralisation\" = 0.8")
    out = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted.count(".") < 2 and dotted not in CATALOGUES:
            out.update(_flat(f, where, value, dotted + "."))
        else:
            out[dotted] = value
    return out


def _policies_file(f: str, path: Any, base_dir: Path) -> dict[str, Any]:
    if not isinstance(path, str):
        raise ExperimentError(f, "policies_file", path, "a path (string) to a TOML file of [policies.\"NAME\"] tables")
    target = path if Path(path).is_absolute() else base_dir / path
    if not Path(target).is_file():
        raise ExperimentError(f, "policies_file", path, f"no such file ({target})")
    try:
        data = read_toml(Path(target))
    except TomlError as exc:
        raise ExperimentError(f, "policies_file", path, str(exc)) from None
    tables = data.get("policies")
    if set(data) - {"policies"} or not isinstance(tables, dict) or not tables:
        raise ExperimentError(f, "policies_file", path, "a file of [policies.\"NAME\"] tables alone")
    return tables


def scenario_overrides(scenario: Scenario) -> dict[str, Any]:
    """What a scenario file changes from the root of its `extends` chain: the scalar values that
    differ, and any catalogue (needs, emergencies, tasks, collective) that differs, whole."""
    root = load(scenario.files[-1]) if len(scenario.files) > 1 else scenario
    out = {k: v for k, v in scenario.values.items() if root.values.get(k) != v}
    mine, theirs = scenario.to_dict(), root.to_dict()
    for table in CATALOGUES:
        if mine.get(table, {}) != theirs.get(table, {}):
            out[table] = mine.get(table, {})
    if scenario.changes != root.changes:
        out["territory.changes"] = [c.to_dict() for c in scenario.changes]
    return out


def policy_scenario(base: Scenario, overrides: Mapping[str, Any], origin: str) -> Scenario:
    """The base scenario with a policy's (and a future's) overrides; raises ScenarioError."""
    tables = {k: v for k, v in overrides.items() if k in CATALOGUES}
    if tables:
        base = from_dict({**base.to_dict(), **tables}, origin, files=base.files)
    return base.with_values({k: v for k, v in overrides.items() if k not in CATALOGUES}, origin)


# ------------------------------------------------------------ reading a robust study
def _reading_results(raw: Mapping[str, Any], f: str, base_dir: Path, name: str) -> dict[str, Any]:
    """discover with results = "FOLDER" and policy = "NAME": the robust study's space, futures and
    thresholds (the file's [thresholds] replace them), no runs."""
    for key in ("scenario", "scenarios", "uncertainty", "parameters", "policies", "policies_file", "set", "days"):
        if key in raw:
            raise ExperimentError(f, key, raw[key], "a discover design reading a robust study (results) takes its "
                                  "scenario, space and futures from that study")
    folder = raw["results"]
    if not isinstance(folder, str):
        raise ExperimentError(f, "results", folder, "the folder (string) of a finished robust study")
    path = Path(folder) if Path(folder).is_absolute() else base_dir / folder
    missing = [n for n in ROBUST_FILES if not (path / n).is_file()]
    if missing:
        raise ExperimentError(f, "results", folder, f"the folder of a finished robust study ({path} has no "
                              f"{', '.join(missing)})")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    study = manifest.get("experiment", {})
    if study.get("design") != "robust":
        raise ExperimentError(f, "results", folder, f"a robust study's folder (its design is {study.get('design')!r})")
    options = study["options"]
    policy = raw.get("policy")
    if policy not in options["policies"]:
        raise ExperimentError(f, "policy", policy, f"one of the study's policies: {', '.join(options['policies'])}")
    known = frozenset(study["outcomes"])
    limits = thresholds(f, raw["thresholds"], known) if "thresholds" in raw else options["thresholds"]
    table = discover_options(f, _options(f, raw, "discover"))
    if "futures" in raw.get("discover", {}):
        raise ExperimentError(f, "discover.futures", raw["discover"]["futures"], "no futures: they are the study's")
    bounds = tuple(Bound(k, v["low"], v["high"], group=v.get("group")) for k, v in study["bounds"].items())
    base = from_dict(study["scenarios"][0], str(path / "manifest.json"))
    return dict(name=name, description=_string(f, raw, "description", ""),
                description_zh=_string(f, raw, "description_zh", ""), design="discover", file=f, scenarios=(base,),
                seed=_int(f, "seed", raw.get("seed", study["seed"]), 0), reps=study["reps"],
                outcomes=tuple(study["outcomes"]), bounds=bounds,
                options={**table, "results": str(path.resolve()), "policy": policy, "thresholds": limits,
                         "futures": options["futures"], "policies": {policy: options["policies"][policy]}})
