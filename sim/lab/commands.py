"""The experiment layer's commands: experiment, compare, sweep, calibrate, reproduce.

`compare` and `sweep` are shorthands: they build the same experiment definition an
experiments/*.toml file holds, and run it through the same machinery.

Exit status: 0 all runs done and outputs written; 1 some runs failed (listed, with how to
reproduce one; the others are kept); 2 bad input (nothing run); 130 interrupted (finished runs
are kept; rerun the same command to resume).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..outputs import check_default, check_folder
from .engine import RunsFailed
from .executors import ProcessExecutor, make_executor
from .ledger import LEDGER_NAME, inspect
from .experiment import Experiment, ExperimentError, build, check_parallel_memory, load_experiment
from .study import failure_report, reproduce, run_experiment

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130
CLI = "<command line>"


def cmd_experiment(args, require: str | None = None) -> int:
    out = _out(args)  # an --out govsim cannot write is refused before anything else
    exp = _with_days(args, lambda days: load_experiment(args.file, seed=args.seed, reps=args.reps, days=days))
    if require and exp.design != require:
        raise ExperimentError(args.file, "design", exp.design, f"{require} (this command runs {require} experiments; "
                                                                 "use `govsim experiment` for the others)")
    return _run(exp, out or _default_out(f"results/{exp.name}", args), args)


def cmd_calibrate(args) -> int:
    return cmd_experiment(args, require="calibrate")


def cmd_compare(args) -> int:
    out = _out(args)
    raw = {"name": "compare", "design": "compare", "scenarios": [str(Path(p).resolve()) for p in args.scenarios],
           "seed": args.seed, "reps": args.reps, "compare": {"max_reps": args.max_reps}}
    if args.precision is not None:
        if not args.precision < 1:
            raise ExperimentError(CLI, "--precision", args.precision, "a relative half-width in (0, 1), e.g. 0.02")
        raw["compare"]["precision"] = args.precision
    exp = _with_days(args, lambda days: build({**raw, **({"days": days} if days else {})}, CLI, base_dir=Path.cwd()))
    return _run(exp, out or _default_out(f"results/compare-seed{args.seed}", args), args)


def cmd_sweep(args) -> int:
    out = _out(args)
    if len(args.param) > 2:
        raise ExperimentError(CLI, "--param", args.param, "one or two swept parameters")
    params = {}
    for text in args.param:
        key, spec = _sweep_param(text)
        if key in params:
            raise ExperimentError(CLI, "--param", text, f"'{key}' is swept twice; give each parameter once")
        params[key] = spec
    raw = {"name": "sweep", "design": "sweep", "scenario": str(Path(args.scenario).resolve()), "seed": args.seed,
           "reps": args.reps, "parameters": params}
    if args.outcome:
        raw["outcomes"] = args.outcome
    try:
        exp = _with_days(args, lambda days: build({**raw, **({"days": days} if days else {})}, CLI,
                                                  base_dir=Path.cwd()))
    except ExperimentError as exc:
        raise _as_param_error(exc, args.param) from None
    return _run(exp, out or _default_out(f"results/sweep-seed{args.seed}", args), args)


def _as_param_error(exc: ExperimentError, given: list[str]) -> ExperimentError:
    """An error about `parameters.KEY` of the definition built from --param names the option as typed."""
    prefix = "parameters."
    if exc.file != CLI or not (exc.key or "").startswith(prefix):
        return exc
    key = exc.key[len(prefix):]
    text = next((t for t in given if t.partition("=")[0].strip() == key), f"{key}=...")
    return ExperimentError(CLI, "--param", text, exc.allowed)


def _out(args) -> Path | None:
    """The --out folder, checked (sim.outputs.check_folder); None when not given."""
    if args.out is None:
        return None
    return _experiment_folder(args.out, args)


def _default_out(text: str, args) -> Path:
    return _experiment_folder(check_default(Path(text)), args)


def _experiment_folder(path: str | Path, args) -> Path:
    """A damaged ledger in the folder is named as such (and how to start afresh) before the folder
    rule would call it someone else's file."""
    if str(path).strip() and Path(path).is_dir():
        inspect(Path(path) / LEDGER_NAME)
    return check_folder(path, "experiment", force=getattr(args, "force", False))


def _with_days(args, make):
    """make(days): the experiment, with --days applied. An error that only --days causes names --days
    (not the experiment file, which is fine without it)."""
    if args.days is None:
        return make(None)
    try:
        return make(args.days)
    except ExperimentError as exc:
        make(None)  # the same error without --days: the file or the other options are at fault
        why = exc.allowed if exc.key in (None, "sim.days") else \
            f"too few: key '{exc.key}' = {exc.value!r} must then be {exc.allowed}"
        raise ExperimentError(CLI, "--days", args.days, why) from None


def _sweep_param(text: str) -> tuple[str, dict]:
    """KEY=START:STOP:N or KEY=V1,V2,..."""
    key, sep, spec = text.partition("=")
    allowed = "KEY=START:STOP:N (e.g. policy.decentralisation=0:1:5) or KEY=V1,V2,..."
    if not sep or not key.strip() or not spec.strip():
        raise ExperimentError(CLI, "--param", text, allowed)
    try:
        if ":" in spec:
            start, stop, n = spec.split(":")
            return key.strip(), {"start": _toml_value(start), "stop": _toml_value(stop), "n": int(n)}
        return key.strip(), {"values": [_toml_value(v) for v in spec.split(",")]}
    except ValueError:
        raise ExperimentError(CLI, "--param", text, allowed) from None


