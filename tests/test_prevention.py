"""Collective prevention (群防群治): hazards, patrols, inspections, 双随机一公开 (ODD 7.38).

Directional effects over paired seeds (patrols and inspections raise the share of hazards found
before harm and lower incidents; inspections cost grid workers' hours; publishing lowers businesses'
hazards), strain never raises the share found before harm, the books (every hazard ends found,
harmed or latent — exactly one; no case lost), common random numbers, determinism, bad input."""

import functools
import math

import pytest

from sim import load_scenario
from sim.cases import MADE_CASE_IDS
from sim.runner import run
from sim.scenario import ScenarioError
from sim.submodels.prevention import BUSINESS_CASE_IDS, INCIDENT_CASE_IDS
from tests.helpers import SCENARIOS, check_after_events, model_of, small
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4, 5, 6)
YEAR = {"residents": 20_000, "days": 365, "sim.warmup_days": 30}
PATROLS = (("safety.patrol_volunteers_per_grid", 10), ("safety.patrol_hours_per_week", 8.0))
INSPECTIONS = (("safety.inspections_per_grid_month", 8.0),)
BUSINESS = (("safety.business_inspection_share", 1.0), ("safety.business_hazard_rate", 2.0))


@functools.lru_cache(maxsize=None)
def year(name: str, seed: int, overrides: tuple = ()) -> dict:
    return run(small(name, **YEAR, **dict(overrides)), seed, case_table=False).summary


def total(key: str, overrides: tuple = (), name: str = "baseline") -> float:
    return sum(year(name, s, overrides)[key] for s in SEEDS)


def share(overrides: tuple = ()) -> float:
    """Hazards found before harm over all the seeds, as a share of those that ended."""
    found = total("safety.hazards_found_before_harm", overrides)
    return found / (found + total("safety.incidents", overrides))


def test_hazards_arise_and_some_cause_incidents_at_baseline():
    s = year("baseline", 1)
    assert s["safety.hazards_arising"] > 300 and s["safety.business_hazards"] > 0
    assert 0 < s["safety.incidents"] < s["safety.hazards_found_before_harm"]
    assert s["safety.found_by.resident"] > 0 and s["safety.found_by.grid_worker"] > 0
    assert s["safety.found_by.patrol_volunteer"] == s["safety.found_by.inspection"] == 0
    assert s["safety.patrol_cost_cny_per_year"] == 0 and s["safety.inspections_per_year"] == 0


def test_patrols_find_hazards_before_harm_and_cost_allowances():
    assert share(PATROLS) > share()
    assert total("safety.incidents", PATROLS) < total("safety.incidents")
    assert total("safety.found_by.patrol_volunteer", PATROLS) > 0
    assert total("safety.patrol_cost_cny_per_year", PATROLS) > 0
    assert total("cost.staff_cny", PATROLS) > total("cost.staff_cny")


def test_inspections_find_hazards_before_harm_and_cost_grid_workers_hours():
    assert share(INSPECTIONS) > share()
    assert total("safety.incidents", INSPECTIONS) < total("safety.incidents")
    assert total("safety.found_by.inspection", INSPECTIONS) > 0
    key = "workload.tasks.hours_by_type.safety_inspection"
    assert total(key, INSPECTIONS) > 0 and key not in year("baseline", 1)
    for seed in SEEDS:
        assert (year("baseline", seed, INSPECTIONS)["workload.grid_worker.task_share"]
                > year("baseline", seed)["workload.grid_worker.task_share"]), seed


def test_published_business_inspections_lower_business_hazards():
    published = (*BUSINESS, ("safety.inspection_results_published", True))
    secret = (*BUSINESS, ("safety.inspection_results_published", False))
    for seed in SEEDS:
        pub, sec = year("baseline", seed, published), year("baseline", seed, secret)
        assert pub["safety.business_hazards"] < sec["safety.business_hazards"], seed
        assert pub["safety.business_hazard_rate_mean"] < sec["safety.business_hazard_rate_mean"] == 2.0
        assert pub["safety.business_inspections_per_year"] > 0
    assert total("safety.found_by.business_inspection", secret) > 0
    assert total("workload.tasks.hours_by_type.business_inspection", secret) > 0


def test_the_collective_prevention_scenario_lowers_incidents():
    assert total("safety.incidents", name="collective_prevention") < total("safety.incidents")


@pytest.mark.parametrize("easy,strained", [((), (("demand.scale", 2.0),)),
                                           ((("grid.workers_per_grid", 2),), ())])
