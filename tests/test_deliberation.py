"""Deliberation (议事协商) and residents' self-governance (issue 12): collective issues, meetings,
the decision rules, projects and festering, and what they do to the rest of the model."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cases import HOTLINE, MADE_ID_BITS
from sim.runner import run
from sim.scenario import ScenarioError, load
from sim.submodels.deliberation import (AGREED, DROPPED, FESTERING, IMPLEMENTED, LAPSED, OPEN, STATES,
                                        WAITING, passes, representative_groups, village_quorum, women_seats)
from tests.helpers import ROOT, check_after_events, model_of, small
from tests.hostile import assert_refused
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4)
# Three communities, and three times the catalogue's rates, so that a short run has issues enough.
BUSY = {f"collective.{k}.rate_per_year": r for k, r in
        (("lift", 3.0), ("parking", 6.0), ("renovation", 1.5), ("property_fees", 3.0), ("public_space", 6.0))}
SIZE = {"residents": 15_000, "days": 200}
# The levers' tests follow the cohort of issues raised in a 200-day window, so they start from an empty
# stock: at the steady start the window's meetings also take up the backlog's issues.
COHORT = {"deliberation.start_at_equilibrium": False}


@functools.lru_cache(maxsize=None)
def summary(seed: int, **overrides) -> dict:
    return run(small("baseline", **SIZE, **{**BUSY, **COHORT, **overrides}), seed, case_table=False).summary


def series(key: str, **overrides) -> np.ndarray:
    return np.array([summary(s, **overrides)[key] for s in SEEDS])


RARE = {"deliberation.meetings_per_month": 0.25}
OFTEN = {"deliberation.meetings_per_month": 2.0}


# ------------------------------------------------------------------ directional
def test_more_meetings_bring_more_agreements_and_fewer_festering_issues():
    for key in ("deliberation.agreements", "deliberation.projects_implemented"):
        rare, often = series(key, **RARE), series(key, **OFTEN)
        assert (often >= rare).all() and often.sum() > rare.sum(), (key, rare, often)
    for key in ("deliberation.issues_festering", "deliberation.festering_complaints"):
        rare, often = series(key, **RARE), series(key, **OFTEN)
        assert (often <= rare).all() and often.sum() < rare.sum(), (key, rare, often)
    rare, often = series("deliberation.days_to_agreement", **RARE), series("deliberation.days_to_agreement", **OFTEN)
    assert (often < rare).all(), (rare, often)


def test_the_same_issues_arise_whatever_the_levers():
    """Issues are drawn from their own stream before any lever acts (common random numbers)."""
    a = series("deliberation.issues_raised", **RARE)
    for levers in (OFTEN, {"deliberation.public_attendance": True, "deliberation.elderly_quota": 0.5}):
        assert (series("deliberation.issues_raised", **levers) == a).all()


def test_meetings_cost_committee_and_grid_worker_time():
    none, often = {"deliberation.meetings_per_month": 0.0}, OFTEN
    assert (series("workload.tasks.hours_by_type.deliberation_meeting", **none) == 0).all()
    assert (series("deliberation.meetings", **none) == 0).all()
    hours = series("workload.tasks.hours_by_type.deliberation_meeting", **often)
    assert (hours > 0).all()
    for role in ("committee", "grid_worker"):
        key = f"workload.{role}.task_share"
        assert (series(key, **often) > series(key, **none)).all(), role


def _disputes_and_hotline(seed: int, **overrides) -> tuple[int, int, int]:
    m = model_of(small("baseline", residents=15_000, days=200, **BUSY, **overrides), seed)
    m.run_for(200)
    dispute = [n.name for n in m.needs].index("dispute")
    # Disputes that arise again after ending unsolved (§7.37, their own band of ids) are left out:
    # festering adds its complaints, and those add recurrences of their own.
    arisen = [c for c in m.cases if c.t_arise <= m.events.now and c.id >> MADE_ID_BITS != 1]
    return (sum(c.need == dispute for c in arisen), sum(c.channel == HOTLINE for c in arisen),
            m.deliberation.complaints)


def test_festering_issues_raise_disputes_and_hotline_complaints():
    """With no meetings every issue festers; its households' extra disputes come on top of the same
    ordinary needs (their own stream), and some reach the hotline."""
    quiet = {"deliberation.meetings_per_month": 0.0, "deliberation.festering_needs_per_household_year": 0.0}
    loud = {"deliberation.meetings_per_month": 0.0, "deliberation.festering_needs_per_household_year": 0.5}
    more_hotline = 0
    for seed in SEEDS[:3]:
        d0, h0, c0 = _disputes_and_hotline(seed, **quiet)
        d1, h1, c1 = _disputes_and_hotline(seed, **loud)
        assert c0 == 0 and c1 > 0
        assert d1 == d0 + c1, "the extra disputes are exactly the festering complaints"
        more_hotline += h1 > h0
    assert more_hotline == 3


def _mean_trust(seed: int, **overrides) -> float:
    m = model_of(small("baseline", residents=15_000, days=200, **BUSY, **overrides), seed)
    m.run_for(200)
    return float(np.mean([r.trust for r in m.residents]))


def test_festering_lowers_trust_and_implemented_projects_raise_it():
    never = {"deliberation.meetings_per_month": 0.0}
    for seed in SEEDS[:2]:
        assert _mean_trust(seed, **never, **{"deliberation.festering_trust_loss": 0.2}) < _mean_trust(
            seed, **never, **{"deliberation.festering_trust_loss": 0.0})
        assert _mean_trust(seed, **OFTEN, **{"deliberation.trust_gain": 0.1}) > _mean_trust(
            seed, **OFTEN, **{"deliberation.trust_gain": 0.0})
        assert summary(seed, **never)["deliberation.projects_implemented"] == 0
        often = summary(seed, **OFTEN)
        assert often["deliberation.trust_participants"] > often["deliberation.trust_non_participants"]


def test_public_attendance_widens_participation_and_the_elderly_come_more():
    closed = series("deliberation.participation_rate", **OFTEN)
    public = {**OFTEN, "deliberation.public_attendance": True}
    opened = series("deliberation.participation_rate", **public)
    assert (opened > closed).all()
    assert (series("deliberation.participation_rate.elderly", **public)
            > series("deliberation.participation_rate.other", **public)).all()


@pytest.mark.parametrize("quota,group", [("deliberation.elderly_quota", "elderly"),
                                         ("deliberation.renter_quota", "renter")])
def test_a_quota_fills_its_share_of_council_seats(quota, group):
    m = model_of(small("baseline", residents=15_000, days=5, **{quota: 0.6}), 1)
    d = m.deliberation
    for council in d.council:
        members = m.resident_elderly[council] if group == "elderly" else d.resident_renter[council]
        assert members.mean() >= 0.6 - 1e-9
    base = model_of(small("baseline", residents=15_000, days=5), 1).deliberation
    share = np.mean([base.resident_renter[c].mean() for c in base.council])
    assert share < 0.6


def test_the_decision_rules_of_art_278():
    assert passes("owners_three_quarters", 0.75) and not passes("owners_three_quarters", 0.74)
    assert passes("owners_half", 0.51) and not passes("owners_half", 0.5)
    assert passes("majority", 0.6) and not passes("majority", 0.5)


# ------------------------------------------------------------------ invariants
def _check_issues(model) -> None:
    """Every raised issue is in exactly one state, consistent with its times; the open lists hold
    exactly the open ones."""
    d, now = model.deliberation, model.events.now
    raised = [i for i in d.issues if i.t_raise <= now]
    counts = d.state_counts()
    assert sum(counts.values()) == len(raised)
    for i in raised:
        ty = d.types[i.type]
        assert i.state in (WAITING, FESTERING, AGREED, IMPLEMENTED, DROPPED, LAPSED)
        assert (i.state == FESTERING) <= (now >= i.t_raise + ty.urgency_days)
        if i.state == WAITING:
            assert now <= i.t_raise + ty.urgency_days
        if i.state in OPEN:
            assert now <= i.t_raise + d.lapse_days
        assert (i.state == LAPSED) == (not math.isnan(i.t_lapse))
        if i.state == LAPSED:
            assert i.t_lapse == pytest.approx(i.t_raise + d.lapse_days)
        assert (i.state in (AGREED, IMPLEMENTED)) == (not math.isnan(i.t_agree))
        if i.state == IMPLEMENTED:   # no deputies here (deliberation.deputy_share 0): full duration
            assert i.t_done == pytest.approx(i.t_agree + ty.project_days)
    listed = [i for c in d.open for i in c if i.state in OPEN]
    assert sorted(i.id for i in listed) == sorted(i.id for i in raised if i.state in OPEN)
    assert len(d.agree_days) == counts["agreed"] + counts["implemented"]


@pytest.mark.parametrize("name", ["baseline", "deliberation_council", "rural_township"])
def test_no_issue_and_no_case_is_lost(name):
    overrides = {**BUSY, "deliberation.festering_needs_per_household_year": 1.0, "deliberation.drop_below": 0.4}
    model = model_of(small(name, residents=8_000, days=150, **overrides), seed=2)

    def check():
        _check_conservation(model)
        _check_issues(model)

    counter = check_after_events(model, check, every=200)
    for _ in range(150):
        model.step()
        check()
    assert counter["n"] > 1000
    states = model.deliberation.state_counts()
    assert states["implemented"] > 0
    if name == "baseline":   # quarterly meetings: some issues fester and raise disputes
        assert states["festering"] > 0 and model.deliberation.complaints > 0


def test_one_seed_gives_identical_outcomes():
    sc = small("deliberation_council", residents=8_000, days=120, **BUSY)
    a, b = run(sc, 7, case_table=False).summary, run(sc, 7, case_table=False).summary
    keys = [k for k in a if k.startswith(("deliberation.", "workload.tasks"))]
    assert len(keys) > 15
    assert {k: a[k] for k in keys} == pytest.approx({k: b[k] for k in keys}, nan_ok=True)
    assert set(STATES) == {"waiting", "festering", "agreed", "implemented", "dropped", "lapsed"}


def test_no_catalogue_no_meetings_and_no_draws():
    from sim.validation import mmc_scenario

    sc = mmc_scenario(4.0, 1.0, 6, 2_000)
    assert sc.collective == ()
    o = run(sc, 1, case_table=False).summary
    assert o["deliberation.issues_raised"] == 0 and o["deliberation.meetings"] == 0


# ------------------------------------------------------------------ bad input
def _scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{(ROOT / "scenarios" / "workshop.toml").as_posix()}"\n{body}', encoding="utf-8")
    return path


GOOD = ('rate_per_year = 1.0\naffected_share = 0.1\nbenefit_elderly = 0.5\nbenefit_other = 0.2\n'
        'benefit_renter = 0.0\nbenefit_unaffected = -0.1\ncost_cny = 1000.0\nurgency_days = 90.0\n'
        'rule = "majority"\nproject_days = 30.0\n')


@pytest.mark.parametrize("body,key,allowed", [
    ("[collective.x]\n" + GOOD.replace('"majority"', '"unanimity"'), "collective.x.rule",
     "one of 'majority', 'owners_half', 'owners_three_quarters'"),
    ("[collective.x]\n" + GOOD.replace("rate_per_year = 1.0", "rate_per_year = -1.0"),
     "collective.x.rate_per_year", "a number in [0, 365]"),
    ("[collective.x]\n" + GOOD.replace("affected_share = 0.1", "affected_share = 1.5"),
     "collective.x.affected_share", "a number in [0, 1]"),
    ("[collective.x]\n" + GOOD.replace("urgency_days = 90.0\n", ""), "collective.x.urgency_days", "missing"),
    ("[collective.x]\n" + GOOD + "floor = 3\n", "collective.x.floor", "unknown collective issue field"),
    ("[collective]\nx = 3\n", "collective.x", "a table of collective issue fields"),
    ('[deliberation]\nfestering_need = "noise"\n', "deliberation.festering_need", "a need type of the catalogue"),
    ('[deliberation]\npriority_issues = "lift, flying_cars"\n', "deliberation.priority_issues",
     "comma-separated names of collective issue types"),
    ('[deliberation]\nmeeting_format = "referendum"\n', "deliberation.meeting_format",
     "one of 'council', 'forum', 'hearing'"),
    ("[collective.x]\n" + GOOD.replace('"majority"', '"villagers"'), "collective.x.rule", "'villagers_meeting'"),
    ("[collective.x]\n" + GOOD + "floor_gradient = 9.0\n", "collective.x.floor_gradient", "a number in [-5, 5]"),
])
def test_bad_collective_tables_formats_priorities_and_floors_are_refused(tmp_path, body, key, allowed):
    path = _scenario(tmp_path, body)
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert info.value.key == key and str(path) in str(info.value) and allowed in str(info.value)


def test_a_bad_collective_table_exits_2_naming_file_key_and_value(tmp_path, capsys, monkeypatch):
    path = _scenario(tmp_path, "[collective.x]\n" + GOOD.replace("cost_cny = 1000.0", 'cost_cny = "dear"'))
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["run", str(path), "--out", str(tmp_path / "out")], capsys, [tmp_path])
    assert "collective.x.cost_cny" in line and "'dear'" in line and "s.toml" in line


# ------------------------------------------------------------------ facilitation and deputies
def _decided(**levers) -> np.ndarray:
    return series("deliberation.agreements", **levers) + series("deliberation.issues_dropped", **levers)


def test_facilitation_makes_meetings_decide_and_costs_its_budget():
    """A facilitated discussion converges further: meetings settle more issues one way or the other,
    and fewer are left to fester."""
    paid = {**RARE, "deliberation.facilitation_cny_per_meeting": 3_000.0}
    assert (_decided(**paid) >= _decided(**RARE)).all() and _decided(**paid).sum() > _decided(**RARE).sum()
    festering = series("deliberation.issues_festering", **RARE), series("deliberation.issues_festering", **paid)
    assert (festering[1] <= festering[0]).all(), festering
    for seed in SEEDS[:2]:
        s = summary(seed, **paid)
        assert s["deliberation.facilitation_cost_cny"] == 3_000.0 * s["deliberation.meetings"]
        assert summary(seed, **RARE)["deliberation.facilitation_cost_cny"] == 0.0


def test_deputies_attend_their_share_of_meetings_and_speed_projects():
    m = model_of(small("baseline", residents=15_000, days=200, **BUSY, **OFTEN,
                       **{"deliberation.deputy_share": 0.5}), 1)
    m.run_for(200)
    d = m.deliberation
    assert d.deputy_meetings == d.meetings // 2
    speedup = m.spec["deliberation.deputy_project_speedup"]
    ratios = [(i.t_done - i.t_agree) / d.types[i.type].project_days for i in d.issues
              if i.state == IMPLEMENTED and d.types[i.type].project_days > 0]
    assert ratios and all(r == pytest.approx(1.0) or r == pytest.approx(1.0 - speedup) for r in ratios)
    assert any(r == pytest.approx(1.0 - speedup) for r in ratios) and any(r == pytest.approx(1.0) for r in ratios)


def test_cases_made_during_the_run_never_share_an_id():
    """Arrivals, festering issues' extra needs and disputes that arise again each have their own ids:
    draws by case id (the follow-up call, mediation) are never shared between two cases."""
    m = model_of(small("baseline", residents=15_000, days=200, **BUSY,
                       **{"deliberation.meetings_per_month": 0.0}), 1)
    m.run_for(200)
    ids = [c.id for c in m.cases]
    assert len(ids) == len(set(ids))
    bands = {i >> MADE_ID_BITS for i in ids}
    assert {0, 2} <= bands, bands   # arrivals and festering needs (band 1: disputes that recur)


# ------------------------------------------------------------------ formats (座谈会, 听证会, 议事会)
FORMAT = {fmt: {**OFTEN, "deliberation.meeting_format": fmt} for fmt in ("council", "forum", "hearing")}


def test_a_hearing_draws_more_affected_residents_and_costs_more_staff_hours_than_a_forum():
    hours = "workload.tasks.hours_by_type.deliberation_meeting"
    for key in ("deliberation.affected_attendees_per_meeting",):
        forum, hearing = series(key, **FORMAT["forum"]), series(key, **FORMAT["hearing"])
        assert (hearing > forum).all(), (key, forum, hearing)
    forum_h, hearing_h = series(hours, **FORMAT["forum"]), series(hours, **FORMAT["hearing"])
    meetings = series("deliberation.meetings", **FORMAT["forum"]), series("deliberation.meetings", **FORMAT["hearing"])
    assert (hearing_h / meetings[1] > forum_h / meetings[0]).all(), (forum_h, hearing_h)
    # the public attends a hearing whatever the council's public_attendance lever
    assert (series("deliberation.participation_rate", **FORMAT["hearing"])
            > series("deliberation.participation_rate", **FORMAT["council"])).all()


def test_a_hearings_outcome_gains_more_trust_than_a_forums():
    """Legitimacy: the same project, agreed on the record, gains more trust when implemented."""
    m = {}
    for fmt in ("forum", "hearing"):
        model = model_of(small("baseline", residents=15_000, days=5, **FORMAT[fmt]), 1)
        m[fmt] = model.deliberation.legitimacy
    assert m["hearing"] > 1.0 > m["forum"]


# ------------------------------------------------------------------ the township's priorities (协商重点)
def test_priority_issues_are_agreed_sooner():
    """Parking named a priority: first on every agenda (quarterly meetings, full agendas), so its
    issues are agreed sooner than the same issues without priority, and its projects finish sooner."""
    key = "deliberation.days_to_agreement.by_type.parking"
    plain = np.nan_to_num(series(key, **RARE), nan=np.inf)   # none agreed: never
    first = series(key, **RARE, **{"deliberation.priority_issues": "parking"})
    assert (first < plain).all(), (plain, first)
    agreed = "deliberation.agreements.by_type.parking"
    assert (series(agreed, **RARE, **{"deliberation.priority_issues": "parking"}) >= series(agreed, **RARE)).all()
    s = summary(1, **RARE, **{"deliberation.priority_issues": "parking"})
    assert s["deliberation.agreements.priority"] == s["deliberation.agreements.by_type.parking"]
    assert s["deliberation.days_to_agreement.priority"] == s["deliberation.days_to_agreement.by_type.parking"]


def test_a_priority_project_is_co_funded_and_finishes_sooner():
    m = model_of(small("baseline", residents=15_000, days=200, **BUSY, **OFTEN,
                       **{"deliberation.priority_issues": "parking, public_space"}), 1)
    m.run_for(200)
    d, speedup = m.deliberation, m.spec["deliberation.priority_project_speedup"]
    done = [i for i in d.issues if i.state == IMPLEMENTED and d.types[i.type].project_days > 0]
    assert {d.types[i.type].name for i in done if i.priority} == {"parking", "public_space"}
    for i in done:
        expected = d.types[i.type].project_days * (1.0 - speedup if i.priority else 1.0)
        assert i.t_done - i.t_agree == pytest.approx(expected)


# ------------------------------------------------------------------ floors (加装电梯)
LIFTS = {"collective.lift.rate_per_year": 12.0, "collective.lift.affected_share": 0.1}


def test_upper_floors_vote_for_a_lift_more_than_ground_floors():
    for seed in SEEDS:
        s = summary(seed, **OFTEN, **LIFTS)
        assert s["deliberation.approval.upper_floors"] > s["deliberation.approval.ground_floors"] + 0.2, s
    flat = summary(1, **OFTEN, **LIFTS, **{"collective.lift.floor_gradient": 0.0})
    assert math.isnan(flat["deliberation.approval.upper_floors"]), "only floor-dependent issues' votes count"


def test_floors_are_drawn_from_their_own_stream_within_the_walk_up():
    a = model_of(small("baseline", residents=8_000, days=5), 3).deliberation
    b = model_of(small("baseline", residents=8_000, days=5, **{"deliberation.renter_share": 0.5}), 3).deliberation
    assert a.floor.min() == 1 and a.floor.max() == 6 and (a.floor == b.floor).all()
    c = model_of(small("baseline", residents=8_000, days=5, **{"deliberation.walkup_storeys": 4}), 3).deliberation
    assert c.floor.max() == 4


# ------------------------------------------------------------------ village collective matters (村集体事务)
def test_village_matters_are_off_in_the_city_and_decided_by_the_villagers_meeting_in_a_village():
    city = run(small("baseline", **SIZE, **COHORT), 1, case_table=False).summary
    assert city["deliberation.agreements.by_type.village_affairs"] == 0
    village = [run(small("village_deliberation", **SIZE, **COHORT), s, case_table=False).summary for s in SEEDS[:2]]
    assert all(v["deliberation.agreements.by_type.village_affairs"] > 0 for v in village)
    assert all(v["deliberation.agreements.by_type.lift"] == 0 for v in village)


def test_the_villagers_meeting_needs_two_thirds_of_the_households():
    """Art. 22: with no household representatives beyond those at the meeting, no quorum: nothing is
    agreed; with all of them, a clear majority agrees."""
    none = {"deliberation.villagers_meeting_reach": 0.0, **OFTEN}
    all_ = {"deliberation.villagers_meeting_reach": 1.0, **OFTEN}
    key = "deliberation.agreements.by_type.village_affairs"
    assert summary(1, **none, **{"collective.village_affairs.rate_per_year": 3.0})[key] == 0
    assert summary(1, **all_, **{"collective.village_affairs.rate_per_year": 3.0})[key] > 0


# ------------------------------------------------------------------ the summary window
def test_the_summary_covers_the_window_after_the_warm_up():
    """Issues raised, meetings, complaints and participation count from sim.warmup_days on, and the
    window's issues are each in exactly one state at the end."""
    warm = 100
    m = model_of(small("baseline", residents=15_000, days=200, **BUSY, **{"sim.warmup_days": warm}), 2)
    m.run_for(200)
    d = m.deliberation
    s = d.summary()
    raised = [i for i in d.issues if warm <= i.t_raise <= m.events.now]
    assert 0 < s["deliberation.issues_raised"] == len(raised) < sum(d.state_counts().values())
    assert s["deliberation.issues_raised"] == sum(s[f"deliberation.{k}"] for k in (
        "issues_waiting", "issues_festering", "projects_under_way", "projects_implemented", "issues_dropped",
        "issues_lapsed"))
    assert 0 < s["deliberation.meetings"] < d.meetings
    assert s["deliberation.meetings"] == len([t for t, *_ in d.meeting_log])
    assert all(t >= warm for t, *_ in d.meeting_log)
    # complaints arisen in the window by now: a day's extra needs drawn after office hours may arise later
    assert s["deliberation.festering_complaints"] == sum(warm <= c.t_arise <= m.events.now for c in d.complaint_cases)
    agreed = [i for i in raised if i.state in (AGREED, IMPLEMENTED)]
    assert s["deliberation.agreements"] == len(agreed)


