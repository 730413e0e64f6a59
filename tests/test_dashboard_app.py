"""The dashboard page rendered headless with solara.render: the controls step the model, the
sliders change the model's parameters, switching language changes the labels."""

from __future__ import annotations

import datetime as dt

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara

from sim.dashboard import app, i18n
from sim.dashboard.session import LEVER_SLIDERS, Workshop
from tests.helpers import small


@pytest.fixture
def page(monkeypatch):
    """The page inside Solara's app layout (as `solara run` serves it), on a small workshop."""
    app._workshop.clear()
    app._workshop["w"] = Workshop(small("workshop", residents=1500, days=30))
    app.lang.set("en")
    app.playing.set(False)
    app.error.set("")

    @solara.component
    def Served():
        with solara.AppLayout():
            app.Page()

    box, rc = solara.render(Served(), handle_error=False)
    yield rc
    app.playing.set(False)
    rc.close()
    app._workshop.clear()


def button(rc, label: str):
    return rc.find(v.Btn, children=[label])


def test_step_and_reset_buttons_drive_the_model(page):
    w = app.workshop()
    assert w.day == 0
    button(page, i18n.t("step", "en")).widget.click()
    button(page, i18n.t("step", "en")).widget.click()
    assert w.day == 2
    page.find(v.Html, children=[i18n.t("day_of", "en", day=2, days=w.days_planned)]).assert_single()
    button(page, i18n.t("reset", "en")).widget.click()
    assert app.workshop().day == 0


def test_the_date_and_kind_of_day_are_shown_beside_the_day(page):
    """Day 0 is 1 January 2025 (元旦, a public holiday); two steps later it is Friday 3 January."""
    page.find(v.Html, children=[i18n.date_text(dt.date(2025, 1, 1), "holiday", "en")]).assert_single()
    button(page, i18n.t("step", "en")).widget.click()
    button(page, i18n.t("step", "en")).widget.click()
    page.find(v.Html, children=["Fri 2025-01-03 · working day"]).assert_single()
    app.lang.set("zh")
    page.find(v.Html, children=["2025-01-03 周五 · 工作日"]).assert_single()


def test_play_steps_until_paused(page):
    import time

    app.speed.set(8)
    button(page, i18n.t("play", "en")).widget.click()
    deadline = time.monotonic() + 20
    while app.workshop().day < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    button(page, i18n.t("pause", "en")).widget.click()
    reached = app.workshop().day
    assert reached >= 2
    time.sleep(0.5)
    assert app.workshop().day <= reached + 1  # at most the day in progress finishes


def test_sliders_come_from_the_parameter_table_and_change_the_model(page):
    sliders = page.find(v.Slider).widgets
    labels = [s.label for s in sliders]
    assert labels == [s.label("en") for s in LEVER_SLIDERS]
    grid = next(s for s in sliders if s.label == LEVER_SLIDERS[0].label("en"))
    spec = LEVER_SLIDERS[0]
    assert (grid.min, grid.max) == (spec.low, spec.high)
    target = spec.snap(spec.default * 2)
    grid.v_model = target
    model = app.workshop().model("A")
    assert model.spec[spec.key] == target


def test_a_refused_value_is_reported_not_raised(page):
    w = app.workshop()
    app.act(w.set_lever, "grid.households_per_grid", 10)
    assert "grid.households_per_grid" in app.error.value


def test_switching_language_changes_the_labels(page):
    assert button(page, i18n.t("step", "en")).widgets
    app.lang.set("zh")
    assert button(page, i18n.t("step", "zh")).widgets
    assert not button(page, i18n.t("step", "en")).widgets
    assert [s.label for s in page.find(v.Slider).widgets] == [s.label("zh") for s in LEVER_SLIDERS]
    assert [t.children[0] for t in page.find(v.Tooltip).widgets] == [s.help("zh") for s in LEVER_SLIDERS]


def test_side_by_side_shows_two_maps_and_two_sets_of_levers(page):
    page.find(v.Switch).widget.v_model = True
    w = app.workshop()
    assert w.side_by_side and len(w.models) == 2
    assert len(page.find(v.Slider).widgets) == 2 * len(LEVER_SLIDERS)
    images = page.find(widgets.Image).widgets
    assert len(images) == 3 and all(bytes(i.value[:4]) == b"\x89PNG" for i in images)  # map A, map B, charts


def test_emergency_button_starts_an_emergency(page):
    button(page, i18n.t("start_emergency", "en")).widget.click()
    button(page, i18n.t("step", "en")).widget.click()
    assert app.workshop().active_emergencies("A")
