"""What a policy costs (sim/costs.py, ODD 7.40): every lever is costed or declared free, each costed
lever moves the total a year (less its load-driven parts) in its declared direction, the components add up to the total, the
cost a year does not depend on the run's length, 费随事转 costs money, more demand never lowers the
total, and one seed gives one cost."""

import functools

import pytest

from sim import costs
from sim.labels import OUTCOME_LABELS, name
from sim.params import PARAMS
from sim.runner import run
from sim.scenario import from_dict
from tests.helpers import small

SMALL = {"residents": 3_000, "days": 40}
# Settings that give a costed lever something to act on in a short run (meetings to facilitate,
# items to devolve).
CONTEXT = {
    "deliberation.facilitation_cny_per_meeting": {"deliberation.meetings_per_month": 2.0},
    "deliberation.meeting_format": {"deliberation.meetings_per_month": 2.0},
    "policy.resources_follow": {"policy.decentralisation": 0.8},
}
# A larger or longer run where a small short one has nothing to cost: whole staff members move by
# 费随事转 only in a larger district; meetings need issues to discuss; priority projects take months.
SIZES = {
    "policy.decentralisation": {"residents": 30_000, "days": 20},
    "policy.resources_follow": {"residents": 30_000, "days": 20},
    "deliberation.meetings_per_month": {"residents": 10_000, "days": 60},
    "deliberation.facilitation_cny_per_meeting": {"residents": 10_000, "days": 60},
    "deliberation.meeting_format": {"residents": 10_000, "days": 60},
    "deliberation.priority_issues": {"residents": 10_000, "days": 365},
}
# (low, high) of each costed lever: "high" is the value the component says costs more (or less,
# for a lever with direction −1).
SETTINGS = {
    "grid.households_per_grid": (200, 800),
    "grid.part_time_workers": (0, 2),
    "policy.decentralisation": (0.0, 0.8),
    "policy.resources_follow": (0.0, 1.0),
    "policy.app_adoption": (0.0, 0.8),
    "policy.smart_dispatch": (0.0, 0.8),
    "burden.shared_data_entry": (0.0, 0.8),
    "emergency.sensor_coverage": (0.0, 0.8),
    "emergency.preparedness": (0.0, 0.9),
    "volunteer.points_per_hour": (0.0, 10.0),
    "volunteer.recognition": (0.0, 1.0),
    "deliberation.meetings_per_month": (0.25, 2.0),
    "deliberation.facilitation_cny_per_meeting": (0.0, 2_000.0),
    "deliberation.meeting_format": ("forum", "hearing"),
    "deliberation.priority_issues": ("", "lift,parking,renovation,property_fees,public_space"),
    "safety.legal_adviser": (False, True),
    "safety.mediators_per_committee": (0, 2),
    "safety.convention": (False, True),
    "safety.patrol_volunteers_per_grid": (0, 4),
    "safety.inspections_per_grid_month": (0.0, 4.0),
    "safety.business_inspection_share": (0.0, 0.5),
}


def levers() -> set[str]:
    return {p.key for p in PARAMS if p.lever is not None}


@functools.lru_cache(maxsize=None)
def summary(name: str = "baseline", seed: int = 1, overrides: tuple = (), **size) -> dict:
    return run(small(name, **(size or SMALL), **dict(overrides)), seed, case_table=False).summary


def priced(s: dict) -> float:
    """The total a year less its load-driven components."""
    return s["cost.total_cny_per_year"] - sum(s[f"cost.{c}_cny_per_year"] for c in costs.LOAD_DRIVEN)


def cost_keys(s: dict) -> dict:
    return {k: v for k, v in s.items() if k.startswith("cost.")}


def test_every_lever_is_costed_or_declared_free():
    """A lever added without a cost entry (or a free one with its reason) fails here."""
    costed, free = set(costs.LEVER_COSTS), set(costs.FREE_LEVERS)
    assert not costed & free, costed & free
    assert levers() == costed | free, {"uncosted": levers() - costed - free, "not levers": (costed | free) - levers()}
    assert all(reason.strip() for reason in costs.FREE_LEVERS.values())
    for key, (component, direction, price) in costs.LEVER_COSTS.items():
        assert component in costs.COMPONENTS and direction in (-1, 1) and price.strip(), key
    assert set(SETTINGS) | set(REGRID_SETTINGS) == costed   # the direction tests below cover every costed lever


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_each_costed_lever_moves_its_component_and_the_priced_total(key):
    component, direction, _ = costs.LEVER_COSTS[key]
    low, high = SETTINGS[key]
    context = tuple(CONTEXT.get(key, {}).items())
    size = SIZES.get(key, SMALL)
    a = summary(overrides=context + ((key, low),), **size)
    b = summary(overrides=context + ((key, high),), **size)
    part = f"cost.{component}_cny_per_year"
    assert direction * (b[part] - a[part]) > 0, (part, a[part], b[part])
    # the total moves with the lever once the load-driven parts (overtime, supervision: what the
    # lever's effect on the work saves or adds) are set aside
    assert direction * (priced(b) - priced(a)) > 0, (priced(a), priced(b))


