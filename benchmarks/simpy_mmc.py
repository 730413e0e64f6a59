"""Peer model for benchmarking: a plain SimPy M/M/c queue.

Customers arrive as a Poisson process (rate ``arrival_rate``), take exponential
service (rate ``service_rate``) and are served first-come-first-served by
``servers`` identical servers, modelled with ``simpy.Resource`` in the standard
customer-process idiom.  Interarrival and service times are drawn up front from
``numpy.random.default_rng(seed)`` so random-number generation is excluded from
``wall_s``, which times only building and running the SimPy simulation.

Usage::

    python benchmarks/simpy_mmc.py --arrival-rate 4 --service-rate 1 --servers 5 \
        --cases 200000 --seed 1
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy


def simulate_simpy_mmc(
    arrival_rate: float, service_rate: float, servers: int, n_cases: int, seed: int
) -> dict[str, Any]:
    """Simulate ``n_cases`` customers through an M/M/c queue in SimPy.

    Returns ``{"mean_wait", "p_wait", "cases", "wall_s"}``: mean time in queue,
    fraction of customers who waited at all, number of customers served, and
    wall-clock seconds spent in the simulation (excluding RNG draws).
    """
    if arrival_rate <= 0 or service_rate <= 0 or servers < 1 or n_cases < 1:
        raise ValueError(
            "need arrival_rate > 0, service_rate > 0, servers >= 1, n_cases >= 1; got "
            f"{arrival_rate=}, {service_rate=}, {servers=}, {n_cases=}"
        )
    rng = np.random.default_rng(seed)
    interarrivals: list[float] = rng.exponential(1.0 / arrival_rate, n_cases).tolist()
    services: list[float] = rng.exponential(1.0 / service_rate, n_cases).tolist()
    waits = [0.0] * n_cases

    def customer(
        env: simpy.Environment, server: simpy.Resource, i: int
    ) -> Generator[simpy.Event, Any, None]:
        arrived = env.now
        with server.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(services[i])

    def source(
        env: simpy.Environment, server: simpy.Resource
    ) -> Generator[simpy.Event, Any, None]:
        for i in range(n_cases):
            yield env.timeout(interarrivals[i])
            env.process(customer(env, server, i))

    start = time.perf_counter()
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=servers)
    env.process(source(env, server))
    env.run()  # runs until the last customer has been served
    wall_s = time.perf_counter() - start

    w = np.asarray(waits)
    return {
        "mean_wait": float(w.mean()),
        "p_wait": float(np.mean(w > 0.0)),
        "cases": n_cases,
        "wall_s": wall_s,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrival-rate", type=float, default=4.0)
    parser.add_argument("--service-rate", type=float, default=1.0)
    parser.add_argument("--servers", type=int, default=5)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = simulate_simpy_mmc(
        args.arrival_rate, args.service_rate, args.servers, args.cases, args.seed
    )
    result["us_per_case"] = 1e6 * result["wall_s"] / result["cases"]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
