"""The dashboard page rendered headless with solara.render: the controls step the model, the
sliders change the model's parameters, switching language changes the labels."""

from __future__ import annotations

import datetime as dt

import ipyvuetify as v
import pytest
import solara

from sim.dashboard import app, i18n
from sim.dashboard.session import LEVER_GROUPS, LEVER_SLIDERS, REPORT_KEYS, Workshop, grouped_sliders
from sim.labels import label
from tests.helpers import small

# The levers in the order the side panel lists them (by heading), numbers as sliders, true / false as
# switches, a choice as a select and a set of choices as a multi-select (both v.Select widgets).
LISTED = [s for _, group in grouped_sliders() for s in group]
SLIDERS = [s for s in LISTED if s.kind == "slider"]
SWITCHES = [s for s in LISTED if s.boolean]
SELECTS = [s for s in LISTED if s.kind in ("choice", "subset")]


@pytest.fixture
def page(monkeypatch):
    """The page inside Solara's app layout (as `solara run` serves it), on a small workshop."""
    app.room.leave(app.session_id())
    app.room.adopt(app.session_id(), Workshop(small("workshop", residents=1500, days=30)))
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
    app.room.leave(app.session_id())


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


def test_play_stops_at_the_scenarios_last_day(page):
    """A 30-day scenario plays to day 30 and stops there: play ends by itself, step and play are
    disabled, a note says to reset; reset starts again at day 0."""
    import time

    w = app.workshop()
    w.step(27)
    app.speed.set(8)
    button(page, i18n.t("play", "en")).widget.click()
    deadline = time.monotonic() + 20
    while app.playing.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not app.playing.value and w.day == w.days_planned == 30
    time.sleep(0.3)
    assert w.day == 30
    assert button(page, i18n.t("step", "en")).widget.disabled
    assert button(page, i18n.t("play", "en")).widget.disabled
    page.find(v.Html, children=[i18n.t("scenario_end", "en")]).assert_single()
    assert w.step(5) == 0 and w.day == 30
    button(page, i18n.t("reset", "en")).widget.click()
    assert app.workshop().day == 0 and not button(page, i18n.t("step", "en")).widget.disabled


def lever_selects(rc, lang: str = "en"):
    labels = {s.label(lang) for s in SELECTS}
    return [w for w in rc.find(v.Select).widgets if w.label in labels]


def lever_switches(rc, lang: str = "en"):
    labels = {s.label(lang) for s in SWITCHES}
    return [w for w in rc.find(v.Switch).widgets if w.label in labels]


def test_sliders_come_from_the_parameter_table_and_change_the_model(page):
    sliders = page.find(v.Slider).widgets
    labels = [s.label for s in sliders]
    assert labels == [s.label("en") for s in SLIDERS]
    assert all(s.thumb_label == "always" for s in sliders)   # each shows its value, not only while dragged
    assert [w.label for w in lever_switches(page)] == [s.label("en") for s in SWITCHES]
    assert len(SLIDERS) + len(SWITCHES) + len(SELECTS) == len(LEVER_SLIDERS)
    grid = next(s for s in sliders if s.label == SLIDERS[0].label("en"))
    spec = SLIDERS[0]
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
    assert [s.label for s in page.find(v.Slider).widgets] == [s.label("zh") for s in SLIDERS]
    assert [w.label for w in lever_switches(page, "zh")] == [s.label("zh") for s in SWITCHES]
    assert [t.children[0] for t in page.find(v.Tooltip).widgets] == [s.help("zh") for s in LISTED]
    for group in LEVER_GROUPS:
        page.find(v.Html, children=[i18n.t(f"lever_group.{group}", "zh")]).assert_single()


def side_by_side_switch(rc):
    return rc.find(v.Switch, label=i18n.t("side_by_side", app.lang.value)).widget


