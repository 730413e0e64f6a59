"""The dashboard with grids that adjust (动态调整, ODD 7.39): the re-partitioning rule as levers, the
merge threshold kept below half the split one, and the map, charts and recorded animation through
splits and merges (no browser)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.dashboard import i18n
from sim.dashboard.animate import animate
from sim.dashboard.app import report_html
from sim.dashboard.render import _union_outline, charts_png, charts_renderer, map_png, map_renderer
from sim.dashboard.session import (CONTROL_BY_KEY, REGRID_LEVERS, Workshop, grouped_controls, lever_group,
                                   regrid_days, regrid_status)
from sim.scenario import ScenarioError
from sim.submodels.regrid import NewGridWorker
from tests.helpers import small

REVIEW, SPLIT, MERGE = REGRID_LEVERS
SEEDS = (1, 2)


@pytest.fixture(scope="module")
def growing():
    """The growing district (estates filling from day 30, a block demolished from day 90), grids as
    built, shrunk to about 8,600 households in 10 grids."""
    return small("growing_district", residents=10_000, days=120)


@pytest.fixture(scope="module")
def workshop_small():
    return small("workshop", residents=1_500, days=30)


def test_the_rule_is_three_sliders_under_the_grids_heading():
    expected = {REVIEW: (0, 360, 15, True), SPLIT: (1.0, 3.0, 0.1, False), MERGE: (0.0, 1.0, 0.05, False)}
    for key, (low, high, step, integer) in expected.items():
        c = CONTROL_BY_KEY[key]
        assert (c.kind, c.low, c.high, c.step, c.integer) == ("slider", low, high, step, integer), key
        assert lever_group(key) == c.group == "grids"
        assert c.label("zh") != c.label("en") and c.short("zh") and c.short("en") and c.help("zh") and c.help("en")
    grids = dict(grouped_controls())["grids"]
    assert [c.key for c in grids if c.key in REGRID_LEVERS] == list(REGRID_LEVERS)


def _first_split_day(ws: Workshop, days: int) -> int | None:
    for _ in range(days):
        ws.step(1)
        if ws.model("A").regrid.splits:
            return ws.day
    return None


def test_the_review_lever_splits_the_swelling_grids_of_the_growing_district(growing):
    """Off (the scenario's 0), an estate's grid swells past the split threshold and nothing happens;
    with a review every 15 days the first split comes at a review day and hires a grid worker."""
    for seed in SEEDS:
        off = Workshop(growing, seed=seed)
        assert off.lever_values()[REVIEW] == 0 and _first_split_day(off, 75) is None, seed
        m = off.model("A")
        threshold = m.spec.values["grids.split_above"] * m.spec.values["grid.households_per_grid"]
        assert m.regrid.counts().max() > threshold and off.status()["regrid"] is None
        on = Workshop(growing, seed=seed)
        on.set_lever(REVIEW, 15)
        grids, workers = len(on.model("A").grid_desks), len(on.model("A").workers)
        day = _first_split_day(on, 75)
        assert day is not None and day % 15 == 0, (seed, day)
        m = on.model("A")
        assert len(m.grid_desks) > grids and len(m.workers) > workers
        status = on.status()["regrid"]
        assert status == regrid_status(m) and status["splits"] >= 1 and status["grids"] == len(m.grid_desks)
        # the daily column: the split is made as day `day` begins, so that day's row is the first with it
        assert len(on.series()["grids_active"]) == day and set(on.series()["grids_active"]) == {grids}
        on.step(1)
        assert on.series()["grids_active"][-1] == status["grids"]
        assert off.series()["grids_active"][-1] == grids   # households change: recorded without reviews too


def test_the_merge_threshold_is_lowered_to_fit_not_refused(workshop_small):
    """The scenario rules refuse merge_below ≥ split_above / 2 where grids are reviewed; the dashboard
    lowers the merge slider to its highest position below that instead of failing."""
    ws = Workshop(workshop_small, seed=1)
    assert "grids_active" not in ws.series()   # neither changes nor reviews: no regrid columns
    ws.set_levers({SPLIT: 1.0})           # not reviewed: any pair is allowed
    assert ws.lever_values()[MERGE] == 0.5
    ws.set_lever(REVIEW, 30)
    assert ws.lever_values()[MERGE] == 0.45
    ws.set_lever(MERGE, 0.9)
    assert ws.lever_values()[MERGE] == 0.45
    ws.set_lever(SPLIT, 2.0)
    ws.set_lever(MERGE, 0.9)
    assert ws.lever_values()[MERGE] == 0.9
    ws.set_lever(SPLIT, 1.1)
    assert ws.lever_values()[MERGE] == 0.5 and ws.lever_values()[SPLIT] == 1.1
    ws.set_side_by_side(True)               # B's own split threshold: only B's merge threshold moves
    ws.set_lever(SPLIT, 1.0, side="B")
    assert ws.lever_values("B")[MERGE] == 0.45 and ws.lever_values("A")[MERGE] == 0.5
    with pytest.raises(ScenarioError, match="merge_below"):   # the rules themselves still refuse the pair
        Workshop(workshop_small, seed=1, levers_a={REVIEW: 30, SPLIT: 1.0, MERGE: 0.5})


def test_a_merged_grids_outline_is_its_area_not_its_pieces():
    two = np.array([[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 2.0, 1.0]])
    segs = _union_outline(two)
    assert sum(np.hypot(*(s[1] - s[0])) for s in segs) == pytest.approx(6.0)   # a 2 × 1 rectangle
    assert not any(np.allclose(s[:, 0], 1.0) for s in segs)                   # no line between the pieces
    ell = np.array([[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 2.0, 2.0]])
    assert sum(np.hypot(*(s[1] - s[0])) for s in _union_outline(ell)) == pytest.approx(8.0)


def _drawn_workers(r) -> np.ndarray:
    return np.vstack([sc.get_offsets() for sc in r.workers.values()])


def test_the_map_and_charts_follow_splits_and_merges(growing):
    """Stepping and drawing through the reviews: the map draws the active grids (a new one's edges,
    not a merged-away one's), the new grid workers, not the households not there; both languages."""
    ws = Workshop(growing, seed=1, levers_a={REVIEW: 15})
    m = ws.model("A")
    first = len(m.grid_desks)
    for _ in range(8):
        ws.step(15)
        for lang in ("zh", "en"):
            assert map_png(m, lang).startswith(b"\x89PNG") and charts_png(ws, lang).startswith(b"\x89PNG")
        assert "<table" in report_html(ws, "zh")   # the report panel too
    r, g = m.regrid, map_renderer(m, "en")
    assert r.splits >= 1 and r.merges >= 1 and not all(r.active)
    segs = [np.round(s, 9) for s in g.grid_lines.get_segments()]
    edges = {tuple(map(tuple, s)) for s in segs} | {tuple(map(tuple, s[::-1])) for s in segs}
    for k in range(first, len(r.tiles)):   # every new grid's outline is drawn (unless merged away since)
        if r.active[k]:
            assert all(tuple(map(tuple, np.round(s, 9))) in edges for s in _union_outline(r.tiles[k]))
    assert len(segs) == sum(len(_union_outline(t)) for t, on in zip(r.tiles, r.active) if on)
    drawn = {tuple(p) for p in _drawn_workers(g)}
    hired = [w for w in m.workers if isinstance(w, NewGridWorker)]
    assert hired and all((w.x, w.y) in drawn for w in hired)
    assert len(_drawn_workers(g)) == sum(1 for w in m.workers if r.active[w.grid] or w.case is not None
                                         or w.em_desk is not None)
    shown = np.isfinite(np.asarray(g.households.get_array(), dtype=float))
    assert np.array_equal(shown, r.present)
    charts = charts_renderer(ws, "en")   # a dotted line in each panel on each day grids were split or merged
    days = regrid_days(m)
    changed = (np.flatnonzero(np.diff(ws.series()["grids_active"])) + 1).tolist()
    assert set(changed) <= set(days) and len(days) >= 2 and all(d % 15 == 0 for d in days)
    assert len(charts._marks) == len(days) * len(charts.axes)
    assert sorted({ln.get_xdata()[0] for ln in charts._marks}) == days
    assert i18n.t("chart.regrid", "en") in [t.get_text() for t in charts.info.get_legend().get_texts()]
    status = g.status.get_text()
    assert i18n.t("map.regrid_status", "en", splits=r.splits, merges=r.merges, grids=sum(r.active),
                  low=int(r.counts()[r.active].min()), high=int(r.counts()[r.active].max())) in status


def test_a_map_without_reviews_keeps_its_grids_and_says_nothing_of_them(growing):
    ws = Workshop(growing, seed=1)
    ws.step(40)
    g = map_renderer(ws.model("A"), "zh")
    map_png(ws.model("A"), "zh")
    assert len(g.grid_lines.get_segments()) == 4 * len(ws.model("A").grid_desks)
    assert "网格动态调整" not in g.status.get_text()
    charts_png(ws, "zh")
    charts = charts_renderer(ws, "zh")
    assert not charts._marks
    assert i18n.t("chart.regrid", "zh") not in [t.get_text() for t in charts.info.get_legend().get_texts()]


def test_an_animation_of_grids_that_adjust_records(growing, tmp_path):
    from PIL import Image

    out = tmp_path / "regrid.gif"
    frames = animate(growing, out, days=75, seed=1, lang="en", every=25, fps=4, levers={REVIEW: 15})
    assert frames == 3 == math.ceil(75 / 25)
    with Image.open(out) as im:
        assert im.n_frames == frames