# ------------------------------------------------------------------ bad input
def test_an_unknown_priority_issue_exits_2_naming_file_key_and_value(tmp_path, capsys, monkeypatch):
    path = _scenario(tmp_path, '[deliberation]\npriority_issues = "flying_cars"\n')
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["run", str(path), "--out", str(tmp_path / "out")], capsys, [tmp_path])
    assert "deliberation.priority_issues" in line and "'flying_cars'" in line and "s.toml" in line
    assert "lift" in line


@pytest.mark.parametrize("fmt", ["forum", "hearing"])
def test_every_format_loses_no_issue_and_is_deterministic(fmt):
    overrides = {**BUSY, **FORMAT[fmt], "deliberation.priority_issues": "lift"}
    model = model_of(small("baseline", residents=8_000, days=120, **overrides), seed=4)
    check_after_events(model, lambda: _check_issues_by_priority(model), every=300)
    model.run_for(120)
    _check_issues_by_priority(model)
    sc = small("baseline", residents=8_000, days=120, **overrides)
    a, b = run(sc, 5, case_table=False).summary, run(sc, 5, case_table=False).summary
    keys = [k for k in a if k.startswith("deliberation.")]
    assert {k: a[k] for k in keys} == pytest.approx({k: b[k] for k in keys}, nan_ok=True)