def test_side_by_side_shows_two_maps_and_two_sets_of_levers(page):
    side_by_side_switch(page).v_model = True
    w = app.workshop()
    assert w.side_by_side and len(w.models) == 2
    assert len(page.find(v.Slider).widgets) == 2 * len(SLIDERS)
    assert len(lever_switches(page)) == 2 * len(SWITCHES)
    assert len(lever_selects(page)) == 2 * len(SELECTS)
    import ipyvue

    maps = [m for m in page.find(ipyvue.VueTemplate).widgets if "frame" in m.keys]   # drawn in the browser
    assert sorted(m.side for m in maps) == ["A", "B"]
    assert maps[0].layer == maps[1].layer               # one territory: the same static layer
    from solara.components.echarts import EchartsWidget

    charts = page.find(EchartsWidget).widgets
    assert len(charts) == 5 and all(len(c.option["series"]) >= 2 for c in charts)   # A and B in each
    assert all("saveAsImage" in c.option["toolbox"]["feature"] for c in charts)     # each exports a PNG


def test_emergency_button_starts_an_emergency(page):
    button(page, i18n.t("start_emergency", "en")).widget.click()
    button(page, i18n.t("step", "en")).widget.click()
    assert app.workshop().active_emergencies("A")


def test_levers_are_listed_under_headings_in_both_languages(page):
    for group in LEVER_GROUPS:
        page.find(v.Html, children=[i18n.t(f"lever_group.{group}", "en")]).assert_single()
    assert [g for g, _ in grouped_sliders()] == list(LEVER_GROUPS)


def test_a_safety_switch_changes_the_model(page):
    adviser = next(w for w in lever_switches(page) if w.label == i18n.t("lever.safety.legal_adviser", "en"))
    assert adviser.v_model is False
    adviser.v_model = True
    assert app.workshop().model("A").spec["safety.legal_adviser"] is True
    assert app.workshop().lever_values("A")["safety.legal_adviser"] is True
    mediators = next(w for w in page.find(v.Slider).widgets
                     if w.label == i18n.t("lever.safety.mediators_per_committee", "en"))
    assert (mediators.min, mediators.max, mediators.v_model) == (0, 5, 0)
    mediators.v_model = 2
    model = app.workshop().model("A")
    assert model.spec["safety.mediators_per_committee"] == 2
    assert sum(len(d.servers) for d in model.safety.desks) == 2 * len(model.committees)


def report_text(rc) -> str:
    from solara.widgets import HTML

    return "".join(h.unsafe_innerHTML for h in rc.find(HTML).widgets if "govsim-report-table" in h.unsafe_innerHTML)


def test_the_report_lists_the_new_outcomes_in_both_languages_and_both_sides(page):
    for _ in range(3):
        button(page, i18n.t("step", "en")).widget.click()
    text = report_text(page)
    assert all(label(key, "en") in text for key in REPORT_KEYS)
    assert i18n.t("side_A", "en") in text and i18n.t("side_B", "en") not in text
    side_by_side_switch(page).v_model = True
    app.lang.set("zh")
    text = report_text(page)
    assert all(label(key, "zh") in text for key in REPORT_KEYS)
    assert i18n.t("side_A", "zh") in text and i18n.t("side_B", "zh") in text
    assert page.find(v.CardTitle, children=[i18n.t("report_title", "zh")]).widgets


FORMAT, PRIORITIES = "deliberation.meeting_format", "deliberation.priority_issues"


def lever_select(rc, key: str, lang: str = "en", side: int = 0):
    """The select (or multi-select) of a lever: the first side's, or the second's (`side=1`)."""
    name = i18n.t(f"lever.{key}", lang)
    return [w for w in rc.find(v.Select).widgets if w.label == name][side]


