"""Households that change during a run and grids that re-partition (动态调整, ODD 7.39)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import GovernanceModel
from sim.outcomes import summary
from sim.runner import run
from sim.submodels import SUBMODELS
from sim.submodels.regrid import Regrid
from tests.helpers import ROOT, check_after_events, small
from tests.hostile import assert_refused
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3)
ESTATE = {"kind": "estate", "community": 0, "day": 0, "duration_days": 20, "households": 1_200}
REVIEW = {"grids.review_interval_days": 10}


def scenario(changes=(), residents=10_000, days=60, **overrides):
    """The small baseline with `[[territory.changes]]` entries and parameter overrides."""
    base = small("baseline", residents=residents, days=days, **overrides)
    raw = base.to_dict()
    if changes:
        raw["territory"]["changes"] = [dict(c) for c in changes]
    from sim.scenario import from_dict
    return from_dict(raw, "test", files=base.files)


def created_by_arrivals(model) -> int:
    return model.arrivals.next_id


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


def test_off_the_outputs_are_those_of_the_model_without_it():
    """No changes and no reviews: the submodel adds no key, no column and no draw."""
    s = small("baseline", residents=3_000, days=30)
    with_it = GovernanceModel(s, 4)
    without = GovernanceModel(s, 4, submodels=tuple(k for k in SUBMODELS if k is not Regrid))
    for m in (with_it, without):
        m.run_for(30)
    assert _same(summary(with_it), summary(without))
    assert with_it.recorder.names == without.recorder.names
    assert with_it.recorder.rows == without.recorder.rows


def test_households_added_make_more_cases():
    for seed in SEEDS:
        grown = GovernanceModel(scenario([ESTATE]), seed)
        same = GovernanceModel(scenario(), seed)
        for m in (grown, same):
            m.run_for(60)
        assert grown.household_schedule.added == 1_200
        assert created_by_arrivals(grown) > created_by_arrivals(same), seed
        assert grown.regrid.present.sum() == same.territory.n_households + 1_200


def _check_partition(model) -> None:
    """Every household in exactly one grid; the active grids' rectangles tile their communities."""
    t, r = model.territory, model.regrid
    seen = np.concatenate([hh for g, hh in enumerate(t.grid_households) if r.active[g]])
    assert len(seen) == t.n_households == len(np.unique(seen))
    assert all(r.active[g] for g in np.unique(t.hh_grid))
    for g, hh in enumerate(t.grid_households):
        if not r.active[g]:
            continue
        assert (t.hh_grid[hh] == g).all()
        if len(hh):
            tiles = r.tiles[g]
            x, y = t.hh_xy[hh, 0:1], t.hh_xy[hh, 1:2]
            inside = (x >= tiles[:, 0] - 1e-9) & (x <= tiles[:, 2] + 1e-9) & (y >= tiles[:, 1] - 1e-9) & (y <= tiles[:, 3] + 1e-9)
            assert inside.any(axis=1).all(), f"a household of grid {g} lies outside its area"
    # Latent needs wait in the pools of their household's current grid (they moved with it).
    from sim.cases import LATENT
    now = model.events.now
    for c in model.cases:
        if c.status == LATENT and c.t_arise <= now:
            assert c.grid == t.hh_grid[c.household] and r.active[c.grid]
    for g, pool in enumerate(model.discovery.latent_visit):
        assert all(case.grid == g for case in pool.values())
    for c, (x0, y0, x1, y1) in enumerate(t.community_bounds):
        grids = [g for g in range(len(r.tiles)) if r.active[g] and t.grid_community[g] == c]
        tiles = np.vstack([r.tiles[g] for g in grids])
        assert ((tiles[:, 0] >= x0 - 1e-9) & (tiles[:, 2] <= x1 + 1e-9)
                & (tiles[:, 1] >= y0 - 1e-9) & (tiles[:, 3] <= y1 + 1e-9)).all()
        area = ((tiles[:, 2] - tiles[:, 0]) * (tiles[:, 3] - tiles[:, 1])).sum()
        assert area == pytest.approx((x1 - x0) * (y1 - y0), rel=1e-9), f"community {c} is not covered"


