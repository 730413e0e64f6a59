"""Run an experiment end to end: design → runs (through the ledger and an executor) → analysis →
outputs in one folder.

Every design writes, beside its own tables, figures and report:
- `ledger.sqlite`: one row per run (parameters, seed, status, outcomes, duration, traceback);
- `runs.csv`: the same runs as a flat table, in design order;
- `manifest.json`: the experiment as resolved, its fingerprint, seeds, version, commit, packages.
Outputs are computed from the ledger's records, so an interrupted and resumed experiment writes
the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import itertools
import math
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..outputs import clean_stale_files
from ..provenance import atomic_write, environment, write_csv, write_json
from .compare import compare, mean_ci, replication_seeds
from .engine import RunsFailed, execute
from .experiment import DESIGNS, Experiment
from .ledger import LEDGER_NAME, Ledger
from .tasks import RunSpec


@dataclass
class Study:
    """What one experiment run needs: the definition, the output folder, the ledger, the executor."""
    exp: Experiment
    out: Path
    ledger: Ledger
    executor: Executor
    lang: str = "en"
    progress: bool = True
    specs: list[RunSpec] = field(default_factory=list)   # every run asked for, in design order
    files: list[str] = field(default_factory=list)       # outputs written, relative to out
    facts: dict[str, Any] = field(default_factory=dict)  # design results worth a place in the manifest
    warnings: list[str] = field(default_factory=list)    # for the reader of the command's output

    def execute(self, specs: Sequence[RunSpec], desc: str):
        self.specs.extend(specs)
        results = execute(specs, self.ledger, self.executor, progress=self.progress, desc=desc)
        if results.failed():
            raise RunsFailed(results, specs)
        return results

    def write(self, name: str, content: str | bytes) -> None:
        atomic_write(self.out / name, content)
        self.files.append(name)

    def csv(self, name: str, header: Sequence[str], rows) -> None:
        write_csv(self.out / name, header, rows)
        self.files.append(name)


def run_experiment(exp: Experiment, out: Path, executor: Executor, *, lang: str = "en", progress: bool = True,
                   argv: Sequence[str] | None = None) -> Study:
    """Run `exp` into folder `out` (resuming from its ledger if there is one)."""
    out.mkdir(parents=True, exist_ok=True)
    clean_stale_files(out, time.time())  # temporary files of a killed earlier call
    t0 = time.perf_counter()
    with Ledger(out / LEDGER_NAME, exp.fingerprint(), exp.definition()) as ledger:
        study = Study(exp, out, ledger, executor, lang, progress)
        try:
            RUN_DESIGN[exp.design](study)
        finally:  # also after failures: runs.csv and the manifest say what was done
            _write_runs(study)
            _write_manifest(study, argv, time.perf_counter() - t0)
    return study


# ---------------------------------------------------------------- designs
def _compare(study: Study) -> None:
    from .figures import comparison_figures
    from .report import comparison_report

    exp = study.exp
    result = compare(exp.scenarios, exp.reps, exp.seed, study.executor, exp.outcomes,
                     precision=exp.options.get("precision"), max_reps=exp.options.get("max_reps", 200),
                     ledger=study.ledger, progress=study.progress, detail=True, on_specs=study.specs.extend)
    study.facts["replications_reached"] = len(result.seeds)
    study.facts["replication_seeds"] = result.seeds
    header = list(result.rows[0])
    study.csv("comparison.csv", header, ([r[h] for h in header] for r in result.rows))
    figures = comparison_figures(result, study.out / "figures", lang=study.lang)
    study.files += [f"figures/{p.name}" for p in figures.values()]
    rel = {k: Path("figures") / p.name for k, p in figures.items()}
    meta = {"root_seed": exp.seed, "reps": len(result.seeds), "precision": exp.options.get("precision"),
            "days": exp.base["sim.days"], "experiment": exp.name, "description": exp.describe(study.lang),
            **_full_size(exp, study.lang)}
    study.write("report.md", comparison_report(result, rel, lang=study.lang, meta=meta))


def _sweep(study: Study) -> None:
    from .figures import sweep_figures
    from .report import sweep_report

    exp = study.exp
    seeds = replication_seeds(exp.seed, exp.reps)
    points = list(itertools.product(*(a.values for a in exp.axes)))
    keys = [a.key for a in exp.axes]
    specs = {}
    days = np.zeros(len(points))
    for p, values in enumerate(points):
        overrides = dict(zip(keys, values))
        resolved = exp.base.with_values(overrides, origin=exp.file)
        scenario, days[p] = resolved.to_dict(), resolved["sim.days"]
        for r, seed in enumerate(seeds):
            specs[p, r] = RunSpec(scenario, seed, exp.outcomes, label=f"point {p} rep {r}",
                                  params={**overrides, "rep": r})
    results = study.execute(list(specs.values()), "sweep")
    shape = tuple(len(a.values) for a in exp.axes)
    mean, low, high = (np.full(shape + (len(exp.outcomes),), math.nan) for _ in range(3))
    rows = []
    for p, values in enumerate(points):
        idx = np.unravel_index(p, shape)
        for j, key in enumerate(exp.outcomes):
            x = np.array([results.outcome(specs[p, r], key) for r in range(len(seeds))])
            m, lo, hi = mean_ci(x)
            mean[idx + (j,)], low[idx + (j,)], high[idx + (j,)] = m, lo, hi
            rows.append([*values, key, m, lo, hi, len(seeds)])
    study.csv("sweep.csv", [*keys, "outcome", "mean", "ci_low", "ci_high", "reps"], rows)
    sweep = {"params": keys, "axes": [np.array(a.values) for a in exp.axes], "outcomes": list(exp.outcomes),
             "mean": mean, "ci_low": low, "ci_high": high, "days": days.reshape(shape)}
    sweep["ties"] = _grid_ties(exp, points, specs, results, seeds)
    if sweep["ties"]:
        from .report import tie_warnings
        study.warnings += tie_warnings(sweep, "en")
        study.facts["tied_points"] = [g["points"] for g in sweep["ties"]]
    figures = sweep_figures(sweep, study.out / "figures", lang=study.lang)
    study.files += [f"figures/{p.name}" for p in figures.values()]
    rel = {k: Path("figures") / p.name for k, p in figures.items()}
    meta = {"root_seed": exp.seed, "reps": exp.reps, "days": exp.base["sim.days"], "experiment": exp.name,
            "description": exp.describe(study.lang), "scenario": exp.base.name, **_full_size(exp, study.lang)}
    study.write("report.md", sweep_report(sweep, rel, lang=study.lang, meta=meta))


GRID_KEY = "grid.households_per_grid"


def _grid_ties(exp: Experiment, points: list, specs: dict, results, seeds: list[int]) -> list[dict]:
    """Groups of sweep points that build the same street office: values of households per grid
    that cut every community into the same number of grids (the territory rounds households /
    households_per_grid), with everything else equal. The grid counts are the runs' recorded
    territory.grids when it is an outcome, else those of the models built for the first seed."""
    if GRID_KEY not in [a.key for a in exp.axes]:
        return []
    j = [a.key for a in exp.axes].index(GRID_KEY)
    if "territory.grids" in exp.outcomes:
        grids = [tuple(results.outcome(specs[p, r], "territory.grids") for r in range(len(seeds)))
                 for p in range(len(points))]
    else:
        from ..model import GovernanceModel
        from ..scenario import from_dict
        grids = [(GovernanceModel(from_dict(specs[p, 0].scenario, exp.name), seeds[0]).territory.n_grids,)
                 for p in range(len(points))]
    groups: dict[tuple, list[int]] = {}
    for p, values in enumerate(points):
        rest = tuple(v for i, v in enumerate(values) if i != j)  # the other swept value must agree too
        groups.setdefault((rest, grids[p]), []).append(p)
    return [{"points": g, "what": "territory.grids",
             "value": int(counts[0]) if len(set(counts)) == 1 else f"{int(min(counts))}–{int(max(counts))}"}
            for (_, counts), g in groups.items() if len(g) > 1]


def _full_size(exp: Experiment, lang: str) -> dict[str, Any]:
    """The replications and days the experiment file itself asks for, and the command that runs
    it so, for a report to say when a run was smaller (`make demo`: --reps 4 --days 180)."""
    from .experiment import ExperimentError, load_experiment
    if not Path(exp.file).is_file():
        return {}  # a command-line shorthand: no file to compare with
    try:
        full = load_experiment(exp.file)
    except ExperimentError:
        return {}
    command = f"govsim experiment {exp.file}" + (f" --lang {lang}" if lang != "en" else "")
    return {"full_reps": full.reps, "full_days": full.base["sim.days"], "full_command": command,
            "experiment_file": exp.file}


def _sensitivity(study: Study) -> None:
    from .sensitivity_study import run_sensitivity
    run_sensitivity(study)


def _calibrate(study: Study) -> None:
    from .calibration_study import run_calibration
    run_calibration(study)


def _optimise(study: Study) -> None:
    from .optimise_study import run_optimise
    run_optimise(study)


def _robust(study: Study) -> None:
    from .robust_study import run_robust
    run_robust(study)


def _discover(study: Study) -> None:
    from .discover_study import run_discover
    run_discover(study)


RUN_DESIGN = {"compare": _compare, "sweep": _sweep, "morris": _sensitivity, "sobol": _sensitivity,
              "calibrate": _calibrate, "optimise": _optimise, "robust": _robust,
              "discover": _discover}  # how each of experiment.DESIGNS is run
assert set(RUN_DESIGN) == set(DESIGNS), "a design without its runner"


# ---------------------------------------------------------------- common outputs
def _write_runs(study: Study) -> None:
    """Every run of the design, in design order, with its recorded outcomes (blank if not done)."""
    specs = list({s.run_id: s for s in study.specs}.values())
    records = study.ledger.records(s.run_id for s in specs)
    outcomes = list(dict.fromkeys(k for s in specs for k in s.outcomes))
    params = list(dict.fromkeys(k for s in specs for k in s.params))
    rows = []
    for s in specs:
        rec = records.get(s.run_id) or {"status": "not run", "outcomes": None}
        values = rec["outcomes"] or {}
        rows.append([s.run_id, s.label, s.seed, rec["status"], *(s.params.get(k, "") for k in params),
                     *(values.get(k, math.nan) for k in outcomes)])
    study.csv("runs.csv", ["run_id", "label", "seed", "status", *params, *outcomes], rows)


def _write_manifest(study: Study, argv, wall_s: float) -> None:
    exp = study.exp
    counts = study.ledger.counts()
    write_json(study.out / "manifest.json", {
        **environment(), "command": list(argv) if argv else None, "experiment_file": exp.file,
        "experiment": exp.definition(), "fingerprint": exp.fingerprint(), "root_seed": exp.seed,
        "replication_seeds": replication_seeds(exp.seed, exp.reps), **study.facts,
        "runs": len({s.run_id for s in study.specs}),
        "ledger_counts": counts, "simulation_s_in_ledger": study.ledger.total_duration(),
        "wall_s_this_call": wall_s, "outputs": sorted(set(study.files)) + ["runs.csv", "manifest.json",
                                                                           LEDGER_NAME]})
    study.files.append("manifest.json")


def failure_report(exc: RunsFailed, out: Path) -> str:
    """Which runs failed and how to reproduce one."""
    lines = [f"govsim: {exc}; the others are kept in {out / LEDGER_NAME}. Failed runs:"]
    for rid, spec, tb in exc.failed[:20]:
        last = tb.strip().splitlines()[-1] if tb.strip() else "no traceback"
        lines.append(f"  {rid}  {spec.label}  seed {spec.seed}: {last}")
    if len(exc.failed) > 20:
        lines.append(f"  ... and {len(exc.failed) - 20} more (see runs.csv)")
    rid = exc.failed[0][0]
    lines.append(f"reproduce one in this process, with its full traceback: govsim reproduce {out} {rid}")
    lines.append("rerun the same command to retry the failed runs (finished runs are not recomputed)")
    return "\n".join(lines)


def reproduce(out: Path, run_id: str) -> dict[str, Any]:
    """The ledger row of `run_id` (scenario, seed, recorded outcomes), for rerunning it in this
    process. FileNotFoundError without a ledger, KeyError without that run, LedgerCorrupt for a
    damaged ledger; the ledger is only read."""
    from .ledger import read_run

    path = Path(out) / LEDGER_NAME
    row = read_run(path, run_id)
    if row is None:
        raise KeyError(f"{path}: no run {run_id!r}")
    return row


def compare_outcomes(recorded: dict[str, Any], summary: dict[str, Any]) -> list[tuple[str, Any, float, bool]]:
    """(outcome, recorded value, value now, same?) for every recorded outcome. Same means equal
    to the last bit (a rerun on the same code, numpy and platform is bit-identical: the streams are
    seeded and every reduction has a fixed order), or both undefined (NaN, stored as NaN or null)."""
    out = []
    for key, then in recorded.items():
        now = float(summary.get(key, math.nan))
        undefined_then = then is None or (isinstance(then, float) and math.isnan(then))
        same = (math.isnan(now) and undefined_then) or (not undefined_then and now == then)
        out.append((key, then, now, same))
    return out
