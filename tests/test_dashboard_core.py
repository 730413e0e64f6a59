"""The dashboard's model-facing core: sliders from the parameter table, the side-by-side Workshop,
the map and chart figures, UI strings, and recorded animations."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from sim import GovernanceModel, ScenarioError, load_scenario
from sim.dashboard import i18n
from sim.dashboard.animate import AnimationError, animate, frame_days
from sim.dashboard.commands import add_animate_parser
from sim.dashboard.render import (charts_figure, charts_png, figure_png, map_figure, map_png, save_png)
from sim.dashboard.render import DISPUTE_STYLE, map_renderer
from sim.dashboard.session import (CONTROL_BY_KEY, DEMO_EMERGENCY, DIFFERENCE_KEYS, LEVER_GROUPS, LEVER_SLIDERS,
                                   REPORT_KEYS, SERIES_KEYS, SLIDER_BY_KEY, Workshop, day_kind, demo_emergency,
                                   format_difference, format_report_value, grouped_controls, grouped_sliders,
                                   lever_group, report_of, scenario_choices)
from sim.labels import OUTCOME_LABELS, label
from sim.outcomes import summary
from sim.dates import Dates
from sim.labels import cjk_font
from sim.params import PARAM_BY_KEY, defaults, levers

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = ROOT / "scenarios" / "workshop.toml"


@pytest.fixture(scope="module")
def small():
    """The workshop scenario shrunk: about 570 households, one community, 30 days."""
    return load_scenario(WORKSHOP, {"territory.residents": 1500, "sim.days": 30, "sim.warmup_days": 5})


@pytest.fixture(scope="module")
def two_communities():
    """Small, but with two communities and several grids (so boundaries and offices are drawn)."""
    return load_scenario(WORKSHOP, {"territory.residents": 2400, "territory.households_per_community": 450,
                                    "grid.households_per_grid": 150, "sim.days": 30, "sim.warmup_days": 5})


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


# ------------------------------------------------------------------ sliders
def test_sliders_come_from_the_parameter_table():
    assert [s.key for s in LEVER_SLIDERS] == [p.key for p in levers()]
    assert {"emergency.sensor_coverage", "volunteer.recognition"} <= set(SLIDER_BY_KEY)
    for s in LEVER_SLIDERS:
        p = PARAM_BY_KEY[s.key]
        assert p.lever, s.key
        assert s.default == p.default and type(s.default) is type(p.default), s.key
        assert s.boolean == (p.kind is bool), s.key
        if s.boolean:  # a switch: off or on
            assert (s.low, s.high, s.step) == (False, True, 1) and s.snap(1) is True and s.snap(0) is False, s.key
            assert s.label("zh") and s.label("en") and s.help("zh") and s.help("en")
            continue
        if not s.numeric:  # a choice or a set of choices: see test_the_format_and_priorities_are_controls
            assert (s.kind, s.low, s.high, s.step) == (p.lever.kind, None, None, None), s.key
            continue
        assert p.low <= s.low < s.high <= p.high, s.key
        assert s.low <= s.default <= s.high, s.key
        assert s.integer == (p.kind is int), s.key
        assert s.step > 0 and (s.high - s.low) / s.step >= 4, s.key
        # the default is a position the slider can take
        assert math.isclose((s.default - s.low) / s.step, round((s.default - s.low) / s.step), abs_tol=1e-9), s.key
        assert s.snap(s.default) == s.default
        assert s.label("zh") and s.label("en") and s.help("zh") and s.help("en")
    hpg = next(s for s in LEVER_SLIDERS if s.key == "grid.households_per_grid")
    assert (hpg.low, hpg.high) == (50, 2000) and isinstance(hpg.snap(333.3), int)


def test_slider_defaults_are_the_models_defaults():
    """The workshop scenario sets no lever: the model it builds runs every lever at its slider's default."""
    scenario = load_scenario(WORKSHOP)
    for s in LEVER_SLIDERS:
        assert scenario[s.key] == s.default == defaults()[s.key], s.key


def test_the_safety_levers_and_public_attendance_are_levers_in_both_languages():
    new = ("safety.mediators_per_committee", "safety.legal_adviser", "safety.convention",
           "deliberation.public_attendance")
    assert set(new) <= set(SLIDER_BY_KEY)
    mediators = SLIDER_BY_KEY["safety.mediators_per_committee"]
    assert (mediators.low, mediators.high, mediators.step, mediators.integer) == (0, 5, 1, True)
    assert all(SLIDER_BY_KEY[k].boolean for k in new[1:])
    for key in new:
        for part in ("lever", "lever_short", "lever_help"):
            zh, en = i18n.t(f"{part}.{key}", "zh"), i18n.t(f"{part}.{key}", "en")
            assert zh and en and zh != en, (part, key)
    assert {SLIDER_BY_KEY[k].group for k in new} == {"safety", "deliberation"}


