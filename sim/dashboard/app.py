"""The workshop dashboard: the participant's Solara page. UI only — the model side is
`session.Workshop`, each tab's session comes from the room (`room.Room`), the map and the charts are
drawn in the browser from data (`mapview`, `charts`), every string comes from `i18n`.

Layout after Mesa's SolaraViz (app bar; a sidebar with the controls and the model parameters; the
visualisation in the main area), with its own controller because every label must exist in
Chinese and English and SolaraViz's controller is English only. The main area has two tabs: *Live*
(the lesson panel, the maps, the case tracer, the charts, the report, exports) and *Budget game*.
Run it with

    govsim dashboard [SCENARIO] [--lang zh|en] [--host 127.0.0.1] [--port 8765] [--max-sessions N]

which sets GOVSIM_SCENARIO, GOVSIM_LANG, GOVSIM_TRAINER_TOKEN (and GOVSIM_MAX_SESSIONS) for this
module and serves `server.routes` (this page at /, the trainer's at /trainer) with `solara run`.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable

import solara

from ..labels import label
from . import i18n
from .budget_view import BudgetBoard, BudgetPlayer
from .charts import Charts, charts_options, charts_title
from .lesson_view import LessonPanel, step_body
from .mapview import MapView, caption, map_dynamic, static_layer
from .render import charts_png, map_png
from .room import Participant, Room, RoomFull
from .session import REPORT_KEYS, LeverControl, Workshop, format_report_value, lever_group, picker_choices
from .summary import session_summary_html
from .tracer import case_of, cases_of_household, open_cases, trace_path, when
from .tracer_view import CaseTracer

DEFAULT_SCENARIO = os.environ.get("GOVSIM_SCENARIO", "scenarios/workshop.toml")
DEFAULT_LANG = os.environ.get("GOVSIM_LANG", "zh")
SPEEDS = (1, 2, 4, 8)  # simulated days per second while playing
LOCAL = "local"        # the one session outside a server (tests, a notebook)

# Reactive variables are per browser tab (Solara keeps one value per kernel); so is each tab's session.
lang = solara.reactive(DEFAULT_LANG if DEFAULT_LANG in i18n.LANGS else "zh")
playing = solara.reactive(False)
speed = solara.reactive(4)
version = solara.reactive(0)          # bumped after a change of the workshop other than a step: the page redraws
days_shown = solara.reactive(0)       # bumped after a step: only what moves with the clock redraws
error = solara.reactive("")
traced = solara.reactive(None)        # the case this tab follows through the loop: (side, case id), or None
trace_note = solara.reactive("")      # why a click on the map follows nothing
room = Room(DEFAULT_SCENARIO, max_sessions=int(os.environ.get("GOVSIM_MAX_SESSIONS") or 0) or None,
            token=os.environ.get("GOVSIM_TRAINER_TOKEN") or None)
if not os.environ.get("GOVSIM_TRAINER_TOKEN"):   # served without `govsim dashboard`: say where the trainer goes
    print(f"govsim dashboard: trainer page: /trainer?token={room.token}", file=sys.stderr, flush=True)
_trainers: dict[str, Participant] = {}   # a trainer page's own workshop, where it prepares a push


def session_id() -> str:
    try:
        return solara.get_kernel_id()
    except RuntimeError:
        return LOCAL


def current() -> Participant:
    """This tab's session: the trainer's own on the trainer page, a participant's otherwise."""
    sid = session_id()
    return _trainers.get(sid) or room.join(sid)


def workshop() -> Workshop:
    return current().workshop


def _forget_session_on_close():
    sid = session_id()

    def close():
        room.leave(sid)
        _trainers.pop(sid, None)
    return close


solara.lab.on_kernel_start(_forget_session_on_close)


def on_own(session: Participant, fn):
    """`fn`, a method of a workshop, bound to the session's own workshop instead (copy on write)."""
    target = getattr(fn, "__self__", None)
    if isinstance(target, Workshop) and target is not session.own and session_id() not in _trainers:
        return fn.__func__.__get__(session.own_workshop())
    return fn


