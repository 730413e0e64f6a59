"""Tests for sim.queueing: published Erlang C figures, closed forms, errors, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.queueing import MMCMetrics, erlang_c, littles_law_gap, mmc_metrics


def within_rounding(value: float, published: float, decimals: int) -> bool:
    """True if ``value`` rounds to ``published`` at ``decimals`` places (half-unit band)."""
    return abs(value - published) <= 0.5 * 10.0**-decimals + 1e-12


# 1,000 calls/hour, 120 s average handling time -> 33.33 Erlangs (rates per second).
CALL_CENTRE = [
    # agents, P(wait) %, mean wait (ASA) s
    (34, 86.9, 156.3),
    (35, 69.7, 50.1),
    (36, 55.2, 24.8),
    (37, 43.2, 14.1),
]


@pytest.mark.parametrize(("agents", "p_wait_pct", "asa_s"), CALL_CENTRE)
def test_published_call_centre_figures(agents: int, p_wait_pct: float, asa_s: float) -> None:
    lam, mu = 1000 / 3600, 1 / 120
    m = mmc_metrics(lam, mu, agents)
    assert m.offered_load == pytest.approx(100 / 3)
    assert within_rounding(100 * m.p_wait, p_wait_pct, 1)
    assert within_rounding(m.mean_wait, asa_s, 1)
    assert within_rounding(100 * erlang_c(lam, mu, agents), p_wait_pct, 1)


@pytest.mark.parametrize(("servers", "p_wait_pct"), [(5, 13.0), (6, 4.7)])
def test_published_small_system_figures(servers: int, p_wait_pct: float) -> None:
    # 30 calls/hour, 5-minute service (rates per minute): a = 2.5 Erlangs.
    assert within_rounding(100 * erlang_c(30 / 60, 1 / 5, servers), p_wait_pct, 1)


@pytest.mark.parametrize(("lam", "mu"), [(0.5, 1.0), (3.0, 4.0), (0.01, 2.0), (9.9, 10.0)])
def test_mm1_closed_forms(lam: float, mu: float) -> None:
    rho = lam / mu
    m = mmc_metrics(lam, mu, 1)
    assert m.p_wait == pytest.approx(rho, rel=1e-12)
    assert m.utilisation == pytest.approx(rho, rel=1e-12)
    assert m.mean_wait == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert m.mean_time_in_system == pytest.approx(1 / (mu - lam), rel=1e-12)
    assert m.mean_in_system == pytest.approx(rho / (1 - rho), rel=1e-12)
    assert m.mean_queue_length == pytest.approx(rho**2 / (1 - rho), rel=1e-12)


@pytest.mark.parametrize(("servers", "rho"), [(500, 0.95), (1000, 0.99), (2000, 0.5)])
def test_large_c_is_finite_and_matches_poisson_form(servers: int, rho: float) -> None:
    stats = pytest.importorskip("scipy.stats")
    mu = 1.0
    lam = rho * servers * mu
    p = erlang_c(lam, mu, servers)
    assert math.isfinite(p)
    assert 0.0 <= p <= 1.0
    # Independent reference: Erlang B = pmf(c; a) / cdf(c; a) for a Poisson(a) variable.
    a = lam / mu
    b = stats.poisson.pmf(servers, a) / stats.poisson.cdf(servers, a)
    assert p == pytest.approx(b / (1 - rho * (1 - b)), rel=1e-9, abs=1e-300)
    m = mmc_metrics(lam, mu, servers)
    assert all(math.isfinite(getattr(m, f)) for f in MMCMetrics.__dataclass_fields__)


def test_metrics_is_frozen() -> None:
    m = mmc_metrics(4.0, 1.0, 5)
    with pytest.raises(AttributeError):
        m.p_wait = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("lam", "mu", "c", "pattern"),
    [
        (0.0, 1.0, 2, r"arrival_rate.*0\.0"),
        (-1.0, 1.0, 2, r"arrival_rate.*-1\.0"),
        (math.nan, 1.0, 2, r"arrival_rate.*nan"),
        (1.0, 0.0, 2, r"service_rate.*0\.0"),
        (1.0, -2.0, 2, r"service_rate.*-2\.0"),
        (1.0, 1.0, 0, r"servers.*0"),
        (1.0, 1.0, -3, r"servers.*-3"),
        (1.0, 1.0, 2.5, r"servers.*2\.5"),
        (1.0, 1.0, True, r"servers.*True"),
        (2.0, 1.0, 2, r"unstable.*arrival_rate=2\.0.*service_rate=1\.0.*servers=2"),
        (5.0, 1.0, 2, r"unstable.*arrival_rate=5\.0.*servers=2"),
    ],
)
def test_invalid_inputs_raise(lam: float, mu: float, c: int, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        mmc_metrics(lam, mu, c)
    with pytest.raises(ValueError, match=pattern):
        erlang_c(lam, mu, c)


def test_littles_law_gap() -> None:
    assert littles_law_gap(8.0, 4.0, 2.0) == 0.0
    assert littles_law_gap(10.0, 4.0, 2.0) == pytest.approx(0.2)
    assert littles_law_gap(8.0, 4.0, 2.2) == pytest.approx(0.1)
    gap = littles_law_gap(0.0, 1.0, 1.0)  # L = 0 must not divide by zero
    assert math.isfinite(gap) and gap > 0
    m = mmc_metrics(4.0, 1.0, 5)
    assert littles_law_gap(m.mean_in_system, 4.0, m.mean_time_in_system) < 1e-12


stable_systems = st.tuples(
    st.floats(min_value=0.01, max_value=100.0),  # service rate mu
    st.integers(min_value=1, max_value=300),  # servers c
    st.floats(min_value=0.01, max_value=0.999),  # utilisation rho
)


@settings(max_examples=300, deadline=None)
@given(stable_systems)
def test_properties_little_and_monotone(system: tuple[float, int, float]) -> None:
    mu, c, rho = system
    lam = rho * c * mu
    m = mmc_metrics(lam, mu, c)
    # Little's law, for the system and for the queue alone.
    assert m.mean_in_system == pytest.approx(lam * m.mean_time_in_system, rel=1e-9)
    assert m.mean_queue_length == pytest.approx(lam * m.mean_wait, rel=1e-9)
    assert littles_law_gap(m.mean_in_system, lam, m.mean_time_in_system) < 1e-9
    # L = Lq + a (mean number in service equals the offered load).
    assert m.mean_in_system == pytest.approx(m.mean_queue_length + m.offered_load, rel=1e-9)
    assert 0.0 <= m.p_wait <= 1.0
    assert m.utilisation == pytest.approx(rho, rel=1e-9)
    # Adding a server never increases the chance of waiting (strictly, unless it underflowed).
    p_more = erlang_c(lam, mu, c + 1)
    assert 0.0 <= p_more <= m.p_wait
    if m.p_wait > 1e-250:
        assert p_more < m.p_wait