def test_a_grid_above_the_threshold_splits_at_the_next_review():
    m = GovernanceModel(scenario([ESTATE], **REVIEW), 1)
    size = m.spec.values["grid.households_per_grid"] * m.spec.values["grids.split_above"]
    m.run_for(9)     # day 10 (its review) is planned at the end of the tenth step: the estate's grid has swollen
    assert m.regrid.splits == 0 and m.regrid.counts().max() > size
    grids, workers = len(m.grid_desks), len(m.workers)
    m.run_for(1)
    assert m.regrid.splits >= 1
    assert len(m.grid_desks) == grids + m.regrid.splits and len(m.workers) == workers + m.regrid.splits
    _check_partition(m)
    m.run_for(40)
    _check_partition(m)
    out = summary(m)
    assert out["grids.splits"] >= 2 and out["grids.workers_hired"] == out["grids.splits"]
    assert out["grids.households_max_end"] <= size
    assert out["grids.hired_cost_cny"] > 0


def test_no_case_lost_when_a_block_is_demolished_and_grids_merge():
    """A demolition empties most of a grid, which then merges; the books balance at every instant."""
    block = {"kind": "demolition", "community": 1, "day": 3, "duration_days": 4, "households": 900}
    m = GovernanceModel(scenario([block], residents=10_000, days=40, **REVIEW), 3)
    counter = check_after_events(m, lambda: _check_conservation(m), every=25)
    for _ in range(40):
        m.step()
        _check_conservation(m)
    assert counter["n"] > 500
    assert m.household_schedule.removed == 900
    assert m.regrid.merges >= 1
    _check_partition(m)
    out = summary(m)
    assert out["territory.households_removed"] == 900 and out["grids.workers_freed"] >= 1


def test_absent_migrants_make_no_needs_and_present_ones_do():
    """Half the households are migrants, home from 15 days before the Spring Festival (29 Jan 2025)
    to 25 days after: no need of theirs arises on the days they are away."""
    migrants = {"kind": "migrants", "share": 0.5}
    m = GovernanceModel(scenario([migrants], residents=6_000, days=70, **{"sim.start_date": "2025-01-01"}), 2)
    m.run_for(70)
    away = m.household_schedule.migrant_from == 0
    assert 0.4 < away.mean() < 0.6
    home = m.household_schedule.home
    routine = [c for c in m.cases if c.id < m.arrivals.next_id and 0 <= c.t_arise < 70]   # needs that arose
    day = np.array([int(c.t_arise) for c in routine])
    of_migrant = away[np.array([c.household for c in routine])]
    assert not home[:13].any() and home[13:54].all() and not home[54:70].any()   # 29 Jan is day 28
    assert (of_migrant & ~home[day]).sum() == 0, "an absent household made a need"
    assert (of_migrant & home[day]).sum() > 50
    assert (~of_migrant & ~home[day]).sum() > 50


def test_satisfaction_measures_count_only_residents_at_home():
    """Migrants away the whole measured window met no service: their untouched satisfaction must not
    flatter the latent mean, nor may a survey reach them. Set it to zero: the measures do not move."""
    migrants = {"kind": "migrants", "share": 0.5}
    m = GovernanceModel(scenario([migrants], residents=6_000, days=60, **{"sim.start_date": "2025-06-01"}), 1)
    m.run_for(60)
    away = (m.household_schedule.migrant_from == 0)[m.resident_household]   # away all summer
    assert 0.4 < away.mean() < 0.6 and not m.residents_at_home(10)[away].any()
    before = summary(m)
    at_home = np.array([r.satisfaction for r, a in zip(m.residents, away) if not a])
    for r, a in zip(m.residents, away):
        if a:
            r.satisfaction = 0.0
    after = summary(m)
    assert after["satisfaction.latent_mean"] == before["satisfaction.latent_mean"] == pytest.approx(at_home.mean())
    assert m.latent_satisfaction_mean == pytest.approx(at_home.mean())
    m.survey.run(60)   # a sample of the residents at home: away ones (now 0) would halve its mean
    assert m.surveys[-1]["latent_mean"] == pytest.approx(at_home.mean(), abs=0.05)