def _check_issues_by_priority(model) -> None:
    """As `_check_issues`, with priority projects finished sooner (no deputies)."""
    d, now = model.deliberation, model.events.now
    raised = [i for i in d.issues if i.t_raise <= now]
    assert sum(d.state_counts().values()) == len(raised)
    listed = [i for c in d.open for i in c if i.state in OPEN]
    assert sorted(i.id for i in listed) == sorted(i.id for i in raised if i.state in OPEN)
    assert all((i.state in (AGREED, IMPLEMENTED)) == (not math.isnan(i.t_agree)) for i in raised)
    assert all(i.state != DROPPED or math.isnan(i.t_agree) for i in raised)


# ------------------------------------------------------------------ the steady start and petitions
def test_the_steady_start_counts_petitioned_disputes_as_reports_finished_unsolved():
    """A dispute that left for a petition (信访) finished unsolved: when the steady start sets whether
    each resident's last report was solved, it counts as an abandonment does, not as no report."""
    from sim.cases import ABANDONED, APP, PETITIONED, RESOLVED

    m = model_of(small("baseline", residents=8_000, days=60, **{"sim.warmup_days": 40}), 1)
    m.run_for(30)
    surveys = m.submodels["survey"]
    own = [c for c in m.cases if c.channel <= APP and c.status in (RESOLVED, ABANDONED) and not c.lapsed
           and (c.t_verify if c.status == RESOLVED else c.t_abandon) >= surveys.warm_from]
    assert own
    for c in own:   # every own report finished since warm_from ends in a petition instead
        c.t_abandon = c.t_verify if c.status == RESOLVED else c.t_abandon
        c.status = PETITIONED
    for r in m.residents:
        r.last_report_resolved = True
    everyone = np.ones(len(m.residents), dtype=bool)
    surveys._settle_reports(everyone)
    touched = {c.community for c in own}
    members = [i for i, c in enumerate(surveys.community.tolist()) if c in touched]
    assert members and not any(m.residents[i].last_report_resolved for i in members)


