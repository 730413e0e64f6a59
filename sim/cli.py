"""The `govsim` command line: run, params, validate.

Bad input (a scenario, a --set, an option) prints one clear line and exits
with status 2 before anything is written. Outputs go to a temporary folder
beside the target and are moved into place only when complete, so an
interrupted or failed run never leaves a half-written result nor destroys an
earlier one.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import tomllib
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .docs import parameters_markdown, parameters_table, reference_markdown
from .outcomes import Outcomes
from .runner import run
from .scenario import Scenario, ScenarioError, load
from .streams import Streams

PACKAGES = ("mesa", "numpy", "scipy", "networkx", "matplotlib", "SALib", "tqdm")
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input: exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = ["govsim", *argv]
    try:
        return args.func(args)
    except (ScenarioError, UsageError) as exc:
        print(f"govsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `govsim params | head`
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="govsim", description="An agent-based laboratory for grassroots governance.")
    p.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run one scenario and write its outputs")
    r.add_argument("scenario", help="a scenario file, e.g. scenarios/baseline.toml")
    r.add_argument("--seed", type=_nonneg_int, default=0, help="random seed (default 0)")
    r.add_argument("--days", type=_pos_int, help="days to simulate (overrides sim.days)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set grid.households_per_grid=200 (repeatable)")
    r.add_argument("--out", help="output folder (default results/SCENARIO-seedN)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="compare scenarios over paired replications (common random numbers)")
    c.add_argument("scenarios", nargs="+", help="scenario files; the first is the reference")
    c.add_argument("--reps", type=_pos_int, default=10, help="replications per scenario (default 10); with "
                   "--precision, the batch size")
    c.add_argument("--precision", type=_pos_float, metavar="H",
                   help="add replications until the 95%% CI half-width of every key outcome (times, rates, "
                        "satisfaction, utilisation) is within H of its mean (relative, e.g. 0.02)")
    c.add_argument("--max-reps", type=_pos_int, default=200, help="cap for --precision (default 200)")
    c.add_argument("--seed", type=_nonneg_int, default=0, help="root seed (default 0)")
    c.add_argument("--days", type=_pos_int, help="days to simulate (overrides sim.days)")
    c.add_argument("--workers", type=_pos_int, help="processes (default: all cores; 1 runs in this process)")
    c.add_argument("--out", help="output folder (default results/compare-seedN)")
    c.set_defaults(func=cmd_compare)

    pa = sub.add_parser("params", help="list every parameter: key, value, unit, range, source")
    pa.add_argument("scenario", nargs="?", help="show this scenario's values instead of the defaults")
    pa.add_argument("--markdown", action="store_true", help="print docs/parameters.md")
    pa.set_defaults(func=cmd_params)

    v = sub.add_parser("validate", help="analytic checks (Erlang C, Little's law) as a pass/fail table")
    v.add_argument("--cases", type=_pos_int, default=600_000, help="cases per M/M/c check (default 600000)")
    v.add_argument("--seed", type=_nonneg_int, default=0)
    v.add_argument("--days", type=_pos_int, default=365, help="days per Little's-law scenario run")
    v.add_argument("--scenarios", default="scenarios", help="folder of scenarios for Little's law")
    v.set_defaults(func=cmd_validate)
    vsub = v.add_subparsers(dest="check")
    m = vsub.add_parser("mmc", help="the model's M/M/c reduction against Erlang C")
    m.add_argument("--arrival-rate", type=_pos_float, required=True, help="λ, cases per hour")
    m.add_argument("--service-rate", type=_pos_float, required=True, help="μ, cases per hour per server")
    m.add_argument("--servers", type=_pos_int, required=True, help="c, grid workers")
    # SUPPRESS: without it the subcommand's defaults would overwrite `validate --cases N mmc ...`
    m.add_argument("--cases", type=_pos_int, default=argparse.SUPPRESS, help="cases (default 600000, as for validate)")
    m.add_argument("--seed", type=_nonneg_int, default=argparse.SUPPRESS, help="seed (default 0)")
    m.add_argument("--json", action="store_true", help="print JSON")
    m.set_defaults(func=cmd_validate_mmc)
    return p


def _number(kind: type, minimum: float, strict: bool):
    """An argparse type: a finite `kind` >= minimum (> minimum when strict)."""
    what = "a whole number" if kind is int else "a number"
    bound = f"more than {minimum}" if strict else f"{minimum} or more"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"{text} must be {bound}")
        return value

    return parse


_pos_int = _number(int, 1, strict=False)
_nonneg_int = _number(int, 0, strict=False)
_pos_float = _number(float, 0.0, strict=True)


# ---------------------------------------------------------------------- run
def parse_sets(items: Sequence[str]) -> dict[str, Any]:
    """KEY=VALUE pairs; VALUE is read as a TOML value (200, 0.5, true, "text"), else as a string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r}: expected KEY=VALUE, e.g. --set grid.households_per_grid=200")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        out[key.strip()] = value
    return out