def test_a_learning_period_lowers_discoveries():
    def found(seed, **values):
        s = run(scenario([ESTATE], days=90, **REVIEW, **values), seed, case_table=False).summary
        return s["cases.discovered_by_visit"] + s["cases.discovered_by_patrol"]

    slow = np.array([found(s, **{"grids.learning_start_efficiency": 0.1, "grids.learning_days": 365}) for s in SEEDS])
    none = np.array([found(s, **{"grids.learning_days": 0}) for s in SEEDS])
    assert slow.mean() < none.mean(), (slow, none)


def test_more_households_without_repartitioning_make_no_outcome_better():
    keys = ("response_time_h.mean", "rates.closed", "rates.on_time", "ratings.satisfaction_rate")
    for seed in SEEDS:
        base = run(scenario(days=90), seed, case_table=False).summary
        grown = run(scenario([{**ESTATE, "households": 2_500}], days=90), seed, case_table=False).summary
        assert grown["response_time_h.mean"] >= base["response_time_h.mean"], seed
        for k in keys[1:]:
            assert grown[k] <= base[k] + 0.01, (k, seed, base[k], grown[k])


def test_one_seed_gives_identical_outputs():
    s = scenario([ESTATE, {"kind": "demolition", "community": 1, "day": 5, "households": 300},
                  {"kind": "migrants", "share": 0.2, "community": 1}], days=40, **REVIEW)
    a, b = run(s, 5, case_table=False), run(s, 5, case_table=False)
    assert _same(a.summary, b.summary)
    assert a.summary["grids.splits"] >= 1


@pytest.mark.parametrize("entry,key", [
    ('kind = "flood"\ncommunity = 0\nhouseholds = 10', "territory.changes[0].kind"),
    ('kind = "estate"\ncommunity = 99\nhouseholds = 10', "territory.changes[0].community"),
    ('kind = "estate"\ncommunity = 0\nhouseholds = -5', "territory.changes[0].households"),
    ('kind = "estate"\ncommunity = 0\nhouseholds = 10\ncolour = "red"', "territory.changes[0].colour"),
    ('kind = "estate"\nbox = [0.0, 0.0, 99.0, 0.1]\nhouseholds = 10', "territory.changes[0].box"),
    ('kind = "migrants"\nshare = 1.5', "territory.changes[0].share"),
    ('kind = "demolition"\nhouseholds = 10', "territory.changes[0]"),
    ('kind = "estate"\ncommunity = 0\nhouseholds = 10\n[grids]\nreview_interval_days = 30\nmerge_below = 0.9',
     "grids.merge_below"),
])
def test_bad_change_entries_are_refused_naming_the_key(entry, key, tmp_path, capsys, monkeypatch):
    s = tmp_path / "s.toml"
    s.write_text(f'extends = "{(ROOT / "scenarios" / "workshop.toml").as_posix()}"\n[[territory.changes]]\n{entry}\n',
                 encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["run", str(s), "--no-progress"], capsys, [tmp_path])
    assert key in line


def test_imported_districts_without_shapely_refuse_repartitioning_and_changes(monkeypatch):
    """Polygons are cut with shapely (the gis extra; tests/test_district_regrid.py runs them): without
    it the loader refuses, naming the key."""
    from sim.district import geo_regrid
    from sim.population_change import check_changes, check_regrid
    from sim.scenario import ScenarioError

    monkeypatch.setattr(geo_regrid, "have_shapely", lambda: False)
    values = {"grids.review_interval_days": 30, "territory.district_file": "d.npz", "sim.days": 365}
    with pytest.raises(ScenarioError, match="grids.review_interval_days"):
        check_regrid("s.toml", values)
    with pytest.raises(ScenarioError, match="territory.changes"):
        check_changes("s.toml", [ESTATE], values)


# ------------------------------------------------------------------ counts, costs, heads, businesses
BLOCK = {"kind": "demolition", "community": 1, "day": 3, "duration_days": 4, "households": 900}