def test_strain_never_raises_the_share_found_before_harm(easy, strained):
    """More demand, or one grid worker instead of two: hazards are not found sooner."""
    assert share(strained) <= share(easy)


def _busy(**overrides):
    """Fast harm and every kind of prevention, so that every path is used in a short run."""
    values = {"safety.patrol_volunteers_per_grid": 10, "safety.patrol_hours_per_week": 8.0,
              "safety.inspections_per_grid_month": 8.0, "safety.business_inspection_share": 2.0,
              "safety.business_hazard_rate": 4.0, "reporting.latent_lapse_days": 5.0}
    values.update(overrides)
    return small("baseline", residents=6_000, days=120, **values)


def test_no_case_lost_and_every_hazard_ends_in_exactly_one_state():
    model = model_of(_busy(), seed=2)
    counter = check_after_events(model, lambda: _check_conservation(model), every=20)
    for _ in range(120):
        model.step()
        _check_conservation(model)
    assert counter["n"] > 500
    prev, now = model.prevention, model.events.now
    states = {"found": 0, "harmed": 0, "latent": 0}
    for h in prev.hazards.values():
        s = prev.state(h, now)
        states[s] += 1
        found, harmed = h.case.t_report <= min(h.t_harm, now), h.harmed
        assert found + harmed + (not found and not harmed) == 1
        assert not harmed or h.t_harm <= now, "harm only at its time"
    assert all(states.values()), states
    incidents = [c for c in model.cases if c.id >= INCIDENT_CASE_IDS]
    assert len(incidents) == states["harmed"] == prev.incident_cases
    assert all(c.id not in prev.hazards for c in incidents), "an incident is not a new hazard"
    assert any(BUSINESS_CASE_IDS <= c.id < INCIDENT_CASE_IDS for c in model.cases)
    ids = [c.id for c in model.cases]
    assert len(ids) == len(set(ids)), "case ids are unique"


def test_prevention_leaves_the_arrivals_as_they_were():
    """Common random numbers: the levers change no arrival (id, need, time, household)."""
    def arrivals(scenario):
        model = model_of(scenario, seed=3)
        model.run_for(60)
        return [(c.id, c.need, c.t_arise, c.household) for c in model.cases if c.id < MADE_CASE_IDS]
    assert arrivals(small("baseline")) == arrivals(small("collective_prevention"))


def test_one_seed_gives_one_history():
    a = run(_busy(), 5, case_table=False).summary
    b = run(_busy(), 5, case_table=False).summary
    keys = [k for k in a if k.startswith("safety.")]
    assert keys and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in keys)


def test_without_harm_days_or_businesses_nothing_is_a_hazard(tmp_path):
    path = tmp_path / "calm.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[safety]\nbusiness_hazard_need = ""\n'
                    '[needs.safety_hazard]\nharm_days = 0.0\n', encoding="utf-8")
    scenario = load_scenario(path, {"territory.residents": 4_000, "sim.days": 30, "sim.warmup_days": 5})
    model = model_of(scenario, seed=1)
    model.run_for(30)
    assert not model.prevention.hazards and model.prevention.incident_cases == 0
    assert not any(c.id >= MADE_CASE_IDS for c in model.cases if c.need == 3)


@pytest.mark.parametrize("key,value", [("safety.inspections_per_grid_month", -1.0),
                                       ("safety.patrol_volunteers_per_grid", -2),
                                       ("safety.business_inspection_share", 5.0),
                                       ("safety.publication_compliance_effect", 1.5)])
def test_out_of_range_levers_are_refused(key, value):
    with pytest.raises(ScenarioError) as info:
        small("baseline", **{key: value})
    assert f"'{key}'" in str(info.value)


def _refusal(tmp_path, body: str) -> tuple[str, str]:
    """The error of a scenario that extends the baseline with `body`, and the file's path."""
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n{body}', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value), str(path)


def test_a_business_hazard_need_outside_the_catalogue_is_refused(tmp_path):
    msg, path = _refusal(tmp_path, '[safety]\nbusiness_hazard_need = "fire"\n')
    assert "'safety.business_hazard_need'" in msg and "'fire'" in msg and path in msg


def test_negative_harm_days_are_refused(tmp_path):
    msg, path = _refusal(tmp_path, "[needs.safety_hazard]\nharm_days = -3.0\n")
    assert "needs.safety_hazard.harm_days" in msg and "-3.0" in msg and path in msg
