"""Grids that adjust and households that change on an imported district (ODD 7.39): grid polygons
cut at the median of their present households, merged into their union; new households placed inside
the community polygons.

The district is tests/fixtures/district/district.geojson imported once (five communities near West
Lake with 900, 1200, 800, 1000 and 2100 households; grids of about 400 households bisected inside
each community). Needs the gis extra, as tests/test_district_import.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim import GovernanceModel
from sim.cli import main
from sim.outcomes import summary
from sim.scenario import from_dict, load
from tests.helpers import check_after_events
from tests.hostile import assert_refused
from tests.test_district_import import GIS, run_import
from tests.test_invariants import _check_conservation

pytestmark = pytest.mark.skipif(not GIS, reason='the gis extra is not installed (pip install -e ".[gis]")')

REVIEW = {"grids.review_interval_days": 10}
ESTATE = {"kind": "estate", "community": 0, "day": 0, "duration_days": 5, "households": 500}
CLEARED = {"kind": "demolition", "community": 2, "day": 0, "duration_days": 3, "households": 600}
TOL_KM = 1e-6


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    """The fixture district imported: its folder (district.npz, scenario.toml)."""
    rc, out = run_import(tmp_path_factory.mktemp("regrid"), "district.geojson")
    assert rc == 0
    return out


def scenario(district: Path, changes=(), days: int = 30, **values):
    base = load(district / "scenario.toml", {"sim.days": days, "sim.warmup_days": min(5, days - 1), **values})
    raw = base.to_dict()
    if changes:
        raw["territory"]["changes"] = [dict(c) for c in changes]
    return from_dict(raw, "test", files=base.files)


def shape(rings):
    from sim.district.geo_regrid import polygon_of

    return polygon_of(rings)


def check_geometry(m) -> None:
    """Every household lies inside its grid's polygon; a community's active grids are disjoint and
    cover it (areas add up to the community's)."""
    import shapely

    t, active = m.territory, m.regrid.active
    for g, hh in enumerate(t.grid_households):
        if not active[g]:
            assert t.grid_rings[g] == [], f"retired grid {g} still has an outline"
            continue
        poly = shape(t.grid_rings[g])
        assert poly.is_valid and poly.area > 0, g
        far = shapely.distance(poly, shapely.points(t.hh_xy[t.hh_grid == g]))
        assert far.max() <= TOL_KM, f"a household of grid {g} lies {far.max():.6f} km outside it"
        assert set(np.flatnonzero(t.hh_grid == g).tolist()) == set(hh.tolist())
    for c in range(t.n_communities):
        grids = [shape(t.grid_rings[g]) for g in range(t.n_grids) if active[g] and t.grid_community[g] == c]
        union = shapely.union_all(grids)
        assert sum(p.area for p in grids) == pytest.approx(union.area, rel=1e-9), f"grids of {c} overlap"
        assert union.area == pytest.approx(shape(t.community_rings[c]).area, rel=1e-6), f"community {c} not covered"


def test_an_estate_splits_its_grid_into_two_polygons_at_the_review(district):
    m = GovernanceModel(scenario(district, [ESTATE], **REVIEW), 1)
    t = m.territory
    grids = t.n_grids
    inside = np.flatnonzero(t.hh_community == 0)
    assert len(inside) == 900 + 500
    assert (m.territory.hh_grid >= 0).all()
    m.run_for(9)
    parents = [shape(rs) for rs in t.grid_rings]
    assert m.regrid.splits == 0
    m.run_for(1)
    assert m.regrid.splits >= 1 and t.n_grids == grids + m.regrid.splits
    for n in range(grids, t.n_grids):
        g = next(g for g in range(grids) if t.grid_community[g] == t.grid_community[n]
                 and shape(t.grid_rings[g]).intersects(shape(t.grid_rings[n])))
        low, high, parent = shape(t.grid_rings[g]), shape(t.grid_rings[n]), parents[g]
        assert low.is_valid and high.is_valid and low.area > 0 and high.area > 0
        assert low.area + high.area == pytest.approx(parent.area, rel=1e-9)
        assert low.union(high).symmetric_difference(parent).area < 1e-9 * parent.area
        assert t.grid_community[n] == 0
    check_geometry(m)
    m.run_for(20)
    check_geometry(m)
    assert summary(m)["grids.households_max_end"] <= 400 * 1.5


def test_reviews_keep_the_grown_grid_near_its_size_on_paired_seeds(district):
    """The estate's grid swells past the split size without reviews, and not with them (same seeds)."""
    size = 400 * 1.5
    for seed in (1, 2, 3):
        on = GovernanceModel(scenario(district, [ESTATE], days=25, **REVIEW), seed)
        off = GovernanceModel(scenario(district, [ESTATE], days=25), seed)
        for m in (on, off):
            m.run_for(25)
        assert summary(off)["grids.households_max_end"] > size >= summary(on)["grids.households_max_end"], seed
        assert summary(on)["grids.workers_hired"] == summary(on)["grids.splits"] >= 1


def test_estate_households_are_placed_inside_the_community_polygon(district):
    import shapely

    m = GovernanceModel(scenario(district, [ESTATE, {**ESTATE, "community": 4, "households": 300}], days=5), 2)
    t = m.territory
    new = np.arange(t.n_households - 800, t.n_households)
    for c, hh in ((0, new[:500]), (4, new[500:])):
        poly = shape(t.community_rings[c])
        assert shapely.intersects_xy(poly, t.hh_xy[hh, 0], t.hh_xy[hh, 1]).all()
        assert (t.hh_community[hh] == c).all()
        assert (t.grid_community[t.hh_grid[hh]] == c).all()


def test_a_box_estate_lands_inside_the_district_and_its_grids(district):
    import shapely

    t = GovernanceModel(scenario(district, days=5), 1).territory
    box = [0.2 * t.width, 0.2 * t.height, 0.6 * t.width, 0.5 * t.height]
    m = GovernanceModel(scenario(district, [{"kind": "estate", "box": box, "households": 200}], days=5), 1)
    t = m.territory
    new = np.arange(t.n_households - 200, t.n_households)
    x, y = t.hh_xy[new].T
    assert ((x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])).all()
    for h in new.tolist():
        poly = shape(t.grid_rings[t.hh_grid[h]])
        assert shapely.distance(poly, shapely.Point(t.hh_xy[h])) <= TOL_KM


