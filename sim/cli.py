"""The `govsim` command line: run, params, validate.

Bad input (a scenario, a --set, an option, an --out govsim must not write) prints
one clear line and exits with status 2 before anything runs or is written.
Outputs go to a temporary folder and are moved into place only when complete,
so an interrupted or failed run never leaves a half-written result nor destroys
an earlier one; an output folder holding files govsim did not write is refused
unless --force is given, and even then only govsim's own files are replaced
(see sim/outputs.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from . import __version__, options
from .docs import parameters_markdown, parameters_table, reference_markdown
from .outcomes import Outcomes
from .outputs import OutputError, check_default, check_folder, replace_run_outputs
from .provenance import clean, csv_text, git_commit, json_text, package_versions
from .runner import run
from .lab.experiment import ExperimentError
from .lab.ledger import LedgerMismatch
from .options import OptionError, parse_sets
from .scenario import Scenario, ScenarioError, load
from .streams import Streams

EXIT_BAD_INPUT = 2


class UsageError(OptionError):
    """Bad command-line input: exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr (argparse prints the usage too): the option,
    the value, what is allowed, and where to read more; exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = ["govsim", *argv]
    try:
        return args.func(args)
    except (ScenarioError, OptionError, ExperimentError, LedgerMismatch, OutputError) as exc:
        print(f"govsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `govsim params | head`
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="govsim", description="An agent-based laboratory for grassroots governance.")
    p.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run one scenario and write its outputs")
    r.add_argument("scenario", help="a scenario file, e.g. scenarios/baseline.toml")
    r.add_argument("--seed", type=options.nonneg_int, default=0, help="random seed (default 0)")
    r.add_argument("--days", type=options.days, help="days to simulate (overrides sim.days)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set grid.households_per_grid=200 (repeatable)")
    r.add_argument("--out", help="output folder (default results/SCENARIO-seedN); it may hold only govsim's "
                                 "earlier outputs of a run, which are replaced")
    r.add_argument("--force", action="store_true", help="write into an --out folder that also holds other files "
                                                        "(only govsim's own files there are replaced)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--max-memory", type=_memory_size, metavar="SIZE",
                   help="refuse a run estimated to need more memory than this, e.g. 4G (default: the memory "
                        "available)")
    r.set_defaults(func=cmd_run)

    _lab_parsers(sub)

    _dashboard_parsers(sub)
    _district_parsers(sub)

    pa = sub.add_parser("params", help="list every parameter: key, value, unit, range, source")
    pa.add_argument("scenario", nargs="?", help="show this scenario's values instead of the defaults")
    pa.add_argument("--markdown", action="store_true", help="print docs/parameters.md")
    pa.set_defaults(func=cmd_params)

    v = sub.add_parser("validate", help="analytic checks (Erlang C, Little's law) and the steady state, as a "
                                        "pass/fail table")
    v.add_argument("--cases", type=options.positive_int, default=600_000, help="cases per M/M/c check (default 600000)")
    v.add_argument("--seed", type=options.nonneg_int, default=0)
    v.add_argument("--days", type=options.days, default=730,
                   help="days per Little's-law scenario run (default 730: two whole seasonal years)")
    v.add_argument("--scenarios", default="scenarios", help="folder of scenarios for Little's law")
    v.add_argument("--steady-seeds", type=options.nonneg_int, default=6,
                   help="seeds of the steady-state check: the folder's baseline.toml over its warm-up and two "
                        "measured years, seeds SEED to SEED+N-1 (default 6; 0 leaves it out)")
    v.set_defaults(func=cmd_validate)
    vsub = v.add_subparsers(dest="check")
    m = vsub.add_parser("mmc", help="the model's M/M/c reduction against Erlang C")
    m.add_argument("--arrival-rate", type=options.positive_float, required=True, help="λ, cases per hour")
    m.add_argument("--service-rate", type=options.positive_float, required=True, help="μ, cases per hour per server")
    m.add_argument("--servers", type=options.positive_int, required=True, help="c, grid workers")
    # SUPPRESS: without it the subcommand's defaults would overwrite `validate --cases N mmc ...`
    m.add_argument("--cases", type=options.positive_int, default=argparse.SUPPRESS, help="cases (default 600000, as for validate)")
    m.add_argument("--seed", type=options.nonneg_int, default=argparse.SUPPRESS, help="seed (default 0)")
    m.add_argument("--json", action="store_true", help="print JSON")
    m.set_defaults(func=cmd_validate_mmc)
    return p