def own_workshop() -> Workshop:
    """This tab's own workshop, for a change (a copy of the room's shared start if it has none yet)."""
    session = current()
    return session.workshop if session_id() in _trainers else session.own_workshop()


def waker() -> Callable[[], None]:
    """A function that makes this tab redraw, callable from any thread (the trainer's, in another tab)."""
    from solara.server import kernel_context

    context = kernel_context.get_current_context() if kernel_context.has_current_context() else None

    def wake():
        if context is None:
            version.value += 1
        else:
            with context:
                version.value += 1
    return wake


def act(fn, *args, **kwargs) -> None:
    """Run a change of this tab's workshop, report a bad value in the UI, redraw. A tab still showing
    the room's shared start gets its own copy first, and the change goes to that copy."""
    session = current()
    with session.lock:
        try:
            on_own(session, fn)(*args, **kwargs)
            error.value = ""
        except ValueError as exc:  # ScenarioError included: a lever value the model refuses
            error.value = str(exc)
    if getattr(fn, "__func__", None) is Workshop.step:
        days_shown.value += 1   # a step redraws the clock and the pictures, not the levers (a page's bulk)
    else:
        version.value += 1


def held() -> bool:
    """Is this tab's room frozen by the trainer? (A trainer's own page never is.)"""
    return room.frozen and session_id() not in _trainers


def T(key: str, **fmt) -> str:
    return i18n.t(key, lang.value, **fmt)


@solara.component
def PlayLoop():
    """While playing, step one day and redraw, `speed` days a second (or as fast as it draws)."""
    session = current()

    def loop():
        stepped = False
        while playing.value:
            if session.workshop.at_end or room.frozen:   # the last day, or the trainer froze the room
                playing.set(False)
                break
            t0 = time.perf_counter()
            advance(session)
            stepped = True
            time.sleep(max(0.0, 1 / speed.value - (time.perf_counter() - t0)))
        if stepped:   # paused or at the end: the whole page shows the day reached (tracer, highlight too)
            days_shown.value += 1

    # intrusive_cancel=False: the default stops a thread by raising at its next line, which could
    # cut a model step in half (and traces every line of the loop, slowing it tenfold).
    solara.use_thread(loop, dependencies=[playing.value], intrusive_cancel=False)


def advance(session: Participant) -> None:
    """Play's step: a day, then its pictures. The widgets that move with the clock are updated
    directly (`show_day`: a few milliseconds); a render of the page would cost 100–160 ms a step
    and visit every slider. Before the page has registered them, the page renders."""
    with session.lock:
        try:
            on_own(session, session.workshop.step)()
        except ValueError as exc:
            error.value = str(exc)
    if not show_day(session):
        session.drawn.clear()
        days_shown.value += 1
        session.drawn.wait(timeout=10)  # never step again before the day is drawn


def show_day(session: Participant) -> bool:
    """Put the day just stepped on the page's widgets: the day and date, each map's moving layer (and
    its static one after a regrid), and once a second (every `speed` days) the charts and the report.
    False when the page has not registered its widgets yet."""
    view, w, language = session.view, session.workshop, lang.value
    maps = view.get("maps")
    if not maps or "day" not in view:
        return False
    view["day"].children = [T("day_of", day=w.day, days=w.days_planned)]
    view["date"].children = [i18n.date_text(*w.calendar_day(), language)]
    for side, widget in maps.items():
        if side in w.sides:
            model = w.model(side)
            widget.layer = static_layer(w, side, language)
            widget.frame = map_dynamic(model)
            widget.caption = caption(model, language, side if w.side_by_side else None)
    if w.day % max(1, speed.value) == 0 or w.at_end:
        for widget, option in zip(view.get("charts", ()), charts_options(w, language)):
            widget.option = option
        if view.get("charts_title") is not None:
            view["charts_title"].children = [charts_title(w, language)]
        if "report" in view:
            view["report"].unsafe_innerHTML = report_html(w, language)
    return True


