"""Memory per resident, per grid worker and per case: the constants of sim/memory.py, re-measured.

Each configuration runs in a fresh subprocess (``--child``) as `govsim run` does: load the
scenario, simulate with the case table, and write the outputs (into a temporary folder). The
child reports its resident set size after the imports (``/proc/self/statm`` on Linux, else the
peak so far) and its peak resident set size at the end (``ru_maxrss``); the difference is what
the run itself needed. A least-squares fit of that difference on residents, grid workers and
cases created gives the bytes per resident, per worker and per case, and the fixed part is the
intercept plus the imports. Configurations separate the three: short runs of several
populations (residents), long runs (cases), and tiny grids with many workers (workers).

Usage::

    python benchmarks/bench_memory.py [--quick] [--json out.json]

It prints the fitted constants, each configuration's measured and estimated memory, and the
ratio of the two (the estimate of sim/memory.py should stay within about 1.5x of the measured
peak, erring high).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
MIB = 1024 ** 2

# (label, residents, days, overrides): populations for the per-resident cost, long runs for the
# per-case cost, small grids with many workers for the per-worker cost.
CONFIGS = [
    ("residents 20k, 2 days", 20_000, 2, {}),
    ("residents 100k, 2 days", 100_000, 2, {}),
    ("residents 300k, 2 days", 300_000, 2, {}),
    ("residents 20k, 365 days, needs x20", 20_000, 365, {"needs_scale": 20}),
    ("residents 50k, 365 days", 50_000, 365, {}),
    ("residents 20k, 2 days, 300 workers a grid", 20_000, 2,
     {"grid.households_per_grid": 100, "grid.workers_per_grid": 300}),
]
QUICK = [CONFIGS[0], CONFIGS[1], CONFIGS[3], CONFIGS[5]]


def _rss_now() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _peak()


def _peak() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def child(residents: int, days: int, overrides: dict) -> dict:
    from sim.cli import write_outputs
    from sim.runner import run
    from sim.scenario import load

    scale = overrides.pop("needs_scale", 1)
    values = {"territory.residents": residents, "sim.days": days, "sim.warmup_days": min(30, days - 1),
              **overrides}
    scenario = load(BASELINE, values)
    if scale != 1:
        raw = scenario.to_dict()
        for need in raw["needs"].values():
            need["rate_other"] *= scale
            need["rate_elderly"] *= scale
        from sim.scenario import from_dict
        scenario = from_dict(raw, str(BASELINE))
    from sim import memory
    estimate = memory.estimate(scenario)
    base = _rss_now()
    out = run(scenario, 1)
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(Path(tmp) / "out", scenario, 1, out)
    s = out.summary
    return {"residents": int(s["population.residents"]), "workers": int(s["workers.count"]),
            "cases": int(s["cases.created"]), "base": base, "peak": _peak(), "estimate": estimate.total,
            "expected_cases": estimate.cases}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="four configurations instead of six")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        residents, days, overrides = json.loads(args.child)
        print(json.dumps(child(residents, days, overrides)))
        return
    rows = []
    for label, residents, days, overrides in (QUICK if args.quick else CONFIGS):
        done = subprocess.run([sys.executable, __file__, "--child", json.dumps([residents, days, overrides])],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        row = {"label": label, **json.loads(done.stdout.strip().splitlines()[-1])}
        rows.append(row)
        print(f"{label:<44} residents {row['residents']:>8,}  workers {row['workers']:>6,}  "
              f"cases {row['cases']:>8,}  run {(row['peak'] - row['base']) / MIB:8.1f} MiB  "
              f"process {row['peak'] / MIB:8.1f} MiB", flush=True)
    X = np.array([[1.0, r["residents"], r["workers"], r["cases"]] for r in rows])
    y = np.array([r["peak"] - r["base"] for r in rows], float)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    base = float(np.median([r["base"] for r in rows]))
    print(f"\nfit: fixed {coef[0] / MIB:.1f} MiB + imports {base / MIB:.1f} MiB; "
          f"{coef[1]:.0f} B per resident, {coef[2]:.0f} B per grid worker, {coef[3]:.0f} B per case")
    print("\nsim/memory.py's estimate against the measured peak of the whole process:")
    for r in rows:
        print(f"  {r['label']:<44} estimate {r['estimate'] / MIB:8.1f} MiB  measured {r['peak'] / MIB:8.1f} MiB  "
              f"ratio {r['estimate'] / r['peak']:.2f}  (cases: expected {r['expected_cases']:,.0f}, "
              f"created {r['cases']:,})")
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    print(f"\nmachine: {cpu}, {os.cpu_count()} cores, "
          f"{platform.system()} {platform.release()}, CPython {platform.python_version()}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "fit": coef.tolist(), "imports": base}, indent=2))


if __name__ == "__main__":
    main()