def _district_parsers(sub) -> None:
    """A planner's own district in (implemented in sim/district/)."""
    from .district.commands import add_district_parser

    add_district_parser(sub)


def _dashboard_parsers(sub) -> None:
    """The workshop dashboard and the recorded animation (implemented in sim/dashboard/)."""
    from .dashboard.commands import add_animate_parser, add_lessons_parser
    from .dashboard.i18n import LANGS

    d = sub.add_parser("dashboard", help="serve the workshop dashboard (map, levers, charts, two policies side by side)")
    d.add_argument("scenario", nargs="?", default="scenarios/workshop.toml",
                   help="scenario to open (default scenarios/workshop.toml, about 5,000 residents), or a "
                        "scenario folder holding scenario.toml (govsim district import --out FOLDER)")
    d.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    d.add_argument("--port", type=options.positive_int, default=8765, help="port (default 8765)")
    d.add_argument("--lang", choices=LANGS, default="zh", help="starting language (default zh; a toggle switches)")
    d.add_argument("--max-sessions", type=options.positive_int,
                   help="most browser tabs served at once, each with its own models (default: as many as fit in "
                        "80%% of the memory available, at most 60)")
    d.add_argument("--fetch-assets", action="store_true",
                   help="first fetch the page's scripts and styles (npm packages) into a local cache, so the "
                        "dashboard works without internet; later runs use the cache by themselves")
    d.set_defaults(func=cmd_dashboard)

    add_animate_parser(sub)
    add_lessons_parser(sub)


def cmd_dashboard(args) -> int:
    """Check the scenario, the address and the port, then serve sim.dashboard.server with Solara
    (until Ctrl-C). The page has no authentication: on an address other than loopback, anyone who
    can reach it may use it, and a warning says so."""
    from .dashboard import assets

    from .memory import check

    # A bad scenario fails here, with exit status 2; so does one whose two models side by side
    # (the dashboard's A/B comparison) would not fit in memory.
    scenario = Path(args.scenario)
    if scenario.is_dir():   # an imported district's folder
        scenario = scenario / "scenario.toml"
    check(load(scenario), copies=2, hint="use a smaller scenario for the dashboard")
    token = os.environ.get("GOVSIM_TRAINER_TOKEN") or secrets.token_urlsafe(12)
    env = {**os.environ, "GOVSIM_SCENARIO": str(scenario.resolve()), "GOVSIM_LANG": args.lang,
           "GOVSIM_TRAINER_TOKEN": token, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           "SOLARA_THEME_SHOW_BANNER": "False"}
    if args.max_sessions:
        env["GOVSIM_MAX_SESSIONS"] = str(args.max_sessions)
    check_port(args.host, args.port)
    if args.fetch_assets:
        try:
            assets.ensure()
        except assets.AssetsUnavailable as exc:
            raise UsageError(str(exc)) from None
    if not assets.missing():  # a complete local copy: serve it, no CDN needed
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(assets.cache_dir())
    cmd = [sys.executable, "-m", "solara", "run", "sim.dashboard.server", "--host", args.host, "--port",
           str(args.port), "--production", "--no-open", "--no-check-version"]
    if not is_loopback(args.host):
        print(f"govsim dashboard: warning: serving on {args.host}, reachable from other machines: the participants' "
              f"page has no authentication, so anyone who can reach this machine on port {args.port} can use it "
              "(and run simulations on it); only the trainer page needs the token; use --host 127.0.0.1 to serve "
              "this machine only", file=sys.stderr, flush=True)
    print(f"govsim dashboard: participants: http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    print(f"govsim dashboard: trainer:      http://{args.host}:{args.port}/trainer?token={token}", flush=True)
    try:
        return subprocess.run(cmd, env=env).returncode
    except KeyboardInterrupt:
        return 0


def is_loopback(host: str) -> bool:
    """Is `host` an address (or a name resolving only to addresses) of this machine alone?"""
    import ipaddress
    import socket

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def check_port(host: str, port: int) -> None:
    """Bind `host`:`port` for a moment, as the server will: a port in use, or an address that is not
    this machine's, is refused here, before anything says it is serving."""
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port}: a port number in [1, 65535]")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"--host {host}: not an address or name of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            sock.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"--port {port}: already in use on {host}; stop what serves there or choose "
                             f"another port, e.g. --port {port + 1 if port < 65535 else port - 1}") from None
        if exc.errno == errno.EACCES:
            raise UsageError(f"--port {port}: not allowed on {host} ({exc.strerror}); ports below 1024 need "
                             "privileges, choose one above, e.g. --port 8765") from None
        raise UsageError(f"--host {host}: cannot serve on this address ({exc.strerror or exc})") from None