# ------------------------------------------------------------------ lapsing (搁置) and the steady start of the stock
def test_an_open_issue_lapses_and_raises_no_more_needs():
    """Still open lapse_days after it was raised, an issue lapses: it leaves the open list, its
    disputes stop; the window's lapsed issues are counted, each issue in exactly one state."""
    levers = {**BUSY, **COHORT, "deliberation.meetings_per_month": 0.0,
              "deliberation.festering_needs_per_household_year": 1.0}
    complaints = {}
    for lapse in (120.0, 3_650.0):
        model = model_of(small("baseline", residents=8_000, days=200, **levers,
                               **{"deliberation.lapse_days": lapse}), seed=2)
        check_after_events(model, lambda: _check_issues(model), every=300)
        model.run_for(200)
        _check_issues(model)
        d, s = model.deliberation, model.deliberation.summary()
        old = [i for i in d.issues if i.t_raise + lapse < model.events.now]
        assert all(i.state == LAPSED for i in old) and (len(old) > 0) == (lapse < 200)
        assert s["deliberation.issues_lapsed"] == sum(i.state == LAPSED for i in d.issues if i.t_raise >= d.warm)
        complaints[lapse] = d.complaints
    assert 0 < complaints[120.0] < complaints[3_650.0]


def test_an_issue_lapsing_before_it_festers_costs_trust_once():
    """With lapse_days shorter than every urgency nothing festers and nothing raises disputes, but
    the grievance left unresolved still costs the affected residents trust (once, at the lapse)."""
    levers = {**BUSY, **COHORT, "deliberation.meetings_per_month": 0.0, "deliberation.lapse_days": 60.0,
              "deliberation.festering_needs_per_household_year": 1.0}
    trust = {}
    for loss in (0.0, 0.2):
        m = model_of(small("baseline", residents=8_000, days=150, **levers,
                           **{"deliberation.festering_trust_loss": loss}), seed=3)
        m.run_for(150)
        counts = m.deliberation.state_counts()
        assert counts["festering"] == 0 and counts["lapsed"] > 0 and m.deliberation.complaints == 0
        trust[loss] = np.mean([r.trust for r in m.residents])
    assert trust[0.2] < trust[0.0]


