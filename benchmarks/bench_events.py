"""Event mechanism: µs per event for Mesa 3.5's ``Model.schedule_event`` + ``run_until``
against a bare ``heapq`` push + pop, each dispatching the same no-op callback.

All mechanisms get the same N event times (uniform in [0, 1), one day of model
time), are filled first and then drained, in the same process, interleaved
(mesa, heapq, govsim, mesa, heapq, govsim, ...) so machine noise hits them alike;
the median of the repetitions is reported. A third row times govsim's own
``sim.schedule.EventQueue`` (the heap the model actually uses: ``push`` +
``drain`` through its dispatch table) with the same callback.

Usage::

    python benchmarks/bench_events.py [--events 200000] [--repeats 5] [--seed 1] [--no-gc] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import heapq
import time

import numpy as np

import _common as C

C.ensure_root_on_path()

import mesa  # noqa: E402

from sim.schedule import EventQueue  # noqa: E402

_calls = 0


def noop() -> None:
    """The callback every mechanism dispatches: a module-level function (Mesa keeps a weak
    reference to it, so it must not be a lambda)."""
    global _calls
    _calls += 1


def noop2(a, b) -> None:  # govsim handlers take (a, b)
    global _calls
    _calls += 1


def time_mesa(times: list[float]) -> tuple[float, float]:
    """(schedule seconds, run seconds) for N `schedule_event(noop, at=t)` then `run_until(1.0)`.

    A plain `mesa.Model` also has its default step event at t = 1.0: one extra event
    (a no-op `step`) out of N, negligible and left in on purpose (it is what Mesa does)."""
    model = mesa.Model(rng=0)
    schedule = model.schedule_event
    t0 = time.perf_counter()
    for t in times:
        schedule(noop, at=t)
    t1 = time.perf_counter()
    model.run_until(1.0)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def time_heapq(times: list[float]) -> tuple[float, float]:
    """(push seconds, pop+dispatch seconds) with (time, seq, callback) tuples on a list heap."""
    heap: list[tuple] = []
    push, pop = heapq.heappush, heapq.heappop
    t0 = time.perf_counter()
    for i, t in enumerate(times):
        push(heap, (t, i, noop))
    t1 = time.perf_counter()
    now = 0.0
    while heap:
        now, _, fn = pop(heap)
        fn()
    t2 = time.perf_counter()
    assert now < 1.0
    return t1 - t0, t2 - t1


def time_govsim(times: list[float]) -> tuple[float, float]:
    """(push seconds, drain seconds) with govsim's EventQueue and dispatch table."""
    q = EventQueue()
    q.handlers = [noop2]
    push = q.push
    t0 = time.perf_counter()
    for t in times:
        push(t, 0)
    t1 = time.perf_counter()
    q.drain(1.0)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


MECHANISMS = (
    ("Mesa schedule_event + run_until", time_mesa),
    ("heapq push + pop", time_heapq),
    ("govsim EventQueue push + drain", time_govsim),
)


def run(events: int = 200_000, repeats: int = 5, seed: int = 1, use_gc: bool = True) -> dict:
    global _calls
    times = np.random.default_rng(seed).random(events).tolist()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in MECHANISMS}
    for _ in range(repeats):
        for name, fn in MECHANISMS:
            gc.collect()
            was = gc.isenabled()
            if not use_gc:
                gc.disable()
            _calls = 0
            try:
                s = fn(times)
            finally:
                if was:
                    gc.enable()
            if _calls != events:
                raise RuntimeError(f"{name}: dispatched {_calls} callbacks, expected {events}")
            samples[name].append(s)
    rows = []
    for name, _ in MECHANISMS:
        ss = samples[name]
        push = C.median([a for a, _ in ss]) / events * 1e6
        pop = C.median([b for _, b in ss]) / events * 1e6
        total = C.median([a + b for a, b in ss]) / events * 1e6
        rows.append({"mechanism": name, "push_us": push, "pop_dispatch_us": pop, "total_us": total,
                     "samples_us": [(a + b) / events * 1e6 for a, b in ss]})
    base = rows[1]["total_us"]
    for r in rows:
        r["vs_heapq"] = r["total_us"] / base
    return {"events": events, "repeats": repeats, "gc": use_gc, "rows": rows, "load_average": C.load_average()}


def table(res: dict) -> str:
    return C.md_table(
        ("mechanism", "schedule/push µs", "pop+dispatch µs", "µs per event (median)", "× heapq", "all reps µs"),
        [(r["mechanism"], r["push_us"], r["pop_dispatch_us"], r["total_us"], r["vs_heapq"],
          ", ".join(f"{x:.2f}" for x in r["samples_us"])) for r in res["rows"]])


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=200_000, help="events per repetition (default 200000)")
    p.add_argument("--repeats", type=int, default=5, help="repetitions of each mechanism, interleaved")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-gc", action="store_true", help="disable the cyclic GC while timing (as sim.run does)")
    p.add_argument("--json", help="also write the results as JSON to this path")
    a = p.parse_args(argv)
    res = run(a.events, a.repeats, a.seed, not a.no_gc)
    print(f"Event mechanism: N = {a.events:,} events, {a.repeats} interleaved repetitions, "
          f"cyclic GC {'on' if res['gc'] else 'off'}, load average {res['load_average']}\n")
    print(table(res))
    C.write_json(a.json, res)
    return res


if __name__ == "__main__":
    main()