def test_the_format_and_priority_selects_render_in_both_languages_and_reach_the_workshop(page):
    w = app.workshop()
    kinds = [c.name for c in w.scenario.collective]
    for lang in ("en", "zh"):
        app.lang.set(lang)
        fmt, prio = lever_select(page, FORMAT, lang), lever_select(page, PRIORITIES, lang)
        assert fmt.items == [i18n.option_label(FORMAT, o, lang) for o in ("council", "forum", "hearing")]
        assert fmt.v_model == i18n.option_label(FORMAT, "council", lang) and not fmt.multiple
        assert prio.items == [i18n.option_label(PRIORITIES, k, lang) for k in kinds] and prio.multiple
        assert prio.v_model == [] and not prio.disabled
    assert lever_select(page, FORMAT, "zh").items == ["议事会", "座谈会", "听证会"]
    assert "加装电梯" in lever_select(page, PRIORITIES, "zh").items
    lever_select(page, FORMAT, "zh").v_model = "听证会"
    assert w.model("A").spec[FORMAT] == "hearing" and app.error.value == ""
    lever_select(page, PRIORITIES, "zh").v_model = ["停车", "加装电梯"]
    assert w.model("A").spec[PRIORITIES] == "lift,parking" and w.lever_values("A")[PRIORITIES] == "lift,parking"
    app.lang.set("en")   # the chosen values, now in English
    assert lever_select(page, FORMAT).v_model == "Hearing (听证会)"
    assert lever_select(page, PRIORITIES).v_model == ["Lift for a walk-up (加装电梯)", "Parking (停车)"]


def test_side_b_chooses_its_own_format(page):
    side_by_side_switch(page).v_model = True
    w = app.workshop()
    assert len(lever_selects(page)) == 2 * len(SELECTS)
    lever_select(page, FORMAT, side=1).v_model = "Forum (座谈会)"
    assert w.model("B").spec[FORMAT] == "forum" and w.model("A").spec[FORMAT] == "council"
    assert lever_select(page, FORMAT, side=0).v_model == "Council (议事会)"
    assert lever_select(page, FORMAT, side=1).v_model == "Forum (座谈会)"
    lever_select(page, PRIORITIES, side=1).v_model = ["Parking (停车)"]
    assert w.levers("B") == {FORMAT: "forum", PRIORITIES: "parking"} and w.levers("A") == {}


def test_a_case_open_longest_can_be_followed_through_the_loop(page):
    """The page lists the cases open longest; picking one shows its steps in loop order, and Close
    goes back to the list."""
    w = app.workshop()
    w.step(12)
    app.version.value += 1
    pick = next(s for s in page.find(v.Select).widgets if s.label == i18n.t("trace.pick_open", "en"))
    assert pick.items, "after 12 days some cases are open"
    first = pick.items[0]
    pick.v_model = first
    assert app.traced.value is not None and app.traced.value[0] == "A"
    steps = page.find(v.Html, class_="govsim-trace-step").widgets
    from tests.helpers import in_loop_order

    stages = [(s.attributes["data-stage"], s.attributes["data-round"]) for s in steps]
    assert in_loop_order(stages), stages
    button(page, i18n.t("trace.close", "en")).widget.click()
    assert app.traced.value is None
    app.traced.set(None)


def test_a_click_on_the_map_follows_a_case_and_rings_it(page):
    """Clicking a case on the map opens the tracer on it and the map draws its path; clicking a
    household follows its latest open case; a household without cases says so."""
    import ipyvue

    w = app.workshop()
    w.step(12)
    app.version.value += 1
    model = w.model("A")
    case = model.cases[0]
    the_map = next(m for m in page.find(ipyvue.VueTemplate).widgets if "frame" in m.keys)
    the_map._handle_event(None, {"event": "pick", "data": {"kind": "case", "id": case.id}}, [])
    assert app.traced.value == ("A", case.id)
    ringed = next(m for m in page.find(ipyvue.VueTemplate).widgets if "frame" in m.keys).highlight
    assert ringed["id"] == case.id and ringed["household"] == case.household and len(ringed["path"]) >= 1
    assert page.find(v.Html, class_="govsim-trace-step").widgets
    from sim.dashboard.tracer import cases_of_household

    the_map._handle_event(None, {"event": "pick", "data": {"kind": "household", "id": int(case.household)}}, [])
    assert app.traced.value[1] in cases_of_household(model, int(case.household))
    without = next(h for h in range(model.territory.n_households) if not cases_of_household(model, h))
    the_map._handle_event(None, {"event": "pick", "data": {"kind": "household", "id": without}}, [])
    assert app.traced.value is None and app.trace_note.value == i18n.t("trace.no_cases", "en", id=without)
    app.trace_note.set("")


