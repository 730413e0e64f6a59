"""The dashboard on an imported district (no browser): the scenario picker lists the folders
`govsim district import` and `govsim district tickets` write, the grid-size lever is left out with a
note saying why (the grids come from the district file), and setting it anyway changes nothing.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.dashboard import i18n
from sim.dashboard.render import map_png
from sim.dashboard.session import (DISTRICT_FIXED_LEVERS, LEVER_CONTROLS, REGRID_LEVERS, Workshop, controls_for,
                                   fixed_levers, grouped_controls, picker_choices, scenario_choices)
from sim.scenario import ScenarioError, load

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "district"
GRID_SIZE = "grid.households_per_grid"
GIS = all(importlib.util.find_spec(m) for m in ("geopandas", "pyogrio", "shapely", "pyproj"))


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> Path:
    """A scenarios/ folder: the baseline and workshop files, and the fixtures' district imported into
    scenarios/xihu/ (a short run: 40 days)."""
    if not GIS:
        pytest.skip('the gis extra is not installed (pip install -e ".[gis]")')
    folder = tmp_path_factory.mktemp("dash") / "scenarios"
    folder.mkdir()
    for name in ("baseline.toml", "workshop.toml"):
        shutil.copy(ROOT / "scenarios" / name, folder / name)
    rc = main(["district", "import", str(FIX / "district.geojson"), "--name-field", "名称", "--type-field", "类型",
               "--households-field", "户数", "--extends", str(folder / "baseline.toml"), "--out", str(folder / "xihu")])
    assert rc == 0
    with (folder / "xihu" / "scenario.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[sim]\ndays = 40\n")
    return folder


def test_a_synthetic_territory_keeps_every_lever():
    s = load(ROOT / "scenarios" / "workshop.toml")
    assert fixed_levers(s) == {}
    assert controls_for(s) == grouped_controls()


def test_every_fixed_lever_is_a_lever_with_a_note_in_both_languages():
    keys = {c.key for c in LEVER_CONTROLS}
    for key, note in DISTRICT_FIXED_LEVERS.items():
        assert key in keys
        zh, en = i18n.t(note, "zh"), i18n.t(note, "en")
        assert zh and en and zh != en and "import" in en


def test_an_imported_district_leaves_out_the_grid_size_lever(scenarios):
    """... and keeps the re-partitioning levers: its grid polygons are split and merged (shapely)."""
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    assert set(w.fixed_levers()) == {GRID_SIZE}
    shown = [c.key for _, controls in w.controls() for c in controls]
    assert GRID_SIZE not in shown and set(REGRID_LEVERS) <= set(shown)
    assert shown == [c.key for _, controls in grouped_controls() for c in controls if c.key != GRID_SIZE]
    assert "grid.part_time_workers" in shown   # the rest of the grids' heading stays


def test_the_review_lever_repartitions_an_imported_district(scenarios):
    """Reviews every 15 days on the imported district: its grids of unequal size split or merge."""
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    w.set_levers({"grids.review_interval_days": 15, "grids.split_above": 1.2, "grids.merge_below": 0.55})
    w.step(16)
    regrid = w.model("A").regrid
    assert regrid.splits + regrid.merges > 0
    assert map_png(w.model("A"), lang="en")[:8] == b"\x89PNG\r\n\x1a\n"   # the new outlines draw


@pytest.fixture()
def without_shapely(monkeypatch):
    import sim.dashboard.session as session
    import sim.district.geo_regrid as geo_regrid
    monkeypatch.setattr(session, "have_shapely", lambda: False)
    monkeypatch.setattr(geo_regrid, "have_shapely", lambda: False)


def test_without_shapely_an_imported_district_leaves_out_the_repartitioning_levers(scenarios, without_shapely):
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    assert set(w.fixed_levers()) == {GRID_SIZE, *REGRID_LEVERS}
    shown = [c.key for _, controls in w.controls() for c in controls]
    assert not set(REGRID_LEVERS) & set(shown)


@pytest.mark.parametrize("key, value", [("grids.review_interval_days", 30), ("grids.split_above", 2.0),
                                        ("grids.merge_below", 0.2)])
def test_without_shapely_setting_a_repartitioning_lever_on_an_imported_district_is_refused(
        scenarios, without_shapely, key, value):
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    w.step(2)
    before = w.model("A")
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")) as refused:
        w.set_lever(key, value)
    assert "shapely" in str(refused.value)
    assert w.model("A") is before and w.day == 2 and w.levers("A") == {}


def test_setting_the_grid_size_on_an_imported_district_is_refused_and_changes_nothing(scenarios):
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    w.step(3)
    before = w.model("A")
    with pytest.raises(ScenarioError, match=GRID_SIZE.replace(".", r"\.")):
        w.set_lever(GRID_SIZE, 200)
    assert w.model("A") is before and w.day == 3 and w.levers("A") == {}
    w.set_lever("policy.decentralisation", 0.8)   # other levers work as before
    assert w.day == 3 and w.lever_values("A")["policy.decentralisation"] == 0.8


def test_switching_from_a_district_back_to_a_synthetic_scenario_offers_the_lever_again(scenarios):
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    w.load_scenario(scenarios / "workshop.toml")
    assert w.fixed_levers() == {}
    w.set_lever(GRID_SIZE, 200)
    assert w.lever_values("A")[GRID_SIZE] == 200


def test_the_picker_lists_imported_folders_and_finds_the_loaded_one(scenarios):
    choices = dict(scenario_choices(scenarios))
    assert Path(choices["xihu"]) == scenarios / "xihu" / "scenario.toml"
    assert "workshop" in choices and "baseline" in choices
    names, current = picker_choices(load(scenarios / "xihu" / "scenario.toml"), scenarios)
    assert current == "xihu" and names == choices


def test_a_scenario_from_elsewhere_joins_the_picker(scenarios, tmp_path):
    other = tmp_path / "elsewhere.toml"
    other.write_text(f'extends = "{(scenarios / "xihu" / "scenario.toml").as_posix()}"\nname = "xihu"\n')
    names, current = picker_choices(load(other), scenarios)
    assert current == "xihu (tmp_path)".replace("tmp_path", tmp_path.name)
    assert Path(names[current]) == other.resolve() and Path(names["xihu"]) == scenarios / "xihu" / "scenario.toml"


def test_the_map_of_an_imported_district_draws(scenarios):
    w = Workshop(scenarios / "xihu" / "scenario.toml", seed=1)
    w.step(2)
    assert w.model("A").territory.community_rings is not None
    assert map_png(w.model("A"), "zh").startswith(b"\x89PNG")


def test_govsim_dashboard_opens_a_scenario_folder(scenarios, monkeypatch, capsys):
    import subprocess

    import sim.cli

    started = []
    monkeypatch.setattr(sim.cli.subprocess, "run",
                        lambda cmd, **k: started.append(k["env"]) or subprocess.CompletedProcess(cmd, 0))
    monkeypatch.setattr(sim.cli, "check_port", lambda host, port: None)
    assert main(["dashboard", str(scenarios / "xihu")]) == 0
    assert started[0]["GOVSIM_SCENARIO"] == str((scenarios / "xihu" / "scenario.toml").resolve())
    empty = scenarios.parent / "empty"
    empty.mkdir()
    assert main(["dashboard", str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "scenario.toml" in err[0] and len(started) == 1
