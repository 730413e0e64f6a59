"""The duty roster (值班): who answers urgent cases at night, at weekends and on holidays (issue 11)."""

from __future__ import annotations

import numpy as np

from sim.runner import run
from tests.helpers import check_after_events, model_of, small

SEEDS = (1, 2, 3)
NOBODY = {"duty.committee_staff": 0, "duty.township_staff": 0, "duty.county_staff": 0}


def urgent_on_time(**overrides) -> list[float]:
    return [run(small(residents=20_000, days=120, **overrides), s, case_table=False)
            .summary["rates.on_time.by_urgency.urgent"] for s in SEEDS]


def test_without_anyone_on_duty_urgent_cases_wait_for_the_morning():
    rostered, nobody = urgent_on_time(), urgent_on_time(**NOBODY)
    assert all(b < a - 0.05 for a, b in zip(rostered, nobody)), (rostered, nobody)


def test_off_duty_no_more_staff_work_than_the_roster_holds():
    model = model_of(small(residents=20_000, days=40, **{"duty.township_staff": 1, "demand.scale": 3.0}), 2)
    desks = [model.township.desk, *(c.desk for c in model.committees), *(d.desk for d in model.county)]
    peak = {"n": 0}

    def check() -> None:
        for desk in desks:
            working = sum(1 for s in desk.servers if s.on_call is desk)
            assert working == desk.on_call_busy <= desk.duty
            peak["n"] = max(peak["n"], working)

    check_after_events(model, check)
    model.run_for(40)
    assert peak["n"] >= 1, "someone worked on call"


def test_the_roster_costs_an_allowance_per_person_and_shift():
    one = run(small(residents=6_000, days=60), 1, case_table=False).summary
    double = run(small(residents=6_000, days=60, **{"duty.allowance_cny_per_shift": 160.0}), 1,
                 case_table=False).summary
    none = run(small(residents=6_000, days=60, **{"worker.on_call_urgent": False}), 1, case_table=False).summary
    assert one["duty.cost_cny_per_year"] > 0
    assert np.isclose(double["duty.cost_cny_per_year"], 2 * one["duty.cost_cny_per_year"])
    assert none["duty.cost_cny_per_year"] == 0.0
    assert double["cost.staff_cny"] > one["cost.staff_cny"]
