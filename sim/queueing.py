"""Analytic M/M/c queueing formulas for validating the model's M/M/c reduction.

When the simulation is configured with Poisson arrivals, exponential service
and ``c`` identical servers under first-come-first-served, it reduces to an
M/M/c queue, whose steady state is known in closed form.  These functions give
the reference values the simulation's output is checked against:

* :func:`erlang_c` -- probability an arrival has to wait (Erlang C formula,
  A. K. Erlang 1917), computed via the numerically stable Erlang B recursion
  rather than with factorials, so it works for hundreds of servers.
* :func:`mmc_metrics` -- the standard M/M/c steady-state means: waiting time
  Wq = C / (c*mu - lambda), queue length Lq = lambda*Wq, time in system
  W = Wq + 1/mu and number in system L = lambda*W.
* :func:`littles_law_gap` -- relative deviation from Little's law L = lambda*W
  (J. D. C. Little, "A proof for the queuing formula L = lambda W",
  Operations Research 9(3), 1961), a model-free consistency check on measured
  time-average occupancy, throughput and sojourn time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

__all__ = ["MMCMetrics", "erlang_c", "mmc_metrics", "littles_law_gap"]

_TINY = 1e-12


@dataclass(frozen=True, slots=True)
class MMCMetrics:
    """Steady-state metrics of an M/M/c queue (time units as in the rates)."""

    offered_load: float  # a = lambda / mu, in Erlangs
    utilisation: float  # rho = a / c
    p_wait: float  # Erlang C: P(an arrival waits)
    mean_wait: float  # Wq, mean time in queue
    mean_queue_length: float  # Lq = lambda * Wq
    mean_time_in_system: float  # W = Wq + 1/mu
    mean_in_system: float  # L = lambda * W


def _validate(arrival_rate: float, service_rate: float, servers: int) -> int:
    if isinstance(servers, bool) or not isinstance(servers, Integral) or servers < 1:
        raise ValueError(f"servers must be an integer >= 1, got {servers!r}")
    servers = int(servers)
    if not (math.isfinite(arrival_rate) and arrival_rate > 0):
        raise ValueError(f"arrival_rate must be finite and > 0, got {arrival_rate!r}")
    if not (math.isfinite(service_rate) and service_rate > 0):
        raise ValueError(f"service_rate must be finite and > 0, got {service_rate!r}")
    if arrival_rate >= servers * service_rate:
        raise ValueError(
            "unstable queue: arrival_rate must be < servers * service_rate, got "
            f"arrival_rate={arrival_rate!r}, service_rate={service_rate!r}, "
            f"servers={servers} (capacity {servers * service_rate!r}, "
            f"utilisation {arrival_rate / (servers * service_rate):.4g})"
        )
    return servers


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arrival waits in a stable M/M/c queue (Erlang C).

    Uses the Erlang B recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)),
    then C = B / (1 - rho (1 - B)); stable for large ``servers``.
    """
    c = _validate(arrival_rate, service_rate, servers)
    a = arrival_rate / service_rate
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    p = b / (1.0 - rho * (1.0 - b))
    return min(max(p, 0.0), 1.0)


def mmc_metrics(arrival_rate: float, service_rate: float, servers: int) -> MMCMetrics:
    """Steady-state metrics of an M/M/c queue; raises ValueError if unstable."""
    c = _validate(arrival_rate, service_rate, servers)
    a = arrival_rate / service_rate
    p_wait = erlang_c(arrival_rate, service_rate, c)
    wq = p_wait / (c * service_rate - arrival_rate)
    w = wq + 1.0 / service_rate
    return MMCMetrics(
        offered_load=a,
        utilisation=a / c,
        p_wait=p_wait,
        mean_wait=wq,
        mean_queue_length=arrival_rate * wq,
        mean_time_in_system=w,
        mean_in_system=arrival_rate * w,
    )


def littles_law_gap(
    time_average_in_system: float, arrival_rate: float, mean_time_in_system: float
) -> float:
    """Relative gap |L - lambda W| / max(L, tiny) between L and lambda * W."""
    L = time_average_in_system
    return abs(L - arrival_rate * mean_time_in_system) / max(abs(L), _TINY)
