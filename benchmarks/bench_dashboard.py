"""Dashboard frame time: one simulated day plus the map and the charts, for the workshop scenario
(``scenarios/workshop.toml``: about 5,000 residents).

A `sim.dashboard.Workshop` is stepped one day at a time, as the dashboard's play button does, and
after each day the map and the charts are rendered to PNG bytes by the fast path the live
dashboard uses (`map_png`, `charts_png`: cached static layers, moving artists drawn on top,
PNG-encoded). After a warm-up (the first frames build the figures and load the fonts) the demo
cold wave is started, so the timed days include an emergency (footprint, switched workers,
volunteers). Two set-ups: one model, and two side by side (B: decentralisation 0.8; two maps).
Reported separately: the step (all models), the map(s), the charts, and their sum (wall time), with
the CPU time of the sum (on a shared machine wall time includes waiting for a core, CPU time mostly
does not); medians and 90th percentiles over the timed days. For reference, a few frames are also drawn by the full path
(`figure_png` of `map_figure` / `charts_figure`: every axis, tick and label redrawn), which is what
a UI that hands the Figure to matplotlib for every frame would pay.

Target: one step rendered (step + map + charts, one model) <= 200 ms, median.

Usage::

    python benchmarks/bench_dashboard.py [--steps 30] [--warmup 10] [--seed 1] [--lang zh] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import time

import _common as C

C.ensure_root_on_path()

import numpy as np  # noqa: E402

import sim  # noqa: E402
from sim.dashboard import Workshop  # noqa: E402
from sim.dashboard.render import charts_figure, charts_png, figure_png, map_figure, map_png  # noqa: E402

TARGET_MS = 200.0
WORKSHOP = C.ROOT / "scenarios" / "workshop.toml"
SETUPS = (("one model", False), ("side by side", True))
FULL_FRAMES = 5


def _stats(xs: list[float]) -> dict:
    return {"median": C.median(xs), "p90": float(np.percentile(xs, 90)), "max": float(max(xs))}


def run_setup(scenario, seed: int, side_by_side: bool, steps: int, warmup: int, lang: str) -> dict:
    ws = Workshop(scenario, seed, side_by_side=side_by_side,
                  levers_b={"policy.decentralisation": 0.8} if side_by_side else None)
    load_before = C.load_average()
    for _ in range(warmup):  # also builds the renderers and their backgrounds
        ws.step(1)
        for side in ws.sides:
            map_png(ws.model(side), lang, side=side)
        charts_png(ws, lang)
    ws.start_emergency()
    gc.collect()
    rows = []
    for _ in range(steps):
        c0, t0 = time.process_time(), time.perf_counter()
        ws.step(1)
        t1 = time.perf_counter()
        sizes = [len(map_png(ws.model(side), lang, side=side)) for side in ws.sides]
        t2 = time.perf_counter()
        sizes.append(len(charts_png(ws, lang)))
        t3, c3 = time.perf_counter(), time.process_time()
        rows.append({"day": ws.day, "step_ms": 1e3 * (t1 - t0), "map_ms": 1e3 * (t2 - t1),
                     "charts_ms": 1e3 * (t3 - t2), "total_ms": 1e3 * (t3 - t0), "total_cpu_ms": 1e3 * (c3 - c0),
                     "png_bytes": sum(sizes), "emergency": ws.emergency_active("A")})
    full = []
    for _ in range(FULL_FRAMES):
        ws.step(1)
        t0 = time.perf_counter()
        for side in ws.sides:
            figure_png(map_figure(ws.model(side), lang, side=side), lang)
        t1 = time.perf_counter()
        figure_png(charts_figure(ws, lang), lang)
        t2 = time.perf_counter()
        full.append({"map_ms": 1e3 * (t1 - t0), "charts_ms": 1e3 * (t2 - t1)})
    m = ws.model("A")
    return {
        "setup": "side by side" if side_by_side else "one model", "models": len(ws.models),
        "households": m.territory.n_households, "grids": m.territory.n_grids, "residents": len(m.residents),
        "steps": steps, "warmup": warmup, "emergency_days": int(sum(r["emergency"] for r in rows)),
        "rows": rows,
        **{k: _stats([r[k] for r in rows]) for k in ("step_ms", "map_ms", "charts_ms", "total_ms", "total_cpu_ms")},
        "png_kib": C.median([r["png_bytes"] for r in rows]) / 1024,
        "full_map_ms": C.median([f["map_ms"] for f in full]), "full_charts_ms": C.median([f["charts_ms"] for f in full]),
        "load_before": load_before, "load_after": C.load_average(),
    }


def run(steps: int = 30, warmup: int = 10, seed: int = 1, lang: str = "zh", scenario: str = str(WORKSHOP)) -> dict:
    sc = sim.load_scenario(scenario)
    setups = [run_setup(sc, seed, sbs, steps, warmup, lang) for _, sbs in SETUPS]
    one = setups[0]
    return {"scenario": scenario, "seed": seed, "lang": lang, "steps": steps, "warmup": warmup, "setups": setups,
            "target_ms": TARGET_MS, "target_met": one["total_ms"]["median"] <= TARGET_MS,
            "load_average": C.load_average()}


def table(res: dict) -> str:
    rows = []
    for s in res["setups"]:
        rows.append((s["setup"], s["models"], s["step_ms"]["median"], s["map_ms"]["median"], s["charts_ms"]["median"],
                     s["total_ms"]["median"], s["total_ms"]["p90"], s["total_cpu_ms"]["median"], s["png_kib"],
                     s["full_map_ms"], s["full_charts_ms"], f"{s['load_before']} → {s['load_after']}"))
    return C.md_table(("setup", "models", "step ms", "map ms", "charts ms", "total ms (median)", "total ms (p90)",
                       "total CPU ms", "PNG KiB", "full-draw map ms", "full-draw charts ms", "load avg"), rows)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30, help="timed days (default 30)")
    p.add_argument("--warmup", type=int, default=10, help="days before timing (default 10)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--scenario", default=str(WORKSHOP))
    p.add_argument("--json", help="also write the results as JSON to this path")
    a = p.parse_args(argv)
    print(f"load average: {C.load_average()}")
    res = run(a.steps, a.warmup, a.seed, a.lang, a.scenario)
    one = res["setups"][0]
    print(f"Dashboard: {res['scenario']} ({one['residents']:,} residents, {one['households']:,} households, "
          f"{one['grids']} grids), seed {a.seed}, lang {a.lang}; {a.steps} timed days after {a.warmup} "
          f"({one['emergency_days']} with the demo cold wave under way)\n")
    print(table(res))
    print(f"\none model: median {one['total_ms']['median']:.0f} ms per step rendered (step "
          f"{one['step_ms']['median']:.1f} + map {one['map_ms']['median']:.0f} + charts "
          f"{one['charts_ms']['median']:.0f}); target <= {TARGET_MS:g} ms: {C.verdict(res['target_met'])}")
    print(f"load average: {res['load_average']}")
    C.write_json(a.json, res)
    return res


if __name__ == "__main__":
    main()