def cmd_run(args) -> int:
    overrides = parse_sets(args.set)
    if args.days is not None:
        overrides["sim.days"] = args.days
    scenario = load(args.scenario, overrides or None)
    out_dir = Path(args.out or f"results/{scenario.name}-seed{args.seed}")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: exists and is not a folder")
    outcomes = _run_with_progress(scenario, args.seed, show=not args.no_progress)
    write_outputs(out_dir, scenario, args.seed, outcomes, argv=args.argv)
    print(human_summary(scenario, args.seed, outcomes))
    print(f"outputs: {out_dir}/ (summary.json, timeseries.csv, cases.csv, manifest.json)")
    return 0


def _run_with_progress(scenario: Scenario, seed: int, show: bool) -> Outcomes:
    days = scenario["sim.days"]
    if not show or days < 30:
        return run(scenario, seed)
    from tqdm import tqdm

    with tqdm(total=days, unit="day", desc=scenario.name, disable=None, leave=False) as bar:
        return run(scenario, seed, on_day=lambda d: bar.update(1))


def write_outputs(out_dir: Path, scenario: Scenario, seed: int, outcomes: Outcomes, argv=None) -> None:
    """Write everything into a temporary sibling folder, then swap it into place."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; results are ordinary files
    try:
        _write_json(tmp / "summary.json", outcomes.summary)
        _write_csv(tmp / "timeseries.csv", list(outcomes.timeseries),
                   zip(*(col.tolist() for col in outcomes.timeseries.values())))
        _write_csv(tmp / "cases.csv", outcomes.case_columns, outcomes.case_rows)
        _write_json(tmp / "surveys.json", outcomes.surveys)
        _write_json(tmp / "manifest.json", manifest(scenario, seed, outcomes, argv))
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _clean(value: Any) -> Any:
    """NaN and infinities become null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_clean(data), indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def _fmt_cell(x: Any) -> Any:
    if isinstance(x, float):
        return "" if math.isnan(x) else repr(round(x, 9))
    return x