def _employed_days(m) -> dict[int, tuple[float, float]]:
    """Each grid worker's days employed, (from, to), read from the hiring and freeing records."""
    end = m.events.now
    hired = {id(w): d for w, d in m.regrid.hired}
    freed = {id(w): d for w, d in m.regrid.freed}
    return {id(w): (hired.get(id(w), 0.0), freed.get(id(w), end)) for w in m.workers}


def _pay_for_days_employed(m) -> float:
    v = m.spec.values
    days = _employed_days(m)
    return sum((v["grid.part_time_stipend_cny"] if w.part_time else v["worker.annual_cost_cny"])
               * (days[id(w)][1] - days[id(w)][0]) / 365.0 for w in m.workers)


def _pay_as_costed(m) -> float:
    """The grid workers' pay as cost.staff_cny counts it: every worker for the whole run, plus Regrid.cost_cny."""
    v = m.spec.values
    full = sum(v["grid.part_time_stipend_cny"] if w.part_time else v["worker.annual_cost_cny"] for w in m.workers)
    return full * m.events.now / 365.0 + m.regrid.cost_cny()


def test_after_a_merge_the_summary_counts_the_grids_and_workers_in_use():
    m = GovernanceModel(scenario([BLOCK], days=40, **REVIEW), 3)
    grids0, workers0 = m.territory.n_grids, len(m.workers)
    m.run_for(40)
    out = summary(m)
    assert out["grids.merges"] >= 1
    assert out["territory.grids"] == out["grids.active_end"] == sum(m.regrid.active) \
        == grids0 + out["grids.splits"] - out["grids.merges"]
    assert out["grids.built"] == grids0 + out["grids.splits"] == len(m.grid_desks)
    assert out["grids.workers_employed"] == workers0 + out["grids.workers_hired"] == len(m.workers)
    assert out["workers.count"] == out["grids.workers_employed"] - out["grids.workers_freed"] < workers0
    # Every worker is paid for its days employed: no one twice, no one not at all.
    assert _pay_as_costed(m) == pytest.approx(_pay_for_days_employed(m), rel=1e-12)


def test_a_worker_hired_at_a_split_and_freed_at_a_merge_is_paid_for_the_days_between():
    m = GovernanceModel(scenario([ESTATE], days=40, **REVIEW), 1)
    m.run_for(10)
    assert m.regrid.splits >= 1
    w, hired = m.regrid.hired[0]
    m.run_for(5)
    new = w.grid
    m.regrid.merge(new, m.regrid._merge_partner(new, m.regrid.counts()), 15)   # a merge the review would not make
    m.run_for(10)
    out = summary(m)
    salary = m.spec.values["worker.annual_cost_cny"]
    assert out["grids.hired_cost_cny"] == pytest.approx(
        salary * (15 - hired) / 365 + sum(salary * (m.events.now - d) / 365 for x, d in m.regrid.hired if x is not w))
    assert _pay_as_costed(m) == pytest.approx(_pay_for_days_employed(m), rel=1e-12)
    assert out["workers.count"] == len(m.workers) - len(m.regrid.freed)
    # The per-worker rates count it for those days too (its share of the run's worker-days).
    share = dict(zip(map(id, m.workers), m.regrid.employed_shares()))
    assert share[id(w)] == pytest.approx((15 - hired) / m.events.now)
    assert share[id(m.workers[0])] == 1.0


def _head_desks_match_the_active_grids(m) -> None:
    t, r = m.territory, m.regrid
    expected = sorted(int(t.grid_community[g]) for g in range(len(r.active)) if r.active[g])
    assert sorted(d.index for d in m.tasks.desks["grid_head"]) == expected
    assert all(d is m.committees[d.index].desk for d in m.tasks.desks["grid_head"])


