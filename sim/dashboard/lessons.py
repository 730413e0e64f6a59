"""Guided lessons for workshops: a trainer leads a room through a lesson step by step.

A lesson is a TOML file in lessons/ (format: lessons/README.md), Chinese and English in the same
file: a title and summary, then steps, each with a short text, the scenario it loads and/or the
levers it sets (dotted parameter keys, as `Workshop.set_levers` takes them), optionally B's levers
side by side, an emergency to start, the days to run, what to look at (a chart, the map, a report
row or the B − A differences) and a question for the room.

`load_lesson` validates a file completely before anything runs: every lever key and value goes
through the scenario rules (`Scenario.with_values`, without building a model), so a bad file is a
`LessonError` naming the file, the key, the value and what is allowed. `LessonRun` applies a step
to a `Workshop` and moves to the next or previous step or back to the first.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..labels import label
from ..scenario import Scenario, ScenarioError, load, shown
from . import i18n
from .session import CONTROL_BY_KEY, DEMO_EMERGENCY, REPORT_KEYS, ROOT, SERIES_KEYS, Workshop, fixed_levers

LESSONS_FOLDER = "lessons"
SCENARIOS_FOLDER = ROOT / "scenarios"

# What a step may ask the room to look at: the map, a chart, a report row, the B − A panel.
LOOK_AT = ("map", *(f"chart.{k}" for k in SERIES_KEYS), *(f"report.{k}" for k in REPORT_KEYS), "differences")

LESSON_KEYS = ("title_zh", "title_en", "summary_zh", "summary_en", "scenario", "seed", "order", "steps")
STEP_KEYS = ("text_zh", "text_en", "question_zh", "question_en", "scenario", "levers", "levers_b",
             "side_by_side", "emergency", "emergency_day", "days", "look_at")


class LessonError(ScenarioError):
    """A lesson file is invalid: says where (file, key), what (value) and what is allowed. A
    ScenarioError, so `govsim` reports it and exits with status 2."""


@dataclass(frozen=True)
class Step:
    """One step of a lesson, validated (levers as the scenario rules accept them)."""

    text: dict[str, str]
    question: dict[str, str]
    scenario: str                      # the scenario file the step loads (relative to the project folder)
    levers: dict[str, Any] = field(default_factory=dict)
    levers_b: dict[str, Any] = field(default_factory=dict)
    side_by_side: bool = False
    emergency: str = ""                # "" none; a name of the scenario's emergencies, or DEMO_EMERGENCY
    emergency_day: int = 0
    days: int = 0
    look_at: str = "map"


@dataclass(frozen=True)
class Lesson:
    """A lesson: its id (the file's stem), texts in zh and en, its seed and its steps."""

    id: str
    file: str
    title_text: dict[str, str]
    summary_text: dict[str, str]
    seed: int
    order: int
    steps: tuple[Step, ...]

    def title(self, lang: str) -> str:
        return self.title_text[_lang(lang)]

    def summary(self, lang: str) -> str:
        return self.summary_text[_lang(lang)]


def _lang(lang: str) -> str:
    if lang not in i18n.LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(i18n.LANGS)}")
    return lang


def _resolve(path: str | Path) -> Path:
    """A path as given, or relative to the project folder when it does not exist as given (so
    "lessons" and "scenarios/workshop.toml" work from any working directory)."""
    p = Path(path)
    return ROOT / p if not p.exists() and not p.is_absolute() and (ROOT / p).exists() else p


def step_text(step: Step, lang: str) -> str:
    return step.text[_lang(lang)]


def step_question(step: Step, lang: str) -> str:
    return step.question[_lang(lang)]


def look_at_label(key: str, lang: str) -> str:
    """What a step asks the room to look at, in words."""
    if key in ("map", "differences"):
        return i18n.t(f"lesson.look.{key}", lang)
    if key.startswith("chart."):
        return i18n.t(key, lang)
    return label(key.removeprefix("report."), lang)


# ------------------------------------------------------------------ loading


