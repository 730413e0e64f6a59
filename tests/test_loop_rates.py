"""Closed is not solved (办结 vs 解决), the follow-up call (回访) and reopening (重办), the three rates,
no abandoned 12345 tickets, a survey that follows the service, and the steady state (ODD 7.10-7.16)."""

import functools
import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.cases import ABANDONED, HOTLINE, NOT_SOLVED, RESOLVED, SOLVED
from sim.runner import run
from sim.submodels.verification import CaseDraws, phi
from tests.helpers import model_of, small
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4)


@functools.lru_cache(maxsize=None)
def summary(seed: int, name: str = "workshop", residents: int = 5_000, days: int = 120, **overrides) -> dict:
    return run(small(name, residents=residents, days=days, **overrides), seed, case_table=False).summary


def test_the_three_rates_are_ordered_and_resolution_is_the_closed_rate():
    s = summary(1)
    assert 0 < s["rates.solved"] < s["rates.closed"] <= 1
    assert s["rates.resolution"] == s["rates.closed"]
    assert s["rates.solved"] <= s["rates.closed"] * s["rates.solved_among_called"] + 1e-12
    assert 0 < s["rates.reopened"] < 0.2 and s["cases.reopened"] > 0


def test_unsolved_cases_are_rated_as_unmet_so_the_grade_is_not_the_on_time_rate():
    s = summary(1)
    assert s["ratings.satisfaction_rate_unsolved"] < 0.2 < 0.9 < s["ratings.satisfaction_rate_on_time"]
    # An on-time but unsolved case is rated badly: satisfied is no longer just "closed on time".
    none_unsolved = summary(1, **{"case.unsolved_share": 0.0, "case.unsolved_late": 0.0})
    assert s["ratings.on_time_correlation"] < none_unsolved["ratings.on_time_correlation"]
    assert s["ratings.satisfaction_rate_on_time"] < none_unsolved["ratings.satisfaction_rate_on_time"]


def test_nothing_solved_means_no_solved_rate_and_unhappy_residents():
    s = summary(2, **{"case.unsolved_share": 1.0, "case.reopen_share": 0.0})
    assert s["rates.solved"] == 0.0 and s["rates.closed"] > 0.8
    assert s["cases.reopened"] == 0.0 and s["rates.reopened"] == 0.0
    assert s["ratings.satisfaction_rate"] < 0.2  # expectations adapt to nothing solved: not 0
    assert s["survey.satisfaction_rate"] < summary(2)["survey.satisfaction_rate"]


def test_reopened_cases_go_back_to_the_level_that_closed_them_and_no_case_is_lost():
    model = model_of(small("baseline", residents=3_000, days=40, **{"case.unsolved_share": 0.4,
                                                                      "case.reopen_share": 1.0}), seed=3)
    back_to = {}
    reopen = model.verification.reopen

    def watched(case):
        back_to[case.id] = case.resolved_level
        reopen(case)
        assert case.status != RESOLVED and math.isnan(case.t_resolve) and case.t_reopen == model.events.now

    model.verification.reopen = watched
    for _ in range(40):
        model.step()
        _check_conservation(model)
    assert len(back_to) > 50 and model.verification.reopenings >= len(back_to)
    for c in model.cases:
        if c.id in back_to and c.status == RESOLVED:
            assert c.reopened >= 1
            if c.need == model.safety.need:   # mediated again where it went back, and handed up if it fails
                assert c.resolved_level >= back_to[c.id]
            else:
                assert c.resolved_level == back_to[c.id] == c.level


def test_unsolved_chance_rises_with_lateness_from_the_reopening():
    v = model_of(small("baseline", residents=500, days=5)).verification
    case = SimpleNamespace(t_report=0.0, t_reopen=math.nan, deadline=1.0)
    base = v.p["case.unsolved_share"]
    assert v.unsolved_chance(case, 0.5) == base == v.unsolved_chance(case, 1.0)
    assert base < v.unsolved_chance(case, 2.0) < v.unsolved_chance(case, 4.0) <= base + v.p["case.unsolved_late"]
    case.t_reopen = 3.0  # the reopened work order's deadline runs from the reopening
    assert v.unsolved_chance(case, 3.5) == base


