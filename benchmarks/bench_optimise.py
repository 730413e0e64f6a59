"""The optimise design: the optimiser's overhead, and a 200-evaluation study on the process pool.

Both measures run ``experiments/optimise_budget.toml`` (the workshop street office, six levers, a
budget and an equity constraint) through the real machinery (``load_experiment``'s validation,
``run_experiment``, a fresh output folder and ledger), with the trials and replications of the
setting chosen:

- full (default): 200 evaluations × 4 replications, then the top 3 and the base scenario with 10
  fresh seeds: 840 runs;
- ``--quick``: 24 evaluations × 2 replications, then the top 2 and the base with 4 fresh seeds: 60 runs.

1. **Overhead** (``--serial``, on by default): the study with the in-process executor, so that
   every second of wall time is either a simulation (the ledger records each run's own duration)
   or the optimiser's work around it: optuna's ask/tell, building and hashing the run specs,
   reading and writing the ledger, the re-evaluation's statistics, figures and report. Overhead
   share = (wall − Σ run durations) / Σ run durations. Target: < 5 %. The study's own clock
   (ask/tell and specs; analysis and outputs) is reported beside it.
2. **Overhead at full size, without simulating** (always): the full setting's 200 × 4 study with the
   simulations replaced by instant synthetic outcomes (seeded by each run's seed), in-process: its
   whole wall time is the optimiser's (a TPE ask grows with the trials told, so this is measured,
   not extrapolated), divided by the full setting's runs × the seconds a run took in measure 1 (or
   in the pool). The quick setting's share is mostly fixed costs (importing matplotlib, the first
   figure's fonts, validating the file), which a full study spreads over 14 times as many runs.
3. **Process pool**: the same study with ``--workers`` processes, timed from loading the file to the
   pool's shutdown; the pool's efficiency = Σ run durations / (wall × workers). Rounds are
   synchronous (a round's candidates must be told before the next are asked), so a round waits for
   its slowest run: this is where the efficiency goes.

The machine is shared: the load average is recorded at the start and the end.

Usage::

    python benchmarks/bench_optimise.py [--quick] [--workers 2] [--no-serial] [--no-pool] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import _common as C

C.ensure_root_on_path()

from sim.lab.executors import SerialExecutor, make_executor  # noqa: E402
from sim.lab.experiment import build  # noqa: E402
from sim.lab.study import run_experiment  # noqa: E402
from sim.scenario import read_toml  # noqa: E402

EXPERIMENT = C.ROOT / "experiments" / "optimise_budget.toml"
SETTINGS = {"full": {"trials": 200, "reps": 4, "reevaluate_top": 3, "reevaluate_reps": 10},
            "quick": {"trials": 24, "reps": 2, "reevaluate_top": 2, "reevaluate_reps": 4}}
OVERHEAD_TARGET = 0.05


def experiment(setting: str):
    s = SETTINGS[setting]
    raw = read_toml(EXPERIMENT)
    raw["reps"] = s["reps"]
    raw["optimise"] = {**raw["optimise"], **{k: s[k] for k in ("trials", "reevaluate_top", "reevaluate_reps")}}
    return build(raw, EXPERIMENT)


def timed_study(setting: str, executor, tmp: Path, name: str) -> dict:
    folder = tmp / name
    t0 = time.perf_counter()
    exp = experiment(setting)
    validate_s = time.perf_counter() - t0  # includes the tiny run that lists the summary keys
    with executor:
        study = run_experiment(exp, folder, executor, progress=False)
    wall = time.perf_counter() - t0
    sim_s = _ledger_seconds(folder)
    runs = len({s.run_id for s in study.specs})
    clock = study.facts["overhead"]
    shutil.rmtree(folder, ignore_errors=True)
    out = {"wall_s": wall, "simulation_s": sim_s, "runs": runs, "validate_s": validate_s,
           "optimiser_s": clock["optimiser_s"], "analysis_s": clock["analysis_s"], "per_run_s": sim_s / runs}
    if isinstance(executor, SerialExecutor):  # wall = simulations + everything else, one after the other
        out.update(overhead_s=wall - sim_s, overhead_share=(wall - sim_s) / sim_s)
    return out


def dry_overhead(tmp: Path) -> dict:
    """The full setting with synthetic outcomes in place of simulations (tasks.run_record patched
    in this process, serial executor): every second is the optimiser's."""
    import numpy as np
    from sim.lab import tasks

    scale = {"cost.total_cny_per_year": (1.6e6, 0.6e6), "satisfaction.elderly_gap": (0.0, 0.06)}

    def synthetic(scenario, seed, outcomes, detail):  # most candidates feasible, as in the real study
        rng = np.random.default_rng(seed + int(scenario["grid"]["households_per_grid"]))
        return {"outcomes": {k: scale.get(k, (10.0, 10.0))[0] + scale.get(k, (10.0, 10.0))[1] * float(rng.random())
                             for k in outcomes}}

    real, tasks.run_record = tasks.run_record, synthetic
    try:
        r = timed_study("full", SerialExecutor(), tmp, "dry")
    finally:
        tasks.run_record = real
    return {"wall_s": r["wall_s"], "runs": r["runs"], "optimiser_s": r["optimiser_s"], "analysis_s": r["analysis_s"]}