def test_a_cleared_block_makes_two_adjacent_grids_merge_into_their_union(district):
    m = GovernanceModel(scenario(district, [CLEARED], **REVIEW), 3)
    t = m.territory
    pair = [g for g in range(t.n_grids) if t.grid_community[g] == 2]
    assert len(pair) == 2
    before = shape(t.grid_rings[pair[0]]).union(shape(t.grid_rings[pair[1]]))
    m.run_for(10)
    assert m.regrid.merges == 1 and m.household_schedule.removed == 600
    kept = [g for g in pair if m.regrid.active[g]]
    assert len(kept) == 1
    merged = shape(t.grid_rings[kept[0]])
    assert merged.geom_type == "Polygon"   # one piece: the shared boundary is gone
    assert merged.symmetric_difference(before).area < 1e-9 * before.area
    check_geometry(m)


def test_no_case_lost_while_grids_split_and_merge(district):
    m = GovernanceModel(scenario(district, [ESTATE, CLEARED], days=25, **REVIEW), 4)
    counter = check_after_events(m, lambda: _check_conservation(m), every=25)
    for _ in range(25):
        m.step()
        _check_conservation(m)
    assert counter["n"] > 500
    assert m.regrid.splits >= 1 and m.regrid.merges >= 1


def test_one_seed_gives_identical_grids_and_outputs(district):
    def once():
        m = GovernanceModel(scenario(district, [ESTATE, CLEARED], days=20, **REVIEW), 5)
        m.run_for(20)
        return m

    a, b = once(), once()
    assert summary(a) == pytest.approx(summary(b), nan_ok=True)
    assert a.recorder.rows == b.recorder.rows
    assert a.territory.hh_grid.tolist() == b.territory.hh_grid.tolist()
    for ra, rb in zip(a.territory.grid_rings, b.territory.grid_rings, strict=True):
        assert len(ra) == len(rb) and all(np.array_equal(x, y) for x, y in zip(ra, rb))


