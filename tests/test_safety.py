"""Safe communities (平安建设): the mediation chain for disputes (ODD 7.37).

Directional effects over paired seeds (frontline mediation lowers petitions, a convention lowers
disputes, strain never lowers petitions), the books (every dispute ends in exactly one place, no
case lost), determinism, and bad input."""

import functools
import math

import pytest

from sim.cases import ABANDONED, IN_SERVICE, IN_TRANSIT, LATENT, PETITIONED, QUEUED, RESOLVED, SOLVED
from sim import load_scenario
from sim.runner import run
from sim.scenario import ScenarioError
from tests.helpers import SCENARIOS, check_after_events, model_of, small
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4)
YEAR = {"residents": 20_000, "days": 365, "sim.warmup_days": 30}


@functools.lru_cache(maxsize=None)
def year(name: str, seed: int, overrides: tuple = ()) -> dict:
    return run(small(name, **YEAR, **dict(overrides)), seed, case_table=False).summary


def total(key: str, name: str, overrides: tuple = ()) -> float:
    return sum(year(name, s, overrides)[key] for s in SEEDS)


def test_frontline_mediation_lowers_petitions():
    """A full-time mediator and a legal adviser in every committee: fewer disputes end in 信访."""
    base, front = total("safety.petitions", "baseline"), total("safety.petitions", "frontline_mediation")
    assert front < base, (base, front)
    assert total("safety.cost_cny_per_year", "frontline_mediation") > 0


def test_a_convention_lowers_disputes():
    rule = (("safety.convention", True), ("safety.convention_reduction", 0.3))
    for seed in SEEDS:
        assert year("baseline", seed, rule)["safety.disputes"] < year("baseline", seed)["safety.disputes"], seed


@pytest.mark.parametrize("strain", [(("demand.scale", 2.0),), (("committee.staff", 2),)])
def test_slower_mediation_never_lowers_petitions(strain):
    """More demand or fewer committee staff: petitions per 10,000 residents do not fall."""
    base = total("safety.petitions_per_10k", "baseline")
    assert total("safety.petitions_per_10k", "baseline", strain) >= base


def test_where_committees_are_short_staffed_mediators_lower_petitions_and_speed_disputes():
    short = (("committee.staff", 2),)
    with_mediators = (*short, ("safety.mediators_per_committee", 1))
    assert total("safety.petitions", "baseline", with_mediators) < total("safety.petitions", "baseline", short)
    for seed in SEEDS:
        fast = year("baseline", seed, with_mediators)["safety.resolution_time_h.mean"]
        assert fast < year("baseline", seed, short)["safety.resolution_time_h.mean"], seed


def test_the_community_settles_about_the_published_share_at_baseline():
    """People's mediation reports settling about 95% of the disputes it takes up."""
    for seed in SEEDS:
        s = year("baseline", seed)
        assert 0.9 <= s["safety.resolution_rate.community"] <= 0.99, (seed, s["safety.resolution_rate.community"])
        assert s["safety.petitions_per_10k"] < 20


def _hard_mediation(**overrides):
    """Mediation that fails often, so that every step of the chain is used in a short run."""
    values = {"safety.success_grid": 0.3, "safety.success_committee": 0.5, "safety.success_township": 0.3,
              "safety.recurrence_share": 1.0, "safety.recurrence_days": 10.0}
    values.update(overrides)
    return small("frontline_mediation", residents=6_000, days=120, **values)


def test_no_case_lost_and_every_dispute_ends_in_one_place():
    model = model_of(_hard_mediation(), seed=2)
    counter = check_after_events(model, lambda: _check_conservation(model), every=20)
    for _ in range(120):
        model.step()
        _check_conservation(model)
    assert counter["n"] > 500
    safety = model.safety
    disputes = [c for c in model.cases if c.need == safety.need and c.t_arise <= model.events.now]
    ended = {RESOLVED: 0, PETITIONED: 0, ABANDONED: 0}
    for c in disputes:
        assert c.status in (LATENT, QUEUED, IN_SERVICE, IN_TRANSIT, RESOLVED, PETITIONED, ABANDONED)
        if c.status in ended:
            ended[c.status] += 1
        if c.status == PETITIONED:
            assert c.t_abandon >= c.t_in[2] and math.isnan(c.t_resolve), "petitioned from the township"
            assert c.grade > 0
        if c.status == RESOLVED:
            assert safety.records[c.id][1] >> c.resolved_level & 1, "closed where mediation settled it"
    assert ended[PETITIONED] > 0 and ended[RESOLVED] > 0
    assert safety.repeats and all(c.need == safety.need for c in safety.repeats)
    ids = [c.id for c in model.cases]
    assert len(ids) == len(set(ids)), "case ids are unique"


def test_petitions_count_against_the_loop_rates():
    """A petitioned dispute is neither closed nor solved, nor on time."""
    s = run(_hard_mediation(), 2, case_table=False).summary
    assert s["safety.petitions"] > 0
    assert s["safety.closed_share"] + s["safety.petition_share"] <= 1.0
    assert s["safety.solved_share"] <= s["safety.closed_share"]
    assert s["rates.closed"] < 1.0


def test_settled_disputes_are_solved_at_the_usual_rate_and_rated():
    model = model_of(_hard_mediation(), seed=3)
    model.run_for(120)
    called = [c for c in model.cases if c.need == model.safety.need and c.status == RESOLVED
              and not math.isnan(c.t_verify)]
    assert called and all(1 <= c.grade <= 5 for c in called)
    assert sum(c.solved == SOLVED for c in called) > 0.7 * len(called)


def test_one_seed_gives_one_history():
    a = run(_hard_mediation(), 5, case_table=False).summary
    b = run(_hard_mediation(), 5, case_table=False).summary
    keys = [k for k in a if k.startswith("safety.")]
    assert keys and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in keys)


def test_without_the_chain_disputes_are_resolved_at_their_level():
    model = model_of(small("baseline", residents=4_000, days=60, **{"safety.dispute_need": ""}), seed=1)
    model.run_for(60)
    disputes = [c for c in model.cases if c.need == 1 and c.status == RESOLVED]
    assert disputes and all(c.resolved_level == c.level for c in disputes)
    assert not model.safety.records and not any(c.status == PETITIONED for c in model.cases)


def test_a_dispute_need_outside_the_catalogue_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n[safety]\ndispute_need = "quarrel"\n',
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "'safety.dispute_need'" in msg and "'quarrel'" in msg and "a need type of the catalogue" in msg
    assert str(path) in msg


@pytest.mark.parametrize("key,value", [("safety.success_committee", 1.5), ("safety.mediators_per_committee", -1),
                                       ("safety.convention_reduction", 2.0)])
def test_out_of_range_levers_are_refused(key, value):
    with pytest.raises(ScenarioError) as info:
        small("baseline", **{key: value})
    assert f"'{key}'" in str(info.value)