def _write_csv(path: Path, header: Sequence[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([_fmt_cell(x) for x in row])


def manifest(scenario: Scenario, seed: int, outcomes: Outcomes, argv=None) -> dict[str, Any]:
    """Provenance: the scenario as resolved, seed and streams, version, commit, packages, timings."""
    return {
        "govsim_version": __version__,
        "git_commit": git_commit(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": list(argv) if argv else None,
        "seed": seed,
        "random_streams": Streams(seed).entropy(),
        "scenario_files": list(scenario.files),
        "scenario": scenario.to_dict(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "wall_time_s": {"simulation": outcomes.wall_s, "build": outcomes.meta.get("build_s")},
        "events_processed": outcomes.meta.get("events"),
    }


def package_versions() -> dict[str, str | None]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """The commit of the govsim checkout, with '+dirty' if it has uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def human_summary(scenario: Scenario, seed: int, o: Outcomes) -> str:
    s = o.summary

    def f(key: str, fmt: str = "{:.1f}") -> str:
        value = s.get(key, math.nan)
        return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else fmt.format(value)

    days = scenario["sim.days"]
    lines = [
        f"govsim {__version__} — {scenario.name}, seed {seed}, {days} days "
        f"({int(s['population.residents']):,} residents, {int(s['territory.grids'])} grids, "
        f"{int(s['workers.count'])} grid workers); simulated in {o.wall_s:.2f} s",
        f"  cases          {int(s['cases.created']):,} needs arose; {int(s['cases.resolved']):,} resolved, "
        f"{int(s['cases.abandoned']):,} abandoned ({int(s['cases.lapsed']):,} never reported), "
        f"{int(s['cases.open']):,} open at the end",
        f"  response       mean {f('response_time_h.mean')} h, median {f('response_time_h.median')} h, "
        f"p90 {f('response_time_h.p90')} h (report to first response)",
        f"  resolution     mean {f('resolution_time_h.mean')} h, p90 {f('resolution_time_h.p90')} h; "
        f"on time {f('rates.on_time', '{:.1%}')}; resolution rate {f('rates.resolution', '{:.1%}')}",
        f"  satisfaction   好差评 satisfaction rate {f('ratings.satisfaction_rate', '{:.1%}')}, "
        f"bad ratings {f('ratings.bad_rate', '{:.1%}')}; survey {f('survey.satisfaction_rate', '{:.1%}')} "
        f"± {f('survey.se', '{:.1%}')}; latent mean {f('satisfaction.latent_mean', '{:.3f}')}",
        f"  equity         elderly gap: latent {f('satisfaction.elderly_gap', '{:+.3f}')}, "
        f"response {f('equity.response_gap_elderly_h', '{:+.1f}')} h",
        f"  workforce      grid-worker utilisation {f('workers.utilisation', '{:.1%}')}, "
        f"overtime {f('workers.overtime_hours_per_worker_year')} h/worker-year; "
        f"staff cost {f('cost.staff_cny', '{:,.0f}')} CNY",
    ]
    if s.get("emergency.count"):
        lines += [
            f"  emergency      {int(s['emergency.count'])} emergencies, {int(s['emergency.affected_households']):,} "
            f"households affected; detected after {f('emergency.detection_delay_h')} h, activated "
            f"{f('emergency.activation_delay_h')} h later; first contact mean {f('emergency.first_contact_h.mean')} h, "
            f"p90 {f('emergency.first_contact_h.p90')} h; vulnerable reached in time "
            f"{f('emergency.vulnerable_reached_in_deadline', '{:.1%}')}; unmet urgent needs "
            f"{f('emergency.unmet_urgent_needs', '{:.0f}')}",
            f"  volunteers     {f('volunteers.served', '{:,.0f}')} served, {f('volunteers.hours', '{:,.0f}')} h in "
            f"emergencies, {f('volunteers.mutual_aid_cases', '{:,.0f}')} mutual-aid cases; points cost "
            f"{f('volunteers.incentive_cost_cny', '{:,.0f}')} CNY; routine backlog "
            f"{f('routine.backlog_before', '{:.0f}')} -> peak {f('routine.backlog_peak', '{:.0f}')}, back in "
            f"{f('routine.recovery_days')} days",
        ]
    return "\n".join(lines)


# ------------------------------------------------------------------ compare
def cmd_compare(args) -> int:
    from .lab.compare import compare
    from .lab.executors import make_executor

    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the reference)")
    overrides = {"sim.days": args.days} if args.days else None
    scenarios = [load(path, overrides) for path in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(f"scenario names must differ: {', '.join(names)}")
    out_dir = Path(args.out or f"results/compare-seed{args.seed}")
    with make_executor("process", args.workers) as executor:
        result = compare(scenarios, args.reps, args.seed, executor, precision=args.precision,
                         max_reps=args.max_reps)
    if args.precision is not None:
        reached = len(result.seeds)
        met = "met" if reached < args.max_reps else "stopped at --max-reps"
        print(f"precision {args.precision:g}: {reached} replications per scenario ({met})")
    _write_comparison(out_dir, result, scenarios, args)
    print(comparison_table(result))
    print(f"outputs: {out_dir}/ (comparison.csv, report.md, manifest.json)")
    return 0


def comparison_table(result) -> str:
    lines = [f"{'outcome':<28} {'scenario':<20} {'mean [95% CI]':<32} {'difference [95% CI]':<34} p (Holm)"]
    for r in result.rows:
        mean = f"{r['mean']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}]"
        diff = "" if math.isnan(r["diff"]) else f"{r['diff']:+.4g} [{r['diff_ci_low']:+.4g}, {r['diff_ci_high']:+.4g}]"
        p = "" if math.isnan(r["p_holm"]) else f"{r['p_holm']:.3g}"
        lines.append(f"{r['outcome']:<28} {r['scenario']:<20} {mean:<32} {diff:<34} {p}")
    return "\n".join(lines)


def _write_comparison(out_dir: Path, result, scenarios, args) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        header = list(result.rows[0])
        _write_csv(tmp / "comparison.csv", header, ([r[h] for h in header] for r in result.rows))
        (tmp / "report.md").write_text(_report_md(result), encoding="utf-8")
        _write_json(tmp / "manifest.json", {
            "govsim_version": __version__, "git_commit": git_commit(), "command": args.argv,
            "root_seed": args.seed, "replication_seeds": result.seeds, "reps": len(result.seeds),
            "precision": args.precision,
            "scenarios": {s.name: s.to_dict() for s in scenarios}, "python": platform.python_version(),
            "platform": platform.platform(), "packages": package_versions()})
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _report_md(result) -> str:
    ref = result.scenarios[0]
    lines = [f"# Scenario comparison against `{ref}`", "",
             f"{len(result.seeds)} paired replications per scenario (common random numbers: replication i of "
             "every scenario uses the same seed). Means with 95% confidence intervals; differences from the "
             f"reference `{ref}` are paired, with paired t-test p-values adjusted by Holm's method over all "
             "comparisons in this table, and Cohen's d_z as the effect size.", "",
             "| outcome | scenario | mean [95% CI] | difference [95% CI] | p (Holm) | d_z |", "|---|---|---|---|---|---|"]
    for r in result.rows:
        diff = "" if math.isnan(r["diff"]) else f"{r['diff']:+.4g} [{r['diff_ci_low']:+.4g}, {r['diff_ci_high']:+.4g}]"
        p = "" if math.isnan(r["p_holm"]) else f"{r['p_holm']:.3g}"
        dz = "" if math.isnan(r["effect_size_dz"]) else f"{r['effect_size_dz']:+.2f}"
        lines.append(f"| {r['outcome']} | {r['scenario']} | {r['mean']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}]"
                     f" | {diff} | {p} | {dz} |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------- params
def cmd_params(args) -> int:
    scenario = load(args.scenario) if args.scenario else None
    if args.markdown:
        print(parameters_markdown(scenario) if scenario else reference_markdown(), end="")
    else:
        print(parameters_table(scenario))
    return 0


# ----------------------------------------------------------------- validate
def cmd_validate(args) -> int:
    from .validation import standard_checks

    if not Path(args.scenarios).is_dir():
        raise UsageError(f"--scenarios {args.scenarios}: no such folder")
    checks = standard_checks(cases=args.cases, seed=args.seed, scenario_dir=args.scenarios,
                             little_days=args.days)
    width = max(len(c.name) for c in checks)
    print(f"{'check':<{width}}  {'expected':<22}  {'observed':<36}  result")
    for c in checks:
        print(f"{c.name:<{width}}  {c.expected:<22}  {c.observed:<36}  {'PASS' if c.passed else 'FAIL'}")
    failed = sum(not c.passed for c in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 0 if not failed else 1


def cmd_validate_mmc(args) -> int:
    from .validation import run_mmc

    try:
        r = run_mmc(args.arrival_rate, args.service_rate, args.servers, args.cases, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(_clean(r.as_dict()), indent=2))
        return 0
    print(f"M/M/c reduction of the model: λ={r.arrival_rate}/h, μ={r.service_rate}/h, c={r.servers}, "
          f"{r.cases:,} cases, seed {args.seed}")
    print(f"  mean wait   simulated {r.sim_mean_wait_h * 60:9.4f} min   Erlang C {r.analytic_mean_wait_h * 60:9.4f} min"
          f"   error {r.wait_error:.2%}")
    print(f"  P(wait)     simulated {r.sim_p_wait:9.4f}       Erlang C {r.analytic_p_wait:9.4f}"
          f"       error {r.p_wait_error:.2%}")
    print(f"  simulation wall time {r.wall_s:.2f} s ({r.wall_s / max(r.cases, 1) * 1e6:.1f} µs per case)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