def test_levers_are_grouped_under_headings_in_both_languages():
    groups = grouped_sliders()
    assert [g for g, _ in groups] == list(LEVER_GROUPS)
    assert sorted(s.key for _, ss in groups for s in ss) == sorted(SLIDER_BY_KEY)
    for g in LEVER_GROUPS:
        assert i18n.t(f"lever_group.{g}", "zh") != i18n.t(f"lever_group.{g}", "en")
    assert lever_group("safety.convention") == "safety" and lever_group("burden.forms_reduction") == "grids"


def test_every_lever_has_its_words_and_only_levers_do():
    assert set(i18n.LEVER_TEXT) == {p.key for p in levers()}
    for key, parts in i18n.LEVER_TEXT.items():
        assert set(parts) == {"label", "short", "help"}, key


def test_slider_ends_are_valid_scenario_values(small):
    """Every slider's two ends pass the scenario rules (e.g. paperwork below the shift), and so does
    every option of a choice or a set of choices (all of them at once, and none)."""
    for s in LEVER_SLIDERS:
        if not s.numeric:
            options = s.options(small)
            assert options, s.key
            values = options if s.kind == "choice" else ("", ",".join(options), *options)
            for v in values:
                assert small.with_values({s.key: v})[s.key] == v
            continue
        for v in (s.low, s.high):
            assert small.with_values({s.key: v})[s.key] == v


# ------------------------------------------------------------------ strings
def test_every_string_in_both_languages():
    assert i18n.LANGS == ("zh", "en")
    for key, pair in i18n.STRINGS.items():
        assert len(pair) == 2 and all(isinstance(x, str) and x for x in pair), key
    for key in ("play", "pause", "step", "reset", "speed", "scenario", "start_emergency", "side_by_side", "language",
                "export_png", "map.households", "map.grid_boundaries", "map.committee_office", "map.township_office",
                "map.grid_workers", "map.open_cases", "map.emergency_footprint", "diff_title", "diff_note"):
        assert i18n.t(key, "zh") != i18n.t(key, "en") or key.startswith("lang_name"), key
    for key in SERIES_KEYS:
        assert i18n.t(f"chart.{key}", "zh") and i18n.t(f"chart.{key}", "en")
    for key in DIFFERENCE_KEYS:
        assert i18n.t(f"diff.{key}", "zh") and i18n.t(f"diff_help.{key}", "en")
    assert i18n.t("day", "zh", day=3) == "第 3 天"
    with pytest.raises(KeyError, match="no UI string"):
        i18n.t("no.such.key", "zh")
    with pytest.raises(ValueError):
        i18n.t("play", "fr")


def test_dates_in_both_languages():
    tue = dt.date(2025, 1, 28)
    assert i18n.date_text(tue, "holiday", "zh") == "2025-01-28 周二 · 法定节假日"
    assert i18n.date_text(tue, "holiday", "en") == "Tue 2025-01-28 · public holiday, rest day"
    for kind in i18n.DAY_KINDS:
        assert i18n.t(f"day_kind.{kind}", "zh") != i18n.t(f"day_kind.{kind}", "en"), kind
    assert len({i18n.t(f"day_kind.{k}", "zh") for k in i18n.DAY_KINDS}) == len(i18n.DAY_KINDS)
    assert [i18n.t(f"weekday.{i}", "zh") for i in range(7)] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    ticks = {(d, lang): i18n.date_tick(d, lang) for d in (dt.date(2026, 1, 1), dt.date(2026, 3, 1),
                                                           dt.date(2026, 3, 8)) for lang in ("zh", "en")}
    assert list(ticks.values()) == ["2026年1月", "Jan 2026", "3月", "Mar", "3月8日", "8 Mar"]


def test_day_kinds_follow_the_official_calendar():
    """2025 as the State Council announced it: 元旦 on a Wednesday; the Spring Festival from 28 January
    to 4 February, its weekend included, with Sunday 26 January and Saturday 8 February worked (调休)."""
    dates = Dates(dt.date(2025, 1, 1))
    kinds = {d: day_kind(dates, (d - dates.start).days) for d in
             (dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 1, 4), dt.date(2025, 1, 26),
              dt.date(2025, 1, 28), dt.date(2025, 2, 1), dt.date(2025, 2, 8), dt.date(2025, 2, 9))}
    assert list(kinds.values()) == ["holiday", "workday", "weekend", "makeup", "holiday", "holiday", "makeup",
                                    "weekend"]
    late = Dates(dt.date(2025, 12, 30), days=2)  # a rest-day run that crosses into a year not yet computed
    assert day_kind(late, 2) == "holiday" and day_kind(late, 0) == "workday"  # 2026-01-01; 2025-12-30


