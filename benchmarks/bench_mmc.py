"""M/M/c: the model's M/M/c reduction against the plain SimPy peer, µs per case.

"Ours" is the real model (``sim.run`` on ``sim.validation.mmc_scenario``: the same
code path as ``govsim run``, reduced to one grid with c workers on duty around
the clock); its time is ``Outcomes.wall_s`` (world build + every day's arrivals,
random draws and events, excluding the summary) over the cases created (warm-up
included: all of them are simulated). "SimPy" is ``benchmarks/simpy_mmc.py``
(``simpy.Resource``, one process per customer), timed by its own ``wall_s``
(which excludes its up-front random draws), fed the same number of cases as
ours created. Runs are interleaved in one process: ours, simpy, ours, simpy, ...
and the medians compared. Both mean waits are checked against Erlang C.

Target: ours <= SimPy (ratio <= 1).

Usage::

    python benchmarks/bench_mmc.py [--arrival-rate 4] [--service-rate 1] [--servers 5] \
        [--cases 200000] [--repeats 3] [--seed 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import time

import _common as C

C.ensure_root_on_path()

import sim  # noqa: E402
from sim.queueing import mmc_metrics  # noqa: E402
from sim.validation import mmc_scenario  # noqa: E402


def run(arrival_rate: float = 4.0, service_rate: float = 1.0, servers: int = 5, cases: int = 200_000,
        repeats: int = 3, seed: int = 1) -> dict:
    peer = C.load_simpy_peer()
    exact = mmc_metrics(arrival_rate, service_rate, servers)
    sc = mmc_scenario(arrival_rate, service_rate, servers, cases)
    ours, simpy_ = [], []
    n_simpy = None
    for i in range(repeats):
        gc.collect()
        c0 = time.process_time()
        out = sim.run(sc, seed, case_table=False)
        c1 = time.process_time()
        s = out.summary
        n = int(s["cases.created"])
        n_simpy = n_simpy or n
        ours.append({"rep": i + 1, "wall_s": out.wall_s, "cpu_s_call": c1 - c0, "cases": n,
                     "events": int(out.meta["events"]), "us_per_case": 1e6 * out.wall_s / n,
                     "mean_wait_h": s["response_time_h.mean"], "p_wait": s["response_time_h.share_waited"],
                     "load_average": C.load_average()})
        del out, s
        gc.collect()
        c0 = time.process_time()
        r = peer.simulate_simpy_mmc(arrival_rate, service_rate, servers, n_simpy, seed)
        c1 = time.process_time()
        simpy_.append({"rep": i + 1, "wall_s": r["wall_s"], "cpu_s_call": c1 - c0, "cases": r["cases"],
                       "us_per_case": 1e6 * r["wall_s"] / r["cases"], "mean_wait_h": r["mean_wait"],
                       "p_wait": r["p_wait"], "load_average": C.load_average()})
    ours_us = C.median([r["us_per_case"] for r in ours])
    simpy_us = C.median([r["us_per_case"] for r in simpy_])
    ratio = ours_us / simpy_us
    return {"arrival_rate": arrival_rate, "service_rate": service_rate, "servers": servers,
            "rho": arrival_rate / (servers * service_rate), "cases_requested": cases, "repeats": repeats,
            "seed": seed, "ours": ours, "simpy": simpy_,
            "erlang_c_mean_wait_h": exact.mean_wait, "erlang_c_p_wait": exact.p_wait,
            "ours_us_per_case": ours_us, "simpy_us_per_case": simpy_us, "ratio": ratio,
            "ours_cases": ours[0]["cases"], "simpy_cases": simpy_[0]["cases"],
            "ours_wall_s": C.median([r["wall_s"] for r in ours]),
            "simpy_wall_s": C.median([r["wall_s"] for r in simpy_]),
            "target_met": ratio <= 1.0}


def table(res: dict) -> str:
    rows = []
    for o, s in zip(res["ours"], res["simpy"]):
        rows.append((f"ours #{o['rep']}", o["wall_s"], o["cases"], o["us_per_case"], o["mean_wait_h"] * 60,
                     o["p_wait"], o["load_average"]))
        rows.append((f"simpy #{s['rep']}", s["wall_s"], s["cases"], s["us_per_case"], s["mean_wait_h"] * 60,
                     s["p_wait"], s["load_average"]))
    rows.append(("**ours median**", res["ours_wall_s"], res["ours_cases"], res["ours_us_per_case"], "", "", ""))
    rows.append(("**simpy median**", res["simpy_wall_s"], res["simpy_cases"], res["simpy_us_per_case"], "", "", ""))
    rows.append(("Erlang C", "", "", "", res["erlang_c_mean_wait_h"] * 60, res["erlang_c_p_wait"], ""))
    return C.md_table(("run", "wall s", "cases", "µs/case", "mean wait min", "P(wait)", "load avg"), rows)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arrival-rate", type=float, default=4.0, help="λ per hour (default 4)")
    p.add_argument("--service-rate", type=float, default=1.0, help="μ per hour (default 1)")
    p.add_argument("--servers", type=int, default=5, help="c (default 5)")
    p.add_argument("--cases", type=int, default=200_000)
    p.add_argument("--repeats", type=int, default=3, help="runs of each, interleaved (default 3)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", help="also write the results as JSON to this path")
    a = p.parse_args(argv)
    res = run(a.arrival_rate, a.service_rate, a.servers, a.cases, a.repeats, a.seed)
    print(f"M/M/c: λ={a.arrival_rate:g}/h, μ={a.service_rate:g}/h, c={a.servers} (ρ={res['rho']:.2f}), "
          f"~{a.cases:,} cases, {a.repeats} interleaved repetitions, seed {a.seed}\n")
    print(table(res))
    print(f"\nours {res['ours_us_per_case']:.2f} µs/case, SimPy {res['simpy_us_per_case']:.2f} µs/case, "
          f"ratio ours/SimPy {res['ratio']:.2f}; target ours <= SimPy: {C.verdict(res['target_met'])}")
    C.write_json(a.json, res)
    return res


if __name__ == "__main__":
    main()
