"""The guided-lesson panel: a Solara component the page places beside the controls.

`LessonPanel(workshop, lang, on_change)` lists the lessons (lessons/), and for the chosen one shows
the current step's text, what to look at and the question for the room, with buttons to go to the
previous or next step or back to the first. Each button applies the step to `workshop`
(`lessons.LessonRun`) and then calls `on_change()`, so the page redraws its map and charts. CSS
classes `govsim-lesson-*` name the parts for browser tests. It holds no module-level state: the
chosen lesson and step live in the component's own state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import solara

from . import i18n
from .lessons import LESSONS_FOLDER, Lesson, LessonError, LessonRun, lever_summary, list_lessons, look_at_label, step_question, step_text
from .session import Workshop


@solara.component
def LessonPanel(workshop: Workshop | Callable[[], Workshop], lang: str, on_change: Callable[[], None] | None = None,
                folder: str | Path = LESSONS_FOLDER, on_look_at: Callable[[str], None] | None = None,
                guard: Callable[[Callable[[], None]], None] | None = None,
                on_step: Callable[[Lesson, int], None] | None = None):
    """A lesson picker and the chosen lesson's current step, with previous / next / restart.
    `on_look_at(key)`, if given, receives the step's "what to look at" key (`lessons.LOOK_AT`: "map",
    "chart.backlog", "report.safety.petitions", "differences") after each step, for the page to
    emphasise that part. `guard(change)`, if given, runs each change of the workshop in its place
    (the page stops playing and holds its lock there, so a step never meets a play loop's step).
    `on_step(lesson, k)`, if given, is called after step k was applied (the trainer's page teaches
    the room that step)."""
    lessons, problem = solara.use_memo(lambda: _lessons_in(folder), [str(folder)])
    chosen, set_chosen = solara.use_state("")     # the lesson's id; "" none
    index, set_index = solara.use_state(-1)       # the step shown (0-based); -1 before the first
    error, set_error = solara.use_state("")
    by_title = {x.title(lang): x for x in lessons}
    lesson = next((x for x in lessons if x.id == chosen), None)

    def go(target: Lesson, k: int) -> None:
        def change() -> None:   # `workshop` may be a function: the workshop is looked up when it changes
            LessonRun(target, workshop() if callable(workshop) else workshop).go(k)

        try:
            change() if guard is None else guard(change)
            set_error("")
        except ValueError as exc:   # a step the workshop refuses (ScenarioError included)
            set_error(str(exc))
            return
        set_chosen(target.id)
        set_index(k)
        if on_look_at is not None:
            on_look_at(target.steps[k].look_at)
        if on_step is not None:
            on_step(target, k)
        if on_change is not None:
            on_change()

    def pick(title: str) -> None:
        if title in by_title:
            go(by_title[title], 0)

    with solara.Card(i18n.t("lesson.title", lang), classes=["govsim-lesson"]):
        if problem:   # a bad lesson file: say which and why, rather than break the page
            solara.Error(problem, classes=["govsim-lesson-error"])
        solara.Select(i18n.t("lesson.pick", lang), values=list(by_title),
                      value=lesson.title(lang) if lesson is not None else None, on_value=pick,
                      classes=["govsim-lesson-pick"])
        if error:
            solara.Error(error, classes=["govsim-lesson-error"])
        if lesson is None or index < 0:
            solara.Text(i18n.t("lesson.none", lang), classes=["govsim-lesson-none"])
            return
        step_body(lesson, index, lang)
        with solara.Row():
            solara.Button(i18n.t("lesson.previous", lang), on_click=lambda: go(lesson, index - 1),
                          disabled=index == 0, classes=["govsim-lesson-previous"])
            solara.Button(i18n.t("lesson.next", lang), on_click=lambda: go(lesson, index + 1), color="primary",
                          disabled=index == len(lesson.steps) - 1, classes=["govsim-lesson-next"])
            solara.Button(i18n.t("lesson.restart", lang), on_click=lambda: go(lesson, 0),
                          classes=["govsim-lesson-restart"])


def _lessons_in(folder: str | Path) -> tuple[list[Lesson], str]:
    """The lessons in `folder`, or none and the error (file, key, value, what is allowed)."""
    try:
        return list_lessons(folder), ""
    except LessonError as exc:
        return [], str(exc)


def step_body(lesson: Lesson, index: int, lang: str) -> None:   # also the room's lesson on every page
    """The summary, the step counter, the step's text, what it set, what to look at, the question."""
    step = lesson.steps[index]
    small = {"font-size": "0.85em", "color": "#555", "display": "block"}
    solara.Text(lesson.summary(lang), classes=["govsim-lesson-summary"], style=small)
    solara.Text(i18n.t("lesson.step_of", lang, step=index + 1, steps=len(lesson.steps)),
                classes=["govsim-lesson-step"], style={"font-weight": "bold", "display": "block"})
    solara.Text(step_text(step, lang), classes=["govsim-lesson-text"], style={"display": "block"})
    if step.levers:
        solara.Text(i18n.t("lesson.levers", lang, levers=lever_summary(step.levers, lang)),
                    classes=["govsim-lesson-levers"], style=small)
    if step.levers_b:
        solara.Text(i18n.t("lesson.levers_b", lang, levers=lever_summary(step.levers_b, lang)),
                    classes=["govsim-lesson-levers-b"], style=small)
    if step.emergency:
        solara.Text(i18n.t("lesson.emergency", lang, day=step.emergency_day,
                           name=i18n.emergency_label(step.emergency, lang)),
                    classes=["govsim-lesson-emergency"], style=small)
    solara.Text(i18n.t("lesson.look_at", lang, what=look_at_label(step.look_at, lang)),
                classes=["govsim-lesson-look", f"govsim-lesson-look-{step.look_at.replace('.', '-')}"],
                style={"display": "block", "color": "#1565c0"})
    solara.Text(i18n.t("lesson.question", lang, question=step_question(step, lang)),
                classes=["govsim-lesson-question"], style={"display": "block", "font-style": "italic"})


__all__ = ["LessonPanel"]