def test_case_draws_do_not_depend_on_the_order_of_the_calls():
    a = CaseDraws(np.random.default_rng(7), 2, block=16)
    b = CaseDraws(np.random.default_rng(7), 2, block=16)
    first = [a(i, 0) for i in range(40)]
    second = [b(i, 0) for i in reversed(range(40))][::-1]
    assert first == second
    assert a(5, 1) != a(5, 0) and a(5, 0, 1) != a(5, 0) and 0 <= a(5, 0, 3) < 1


def test_phi_is_the_correlation_and_nan_when_undefined():
    x = np.array([True, True, False, False])
    assert phi(x, x) == pytest.approx(1.0) and phi(x, ~x) == pytest.approx(-1.0)
    assert math.isnan(phi(x, np.ones(4, dtype=bool)))


def test_hotline_tickets_are_never_abandoned_but_other_channels_may_be():
    model = model_of(small("baseline", residents=4_000, days=60, **{"demand.scale": 6.0}), seed=2)
    model.run_for(60)
    abandoned = [c for c in model.cases if c.status == ABANDONED and not c.lapsed]
    assert abandoned, "under this load some in-person and app cases time out"
    assert all(c.channel != HOTLINE for c in abandoned)
    assert any(c.channel == HOTLINE and c.status == RESOLVED for c in model.cases)


def test_follow_up_learns_solved_and_only_then_it_counts():
    model = model_of(small("baseline", residents=3_000, days=30), seed=4)
    model.run_for(30)
    called = [c for c in model.cases if c.status == RESOLVED and not math.isnan(c.t_verify)]
    assert called and all(c.solved in (SOLVED, NOT_SOLVED) and 1 <= c.grade <= 5 for c in called)
    unsolved = [c for c in called if c.solved == NOT_SOLVED]
    assert unsolved and np.mean([c.grade >= 3 for c in unsolved]) < 0.2


def paired(key: str, base: dict, strained: dict, **size) -> tuple[float, float, float]:
    a = np.array([summary(s, **size, **base)[key] for s in SEEDS])
    b = np.array([summary(s, **size, **strained)[key] for s in SEEDS])
    return a.mean(), b.mean(), (b - a).std(ddof=1) / math.sqrt(len(SEEDS))




@pytest.mark.parametrize("strain,residents", [({"demand.scale": 8.0}, 5_000),
                                               ({"township.staff_per_10k": 0.5}, 20_000)])  # 10 staff -> 1
def test_the_survey_falls_when_service_collapses(strain, residents):
    """Before word of mouth the survey stayed at ~93% when the township had 0.5 staff per 10,000."""
    size = {"residents": residents, "days": 180, "survey.sample_share": 1_000 / residents}
    before, after, se = paired("survey.satisfaction_rate", {}, strain, **size)
    assert after < before - max(0.3, 3 * se), (strain, before, after, se)


def test_residents_without_a_case_hear_the_neighbours():
    """Word of mouth: under collapse, residents who never had a case end less satisfied."""
    means = {}
    for scale in (1.0, 8.0):
        model = model_of(small("workshop", residents=4_000, days=120, **{"demand.scale": scale}), seed=5)
        model.run_for(120)
        had_case = {id(c.resident) for c in model.cases if c.t_arise <= model.events.now}
        means[scale] = np.mean([r.satisfaction for r in model.residents if id(r) not in had_case])
    assert means[8.0] < means[1.0] - 0.05, means
    off = model_of(small("workshop", residents=4_000, days=120, **{"demand.scale": 8.0,
                                                                   "satisfaction.word_of_mouth_per_day": 0.0,
                                                                   "satisfaction.start_at_equilibrium": False}))
    off.run_for(120)
    had_case = {id(c.resident) for c in off.cases if c.t_arise <= off.events.now}
    untouched = [r.satisfaction for r in off.residents if id(r) not in had_case]
    assert np.mean(untouched) == pytest.approx(off.spec["satisfaction.initial_mean"], abs=0.01)


def yearly_drift(seed: int, settle: bool) -> float:
    """Mean latent satisfaction of the second measured year minus that of the first (the calendar's
    seasons make a yearly cycle, so a year is compared with a year)."""
    scenario = small("baseline", residents=10_000, days=760, **{"sim.warmup_days": 30,
                                                              "satisfaction.start_at_equilibrium": settle})
    out = run(scenario, seed, case_table=False)
    day, lat = out.timeseries["day"], out.timeseries["latent_satisfaction"]
    return float(lat[(day >= 395) & (day < 760)].mean() - lat[(day >= 30) & (day < 395)].mean())


