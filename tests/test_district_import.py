"""`govsim district import`: boundaries in (GeoJSON, Shapefile, GeoPackage), checked, projected,
households placed; the written scenario runs without geopandas (sim/territory.py's district path).

The fixtures are made by tests/fixtures/district/make_fixtures.py: five communities near
Hangzhou's West Lake (西湖社区, 北山社区, 湖滨社区, 清波社区, 涌金村) with 900, 1200, 800, 1000 and
2100 households, each lattice cell split into two grids.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.district import geo_coords
from sim.district.geo_file import read_district
from sim.scenario import ScenarioError, load

FIX = Path(__file__).resolve().parent / "fixtures" / "district"
BASE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
NAMES = ["西湖社区", "北山社区", "湖滨社区", "清波社区", "涌金村"]
HOUSEHOLDS = [900, 1200, 800, 1000, 2100]
GIS = all(importlib.util.find_spec(m) for m in ("geopandas", "pyogrio", "shapely", "pyproj"))
needs_gis = pytest.mark.skipif(not GIS, reason='the gis extra is not installed (pip install -e ".[gis]")')


def run_import(tmp_path: Path, source: str | Path, *extra: str, out: str = "d", fields: bool = True):
    """`govsim district import` through sim.cli.main: (exit status, out folder)."""
    args = ["district", "import", str(source if Path(source).is_absolute() else FIX / source),
            "--out", str(tmp_path / out), "--extends", str(BASE)]
    if fields:
        args += ["--name-field", "名称", "--type-field", "类型", "--households-field", "户数"]
    return main([*args, *extra]), tmp_path / out


def ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def community_areas(out: Path) -> np.ndarray:
    d = read_district(out / "district.npz")
    return np.array([sum(ring_area(r) for r in rings) for rings in d.community_rings])


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, Path]:
    """Each format imported once: GeoJSON, Shapefile, zipped Shapefile, GeoPackage with its grid layer."""
    if not GIS:
        pytest.skip('the gis extra is not installed (pip install -e ".[gis]")')
    tmp = tmp_path_factory.mktemp("imported")
    out = {}
    for key, source, extra in (("geojson", "district.geojson", ()), ("shp", "shp/district.shp", ()),
                               ("zip", "district_shp.zip", ()), ("gpkg", "district.gpkg", ("--grids", "grids")),
                               ("cgcs2000", "district_cgcs2000.geojson", ()), ("utm", "district_utm.gpkg", ()),
                               ("gap", "district_gap.geojson", ())):
        rc, folder = run_import(tmp, source, *extra, out=key)
        assert rc == 0, key
        out[key] = folder
    return out


@needs_gis
@pytest.mark.parametrize("key", ["geojson", "shp", "zip", "gpkg", "utm"])
def test_each_format_imports_names_households_and_a_scenario(imported, key) -> None:
    out = imported[key]
    assert sorted(p.name for p in out.iterdir()) == ["district.npz", "import_report.md", "scenario.toml"]
    d = read_district(out / "district.npz")
    assert list(d.community_names) == NAMES
    assert list(d.community_types) == ["社区"] * 4 + ["村"]
    assert np.bincount(d.hh_community).tolist() == HOUSEHOLDS
    s = load(out / "scenario.toml")
    assert s.values["territory.district_file"] == str((out / "district.npz").resolve())
    assert s.values["territory.residents"] == round(sum(HOUSEHOLDS) * 2.62)
    assert d.crs == "EPSG:32651"   # UTM zone 51N: Hangzhou, 120.15°E


@needs_gis
def test_grid_layer_grids_are_kept_each_in_its_community(imported) -> None:
    d = read_district(imported["gpkg"] / "district.npz")
    assert d.n_grids == 12
    assert np.bincount(d.grid_community).tolist() == [2, 2, 2, 2, 4]
    report = (imported["gpkg"] / "import_report.md").read_text(encoding="utf-8")
    assert "Every community is covered seamlessly" in report and "100.0%" in report


@needs_gis
def test_bisected_grids_follow_the_base_scenarios_grid_size(imported) -> None:
    d = read_district(imported["geojson"] / "district.npz")
    per_comm = np.bincount(d.grid_community)
    assert per_comm.tolist() == [max(1, round(n / 400)) for n in HOUSEHOLDS]


@needs_gis
@pytest.mark.parametrize("key", ["geojson", "gpkg"])
def test_households_lie_inside_their_community_and_grid_exactly_once(imported, key) -> None:
    import shapely

    d = read_district(imported[key] / "district.npz")
    comms = [shapely.Polygon(rs[0], rs[1:]) for rs in d.community_rings]
    grids = [shapely.union_all([shapely.Polygon(r) for r in rs]) for rs in d.grid_rings]
    x, y = d.hh_xy[:, 0], d.hh_xy[:, 1]
    for c, poly in enumerate(comms):
        assert shapely.contains_xy(poly, x[d.hh_community == c], y[d.hh_community == c]).all()
    inside = np.column_stack([shapely.contains_xy(g, x, y) for g in grids])
    assert (inside.sum(axis=1) == 1).all(), "every household in exactly one grid"
    assert (inside.argmax(axis=1) == d.hh_grid).all()
    assert np.array_equal(d.grid_community[d.hh_grid], d.hh_community)
    assert np.bincount(d.hh_grid, minlength=d.n_grids).min() >= 1


@needs_gis
def test_adjacency_pairs_share_a_boundary(imported) -> None:
    d = read_district(imported["gpkg"] / "district.npz")
    pairs = {tuple(p) for p in d.grid_adjacency.tolist()}
    assert (0, 1) in pairs          # 西湖社区's two grids share their middle line
    assert all(i < j for i, j in pairs)
    assert len(pairs) >= d.n_grids - 1   # the district is connected


@needs_gis
def test_gbk_shapefile_without_cpg_needs_and_reads_with_encoding(tmp_path, capsys) -> None:
    rc, out = run_import(tmp_path, "gbk/district_gbk.shp")
    err = capsys.readouterr().err
    assert rc == 2 and "--encoding gbk" in err and "no .cpg" in err
    assert not out.exists()
    rc, out = run_import(tmp_path, "gbk/district_gbk.shp", "--encoding", "gbk")
    assert rc == 0
    assert list(read_district(out / "district.npz").community_names) == NAMES


@needs_gis
def test_a_gap_is_reported_naming_both_communities(imported) -> None:
    report = (imported["gap"] / "import_report.md").read_text(encoding="utf-8")
    line = next(li for li in report.splitlines() if li.startswith("- gap between '西湖社区' and '北山社区'"))
    area = float(line.rsplit(":", 1)[1].replace("m²", "").replace(",", ""))
    assert 10_000 < area < 40_000   # a ~27 m strip along an ~890 m boundary
    assert "None found" in (imported["geojson"] / "import_report.md").read_text(encoding="utf-8")


@needs_gis
@pytest.mark.parametrize("source, extra, words", [
    ("district_overlap.geojson", (), ["'西湖社区' (feature 0)", "'北山社区' (feature 1)", "overlap by"]),
    ("district_selfintersect.geojson", (), ["'湖滨社区' (feature 2)", "not a valid polygon", "Self-intersection"]),
    ("district.geojson", ("--grids", str(FIX / "grids_crossing.geojson")), ["grid '西湖社区-2'", "crosses"]),
])
def test_bad_geometry_is_refused_naming_the_feature(tmp_path, capsys, source, extra, words) -> None:
    rc, out = run_import(tmp_path, source, *extra)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert all(w in err for w in words), err
    assert len(err.strip().splitlines()) <= 2   # the one error line (after the offset note)
    assert not out.exists() and not list(tmp_path.glob(".d.*")), "nothing half-written"


@needs_gis
def test_a_missing_field_names_the_fields_there_are(tmp_path, capsys) -> None:
    rc, _ = run_import(tmp_path, "district.geojson", "--households-field", "人口", fields=False)
    err = capsys.readouterr().err
    assert rc == 2 and "no field '人口'" in err and "户数" in err


@needs_gis
def test_an_empty_layer_and_a_missing_file_are_refused(tmp_path, capsys) -> None:
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    rc, out = run_import(tmp_path, empty)
    assert rc == 2 and "layer is empty" in capsys.readouterr().err and not out.exists()
    rc, _ = run_import(tmp_path, tmp_path / "nowhere.geojson")
    assert rc == 2 and "no such file" in capsys.readouterr().err


@needs_gis
def test_cgcs2000_and_wgs84_give_the_same_areas_and_a_projected_input_too(imported) -> None:
    wgs = community_areas(imported["geojson"])
    assert np.allclose(community_areas(imported["cgcs2000"]), wgs, rtol=1e-9)
    assert np.allclose(community_areas(imported["utm"]), wgs, rtol=1e-6)
    assert 0.5 < wgs.min() and wgs.max() < 2.0   # km²: lattice cells of ~0.86 × 0.89 km


@needs_gis
def test_missing_or_wrong_crs_is_refused(tmp_path, capsys) -> None:
    import geopandas as gpd

    folder = tmp_path / "noprj"
    folder.mkdir()
    for f in (FIX / "shp").iterdir():
        if f.suffix != ".prj":
            (folder / f.name).write_bytes(f.read_bytes())
    rc, _ = run_import(tmp_path, folder / "district.shp")
    assert rc == 2 and "no coordinate reference system" in capsys.readouterr().err
    wrong = gpd.read_file(FIX / "district_utm.gpkg").set_crs(4326, allow_override=True)
    wrong.to_file(tmp_path / "wrong.geojson", driver="GeoJSON")
    rc, _ = run_import(tmp_path, tmp_path / "wrong.geojson")
    assert rc == 2 and "not longitudes/latitudes" in capsys.readouterr().err


def test_offset_formulas_match_published_pairs_and_round_trip() -> None:
    # pairs of the widely used reference implementation (coordtransform) at 116.404, 39.915
    assert np.allclose(geo_coords.wgs84_to_gcj02(116.404, 39.915), (116.41024449916938, 39.91640428150164),
                       atol=1e-9)
    assert np.allclose(geo_coords.gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021),
                       atol=1e-9)
    assert np.allclose(geo_coords.bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631),
                       atol=1e-9)
    lon, lat = np.array([116.404, 120.15, 113.3, 87.6]), np.array([39.915, 30.25, 23.1, 43.8])
    back = geo_coords.gcj02_to_wgs84(*geo_coords.wgs84_to_gcj02(lon, lat))
    assert np.allclose(back, (lon, lat), atol=1e-9)   # ~0.1 mm
    back = geo_coords.bd09_to_wgs84(*geo_coords.gcj02_to_bd09(*geo_coords.wgs84_to_gcj02(lon, lat)))
    assert np.allclose(back, (lon, lat), atol=1e-7)
    gx, gy = geo_coords.wgs84_to_gcj02(lon, lat)
    shift_m = np.hypot((gx - lon) * 111_320 * np.cos(np.radians(lat)), (gy - lat) * 110_540)
    assert (shift_m > 100).all() and (shift_m < 700).all()


@needs_gis
def test_gcj02_input_is_flagged_and_converted_back(imported, tmp_path) -> None:
    report = (imported["geojson"] / "import_report.md").read_text(encoding="utf-8")
    assert "GCJ-02" in report and "--from-gcj02" in report
    rc, out = run_import(tmp_path, "district_gcj02.geojson", "--from-gcj02")
    assert rc == 0
    assert np.allclose(community_areas(out), community_areas(imported["geojson"]), rtol=1e-6)
    a, b = read_district(out / "district.npz"), read_district(imported["geojson"] / "district.npz")
    assert np.abs(a.community_rings[0][0] - b.community_rings[0][0]).max() < 0.001   # under 1 m


@needs_gis
def test_the_gis_extra_missing_is_a_clear_exit_2(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "geopandas", None)
    rc, _ = run_import(tmp_path, "district.geojson")
    assert rc == 2 and 'pip install "govsim[gis]"' in capsys.readouterr().err


@needs_gis
def test_out_is_not_overwritten_without_force(tmp_path, capsys) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    rc, out = run_import(tmp_path, "district.geojson")
    assert rc == 2 and "--force" in capsys.readouterr().err
    assert (out / "notes.txt").exists()
    rc, out = run_import(tmp_path, "district.geojson", "--force")
    assert rc == 0 and not (out / "notes.txt").exists() and (out / "district.npz").exists()


@needs_gis
def test_import_is_reproducible_for_a_seed(imported, tmp_path) -> None:
    rc, out = run_import(tmp_path, "district.geojson")
    assert rc == 0
    a, b = read_district(out / "district.npz"), read_district(imported["geojson"] / "district.npz")
    assert np.array_equal(a.hh_xy, b.hh_xy) and np.array_equal(a.hh_grid, b.hh_grid)
    rc, out = run_import(tmp_path, "district.geojson", "--seed", "7", out="seed7")
    assert not np.array_equal(read_district(out / "district.npz").hh_xy, a.hh_xy)


@needs_gis
def test_the_imported_scenario_runs_end_to_end_and_deterministically(imported, tmp_path) -> None:
    scenario = imported["gpkg"] / "scenario.toml"
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        assert main(["run", str(scenario), "--days", "40", "--seed", "3", "--out", str(out), "--no-progress",
                     "--set", "sim.warmup_days=5"]) == 0
        outs.append(out)
    for name in ("timeseries.csv", "cases.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    summary = json.loads((outs[0] / "summary.json").read_text())
    assert summary["territory.grids"] == 12 and summary["territory.communities"] == 5
    assert summary["population.households"] == sum(HOUSEHOLDS)
    assert summary["cases.created"] > 0


@needs_gis
def test_running_an_imported_district_needs_no_gis_package(imported, tmp_path) -> None:
    import subprocess

    code = ("import sys\n"
            "for m in ('geopandas', 'pyogrio', 'shapely', 'pyproj', 'fiona'):\n"
            "    sys.modules[m] = None   # any import of them now fails\n"
            "from sim.cli import main\n"
            f"sys.exit(main(['run', {str(imported['gpkg'] / 'scenario.toml')!r}, '--days', '35', '--no-progress', "
            f"'--out', {str(tmp_path / 'run')!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "summary.json").exists()


@needs_gis
def test_the_model_uses_the_district_and_the_map_draws_its_polygons(imported) -> None:
    from sim.dashboard.render import MapRenderer
    from sim.model import GovernanceModel

    s = load(imported["gpkg"] / "scenario.toml").with_values({"sim.days": 5, "sim.warmup_days": 0})
    m = GovernanceModel(s, seed=0)
    d = read_district(imported["gpkg"] / "district.npz")
    assert m.territory.n_grids == 12 and m.territory.n_communities == 5
    assert np.array_equal(m.territory.hh_xy, d.hh_xy)
    assert sorted(m.grid_space.G.edges) == sorted(map(tuple, d.grid_adjacency.tolist()))
    r = MapRenderer(m, lang="en")
    assert len(r.community_lines.get_segments()) == sum(len(rs) for rs in d.community_rings)
    assert len(r.grid_lines.get_segments()) == sum(len(rs) for rs in d.grid_rings)
    assert len(r.community_lines.get_segments()[4]) > 5   # 涌金村: a real outline, not 4 edges


@needs_gis
def test_the_district_file_is_found_from_a_scenario_extending_it_elsewhere(imported, tmp_path) -> None:
    child = tmp_path / "elsewhere" / "child.toml"
    child.parent.mkdir()
    child.write_text(f'extends = "{(imported["geojson"] / "scenario.toml").as_posix()}"\n[grid]\nworkers_per_grid = 2\n')
    s = load(child)
    assert s.values["territory.district_file"] == str((imported["geojson"] / "district.npz").resolve())
    assert s.with_values({"sim.days": 40}).values["territory.district_file"] == s.values["territory.district_file"]


def test_a_missing_or_malformed_district_file_is_a_scenario_error(tmp_path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "{BASE.as_posix()}"\n[territory]\ndistrict_file = "nowhere.npz"\n')
    with pytest.raises(ScenarioError, match=r"territory.district_file.*no such district file"):
        load(scenario)
    (tmp_path / "nowhere.npz").write_text("not a district")
    with pytest.raises(ScenarioError, match=r"territory.district_file.*not a readable district file"):
        load(scenario)
    np.savez(tmp_path / "nowhere.npz", hh_xy=np.zeros((3, 2)))
    with pytest.raises(ScenarioError, match=r"missing arrays"):
        load(scenario)
    assert main(["run", str(scenario), "--days", "2"]) == 2


def test_a_synthetic_territory_keeps_its_rectangles() -> None:
    from sim.model import GovernanceModel

    s = load(BASE).with_values({"territory.residents": 3000, "territory.households_per_community": 300})
    t = GovernanceModel(s, seed=0).territory
    assert t.grid_rings is None and t.adjacency is None
    x0, y0, x1, y1 = t.grid_bounds[0]
    assert np.array_equal(t.grid_outlines()[0][0], [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
