"""The case tracer panel: one case's steps through the closed loop as a timeline, drawn in the browser.

`CaseTracer(workshop, side, case_id, lang, on_close)` shows the case's steps (sim/dashboard/tracer.py)
as rows of HTML bars on one time axis — the wait before a step hatched, the step itself solid — with
who handled each step and its notes, a one-sentence summary above, and a select of the household's
other cases when it has several. The page draws the highlight on the map from `tracer.trace_path`.

Stable hooks for browser tests: the panel `.govsim-tracer`; each step `.govsim-trace-step` with
`data-stage` (a key of `tracer.STAGES`), `data-round` (0, then 1 after a reopening, ...) and
`data-current` ("true" on an open case's current step); `.govsim-trace-summary`; `.govsim-trace-pick`
(the select); `.govsim-trace-close`; `.govsim-trace-error` when the case cannot be traced.
"""

from __future__ import annotations

from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara

from . import i18n
from .tracer import (TraceError, TraceStep, actor_label, case_of, cases_of_household, hours, note_text, stage_label,
                     trace, trace_summary, when)

# One colour a stage, in loop order (the wait before a step is the same colour, hatched).
STAGE_COLOURS = {"discover": "#8e6c8a", "report": "#4e79a7", "dispatch": "#f28e2b", "handle": "#59a14f",
                 "verify": "#76b7b2", "close": "#222222", "rate": "#edc948"}
MIN_WIDTH = 0.8   # percent of the axis: an instant step stays visible


def timeline_rows(steps: list[TraceStep], now: float, lang: str) -> list[dict]:
    """Each step as a row of the timeline: its label, actor, wait, notes and where its bars go on a
    common axis from the first step's beginning to the last step's end (or `now` for a running step),
    in percent: `wait_left`, `wait_width` (the wait before it), `left`, `width` (the step itself)."""
    def begin(s):
        return (s.start if s.start is not None else now) - s.wait

    def finish(s):
        return s.end if s.end is not None else (s.start if s.start is not None and not s.current else now)

    timed = [s for s in steps if s.start is not None or s.current or s.wait]
    t0 = min((begin(s) for s in timed), default=0.0)
    t1 = max((finish(s) for s in timed), default=t0)
    span = max(t1 - t0, 1e-9)

    def pos(t: float) -> float:
        return round(100.0 * (t - t0) / span, 3)

    rows = []
    for s in steps:
        start = s.start if s.start is not None else now
        end = finish(s)
        notes = [note_text(k, f, lang) for k, f in s.notes]
        if s.outcome:
            notes.append(i18n.t(f"trace.outcome.{s.outcome}", lang, grade=s.grade))
        rows.append({"stage": s.stage, "label": stage_label(s.stage, lang), "round": s.round, "current": s.current,
                     "when": when(s.start, lang) if s.start is not None else i18n.t("trace.now", lang),
                     "actor": actor_label(s.actor, lang), "wait": hours(s.wait, lang) if s.wait else "",
                     "notes": notes, "wait_left": pos(start - s.wait), "wait_width": pos(start) - pos(start - s.wait),
                     "left": pos(start), "width": max(MIN_WIDTH, pos(end) - pos(start))})
    return rows


