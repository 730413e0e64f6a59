"""How many workshop sessions one dashboard server holds: simultaneous participants, each playing
the workshop scenario (``scenarios/workshop.toml``, about 5,000 residents) at 4 days a second.

The dashboard serves every browser tab from one process, a thread per playing tab (Solara's
`use_thread`), so the sessions share one interpreter and its lock. This benchmark does the same:
N threads, each its own `Workshop` playing at the target rate, and each day does the server's work
for a frame — the model's step plus what the page sends:

- ``png``: the map and the charts drawn with matplotlib on the server and encoded as PNG
  (`render.map_png`, `render.charts_png`), the page's drawing before it moved to the browser;
- ``data``: the page's own play step (`app.show_day`), which puts what moved on the page's widgets
  for the browser to draw: the day, the map's moving layer (`mapview.map_dynamic`) every day, the
  charts (`charts.charts_options`), their title and the report once a second (every `speed` days),
  each changed value serialised as JSON as a widget sends it; the map's static layer is sent once
  per scenario. It does not render the page (a render visits every slider: 100–160 ms).

Each session presses play at its own moment (a seeded random phase within one day's interval), as
participants on their own laptops do, and plays as the page's play loop does: step a day, build its
frame, sleep what is left of the day's interval (an overloaded server plays slower; it does not
catch up). A session keeps up when its 90th-percentile step latency (from the start of its step to
its frame's bytes being ready, waits for the interpreter included) is at most 250 ms and it reaches
at least 95% of the rate. The benchmark raises N until sessions stop keeping up, for each drawing
and rate, and reports the ceiling. No session reaches its scenario's last day while timed (a reset
is a rebuild, a different cost). Memory per session is the growth of the process's resident set per
session opened and run to the scenario's last day (A only), and the estimate the room's limit uses
(`room.session_bytes`: A and B).

It measures the server's side only: the websocket, the browser's own drawing and the widgets'
diffing are not in it (the browser tests check that the page works, not how fast).

Usage::

    python benchmarks/bench_sessions.py [--seconds 8] [--max-sessions 40] [--drawing data png] [--rate 4 2]
                                        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from types import SimpleNamespace

import _common as C

C.ensure_root_on_path()

import numpy as np  # noqa: E402

from sim.dashboard import Workshop  # noqa: E402
from sim.dashboard.room import session_bytes  # noqa: E402
from sim.scenario import load  # noqa: E402

WORKSHOP = C.ROOT / "scenarios" / "workshop.toml"
RATE = 4.0            # days a second while playing
P90_MS = 250.0
KEEP_UP = 0.95        # share of the target rate a session must reach
WARMUP_DAYS = 20      # days each session runs before it is timed (the warm-up builds caches)


def frame_png(w: Workshop) -> int:   # the old page drew both, every day
    from sim.dashboard.render import charts_png, map_png

    return len(map_png(w.model("A"), "zh", None)) + len(charts_png(w, "zh"))


class Widget(SimpleNamespace):
    """Stands for a page widget: `show_day` sets its traits; what changed is serialised, as the
    widget's comm would send it."""

    def __setattr__(self, name, value):
        if getattr(self, name, None) != value:
            self.__dict__.setdefault("sent", []).append(json.dumps(value))
        super().__setattr__(name, value)


_views: dict[int, object] = {}


def frame_data(w: Workshop) -> int:
    """The page's own play step after the model's (`app.show_day`): day and date, the map's moving
    layer every day, the charts, their title and the report every `speed` days; bytes sent."""
    from sim.dashboard import app
    from sim.dashboard.room import Participant

    session = _views.get(id(w))
    if session is None or session.workshop is not w:
        session = _views[id(w)] = Participant(f"bench-{id(w)}", 0, w)
        session.view.update(day=Widget(), date=Widget(), maps={"A": Widget()}, report=Widget(),
                            charts=[Widget() for _ in range(5)], charts_title=Widget())
    app.show_day(session)
    widgets = [session.view["day"], session.view["date"], session.view["report"], session.view["charts_title"],
               *session.view["maps"].values(), *session.view["charts"]]
    sent = sum(len(m) for x in widgets for m in x.__dict__.pop("sent", []))
    return sent


FRAMES = {"png": frame_png, "data": frame_data}


def play(w: Workshop, frame, seconds: float, start: float, latencies: list[float], days: list[int],
         rate: float = RATE) -> None:
    """As the page's play loop: step a day and build its frame, then sleep what is left of 1/rate s
    (nothing, when the day took longer: play then runs slower, it does not catch up). A frame's
    latency is from the start of its step to its bytes being ready, waits for the interpreter
    included."""
    time.sleep(max(0.0, start - time.perf_counter()))
    end, n = start + seconds, 0
    while (t0 := time.perf_counter()) < end:
        if w.at_end:
            w.reset()
        w.step()
        frame(w)
        took = time.perf_counter() - t0
        latencies.append(took)
        n += 1
        time.sleep(max(0.0, 1 / rate - took))
    days.append(n)


