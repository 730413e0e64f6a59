"""The map and the charts drawn in the browser: the data sent (mapview.map_static / map_dynamic,
charts.charts_options) match the model, A and B share the static layer on one territory, an imported
district's polygons and re-partitioned grids are drawn as render.map_png draws them, and the
components render in-process and pass a click on to their callback."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import solara

from sim.cases import LATENT, RESOLVED, STATUS_NAMES
from sim.dashboard import i18n
from sim.dashboard.charts import Charts, charts_options, difference_rows
from sim.dashboard.mapview import (MARGIN, SAT_CLASSES, MapView, caption, map_dynamic, map_static,
                                   static_layer)
from sim.dashboard.render import NOISY, SHARES, rolling_mean
from sim.dashboard.session import REGRID_LEVERS, SERIES_KEYS, Workshop, regrid_days
from tests.helpers import small

ROOT = Path(__file__).resolve().parents[1]
REVIEW = REGRID_LEVERS[0]


@pytest.fixture(scope="module")
def scenario():
    return small("workshop", residents=1500, days=40)


@pytest.fixture(scope="module")
def running(scenario):
    """A workshop run 12 days, then an emergency (four days long), then 2 more days."""
    w = Workshop(scenario, seed=3)
    w.step(12)
    w.start_emergency()
    w.step(2)
    return w


def _points(path: str) -> np.ndarray:
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path)]
    return np.array(nums).reshape(-1, 2)


def _open_cases(model) -> dict[int, str]:
    return {c.id: STATUS_NAMES[c.status] for c in model.cases if LATENT < c.status < RESOLVED}


def test_every_open_case_is_sent_once_with_its_stage_as_the_model_steps(scenario):
    w = Workshop(scenario, seed=2)
    seen_stages = set()
    for day in range(14):
        if day == 6:
            w.start_emergency()
        w.step(1)
        m = w.model("A")
        frame = map_dynamic(m)
        ids = [c[0] for c in frame["cases"]]
        assert len(ids) == len(set(ids))
        assert {c[0]: c[2] for c in frame["cases"]} == _open_cases(m)
        by_id = {c.id: c for c in m.cases}
        for cid, hh, stage, level in frame["cases"]:
            assert hh == by_id[cid].household and level in ("grid", "committee", "township", "county")
            seen_stages.add(stage)
        assert frame["day"] == w.day == day + 1
    assert len(_open_cases(w.model("A"))) > 0 and len(seen_stages) >= 2


def test_household_colours_and_counts_match_the_model(running):
    m = running.model("A")
    layer, frame = map_static(m, "en"), map_dynamic(m)
    n = m.territory.n_households
    assert layer["n_households"] == n and len(layer["households"]) == 2 * n and len(frame["sat"]) == n
    np.testing.assert_allclose(np.reshape(layer["households"], (-1, 2)), m.territory.hh_xy, atol=5e-4)
    sat = np.array([r.satisfaction for r in m.residents])
    hh = np.array(m.resident_household)
    for k in range(0, n, 37):   # each household's class holds its residents' mean satisfaction
        mean = sat[hh == k].mean() if (hh == k).any() else 0.0
        cls = int(frame["sat"][k], 36)
        lo = 0.4 + 0.6 * cls / SAT_CLASSES
        assert (mean < lo + 0.6 / SAT_CLASSES + 1e-9) and (cls == 0 or mean >= lo - 1e-9), (k, mean, cls)
    workers = [w for w in m.workers]
    assert [x[:2] for x in frame["workers"]] == [[round(w.x, 3), round(w.y, 3)] for w in workers]
    assert [x[3] for x in frame["workers"]] == [w.unique_id for w in workers]
    statuses = [x[2] for x in frame["workers"]]
    assert statuses == ["emergency" if w.em_desk is not None else "case" if w.case is not None else "free"
                        for w in workers]
    assert frame["emergencies"] and frame["emergencies"][0]["name"] == running.active_emergencies()[0][0]


def test_the_view_box_fits_the_territory_and_holds_every_point(running):
    m = running.model("A")
    layer, frame = map_static(m, "zh"), map_dynamic(m)
    x0, y0, x1, y1 = layer["bounds"]
    pts = [np.reshape(layer["households"], (-1, 2)), np.reshape(layer["committees"], (-1, 2)),
           np.array([layer["township"]]), np.array([w[:2] for w in frame["workers"]])]
    pts += [_points(p) for p in layer["grids"] + layer["communities"] if p]
    allpts = np.concatenate(pts)
    assert (allpts[:, 0] >= x0).all() and (allpts[:, 0] <= x1).all()
    assert (allpts[:, 1] >= y0).all() and (allpts[:, 1] <= y1).all()
    # the bounds are the territory's, not the frame's: the points reach each side
    assert allpts[:, 0].min() - x0 < 2e-3 and x1 - allpts[:, 0].max() < 2e-3
    assert allpts[:, 1].min() - y0 < 2e-3 and y1 - allpts[:, 1].max() < 2e-3
    vx, vy, vw, vh = layer["view_box"]
    pad = MARGIN * max(x1 - x0, y1 - y0)
    assert vx == pytest.approx(x0 - pad, abs=2e-3) and vw == pytest.approx(x1 - x0 + 2 * pad, abs=2e-3)
    assert -vy == pytest.approx(y1 + pad, abs=2e-3) and vh == pytest.approx(y1 - y0 + 2 * pad, abs=2e-3)
    # a small territory (a few hundred metres) fills its frame too: the view is the territory, not 0..1
    assert vw < 2 * (x1 - x0) and vh < 2 * (y1 - y0)


def test_a_and_b_share_the_static_layer_on_one_territory(scenario):
    w = Workshop(scenario, seed=1, side_by_side=True, levers_b={"policy.decentralisation": 0.8})
    a, b = static_layer(w, "A", "zh"), static_layer(w, "B", "zh")
    assert a is b
    w.step(3)
    assert static_layer(w, "A", "zh") is a          # a step sends no static layer again
    assert static_layer(w, "A", "en") is not a and static_layer(w, "A", "en")["legend"] != a["legend"]
    other = Workshop(scenario, seed=1, side_by_side=True, levers_b={"grid.households_per_grid": 150})
    a2, b2 = static_layer(other, "A", "zh"), static_layer(other, "B", "zh")
    assert a2 is not b2 and len(b2["grids"]) > len(a2["grids"])
    assert a2["households"] == b2["households"]


def test_payload_per_step_is_much_smaller_than_the_static_layer(running):
    m = running.model("A")
    static_bytes = len(json.dumps(map_static(m, "zh"), allow_nan=False))
    dynamic_bytes = len(json.dumps(map_dynamic(m), allow_nan=False))
    assert dynamic_bytes * 3 < static_bytes, (dynamic_bytes, static_bytes)


def test_the_legend_and_caption_exist_in_both_languages(running):
    m = running.model("A")
    zh, en = map_static(m, "zh")["legend"], map_static(m, "en")["legend"]

    def flat(d):
        return [x for v in d.values() for x in (flat(v) if isinstance(v, dict) else [v])]

    assert all(flat(zh)) and all(flat(en)) and len(flat(zh)) == len(flat(en))
    assert zh["stages"] != en["stages"] and zh["cases"] == i18n.t("map.open_cases", "zh")
    assert set(zh["stages"]) == {"queued", "in_service", "in_transit"}
    cap_zh, cap_en = caption(m, "zh", "A"), caption(m, "en", "A")
    assert cap_zh[0] != cap_en[0] and str(running.day) in cap_en[0] and len(cap_zh) == len(cap_en) >= 2
    with pytest.raises(ValueError, match="language"):
        map_static(m, "fr")


def test_the_regridded_map_draws_the_active_grids_and_only_the_present_households():
    ws = Workshop(small("growing_district", residents=10_000, days=120), seed=1, levers_a={REVIEW: 15})
    m = ws.model("A")
    first = static_layer(ws, "A", "en")
    assert len(first["grids"]) == m.territory.n_grids
    ws.step(105)
    r = m.regrid
    assert r.splits >= 1
    now = static_layer(ws, "A", "en")
    assert now is not first and now["regrid_seen"] == [r.splits, r.merges]
    assert len(now["grids"]) == len(r.tiles)
    assert [bool(p) for p in now["grids"]] == [bool(a) for a in r.active]
    frame = map_dynamic(m)
    assert frame["sat"].count(".") == int((~r.present).sum()) > 0
    assert frame["regrid"]["splits"] == r.splits
    assert any(str(r.splits) in line for line in caption(m, "en")[1:])   # the status line counts them
    dates = m.calendar.dates
    for option in charts_options(ws, "en"):   # a dotted line on each day grids were split or merged
        marks = [d["xAxis"] for d in option["series"][0]["markLine"]["data"]]
        assert marks == [dates.date(day).isoformat() for day in regrid_days(m)] and marks


def test_an_imported_district_sends_its_real_polygons(tmp_path):
    pytest.importorskip("geopandas")
    from sim.cli import main

    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "baseline.toml", folder / "baseline.toml")
    fix = ROOT / "tests" / "fixtures" / "district"
    assert main(["district", "import", str(fix / "district.geojson"), "--name-field", "名称", "--type-field", "类型",
                 "--households-field", "户数", "--extends", str(folder / "baseline.toml"),
                 "--out", str(folder / "xihu")]) == 0
    w = Workshop(folder / "xihu" / "scenario.toml", seed=1)
    w.step(1)
    m = w.model("A")
    layer = static_layer(w, "A", "zh")
    t = m.territory
    assert len(layer["grids"]) == t.n_grids and len(layer["communities"]) == len(t.community_rings)
    for k in range(t.n_grids):
        want = np.concatenate([np.asarray(r, float) for r in t.grid_rings[k]])
        np.testing.assert_allclose(_points(layer["grids"][k]), want, atol=6e-4)
    assert max(len(_points(p)) for p in layer["communities"]) > 4   # polygons, not rectangles
    x0, y0, x1, y1 = layer["bounds"]
    ring_pts = np.concatenate([np.asarray(r, float) for rs in t.community_rings for r in rs])
    assert (ring_pts >= [x0 - 1e-3, y0 - 1e-3]).all() and (ring_pts <= [x1 + 1e-3, y1 + 1e-3]).all()


def _ys(option: dict, name: str) -> list:
    line = next(s for s in option["series"] if s["name"] == name)
    column = line["encode"]["y"]
    assert line["encode"]["x"] == 0
    return [row[column] for row in option["dataset"]["source"]]


def _expected(values: np.ndarray, scale: float) -> list:
    return [None if not np.isfinite(v) else round(float(v) * scale, 2) for v in values]


def test_chart_options_hold_the_models_series_for_a_and_b(scenario):
    w = Workshop(scenario, seed=1, side_by_side=True, levers_b={"policy.decentralisation": 0.8})
    w.step(5)
    w.start_emergency()
    w.step(6)
    for lang in ("zh", "en"):
        options = charts_options(w, lang)
        json.dumps(options, allow_nan=False)
        assert [o["title"]["text"] for o in options] == [i18n.t(f"chart.{k}", lang) for k in SERIES_KEYS]
        for key, option in zip(SERIES_KEYS, options):
            scale = 100.0 if key in SHARES else 1.0
            for side in ("A", "B"):
                name = i18n.t(f"side_{side}", lang)
                s = w.series(side)[key]
                if key in NOISY:
                    assert _ys(option, f"{name} · {i18n.t('chart.daily', lang)}") == _expected(s, scale)
                    assert _ys(option, f"{name} · {i18n.t('chart.rolling', lang)}") == _expected(rolling_mean(s), scale)
                else:
                    assert _ys(option, name) == _expected(s, scale)
            area = option["series"][0]["markArea"]["data"]
            first_day = int(np.flatnonzero(w.series("A")["emergency_active"] > 0)[0])
            assert area and area[0][0]["xAxis"] == w.model("A").calendar.dates.date(first_day).isoformat()
    assert charts_options(w, "zh")[0]["series"][0]["name"] != charts_options(w, "en")[0]["series"][0]["name"]
    with pytest.raises(ValueError, match="language"):
        charts_options(w, "fr")


def test_the_date_axis_runs_over_the_scenarios_days(scenario):
    w = Workshop(scenario, seed=1)
    w.step(3)
    opt = charts_options(w, "en")[2]   # the backlog
    dates = w.model("A").calendar.dates
    assert opt["xAxis"]["min"] == dates.date(0).isoformat() and opt["xAxis"]["max"] == dates.date(40).isoformat()
    assert [row[0] for row in opt["dataset"]["source"]] == [dates.date(d).isoformat() for d in (1, 2, 3)]
    assert [s["name"] for s in opt["series"]] == [i18n.t("side_A", "en")]   # one model: one line


def test_the_map_component_renders_and_passes_a_pick_on(running):
    picked = []
    box, rc = solara.render(MapView(running, "A", "en", 0, {"kind": "household", "id": 5, "path": [[0, 0], [0.1, 0.1]]},
                                    picked.append), handle_error=False)
    try:
        widget = _vue_widget(rc)
        assert widget.layer == static_layer(running, "A", "en")
        assert widget.frame["day"] == running.day and widget.highlight["id"] == 5
        assert widget.caption == caption(running.model("A"), "en", None)
        widget._handle_event(None, {"event": "pick", "data": {"kind": "case", "id": 17}}, [])
        widget._handle_event(None, {"event": "pick", "data": {"kind": "household", "id": 3}}, [])
        assert picked == [{"kind": "case", "id": 17}, {"kind": "household", "id": 3}]
        source = widget.template.template
        for needle in ("govsim-hh-", "govsim-case-", "pick({kind: 'household'", "pick({kind: 'case'",
                       'preserveAspectRatio="xMidYMid meet"', 'width="100%"'):
            assert needle in source
    finally:
        rc.close()


def _vue_widget(rc):
    import ipyvue

    return rc.find(ipyvue.VueTemplate).widget


def test_the_charts_component_renders_five_charts(running):
    import ipywidgets

    box, rc = solara.render(Charts(running, "zh", 0), handle_error=False)
    try:
        charts = [w for w in _all_widgets(box, ipywidgets) if "option" in getattr(w, "keys", [])]
        assert len(charts) == 5
        assert [c.option["title"]["text"] for c in charts] == [i18n.t(f"chart.{k}", "zh") for k in SERIES_KEYS]
    finally:
        rc.close()


def _all_widgets(root, ipywidgets) -> list:
    out, todo = [], [root]
    while todo:
        w = todo.pop()
        out.append(w)
        todo.extend(reversed([c for c in getattr(w, "children", []) or [] if isinstance(c, ipywidgets.Widget)]))
    return out


def test_a_step_sends_the_new_frame_and_keeps_the_static_layer(scenario):
    """Rendered as the page will: after a step, bumping the version updates the dynamic layer; the
    static layer's value stays the same (nothing to send)."""
    import ipyvue

    w = Workshop(scenario, seed=1)
    version = solara.reactive(0)

    @solara.component
    def Page():
        MapView(w, "A", "zh", version.value)

    box, rc = solara.render(Page(), handle_error=False)
    try:
        widget = rc.find(ipyvue.VueTemplate).widget
        layer_before, sent = widget.layer, []
        widget.observe(lambda change: sent.append(change["name"]), names=["layer", "frame"])
        assert widget.frame["day"] == 0
        w.step(2)
        version.value += 1
        assert widget.frame["day"] == 2 and widget.frame == map_dynamic(w.model("A"))
        assert sent == ["frame"] and widget.layer == layer_before
    finally:
        rc.close()


