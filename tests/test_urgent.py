"""Urgent cases are dispatched directly to the level with authority (直派; issue 11)."""

import math

import pytest

from sim.cases import GRID, PATROL, URGENT, VISIT
from sim.runner import run
from tests.helpers import model_of, small
from tests.test_invariants import _check_conservation

SEEDS = tuple(range(1, 9))


def workshop(direct: bool, **overrides):
    return small("workshop", residents=6_000, days=90, **{"routing.direct_dispatch": direct}, **overrides)


def urgent_on_time(direct: bool) -> list[float]:
    """The urgent class's on-time rate on each of the paired seeds."""
    return [run(workshop(direct), seed, case_table=False).summary["rates.on_time.by_urgency.urgent"]
            for seed in SEEDS]


def test_direct_dispatch_puts_urgent_cases_on_time():
    """About +20 points on average (12% -> 33% here); the test asks for +15 over the seeds'
    mean and a gain on every seed."""
    off, on = urgent_on_time(False), urgent_on_time(True)
    assert sum(on) / len(on) >= sum(off) / len(off) + 0.15, (off, on)
    assert all(b > a for a, b in zip(off, on)), (off, on)


def test_the_lever_is_on_by_default():
    assert small("workshop")["routing.direct_dispatch"] is True


def _urgent_cases(direct: bool, seed: int = 2):
    model = model_of(workshop(direct), seed)
    for _ in range(90):
        model.step()
    _check_conservation(model)
    return [c for c in model.cases if c.urgency == URGENT and any(not math.isnan(t) for t in c.t_in)]


def _below_authority(case) -> list[int]:
    """Levels below the case's authority where it arrived; a case its grid worker found on a
    visit or patrol starts at the grid, so only the levels between count for it."""
    lowest = GRID + 1 if case.channel in (VISIT, PATROL) else GRID
    return [lvl for lvl in range(lowest, case.level) if not math.isnan(case.t_in[lvl])]


def test_urgent_cases_skip_the_levels_below_their_authority():
    cases = _urgent_cases(True)
    assert any(c.level > GRID for c in cases)
    # A case the platform misrouted (派单 error, routing.misroute_share) reaches a wrong desk first
    # and is sent back: that is misrouting, not a hand-up; direct dispatch governs the others.
    assert [c.id for c in cases if _below_authority(c) and c.misrouted_to < 0] == []


def test_without_direct_dispatch_urgent_cases_pass_through_lower_levels():
    """The check above can fail: with the lever off, urgent cases are handed up level by level."""
    cases = _urgent_cases(False)
    assert [c.id for c in cases if _below_authority(c)] != []


@pytest.mark.parametrize("direct", [False, True])
def test_no_case_lost(direct):
    o = run(workshop(direct), 3, case_table=False).summary
    assert o["cases.created"] == o["cases.resolved"] + o["cases.open"] + o["cases.abandoned"] + o["cases.petitioned"]