def _lab_parsers(sub) -> None:
    """The experiment layer's commands (implemented in sim/lab/commands.py)."""
    from .lab import commands as lab

    def execution(q) -> None:
        q.add_argument("--out", help="output folder; rerunning on the same folder resumes (finished runs are "
                                     "read back from its ledger)")
        q.add_argument("--workers", type=options.positive_int, help="local processes (default: all cores; 1 runs in this process)")
        q.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster: its scheduler address "
                       "(tcp://host:8786) or scheduler file (PATH.json, from dask scheduler --scheduler-file), "
                       "or 'local' to start a LocalCluster")
        q.add_argument("--lang", choices=("en", "zh"), default="en", help="report and figure language (default en)")
        q.add_argument("--no-progress", action="store_true", help="no progress bar")
        q.add_argument("--force", action="store_true", help="write into an --out folder that also holds other "
                                                            "files (only govsim's own files there are replaced)")

    def file_study(name: str, help: str, example: str, func) -> None:
        q = sub.add_parser(name, help=help)
        q.add_argument("file", help=f"an experiment file, e.g. {example}")
        q.add_argument("--seed", type=options.nonneg_int, help="root seed (overrides the file's)")
        q.add_argument("--reps", type=options.positive_int, help="replications per scenario or design point (overrides the file's)")
        q.add_argument("--days", type=options.days, help="days to simulate (overrides the file's and the scenarios')")
        execution(q)
        q.set_defaults(func=func)

    file_study("experiment", "run a study defined in a TOML file (experiments/*.toml)",
               "experiments/policy_comparison.toml", lab.cmd_experiment)
    file_study("calibrate", "fit parameters to target statistics (a calibrate experiment file)",
               "experiments/calibration_beijing.toml", lab.cmd_calibrate)

    c = sub.add_parser("compare", help="compare scenarios over paired replications (common random numbers)")
    c.add_argument("scenarios", nargs="+", help="scenario files; the first is the reference")
    c.add_argument("--reps", type=options.positive_int, default=10, help="replications per scenario (default 10); with "
                   "--precision, the batch size")
    c.add_argument("--precision", type=options.positive_float, metavar="H",
                   help="add replications until the 95%% CI half-width of every key outcome (times, rates, "
                        "satisfaction, utilisation) is within H of its mean (relative, e.g. 0.02)")
    c.add_argument("--max-reps", type=options.positive_int, default=200, help="cap for --precision (default 200)")
    c.add_argument("--seed", type=options.nonneg_int, default=0, help="root seed (default 0)")
    c.add_argument("--days", type=options.days, help="days to simulate (overrides sim.days)")
    execution(c)
    c.set_defaults(func=lab.cmd_compare)

    w = sub.add_parser("sweep", help="sweep one or two parameters over paired replications")
    w.add_argument("scenario", help="the base scenario file")
    w.add_argument("--param", action="append", required=True, metavar="KEY=START:STOP:N",
                   help="a swept parameter: KEY=START:STOP:N (N evenly spaced values) or KEY=V1,V2,... "
                        "(once or twice)")
    w.add_argument("--reps", type=options.positive_int, default=5, help="replications per point (default 5)")
    w.add_argument("--seed", type=options.nonneg_int, default=0, help="root seed (default 0)")
    w.add_argument("--days", type=options.days, help="days to simulate (overrides sim.days)")
    w.add_argument("--outcome", action="append", metavar="KEY", help="record this summary outcome "
                   "(repeatable; default: the key outcomes)")
    execution(w)
    w.set_defaults(func=lab.cmd_sweep)

    rp = sub.add_parser("reproduce", help="rerun one run of an experiment in this process, from its ledger")
    rp.add_argument("folder", help="the experiment's output folder")
    rp.add_argument("run_id", help="the run's id (runs.csv, or the failure list)")
    rp.set_defaults(func=lab.cmd_reproduce)


