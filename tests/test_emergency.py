"""Emergencies, the switch and volunteers: invariants, directions, errors."""

import functools

import pytest

from sim import GovernanceModel, ScenarioError, load_scenario
from sim.cli import main
from sim.emergency import TaskStatus, VolunteerShift
from sim.runner import run
from sim.cases import LATENT, MADE_CASE_IDS
from tests.helpers import SCENARIOS, model_of, small

RESIDENTS = 10_000  # footprint 1.37 x 0.91 km


def cold_wave(tmp_path, body: str = "", name: str = "cw.toml", emergency: str | None = None):
    emergency = emergency if emergency is not None else """
[emergencies.cold]
type = "cold_wave"
onset_day = 20.8
centre_x_km = 0.6
centre_y_km = 0.45
radius_km = 0.35
severity = 0.8
duration_days = 3.0
"""
    path = tmp_path / name
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[sim]\ndays = 45\nwarmup_days = 5\n'
                    f'[territory]\nresidents = {RESIDENTS}\n{body}\n{emergency}')
    return path


@functools.lru_cache(maxsize=None)
def outcome(overrides: tuple = (), seed: int = 1):
    scenario = load_scenario(SCENARIOS / "cold_wave.toml",
                             {"territory.residents": 20_000, "sim.days": 70, **dict(overrides)})
    return run(scenario, seed, case_table=False).summary


# ---------------------------------------------------------------- invariants
def _servers(model, em):
    desks = (*model.grid_desks, *(c.desk for c in model.committees), model.township.desk)
    routine = [s for d in desks for s in d.servers]
    emergency = [s for d in em.desks.values() for s in d.servers]
    return routine, emergency


def test_nobody_is_in_two_places_and_no_case_or_task_is_lost(tmp_path):
    model = GovernanceModel(load_scenario(cold_wave(tmp_path)), seed=2)
    em = model.emergency.emergencies[0]
    checks = {"n": 0}

    def check():
        routine, emergency = _servers(model, em)
        everyone = routine + emergency
        assert len({id(s) for s in everyone}) == len(everyone), "a server on two desks"
        for s in everyone:
            assert not (getattr(s, "case", None) is not None and getattr(s, "task", None) is not None)
        for d in em.desks.values():
            assert all(s.task is None for s in d.idle), "a busy server listed as idle"
            assert len(set(map(id, d.idle))) == len(d.idle)
        in_service = [t for t in em.tasks if t.status == TaskStatus.IN_SERVICE]
        assert len(in_service) == sum(1 for s in everyone if getattr(s, "task", None) is not None)
        assert model.created == model.resolved + model.open_cases + model.abandoned + model.safety.petitions
        checks["n"] += 1

    handlers = model.events.handlers

    def wrap(h):
        def run_(a, b):
            h(a, b)
            if em.onset <= model.events.now <= em.end + 1:
                check()
        return run_

    model.events.handlers = [wrap(h) for h in handlers]
    model.run_for(45)
    assert checks["n"] > 1_000
    statuses = {t.status for t in em.tasks}
    assert statuses <= {TaskStatus.DONE, TaskStatus.UNMET}, "every task ends done or unmet"
    # Every affected household is reached or counted unmet.
    s = model.emergency.summary()
    assert s["emergency.reached_households"] + s["emergency.unreached_households"] == len(em.households)
    assert set(em.contact) <= set(em.households.tolist())
    # Everyone is back on routine duty after the emergency and its recovery period.
    routine, emergency = _servers(model, em)
    assert not any(isinstance(x, VolunteerShift) for x in routine)
    staff = len(model.workers) + sum(len(c.desk.servers) for c in model.committees) + len(model.township.desk.servers)
    assert len(routine) == staff
    assert any(isinstance(s, type(model.township.desk.servers[0])) for s, home in em.moved
               if home is model.township.desk), "township staff took part"
    assert all(w.em_desk is None for w in model.workers)


def test_same_seed_same_emergency(tmp_path):
    path = cold_wave(tmp_path)
    a = run(path, 3, case_table=False).summary
    b = run(path, 3, case_table=False).summary
    assert a == b or all((a[k] == b[k]) or (a[k] != a[k] and b[k] != b[k]) for k in a)
    c = run(path, 4, case_table=False).summary
    assert c["emergency.first_contact_h.mean"] != a["emergency.first_contact_h.mean"]


def test_timeseries_shows_the_emergency(tmp_path):
    out = run(cold_wave(tmp_path), 1, case_table=False)
    ts = out.timeseries
    active = ts["emergency_active"]
    assert active[:20].sum() == 0 and active[21:23].all() and active[30:].sum() == 0
    assert ts["active_volunteers"][21:23].max() > 0
    reached = ts["vulnerable_reached_share"][20:30]
    assert all(b >= a for a, b in zip(reached, reached[1:])), "reached households stay reached"
    assert reached[-1] > 0.9