def test_a_run_leaves_the_cached_district_as_imported(district):
    """The district file is read once and cached: a run that splits grids changes its own copy."""
    from sim.district.geo_file import read_district

    d = read_district(district / "district.npz")
    grids, rings = d.hh_grid.copy(), [len(rs) for rs in d.grid_rings]
    m = GovernanceModel(scenario(district, [ESTATE], days=12, **REVIEW), 1)
    m.run_for(12)
    assert m.regrid.splits >= 1
    assert np.array_equal(d.hh_grid, grids) and [len(rs) for rs in d.grid_rings] == rings


def test_the_map_draws_the_new_grids(district):
    from sim.dashboard.render import MapRenderer

    m = GovernanceModel(scenario(district, [ESTATE], days=12, **REVIEW), 1)
    fig = MapRenderer(m, "en")
    fig.update()
    drawn = len(fig.grid_lines.get_segments())
    m.run_for(12)
    fig.update()
    assert m.regrid.splits >= 1
    now = len(fig.grid_lines.get_segments())
    assert now == sum(len(rs) for rs in m.territory.grid_rings) >= drawn + m.regrid.splits


def test_govsim_run_on_an_imported_district_with_changes_writes_the_regrid_outputs(district, tmp_path, capsys):
    s = tmp_path / "grow.toml"
    s.write_text(f'extends = "{(district / "scenario.toml").as_posix()}"\n[grids]\nreview_interval_days = 10\n'
                 '[[territory.changes]]\nkind = "estate"\ncommunity = 0\nduration_days = 5\nhouseholds = 500\n',
                 encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(s), "--days", "40", "--out", str(out), "--no-progress"]) == 0
    result = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    flat = result.get("summary", result)
    assert flat["grids.splits"] >= 1 and flat["territory.households_added"] == 500
    header = (out / "timeseries.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "grids_active" in header and "households_present" in header


def test_a_box_in_no_community_is_refused_naming_the_key(district, tmp_path, capsys):
    """The district's frame is its bounding box: land outside every community is a clear error."""
    import shapely

    from sim.district.geo_regrid import district_shape

    t = GovernanceModel(scenario(district, days=5), 1).territory
    land, w, h = district_shape(t), t.width, t.height
    corners = [[x, y, x + 0.001, y + 0.001] for x in (0.0, w - 0.001) for y in (0.0, h - 0.001)]
    box = next((b for b in corners if not land.intersects(shapely.box(*b))), None)
    if box is None:
        pytest.skip("the district fills every corner of its frame")
    s = tmp_path / "s.toml"
    s.write_text(f'extends = "{(district / "scenario.toml").as_posix()}"\n[[territory.changes]]\n'
                 f'kind = "estate"\nbox = {box}\nhouseholds = 10\n', encoding="utf-8")
    line = assert_refused(["run", str(s), "--no-progress"], capsys, [tmp_path])
    assert "territory.changes[0].box" in line and "community" in line


def test_a_concave_grid_is_cut_into_valid_halves_holding_their_households():
    """An L-shaped grid with a courtyard (a hole): both halves valid, their union the grid."""
    import shapely

    from sim.district.geo_regrid import cut_polygon, polygon_of, rings

    outer = np.array([[0, 0], [4, 0], [4, 1], [1, 1], [1, 3], [0, 3], [0, 0]], dtype=float)
    hole = np.array([[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6], [0.2, 0.2]])
    poly = polygon_of([outer, hole])
    assert poly.area == pytest.approx(4 + 2 - 0.16)
    rng = np.random.default_rng(0)
    pts = rng.uniform((0, 0), (4, 3), size=(4000, 2))
    xy = pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])][:300]
    members = np.arange(len(xy))
    low, high, a, b = cut_polygon(poly, xy, members, members)
    assert abs(len(low) - len(high)) <= 1 and len(low) + len(high) == len(xy)
    assert a.is_valid and b.is_valid
    assert a.area + b.area == pytest.approx(poly.area, rel=1e-12)
    assert shapely.intersects_xy(a, *xy[low].T).all() and shapely.intersects_xy(b, *xy[high].T).all()
    assert polygon_of(rings(a)).symmetric_difference(a).area < 1e-12   # rings round-trip (the map's outline)
