"""Behaviour under strain: no outcome improves when demand rises or staff fall (paired seeds,
common random numbers), and the on-time rate counts every case that fell due."""

import functools
import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim import load_scenario
from sim.cases import ABANDONED, QUEUED, RESOLVED
from sim.outcomes import CaseArrays
from sim.runner import run
from sim.submodels.verification import on_time_rates
from tests.helpers import ROOT, small

SEEDS = (1, 2, 3, 4)
SIZE = {"residents": 5_000, "days": 90}


@functools.lru_cache(maxsize=None)
def on_time(seed: int, **overrides) -> float:
    return run(small("workshop", **SIZE, **overrides), seed, case_table=False).summary["rates.on_time"]


def paired(base: dict, strained: dict) -> tuple[float, float, float]:
    """Mean on-time under `base` and under `strained` over SEEDS, and the standard error of their
    paired difference."""
    a = np.array([on_time(s, **base) for s in SEEDS])
    b = np.array([on_time(s, **strained) for s in SEEDS])
    return a.mean(), b.mean(), (b - a).std(ddof=1) / math.sqrt(len(SEEDS))


@pytest.mark.parametrize("low,high", [(1.0, 4.0), (4.0, 8.0)])
def test_on_time_does_not_rise_with_demand(low, high):
    before, after, se = paired({"demand.scale": low}, {"demand.scale": high})
    assert after <= before + 2 * se, (low, high, before, after, se)


def test_on_time_falls_markedly_at_eight_times_demand():
    before, after, se = paired({"demand.scale": 1.0}, {"demand.scale": 8.0})
    assert after < before - 0.15, (before, after, se)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_on_time_does_not_rise_when_township_staff_halve(scale):
    before, after, se = paired({"demand.scale": scale}, {"demand.scale": scale, "township.staff_per_10k": 2.5})
    assert after <= before + 2 * se, (scale, before, after, se)


def test_township_staff_matter_under_load():
    """At twice the demand the township (its top-down tasks included) is the bottleneck, and
    halving its staff shows; at four times it is saturated with either staffing, every case that
    reaches it is late, and only the other levels' cases decide the rate."""
    before, after, se = paired({"demand.scale": 2.0}, {"demand.scale": 2.0, "township.staff_per_10k": 2.5})
    assert after < before - max(0.03, 3 * se), (before, after, se)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_on_time_does_not_rise_when_committee_staff_fall(scale):
    before, after, se = paired({"demand.scale": scale}, {"demand.scale": scale, "committee.staff": 2})
    assert after <= before + 2 * se, (scale, before, after, se)


def test_committee_staff_matter():
    """A community's top-down tasks come per community: one staff member cannot keep up with them."""
    before, after, se = paired({}, {"committee.staff": 1})
    assert after < before - max(0.05, 3 * se), (before, after, se)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_on_time_does_not_rise_when_tasks_from_above_are_not_cut(scale):
    cut = {"burden.forms_reduction": 1.0, "burden.assessment_reduction": 1.0, "burden.shared_data_entry": 1.0}
    before, after, se = paired({"demand.scale": scale, **cut}, {"demand.scale": scale})
    assert after <= before + 2 * se, (scale, before, after, se)


def test_on_time_does_not_rise_when_overtime_is_capped_lower():
    before, after, se = paired({"demand.scale": 4.0}, {"demand.scale": 4.0, "worker.overtime_cap_hours_per_month": 0.0})
    assert after <= before + 2 * se, (before, after, se)


def cases(*rows) -> CaseArrays:
    """CaseArrays from (need, urgency, status, deadline, t_report, t_resolve, t_abandon) rows."""
    cols = np.array(rows, dtype=float).T
    n = len(rows)
    zero, nan = np.zeros(n), np.full(n, np.nan)
    return CaseArrays(need=cols[0].astype(int), elderly=zero.astype(bool), digital=zero.astype(bool),
                      level=zero.astype(int), urgency=cols[1].astype(int), resolved_level=zero.astype(int),
                      channel=zero.astype(int), status=cols[2].astype(int), lapsed=zero.astype(bool),
                      deadline=cols[3], t_arise=cols[4], t_report=cols[4], t_accept=nan, t_resolve=cols[5],
                      t_abandon=cols[6], grade=zero.astype(int), solved=zero.astype(int) + 1,
                      reopened=zero.astype(int), t_verify=nan, t_first_close=cols[5])