# ---------------------------------------------------------------- directions
def test_more_active_volunteers_mean_faster_first_contact():
    few = outcome((("volunteer.registered_share", 0.02),))
    many = outcome((("volunteer.registered_share", 0.4),))
    assert many["volunteers.served"] > 5 * few["volunteers.served"]
    assert many["volunteers.hours"] > few["volunteers.hours"]  # bounded by the work there is
    assert many["emergency.first_contact_h.mean"] < few["emergency.first_contact_h.mean"]


def test_better_preparedness_shortens_activation():
    low, high = outcome((("emergency.preparedness", 0.0),)), outcome((("emergency.preparedness", 1.0),))
    assert high["emergency.activation_delay_h"] < low["emergency.activation_delay_h"]
    assert high["emergency.first_contact_h.mean"] < low["emergency.first_contact_h.mean"]


def test_decentralisation_removes_the_wait_for_county_approval():
    base, dec = outcome(), outcome((("policy.decentralisation", 1.0),))
    assert dec["emergency.activation_delay_h"] == pytest.approx(base["emergency.activation_delay_h"] - 6.0)


def test_emergency_raises_routine_backlog_which_recovers():
    s = outcome()
    assert s["routine.backlog_peak"] > 1.1 * s["routine.backlog_before"]
    assert 0 < s["routine.recovery_days"] < 20


def test_points_help_unless_crowding_out_reverses_them():
    plain, paid = outcome(), outcome((("volunteer.points_per_hour", 20.0),))
    assert paid["volunteers.served"] > plain["volunteers.served"]
    crowd = (("volunteer.crowding_out", 1.0),)
    plain_c, paid_c = outcome(crowd), outcome((*crowd, ("volunteer.points_per_hour", 20.0)))
    assert paid_c["volunteers.served"] < plain_c["volunteers.served"]
    assert paid_c["emergency.first_contact_h.mean"] > plain_c["emergency.first_contact_h.mean"]
    assert paid_c["volunteers.incentive_cost_cny"] > 0 == plain_c["volunteers.incentive_cost_cny"]


def test_answer_probability_has_diminishing_returns_and_a_crowding_region():
    model = GovernanceModel(load_scenario(SCENARIOS / "cold_wave.toml", {"territory.residents": 20_000}), 1)
    r = next(x for x in model.residents if x.volunteer)
    r.motivation, r.trust, r.days_served = 0.5, 0.5, 0

    def p(points, crowding=0.0):
        model.volunteers.p = {**model.spec.values, "volunteer.points_per_hour": points,
                              "volunteer.crowding_out": crowding}
        return model.volunteers.answer_probability(r)

    gains = [p(x) - p(x - 5) for x in (5, 10, 15, 20)]
    assert all(g > 0 for g in gains) and gains == sorted(gains, reverse=True)
    incentive = model.spec["volunteer.incentive_effect"]
    assert p(20, crowding=incentive + 0.2) < p(0, crowding=incentive + 0.2)  # more points do worse
    assert p(20, crowding=incentive - 0.2) > p(0, crowding=incentive - 0.2)
    r.days_served = 3
    assert p(0) < p(0) / (1 - model.spec["volunteer.fatigue"]) ** 3 + 1e-12


def test_start_an_emergency_now(tmp_path):
    model = GovernanceModel(load_scenario(cold_wave(tmp_path)), seed=1)
    model.run_for(5)
    em = model.start_emergency("cold")
    assert em.onset == 5.0
    model.run_for(5)
    assert em.contact, "households were contacted"
    with pytest.raises(KeyError, match="no emergency 'flood'"):
        model.start_emergency("flood")


def test_random_onsets_follow_the_annual_rate(tmp_path):
    path = cold_wave(tmp_path, emergency="""
[emergencies.fire]
type = "fire"
annual_rate = 40.0
communities = [0]
severity = 0.5
duration_days = 0.2
""")
    model = GovernanceModel(load_scenario(path), seed=1)
    onsets = [e.onset for e in model.emergency.emergencies]
    assert 1 <= len(onsets) <= 15 and onsets == sorted(onsets) and all(0 <= t < 45 for t in onsets)
    assert [e.onset for e in GovernanceModel(load_scenario(path), seed=1).emergency.emergencies] == onsets


