"""The steady start (ODD 7.16, `Surveys.settle`) sets whether a resident's last report was solved
counting the own reports still open past their deadline as not solved yet: not only the reports that
finished (survivor bias)."""

import numpy as np

from sim.cases import APP, IN_SERVICE, IN_TRANSIT, QUEUED
from tests.helpers import model_of, small

# A loaded township: many cases are still open, and late, when the warm-up ends.
STRAINED = {"demand.scale": 1.3}


def settle_both_ways(seed: int) -> dict[bool, tuple[float, float]]:
    """Step a loaded model to its last settling and settle it twice from the same state, ignoring
    the overdue open reports and counting them: mean expectation and share of last reports solved."""
    m = model_of(small("workshop", residents=5_000, days=40, **{"sim.warmup_days": 20}, **STRAINED), seed)
    for _ in range(19):
        m.step()
    m.events.drain(20.0)   # the day's events, up to the settling at its end
    assert m.events.now == 20.0
    surveys, residents = m.submodels["survey"], m.residents
    warm, warm_from = [list(p) for p in surveys.warm], surveys.warm_from
    views = [(r.satisfaction, r.expectation, r.last_report_resolved) for r in residents]
    out = {}
    for censor in (False, True):
        surveys.warm, surveys.warm_from = [list(p) for p in warm], warm_from
        for r, (s, e, lr) in zip(residents, views):
            r.satisfaction, r.expectation, r.last_report_resolved = s, e, lr
        if not censor:
            surveys._overdue_open = lambda now: []
        else:
            del surveys._overdue_open
            assert surveys._overdue_open(m.events.now)
        surveys.settle(20)
        out[censor] = (float(np.mean([r.expectation for r in residents])),
                       float(np.mean([r.last_report_resolved for r in residents])))
    return out


def test_open_overdue_reports_lower_the_settled_share_solved():
    for seed in (1, 2):
        views = settle_both_ways(seed)
        assert views[True][1] < views[False][1], (seed, views)   # own reports solved
        assert views[True][0] == views[False][0], (seed, views)  # expectation: from the finished cases


def test_the_overdue_open_cases_are_those_of_the_window_past_their_deadline():
    m = model_of(small("workshop", residents=5_000, days=40, **{"sim.warmup_days": 20}, **STRAINED), 1)
    for _ in range(15):
        m.step()
    surveys = m.submodels["survey"]
    now = m.events.now
    overdue = surveys._overdue_open(now)
    assert overdue
    ids = {c.id for c in overdue}
    for c in m.cases:
        is_open = c.status in (QUEUED, IN_SERVICE, IN_TRANSIT)
        due = is_open and c.t_report >= surveys.warm_from and now - c.t_report > c.deadline
        assert (c.id in ids) == due, c.id   # every overdue open case of the window, and only those
    assert any(c.channel <= APP for c in overdue)   # own reports, which `_settle_reports` counts unsolved
