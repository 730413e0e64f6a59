"""No case is ever lost, timestamps follow the loop, nobody is in two places at once."""

import math

import pytest

from sim.cases import ABANDONED, IN_SERVICE, LATENT, PETITIONED, QUEUED, RESOLVED, Case
from tests.helpers import check_after_events, model_of, small


def _recount(model):
    now = model.events.now
    arisen = [c for c in model.cases if c.t_arise <= now]
    by_status = {}
    for c in arisen:
        by_status[c.status] = by_status.get(c.status, 0) + 1
    return len(arisen), by_status


def _check_conservation(model):
    created, by_status = _recount(model)
    resolved = by_status.get(RESOLVED, 0)
    abandoned = by_status.get(ABANDONED, 0)
    petitioned = by_status.get(PETITIONED, 0)   # disputes gone to the court or a petition (ODD 7.37)
    open_ = created - resolved - abandoned - petitioned
    assert model.created == created
    assert model.resolved == resolved
    assert model.abandoned == abandoned
    assert model.open_cases == open_
    assert model.created == model.resolved + model.open_cases + model.abandoned + petitioned
    assert model.safety.petitions == petitioned
    # Each server serves at most one case, and every case in service has exactly one server.
    serving = [s.case for d in _desks(model) for s in d.servers if s.case is not None]
    assert len(serving) == len({id(c) for c in serving})
    assert all(c.status == IN_SERVICE for c in serving)
    in_service = sum(1 for c in model.cases if c.t_arise <= model.events.now and c.status == IN_SERVICE)
    assert in_service == len(serving) + model.volunteers.aid_open  # staff, or a volunteer's mutual aid
    # Every waiting case has exactly one live queue entry (supervision re-queues, leaving stale ones);
    # top-down tasks share the queues and are counted by tests/test_workload.py.
    live = [e[3] for d in _desks(model) for e in d.queue
            if e[3].__class__ is Case and e[3].status == QUEUED and e[4] == e[3].queued]
    assert len(live) == len({id(c) for c in live})
    assert len(live) == sum(1 for c in model.cases if c.t_arise <= model.events.now and c.status == QUEUED)


def _desks(model):
    return [*model.grid_desks, *(c.desk for c in model.committees), model.township.desk,
            *(dept.desk for dept in model.county), *model.safety.desks]


@pytest.mark.parametrize("name", ["baseline", "large_grids", "decentralisation", "smart_channels"])
def test_no_case_lost_at_every_instant(name):
    """Check the books after every 25th event, and at the end of each day."""
    model = model_of(small(name, residents=2_500, days=40), seed=3)
    counter = check_after_events(model, lambda: _check_conservation(model), every=25)
    for _ in range(40):
        model.step()
        _check_conservation(model)
    assert counter["n"] > 500


def test_timestamps_follow_the_loop():
    model = model_of(small("baseline", residents=5_000, days=90), seed=5)
    model.run_for(90)
    n_resolved = 0
    for c in model.cases:
        if c.t_arise > model.events.now:
            continue
        if c.status == LATENT:
            assert math.isnan(c.t_report)
            continue
        if c.status == ABANDONED and c.lapsed:
            assert math.isnan(c.t_report) and c.t_abandon >= c.t_arise
            continue
        assert c.t_report >= c.t_arise
        if not math.isnan(c.t_accept):
            assert c.t_accept >= c.t_report
        # A misrouted case visited a wrong level first (退单); its other levels follow the loop.
        entered = [t for lv, t in enumerate(c.t_in) if not math.isnan(t) and lv != c.misrouted_to]
        assert entered == sorted(entered), "hand-offs go up the levels in time order"
        if c.misrouted_to >= 0 and entered:
            assert c.t_in[c.misrouted_to] <= min(entered), "the wrong desk comes first"
        if c.status == RESOLVED:
            n_resolved += 1
            if c.need == model.safety.need:  # a dispute is settled where a mediation attempt succeeds
                assert not math.isnan(c.t_in[c.resolved_level]), "settled at a level it reached"
            else:
                assert c.resolved_level == c.level, "resolved at the level with authority"
            assert c.t_resolve >= c.t_accept >= c.t_report
            assert c.t_resolve >= max(entered)
            if not math.isnan(c.t_verify):
                assert c.t_verify >= c.t_resolve and 1 <= c.grade <= 5
        if c.status == ABANDONED:
            assert not c.lapsed and c.t_abandon >= c.t_report and math.isnan(c.t_resolve)
        if c.status == QUEUED:
            assert math.isnan(c.t_resolve)
    assert n_resolved > 300


def test_mesa_clock_advances_one_day_per_step():
    model = model_of(small(residents=1_000, days=10))
    assert model.time == 0
    model.step()
    assert model.time == 1.0
    model.run_for(3)
    assert model.time == 4.0
    model.run_until(7)
    assert model.time == 7.0
    assert len(model.recorder.rows) == 7
    assert model.events.now == 7.0
    assert model.created == sum(1 for c in model.cases if c.t_arise <= 7.0)
    assert min(t for t, *_ in model.events.pending()) > 7.0, "nothing due by day 7 is left unprocessed"


def test_workers_never_double_booked_and_hours_add_up():
    model = model_of(small("small_grids", residents=4_000, days=60), seed=2)
    model.run_for(60)
    for w in model.workers:
        duty_hours = 60 * 24
        assert 0 <= w.case_hours + w.proactive_hours <= duty_hours + w.overtime_hours + 1e-6
        assert w.overtime_hours >= 0


def test_fractional_advance_runs_the_events_due():
    model = model_of(small(residents=2_000, days=10))
    model.run_for(2.5)
    assert model.time == 2.5 and model.events.now == 2.5
    model.step()
    assert model.time == 3.5 and model.events.now == 3.5
    assert len(model.recorder.rows) == 3  # days 0, 1, 2 closed at times 1, 2, 3
    assert min(t for t, *_ in model.events.pending()) > 3.5