def test_the_workshop_shows_the_date_of_its_clock(small):
    """Day N is the date N days after sim.start_date, in the status, the map title, the charts' title
    and on the charts' date axes."""
    ws = Workshop(small, seed=1)
    assert ws.calendar_day() == (dt.date(2025, 1, 1), "holiday")
    ws.step(3)
    assert ws.calendar_day() == (dt.date(2025, 1, 4), "weekend") and ws.calendar_day(25) == (dt.date(2025, 1, 26),
                                                                                              "makeup")
    status = ws.status()
    assert (status["day"], status["date"], status["day_kind"]) == (3, "2025-01-04", "weekend")
    assert map_figure(ws.model("A"), "en").axes[0].get_title() == "workshop — Day 3 · 2025-01-04"
    assert map_figure(ws.model("A"), "zh", side="A").axes[0].get_title() == "workshop（方案 A）— 第 3 天 · 2025-01-04"
    charts = charts_figure(ws, "zh")
    assert charts._suptitle.get_text().endswith("第 3 天 / 共 30 天 · 2025-01-04 周六 · 周末休息")
    summer = Workshop(small.with_values({"sim.start_date": "2025-07-01", "sim.days": 180}), seed=1)
    ax = charts_figure(summer, "en").axes[0]
    ticks = list(ax.get_xticks())
    assert ticks == [0, 31, 62, 92, 123, 153]  # the first of July … December
    label = ax.xaxis.get_major_formatter()
    assert [label(x) for x in ticks] == ["Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_format_difference():
    assert format_difference("satisfaction_rate", 0.0123, "en") == "+1.2 pp"
    assert format_difference("satisfaction_rate", -0.0123, "zh") == "−1.2个百分点"
    assert format_difference("response_mean_h", -0.5, "en") == "−0.50 h"
    assert format_difference("backlog", math.nan, "zh") == i18n.t("diff_none", "zh")


def test_scenario_choices():
    choices = dict(scenario_choices())
    assert "workshop" in choices and Path(choices["workshop"]).name == "workshop.toml"
    assert "cold_wave" in choices


# ----------------------------------------------------------------- workshop
def test_same_levers_give_identical_sides(small):
    ws = Workshop(small, seed=3, side_by_side=True)
    ws.step(12)
    assert ws.day == 12 and len(ws.models) == 2
    a, b = ws.series("A"), ws.series("B")
    assert len(a["day"]) == 12 and _same(a, b)
    diffs = ws.differences()
    assert set(diffs) == set(DIFFERENCE_KEYS)
    assert all(v == 0 or math.isnan(v) for v in diffs.values())


def test_different_levers_give_different_sides(small):
    ws = Workshop(small, seed=3, side_by_side=True, levers_b={"policy.decentralisation": 1.0})
    ws.step(15)
    a, b = ws.series("A"), ws.series("B")
    assert not _same(a, b)
    assert ws.lever_values("B")["policy.decentralisation"] == 1.0
    assert ws.lever_values("A")["policy.decentralisation"] == 0.0
    # A's series is the one a single model with A's scenario gives: B does not disturb A
    solo = Workshop(small, seed=3)
    solo.step(15)
    assert _same(solo.series("A"), a)


def test_b_inherits_a_levers(small):
    ws = Workshop(small, seed=1, side_by_side=True, levers_a={"policy.app_adoption": 0.9},
                  levers_b={"policy.decentralisation": 0.5})
    assert ws.lever_values("B")["policy.app_adoption"] == 0.9
    assert ws.lever_values("B")["policy.decentralisation"] == 0.5
    assert ws.lever_values("A")["policy.decentralisation"] == 0.0


def test_set_lever_validates(small):
    ws = Workshop(small, seed=1)
    ws.step(3)
    model = ws.model("A")
    with pytest.raises(ScenarioError, match="policy.decentralisation"):
        ws.set_lever("policy.decentralisation", 1.5)
    with pytest.raises(ScenarioError, match="grid.households_per_grid"):
        ws.set_lever("grid.households_per_grid", 10)
    with pytest.raises(ScenarioError, match="burden.paperwork_hours_per_day"):
        ws.set_lever("burden.paperwork_hours_per_day", 8.0)  # not below the 8-hour shift
    with pytest.raises(ScenarioError, match="policy.no_such_lever"):
        ws.set_lever("policy.no_such_lever", 1)
    assert ws.model("A") is model and ws.day == 3 and ws.levers("A") == {}  # nothing changed


def test_set_lever_rebuilds_and_replays(small):
    ws = Workshop(small, seed=5, side_by_side=True)
    ws.step(4)
    name = ws.start_emergency()
    assert name == DEMO_EMERGENCY  # the workshop scenario defines none
    ws.step(3)
    old_a = ws.model("A")
    ws.set_lever("policy.decentralisation", 0.8, side="B")
    assert ws.model("A") is old_a, "a change for B leaves A alone"
    assert ws.day == 7 and ws.model("B").time == 7
    # B now is what a fresh workshop with that lever gives, emergency replayed on day 4
    fresh = Workshop(small, seed=5, levers_a={"policy.decentralisation": 0.8})
    fresh.step(4)
    fresh.start_emergency()
    fresh.step(3)
    assert _same(ws.series("B"), fresh.series("A"))
    # unchanged value: nothing rebuilt
    b = ws.model("B")
    ws.set_lever("policy.decentralisation", 0.8, side="B")
    assert ws.model("B") is b
    # A's lever changes both sides (B inherits it); keep_day=False restarts at day 0
    ws.set_lever("policy.app_adoption", 0.6, side="A", keep_day=False)
    assert ws.day == 0 and ws.model("A") is not old_a and ws.model("B").time == 0
    assert ws.lever_values("B")["policy.app_adoption"] == 0.6


def test_step_reset_and_side_switch(small):
    ws = Workshop(small, seed=2)
    assert ws.day == 0 and len(ws.models) == 1
    ws.step()
    ws.step(4)
    assert ws.day == 5 and len(ws.series("A")["day"]) == 5
    assert ws.differences() == {}
    ws.set_side_by_side(True)
    assert len(ws.models) == 2 and ws.model("B").time == 5
    assert _same(ws.series("A"), ws.series("B"))
    ws.step(2)
    assert ws.model("B").time == 7
    ws.reset()
    assert ws.day == 0 and all(m.time == 0 for m in ws.models)
    ws.set_side_by_side(False)
    assert len(ws.models) == 1
    with pytest.raises(ValueError):
        ws.model("B")


def test_differences_are_b_minus_a_of_the_daily_means(small):
    ws = Workshop(small, seed=6, side_by_side=True, levers_b={"burden.paperwork_hours_per_day": 0.5})
    ws.step(10)
    ws.start_emergency()
    ws.step(3)
    a, b = ws.series("A"), ws.series("B")
    d = ws.differences()
    assert d["backlog"] == pytest.approx(b["backlog"].mean() - a["backlog"].mean())
    assert d["response_mean_h"] == pytest.approx(np.nanmean(b["response_mean_h"]) - np.nanmean(a["response_mean_h"]))
    on = a["emergency_active"] > 0
    assert on.sum() == 3
    assert d["active_volunteers"] == pytest.approx(b["active_volunteers"][on].mean() - a["active_volunteers"][on].mean())
    assert d["vulnerable_reached_share"] == pytest.approx(
        np.nanmean(b["vulnerable_reached_share"]) - np.nanmean(a["vulnerable_reached_share"]))


def test_load_scenario_and_emergency_names(small):
    ws = Workshop(small, seed=1)
    assert ws.emergencies() == []
    ws.load_scenario(ROOT / "scenarios" / "cold_wave.toml")
    assert ws.emergencies() == ["cold_wave"] and ws.day == 0
    with pytest.raises(KeyError, match=f"it has: cold_wave, {DEMO_EMERGENCY}"):
        ws.start_emergency("flood_of_the_century")


def test_start_emergency_shows_in_both_sides(small):
    ws = Workshop(small, seed=4, side_by_side=True, levers_b={"emergency.preparedness": 0.9})
    ws.step(3)
    assert not ws.emergency_active("A")
    ws.start_emergency()
    ws.step(2)
    for side in "AB":
        s = ws.series(side)
        assert s["emergency_active"][:3].sum() == 0 and s["emergency_active"][3:].min() == 1, side
        assert np.isfinite(s["vulnerable_reached_share"][-1]), side
        assert ws.emergency_active(side)
        assert ws.status(side)["emergencies"] == [DEMO_EMERGENCY]
    assert np.isfinite(ws.differences()["vulnerable_reached_share"])


def test_demo_emergency_is_valid_and_partial(two_communities):
    model = GovernanceModel(two_communities, seed=1)
    d = demo_emergency(two_communities, model)
    hh = model.emergency._footprint(d)
    share = len(hh) / model.territory.n_households
    assert 0.15 <= share <= 0.3 and d.type == "cold_wave"


def test_scenario_emergency_started_by_name():
    sc = load_scenario(ROOT / "scenarios" / "cold_wave.toml", {"territory.residents": 5000, "sim.days": 60,
                                                             "sim.warmup_days": 5})
    ws = Workshop(sc, seed=1)
    ws.step(2)
    assert ws.start_emergency() == "cold_wave"
    ws.step(1)
    assert ws.series("A")["emergency_active"][-1] == 1


# ------------------------------------------------------------------ figures
def _glyph_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "missing from font" in str(w.message)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figures_draw(two_communities, lang, tmp_path):
    ws = Workshop(two_communities, seed=1, side_by_side=True, levers_b={"policy.decentralisation": 0.8})
    ws.step(3)
    ws.start_emergency()
    ws.step(2)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig = map_figure(ws.model("A"), lang, side="A")
        assert map_figure(ws.model("A"), lang, side="A") is fig  # cached: the same Figure, updated
        pngs = [figure_png(fig, lang), figure_png(charts_figure(ws, lang), lang),
                map_png(ws.model("B"), lang, side="B"), charts_png(ws, lang)]
        ws.step(1)
        pngs.append(map_png(ws.model("B"), lang, side="B"))  # a second fast frame: restored background
        path = save_png(charts_figure(ws, lang), tmp_path / "charts.png", lang)
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert path.read_bytes()[:4] == b"\x89PNG"
    if cjk_font() is not None:
        assert _glyph_warnings(record) == []


def test_map_shows_model_state(two_communities):
    from PIL import Image

    ws = Workshop(two_communities, seed=1)
    ws.step(4)
    ws.start_emergency()
    ws.step(1)
    r_fig = map_figure(ws.model("A"), "en")
    from sim.dashboard.render import map_renderer

    r = map_renderer(ws.model("A"), "en")
    assert r.fig is r_fig
    m = ws.model("A")
    n_workers = sum(len(sc.get_offsets()) for sc in r.workers.values())
    assert n_workers == len(m.workers)
    known_open = sum(1 for c in m.cases if 0 < c.status < 4)
    assert len(r.cases.get_offsets()) == known_open
    assert any(p.get_visible() for ps in r._footprints.values() for p in ps)
    assert len(r.households.get_array()) == m.territory.n_households
    img = Image.open(io.BytesIO(r.png()))
    assert img.size == (int(r.fig.get_figwidth() * r.fig.dpi), int(r.fig.get_figheight() * r.fig.dpi))


def test_png_encoder_is_lossless():
    from PIL import Image

    from sim.dashboard.render import encode_png

    rgba = np.random.default_rng(0).integers(0, 256, size=(31, 47, 4), dtype=np.uint8)
    back = np.asarray(Image.open(io.BytesIO(encode_png(rgba))).convert("RGB"))
    assert np.array_equal(back, rgba[..., :3])


def test_fast_charts_follow_side_switch(small):
    """The cached background is redrawn when what it shows changes (sides, limits, levers)."""
    from PIL import Image

    ws = Workshop(small, seed=1)
    ws.step(2)
    one = np.asarray(Image.open(io.BytesIO(charts_png(ws, "en"))))
    ws.set_side_by_side(True)
    ws.set_lever("policy.decentralisation", 1.0, side="B")
    ws.step(2)
    two = np.asarray(Image.open(io.BytesIO(charts_png(ws, "en"))))
    assert one.shape == two.shape and not np.array_equal(one, two)
    orange = np.array([0xE6, 0x55, 0x0D])  # option B's colour appears
    assert (np.abs(two[..., :3].astype(int) - orange).sum(axis=-1) < 30).sum() > 50
    assert (np.abs(one[..., :3].astype(int) - orange).sum(axis=-1) < 30).sum() == 0


# ---------------------------------------------------------------- animation
def test_frame_days():
    assert frame_days(10, 3) == [3, 6, 9, 10]
    assert frame_days(6, 2) == [2, 4, 6]
    assert frame_days(2, 5) == [2]


def test_animate_writes_gif_with_expected_frames(small, tmp_path):
    from PIL import Image

    out = tmp_path / "run.gif"
    frames = animate(small, out, days=7, seed=1, lang="zh", every=2, fps=4, emergency_day=2)
    assert frames == 4 == math.ceil(7 / 2)
    with Image.open(out) as im:
        assert im.n_frames == frames
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]  # no temporary file left behind