def _step_row(row: dict, lang: str):
    colour = STAGE_COLOURS[row["stage"]]
    hatch = f"repeating-linear-gradient(45deg,{colour}55 0 3px,transparent 3px 6px)"
    bars = [rv.Html(tag="div", class_="govsim-trace-waitbar", style_=(
                f"position:absolute;top:3px;height:10px;left:{row['wait_left']}%;width:{row['wait_width']}%;"
                f"background:{hatch}")),
            rv.Html(tag="div", class_="govsim-trace-bar", style_=(
                f"position:absolute;top:1px;height:14px;left:{min(row['left'], 100 - MIN_WIDTH)}%;"
                f"width:{row['width']}%;background:{colour};border-radius:2px"
                + (";outline:2px dashed #c00" if row["current"] else "")))]
    cells = [rv.Html(tag="span", class_="govsim-trace-stage", style_=f"font-weight:600;color:{colour}",
                     children=[row["label"]]),
             rv.Html(tag="div", class_="govsim-trace-track",
                     style_="position:relative;height:16px;background:#f3f3f3;border-radius:2px", children=bars),
             rv.Html(tag="span", class_="govsim-trace-when", children=[row["when"]]),
             rv.Html(tag="span", class_="govsim-trace-actor", children=[row["actor"]]),
             rv.Html(tag="span", class_="govsim-trace-wait", children=[row["wait"]])]
    children = [rv.Html(tag="div", style_="display:grid;grid-template-columns:3.5em 1fr 8em 11em 5em;gap:6px;"
                                           "align-items:center", children=cells)]
    if row["notes"]:
        children.append(rv.Html(tag="div", class_="govsim-trace-notes",
                                style_="margin-left:3.5em;font-size:85%;color:#555",
                                children=[("；" if lang == "zh" else " · ").join(row["notes"])]))
    return rv.Html(tag="div", class_="govsim-trace-step", children=children,
                   attributes={"data-stage": row["stage"], "data-round": str(row["round"]),
                               "data-current": "true" if row["current"] else "false"},
                   style_="padding:2px 0;border-bottom:1px solid #eee")


@solara.component
def CaseTracer(workshop, side: str, case_id: int | None, lang: str, on_close: Callable[[], None],
               on_select: Callable[[int], None] | None = None):
    """The tracer panel for case `case_id` of the workshop's model `side` ("A" or "B"), in `lang`.
    `on_close()` closes the panel; picking another of the household's cases calls `on_select(id)` (for
    the page to move the map's highlight) and shows it. The page renders it again as the model steps."""
    # The case picked from the household's select, for as long as the page shows the same `case_id`.
    choice, set_choice = solara.use_state((case_id, case_id))
    picked = choice[1] if choice[0] == case_id else case_id

    def set_picked(c: int) -> None:
        set_choice((case_id, c))

    def T(key: str, **fmt) -> str:
        return i18n.t(key, lang, **fmt)

    with solara.Card(T("trace.title"), classes=["govsim-tracer"]):
        solara.Button(T("trace.close"), on_click=on_close, text=True, classes=["govsim-trace-close"])
        if picked is None:
            solara.Text(T("trace.none"))
            return
        try:
            model = workshop.model(side)
            case = case_of(model, picked)
            steps = trace(model, picked)
            siblings = cases_of_household(model, case.household)
        except (TraceError, ValueError) as e:
            solara.Error(str(e), classes=["govsim-trace-error"])
            return
        if len(siblings) > 1:
            labels = {T("trace.case", id=c): c for c in siblings}

            def pick(label: str) -> None:
                set_picked(labels[label])
                if on_select is not None:
                    on_select(labels[label])

            solara.Select(T("trace.pick"), values=list(labels), value=T("trace.case", id=picked), on_value=pick,
                          classes=["govsim-trace-pick"])
        need = model.needs[case.need].name
        rv.Html(tag="div", class_="govsim-trace-head",
                children=[T("trace.case", id=picked) + " · " + T("trace.need", need=need)])
        rv.Html(tag="p", class_="govsim-trace-summary", children=[trace_summary(steps, lang)])
        heads = [T(f"trace.col.{k}") for k in ("stage", "when", "actor", "wait")]
        rv.Html(tag="div", class_="govsim-trace-columns",
                style_="display:grid;grid-template-columns:3.5em 1fr 8em 11em 5em;gap:6px;font-size:85%;color:#777",
                children=[heads[0], "", *heads[1:]])
        with rv.Html(tag="div", class_="govsim-trace-timeline"):
            for row in timeline_rows(steps, float(model.events.now), lang):
                _step_row(row, lang)


__all__ = ["STAGE_COLOURS", "CaseTracer", "timeline_rows"]
