"""Who staffs a grid: full-time and part-time grid workers (专职/兼职网格员) and the grid head (网格长)
(issue 11, "Workload")."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from sim.agents.grid_worker import deal_rounds
from sim.cases import COMMITTEE, IN_PERSON, RESOLVED
from sim.runner import run
from sim.scenario import ScenarioError
from tests.helpers import check_after_events, model_of, small
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4, 5, 6)
SIZE = {"residents": 6_000, "days": 120}


@functools.lru_cache(maxsize=None)
def summary(seed: int, **overrides) -> dict:
    return run(small("baseline", **SIZE, **overrides), seed, case_table=False).summary


def across(key: str, **overrides) -> np.ndarray:
    return np.array([summary(s, **overrides)[key] for s in SEEDS])


# ------------------------------------------------------------------ visiting rounds
def test_equal_weights_deal_every_kth_household():
    households = np.arange(17) * 3
    for k in (1, 2, 3, 5):
        dealt = deal_rounds(households, [360] * k)
        for j in range(k):
            assert dealt[j].tolist() == households[j::k].tolist()


def test_weighted_rounds_share_the_households_by_hours():
    households = np.arange(1_000)
    dealt = deal_rounds(households, [360, 120, 120])   # 6 h a day, and two part-timers of 2 h
    assert sorted(np.concatenate(dealt).tolist()) == households.tolist()   # each once
    assert [len(d) for d in dealt] == [600, 200, 200]
    assert all((np.diff(d) > 0).all() for d in dealt)   # each round keeps the visiting order


# ------------------------------------------------------------------ part-time hours
def part_time_model(seed: int = 1, days: int = 40, **overrides):
    scenario = small("baseline", residents=4_000, days=days, **{"grid.part_time_workers": 2,
                                                                "grid.part_time_hours_per_week": 10.0, **overrides})
    return model_of(scenario, seed)


def in_hours(model, t: float) -> bool:
    """Whether time `t` falls in a part-timer's hours: a working day, from the start of grid duty
    for its daily hours."""
    cal, day = model.calendar, int(math.floor(t))
    begin = day + cal.start + cal.paperwork
    return cal.is_workday(day) and begin - 1e-9 <= t <= begin + model.shift.part_day + 1e-9


def test_part_timers_take_work_and_wait_idle_only_in_their_hours():
    """A part-timer starts a case or a task, or waits in its grid's idle list, only within its two
    hours a day (10 h a week); it is never on call; no case is lost."""
    model = part_time_model()
    part = [w for w in model.workers if w.part_time]
    assert model.shift.part_day == pytest.approx(2.0 / 24.0)
    started = set()

    def check():
        now = model.events.now
        for w in part:
            if w in w.desk.idle:
                assert in_hours(model, now), now
            if (w.case is not None or w.work is not None) and (id(w), w.busy_since) not in started:
                started.add((id(w), w.busy_since))
                assert in_hours(model, w.busy_since), w.busy_since
            assert w.on_call is None

    check_after_events(model, check)
    model.run_for(40)
    _check_conservation(model)
    assert len(started) > 50   # part-timers did work
    assert sum(w.case_hours + w.task_hours for w in part) > 0


def test_part_timers_hours_are_their_weekly_hours():
    """Case, task and proactive hours of part-timers fit in their 10 h a week (a case begun near
    the end of the hours runs over: a few per cent)."""
    model = part_time_model(days=60)
    model.run_for(60)
    part = [w for w in model.workers if w.part_time]
    workdays = sum(model.calendar.is_workday(d) for d in range(60))
    worked = sum(w.case_hours + w.task_hours + w.proactive_hours for w in part)
    assert worked <= 1.1 * workdays * 2.0 * len(part)
    assert worked >= 0.9 * workdays * 2.0 * len(part)


def test_part_timers_are_not_moved_to_emergency_duty():
    model = model_of(small("cold_wave", residents=6_000, days=70, **{"grid.part_time_workers": 1}), 1)
    model.run_for(70)
    assert all(w.em_desk is None and w.reassign is None for w in model.workers if w.part_time)
    assert any(em.moved for em in model.emergency.emergencies)
    assert not any(w.part_time for em in model.emergency.emergencies for w, _ in em.moved)


def test_part_timers_around_the_clock_are_refused():
    with pytest.raises(ScenarioError, match="grid.part_time_workers"):
        small("baseline", **{"grid.part_time_workers": 1, "worker.shift_hours": 24.0, "worker.shift_start_hour": 0.0,
                             "worker.workdays_per_week": 7, "burden.paperwork_hours_per_day": 0.0})


# ------------------------------------------------------------------ what part-timers buy
def test_part_timers_shorten_response_and_cost_their_stipends():
    """Two part-timers per grid: first response falls in every seed, more needs are found by visits,
    and the staff cost, net of the overtime that moves, rises by their stipends (to within the duty
    costs that move)."""
    with_part = {"grid.part_time_workers": 2}
    base, more = across("response_time_h.mean"), across("response_time_h.mean", **with_part)
    assert (more < base).all(), (base, more)
    assert across("cases.discovered_by_visit", **with_part).sum() > across("cases.discovered_by_visit").sum()
    s0, s1 = summary(1), summary(1, **with_part)
    assert s1["workers.part_time"] == 2 * s0["workers.count"]
    stipends = s1["workers.part_time"] * 6_000.0 * SIZE["days"] / 365.0
    overtime = s1["cost.overtime_cny"] - s0["cost.overtime_cny"]
    assert s1["cost.staff_cny"] - s0["cost.staff_cny"] - overtime == pytest.approx(stipends, rel=0.05)
    assert 0.0 < s1["workload.part_time.utilisation"] < 1.0
    assert s1["workload.part_time.paperwork_share"] == 0.0


def test_fewer_part_time_hours_do_not_help():
    """Honest under strain: part-timers with 2 h a week instead of 10 never give a shorter mean response."""
    ten = across("response_time_h.mean", **{"grid.part_time_workers": 2})
    two = across("response_time_h.mean", **{"grid.part_time_workers": 2, "grid.part_time_hours_per_week": 2.0})
    assert (two >= ten - 0.05 * ten).all() and two.mean() > ten.mean(), (ten, two)


# ------------------------------------------------------------------ grid heads (网格长)
def committee_cases_resolution(seed: int, **overrides) -> float:
    """Mean resolution time (h) of cases within a committee's authority reported to the grid worker
    in person: the ones the grid hands up. The mediation chain is off (ODD 7.37): with it, the grid
    worker mediates disputes on the spot and hands up only those it fails to settle, and the paths
    of the disputes, not the hand-up, would be measured."""
    model = model_of(small("baseline", **SIZE, **{"safety.dispute_need": ""}, **overrides), seed)
    model.run_for(SIZE["days"])
    times = [c.t_resolve - c.t_report for c in model.cases
             if c.level == COMMITTEE and c.channel == IN_PERSON and c.status == RESOLVED]
    return float(np.mean(times)) * 24.0


def test_grid_heads_speed_what_the_grid_hands_up_at_a_cost_in_committee_time():
    heads = {"grid.heads": True}
    without = np.array([committee_cases_resolution(s) for s in SEEDS])
    with_heads = np.array([committee_cases_resolution(s, **heads) for s in SEEDS])
    assert (with_heads < without).all(), (without, with_heads)
    assert (across("workload.committee.utilisation", **heads) > across("workload.committee.utilisation")).all()
    assert (across("workload.tasks.hours_by_type.grid_head_meeting") == 0).all()
    s = summary(1, **heads)
    grids = s["workers.count"]    # one full-time worker per grid
    expected = grids * 4.0 * 12.0 / 365.0 * SIZE["days"] * 1.0   # weekly 1 h meetings, per grid
    assert s["workload.tasks.hours_by_type.grid_head_meeting"] == pytest.approx(expected, rel=0.25)


def test_grid_heads_who_do_not_speed_the_hand_up_only_cost_time():
    """Honest under strain: heads whose hand-off is as slow as the committee's gain nothing, and their
    meetings take committee time, so cases within the committee's authority are not resolved faster."""
    slow = {"grid.heads": True, "grid.head_handoff_hours": 4.0}
    committee_handoff = model_of(small("baseline", **SIZE), 1).dispatch.handoff_mean
    assert model_of(small("baseline", **SIZE, **slow), 1).dispatch.handoff_mean == committee_handoff
    # The exact check is above: the hand-off is the committee's. A paired seed's difference swings by
    # about 2 h either way (a mean over a few hundred cases), so six seeds' mean moved by more than the
    # 1% allowed whenever the event sequence changed; thirty seeds' (standard error about 0.5 h) is the
    # statistical check (mean difference -0.3 h at this writing).
    seeds = range(1, 31)
    without = np.array([committee_cases_resolution(s) for s in seeds])
    slow_heads = np.array([committee_cases_resolution(s, **slow) for s in seeds])
    assert slow_heads.mean() >= without.mean() - 0.01 * without.mean(), (without, slow_heads)