def test_animate_rejects_bad_output(small, tmp_path):
    with pytest.raises(AnimationError, match="gif"):
        animate(small, tmp_path / "run.avi", days=2)
    with pytest.raises(AnimationError, match="every"):
        animate(small, tmp_path / "run.gif", days=2, every=0)
    from matplotlib import animation

    if not animation.writers.is_available("ffmpeg"):
        with pytest.raises(AnimationError, match="ffmpeg"):
            animate(small, tmp_path / "run.mp4", days=2)
    assert list(tmp_path.iterdir()) == []


def test_animate_command(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="govsim")
    add_animate_parser(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "w.gif"
    args = parser.parse_args(["animate", str(WORKSHOP), "--out", str(out), "--days", "3", "--every", "3",
                              "--lang", "en", "--set", "territory.residents=1500", "--no-progress"])
    assert args.func(args) == 0 and out.exists()
    assert "1 frames" in capsys.readouterr().out
    bad = parser.parse_args(["animate", str(WORKSHOP), "--out", str(tmp_path / "x.gif"), "--days", "2",
                             "--set", "policy.decentralisation=2", "--no-progress"])
    assert bad.func(bad) == 2
    assert "policy.decentralisation" in capsys.readouterr().err


def test_charts_of_a_shorter_run_end_at_its_last_day(small, tmp_path, monkeypatch):
    """`govsim animate --days 20` on a 180-day scenario: the day axis and the title run to day 20."""
    from sim.dashboard import animate as animate_module
    from sim.dashboard.render import ChartsRenderer

    ws = Workshop(small, seed=1)
    assert ws.days_planned == 30
    charts = ChartsRenderer(ws, "en", days=5)
    ws.step(2)
    charts.update()
    assert all(ax.get_xlim() == (0, 5) for ax in charts.axes.values())
    assert charts.suptitle.get_text().endswith("Day 2 of 5 · Fri 2025-01-03 · working day")
    default = ChartsRenderer(ws, "en")  # the dashboard: the scenario's own days
    default.update()
    assert default.suptitle.get_text().endswith("Day 2 of 30 · Fri 2025-01-03 · working day")
    assert all(ax.get_xlim() == (0, 30) for ax in default.axes.values())

    made = []

    class Recording(ChartsRenderer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(animate_module, "ChartsRenderer", Recording)
    animate(small, tmp_path / "short.gif", days=3, seed=1, lang="en")
    (r,) = made
    assert r.suptitle.get_text().endswith("Day 3 of 3 · Sat 2025-01-04 · weekend, rest day")
    assert all(ax.get_xlim() == (0, 3) for ax in r.axes.values())


# ------------------------------------------- deliberation and safe communities
# deliberation_and_mediation shrunk, with more collective issues and weaker mediation above the grid,
# so that meetings, disputes at every level and petitions all occur within a few weeks.
BUSY = {"territory.residents": 3000, "territory.households_per_community": 500, "sim.days": 60,
        "sim.warmup_days": 5, "deliberation.meetings_per_month": 4.0, "collective.lift.rate_per_year": 12.0,
        "safety.success_committee": 0.3, "safety.success_township": 0.0}


@pytest.fixture(scope="module")
def busy():
    return load_scenario(ROOT / "scenarios" / "deliberation_and_mediation.toml", BUSY)


def _map_layers(ws: Workshop, days: int, side: str = "A") -> dict[str, int]:
    """Markers drawn on the map, summed over `days` steps: meetings, open disputes by level, petitions."""
    seen = dict.fromkeys(("meetings", *DISPUTE_STYLE, "petitions"), 0)
    for _ in range(days):
        ws.step(1)
        r = map_renderer(ws.model(side), "en")
        r.update()
        seen["meetings"] += len(r.meetings.get_offsets())
        for level, layer in r.disputes.items():
            seen[level] += len(layer.get_offsets())
        seen["petitions"] += len(r.petitions.get_offsets())
    return seen


def test_the_map_shows_meetings_disputes_and_petitions(busy):
    # A drawing test: it needs a run in which a dispute is still open at the township at the end of some
    # day (with the township's desk idle one is often mediated the day it arrives); seed 3 has several.
    ws = Workshop(busy, seed=3)
    seen = _map_layers(ws, 40)
    assert all(n > 0 for n in seen.values()), seen
    m = ws.model("A")
    # the layers are the submodels' public views: meetings held, disputes open, petitions filed
    assert m.deliberation.meetings >= 1 and m.safety.petitions >= 1
    held = [c for d in range(ws.day) for c in m.deliberation.meetings_on(d)]
    assert len(held) == m.deliberation.meetings  # one meeting a day at most per community here
    r = map_renderer(m, "en")
    assert sorted(r.petitions.get_offsets().tolist()) == sorted(
        m.territory.hh_xy[m.safety.petitions_since(m.events.now - 3)].tolist())
    assert png_ok(map_png(m, "zh"))


def png_ok(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


def test_the_map_legend_names_the_new_layers_in_both_languages(busy):
    ws = Workshop(busy, seed=1)
    for lang in ("zh", "en"):
        texts = [t.get_text() for t in map_figure(ws.model("A"), lang).legends[0].get_texts()]
        for key in ("map.meeting", *[k for _, k in DISPUTE_STYLE.values()]):
            assert i18n.t(key, lang) in texts, (lang, key)
        assert i18n.t("map.petition", lang, days=3) in texts


def test_mediators_change_the_disputes_the_map_shows(busy):
    """More mediators: the committee's disputes go to a desk of their own and are settled sooner, so
    the map's count of disputes at the committee level changes (with committees of one, falls)."""
    base = busy.with_values({"committee.staff": 1, "safety.mediators_per_committee": 0})  # the scenario has 1
    ws = Workshop(base, seed=1)
    without = _map_layers(ws, 40)
    ws.set_lever("safety.mediators_per_committee", 3, keep_day=False)
    assert ws.model("A").spec["safety.mediators_per_committee"] == 3 and ws.model("A").safety.desks
    with_mediators = _map_layers(ws, 40)
    assert with_mediators["committee"] < without["committee"], (without, with_mediators)


def test_the_report_lists_the_new_outcomes_in_both_languages(busy):
    for key in REPORT_KEYS:
        assert key in OUTCOME_LABELS, key
        assert label(key, "zh") != label(key, "en"), key
    ws = Workshop(busy, seed=1, side_by_side=True, levers_b={"safety.legal_adviser": True})
    ws.step(30)
    a, b = ws.report("A"), ws.report("B")
    assert list(a) == list(REPORT_KEYS) == list(b)
    assert a["deliberation.meetings"] >= 1 and a["safety.disputes"] >= 1
    assert a == report_of(ws.model("A"))
    full = summary(ws.model("A"))   # the report gives what summary.json would give now
    for key in REPORT_KEYS:
        assert full[key] == pytest.approx(a[key], nan_ok=True), key
    assert format_report_value("safety.resolution_rate.committee", 0.5, "en") == "50.0%"
    assert format_report_value("safety.petitions_per_10k", float("nan"), "zh") == "–"
    assert format_report_value("deliberation.meetings", 12.0, "zh") == "12"
    assert format_report_value("safety.found_before_harm_share", 0.962, "en") == "96.2%"


def test_bool_levers_in_the_difference_panel(busy):
    ws = Workshop(busy, seed=1, side_by_side=True, levers_b={"safety.convention": True})
    ws.step(2)
    fig = charts_figure(ws, "en")
    text = "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert f"{i18n.t('lever_short.safety.convention', 'en')}: off → on" in text


# ------------------------------------- levers that are a choice or a set of choices
FORMAT, PRIORITIES = "deliberation.meeting_format", "deliberation.priority_issues"


def test_the_format_and_priorities_are_controls(small):
    """The meeting format is a choice of its three forms, the priorities any set of the loaded
    scenario's collective issue types; both under the deliberation heading, in both languages."""
    fmt, prio = CONTROL_BY_KEY[FORMAT], CONTROL_BY_KEY[PRIORITIES]
    assert (fmt.kind, prio.kind) == ("choice", "subset") and fmt.group == prio.group == "deliberation"
    assert fmt in dict(grouped_controls())["deliberation"] and prio in dict(grouped_controls())["deliberation"]
    assert fmt.options() == fmt.options(small) == ("council", "forum", "hearing")
    assert [fmt.option_label(o, "zh") for o in fmt.options()] == ["议事会", "座谈会", "听证会"]
    assert [fmt.option_label(o, "en") for o in fmt.options()] == ["Council (议事会)", "Forum (座谈会)", "Hearing (听证会)"]
    assert prio.options() == () and prio.options(small) == tuple(c.name for c in small.collective)
    assert {"lift", "parking", "renovation"} <= set(prio.options(small))
    for name in prio.options(small):   # the default catalogue's types have names in both languages
        assert prio.option_label(name, "zh") != prio.option_label(name, "en") != name, name
    assert prio.option_label("lift", "zh") == "加装电梯" and prio.option_label("a_new_type", "zh") == "a_new_type"
    for c in (fmt, prio):
        assert c.label("zh") != c.label("en") and c.help("zh") != c.help("en") and c.short("zh") != c.short("en")
    assert (fmt.default, prio.default) == ("council", "")
    # a set's value is the scenario's comma-separated string, in the catalogue's order, without repeats
    assert prio.snap(["parking", "lift", "parking"], small) == "lift,parking" == prio.snap(" parking, lift", small)
    assert prio.snap([], small) == "" and prio.same("lift,parking", "parking, lift") and not prio.same("lift", "")
    assert prio.text("", "zh") == "无" and prio.text("lift,parking", "en") == "Lift for a walk-up (加装电梯), Parking (停车)"
    assert fmt.text("hearing", "zh") == "听证会" and fmt.snap("forum") == "forum"


def _meeting_hours(ws: Workshop, side: str) -> float:
    """Staff hours worked on deliberation meetings so far (committee staff and grid workers)."""
    m = ws.model(side)
    return m.tasks.hours_by_type[m.deliberation.kind]


def test_a_hearing_on_b_changes_b_not_a(busy):
    """Option B holds hearings (听证会), A councils: B's scenario and meetings change, each meeting
    takes deliberation.hours_factor_hearing times a council's staff hours, and A runs exactly as
    alone: a change for B leaves A's model and its draws alone."""
    ws = Workshop(busy, seed=2, side_by_side=True)
    ws.step(5)
    a_model = ws.model("A")
    ws.set_lever(FORMAT, "hearing", side="B")
    assert ws.model("A") is a_model and ws.model("B").time == 5
    assert ws.lever_values("B")[FORMAT] == "hearing" and ws.lever_values("A")[FORMAT] == "council"
    assert ws.model("B").spec[FORMAT] == "hearing" and ws.model("A").spec[FORMAT] == "council"
    assert ws.levers("B") == {FORMAT: "hearing"} and ws.levers("A") == {}
    ws.step(25)
    a, b = ws.model("A").deliberation, ws.model("B").deliberation
    assert a.meetings >= 4 and b.meetings >= 4
    assert _meeting_hours(ws, "B") > 1.3 * _meeting_hours(ws, "A") > 0
    per_meeting = {side: _meeting_hours(ws, side) / ws.model(side).deliberation.meetings for side in "AB"}
    assert per_meeting["B"] == pytest.approx(busy["deliberation.hours_factor_hearing"] * per_meeting["A"], rel=0.05)
    solo = Workshop(busy, seed=2)
    solo.step(30)
    assert _same(solo.series("A"), ws.series("A")) and solo.report("A") == pytest.approx(ws.report("A"), nan_ok=True)
    assert not _same(ws.series("A"), ws.series("B")) or ws.report("A") != ws.report("B")
    assert [c.key for c, _, _ in ws.changed_levers()] == [FORMAT]


def test_priorities_are_applied_and_an_unknown_type_is_refused(busy):
    ws = Workshop(busy, seed=1, side_by_side=True, levers_a={PRIORITIES: ["parking", "lift"]})
    assert ws.lever_values("A")[PRIORITIES] == ws.lever_values("B")[PRIORITIES] == "lift,parking"  # B inherits
    model = ws.model("A")
    kinds = [c.name for c in busy.collective]
    assert model.deliberation.priority == {kinds.index("lift"), kinds.index("parking")}
    ws.step(2)
    before = (ws.model("A"), ws.model("B"), ws.levers("A"), ws.levers("B"))
    with pytest.raises(ScenarioError, match=r"deliberation\.priority_issues.*flying_cars.*lift, parking"):
        ws.set_lever(PRIORITIES, "lift,flying_cars", side="B")
    with pytest.raises(ScenarioError, match=r"deliberation\.meeting_format.*one of 'council', 'forum', 'hearing'"):
        ws.set_lever(FORMAT, "referendum")
    with pytest.raises(ScenarioError, match=r"deliberation\.priority_issues.*a string"):
        ws.set_lever(PRIORITIES, 3)
    assert (ws.model("A"), ws.model("B"), ws.levers("A"), ws.levers("B")) == before and ws.day == 2
    ws.set_lever(PRIORITIES, [], side="B")   # none, for B only
    assert ws.model("B").deliberation.priority == set() and ws.model("A") is before[0]
    assert ws.lever_values("B")[PRIORITIES] == "" and ws.lever_options(PRIORITIES) == tuple(kinds)
    ws.set_lever(PRIORITIES, "parking,lift", side="B")   # the same set as A's: B runs as A again
    assert ws.lever_values("B")[PRIORITIES] == "lift,parking" and ws.changed_levers() == []
    assert _same(ws.series("A"), ws.series("B"))


def test_the_difference_panel_names_a_format_and_priorities_in_words(busy):
    ws = Workshop(busy, seed=1, side_by_side=True,
                  levers_b={FORMAT: "hearing", PRIORITIES: "lift,parking"})
    ws.step(2)
    for lang, fmt_line, prio_line in (
            ("en", "Format: Council (议事会) → Hearing (听证会)",
             "Priorities: none → Lift for a walk-up (加装电梯), Parking (停车)"),
            ("zh", "协商形式: 议事会 → 听证会", "协商重点: 无 → 加装电梯、停车")):
        fig = charts_figure(ws, lang)
        text = "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
        assert fmt_line in text and prio_line in text, (lang, text)
        assert png_ok(charts_png(ws, lang))   # the PNG export draws them too
