"""The workshop dashboard: a Solara page. UI only — the model side is `session.Workshop`, the
pictures come from `render`, every string from `i18n`.

Layout after Mesa's SolaraViz (app bar; a sidebar with the controls and the model parameters; the
visualisation in the main area), with its own controller because every label must exist in
Chinese and English and SolaraViz's controller is English only. Run it with

    govsim dashboard [SCENARIO] [--lang zh|en] [--host 127.0.0.1] [--port 8765]

which sets GOVSIM_SCENARIO and GOVSIM_LANG for this module and serves `Page` with `solara run`.
"""

from __future__ import annotations

import os
import threading
import time

import solara

from . import i18n
from .render import charts_png, map_png
from ..labels import label
from .session import REPORT_KEYS, LeverControl, Workshop, format_report_value, lever_group, picker_choices

DEFAULT_SCENARIO = os.environ.get("GOVSIM_SCENARIO", "scenarios/workshop.toml")
DEFAULT_LANG = os.environ.get("GOVSIM_LANG", "zh")
SPEEDS = (1, 2, 4, 8)  # simulated days per second while playing

lang = solara.reactive(DEFAULT_LANG if DEFAULT_LANG in i18n.LANGS else "zh")
playing = solara.reactive(False)
speed = solara.reactive(4)
version = solara.reactive(0)          # bumped after every change of the workshop: pictures redraw
error = solara.reactive("")
_workshop: dict[str, Workshop] = {}   # one per server process (a workshop has one trainer)
_lock = threading.Lock()              # the play loop and the buttons never step at once
_drawn = threading.Event()            # set when the pictures of the latest change are on screen


def workshop() -> Workshop:
    if "w" not in _workshop:
        _workshop["w"] = Workshop(DEFAULT_SCENARIO)
    return _workshop["w"]


def act(fn, *args, **kwargs) -> None:
    """Run a change of the workshop, report a bad value in the UI, redraw."""
    with _lock:
        try:
            fn(*args, **kwargs)
            error.value = ""
        except ValueError as exc:  # ScenarioError included: a lever value the model refuses
            error.value = str(exc)
    version.value += 1


def T(key: str, **fmt) -> str:
    return i18n.t(key, lang.value, **fmt)


@solara.component
def PlayLoop():
    """While playing, step one day and redraw, `speed` days a second (or as fast as it draws)."""
    def loop():
        while playing.value:
            if workshop().at_end:   # the scenario's last day: play stops there
                playing.set(False)
                return
            t0 = time.perf_counter()
            _drawn.clear()
            act(workshop().step)
            _drawn.wait(timeout=10)  # never step again before the last day is drawn
            time.sleep(max(0.0, 1 / speed.value - (time.perf_counter() - t0)))

    # intrusive_cancel=False: the default stops a thread by raising at its next line, which could
    # cut a model step in half (and traces every line of the loop, slowing it tenfold).
    solara.use_thread(loop, dependencies=[playing.value], intrusive_cancel=False)