def run_sessions(workshops: list[Workshop], frame, seconds: float, rate: float = RATE) -> dict:
    from sim.dashboard import app

    app.speed.set(round(rate))   # the page's speed: the charts follow every `speed` days
    latencies: list[list[float]] = [[] for _ in workshops]
    days: list[int] = []
    for w in workshops:   # no session reaches its last day while timed: a reset is a rebuild, timed apart
        if w.day + seconds * rate + 2 > w.days_planned:
            w.reset()
            w.step(WARMUP_DAYS)
    # Participants do not press play at the same instant: each session's days fall due at its own
    # phase, drawn (seeded) within one day's interval.
    phases = np.random.default_rng(len(workshops)).uniform(0, 1 / rate, len(workshops))
    start = time.perf_counter() + 0.2
    threads = [threading.Thread(target=play, args=(w, frame, seconds, start + phases[i], latencies[i], days, rate))
               for i, w in enumerate(workshops)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p90 = [1000 * float(np.percentile(x, 90)) for x in latencies]
    rates = [d / seconds for d in days]
    return {"sessions": len(workshops), "p90_ms_worst": max(p90), "p90_ms_median": float(np.median(p90)),
            "rate_worst": min(rates), "keeps_up": max(p90) <= P90_MS and min(rates) >= KEEP_UP * rate}


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_sessions(n: int, have: list[Workshop]) -> list[Workshop]:
    while len(have) < n:
        w = Workshop(WORKSHOP, seed=len(have))
        w.step(WARMUP_DAYS)
        frame_data(w)   # a page's first frame builds its caches: not timed (PNG figures: at their first use)
        have.append(w)
    return have


def ceiling(drawing: str, seconds: float, max_sessions: int, pool: list[Workshop], rate: float) -> list[dict]:
    """Sessions 1, 2, 4, … while they keep up, then bisection between the last count kept and the
    first that fell behind; the rows measured."""
    rows: list[dict] = []

    def measure(n: int) -> bool:
        row = {"drawing": drawing, "rate": rate,
               **run_sessions(open_sessions(n, pool)[:n], FRAMES[drawing], seconds, rate)}
        rows.append(row)
        print(f"  {drawing:4s} {n:3d} sessions at {rate:g} days/s: p90 {row['p90_ms_worst']:7.1f} ms (worst), "
              f"{row['rate_worst']:.2f} days/s (slowest): {'keeps up' if row['keeps_up'] else 'falls behind'}",
              flush=True)
        return row["keeps_up"]

    kept, n = 0, 1
    while n <= max_sessions and measure(n):
        kept, n = n, n * 2
    failed = min(n, max_sessions + 1)
    while failed - kept > 1:
        mid = (kept + failed) // 2
        kept, failed = (mid, failed) if measure(mid) else (kept, mid)
    return rows


def memory_per_session(pool: list[Workshop], extra: int = 4) -> float:
    """Growth of the resident set per session, each run to the scenario's last day (its peak)."""
    before = rss_bytes()
    for w in open_sessions(len(pool) + extra, pool)[-extra:]:
        w.step(w.days_planned)
    grown = (rss_bytes() - before) / extra
    for w in pool[-extra:]:
        w.reset()
    return grown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="seconds each count of sessions plays")
    ap.add_argument("--max-sessions", type=int, default=40)
    ap.add_argument("--drawing", nargs="+", choices=sorted(FRAMES), default=["data", "png"])
    ap.add_argument("--rate", type=float, nargs="+", default=[RATE], help="days a second each session plays")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    machine = C.machine_info()
    print(f"machine: {machine}; load {C.load_average()}", flush=True)
    pool: list[Workshop] = []
    for w in open_sessions(1, pool):   # first frames build the figures and load the fonts
        for drawing in args.drawing:
            FRAMES[drawing](w)
    rss = memory_per_session(pool)
    estimate = session_bytes(load(WORKSHOP))
    print(f"memory per session (A only, run to its last day, measured): {rss / 2**20:.1f} MiB; the room's "
          f"estimate (A and B): "
          f"{estimate / 2**20:.1f} MiB", flush=True)
    result = {"machine": machine, "rate_days_per_s": RATE, "p90_limit_ms": P90_MS, "rss_per_session_bytes": rss,
              "estimate_per_session_bytes": estimate, "rows": []}
    for drawing in args.drawing:
        for rate in args.rate:
            rows = ceiling(drawing, args.seconds, args.max_sessions, pool, rate)
            top = max((r["sessions"] for r in rows if r["keeps_up"]), default=0)
            result["rows"] += rows
            result[f"ceiling_{drawing}_{rate:g}"] = top
            print(f"{drawing}: {top} sessions keep up at {rate:g} days/s, p90 <= {P90_MS:g} ms", flush=True)
    C.write_json(args.json, result)


if __name__ == "__main__":
    main()