ESTATE = {"kind": "estate", "community": 0, "day": 0, "duration_days": 20, "households": 1_200}
BLOCK = {"kind": "demolition", "community": 1, "day": 3, "duration_days": 4, "households": 900}
# (changes, context, low, high) of the re-partitioning levers: a district that grows (hires at
# splits) or shrinks (workers freed at merges), 10,000 residents, 60 days.
REGRID_SETTINGS = {
    "grids.review_interval_days": (ESTATE, {}, 0, 10),
    "grids.split_above": (ESTATE, {"grids.review_interval_days": 10}, 1.2, 3.0),
    "grids.merge_below": (BLOCK, {"grids.review_interval_days": 10}, 0.05, 0.45),
}


def regrid_summary(change: dict, overrides: dict, seed: int = 1) -> dict:
    base = small("baseline", residents=10_000, days=60, **overrides).to_dict()
    base["territory"]["changes"] = [dict(change)]
    return run(from_dict(base, "test"), seed, case_table=False).summary


@pytest.mark.parametrize("key", sorted(REGRID_SETTINGS))
def test_each_repartitioning_lever_moves_the_staff_cost(key):
    component, direction, _ = costs.LEVER_COSTS[key]
    change, context, low, high = REGRID_SETTINGS[key]
    a = regrid_summary(change, {**context, key: low})
    b = regrid_summary(change, {**context, key: high})
    part = f"cost.{component}_cny_per_year"
    assert direction * (b[part] - a[part]) > 0, (part, a[part], b[part])
    assert direction * (priced(b) - priced(a)) > 0, (priced(a), priced(b))


def test_components_add_up_to_the_total_and_are_labelled():
    s = summary()
    parts = [s[f"cost.{c}_cny_per_year"] for c in costs.COMPONENTS]
    assert all(p >= 0 for p in parts), parts
    assert sum(parts) == pytest.approx(s["cost.total_cny_per_year"], rel=1e-12)
    assert s["cost.total_per_resident_year_cny"] == pytest.approx(
        s["cost.total_cny_per_year"] / s["population.residents"])
    for key in cost_keys(s):
        assert key in OUTCOME_LABELS and all(OUTCOME_LABELS[key]), key
        assert "(" not in name(key) and "（" not in name(key), key   # the unit strips off


def test_the_cost_a_year_does_not_depend_on_the_runs_length():
    """Wages, allowances and the fixed prices are the same a year over 90 days as over 365."""
    short = summary(residents=3_000, days=90)
    year = summary(residents=3_000, days=365)
    for part in ("staff", "grid_heads", "platform", "sensors", "training", "recognition", "devolution_funds"):
        key = f"cost.{part}_cny_per_year"
        assert short[key] == pytest.approx(year[key], rel=1e-9), key
    # the window total keeps its meaning: wages for the days run
    assert year["cost.staff_cny"] > 3 * short["cost.staff_cny"]


def test_funded_decentralisation_costs_more_than_unfunded():
    """费随事转: the staff moved down keep their pay and bring operating funds; items handed down
    without resources move nobody and cost nothing extra."""
    size = {"residents": 30_000, "days": 20}
    funded, unfunded = summary("decentralisation", **size), summary("decentralisation_unfunded", **size)
    base = summary("baseline", **size)
    assert funded["cost.devolution_funds_cny_per_year"] > 0
    assert unfunded["cost.devolution_funds_cny_per_year"] == 0
    assert funded["cost.total_cny_per_year"] > unfunded["cost.total_cny_per_year"]
    # the staff moved are paid from the funds: wages plus funds exceed the baseline's wages
    assert funded["cost.staff_cny_per_year"] + funded["cost.devolution_funds_cny_per_year"] > \
        base["cost.staff_cny_per_year"]


@pytest.mark.parametrize("seed", (1, 2, 3))
def test_more_demand_never_lowers_the_total(seed):
    calm = summary(seed=seed)
    busy = summary(seed=seed, overrides=(("demand.scale", 2.0),))
    assert busy["cost.total_cny_per_year"] >= calm["cost.total_cny_per_year"]


def test_one_seed_gives_one_cost():
    first = run(small(**SMALL), 7, case_table=False).summary
    again = run(small(**SMALL), 7, case_table=False).summary
    assert cost_keys(first) == cost_keys(again)


def test_each_priced_lever_names_the_table_rows_its_cost_rests_on():
    """The optimise report says which prices a budget rests on (and which are assumptions): every
    lever that costs money names at least one price row of the parameter table, none of them a lever."""
    from sim.costs import price_rows
    from sim.params import PARAM_BY_KEY
    for lever in costs.LEVER_COSTS:
        rows = price_rows(lever)
        if lever == "deliberation.facilitation_cny_per_meeting":   # the lever is the price itself
            assert rows == []
            continue
        assert rows, lever
        assert all(PARAM_BY_KEY[k].lever is None for k in rows)