def register(session: Participant, **elements) -> None:
    """Remember the widgets of `elements` (after each render: a widget may be replaced) for show_day."""
    def remember():
        for name, el in elements.items():
            try:
                session.view[name] = solara.get_widget(el)
            except KeyError:   # reacton kept the widget of an earlier render: the one remembered still shows
                pass
    solara.use_effect(remember, None)


@solara.component
def Controls():
    version.value  # re-render when the workshop changes
    w = workshop()
    frozen = held()
    with solara.Card(T("app_title")):
        Clock(frozen)
        ScenarioControls(w, frozen)


@solara.component
def Clock(frozen: bool):
    """Play, step, reset, speed and the day: what changes with every step."""
    version.value, days_shown.value
    w = workshop()
    with solara.Row():
        solara.Button(T("pause") if playing.value else T("play"), color="primary",
                      on_click=lambda: playing.set(not playing.value), classes=["govsim-play"],
                      disabled=(w.at_end or frozen) and not playing.value)
        solara.Button(T("step"), on_click=lambda: act(w.step), disabled=playing.value or w.at_end or frozen,
                      classes=["govsim-step"])
        solara.Button(T("reset"), on_click=lambda: (playing.set(False), act(w.reset)),
                      classes=["govsim-reset"], disabled=frozen)
    solara.Select(T("speed"), values=[f"{n} {T('speed_unit')}" for n in SPEEDS],
                  value=f"{speed.value} {T('speed_unit')}", on_value=lambda v: speed.set(int(v.split()[0])))
    with solara.Column(gap="2px"):  # the day counter, and below it the date and kind of day
        day = solara.Text(T("day_of", day=w.day, days=w.days_planned), classes=["govsim-day"])
        date = solara.Text(i18n.date_text(*w.calendar_day(), lang.value), classes=["govsim-date"])
        if w.at_end:
            solara.Text(T("scenario_end"), classes=["govsim-end"], style={"font-size": "0.85em", "color": "#a33"})
    register(current(), day=day, date=date)


def ScenarioControls(w: Workshop, frozen: bool) -> None:
    """The scenario picker, the emergency button and the A/B switch (shared with the trainer page)."""
    names, chosen = picker_choices(w.scenario)
    solara.Select(T("scenario"), values=list(names), value=chosen, disabled=frozen,
                  on_value=lambda v: (playing.set(False), act(w.load_scenario, names[v])))
    solara.Button(T("start_emergency"), color="warning", on_click=lambda: act(w.start_emergency),
                  classes=["govsim-emergency"], disabled=frozen)
    solara.Switch(label=T("side_by_side"), value=w.side_by_side, disabled=frozen,
                  on_value=lambda on: act(w.set_side_by_side, on), classes=["govsim-side-by-side"])


@solara.component
def Levers(side: str):
    """The levers of a side under their headings (service, grids, …, safety): a slider for a number,
    a switch for a measure adopted or not, a select for a choice (the meeting format), a multi-select
    for a set of choices (the priority issue types); each with its help as a tooltip."""
    version.value
    w = workshop()
    values = w.lever_values(side)
    title = T("levers_side", side=side) if w.side_by_side else T("levers")
    fixed = w.fixed_levers()
    frozen = held()
    with solara.Card(title):
        for group, controls in w.controls():
            solara.Text(T(f"lever_group.{group}"), classes=["govsim-lever-group"],
                        style={"font-weight": "bold", "display": "block", "margin-top": "8px"})
            for c in controls:
                lever_control(w, c, values[c.key], side, frozen)
            notes: dict[str, list[str]] = {}   # levers the scenario ignores: why, each note once
            for key, note in fixed.items():
                if lever_group(key) == group:
                    notes.setdefault(note, []).append(f"govsim-note-{key.replace('.', '-')}")
            for note, classes in notes.items():
                solara.Text(T(note), classes=["govsim-lever-note", *classes],
                            style={"font-size": "0.8em", "color": "#666", "display": "block"})