def _toml_value(text: str):
    from ..scenario import TomlError, parse_toml
    try:
        return parse_toml(f"v = {text.strip()}")["v"]
    except TomlError:  # malformed, nested too deeply, or a number too long to read
        raise ValueError(text) from None


def cmd_reproduce(args) -> int:
    """Rerun one run from its ledger row and compare every recorded outcome with the rerun's value.
    Exit status 0 when all match (or the run had failed and now succeeds), 1 when any differs
    (each is named), 2 for bad input (no ledger, no such run, a damaged ledger)."""
    from .. import __version__
    from ..runner import run
    from ..scenario import ScenarioError, from_dict
    from .study import compare_outcomes

    try:
        row = reproduce(Path(args.folder), args.run_id)
    except (FileNotFoundError, KeyError) as exc:
        raise ExperimentError(args.folder, "run_id", args.run_id, str(exc).strip("'\"")) from None
    if isinstance(row["seed"], bool) or not isinstance(row["seed"], int) or row["seed"] < 0:
        raise ExperimentError(args.folder, "run_id", args.run_id,
                              f"the ledger's seed for this run is not a seed: {row['seed']!r:.40}")
    try:
        scenario = from_dict(row["scenario"], f"{args.folder} run {row['run_id']}")
    except (ScenarioError, TypeError, AttributeError) as exc:
        raise ExperimentError(args.folder, "run_id", args.run_id,
                              f"the ledger's scenario for this run is not valid: {exc}") from None
    print(f"reproducing {row['run_id']} ({row['label']}, seed {row['seed']}, ledger status {row['status']})")
    if row["govsim_version"] != __version__:
        print(f"  note: the ledger was written by govsim {row['govsim_version']}, this is {__version__}; "
              "outcomes may differ")
    summary = run(scenario, row["seed"], case_table=False).summary  # a failure raises here, with its traceback
    recorded = row["outcomes"]
    if not isinstance(recorded, dict):  # a failed run records no outcomes: it now ran through
        print("  the ledger holds no outcomes for this run (it had failed); the rerun succeeded")
        return 0
    rows = compare_outcomes(recorded, summary)
    for key, then, now, same in rows:
        print(f"  {key:<32} {now:.10g}" + ("" if same else f"   ledger: {then!r}   DIFFERS"))
    differ = [key for key, _, _, same in rows if not same]
    if differ:
        print(f"govsim: reproduce: {len(differ)} of {len(rows)} outcomes differ from the ledger: "
              f"{', '.join(differ)}", file=sys.stderr)
        return EXIT_RUNS_FAILED
    print(f"all {len(rows)} recorded outcomes reproduced exactly")
    return 0


def _run(exp: Experiment, out: Path, args) -> int:
    try:
        executor = make_executor("process", args.workers, scheduler=args.scheduler)
    except ValueError as exc:
        raise ExperimentError(CLI, "--scheduler", args.scheduler, str(exc)) from None
    if isinstance(executor, ProcessExecutor) and executor.workers > 1:
        try:
            check_parallel_memory(exp, executor.workers)
        except BaseException:
            executor.shutdown(wait=False)
            raise
    try:
        study = run_experiment(exp, out, executor, lang=args.lang, progress=not args.no_progress, argv=args.argv)
    except RunsFailed as exc:
        executor.shutdown(wait=True)
        print(failure_report(exc, out), file=sys.stderr)
        return EXIT_RUNS_FAILED
    except KeyboardInterrupt:
        executor.shutdown(wait=False, cancel_futures=True)  # stop running work now; the ledger has the rest
        print(f"\ngovsim: interrupted; finished runs are kept in {out}/ledger.sqlite; rerun the same command "
              "to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        executor.shutdown(wait=False, cancel_futures=True)
        if not _cluster_lost(exc):
            raise
        print(f"govsim: the Dask cluster lost the work ({type(exc).__name__}: {exc}); finished runs are kept "
              f"in {out}/ledger.sqlite; check the workers' logs, then rerun the same command to resume",
              file=sys.stderr)
        return EXIT_RUNS_FAILED
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    _print_summary(study)
    return 0


def _cluster_lost(exc: BaseException) -> bool:
    """A Dask task killed with its workers (distributed's KilledWorker: workers died running it more
    than the scheduler's allowed-failures times) or a lost connection to the scheduler: the cluster's
    failure, not the model's, so a one-line message rather than a traceback (distributed is not imported)."""
    kind = type(exc)
    return kind.__module__.startswith("distributed") and kind.__name__ in ("KilledWorker", "CommClosedError",
                                                                           "FutureCancelledError")


def _print_summary(study) -> None:
    report = study.out / "report.md"
    print(f"{study.exp.design} '{study.exp.name}': {len({s.run_id for s in study.specs})} runs")
    print(f"outputs: {study.out}/ ({', '.join(sorted(set(study.files)))})")
    for warning in study.warnings:
        print(f"govsim: warning: {warning}", file=sys.stderr)
    if report.exists():
        print(f"report: {report}")