def test_random_onsets_keep_to_their_season(tmp_path):
    """A cold wave with a season (1 Nov - 31 Mar) and a run from 1 Jan over two years: every onset
    falls in the season, and the count follows the rate over the season's days."""
    path = tmp_path / "winter.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[sim]\ndays = 730\nwarmup_days = 5\n'
                    f'[territory]\nresidents = {RESIDENTS}\n' + """
[emergencies.winter]
type = "cold_wave"
annual_rate = 30.0
season_start = "11-01"
season_end = "03-31"
communities = [0]
severity = 0.5
duration_days = 0.5
""")
    onsets = []
    for seed in (1, 2, 3):
        model = GovernanceModel(load_scenario(path), seed=seed)
        onsets += [e.onset for e in model.emergency.emergencies]
    months = {model.calendar.dates.date(int(t)).month for t in onsets}
    assert months <= {11, 12, 1, 2, 3} and len(months) == 5, months
    assert 3 * 2 * 30 * 0.8 <= len(onsets) <= 3 * 2 * 30 * 1.2   # 180 expected


# ------------------------------------------------------------------- errors
BAD = [
    ('type = "earthquake"', "emergencies.cold.type", "one of"),
    ("duration_days = -1.0", "emergencies.cold.duration_days", "a number in"),
    ("centre_x_km = 9.0", "emergencies.cold.centre_x_km", "inside the territory"),
    ("magnitude = 7", "emergencies.cold.magnitude", "unknown emergency field"),
    ("annual_rate = 1.0", "emergencies.cold", "exactly one of onset_day"),
    ("communities = [0, 99]", "emergencies.cold", "either centre_x_km"),
    ('season_start = "11-01"', "emergencies.cold.season_start", "only with annual_rate"),
]


