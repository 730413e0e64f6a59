"""The case event log's cost (sim/case_log.py), and the case tracer's (sim/dashboard/tracer.py), on the
workshop scenario (``scenarios/workshop.toml``: about 5,000 residents, 180 days).

The scenario is run with the log on and off, alternating, `--reps` times each (the steps only, not the
build); reported: the log's entries and bytes a case, and the fastest and the median milliseconds a
model day with it on and off. Then, on the run with the log: the time to trace a case (its steps,
its map path and its summary) and to find the household nearest a click, over every case.

Usage::

    python benchmarks/bench_case_log.py [--reps 6] [--seed 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time

import _common as C


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    from sim import GovernanceModel, load_scenario
    from sim.dashboard.tracer import nearest, trace, trace_path, trace_summary

    scenario = load_scenario(C.ROOT / "scenarios" / "workshop.toml")
    days = scenario["sim.days"]
    ms_a_day: dict[bool, list[float]] = {True: [], False: []}
    for rep in range(args.reps):
        for on in ((True, False) if rep % 2 else (False, True)):
            model = GovernanceModel(scenario, args.seed, case_log=on)
            t = time.perf_counter()
            for _ in range(days):
                model.step()
            ms_a_day[on].append((time.perf_counter() - t) / days * 1000)
            if on:
                logged = model
    log, cases = logged.case_log, logged.cases
    ids = [c.id for c in cases if c.t_arise <= logged.events.now]
    t = time.perf_counter()
    for case_id in ids:
        trace_summary(trace(logged, case_id), "zh")
        trace_path(logged, case_id)
    trace_ms = (time.perf_counter() - t) / len(ids) * 1000
    xy = logged.territory.hh_xy
    t = time.perf_counter()
    for x, y in xy[:: max(1, len(xy) // 50)].tolist():
        nearest(logged, x, y)
    nearest_ms = (time.perf_counter() - t) / len(xy[:: max(1, len(xy) // 50)]) * 1000
    out = {"days": days, "cases": len(cases), "entries": len(log), "entries_per_case": len(log) / len(cases),
           "bytes": log.nbytes(), "bytes_per_case": log.nbytes() / len(cases),
           "ms_a_day_on": {"min": min(ms_a_day[True]), "median": C.median(ms_a_day[True])},
           "ms_a_day_off": {"min": min(ms_a_day[False]), "median": C.median(ms_a_day[False])},
           "trace_ms_a_case": trace_ms, "nearest_ms": nearest_ms}
    print(f"workshop scenario, {days} days, seed {args.seed}: {len(cases):,} cases, {len(log):,} log entries "
          f"({out['entries_per_case']:.1f} a case), {log.nbytes():,} bytes ({out['bytes_per_case']:.0f} a case)")
    for on in (True, False):
        v = out["ms_a_day_on" if on else "ms_a_day_off"]
        print(f"  log {'on ' if on else 'off'}: {v['min']:.2f} ms a day fastest, {v['median']:.2f} median "
              f"({args.reps} runs)")
    print(f"  trace + path + summary: {trace_ms:.2f} ms a case; nearest household to a click: {nearest_ms:.2f} ms")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