def _memory_size(text: str) -> int:
    from .memory import parse_size
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ---------------------------------------------------------------------- run
def apply_overrides(scenario: Scenario, sets: dict[str, Any], days: int | None) -> Scenario:
    """`--set` overrides and `--days`, applied together; an error names the option at fault."""
    overrides = dict(sets)
    if days is not None:
        overrides["sim.days"] = days
    if not overrides:
        return scenario
    try:
        return scenario.with_values(overrides, origin="--set")
    except ScenarioError as exc:
        if days is None or "sim.days" in sets or "sim.days" not in (exc.key, *exc.involves):
            raise
        where = scenario.files[0] if scenario.files else scenario.name
        if exc.key == "sim.days":
            raise UsageError(f"--days {days}: {exc.allowed} (for {where})") from None
        raise UsageError(f"--days {days}: too few for {where}: its key '{exc.key}' = {exc.value!r} must be "
                         f"{exc.allowed}") from None


def cmd_run(args) -> int:
    started = time.time()
    sets = parse_sets(args.set)
    if args.out is not None:  # checked before the scenario: nothing runs for an --out govsim cannot write
        out_dir = check_folder(args.out, "run", force=args.force)
    scenario = apply_overrides(load(args.scenario), sets, args.days)
    _check_memory(scenario, args.max_memory)
    if args.out is None:
        out_dir = check_folder(check_default(Path(f"results/{scenario.name}-seed{args.seed}")), "run",
                               force=args.force)
    outcomes = _run_with_progress(scenario, args.seed, show=not args.no_progress)
    write_outputs(out_dir, scenario, args.seed, outcomes, argv=args.argv, started=started)
    print(human_summary(scenario, args.seed, outcomes))
    print(f"outputs: {out_dir}/ (summary.json, timeseries.csv, cases.csv, communities.csv, surveys.json, "
          "manifest.json)")
    return 0


def _check_memory(scenario: Scenario, limit: int | None) -> None:
    """Refuse a run that would not fit in memory (exit status 2); announce the estimate of a big one."""
    from .memory import ANNOUNCE_BYTES, check
    est = check(scenario, limit)
    if est.total >= ANNOUNCE_BYTES:
        print(f"govsim: {scenario.name}: {est.describe()}", flush=True)


def _run_with_progress(scenario: Scenario, seed: int, show: bool) -> Outcomes:
    days = scenario["sim.days"]
    if not show or days < 30:
        return run(scenario, seed)
    from tqdm import tqdm

    with tqdm(total=days, unit="day", desc=scenario.name, disable=None, leave=False) as bar:
        return run(scenario, seed, on_day=lambda d: bar.update(1))