def test_new_grids_are_led_by_their_communitys_committee_when_the_scenario_has_grid_heads():
    """With grid heads (网格长) each grid, new ones included, has its head's entry at its community's
    committee desk (its weekly meeting); a merged grid's goes."""
    from sim.scenario import from_dict

    base = small("grid_heads", residents=10_000, days=40, **REVIEW)
    raw = base.to_dict()
    raw["territory"]["changes"] = [dict(ESTATE), dict(BLOCK)]
    m = GovernanceModel(from_dict(raw, "test", files=base.files), 3)
    _head_desks_match_the_active_grids(m)
    m.run_for(40)
    assert m.regrid.splits >= 1 and m.regrid.merges >= 1
    _head_desks_match_the_active_grids(m)
    meetings = m.tasks.names.index("grid_head_meeting")
    assert any(a.type == meetings for a in m.tasks.assignments)


def test_businesses_are_conserved_and_move_with_the_area_when_grids_split_and_merge():
    m = GovernanceModel(scenario([ESTATE, BLOCK], days=40, **REVIEW), 3)
    prev, per_grid = m.prevention, m.spec.values["safety.businesses_per_grid"]
    n = prev.n_business
    assert n == per_grid * m.territory.n_grids > 0
    m.run_for(40)
    r = m.regrid
    assert r.splits >= 1 and r.merges >= 1
    by_grid = prev.businesses_by_grid()
    assert by_grid.sum() == n == len(prev.compliance)
    retired = [g for g in range(len(r.active)) if not r.active[g]]
    assert by_grid[retired].sum() == 0
    new = range(len(m.territory.grid_households) - r.splits, len(r.active))
    assert by_grid[[g for g in new if r.active[g]]].sum() > 0
    # The day's business hazards arise in the households of their business's grid.
    for case in m.cases:
        b = prev.business_at.get(case.id)
        if b is not None and case.t_arise >= 30:
            assert m.territory.hh_grid[case.household] == prev.business_grid[b]


@pytest.mark.parametrize("strain", [{"demand.scale": 1.3}, {"township.staff_per_10k": 2.5, "committee.staff": 2}])
def test_with_changes_and_repartitioning_strain_improves_nothing(strain):
    """More demand or fewer staff, with households changing and grids re-partitioning: neither the
    response time nor satisfaction gets better (paired seeds, common random numbers). The changes come
    after the warm-up: its settling of satisfaction (ODD 7.16) reads the performances of the cases closed
    in its second half, which for an estate filling at the time are the quick ones (reported)."""
    changes = [{**ESTATE, "day": 10, "households": 1_500}, {**BLOCK, "day": 12}]
    keys = ("response_time_h.mean", "ratings.satisfaction_rate", "satisfaction.latent_mean")

    def outcomes(seed: int, **values) -> list[float]:
        s = run(scenario(changes, residents=8_000, days=60, **REVIEW, **values), seed, case_table=False).summary
        return [s[k] for k in keys]

    base = np.array([outcomes(seed) for seed in (1, 2, 3, 4)])
    strained = np.array([outcomes(seed, **strain) for seed in (1, 2, 3, 4)])
    diff = strained - base
    se = diff.std(axis=0, ddof=1) / math.sqrt(len(diff))
    assert diff[:, 0].mean() >= -2 * se[0], (strain, base[:, 0], strained[:, 0])   # response: not faster
    for j in (1, 2):
        assert diff[:, j].mean() <= 2 * se[j], (strain, keys[j], base[:, j], strained[:, j])


@pytest.mark.parametrize("changes", [[ESTATE], [BLOCK]], ids=["split", "merge"])
def test_the_grid_network_follows_the_new_boundaries(changes):
    """After splits and merges, grids are joined exactly when they border each other (neighbouring
    grids lend their workers in an emergency), and a grid merged away has no neighbours."""
    m = GovernanceModel(scenario(changes, days=40, **REVIEW), 1 if changes == [ESTATE] else 3)
    m.run_for(40)
    r = m.regrid
    assert r.splits + r.merges >= 1
    n = len(r.own)
    expected = {(a, b) for a in range(n) for b in range(a + 1, n)
                if r.active[a] and r.active[b] and r._touch(a, b)}
    assert {tuple(sorted(e)) for e in m.grid_space.G.edges} == expected
    for g in range(n):
        neighbours = {c.coordinate for c in m.grid_space[g].neighborhood}
        assert neighbours == ({h for h in range(n) if (min(g, h), max(g, h)) in expected} if r.active[g] else set())