def test_a_lesson_runs_step_by_step_on_the_page(page):
    """Picking a lesson applies its first step to this tab's workshop; Next applies the second."""
    from sim.dashboard.lessons import list_lessons

    lesson = next(x for x in list_lessons() if x.id == "why_queues_build")
    pick = next(s for s in page.find(v.Select).widgets if s.label == i18n.t("lesson.pick", "en"))
    pick.v_model = lesson.title("en")
    w = app.workshop()
    first = lesson.steps[0]
    assert w.day == first.days and w.seed == lesson.seed
    page.find(v.Html, children=[i18n.t("lesson.step_of", "en", step=1, steps=len(lesson.steps))]).assert_single()
    button(page, i18n.t("lesson.next", "en")).widget.click()
    second = lesson.steps[1]
    side = "B" if second.levers_b else "A"
    assert all(w.model(side).spec[k] == val for k, val in (second.levers_b or second.levers).items())
    page.find(v.Html, children=[i18n.t("lesson.step_of", "en", step=2, steps=len(lesson.steps))]).assert_single()


def test_while_playing_the_charts_follow_once_a_second_and_the_map_every_day(page):
    """At 8 days a second the charts are sent about once every 8 days (their series are the larger
    part of a step), the map's frame every day; paused, the charts show the day reached."""
    import time

    import ipyvue
    from solara.components.echarts import EchartsWidget

    chart = page.find(EchartsWidget).widgets[0]
    the_map = next(m for m in page.find(ipyvue.VueTemplate).widgets if "frame" in m.keys)
    sent = {"charts": 0, "map": 0}
    chart.observe(lambda change: sent.__setitem__("charts", sent["charts"] + 1), names=["option"])
    the_map.observe(lambda change: sent.__setitem__("map", sent["map"] + 1), names=["frame"])
    app.speed.set(8)
    button(page, i18n.t("play", "en")).widget.click()
    deadline = time.monotonic() + 30
    while app.workshop().day < 17 and time.monotonic() < deadline:
        time.sleep(0.02)
    button(page, i18n.t("pause", "en")).widget.click()
    time.sleep(0.5)
    days = app.workshop().day
    assert days >= 17 and sent["map"] >= days - 1
    assert 2 <= sent["charts"] <= days // 8 + 3, sent
    chart = page.find(EchartsWidget).widgets[0]
    assert len(chart.option["dataset"]["source"]) >= days   # paused: every day so far is on the chart


def test_play_updates_the_moving_widgets_directly_without_rendering_the_page(page):
    """A step while playing puts the day on the page's widgets directly (a page render visits every
    slider and costs 100-160 ms); the charts and report follow every `speed` days."""
    from solara.components.echarts import EchartsWidget

    session = app.current()
    w = session.workshop
    rendered = app.days_shown.value, app.version.value
    app.speed.set(4)
    chart = page.find(EchartsWidget).widgets[0]
    before = chart.option
    for _ in range(3):
        app.advance(session)
    assert (app.days_shown.value, app.version.value) == rendered          # no page render was asked for
    page.find(v.Html, children=[i18n.t("day_of", "en", day=3, days=w.days_planned)]).assert_single()
    assert session.view["maps"]["A"].frame["day"] == 3 == w.day
    assert chart.option == before                                         # charts: not yet (every 4 days)
    app.advance(session)
    assert chart.option != before and len(chart.option["dataset"]["source"]) >= 4
    assert str(w.day) in session.view["charts_title"].children[0]
