"""Run every benchmark and write benchmarks/RESULTS.md (``make bench``).

Each benchmark runs as its own subprocess (a clean interpreter, so one benchmark's
heap and caches do not affect the next), writes JSON, and this script assembles
one Markdown report: the machine, a summary table with every target, and each
benchmark's detailed table. The 1M-resident scaling run (a couple of minutes) and
the experiment layer's N=256 Sobol analysis (4,608 workshop runs, 10-20 minutes)
are included by default; ``--no-full`` leaves them out.

Usage::

    python benchmarks/run_all.py [--full | --no-full] [--out benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C
import bench_baseline
import bench_emergency
import bench_events
import bench_experiment
import bench_mmc
import bench_scaling


def _run(script: str, args: list[str], tmp: Path) -> dict:
    out = tmp / (Path(script).stem + ".json")
    cmd = [sys.executable, str(C.BENCH_DIR / script), *args, "--json", str(out)]
    print(f"\n$ {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(cmd))}", flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=C.ROOT)  # its output streams through
    print(f"({time.perf_counter() - t0:.0f} s)", flush=True)
    return json.loads(out.read_text())


def summary_rows(ev: dict, bl: dict, mm: dict, sc: dict, em: dict, ex: dict) -> list[tuple]:
    rows = []
    e = {r["mechanism"]: r for r in ev["rows"]}
    mesa_, heap, gov = (e[name] for name, _ in bench_events.MECHANISMS)
    rows.append(("events", f"Mesa schedule_event + run_until, N={ev['events']:,}",
                 f"{mesa_['total_us']:.2f} µs/event ({mesa_['vs_heapq']:.1f}× heapq)", "-", "-"))
    rows.append(("events", f"heapq push + pop, N={ev['events']:,}", f"{heap['total_us']:.2f} µs/event", "-", "-"))
    rows.append(("events", f"govsim EventQueue push + drain, N={ev['events']:,}",
                 f"{gov['total_us']:.2f} µs/event ({gov['vs_heapq']:.1f}× heapq)", "-", "-"))
    m = bl["median"]
    rows.append(("baseline", f"{bl['residents']:,} residents x {bl['days']} d, median of {bl['repeats']}",
                 f"{m['wall_s']:.2f} s wall (build {m['build_s']:.2f} s), {bl['events']:,} events, "
                 f"{bl['cases']:,} cases, {m['us_per_case']:.1f} µs/case",
                 f"<= {bench_baseline.TARGET_S:g} s", C.verdict(bl["target_met"])))
    rows.append(("M/M/c", f"ours, λ={mm['arrival_rate']:g} μ={mm['service_rate']:g} c={mm['servers']}, "
                 f"median of {mm['repeats']}",
                 f"{mm['ours_us_per_case']:.2f} µs/case ({mm['ours_cases']:,} cases, {mm['ours_wall_s']:.2f} s)",
                 "-", "-"))
    rows.append(("M/M/c", f"SimPy peer, same λ μ c, median of {mm['repeats']}",
                 f"{mm['simpy_us_per_case']:.2f} µs/case ({mm['simpy_cases']:,} cases, {mm['simpy_wall_s']:.2f} s)",
                 "-", "-"))
    rows.append(("M/M/c", "ratio ours / SimPy", f"{mm['ratio']:.2f}", "<= 1", C.verdict(mm["target_met"])))
    for r in sc["rows"]:
        rows.append(("scaling", f"{r['residents']:,} residents x {r['days']} d",
                     f"{r['wall_s']:.1f} s wall (build {r['build_s']:.1f} s), {r['cases']:,} cases, "
                     f"{r['us_per_case']:.1f} µs/case, peak RSS {r['peak_rss_gib']:.2f} GiB",
                     "<= 120 s, <= 4 GiB" if r["residents"] >= bench_scaling.LARGE else "-",
                     (C.verdict(sc["target_1m_time_met"]) + " / " + C.verdict(sc["target_1m_rss_met"]))
                     if r["residents"] >= bench_scaling.LARGE else "-"))
    if sc["linear_met"] is not None:
        a, b = sc["rows"][0], sc["rows"][-1]
        rows.append(("scaling", f"µs/case {b['residents']:,} / {a['residents']:,} residents",
                     f"{sc['linearity_ratio']:.2f}", f"<= {sc['tolerance']:g} (linear)", C.verdict(sc["linear_met"])))
    rows.append(("emergency", f"baseline + a cold wave over {em['affected_households']:,} households, "
                 f"median of {em['repeats']}",
                 f"+{em['added_s']:.2f} s ({em['median']['baseline']:.2f} s -> {em['median']['with_emergency']:.2f} s)",
                 f"<= {bench_emergency.TARGET_S:g} s added", C.verdict(em["target_met"])))
    s = ex["sobol"]
    if s is not None:
        rows.append(("experiment", f"Sobol N={s['n']}, k={s['k']}, second order: {s['runs']:,} workshop runs, "
                     f"process pool ({s['workers']} workers), analysis + figures",
                     f"{s['wall_s'] / 60:.1f} min wall, {s['runs_per_s']:.2f} runs/s, "
                     f"{1e3 * s['s_per_run']:.0f} ms/run, "
                     f"load {s['load_average_start']} -> {s['load_average_end']}",
                     f"<= {s['target_s'] / 60:g} min" if s["target_applies"] else
                     f"- (target at N={bench_experiment.SOBOL_TARGET_N})",
                     C.verdict(s["target_met"]) if s["target_applies"] else "-"))
    p = ex["pool"]
    rows.append(("experiment", f"process pool ({p['workers']} workers, steady state) vs serial, "
                 f"{p['runs']} workshop runs, median of {p['repeats']}",
                 f"{p['ratio']:.2f}× ({p['pool_runs_per_s']:.2f} vs {p['serial_runs_per_s']:.2f} runs/s; "
                 f"pool start-up {p['pool_startup_s']:.1f} s, end to end {p['ratio_end_to_end']:.2f}×; peer: "
                 f"{p['workers']} independent processes {p['peer']['ceiling']:.2f}×, so "
                 f"{p['share_of_ceiling']:.0%} of this machine's ceiling)",
                 f">= {p['target']:g}×", C.verdict(p["target_met"])))
    o = ex["overhead"]
    rows.append(("experiment", f"engine + serial executor + file ledger: wall time beyond the runs' own, "
                 f"{o['runs']} runs, median of {o['repeats']}",
                 f"{o['in_pass_overhead']:+.2%} (two passes vs direct calls {o['overhead']:+.1%}; ledger commit "
                 f"{ex['ledger']['record_ms_per_run']:.2f} ms/run)",
                 f"< {o['target']:.0%}", C.verdict(o["target_met"])))
    return rows


def report(machine: dict, ev: dict, bl: dict, mm: dict, sc: dict, em: dict, ex: dict, elapsed: float) -> str:
    mrows = [("CPU", machine["cpu"]), ("cores", f"{machine['cores']} ({machine['cores_usable']} usable)"),
             ("RAM", f"{machine['ram_gib']} GiB"), ("OS", machine["os"]), ("Python", machine["python"]),
             ("mesa", machine["mesa"]), ("numpy", machine["numpy"]), ("simpy", machine["simpy"]),
             ("govsim", f"{machine['govsim']} (`sim` from {machine['sim_package']})"), ("date", machine["date"]),
             ("load average at start", machine["load_average"]),
             ("load average at end", C.load_average())]
    parts = [
        "# govsim benchmark results",
        "",
        f"Written by `benchmarks/run_all.py` (`make bench`) in {elapsed / 60:.1f} min. "
        "The machine is shared: timings are medians of interleaved repetitions, and the load average is shown "
        "with each run; wall times on a loaded 2-core machine include waiting for a core.",
        "",
        "## Machine",
        "",
        C.md_table(("", ""), mrows),
        "",
        "## Summary",
        "",
        C.md_table(("benchmark", "what", "result", "target", "status"), summary_rows(ev, bl, mm, sc, em, ex)),
        "",
        f"## Event mechanism (`bench_events.py`): N = {ev['events']:,} no-op events, "
        f"{ev['repeats']} interleaved repetitions, cyclic GC {'on' if ev['gc'] else 'off'}",
        "",
        bench_events.table(ev),
        "",
        f"## Baseline (`bench_baseline.py`): {bl['residents']:,} residents, {bl['days']} days, seed {bl['seed']}",
        "",
        "`wall s` is `Outcomes.wall_s` (world build + simulation, no summary); `CPU s (call)` is the whole "
        "`sim.run` call's process time.",
        "",
        bench_baseline.table(bl),
        "",
        f"## M/M/c (`bench_mmc.py`): λ={mm['arrival_rate']:g}/h, μ={mm['service_rate']:g}/h, c={mm['servers']} "
        f"(ρ={mm['rho']:.2f}), interleaved, seed {mm['seed']}",
        "",
        "Ours: the full model reduced to M/M/c, timed by `Outcomes.wall_s` (includes random draws and world build). "
        "SimPy: `benchmarks/simpy_mmc.py`, timed by its `wall_s` (excludes its up-front random draws), "
        "fed as many cases as ours created.",
        "",
        bench_mmc.table(mm),
        "",
        f"## Scaling (`bench_scaling.py`): baseline scenario, {sc['days']} days, one fresh process per run",
        "",
        bench_scaling.table(sc),
        "",
        *[f"- {line}" for line in bench_scaling.verdicts(sc)],
        "",
        f"## Emergency (`bench_emergency.py`): baseline with and without a cold wave, seed {em['seed']}",
        "",
        bench_emergency.table(em),
        "",
        f"## Experiment layer (`bench_experiment.py`): `{ex['scenario']}` (about 5,000 residents, 180 days)",
        "",
        "Sobol: `benchmarks/sobol_benchmark.toml` through `load_experiment` + `run_experiment` with the process pool"
        + ("" if ex["sobol"] is not None else " (not run: `--no-full`)") + ". Pool vs serial and overhead: "
        "`engine.execute` with a fresh file ledger each time, interleaved repetitions, medians.",
        "",
        bench_experiment.tables(ex),
        "",
        *[f"- {line}" for line in bench_experiment.verdicts(ex)],
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action=argparse.BooleanOptionalAction, default=True,
                   help="include the 1M-resident scaling size and the N=256 Sobol experiment benchmark "
                        "(default: on; --no-full to skip)")
    p.add_argument("--out", default=str(C.BENCH_DIR / "RESULTS.md"), help="Markdown report path")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    machine = C.machine_info()
    print("Machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()), flush=True)
    sizes = "10000,100000,1000000" if a.full else "10000,100000"
    seed = ["--seed", str(a.seed)]
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="govsim-bench-") as d:
        tmp = Path(d)
        ev = _run("bench_events.py", seed, tmp)
        bl = _run("bench_baseline.py", seed, tmp)
        mm = _run("bench_mmc.py", seed, tmp)
        sc = _run("bench_scaling.py", ["--sizes", sizes, *seed], tmp)
        em = _run("bench_emergency.py", seed, tmp)
        ex = _run("bench_experiment.py", ["--sobol" if a.full else "--no-sobol", *seed], tmp)
    text = report(machine, ev, bl, mm, sc, em, ex, time.perf_counter() - t0)
    Path(a.out).write_text(text)
    print("\n" + text)
    print(f"written to {a.out}")


if __name__ == "__main__":
    main()
