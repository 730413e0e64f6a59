"""A robust study, timed: 10 policies × 200 futures × 2 replications of the workshop scenario.

The full setting (``python benchmarks/bench_robust.py``) is 4,000 runs of the workshop-sized street
office (about 5,000 residents, 180 days) over the default uncertainty space (sim/lab/uncertainty.py),
through the real machinery: ``build`` + ``run_experiment`` with the process pool, a fresh output
folder, analysis, scenario discovery, figures and report included. ``--quick`` runs 3 policies × 8
futures × 1 replication (24 runs) and projects the full study from it:

    per-run cost = simulation seconds recorded in the ledger / runs (one core's time per run)
    projected wall = per-run cost × 4,000 runs / cores + the analysis phase

and again from the CPU time of the pool's workers (what the runs cost on cores nobody else uses;
on a loaded machine a run's wall time includes waiting for a core).

The projection assumes the runs scale perfectly over the cores (they are independent and each
takes seconds, so the pool's overhead is small: bench_experiment.py measures it), cores as fast as
this machine's, and an analysis phase no longer than the quick study's times the growth in futures
(PRIM's cost grows with the futures; regret and satisficing are linear). The machine is shared: the
load average is reported with the result.

Usage::

    python benchmarks/bench_robust.py --quick [--workers 2] [--json out.json]
    python benchmarks/bench_robust.py [--workers N]          # the full 4,000-run study
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import _common as C

C.ensure_root_on_path()

from sim.lab.executors import make_executor  # noqa: E402
from sim.lab.experiment import build, run_count  # noqa: E402
from sim.lab.study import run_experiment  # noqa: E402

POLICIES = ("baseline", "small_grids", "large_grids", "decentralisation", "decentralisation_unfunded",
            "smart_channels", "burden_reduction", "part_time_grid_workers", "grid_heads", "collective_prevention")
FULL = {"policies": 10, "futures": 200, "reps": 2}
QUICK = {"policies": 3, "futures": 8, "reps": 1}
CLUSTER_CORES = 64


def definition(size: dict) -> dict:
    scenarios = C.ROOT / "scenarios"
    return {"name": "bench_robust", "design": "robust", "scenario": str(scenarios / "workshop.toml"),
            "scenarios": [str(scenarios / f"{p}.toml") for p in POLICIES[:size["policies"]]],
            "seed": 1, "reps": size["reps"], "outcomes": ["response_time_h.mean", "rates.on_time"],
            "thresholds": {"rates.on_time": {"at_least": 0.7}, "response_time_h.mean": {"at_most": 24}},
            "robust": {"futures": size["futures"]}}


def measure(size: dict, workers: int) -> dict:
    exp = build(definition(size), C.ROOT / "benchmarks" / "bench_robust.toml")
    out = Path(tempfile.mkdtemp(prefix="bench_robust_"))
    executor = make_executor("process", workers)
    load_start = os.getloadavg()[0]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        run_experiment(exp, out, executor, progress=False)
        wall = time.perf_counter() - t0
    finally:
        executor.shutdown()
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, reaped at shutdown
    workers_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    manifest = json.loads((out / "manifest.json").read_text())
    simulated = manifest["simulation_s_in_ledger"]
    runs = run_count(exp)
    runs_wall = simulated / workers  # the runs phase at perfect scaling on this machine's workers
    shutil.rmtree(out, ignore_errors=True)
    return {"size": size, "runs": runs, "workers": workers, "wall_s": wall, "simulation_s": simulated,
            "per_run_s": simulated / runs, "analysis_s_at_most": max(0.0, wall - runs_wall),
            "workers_cpu_s": workers_cpu, "per_run_cpu_s": workers_cpu / runs,
            "load_start": load_start, "load_end": os.getloadavg()[0]}


def project(m: dict) -> dict:
    full_runs = FULL["policies"] * FULL["futures"] * FULL["reps"]
    analysis = m["analysis_s_at_most"] * FULL["futures"] / m["size"]["futures"]
    cpu = m["per_run_cpu_s"] * full_runs
    return {"full_runs": full_runs,
            "this_machine_h_from_cpu": (cpu / os.cpu_count() + analysis) / 3600,
            "cluster_min_from_cpu": (cpu / CLUSTER_CORES + analysis) / 60,
            "this_machine_cores": os.cpu_count(),
            "this_machine_h": (m["per_run_s"] * full_runs / os.cpu_count() + analysis) / 3600,
            "cluster_cores": CLUSTER_CORES,
            "cluster_min": (m["per_run_s"] * full_runs / CLUSTER_CORES + analysis) / 60}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 policies × 8 futures × 1 replication, and a projection")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    m = measure(QUICK if args.quick else FULL, args.workers)
    m["projection"] = project(m)
    m["machine"] = C.machine_info()
    p = m["projection"]
    print(f"{m['runs']} runs on {m['workers']} workers: {m['wall_s']:.1f} s wall, {m['simulation_s']:.1f} s simulated "
          f"(per run {m['per_run_s']:.2f} s of one core; load {m['load_start']:.2f} → {m['load_end']:.2f})")
    print(f"CPU time of the pool's workers: {m['workers_cpu_s']:.1f} s, {m['per_run_cpu_s']:.2f} s per run "
          "(imports included; wall per run exceeds it when the machine is loaded)")
    print(f"analysis, discovery, figures and report: at most {m['analysis_s_at_most']:.1f} s")
    print(f"full study ({p['full_runs']:,} runs): {p['this_machine_h']:.2f} h on this machine's "
          f"{p['this_machine_cores']} cores; {p['cluster_min']:.1f} min on {p['cluster_cores']} cores "
          "(perfect scaling, cores as fast as these)")
    print(f"  from CPU time instead (an unloaded machine): {p['this_machine_h_from_cpu']:.2f} h here; "
          f"{p['cluster_min_from_cpu']:.1f} min on {p['cluster_cores']} cores")
    if args.json:
        args.json.write_text(json.dumps(m, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
