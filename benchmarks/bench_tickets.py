"""Ticket logs in: how long `govsim district tickets` takes to read and estimate a large log.

A synthetic 12345-style log (sim/district/tickets_synth.py: six categories, times in
"2025-01-05 08:30:00" form, Chinese column names) of N rows is written once, as UTF-8 and as GBK.
Timed, interleaved, medians of the repeats:

- peer:      plain `pandas.read_csv` of the same file (all columns as text): the floor any reader pays
- read:      `read_log` (the four roles' columns, times parsed, every row checked for rejection)
- estimate:  read + mapping + every estimate (rates, hourly, rest-day, monthly, channels, resolution)

The simulated run and figures of the fit report do not depend on the log's size and are not timed.

Usage::

    python benchmarks/bench_tickets.py [--rows 1000000] [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import _common as C

C.ensure_root_on_path()

import pandas as pd  # noqa: E402

from sim.district.tickets import map_needs  # noqa: E402
from sim.district.tickets_estimate import estimate  # noqa: E402
from sim.district.tickets_read import parse_columns, read_log  # noqa: E402
from sim.district.tickets_synth import synthetic_log  # noqa: E402

COLUMNS = "created=受理时间,closed=办结时间,category=诉求类别,channel=来源渠道"
RATES = {"供暖": 0.30, "物业": 0.25, "噪音": 0.15, "道路": 0.10, "环境卫生": 0.15, "交通": 0.05}
MAPPING = {"供暖": "heating", "物业": "repair", "噪音": "dispute", "道路": "repair", "环境卫生": "sanitation"}
RESIDENTS = 1_000_000


def _timed(fn) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _estimate(path: Path, encoding: str) -> None:
    columns, _ = parse_columns(COLUMNS, None)
    log = read_log(path, columns, encoding)
    map_needs(log, MAPPING)
    estimate(log.tickets, RESIDENTS)


def run(rows: int = 1_000_000, repeats: int = 3) -> dict:
    days = max(1, round(rows / (sum(RATES.values()) * RESIDENTS) * 365))
    frame = synthetic_log(RATES, RESIDENTS, "2025-01-01", days, seed=1)
    out = {"rows": len(frame), "days": days, "repeats": repeats, "machine": C.machine_info(), "results": {}}
    with tempfile.TemporaryDirectory() as folder:
        for encoding in ("utf-8", "gbk"):
            path = Path(folder) / f"log-{encoding}.csv"
            frame.to_csv(path, index=False, encoding=encoding)
            steps = {"peer": lambda: pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding),
                     "read": lambda: read_log(path, parse_columns(COLUMNS, None)[0], encoding),
                     "estimate": lambda: _estimate(path, encoding)}
            times = {k: [] for k in steps}
            for _ in range(repeats):
                for name, fn in steps.items():
                    times[name].append(_timed(fn))
            out["results"][encoding] = {k: C.median(v) for k, v in times.items()} | {
                "mb": path.stat().st_size / 1e6}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    res = run(args.rows, args.repeats)
    m = res["machine"]
    print(f"ticket log of {res['rows']:,} rows ({res['days']} days), medians of {res['repeats']} runs; "
          f"{m.get('cpu', '')}, {m.get('cores', '')} cores")
    rows = [(enc, f"{r['mb']:.0f} MB", f"{r['peer']:.2f} s", f"{r['read']:.2f} s", f"{r['estimate']:.2f} s",
             f"{r['estimate'] / r['peer']:.1f}×") for enc, r in res["results"].items()]
    print(C.md_table(("encoding", "file", "pandas read_csv (peer)", "read + check", "read + estimate",
                      "estimate / peer"), rows))
    C.write_json(args.json, res)


if __name__ == "__main__":
    main()
