"""Drawing on the server against drawing in the browser: per-step server cost of the dashboard's
pictures, for the workshop scenario (``scenarios/workshop.toml``: about 5,000 residents).

A `sim.dashboard.Workshop` is stepped a day at a time, as the play button does. After each day both
ways of showing it are timed, interleaved in the same run (the order alternates day by day, so
neither always comes first):

- old: the map and the charts drawn with matplotlib on the server, as PNG bytes (`render.map_png`
  for each side, `render.charts_png`: the fast path with cached backgrounds);
- new: the data the browser draws from (`mapview.map_dynamic` for each side, `charts.charts_options`)
  and `json.dumps` of both, which is what the widgets send; the bytes sent per step are the JSON's.

The static layer of the map (`mapview.map_static`: sent once per scenario or regrid) is timed and
sized once. After a warm-up (figures built, fonts loaded) the demo cold wave is started so the timed
days include an emergency. Two set-ups: one model, and two side by side (B: decentralisation 0.8).
Wall and CPU time, medians and 90th percentiles over the timed days.

Usage::

    python benchmarks/bench_drawing.py [--steps 30] [--warmup 10] [--seed 1] [--lang zh] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import time

import _common as C

C.ensure_root_on_path()

import numpy as np  # noqa: E402

import sim  # noqa: E402
from sim.dashboard import Workshop  # noqa: E402
from sim.dashboard.charts import charts_options  # noqa: E402
from sim.dashboard.mapview import map_dynamic, map_static  # noqa: E402
from sim.dashboard.render import charts_png, map_png  # noqa: E402

WORKSHOP = C.ROOT / "scenarios" / "workshop.toml"
SETUPS = (("one model", False), ("side by side", True))


def _stats(xs: list[float]) -> dict:
    return {"median": C.median(xs), "p90": float(np.percentile(xs, 90)), "max": float(max(xs))}


def old_way(ws, lang: str) -> int:
    """The pictures as matplotlib draws them on the server; returns the PNG bytes."""
    size = sum(len(map_png(ws.model(side), lang, side=side if ws.side_by_side else None)) for side in ws.sides)
    return size + len(charts_png(ws, lang))


def new_way(ws, lang: str) -> tuple[int, int]:
    """The data the browser draws from, serialised as the widgets send it; returns the JSON bytes of
    the maps' dynamic layers and of the charts' options."""
    maps = [json.dumps(map_dynamic(ws.model(side)), allow_nan=False) for side in ws.sides]
    charts = json.dumps(charts_options(ws, lang), allow_nan=False)
    return sum(len(m.encode()) for m in maps), len(charts.encode())


def _timed(fn, *args) -> tuple[float, float, int]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return 1e3 * (time.perf_counter() - t0), 1e3 * (time.process_time() - c0), out


def run_setup(scenario, seed: int, side_by_side: bool, steps: int, warmup: int, lang: str) -> dict:
    ws = Workshop(scenario, seed, side_by_side=side_by_side,
                  levers_b={"policy.decentralisation": 0.8} if side_by_side else None)
    load_before = C.load_average()
    for _ in range(warmup):  # builds the renderers, their backgrounds and the fonts
        ws.step(1)
        old_way(ws, lang)
        new_way(ws, lang)
    static_ms, _, static = _timed(lambda: json.dumps(map_static(ws.model("A"), lang), allow_nan=False))
    ws.start_emergency()
    gc.collect()
    rows = []
    for k in range(steps):
        step_ms, _, _ = _timed(ws.step, 1)
        ways = (("old", old_way), ("new", new_way)) if k % 2 == 0 else (("new", new_way), ("old", old_way))
        row = {"day": ws.day, "step_ms": step_ms, "emergency": ws.emergency_active("A")}
        for name, fn in ways:
            wall, cpu, size = _timed(fn, ws, lang)
            if name == "new":
                row["map_bytes"], row["charts_bytes"] = size
                size = sum(size)
            row.update({f"{name}_ms": wall, f"{name}_cpu_ms": cpu, f"{name}_bytes": size})
        rows.append(row)
    m = ws.model("A")
    return {
        "setup": "side by side" if side_by_side else "one model", "models": len(ws.models),
        "households": m.territory.n_households, "grids": m.territory.n_grids, "residents": len(m.residents),
        "steps": steps, "warmup": warmup, "emergency_days": int(sum(r["emergency"] for r in rows)), "rows": rows,
        **{k: _stats([r[k] for r in rows]) for k in ("step_ms", "old_ms", "old_cpu_ms", "new_ms", "new_cpu_ms")},
        "old_kib": C.median([r["old_bytes"] for r in rows]) / 1024,
        "new_kib": C.median([r["new_bytes"] for r in rows]) / 1024,
        "map_kib": C.median([r["map_bytes"] for r in rows]) / 1024,
        "charts_kib": C.median([r["charts_bytes"] for r in rows]) / 1024,
        "static_ms": static_ms, "static_kib": len(static.encode()) / 1024,
        "load_before": load_before, "load_after": C.load_average(),
    }


def run(steps: int = 30, warmup: int = 10, seed: int = 1, lang: str = "zh", scenario: str = str(WORKSHOP)) -> dict:
    sc = sim.load_scenario(scenario)
    setups = [run_setup(sc, seed, sbs, steps, warmup, lang) for _, sbs in SETUPS]
    return {"scenario": scenario, "seed": seed, "lang": lang, "steps": steps, "warmup": warmup, "setups": setups,
            "machine": C.machine_info(), "load_average": C.load_average()}


def table(res: dict) -> str:
    rows = []
    for s in res["setups"]:
        rows.append((s["setup"], s["models"], s["step_ms"]["median"], s["old_ms"]["median"], s["old_ms"]["p90"],
                     s["old_cpu_ms"]["median"], s["old_kib"], s["new_ms"]["median"], s["new_ms"]["p90"],
                     s["new_cpu_ms"]["median"], f"{s['new_kib']:.1f} (map {s['map_kib']:.1f})", s["old_ms"]["median"] / s["new_ms"]["median"],
                     s["static_ms"], s["static_kib"], f"{s['load_before']} → {s['load_after']}"))
    return C.md_table(("setup", "models", "step ms", "old ms (median)", "old ms (p90)", "old CPU ms", "old PNG KiB",
                       "new ms (median)", "new ms (p90)", "new CPU ms", "new JSON KiB (map part)", "old / new",
                       "static layer ms", "static layer KiB", "load avg"), rows)


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
    print(f"Drawing: {res['scenario']} ({one['residents']:,} residents, {one['households']:,} households, "
          f"{one['grids']} grids), seed {a.seed}, lang {a.lang}; {a.steps} timed days after {a.warmup} "
          f"({one['emergency_days']} with the demo cold wave under way)\n")
    print(table(res))
    for s in res["setups"]:
        print(f"\n{s['setup']}: server per step, old {s['old_ms']['median']:.1f} ms ({s['old_kib']:.0f} KiB PNG) "
              f"against new {s['new_ms']['median']:.1f} ms ({s['new_kib']:.1f} KiB JSON): "
              f"{s['old_ms']['median'] / s['new_ms']['median']:.0f}× less; static layer once "
              f"{s['static_kib']:.0f} KiB")
    print(f"load average: {res['load_average']}")
    C.write_json(a.json, res)
    return res


if __name__ == "__main__":
    main()