def _ledger_seconds(folder: Path) -> float:
    manifest = json.loads((folder / "manifest.json").read_text())
    return float(manifest["simulation_s_in_ledger"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="24 evaluations × 2 replications instead of 200 × 4")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-serial", action="store_true", help="skip the overhead measure")
    ap.add_argument("--no-pool", action="store_true", help="skip the process-pool timing")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    setting = "quick" if args.quick else "full"
    out = {"setting": setting, **SETTINGS[setting], "workers": args.workers, "load_start": os.getloadavg()}
    tmp = Path(tempfile.mkdtemp(prefix="bench_optimise-"))
    try:
        if not args.no_serial:
            r = out["serial"] = timed_study(setting, SerialExecutor(), tmp, "serial")
            verdict = "meets" if r["overhead_share"] < OVERHEAD_TARGET else "misses"
            print(f"[{setting}] serial: {r['runs']} runs, wall {r['wall_s']:.1f} s, simulations {r['simulation_s']:.1f} s "
                  f"({r['per_run_s']:.2f} s a run); outside the simulations {r['overhead_s']:.2f} s = "
                  f"{r['overhead_share']:.2%} ({verdict} the < {OVERHEAD_TARGET:.0%} target; validating the file "
                  f"{r['validate_s']:.2f} s, ask/tell and specs {r['optimiser_s']:.2f} s, analysis and outputs "
                  f"{r['analysis_s']:.2f} s, the rest ledger, hashing and runs.csv)")
        d = out["dry_full"] = dry_overhead(tmp)
        per_run = (out.get("serial") or {}).get("per_run_s")
        share = f" = {d['wall_s'] / (d['runs'] * per_run):.2%} of {d['runs']} runs × {per_run:.2f} s" if per_run else ""
        print(f"[full, no simulations] {d['runs']} runs: the optimiser's own time {d['wall_s']:.1f} s (ask/tell and "
              f"specs {d['optimiser_s']:.2f} s, analysis and outputs {d['analysis_s']:.2f} s){share}")
        if per_run:
            d["share_of_full"] = d["wall_s"] / (d["runs"] * per_run)
        if not args.no_pool:
            r = out["pool"] = timed_study(setting, make_executor("process", args.workers), tmp, "pool")
            eff = r["simulation_s"] / (r["wall_s"] * args.workers)
            r["efficiency"] = eff
            print(f"[{setting}] process pool ({args.workers} workers): {r['runs']} runs in {r['wall_s']:.1f} s wall "
                  f"(simulations {r['simulation_s']:.1f} s, {r['per_run_s']:.2f} s a run); efficiency {eff:.0%}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_end"] = os.getloadavg()
    print(f"load average: start {out['load_start'][0]:.2f}, end {out['load_end'][0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