def _day0(seed: int, settle: bool, **levers):
    return model_of(small("baseline", residents=8_000, days=60, **BUSY, **levers,
                          **{"deliberation.start_at_equilibrium": settle}), seed)


def test_the_pre_history_leaves_a_stock_at_day_0_and_nothing_else():
    """Day 0 of the steady start: open, festering and agreed issues from before day 0, raised over the
    look-back window, deterministic; no meeting, staff time or effect on residents counted."""
    d = _day0(3, True).deliberation
    cold = _day0(3, False)
    span = 2 * d.lapse_days + max(ty.project_days for ty in d.types)
    assert not cold.deliberation.issues and all(-span - 1 <= i.t_raise < 0 for i in d.issues)
    states = d.state_counts()
    assert states["waiting"] and states["festering"] and states["implemented"] and states["lapsed"]
    assert sum(len(c) for c in d.open) == states["waiting"] + states["festering"]
    assert all(i.t_agree + d.types[i.type].project_days >= 0 for i in d.issues if i.state == AGREED)
    assert d.meetings == 0 and not d.meeting_log and not d.floor_votes
    assert all(c.t_arise >= 0 for c in d.complaint_cases)   # day 0's, planned: none before it
    assert not d.tasks.assignments and d.summary()["deliberation.issues_raised"] == 0
    assert [r.trust for r in d.model.residents] == [r.trust for r in cold.residents]
    again = _day0(3, True).deliberation
    assert (repr([(i.t_raise, i.type, i.community, i.state, i.t_agree) for i in d.issues])
            == repr([(i.t_raise, i.type, i.community, i.state, i.t_agree) for i in again.issues]))


