"""The workshop dashboard on an imported district, in headless chromium: the page loads the district
(`govsim dashboard scenarios/NAME/scenario.toml`), the households-per-grid slider is not there and
the note saying why is, and the scenario picker shows the district by its name. Expected labels come
from sim/dashboard/i18n.py; the headless checks are in tests/test_dashboard_district.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from sim.cli import main  # noqa: E402
from sim.dashboard import i18n  # noqa: E402
from sim.dashboard.session import LEVER_CONTROLS, fixed_levers  # noqa: E402
from sim.scenario import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
APP = "sim.dashboard.server"
FIRST_LOAD_TIMEOUT = 60_000  # ms: the first load starts a kernel, builds the model and draws it
GIS = all(importlib.util.find_spec(m) for m in ("geopandas", "pyogrio", "shapely", "pyproj"))


@pytest.mark.skipif(not GIS, reason='the gis extra is not installed (pip install -e ".[gis]")')
def test_an_imported_district_hides_the_grid_size_lever_in_chromium(solara_server, page, tmp_path):
    out = tmp_path / "scenarios" / "xihu"
    rc = main(["district", "import", str(ROOT / "tests" / "fixtures" / "district" / "district.geojson"),
               "--name-field", "名称", "--households-field", "户数", "--extends",
               str(ROOT / "scenarios" / "workshop.toml"), "--out", str(out)])
    assert rc == 0
    url = solara_server(APP, env={"GOVSIM_SCENARIO": str(out / "scenario.toml"), "GOVSIM_LANG": "en"})
    page.goto(url)
    expect(page.locator(".govsim-day")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    # the map comes after the controls: its static layer (the district's polygons) is built first
    expect(page.locator(".govsim-map-A svg.govsim-map-svg")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(page.locator(".govsim-map-A .govsim-grid")).not_to_have_count(0)   # the district's own polygons
    fixed = fixed_levers(load(out / "scenario.toml"))   # the grid size; re-partitioning too without shapely
    assert "grid.households_per_grid" in fixed
    sliders = [c for c in LEVER_CONTROLS if c.kind == "slider" and c.key not in fixed]
    expect(page.locator(".v-slider")).to_have_count(len(sliders))
    for key, note in fixed.items():
        shown = page.locator(f".govsim-note-{key.replace('.', '-')}")
        expect(shown).to_have_text(i18n.t(note, "en"))
        expect(page.get_by_text(i18n.t(f"lever.{key}", "en"), exact=True)).to_have_count(0)
    expect(page.get_by_text("xihu", exact=True).first).to_be_visible()