def test_the_steady_start_removes_most_of_the_drift():
    """Without the steady start latent satisfaction falls by about 0.02 from the first measured year
    to the next, in every seed; with it the change is less than half of that (what remains: the
    warm-up falls in January's peak of demand and the Spring Festival holiday, so the first quarter
    starts below the yearly cycle)."""
    on = np.array([yearly_drift(s, True) for s in (1, 2, 3)])
    off = np.array([yearly_drift(s, False) for s in (1, 2, 3)])
    assert (off < -0.015).all(), off
    assert abs(on.mean()) < 0.5 * abs(off.mean()), (on, off)


STEADY_SEEDS = (1, 2, 3, 4, 5)


def latent_drift(settle: bool):
    """The year-1 → year-2 changes of mean latent satisfaction, by `govsim validate`'s code path, at
    10,000 residents (seeds 1-5, 30-day warm-up)."""
    from sim.validation import steady_state_drifts

    scenario = small("baseline", residents=10_000, days=760, **{"sim.warmup_days": 30,
                                                              "satisfaction.start_at_equilibrium": settle})
    return steady_state_drifts(scenario, STEADY_SEEDS, columns=("latent_satisfaction",))["latent_satisfaction"]


def test_the_steady_start_keeps_the_drift_within_the_noise():
    """The rule of `govsim validate` (sim/validation.py): |mean change from the first measured year to
    the second| ≤ the standard deviation of one seed's change. With the steady start it holds and the
    95% CI of the change includes zero; without it every seed falls (by about 0.03) and the rule fails.
    (Seeds 6-10 and 11-15 gave the same verdicts: mean +0.001 and -0.002 with SDs of 0.015 and 0.011
    on; -0.036 and -0.034 with SDs of 0.011 and 0.009 off.)"""
    on, off = latent_drift(True), latent_drift(False)
    assert on.within_noise and on.ci95[0] < 0 < on.ci95[1], (on.changes, on.sd)
    assert not off.within_noise and max(off.changes) < -0.015, (off.changes, off.sd)


def collective_stock(seed: int, settle: bool, days: int = 760) -> tuple[list[int], float]:
    """Open collective issues (§7.36) at day 0, 365 and 730, and the change of reports per day from the
    first measured year to the second, at 10,000 residents (30-day warm-up), with or without the
    issues' steady start."""
    from sim.validation import YEAR_DAYS, yearly_means

    m = model_of(small("baseline", residents=10_000, days=days, **{
        "sim.warmup_days": 30, "deliberation.start_at_equilibrium": settle}), seed)
    stock = [sum(len(c) for c in m.deliberation.open)]
    for day in range(1, days + 1):
        m.step()
        if day % YEAR_DAYS == 0:
            stock.append(sum(len(c) for c in m.deliberation.open))
    if days < 30 + 2 * YEAR_DAYS:
        return stock, math.nan
    first, second = yearly_means(m.recorder.columns(), "reported", 30)
    return stock, second - first


def test_the_collective_issues_start_at_their_steady_stock():
    """With the issues' steady start (a pre-history before day 0) the open stock at day 0 is near its
    level one and two years on, averaged over seeds, and reports per day stay within the rule of
    `govsim validate`; from an empty stock the open issues build up over both years (the drift of
    reports at 50,000 residents, §7.16; at 10,000 it is within the noise either way: seeds 1-5 gave
    reports' changes of −0.06 (SD 0.31) with the steady start, +0.04 (SD 0.35) without)."""
    from sim.validation import Drift

    on = [collective_stock(s, True) for s in STEADY_SEEDS]
    stock = np.mean([s for s, _ in on], axis=0)
    assert stock[0] > 0 and abs(stock[0] - stock[1:].mean()) < 0.3 * stock[1:].mean(), stock
    reports = Drift(tuple(d for _, d in on), math.nan)
    assert reports.within_noise, (reports.changes, reports.sd)
    off = np.mean([collective_stock(s, False, days=730)[0] for s in STEADY_SEEDS[:3]], axis=0)
    assert off[0] == 0 and 0 < off[1] < off[2] and off[1] < 0.6 * stock[0], (off, stock)