def test_the_pre_history_shifts_no_draw_of_the_arrivals():
    """The needs that arrive (their ids, times, kinds and households) are the same with the steady start
    and without it: the pre-history draws from its own stream."""
    runs = []
    for settle in (True, False):
        m = _day0(4, settle)
        m.run_for(60)
        runs.append([(c.id, c.t_arise, c.need, c.household) for c in m.cases if c.id >> MADE_ID_BITS == 0])
    assert len(runs[0]) > 500 and runs[0] == runs[1]


def test_an_issue_that_failed_its_vote_goes_to_the_back_of_the_line():
    """The agenda: the township's priorities, then the issues never discussed (oldest first), then those
    discussed before (longest since their last discussion first). An issue its rule cannot pass does
    not hold a place on every agenda until it lapses; after a meeting the issues it left open wait
    behind those it did not reach."""
    d = _day0(3, True).deliberation
    c = max(range(len(d.open)), key=lambda k: len(d.open[k]))
    line, size = list(d.open[c]), d.p["deliberation.agenda_size"]
    assert len(line) > size + 1
    for issue in line:
        issue.t_discussed, issue.priority = -math.inf, False
    line[0].t_discussed, line[1].t_discussed, line[-1].priority = -5.0, -9.0, True
    never = [i for i in line[2:-1]]
    assert d._agenda(c) == ([line[-1]] + never + [line[1], line[0]])[:size]
    line[-1].priority = False
    first = d._agenda(c)
    d.on_meeting(c, None)   # at day 0
    still_open = [i for i in first if i in d.open[c]]
    assert still_open and all(i.t_discussed == 0.0 for i in first)
    waiting = sum(i.t_discussed < 0 for i in d.open[c])   # not reached by this meeting
    assert d._agenda(c) == (sorted((i for i in d.open[c] if i.t_discussed < 0), key=lambda i: i.t_discussed)
                            + still_open)[:size]
    assert waiting >= size and not set(d._agenda(c)) & set(still_open)