def test_the_difference_panel_names_the_levers_b_changes_and_each_outcome(scenario):
    w = Workshop(scenario, seed=1, side_by_side=True, levers_b={"policy.decentralisation": 0.8})
    w.step(8)
    for lang in ("zh", "en"):
        rows = difference_rows(w, lang)
        lever = next(c for c, _, _ in w.changed_levers())
        assert rows[0][0].startswith(lever.short(lang)) and rows[0][1] == ""
        assert [label for label, _ in rows[1:]] == [i18n.t(f"diff_label.{k}", lang) for k in w.differences()]
    w.set_side_by_side(False)
    assert difference_rows(w, "en") == []


def test_the_echarts_bundle_is_among_the_assets_fetched_for_a_room_without_internet():
    """FigureEcharts loads `echarts@${version}/dist/echarts.js` with the version in a constant: the
    asset list reads it, so `govsim dashboard --fetch-assets` fetches it."""
    from sim.dashboard import assets

    refs = assets.cdn_refs()
    echarts = [spec for spec in refs if spec.startswith("echarts@")]
    assert len(echarts) == 1 and re.fullmatch(r"echarts@\d+\.\d+\.\d+", echarts[0])
    assert "dist/echarts.js" in refs[echarts[0]]


def test_the_map_template_ships_with_the_package():
    import fnmatch
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = data["tool"]["setuptools"]["package-data"]["sim.dashboard"]
    assert any(fnmatch.fnmatch("mapview.vue", g) for g in globs)
    assert (ROOT / "sim" / "dashboard" / "mapview.vue").is_file()