def lever_control(w: Workshop, c: LeverControl, value, side: str, frozen: bool = False) -> None:
    def on_value(v, key=c.key, control=c):
        act(w.set_lever, key, control.snap(v, w.scenario), side)

    css = f"govsim-lever-{c.key.replace('.', '-')}"
    with solara.Tooltip(c.help(lang.value)):
        if c.kind == "switch":
            solara.Switch(label=c.label(lang.value), value=bool(value), on_value=on_value,
                          classes=["govsim-lever-switch", css], disabled=frozen)
        elif c.kind == "slider":
            with solara.Div(classes=["govsim-slider", css]):   # the CSS puts the label above the track
                (solara.SliderInt if c.integer else solara.SliderFloat)(
                    label=c.label(lang.value), value=value, min=c.low, max=c.high, step=c.step,
                    on_value=on_value, disabled=frozen,
                    thumb_label="always")   # the value is always on show, not only while dragging
        else:
            option_control(w, c, value, side, css, frozen)


def option_control(w: Workshop, c: LeverControl, value, side: str, css: str, frozen: bool = False) -> None:
    """A choice as a select, a set of choices as a multi-select, the options in words (the value
    behind each label is the option itself)."""
    options = w.lever_options(c.key)
    by_label = {c.option_label(o, lang.value): o for o in options}
    if c.kind == "choice":
        solara.Select(label=c.label(lang.value), values=list(by_label), value=c.option_label(value, lang.value),
                      on_value=lambda v: act(w.set_lever, c.key, by_label[v], side),
                      classes=["govsim-lever-choice", css], disabled=frozen)
    else:
        chosen = [c.option_label(o, lang.value) for o in c.selected(value, w.scenario)]
        solara.SelectMultiple(label=c.label(lang.value), values=chosen, all_values=list(by_label),
                              on_value=lambda vs: act(w.set_lever, c.key, [by_label[v] for v in vs], side),
                              disabled=frozen or not options, classes=["govsim-lever-subset", css])


def report_html(w: Workshop, language: str) -> str:
    """The report panel's table: the deliberation and safe-community outcomes, a column per side."""
    sides = w.sides
    reports = {side: w.report(side) for side in sides}
    head = "".join(f"<th style='text-align:right;padding-left:12px'>{i18n.t(f'side_{s}', language)}</th>"
                   for s in sides)
    rows = []
    for key in REPORT_KEYS:
        cells = "".join(f"<td style='text-align:right;padding-left:12px'>"
                        f"{format_report_value(key, reports[s][key], language)}</td>" for s in sides)
        rows.append(f"<tr data-key='{key}'><td>{label(key, language)}</td>{cells}</tr>")
    return (f"<table class='govsim-report-table'><tr><th style='text-align:left'>{i18n.t('report_outcome', language)}"
            f"</th>{head}</tr>{''.join(rows)}</table>")


@solara.component
def Report():
    """Deliberation (议事协商) and safe communities (平安建设) so far: both sides when side by side."""
    version.value, days_shown.value
    w = workshop()
    with solara.Card(T("report_title"), classes=["govsim-report"]):
        body = solara.HTML(tag="div", unsafe_innerHTML=report_html(w, lang.value), classes=["govsim-report-body"])
        solara.Text(T("report_note", warmup=int(w.scenario["sim.warmup_days"])),
                    style={"font-size": "0.8em", "color": "#666"})
    register(current(), report=body)