# ------------------------------------------------------------------ the villagers' representative meeting (村民代表会议)
def test_village_quorums_follow_the_organic_law():
    """Art. 22: representatives of two thirds of the households (三分之二以上: two thirds included);
    art. 26: two thirds of the representatives present; both decide by more than half (过半数)."""
    assert village_quorum("village_representatives", 20, 30) and not village_quorum("village_representatives", 19, 30)
    assert village_quorum("village_representatives", 2, 3) and not village_quorum("village_representatives", 1, 3)
    assert village_quorum("villagers_meeting", 200, 300) and not village_quorum("villagers_meeting", 199, 300)
    assert not village_quorum("village_representatives", 0, 0)   # no representatives: no meeting
    assert passes("village_representatives", 11 / 21) and not passes("village_representatives", 10 / 20)


def test_one_representative_per_five_to_fifteen_households():
    """Art. 25: groups of at most `per` households, every household in exactly one group, neighbours
    together; women at least a third of the seats, rounded up."""
    assert [len(g) for g in representative_groups(np.arange(300), 10)] == [10] * 30
    for per in range(5, 16):
        for n in (1, 7, 23, 299, 301):
            groups = representative_groups(np.arange(n), per)
            assert len(groups) == math.ceil(n / per) and max(len(g) for g in groups) <= per
            assert (np.concatenate(groups) == np.arange(n)).all()
    assert representative_groups(np.empty(0, dtype=np.int64), 10) == []
    assert (women_seats(30, 1 / 3), women_seats(31, 1 / 3), women_seats(3, 1 / 3), women_seats(2, 0.0)) == (10, 11, 1, 0)