def test_on_time_counts_every_case_that_fell_due():
    nan = np.nan
    w = cases(
        (0, 1, RESOLVED, 1.0, 0.0, 0.5, nan),   # resolved within the deadline: on time
        (0, 1, RESOLVED, 1.0, 0.0, 2.0, nan),   # closed late
        (1, 2, ABANDONED, 1.0, 1.0, nan, 1.5),  # abandoned before resolution
        (1, 2, QUEUED, 1.0, 2.0, nan, nan),     # still open past its deadline at the end
        (1, 2, QUEUED, 5.0, 8.0, nan, nan),     # deadline after the end: not yet decidable, left out
        (0, 1, RESOLVED, 5.0, 8.0, 8.5, nan),   # resolved, but the deadline falls after the end: left out
    )
    needs = [SimpleNamespace(name="a"), SimpleNamespace(name="b")]
    out = on_time_rates(w, 10.0, needs)
    assert out["rates.on_time"] == pytest.approx(1 / 4)
    assert out["rates.on_time.by_need.a"] == pytest.approx(1 / 2)
    assert out["rates.on_time.by_need.b"] == 0.0
    assert out["rates.on_time.by_urgency.fast"] == pytest.approx(1 / 2)
    assert out["rates.on_time.by_urgency.general"] == 0.0
    assert math.isnan(out["rates.on_time.by_urgency.urgent"])
    assert out["rates.on_time_among_resolved"] == pytest.approx(2 / 3)


# The closed loop's outcomes (ODD 4.11): closed (办结), solved (解决), the 好差评 satisfaction rate, the
# survey (a large sample, so its noise does not hide the effect) and latent satisfaction.
LOOP_OUTCOMES = ("rates.closed", "rates.solved", "ratings.satisfaction_rate", "survey.satisfaction_rate",
                 "satisfaction.latent_mean")


@functools.lru_cache(maxsize=None)
def loop_outcomes(seed: int, **overrides) -> tuple[float, ...]:
    s = run(small("workshop", **SIZE, **{"survey.sample_share": 0.2}, **overrides), seed, case_table=False).summary
    return tuple(s[k] for k in LOOP_OUTCOMES)


@pytest.mark.parametrize("base,strained", [
    ({"demand.scale": 1.0}, {"demand.scale": 4.0}),
    ({"demand.scale": 4.0}, {"demand.scale": 8.0}),
    ({"demand.scale": 1.0}, {"demand.scale": 1.0, "township.staff_per_10k": 2.5}),
    ({"demand.scale": 4.0}, {"demand.scale": 4.0, "township.staff_per_10k": 2.5}),
])
def test_no_loop_outcome_improves_under_strain(base, strained):
    a = np.array([loop_outcomes(s, **base) for s in SEEDS])
    b = np.array([loop_outcomes(s, **strained) for s in SEEDS])
    se = (b - a).std(axis=0, ddof=1) / math.sqrt(len(SEEDS))
    for k, key in enumerate(LOOP_OUTCOMES):
        assert b[:, k].mean() <= a[:, k].mean() + 2 * se[k] + 1e-9, (key, base, strained, a[:, k], b[:, k])


# The steady start (ODD 7.16) with households moving in from day 0: the settling must count the cases
# still open past their deadline, or under strain it counts only the quick cases that finished.
ESTATE_FROM_DAY_0 = """extends = "{base}"
name = "estate_from_day_0"

[[territory.changes]]
kind = "estate"
community = 0
day = 0
duration_days = 300
households = 2400
"""
SETTLED_OUTCOMES = ("satisfaction.latent_mean", "satisfaction.latent_mean_elderly")


@pytest.fixture(scope="module")
def estate_scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("estate") / "estate_from_day_0.toml"
    path.write_text(ESTATE_FROM_DAY_0.format(base=(ROOT / "scenarios" / "baseline.toml").as_posix()))
    return path


@pytest.mark.parametrize("strain", [{"demand.scale": 1.3}, {"township.staff_per_10k": 2.5}])
def test_settled_satisfaction_does_not_rise_under_strain_with_an_estate_filling(estate_scenario, strain):
    def outcomes(seed, overrides):
        values = {"territory.residents": 10_000, "sim.days": 90, "sim.warmup_days": 30, **overrides}
        s = run(load_scenario(estate_scenario, values), seed, case_table=False).summary
        return [s[k] for k in SETTLED_OUTCOMES]
    a = np.array([outcomes(s, {}) for s in SEEDS])
    b = np.array([outcomes(s, strain) for s in SEEDS])
    se = (b - a).std(axis=0, ddof=1) / math.sqrt(len(SEEDS))
    for k, key in enumerate(SETTLED_OUTCOMES):
        assert b[:, k].mean() <= a[:, k].mean() + 2 * se[k] + 1e-9, (key, strain, a[:, k], b[:, k])
