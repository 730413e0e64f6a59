"""The rural township template (乡镇, issue 13): villages spread over tens of km², grids staffed by
part-time grid workers only (兼职网格员, grid.workers_per_grid = 0), left-behind elderly, villagers'
representative meetings against villagers' meetings; and every code path that once assumed a
full-time worker per grid."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.dashboard.session import controls_for
from sim.memory import grid_workers
from sim.runner import run
from sim.scenario import ScenarioError
from sim.submodels.deliberation import FESTERING
from sim.territory import footprint_of
from tests.helpers import SCENARIOS, check_after_events, model_of, small
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4, 5)
SIZE = {"residents": 6_000, "days": 120}
# The rural template's values, for scenarios that extend another file (cold_wave.toml).
RURAL = {"territory.density_per_km2": 133.0, "territory.households_per_community": 300,
         "grid.households_per_grid": 150, "grid.workers_per_grid": 0, "grid.part_time_workers": 1,
         "grid.part_time_hours_per_week": 15.0, "committee.staff": 3,
         "population.share_alone_elderly_households": 0.10}


@functools.lru_cache(maxsize=None)
def summary(name: str, seed: int, **overrides) -> dict:
    return run(small(name, **SIZE, **overrides), seed, case_table=False).summary


def across(name: str, key: str, **overrides) -> np.ndarray:
    return np.array([summary(name, s, **overrides)[key] for s in SEEDS])


# ------------------------------------------------------------------ the template
def test_rural_template_loads_with_its_values():
    s = small("rural_township", residents=20_000, days=30)
    assert s["grid.workers_per_grid"] == 0 and s["grid.part_time_workers"] >= 1
    assert s["territory.community_types"] == "village"                 # every community a village
    assert s["community_types.village_share_elderly"] == pytest.approx(0.2381)   # 7th census, rural, 60+
    assert s["community_types.village_digital_other"] < small("baseline")["population.digital_other"]
    assert [(c.kind, c.share) for c in s.changes] == [("migrants", 0.2)]   # home for the Spring Festival
    rates = {c.name: c.rate_per_year for c in s.collective}
    assert rates["village_affairs"] > 0 and rates["lift"] == rates["renovation"] == rates["property_fees"] == 0


def test_rural_township_is_villages_over_tens_of_km2_staffed_by_part_timers():
    s = small("rural_township", residents=20_000, days=40)
    out = run(s, 1, case_table=False).summary
    assert 20 <= out["territory.communities"] <= 30            # administrative villages (行政村)
    assert 100.0 <= math.prod(footprint_of(s.values)) <= 200.0   # km²
    assert out["workers.count"] == out["workers.part_time"] == out["territory.grids"]
    assert out["cases.resolved"] > 0
    assert math.isnan(out["workload.grid_worker.utilisation"])   # no full-timers: undefined, not zero
    assert 0.0 < out["workload.part_time.utilisation"] <= 1.5
    assert out["workload.part_time.task_share"] > 0.0          # top-down tasks reach part-timers
    assert out["workers.paperwork_share"] == 0.0                # part-timers do not do the daily paperwork


def test_part_time_only_grids_lose_no_case():
    model = model_of(small("rural_township", residents=4_000, days=50, **{"grid.heads": True}), 2)
    checks = check_after_events(model, lambda: _check_conservation(model), every=97)
    model.run_for(50)
    _check_conservation(model)
    assert checks["n"] > 1_000
    assert all(w.part_time for w in model.workers)
    assert model.resolved > 0


def test_memory_estimate_counts_part_time_only_grids():
    s = small("rural_township", residents=8_000, days=20)
    assert grid_workers(s.values) == len(model_of(s, 1).workers) > 0


# ------------------------------------------------------------------ distances
def test_staff_travel_to_on_site_cases_from_their_office():
    """With township.travel_kmh, a township or committee case on site takes the round trip from the
    office on top of its effort; cases at the office do not."""
    model = model_of(small("rural_township", residents=4_000, days=20), 1)
    rules, staff = model.rules, model.township.desk.servers[0]
    on_site = next(i for i, flag in enumerate(rules.on_site) if flag)
    office = next(i for i, flag in enumerate(rules.on_site) if not flag)
    far = int(np.argmax(np.hypot(*(model.territory.hh_xy - np.array(staff.office)).T)))

    class Case:
        effort, household = 0.1, far
    Case.need = on_site
    trip = 2.0 * math.dist(rules.hh_xy[far], staff.office) / (25.0 * 24.0)
    assert trip > 0.25 / 24.0   # more than a quarter of an hour across 30 km²
    assert staff.service_time(Case, True, rules) == pytest.approx(0.1 + trip)
    Case.need = office
    assert staff.service_time(Case, True, rules) == pytest.approx(0.1)
    assert model_of(small("baseline", days=20), 1).township.desk.servers[0].service_time(Case, True, rules) == 0.1


def test_rural_distances_occupy_the_township_longer():
    """Paired seeds: the same township at city density, or without the staff's trips, keeps its
    staff less occupied; the trips close no more cases. (The mean resolution time of the cases
    that are resolved is not a fair measure here: slower service lets more cases be abandoned, and
    the ones that remain are the quicker ones.)"""
    rural = across("rural_township", "workload.township.utilisation")
    dense = across("rural_township", "workload.township.utilisation",   # villages as dense as the city
                   **{"community_types.village_density": 8_000.0 / 2.62})
    no_trip = across("rural_township", "workload.township.utilisation", **{"township.travel_kmh": 0.0})
    assert rural.mean() > dense.mean() and rural.mean() > no_trip.mean(), (rural, dense, no_trip)
    # The trips close no more cases: the paired gain is not above two standard errors (the trips
    # touch only the committee's and township's on-site cases, a small share, so the change is
    # within the seeds' noise either way).
    gain = across("rural_township", "rates.closed") - across("rural_township", "rates.closed",
                                                             **{"township.travel_kmh": 0.0})
    assert gain.mean() <= 2 * gain.std(ddof=1) / np.sqrt(len(gain)), gain


# ------------------------------------------------------------------ an emergency with part-timers only
def test_cold_wave_in_villages_without_full_timers():
    """The emergency moves committee and township staff (no full-timer to move, part-timers keep
    their hours) and reaches the affected households; no case is lost."""
    s = small("cold_wave", residents=6_000, days=70, **RURAL, **{
        "emergencies.cold_wave.centre_x_km": 3.0, "emergencies.cold_wave.centre_y_km": 3.0,
        "emergencies.cold_wave.radius_km": 2.5})
    model = model_of(s, 1)
    check_after_events(model, lambda: _check_conservation(model), every=211)
    model.run_for(70)
    _check_conservation(model)
    em = model.emergency.emergencies[0]
    assert len(em.households) > 100 and em.moved
    assert not any(w.part_time for w, _ in em.moved)
    out = run(s, 1, case_table=False).summary
    assert out["emergency.reached_households"] > 0.5 * out["emergency.affected_households"]
    assert out["emergency.vulnerable_households"] > 0


# ------------------------------------------------------------------ refusing a grid with nobody
def test_a_grid_with_nobody_is_refused():
    with pytest.raises(ScenarioError, match="grid.workers_per_grid") as err:
        small("rural_township", **{"grid.part_time_workers": 0})
    assert "grid.part_time_workers" in str(err.value)


def test_a_grid_with_nobody_exits_2(tmp_path: Path, capsys):
    out = tmp_path / "never"
    argv = ["run", str(SCENARIOS / "rural_township.toml"), "--days", "20", "--out", str(out), "--no-progress",
            "--set", "grid.part_time_workers=0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("govsim: error: ") and err.count("\n") == 1
    assert "grid.workers_per_grid" in err and "grid.part_time_workers" in err
    assert not out.exists()


def test_dashboard_part_time_slider_starts_at_one_without_full_timers():
    def low(scenario):
        return next(c.low for _, cs in controls_for(scenario) for c in cs if c.key == "grid.part_time_workers")
    assert low(small("baseline")) == 0
    assert low(small("rural_township")) == 1


# ------------------------------------------------------------------ directional, paired seeds
def test_rural_response_is_slower_than_the_citys():
    """Same residents, paired seeds: part-time-only grids over a wide area respond later."""
    city, rural = across("baseline", "response_time_h.mean"), across("rural_township", "response_time_h.mean")
    assert (rural > city).all(), (city, rural)


def test_fewer_part_time_hours_are_slower():
    full = across("rural_township", "response_time_h.mean")
    fewer = across("rural_township", "response_time_h.mean", **{"grid.part_time_hours_per_week": 5.0})
    assert (fewer > full).all(), (full, fewer)
    on_time = across("rural_township", "rates.on_time")
    fewer_on_time = across("rural_township", "rates.on_time", **{"grid.part_time_hours_per_week": 5.0})
    assert fewer_on_time.mean() <= on_time.mean(), (on_time, fewer_on_time)


def test_fewer_part_timers_do_not_help():
    """Honest under strain: larger grids (half the part-timers) never respond faster on average."""
    full = across("rural_township", "response_time_h.mean")
    fewer = across("rural_township", "response_time_h.mean", **{"grid.households_per_grid": 300})
    assert fewer.mean() > full.mean() and (fewer >= full - 0.05 * full).all(), (full, fewer)


def test_more_demand_does_not_help_a_rural_township():
    """Honest under strain: 30% more needs never leave the part-timers faster or more on time."""
    for key, worse in (("response_time_h.mean", np.greater), ("rates.on_time", np.less)):
        base = across("rural_township", key)
        more = across("rural_township", key, **{"demand.scale": 1.3})
        assert worse(more.mean(), base.mean()), (key, base, more)


def test_rural_runs_are_reproducible():
    s = small("rural_township", residents=3_000, days=40)
    a, b = run(s, 7, case_table=False).summary, run(s, 7, case_table=False).summary
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


# ------------------------------------------------------------------ villagers' meeting or representatives' meeting
# Routine matters to a villagers' meeting convened at the ordinary meetings, whatever the season (the
# comparison of art. 22 with art. 25-26 during the year; the festival's meeting is tested below).
VILLAGERS = {"collective.village_affairs.rule": "villagers_meeting", "deliberation.villagers_meeting_timing": "any"}


def test_the_township_uses_representatives_for_routine_matters_and_the_villagers_meeting_for_its_rules():
    rules = {c.name: c.rule for c in small("rural_township").collective if c.rate_per_year}
    assert rules["village_affairs"] == "village_representatives" and rules["village_rules"] == "villagers_meeting"
    assert "lift" not in rules and "village_affairs" not in {c.name for c in small("baseline").collective if c.rate_per_year}


def test_representatives_reach_quorum_more_often_and_cost_fewer_committee_hours():
    """Paired seeds, the same villages and issues: the representatives' meeting (art. 25-26) reaches
    its quorum more often than a villagers' meeting (art. 22) with a fifth of the households away, and
    takes fewer committee hours per meeting convened (thirty members to notify instead of three
    hundred households)."""
    def per_assembly(**o):
        hours = across("rural_township", "deliberation.assembly_committee_hours", **o)
        n = sum(across("rural_township", f"deliberation.assemblies.{r}", **o)
                for r in ("villagers_meeting", "village_representatives"))
        return hours / n
    reps = across("rural_township", "deliberation.quorum_rate.village_representatives")
    villagers = across("rural_township", "deliberation.quorum_rate.villagers_meeting", **VILLAGERS)
    assert (reps > villagers).all(), (reps, villagers)
    assert (per_assembly() < per_assembly(**VILLAGERS)).all()
    hours_reps = across("rural_township", "deliberation.assembly_committee_hours")
    hours_villagers = across("rural_township", "deliberation.assembly_committee_hours", **VILLAGERS)
    assert (hours_reps < hours_villagers).all(), (hours_reps, hours_villagers)


def test_representatives_decide_for_their_households_so_fewer_villagers_take_part():
    """Deputies instead of every household's representative: fewer residents take part in a meeting,
    and more village matters are agreed."""
    for key in ("deliberation.participation_rate", "deliberation.participation_rate.elderly"):
        reps, villagers = across("rural_township", key), across("rural_township", key, **VILLAGERS)
        assert (reps < villagers).all(), (key, reps, villagers)
    key = "deliberation.agreements.by_type.village_affairs"
    assert across("rural_township", key).sum() > across("rural_township", key, **VILLAGERS).sum()


def test_rural_deliberation_is_reproducible_and_loses_no_issue():
    s = small("rural_township", residents=6_000, days=120, **{"collective.village_affairs.rate_per_year": 6.0})
    a, b = run(s, 3, case_table=False).summary, run(s, 3, case_table=False).summary
    keys = [k for k in a if k.startswith("deliberation.")]
    assert {k: a[k] for k in keys} == pytest.approx({k: b[k] for k in keys}, nan_ok=True)
    assert a["deliberation.assemblies.village_representatives"] > 0
    model = model_of(s, 3)
    model.run_for(120)
    d = model.deliberation
    assert sum(d.state_counts().values()) == len(d.issues)   # every issue in exactly one state
    listed = [i for c in d.open for i in c]
    assert sorted(i.id for i in listed) == sorted(i.id for i in d.issues if i.state in (0, 1))


# ------------------------------------------------------------------ the villagers' meeting at the Spring Festival
# Village rules raised five times as often, so that every seed has villagers' meetings to convene.
RULES = {"collective.village_rules.rate_per_year": 1.0}


def _villagers_votes(seed: int, **overrides):
    model = model_of(small("rural_township", **SIZE, **RULES, **overrides), seed)
    model.run_for(SIZE["days"])
    d = model.deliberation
    held = [t for t, r, _ in d.assembly_log if r == "villagers_meeting"]
    votes = [(t, q) for t, r, q, _ in d.quorum_log if r == "villagers_meeting"]
    return d, held, votes


def test_villagers_meetings_are_held_at_the_festival_and_reach_quorum_there():
    """Villages with migrants convene the villagers' meeting on the committee's first working day from
    the Spring Festival (29 January 2025: 5 February, day 35), while the migrants are home: every
    villagers' meeting and every vote of one falls then, and (paired seeds) most reach the quorum of
    two thirds of the households (each household at home sends a representative with chance 0.7)."""
    for seed in (1, 2, 3):
        d, held, votes = _villagers_votes(seed)
        assert held and {math.floor(t) for t in held} <= d.villagers_days == {35} | (d.villagers_days - set(range(120)))
        assert all(d._migrants_home(math.floor(t)) for t, _ in votes)
        assert votes and np.mean([q for _, q in votes]) >= 0.75, (seed, votes)
        assert d.festival_wait.all()


def test_villagers_meetings_in_any_season_reach_quorum_less_often():
    """Paired seeds: convened at the ordinary meetings whatever the season, with a fifth of the
    households away, the villagers' meeting reaches its quorum less often and agrees fewer of its
    matters than at the festival."""
    key = "deliberation.quorum_rate.villagers_meeting"
    festival = across("rural_township", key, **RULES)
    anytime = across("rural_township", key, **RULES, **{"deliberation.villagers_meeting_timing": "any"})
    assert (anytime < festival).all(), (anytime, festival)
    key = "deliberation.assembly_agreements.villagers_meeting"
    assert (across("rural_township", key, **RULES, **{"deliberation.villagers_meeting_timing": "any"})
            < across("rural_township", key, **RULES)).all()


def test_reserved_matters_wait_off_the_ordinary_agendas_and_fester_when_their_urgency_runs_out():
    """Outside the festival the ordinary meetings leave the villagers' matters off their agendas; one
    whose urgency runs out before the festival festers (the rule of ODD 7.36)."""
    model = model_of(small("rural_township", **SIZE, **{"collective.village_rules.rate_per_year": 5.0,
                                                        "collective.village_rules.urgency_days": 5.0}), 2)
    model.run_for(34)   # the festival's meeting is on day 35
    d = model.deliberation
    rules = [k for k, ty in enumerate(d.types) if ty.name == "village_rules"][0]
    assert all(i.type != rules for c in range(len(d.open)) for i in d._agenda(c))
    early = [i for i in d.issues if i.type == rules and 0 <= i.t_raise < 25]
    assert early and all(i.state == FESTERING for i in early)
    assert not [t for t, r, *_ in d.quorum_log if r == "villagers_meeting"]   # no vote before the festival


def test_festival_villagers_meetings_are_reproducible():
    a, b = _villagers_votes(4), _villagers_votes(4)
    assert a[1] == b[1] and a[2] == b[2]
    assert [i.state for i in a[0].issues] == [i.state for i in b[0].issues]


def test_a_village_without_migrants_convenes_its_villagers_meeting_at_the_ordinary_meetings():
    """No household away working (village_deliberation.toml): nothing waits for the festival, and the
    villagers' meeting sits with the ordinary meetings, the same as with timing "any"."""
    often = {"territory.community_types": "village", "collective.village_affairs.rate_per_year": 12.0,
             "deliberation.meetings_per_month": 2.0}
    d = model_of(small("village_deliberation", **SIZE, **often), 1).deliberation
    assert not d.festival_wait.any() and not d.villagers_days
    festival, anytime = (run(small("village_deliberation", **SIZE, **often, **{"deliberation.villagers_meeting_timing": t}),
                             1, case_table=False).summary for t in ("festival", "any"))
    assert festival["deliberation.assemblies.villagers_meeting"] > 0
    keys = [k for k in festival if k.startswith("deliberation.")]
    assert {k: festival[k] for k in keys} == pytest.approx({k: anytime[k] for k in keys}, nan_ok=True)