def load_lesson(path: str | Path) -> Lesson:
    """A lesson file, validated through and through (LessonError at the first fault)."""
    path = Path(path)
    file = str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise LessonError(file, None, None, f"cannot read the lesson file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(file, None, None, f"not valid TOML: {exc}") from None
    _only(file, "", data, LESSON_KEYS)
    titles = _texts(file, "", data, "title")
    summaries = _texts(file, "", data, "summary")
    seed = _integer(file, "seed", data.get("seed", 0), 0)
    order = _integer(file, "order", data.get("order", 100), 0)
    default = data.get("scenario")
    if default is not None:
        _scenario(file, "scenario", default)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps or not all(isinstance(s, dict) for s in raw_steps):
        raise LessonError(file, "steps", raw_steps, "a lesson needs at least one step: [[steps]] tables")
    steps = tuple(_step(file, k, s, default) for k, s in enumerate(raw_steps))
    return Lesson(path.stem, file, titles, summaries, seed, order, steps)


def _step(file: str, k: int, raw: dict, default: str | None) -> Step:
    where = f"steps[{k + 1}]."
    _only(file, where, raw, STEP_KEYS)
    text, question = _texts(file, where, raw, "text"), _texts(file, where, raw, "question")
    path = raw.get("scenario", default)
    if path is None:
        raise LessonError(file, where + "scenario", None,
                          "a path under scenarios/, in the step or at the top of the lesson")
    scenario = _scenario(file, where + "scenario" if "scenario" in raw else "scenario", path)
    levers_a = _levers(file, where + "levers", raw.get("levers", {}), scenario)
    levers_b = _levers(file, where + "levers_b", raw.get("levers_b", {}), scenario)
    spec = _checked(file, where + "levers", scenario, levers_a)
    if levers_b:
        _checked(file, where + "levers_b", scenario, {**levers_a, **levers_b})
    side_by_side = raw.get("side_by_side", bool(levers_b))
    if not isinstance(side_by_side, bool):
        raise LessonError(file, where + "side_by_side", side_by_side, "true or false")
    days = _integer(file, where + "days", raw.get("days", 0), 0, int(spec["sim.days"]),
                    "the scenario's sim.days")
    emergency, day = _emergency(file, where, raw, spec, days)
    look = raw.get("look_at", "map")
    if look not in LOOK_AT:
        raise LessonError(file, where + "look_at", look, "one of: " + ", ".join(LOOK_AT))
    return Step(text, question, path, levers_a, levers_b, side_by_side, emergency, day, days, look)


def _only(file: str, where: str, raw: Mapping, allowed: tuple[str, ...]) -> None:
    for key in raw:
        if key not in allowed:
            raise LessonError(file, where + key, raw[key], "not a lesson key; allowed: " + ", ".join(allowed))


def _texts(file: str, where: str, raw: Mapping, name: str) -> dict[str, str]:
    """`name`_zh and `name`_en: both present, both non-empty text."""
    out = {}
    for lang in i18n.LANGS:
        key = f"{name}_{lang}"
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise LessonError(file, where + key, value, f"a non-empty text: every {name} in Chinese (_zh) "
                                                        "and English (_en)")
        out[lang] = value.strip()
    return out


def _integer(file: str, key: str, value: Any, low: int, high: int | None = None, bound: str = "") -> int:
    """A whole number from `low` (to `high`, which `bound` names)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        allowed = f"a whole number from {low}" + (f" to {high} ({bound})" if high is not None else " up")
        raise LessonError(file, key, value, allowed)
    return value


def _scenario(file: str, key: str, path: Any) -> Scenario:
    """The scenario a step loads: a file under the project's scenarios/ folder, valid by its rules."""
    if not isinstance(path, str) or not path.strip():
        raise LessonError(file, key, path, "a path under scenarios/, e.g. \"scenarios/workshop.toml\"")
    resolved = _resolve(path).resolve()
    if not resolved.is_relative_to(SCENARIOS_FOLDER.resolve()) or not resolved.is_file():
        raise LessonError(file, key, path, "a scenario file under scenarios/ (e.g. \"scenarios/workshop.toml\"); "
                                           "no such file there")
    stamp = (str(resolved), resolved.stat().st_mtime_ns)
    if stamp not in _LOADED:   # lessons share a few scenarios: each is read and checked once
        try:
            _LOADED[stamp] = load(resolved)
        except ScenarioError as exc:
            raise LessonError(file, key, path, f"the scenario is invalid: {exc}") from None
    return _LOADED[stamp]


_LOADED: dict[tuple[str, int], Scenario] = {}   # (scenario file, its modification time): the scenario


def _levers(file: str, key: str, raw: Any, scenario: Scenario) -> dict[str, Any]:
    """A levers table as dotted keys ("demand.scale" = 1.5, or [steps.levers.demand] scale = 1.5);
    a set of choices given as a list becomes the comma-separated string the scenario holds."""
    if not isinstance(raw, dict):
        raise LessonError(file, key, raw, "a table of dotted parameter keys and values")
    out: dict[str, Any] = {}
    for name, value in _flatten(raw):
        control = CONTROL_BY_KEY.get(name)
        if control is not None and control.kind == "subset" and isinstance(value, list):
            value = control.snap(value, scenario)
        out[name] = value
    return out


def _flatten(raw: Mapping, prefix: str = ""):
    for name, value in raw.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def _checked(file: str, key: str, scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The scenario with the levers applied, by the scenario rules (no model is built): an unknown
    key, a value of the wrong kind or out of range is a LessonError naming the lesson's key."""
    fixed = fixed_levers(scenario)
    for name, value in values.items():
        if name in fixed:
            raise LessonError(file, f"{key}.{name}", value, i18n.t(fixed[name], "en"))
    try:
        return scenario.with_values(values, origin=file) if values else scenario
    except ScenarioError as exc:
        name = exc.key if exc.key in values else next(iter(values))
        raise LessonError(file, f"{key}.{name}", exc.value if exc.key in values else values[name],
                          exc.allowed) from None


def _emergency(file: str, where: str, raw: Mapping, spec: Scenario, days: int) -> tuple[str, int]:
    name = raw.get("emergency", "")
    names = [e.name for e in spec.emergencies]
    if name != "" and name not in (*names, DEMO_EMERGENCY):
        raise LessonError(file, where + "emergency", name,
                          "one of the scenario's emergencies or the demo cold wave: " + ", ".join([*names, DEMO_EMERGENCY]))
    if "emergency_day" in raw and not name:
        raise LessonError(file, where + "emergency_day", raw["emergency_day"], "only with an emergency to start")
    day = _integer(file, where + "emergency_day", raw.get("emergency_day", 0), 0, days, "the step's days") if name else 0
    return name, day


def list_lessons(folder: str | Path = LESSONS_FOLDER) -> list[Lesson]:
    """Every lesson file (*.toml) in `folder` (relative to the project folder if not found as given),
    validated, in their `order`, then by file name. A bad file raises LessonError."""
    root = _resolve(folder)
    if not root.is_dir():
        raise LessonError(str(folder), None, None, "no such folder of lessons")
    lessons = [load_lesson(p) for p in sorted(root.glob("*.toml"))]
    return sorted(lessons, key=lambda x: (x.order, x.id))


def check_lessons(folder: str | Path = LESSONS_FOLDER) -> list[tuple[str, str]]:
    """(file, error) for every lesson file in `folder` that is invalid ("" for a valid one)."""
    root = _resolve(folder)
    if not root.is_dir():
        raise LessonError(str(folder), None, None, "no such folder of lessons")
    out = []
    for path in sorted(root.glob("*.toml")):
        try:
            load_lesson(path)
            out.append((str(path), ""))
        except LessonError as exc:
            out.append((str(path), str(exc)))
    return out


# ------------------------------------------------------------------ running


class LessonRun:
    """A lesson being taught on a `Workshop`: `go(k)` applies step k (0-based) — loads its scenario
    at day 0 with the lesson's seed, sets A's and B's levers (exactly those the step names; every
    other lever as the scenario has it), turns side by side on or off, runs to the emergency's day
    and starts it, then runs the step's days. `next`, `previous` and `restart` (back to the first
    step) move and apply; `replay` applies the current step again. `index` is None until a step ran."""

    def __init__(self, lesson: Lesson, workshop: Workshop):
        self.lesson, self.workshop = lesson, workshop
        self.index: int | None = None

    @property
    def step(self) -> Step | None:
        return None if self.index is None else self.lesson.steps[self.index]

    @property
    def at_first(self) -> bool:
        return self.index in (None, 0)

    @property
    def at_last(self) -> bool:
        return self.index == len(self.lesson.steps) - 1

    def go(self, k: int) -> Step:
        if not 0 <= k < len(self.lesson.steps):
            raise IndexError(f"lesson {self.lesson.id} has steps 1 to {len(self.lesson.steps)}; no step {k + 1}")
        step = self.lesson.steps[k]
        apply_step(step, self.workshop, self.lesson.seed)
        self.index = k
        return step

    def next(self) -> Step:
        return self.go(0 if self.index is None else min(self.index + 1, len(self.lesson.steps) - 1))

    def previous(self) -> Step:
        return self.go(0 if self.index is None else max(self.index - 1, 0))

    def restart(self) -> Step:
        return self.go(0)

    def replay(self) -> Step:
        return self.go(self.index or 0)


def apply_step(step: Step, workshop: Workshop, seed: int) -> None:
    """Put `workshop` where `step` says: its scenario at day 0 with `seed`, exactly the step's levers,
    side by side as the step says, its emergency started on its day, `step.days` days run."""
    workshop.seed = int(seed)          # the lesson's seed: what the text says happened happens again
    workshop.set_side_by_side(False)   # B is rebuilt once, below, if the step runs it
    workshop.load_scenario(step.scenario)
    # At day 0 a lever change rebuilds only the sides it changes, and B's levers set while B is off
    # build nothing: the models are built once each.
    if step.levers:
        workshop.set_levers(step.levers, "A")
    if step.levers_b:
        workshop.set_levers(step.levers_b, "B")
    workshop.set_side_by_side(step.side_by_side)
    if step.emergency:
        workshop.step(step.emergency_day)
        workshop.start_emergency(step.emergency)
    workshop.step(step.days - workshop.day)


def lever_summary(values: Mapping[str, Any], lang: str) -> str:
    """Levers in words for the panel: "label: value" (a lever control's label, else the key)."""
    parts = []
    for key, value in values.items():
        control = CONTROL_BY_KEY.get(key)
        parts.append(f"{control.label(lang)}: {control.text(value, lang)}" if control is not None
                     else f"{key} = {shown(value)}")
    return ("；" if lang == "zh" else "; ").join(parts)


__all__ = ["LESSONS_FOLDER", "LOOK_AT", "Lesson", "LessonError", "LessonRun", "Step", "apply_step",
           "check_lessons", "lever_summary", "list_lessons", "load_lesson", "look_at_label", "step_question",
           "step_text"]