@pytest.mark.parametrize("line,key,allowed", BAD, ids=[b[1].split(".")[-1] + "-" + b[0][:8] for b in BAD])
def test_bad_emergency_definitions_get_clear_errors(tmp_path, line, key, allowed):
    field = line.split(" =")[0]
    base = [x for x in """type = "cold_wave"
onset_day = 20.8
centre_x_km = 0.6
centre_y_km = 0.45
radius_km = 0.35
severity = 0.8
duration_days = 3.0""".splitlines() if not x.startswith(field + " ")]
    path = cold_wave(tmp_path, emergency="[emergencies.cold]\n" + "\n".join([*base, line]) + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.key == key and allowed in str(info.value) and str(path) in str(info.value)


def test_community_out_of_range_and_onset_after_the_run(tmp_path, capsys):
    path = cold_wave(tmp_path, emergency="""[emergencies.cold]
type = "cold_wave"
onset_day = 2.0
communities = [0, 99]
severity = 0.8
duration_days = 3.0
""")
    with pytest.raises(ScenarioError, match="community indices from 0 to"):
        load_scenario(path)
    late = cold_wave(tmp_path, name="late.toml", emergency="""[emergencies.cold]
type = "cold_wave"
onset_day = 50.0
communities = [0]
severity = 0.8
duration_days = 3.0
""")
    out = tmp_path / "out"
    assert main(["run", str(late), "--out", str(out), "--no-progress"]) == 2
    assert "before the end of the run" in capsys.readouterr().err and not out.exists()


def test_routine_mutual_aid_by_volunteers():
    def result(share, need="elderly_care"):
        return run(SCENARIOS / "baseline.toml", 1, days=120,
                   overrides={"territory.residents": 20_000, "volunteer.registered_share": share,
                              "volunteer.mutual_aid_need": need})

    def arrivals(out) -> list:   # the needs that arrive; cases made during the run depend on service
        case_id = out.case_columns.index("case_id")
        return [row[case_id] for row in out.case_rows if row[case_id] < MADE_CASE_IDS]

    runs = result(0.0), result(0.3), result(0.3, need="")
    none, some, off = (r.summary for r in runs)
    assert none["volunteers.mutual_aid_cases"] == 0 == off["volunteers.mutual_aid_cases"]
    assert some["volunteers.mutual_aid_cases"] > 10 and some["volunteers.mutual_aid_hours"] > 0
    assert some["committee.utilisation"] < none["committee.utilisation"]
    assert arrivals(runs[1]) == arrivals(runs[0])
    with pytest.raises(ScenarioError, match="a need type of the catalogue"):
        load_scenario(SCENARIOS / "baseline.toml", {"volunteer.mutual_aid_need": "gardening"})


def test_paying_volunteers_does_not_change_the_emergency_itself():
    """Common random numbers: detection, activation and who is affected do not depend on points."""
    plain, paid = outcome(), outcome((("volunteer.points_per_hour", 20.0),))
    for key in ("emergency.detection_delay_h", "emergency.activation_delay_h", "emergency.affected_households",
                "emergency.vulnerable_households"):
        assert plain[key] == paid[key], key


def test_an_empty_footprint_runs_and_reaches_nobody(tmp_path):
    path = cold_wave(tmp_path, emergency="""[emergencies.cold]
type = "cold_wave"
onset_day = 20.8
centre_x_km = 0.0
centre_y_km = 0.0
radius_km = 0.001
severity = 0.8
duration_days = 3.0
""")
    s = run(path, 1, case_table=False).summary
    assert s["emergency.affected_households"] == 0 and s["emergency.reached_households"] == 0


def test_follow_up_needs_belong_to_households_not_to_the_order_of_contacts(tmp_path):
    def follow_ups(points):
        model = GovernanceModel(load_scenario(cold_wave(tmp_path), {"volunteer.points_per_hour": points}), 1)
        model.run_for(45)
        em = model.emergency.emergencies[0]
        return {(t.household, t.kind) for t in em.tasks if t.kind != "contact"}, em

    (plain, em), (paid, _) = follow_ups(0.0), follow_ups(20.0)
    assert plain and plain == paid
    assert all(t.status in (TaskStatus.DONE, TaskStatus.UNMET) for t in em.tasks)


# ------------------------------------------------- the emergency type profiles are parameters
def test_emergency_type_profiles_are_parameters_that_change_the_follow_ups(tmp_path):
    def tasks(overrides, body=""):
        model = GovernanceModel(load_scenario(cold_wave(tmp_path, body), overrides), 1)
        model.run_for(45)
        return [t for t in model.emergency.emergencies[0].tasks if t.kind != "contact"]

    plain = tasks({})
    assert {t.kind for t in plain} == {"supplies", "medical", "heating_repair"}
    none = tasks({"emergency_types.cold_wave_heating_repair": 0.0})
    assert "heating_repair" not in {t.kind for t in none}
    # The same draws: the other kinds' follow-ups are those of the plain run.
    assert {(t.household, t.kind) for t in none} == {(t.household, t.kind) for t in plain
                                                     if t.kind != "heating_repair"}
    # In a scenario file, and for a follow-up kind's minutes and who may do it.
    medical = tasks({}, '[follow_ups]\nmedical_minutes = 30.0\nmedical_by = "anyone"\n')
    assert all(t.minutes == 30.0 and not t.staff_only for t in medical if t.kind == "medical")
    assert all(t.minutes == 90.0 and t.staff_only for t in plain if t.kind == "medical")


@pytest.mark.parametrize("key, value", [("emergency_types.fire_evacuation", 1.5),
                                        ("follow_ups.supplies_minutes", 0.0),
                                        ("follow_ups.supplies_by", "volunteers")])
def test_emergency_type_profile_values_are_validated(key, value):
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        load_scenario(SCENARIOS / "cold_wave.toml", {key: value})


def test_named_emergency_timings_are_parameters():
    base = outcome()
    slow = outcome((("emergency.sensor_coverage", 0.0), ("emergency.grid_worker_detect_hours", 72.0),
                    ("emergency.report_delay_hours", 240.0)))
    assert slow["emergency.detection_delay_h"] > base["emergency.detection_delay_h"]
    with pytest.raises(ScenarioError, match="volunteer.call_start_hour"):
        load_scenario(SCENARIOS / "cold_wave.toml", {"volunteer.call_start_hour": 18.0})


def test_each_occurrence_draws_each_purpose_from_its_own_stream(tmp_path):
    """Detection, follow-ups, volunteers and lending each have their own per-occurrence stream:
    lending no longer draws from the detection stream, so how many grids lend cannot shift when
    the emergency is detected (common random numbers)."""
    from sim.streams import EMERGENCY_STREAMS

    model = GovernanceModel(load_scenario(cold_wave(tmp_path)), seed=2)
    em = model.emergency.emergencies[0]
    assert tuple(em.rng) == EMERGENCY_STREAMS
    assert len({id(g) for g in em.rng.values()}) == len(EMERGENCY_STREAMS)
    detected = {}
    for lend in (0.0, 1.0):
        m = GovernanceModel(load_scenario(cold_wave(tmp_path, f"[emergency]\nlend_share = {lend}\n")), seed=2)
        m.run_until(25.0)
        detected[lend] = m.emergency.emergencies[0].detected
    assert detected[0.0] == detected[1.0]


def test_a_worker_visits_only_its_own_round_after_emergency_lending(monkeypatch):
    """A worker's visiting round is fixed when it is hired; lending and switching in an emergency
    reorder the desks' server lists, and must not hand a worker another worker's round."""
    from sim.submodels.discovery import Discovery
    found = []
    original = Discovery.on_discover

    def spy(self, w, plan):
        target = plan[1]
        if target is not None and self.kind[target.need] == "visit" and target.status == LATENT:
            found.append((set(w.round.tolist()), target.household))
        original(self, w, plan)

    monkeypatch.setattr(Discovery, "on_discover", spy)
    model = model_of(small("cold_wave", residents=6_000, days=60, **{"grid.workers_per_grid": 3,
                                                                     "emergency.lend_share": 1.0}), 3)
    model.run_for(60)
    assert found, "no visit discoveries"
    assert all(hh in rounds for rounds, hh in found), "a worker found a need outside its own round"
