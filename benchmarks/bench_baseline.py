"""Baseline scenario wall time: ``scenarios/baseline.toml`` (about 50,000 residents, 365 days).

Runs ``sim.run(baseline, seed, case_table=False)`` several times with the same seed
(identical work each time; the event count is checked to be identical) and
reports the median of ``Outcomes.wall_s`` (simulation wall time including the
world build, excluding the summary), the build time, the events processed and
the cases created. CPU seconds of the whole call (``time.process_time``,
including the summary) are shown too: on a shared machine wall time includes
waiting for a core, CPU time mostly does not.

Target: median wall time <= 5 s.

Usage::

    python benchmarks/bench_baseline.py [--repeats 3] [--seed 1] [--days 365] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import time

import _common as C

C.ensure_root_on_path()

import sim  # noqa: E402

TARGET_S = 5.0


def run(repeats: int = 3, seed: int = 1, days: int | None = None, scenario: str = str(C.BASELINE)) -> dict:
    sc = sim.load_scenario(scenario)
    reps = []
    for i in range(repeats):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        out = sim.run(sc, seed, days=days, case_table=False)
        c1, w1 = time.process_time(), time.perf_counter()
        cases = int(out.summary["cases.created"])
        reps.append({"rep": i + 1, "wall_s": out.wall_s, "build_s": out.meta["build_s"],
                     "events": int(out.meta["events"]), "cases": cases,
                     "call_wall_s": w1 - w0, "call_cpu_s": c1 - c0,
                     "us_per_case": 1e6 * out.wall_s / cases, "us_per_event": 1e6 * out.wall_s / out.meta["events"],
                     "load_average": C.load_average()})
        del out
    if len({r["events"] for r in reps}) != 1:
        raise RuntimeError(f"same seed, different event counts: {[r['events'] for r in reps]}")
    med = {k: C.median([r[k] for r in reps]) for k in ("wall_s", "build_s", "call_cpu_s", "us_per_case",
                                                       "us_per_event")}
    return {"scenario": scenario, "seed": seed, "days": days or sc["sim.days"], "residents": sc["territory.residents"],
            "repeats": repeats, "reps": reps, "median": med, "events": reps[0]["events"], "cases": reps[0]["cases"],
            "target_s": TARGET_S, "target_met": med["wall_s"] <= TARGET_S}


def table(res: dict) -> str:
    rows = [(r["rep"], r["wall_s"], r["build_s"], r["call_cpu_s"], r["events"], r["cases"], r["us_per_case"],
             r["load_average"]) for r in res["reps"]]
    m = res["median"]
    rows.append(("**median**", m["wall_s"], m["build_s"], m["call_cpu_s"], res["events"], res["cases"],
                 m["us_per_case"], ""))
    return C.md_table(("rep", "wall s", "build s", "CPU s (call)", "events", "cases", "µs/case", "load avg"), rows)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--days", type=int, default=None, help="override sim.days (default: the scenario's 365)")
    p.add_argument("--scenario", default=str(C.BASELINE))
    p.add_argument("--json", help="also write the results as JSON to this path")
    a = p.parse_args(argv)
    res = run(a.repeats, a.seed, a.days, a.scenario)
    print(f"Baseline: {res['scenario']} ({res['residents']:,} residents, {res['days']} days), seed {a.seed}, "
          f"{a.repeats} repetitions\n")
    print(table(res))
    print(f"\nmedian wall {res['median']['wall_s']:.2f} s; target <= {TARGET_S:g} s: {C.verdict(res['target_met'])}")
    C.write_json(a.json, res)
    return res


if __name__ == "__main__":
    main()
