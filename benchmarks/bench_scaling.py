"""Scaling with population: the baseline scenario at 10k, 100k and 1M residents, 365 days.

Each size runs in a fresh subprocess (``--child``), so the peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read by the child at its end) is
that size's own. Every other parameter is the baseline's: grids, committees and
township staff scale with the households. Reported per size: simulation wall
time (``Outcomes.wall_s``, build included), build time, events, cases created,
µs per case, the child's CPU seconds, and peak RSS.

Linearity: cost per case should not grow with size, so the ratio of µs per case
at the largest size to that at the smallest should be <= 1 (a ``--tolerance``
allows for noise; default 1.25). Targets at 1M residents x 365 days: <= 120 s wall
and <= 4 GiB peak RSS.

Small sizes are repeated (``--repeats``, default 3; the run with the median wall
time is reported); sizes >= 1M run ``--repeats-large`` times (default 1), as one
takes a couple of minutes.

Usage::

    python benchmarks/bench_scaling.py [--sizes 10000,100000,1000000] [--days 365] [--seed 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import _common as C

LARGE = 1_000_000
TARGET_1M_S = 120.0
TARGET_1M_RSS_GIB = 4.0


def child(residents: int, days: int, seed: int) -> None:
    """Run one size in this (fresh) process and print one JSON line."""
    C.ensure_root_on_path()
    import sim
    c0 = time.process_time()
    out = sim.run(str(C.BASELINE), seed, days=days, overrides={"territory.residents": residents}, case_table=False)
    cpu = time.process_time() - c0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cases = int(out.summary["cases.created"])
    print(json.dumps({
        "residents": residents, "days": days, "seed": seed, "wall_s": out.wall_s, "build_s": out.meta["build_s"],
        "events": int(out.meta["events"]), "cases": cases, "cpu_s_call": cpu,
        "us_per_case": 1e6 * out.wall_s / cases, "us_per_resident_day": 1e6 * out.wall_s / (residents * days),
        "peak_rss_gib": ru.ru_maxrss * 1024 / C.GIB,  # ru_maxrss is in KiB on Linux
        "grids": int(out.summary["territory.grids"]), "workers": int(out.summary["workers.count"]),
    }), flush=True)


def run_size(residents: int, days: int, seed: int) -> dict:
    cmd = [sys.executable, __file__, "--child", str(residents), "--days", str(days), "--seed", str(seed)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=C.ROOT)
    if p.returncode != 0:
        raise RuntimeError(f"child for {residents} residents failed ({p.returncode}):\n{p.stderr}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["process_s"] = time.perf_counter() - t0
    r["load_average"] = C.load_average()
    return r


def run(sizes: list[int], days: int = 365, seed: int = 1, repeats: int = 3, repeats_large: int = 1,
        tolerance: float = 1.25, log=print) -> dict:
    rows = []
    for n in sizes:
        reps = []
        for i in range(repeats_large if n >= LARGE else repeats):
            r = run_size(n, days, seed)
            reps.append(r)
            log(f"  {n:>9,} residents, rep {i + 1}: wall {r['wall_s']:.2f} s, build {r['build_s']:.2f} s, "
                f"{r['cases']:,} cases, {r['us_per_case']:.1f} µs/case, peak RSS {r['peak_rss_gib']:.2f} GiB, "
                f"load {r['load_average']}")
        reps.sort(key=lambda r: r["wall_s"])
        row = dict(reps[(len(reps) - 1) // 2])  # the run with the median wall time (lower median)
        row["repeats"] = len(reps)
        row["all_wall_s"] = [r["wall_s"] for r in reps]
        row["peak_rss_gib"] = max(r["peak_rss_gib"] for r in reps)
        rows.append(row)
    small, big = rows[0], rows[-1]
    ratio = big["us_per_case"] / small["us_per_case"] if len(rows) > 1 else float("nan")
    res = {"days": days, "seed": seed, "rows": rows, "linearity_ratio": ratio, "tolerance": tolerance,
           "linear_met": (ratio <= tolerance) if len(rows) > 1 else None}
    big_1m = next((r for r in rows if r["residents"] >= LARGE), None)
    if big_1m is not None:
        res["target_1m_time_met"] = big_1m["wall_s"] <= TARGET_1M_S
        res["target_1m_rss_met"] = big_1m["peak_rss_gib"] <= TARGET_1M_RSS_GIB
    return res


def table(res: dict) -> str:
    return C.md_table(
        ("residents", "wall s", "build s", "CPU s", "events", "cases", "µs/case", "peak RSS GiB", "reps (wall s)"),
        [(r["residents"], r["wall_s"], r["build_s"], r["cpu_s_call"], r["events"], r["cases"], r["us_per_case"],
          r["peak_rss_gib"], ", ".join(f"{x:.2f}" for x in r["all_wall_s"])) for r in res["rows"]])


def verdicts(res: dict) -> list[str]:
    out = []
    if res["linear_met"] is not None:
        a, b = res["rows"][0], res["rows"][-1]
        out.append(f"µs/case {b['residents']:,} vs {a['residents']:,} residents: {res['linearity_ratio']:.2f} "
                   f"(no worse than linear if <= {res['tolerance']:g}): {C.verdict(res['linear_met'])}")
    if "target_1m_time_met" in res:
        r = next(r for r in res["rows"] if r["residents"] >= LARGE)
        out.append(f"1M residents x {res['days']} days wall {r['wall_s']:.1f} s (target <= {TARGET_1M_S:g} s): "
                   f"{C.verdict(res['target_1m_time_met'])}")
        out.append(f"1M residents peak RSS {r['peak_rss_gib']:.2f} GiB (target <= {TARGET_1M_RSS_GIB:g} GiB): "
                   f"{C.verdict(res['target_1m_rss_met'])}")
    return out


def main(argv: list[str] | None = None) -> dict | None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000,1000000",
                   help="comma-separated resident counts (default 10000,100000,1000000)")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3, help="runs per size below 1M (median reported)")
    p.add_argument("--repeats-large", type=int, default=1, help="runs per size of 1M and more")
    p.add_argument("--tolerance", type=float, default=1.25, help="allowed µs/case ratio largest/smallest")
    p.add_argument("--child", type=int, metavar="RESIDENTS", help=argparse.SUPPRESS)
    p.add_argument("--json", help="also write the results as JSON to this path")
    a = p.parse_args(argv)
    if a.child is not None:
        child(a.child, a.days, a.seed)
        return None
    sizes = sorted(int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip())
    print(f"Scaling: baseline scenario, {a.days} days, seed {a.seed}, sizes {', '.join(f'{n:,}' for n in sizes)}; "
          "one fresh process per run", flush=True)
    res = run(sizes, a.days, a.seed, a.repeats, a.repeats_large, a.tolerance,
              log=lambda s: print(s, flush=True))
    print()
    print(table(res))
    print()
    for line in verdicts(res):
        print(line)
    C.write_json(a.json, res)
    return res


if __name__ == "__main__":
    main()