@solara.component
def Controls():
    version.value  # re-render when the workshop changes
    w = workshop()
    with solara.Card(T("app_title")):
        with solara.Row():
            solara.Button(T("pause") if playing.value else T("play"), color="primary",
                          on_click=lambda: playing.set(not playing.value), classes=["govsim-play"],
                          disabled=w.at_end and not playing.value)
            solara.Button(T("step"), on_click=lambda: act(w.step), disabled=playing.value or w.at_end,
                          classes=["govsim-step"])
            solara.Button(T("reset"), on_click=lambda: (playing.set(False), act(w.reset)),
                          classes=["govsim-reset"])
        solara.Select(T("speed"), values=[f"{n} {T('speed_unit')}" for n in SPEEDS],
                      value=f"{speed.value} {T('speed_unit')}", on_value=lambda v: speed.set(int(v.split()[0])))
        with solara.Column(gap="2px"):  # the day counter, and below it the date and kind of day
            solara.Text(T("day_of", day=w.day, days=w.days_planned), classes=["govsim-day"])
            if w.at_end:
                solara.Text(T("scenario_end"), classes=["govsim-end"], style={"font-size": "0.85em", "color": "#a33"})
            solara.Text(i18n.date_text(*w.calendar_day(), lang.value), classes=["govsim-date"])
        names, current = picker_choices(w.scenario)
        solara.Select(T("scenario"), values=list(names), value=current,
                      on_value=lambda v: (playing.set(False), act(w.load_scenario, names[v])))
        solara.Button(T("start_emergency"), color="warning", on_click=lambda: act(w.start_emergency),
                      classes=["govsim-emergency"])
        solara.Switch(label=T("side_by_side"), value=w.side_by_side,
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
    with solara.Card(title):
        for group, controls in w.controls():
            solara.Text(T(f"lever_group.{group}"), classes=["govsim-lever-group"],
                        style={"font-weight": "bold", "display": "block", "margin-top": "8px"})
            for c in controls:
                lever_control(w, c, values[c.key], side)
            notes: dict[str, list[str]] = {}   # levers the scenario ignores: why, each note once
            for key, note in fixed.items():
                if lever_group(key) == group:
                    notes.setdefault(note, []).append(f"govsim-note-{key.replace('.', '-')}")
            for note, classes in notes.items():
                solara.Text(T(note), classes=["govsim-lever-note", *classes],
                            style={"font-size": "0.8em", "color": "#666", "display": "block"})


def lever_control(w: Workshop, c: LeverControl, value, side: str) -> None:
    def on_value(v, key=c.key, control=c):
        act(w.set_lever, key, control.snap(v, w.scenario), side)

    css = f"govsim-lever-{c.key.replace('.', '-')}"
    with solara.Tooltip(c.help(lang.value)):
        if c.kind == "switch":
            solara.Switch(label=c.label(lang.value), value=bool(value), on_value=on_value,
                          classes=["govsim-lever-switch", css])
        elif c.kind == "slider":
            (solara.SliderInt if c.integer else solara.SliderFloat)(
                label=c.label(lang.value), value=value, min=c.low, max=c.high, step=c.step, on_value=on_value,
                thumb_label="always")   # the value is always on show, not only while dragging
        else:
            option_control(w, c, value, side, css)


def option_control(w: Workshop, c: LeverControl, value, side: str, css: str) -> None:
    """A choice as a select, a set of choices as a multi-select, the options in words (the value
    behind each label is the option itself)."""
    options = w.lever_options(c.key)
    by_label = {c.option_label(o, lang.value): o for o in options}
    if c.kind == "choice":
        solara.Select(label=c.label(lang.value), values=list(by_label), value=c.option_label(value, lang.value),
                      on_value=lambda v: act(w.set_lever, c.key, by_label[v], side),
                      classes=["govsim-lever-choice", css])
    else:
        chosen = [c.option_label(o, lang.value) for o in c.selected(value, w.scenario)]
        solara.SelectMultiple(label=c.label(lang.value), values=chosen, all_values=list(by_label),
                              on_value=lambda vs: act(w.set_lever, c.key, [by_label[v] for v in vs], side),
                              disabled=not options, classes=["govsim-lever-subset", css])


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
    version.value
    w = workshop()
    with solara.Card(T("report_title"), classes=["govsim-report"]):
        solara.HTML(tag="div", unsafe_innerHTML=report_html(w, lang.value), classes=["govsim-report-body"])
        solara.Text(T("report_note", warmup=int(w.scenario["sim.warmup_days"])),
                    style={"font-size": "0.8em", "color": "#666"})


@solara.component
def Visuals():
    drawn_version = version.value  # redraw when the workshop changes
    solara.use_effect(_drawn.set, [drawn_version])
    w = workshop()
    with solara.Columns([1] * len(w.sides)):
        for side in w.sides:
            solara.Image(map_png(w.model(side), lang.value, side if w.side_by_side else None),
                         classes=[f"govsim-map-{side}"])
    solara.Image(charts_png(w, lang.value), classes=["govsim-charts"])
    Report()
    solara.FileDownload(lambda: charts_png(w, lang.value), filename=f"govsim-charts-day{w.day}.png",
                        label=T("export_png"))


@solara.component
def Page():
    PlayLoop()
    version.value
    with solara.AppBar():
        solara.AppBarTitle(T("app_title"))
        names = {i18n.t(f"lang_name.{code}", code): code for code in i18n.LANGS}
        solara.ToggleButtonsSingle(value=i18n.t(f"lang_name.{lang.value}", lang.value), values=list(names),
                                   on_value=lambda v: lang.set(names[v]), classes=["govsim-lang"])
    with solara.Sidebar():
        Controls()
        for side in workshop().sides:
            Levers(side)
    if error.value:
        solara.Error(error.value)
    Visuals()