@solara.component
def Visuals():
    drawn_version = (version.value, days_shown.value)  # redraw when the workshop changes or steps
    session = current()
    solara.use_effect(session.drawn.set, [drawn_version])
    w = session.workshop
    maps = {}
    with solara.Columns([1] * len(w.sides)):
        for side in w.sides:   # drawn in the browser from data (mapview.vue); a click follows a case
            maps[side] = MapView(w, side, lang.value, drawn_version, highlight=highlight_of(w, side),
                                 on_pick=lambda picked, side=side: pick(w, side, picked))
    if trace_note.value:
        solara.Info(trace_note.value, classes=["govsim-trace-note"])
    Tracer(w)
    # While playing, the charts follow once a second (every `speed` days) and the map every day: a
    # step's charts cost about as much as its map and model together, and grow with the day.
    charts = Charts(w, lang.value, ("playing", w.day // speed.value) if playing.value else ("still", drawn_version))

    def remember():   # for show_day: each side's map widget, and the five chart widgets in order
        try:
            session.view["maps"] = {side: solara.get_widget(el) for side, el in maps.items()}
            session.view["charts"], session.view["charts_title"] = echarts_in(solara.get_widget(charts))
        except KeyError:   # reacton kept the widgets of an earlier render: those remembered still show
            pass
    solara.use_effect(remember, None)
    Report()
    Exports(session)


def pick(w: Workshop, side: str, picked: dict) -> None:
    """A click on the map: follow the case clicked, or the clicked household's latest open case (else
    its latest case); a household without any case says so."""
    model = w.model(side)
    trace_note.set("")
    if picked.get("kind") == "case":
        traced.set((side, int(picked["id"])))
        return
    found = cases_of_household(model, int(picked["id"]))
    if not found:
        traced.set(None)
        trace_note.set(T("trace.no_cases", id=picked["id"]))
        return
    open_now = [c for c in found if c in set(open_cases(model, limit=len(model.cases)))]
    traced.set((side, (open_now or found)[-1]))


def echarts_in(widget) -> tuple[list, object | None]:
    """The chart widgets under `widget` in page order, and the charts' title line."""
    from solara.components.echarts import EchartsWidget

    found, title, todo = [], None, [widget]
    while todo:
        node = todo.pop(0)
        if isinstance(node, EchartsWidget):
            found.append(node)
        elif title is None and "govsim-charts-title" in (getattr(node, "class_", None) or ""):
            title = node
        todo[:0] = [c for c in getattr(node, "children", None) or [] if hasattr(c, "keys")]
    return found, title


def highlight_of(w: Workshop, side: str) -> dict | None:
    """The followed case on its side's map: a ring at its household and the path it took."""
    if traced.value is None or traced.value[0] != side or side not in w.sides:
        return None
    model, case_id = w.model(side), traced.value[1]
    try:
        path = trace_path(model, case_id)
        household = case_of(model, case_id).household
    except ValueError:   # the case is gone (a lever changed, a reset): nothing to ring
        return None
    return {"kind": "case", "id": case_id, "household": household, "path": [[p["x"], p["y"]] for p in path]}


@solara.component
def Tracer(w: Workshop):
    """Follow one case through the loop: picked on the map, or from the cases open longest."""
    version.value, days_shown.value   # the case moves on as the model steps
    if traced.value is None:
        model = w.model("A")
        ids = open_cases(model)
        choices = {f"{T('trace.case', id=i)} · {T('trace.open_since', when=when(case_of(model, i).t_arise, lang.value))}": i
                   for i in ids}
        solara.Select(T("trace.pick_open"), values=list(choices), value=None,
                      on_value=lambda v: traced.set(("A", choices[v])), classes=["govsim-trace-open"])
    else:
        side, case_id = traced.value
        side = side if side in w.sides else "A"
        CaseTracer(w, side, case_id, lang.value, on_close=lambda: traced.set(None),
                   on_select=lambda c: traced.set((side, c)))


def Exports(session: Participant) -> None:
    """PNG of the charts and of each map, and the session's one-page summary to hand out."""
    w = session.workshop
    with solara.Row(classes=["govsim-exports"]):
        solara.FileDownload(lambda: charts_png(w, lang.value), filename=f"govsim-charts-day{w.day}.png",
                            label=T("export_png"))
        for side in w.sides:
            solara.FileDownload(lambda side=side: map_png(w.model(side), lang.value, side if w.side_by_side else None),
                                filename=f"govsim-map-{side}-day{w.day}.png",
                                label=T("export_map_png") + (f" {side}" if w.side_by_side else ""))
        solara.FileDownload(lambda: session_summary_html(session, lang.value).encode("utf-8"),
                            filename=f"govsim-summary-day{w.day}.html", label=T("summary.download"),
                            mime_type="text/html")


# Slider rows keep their track in a narrow sidebar: the label goes above the track, on its own line.
CSS = """
.govsim-slider .v-input.v-slider { display: flex; flex-direction: column; align-items: stretch; }
.govsim-slider .v-input__prepend { margin: 0 0 30px 0; }
.govsim-slider .v-slider__label { white-space: normal; overflow: visible; }
.govsim-slider .v-input__control { width: 100%; }
"""


@solara.component
def Page():
    """A participant's page: this tab's own session in the room (or a message when the room is full)."""
    try:
        session = current()
    except RoomFull:
        solara.Error(T("room.full", n=room.max_sessions), classes=["govsim-room-full"])
    else:
        ParticipantPage(session)


@solara.component
def ParticipantPage(session: Participant):
    solara.use_effect(lambda: _watch(session), [])
    PlayLoop()
    version.value
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(T("app_title"))
        LanguageToggle()
    with solara.Sidebar():
        if held():
            solara.Info(T("room.frozen"), classes=["govsim-frozen"])
        solara.InputText(T("room.your_name"), value=session.name, continuous_update=False,
                         on_value=lambda name: setattr(session, "name", name.strip()[:40]),
                         classes=["govsim-name"])
        Controls()
        for side in workshop().sides:
            Levers(side)
    if error.value:
        solara.Error(error.value)
    tab = solara.use_reactive(0)
    with solara.lab.Tabs(value=tab, lazy=True):   # lazy: only the tab on show renders
        with solara.lab.Tab(T("tab.live"), classes=["govsim-tab-live"]):
            Lesson()
            Visuals()
        with solara.lab.Tab(T("tab.budget"), classes=["govsim-tab-budget"]):
            BudgetTab(session)


@solara.component
def Lesson():
    """A guided lesson (lessons/*.toml): each step sets the scenario and levers, says what to look at
    and asks the room a question."""
    version.value
    if room.lesson is not None:   # the step the trainer is teaching the room
        lesson, index = room.lesson
        with solara.Card(T("room.lesson", title=lesson.title(lang.value)), classes=["govsim-room-lesson"]):
            step_body(lesson, index, lang.value)
    LessonPanel(own_workshop, lang.value, on_change=lambda: None, guard=guarded)


def guarded(change: Callable[[], None]) -> None:
    """Run a change the lesson panel makes as the page's own: play stops, the session's lock is held,
    the pictures redraw; a refused value propagates to the panel, which shows it."""
    playing.set(False)
    if held():
        raise ValueError(T("room.frozen"))
    traced.set(None)
    try:
        with current().lock:
            change()   # the lesson panel changes own_workshop(): a copy, if the tab shared the room's start
    finally:
        version.value += 1


@solara.component
def BudgetTab(session: Participant):
    """The budget game the trainer started: this participant's choice, and the room's board."""
    version.value   # the room redraws every page when anyone submits
    game = room.game
    if game is None:
        solara.Info(T("room.no_game"), classes=["govsim-budget-none"])
        return
    with solara.Columns([1, 1]):
        BudgetPlayer(game, session.label(lang.value), lang.value, on_submitted=lambda entry: room.game_changed())
        BudgetBoard(game, lang.value, revealed=room.game_revealed, version=game.version)


def _watch(session: Participant):
    """Let the room redraw this tab (the trainer pushed, froze or released); stop on close."""
    session.wake = waker()

    def unwatch():
        session.wake = None
    return unwatch


@solara.component
def LanguageToggle():
    names = {i18n.t(f"lang_name.{code}", code): code for code in i18n.LANGS}
    solara.ToggleButtonsSingle(value=i18n.t(f"lang_name.{lang.value}", lang.value), values=list(names),
                               on_value=lambda v: lang.set(names[v]), classes=["govsim-lang"])