def test_villages_elect_their_representatives_among_households_at_home():
    model = model_of(small("rural_township", residents=6_000, days=5), 1)
    d, migrant = model.deliberation, model.household_schedule.migrant_from < 10 ** 9
    for c, (groups, reps, women) in enumerate(zip(d.rep_groups, d.reps, d.rep_women)):
        assert len(reps) == math.ceil(len(d.households[c]) / 10) == len(groups)
        for g, r in zip(groups, reps.tolist()):
            assert r in g.tolist() and (not migrant[r] or migrant[g].all())
        assert women.sum() == math.ceil(len(reps) / 3)
    again = model_of(small("rural_township", residents=6_000, days=5), 1).deliberation
    assert all((a == b).all() for a, b in zip(d.reps, again.reps))
    city = model_of(small("baseline", residents=6_000, days=5), 1).deliberation   # no type uses the rule
    assert sum(len(r) for r in city.reps) == 0


def test_the_representatives_meeting_needs_two_thirds_of_its_members():
    """Nobody comes: no quorum, nothing agreed; everyone at home comes: quorum, agreements."""
    key = "deliberation.agreements.by_type.village_affairs"
    rule = {"collective.village_affairs.rule": "village_representatives", "collective.village_affairs.rate_per_year": 3.0}
    none = summary(1, **OFTEN, **rule, **{"deliberation.representative_attendance": 0.0})
    all_ = summary(1, **OFTEN, **rule, **{"deliberation.representative_attendance": 1.0})
    assert none[key] == 0 and none["deliberation.quorum_rate.village_representatives"] == 0
    assert all_[key] > 0 and all_["deliberation.quorum_rate.village_representatives"] == 1
    assert all_["deliberation.assemblies.village_representatives"] > 0
    assert all_["deliberation.assemblies.villagers_meeting"] == 0


@pytest.mark.parametrize("body,key,allowed", [
    ("[deliberation]\nhouseholds_per_representative = 4\n", "deliberation.households_per_representative", "5"),
    ("[deliberation]\nhouseholds_per_representative = 16\n", "deliberation.households_per_representative", "15"),
    ("[deliberation]\nrepresentative_attendance = 1.2\n", "deliberation.representative_attendance", "1"),
    ("[deliberation]\nrepresentative_women_share = -0.1\n", "deliberation.representative_women_share", "0"),
    ("[deliberation]\nvillagers_meeting_timing = \"new_year\"\n", "deliberation.villagers_meeting_timing",
     "'festival', 'any'"),
    ("[collective.x]\n" + GOOD.replace('"majority"', '"village_reps"'), "collective.x.rule",
     "'village_representatives'"),
])
def test_bad_representative_values_exit_2_naming_file_key_and_value(tmp_path, capsys, monkeypatch, body, key, allowed):
    path = _scenario(tmp_path, body)
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["run", str(path), "--out", str(tmp_path / "out")], capsys, [tmp_path])
    assert key in line and "s.toml" in line and allowed in line