def write_outputs(out_dir: Path, scenario: Scenario, seed: int, outcomes: Outcomes, argv=None,
                  started: float | None = None) -> None:
    """Write everything into a temporary folder, then put it in place (sim.outputs.replace_run_outputs:
    only govsim's own files in `out_dir` are replaced)."""
    with replace_run_outputs(Path(out_dir), started) as tmp:
        _write_json(tmp / "summary.json", outcomes.summary)
        _write_csv(tmp / "timeseries.csv", list(outcomes.timeseries),
                   zip(*(col.tolist() for col in outcomes.timeseries.values())))
        _write_csv(tmp / "cases.csv", outcomes.case_columns, outcomes.case_rows)
        _write_csv(tmp / "communities.csv", outcomes.community_columns, outcomes.community_rows)
        _write_json(tmp / "surveys.json", outcomes.surveys)
        _write_json(tmp / "manifest.json", manifest(scenario, seed, outcomes, argv))


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json_text(data), encoding="utf-8")


def _write_csv(path: Path, header: Sequence[str], rows) -> None:
    path.write_text(csv_text(header, rows), encoding="utf-8")


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


def petitioned(s: dict) -> str:
    """The disputes that left the loop for the court or a petition (信访, ODD 7.37), if any: the
    cases that arose and are neither resolved, abandoned nor open."""
    n = int(s["cases.created"] - s["cases.resolved"] - s["cases.abandoned"] - s["cases.open"])
    return f"{n:,} petitioned (信访), " if n else ""


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
        f"{petitioned(s)}{int(s['cases.open']):,} open at the end",
        f"  response       mean {f('response_time_h.mean')} h, median {f('response_time_h.median')} h, "
        f"p90 {f('response_time_h.p90')} h (report to first response)",
        f"  resolution     mean {f('resolution_time_h.mean')} h, p90 {f('resolution_time_h.p90')} h; "
        f"on time {f('rates.on_time', '{:.1%}')}; closed {f('rates.closed', '{:.1%}')}, "
        f"solved {f('rates.solved', '{:.1%}')}, reopened {f('rates.reopened', '{:.1%}')}",
        f"  satisfaction   好差评 satisfaction rate {f('ratings.satisfaction_rate', '{:.1%}')}, "
        f"bad ratings {f('ratings.bad_rate', '{:.1%}')}; survey {f('survey.satisfaction_rate', '{:.1%}')} "
        f"± {f('survey.se', '{:.1%}')}; latent mean {f('satisfaction.latent_mean', '{:.3f}')}",
        f"  equity         elderly gap: latent {f('satisfaction.elderly_gap', '{:+.3f}')}, "
        f"response {f('equity.response_gap_elderly_h', '{:+.1f}')} h",
        f"  workforce      time occupied: grid workers {f('workload.grid_worker.utilisation', '{:.1%}')}, "
        f"committees {f('workload.committee.utilisation', '{:.1%}')}, "
        f"township {f('workload.township.utilisation', '{:.1%}')}; "
        f"overtime {f('workers.overtime_hours_per_worker_year')} h/grid-worker-year; "
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
                             little_days=args.days, steady_seeds=args.steady_seeds)
    width = max(len(c.name) for c in checks)
    exp = max(22, *(len(c.expected) for c in checks))
    obs = max(36, *(len(c.observed) for c in checks))
    print(f"{'check':<{width}}  {'expected':<{exp}}  {'observed':<{obs}}  result")
    for c in checks:
        print(f"{c.name:<{width}}  {c.expected:<{exp}}  {c.observed:<{obs}}  {'PASS' if c.passed else 'FAIL'}")
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
        print(json.dumps(clean(r.as_dict()), indent=2))
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
