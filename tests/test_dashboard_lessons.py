"""Guided lessons (lessons/*.toml, sim/dashboard/lessons.py, lesson_view.py): every shipped lesson
validates and applies exactly what it names; the directional effects the lesson texts claim hold
in the model with the lessons' seed and days; bad files are clear errors; the CLI end to end; the
panel renders and steps."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import replace
import sys
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pytest
import solara

from sim.dashboard import i18n
from sim.dashboard.lesson_view import LessonPanel
from sim.dashboard.lessons import (LOOK_AT, LessonError, LessonRun, apply_step, list_lessons, load_lesson,
                                   look_at_label, step_question, step_text)
from sim.dashboard.session import ROOT, Workshop
from tests.helpers import small

LESSONS = {lesson.id: lesson for lesson in list_lessons()}
REQUIRED = ("how_a_case_travels", "why_queues_build", "smaller_grids", "decentralisation", "cold_wave",
            "paying_volunteers")


BIG = ("decentralisation", "paying_volunteers")   # 50,000 residents: checked without running (below)


@pytest.fixture(scope="module")
def workshop():
    return Workshop("scenarios/workshop.toml")


@pytest.fixture(scope="module")
def ran(workshop):
    """Each step of each workshop-scale lesson applied once through a LessonRun, in order: what the
    workshop held afterwards (levers, scenario, models' values, series, differences)."""
    out = {}
    for lesson in LESSONS.values():
        if lesson.id in BIG:
            continue
        run = LessonRun(lesson, workshop)
        for k, step in enumerate(lesson.steps):
            run.go(k)
            out[lesson.id, k] = {
                "day": workshop.day, "scenario": Path(workshop.scenario.files[0]).resolve(),
                "levers": (workshop.levers("A"), workshop.levers("B")), "side_by_side": workshop.side_by_side,
                "seed": workshop.seed, "spec": {s: dict(workshop.model(s).spec.values) for s in workshop.sides},
                "series": {s: {k2: v2.copy() for k2, v2 in workshop.series(s).items()} for s in workshop.sides},
                "differences": workshop.differences()}
    return out


def test_the_six_lessons_ship_and_validate():
    assert set(REQUIRED) <= set(LESSONS)
    for lesson in LESSONS.values():
        assert len(lesson.steps) >= 2, lesson.id
        for lang in i18n.LANGS:
            assert lesson.title(lang) and lesson.summary(lang)
            for step in lesson.steps:
                assert step_text(step, lang) and step_question(step, lang)
                assert step.look_at in LOOK_AT and look_at_label(step.look_at, lang)


def test_each_step_sets_exactly_the_levers_it_names(ran):
    """Applied through a LessonRun, each step leaves the workshop on its scenario, at its days, with
    exactly its A and B levers (nothing left over from the step before) and B on as it says."""
    for (lesson_id, k), got in ran.items():
        lesson, step = LESSONS[lesson_id], LESSONS[lesson_id].steps[k]
        assert got["scenario"] == (ROOT / step.scenario).resolve() and got["day"] == step.days
        assert got["levers"] == (step.levers, step.levers_b)
        assert got["side_by_side"] == step.side_by_side and got["seed"] == lesson.seed
        assert set(got["spec"]) == ({"A", "B"} if step.side_by_side else {"A"})
        for side, values in got["spec"].items():
            own = step.levers if side == "A" else {**step.levers, **step.levers_b}
            assert all(values[key] == value for key, value in own.items())
            base = _loaded((ROOT / step.scenario).resolve()).values
            assert {key for key in values if values[key] != base[key]} <= set(own)


@functools.cache
def _loaded(path):
    from sim.scenario import load

    return load(path)


def test_the_large_lessons_set_their_levers_too(monkeypatch):
    """The two lessons on the 50,000-resident baseline: each step's scenario, levers, side and seed
    land on the workshop as for the others; the models are not built here (building is the same
    code, run above) so that the test stays fast."""
    built = []
    monkeypatch.setattr(Workshop, "_rebuild", lambda self, sides, to_day: built.extend(sides))
    monkeypatch.setattr(Workshop, "day", property(lambda self: 0))
    monkeypatch.setattr(Workshop, "step", lambda self, days=1: 0)
    w = Workshop("scenarios/workshop.toml")
    for lesson_id in BIG:
        lesson = LESSONS[lesson_id]
        for step in lesson.steps:
            apply_step(step, w, lesson.seed)
            assert Path(w.scenario.files[0]).resolve() == (ROOT / step.scenario).resolve()
            assert (w.levers("A"), w.levers("B"), w.side_by_side) == (step.levers, step.levers_b, step.side_by_side)
            for side in w.sides:
                own = step.levers if side == "A" else {**step.levers, **step.levers_b}
                assert all(w._specs[side][key] == value for key, value in own.items())
    assert "B" in built


def test_next_previous_restart_move_between_steps(workshop):
    lesson = LESSONS["smaller_grids"]
    short = replace(lesson, steps=tuple(replace(s, days=3) for s in lesson.steps))
    run = LessonRun(short, workshop)
    assert run.index is None and run.at_first
    run.next()
    assert run.index == 0 and workshop.levers("B") == lesson.steps[0].levers_b
    first = {side: workshop.series(side)["backlog"].copy() for side in workshop.sides}
    run.next()
    assert run.index == 1 and workshop.levers("B") == {"grid.households_per_grid": 800}
    run.previous()
    assert run.index == 0 and workshop.levers("B") == {"grid.households_per_grid": 200}
    run.go(2)
    assert run.at_last and run.next().levers_b == {"grid.part_time_workers": 2}
    workshop.step(5)   # the trainer plays on; replay puts the step back where it starts
    run.replay()
    assert workshop.day == 3
    run.restart()
    assert run.index == 0   # the lesson's seed: the same step shows the same run every time
    assert all(np.array_equal(workshop.series(side)["backlog"], first[side]) for side in workshop.sides)
    with pytest.raises(IndexError, match="no step 9"):
        run.go(8)


# ------------------------------------------------------------ honest checks


def _differences(lesson_id: str, k: int, ran) -> dict[str, float]:
    return ran[lesson_id, k]["differences"]


def test_why_queues_build_as_the_lesson_says(ran):
    """More demand: longer response, more backlog, lower satisfaction; twice the demand adds more than
    twice what 1.5 times adds (waiting grows faster than load); fewer staff: longer response."""
    half = _differences("why_queues_build", 0, ran)
    assert half["response_mean_h"] > 5 and half["backlog"] > 10 and half["satisfaction_rate"] < 0
    double = _differences("why_queues_build", 1, ran)
    assert double["response_mean_h"] > 2 * half["response_mean_h"]
    assert double["backlog"] > 2 * half["backlog"]
    fewer = _differences("why_queues_build", 2, ran)
    assert fewer["response_mean_h"] > half["response_mean_h"] and fewer["backlog"] > 10
    assert fewer["satisfaction_rate"] < half["satisfaction_rate"]


def test_smaller_grids_as_the_lesson_says(ran):
    """Halved grids: faster response and higher latent satisfaction, ratings within a point; doubled
    grids: slower response, lower latent satisfaction, backlog within a case; part-timers: faster."""
    small = _differences("smaller_grids", 0, ran)
    assert small["response_mean_h"] < -2 and small["latent_satisfaction"] > 0.01
    assert abs(small["satisfaction_rate"]) < 0.01
    large = _differences("smaller_grids", 1, ran)
    assert large["response_mean_h"] > 1 and large["latent_satisfaction"] < -0.01 and abs(large["backlog"]) < 1
    part_time = _differences("smaller_grids", 2, ran)
    assert part_time["response_mean_h"] < -2


def test_a_cold_wave_as_the_lesson_says(ran):
    """The switch reaches vulnerable households on day 40 (all by day 41); the routine backlog
    doubles and falls after; switching fewer staff reaches fewer on day 40 but keeps the backlog
    lower; better preparedness reaches them all on day 40."""
    s = ran["cold_wave", 1]["series"]["A"]
    assert 0 < s["vulnerable_reached_share"][40] < 1 and s["vulnerable_reached_share"][41] == 1
    before, during = s["backlog"][38:41].mean(), s["backlog"][45:54].mean()
    assert during > 2 * before and s["backlog"][55] < s["backlog"][45:54].max()
    a, b = ran["cold_wave", 2]["series"]["A"], ran["cold_wave", 2]["series"]["B"]
    assert b["vulnerable_reached_share"][40] < a["vulnerable_reached_share"][40]
    assert b["backlog"][40:56].mean() < a["backlog"][40:56].mean() - 10
    assert ran["cold_wave", 2]["differences"]["satisfaction_rate"] > 0
    a, b = ran["cold_wave", 3]["series"]["A"], ran["cold_wave", 3]["series"]["B"]
    assert b["vulnerable_reached_share"][40] == 1 > a["vulnerable_reached_share"][40]


def test_how_a_case_travels_as_the_lesson_says(ran):
    """Misrouting lowers satisfaction with first response about unchanged; slow verification keeps more
    cases open."""
    misroute = _differences("how_a_case_travels", 2, ran)
    assert misroute["satisfaction_rate"] < -0.02 and abs(misroute["response_mean_h"]) < 1
    verify = _differences("how_a_case_travels", 3, ran)
    assert verify["backlog"] > 0


def test_the_large_lessons_key_claims(workshop):
    """On the 50,000-resident scenarios, the claims the two large lessons turn on: with staff tight,
    decentralisation without staff following leaves more open cases and slower response; points
    bring more volunteers, and fewer where they crowd out motivation."""
    unfunded = _run_differences("decentralisation", 2, workshop)
    assert unfunded["backlog"] > 10 and unfunded["response_mean_h"] > 0 and unfunded["satisfaction_rate"] < 0
    assert _run_differences("paying_volunteers", 0, workshop)["active_volunteers"] > 20
    assert _run_differences("paying_volunteers", 2, workshop)["active_volunteers"] < -20


def _run_differences(lesson_id: str, k: int, workshop) -> dict[str, float]:
    LessonRun(LESSONS[lesson_id], workshop).go(k)
    return workshop.differences()


# ------------------------------------------------------------- bad files

GOOD = """title_zh = "课"
title_en = "Lesson"
summary_zh = "概要"
summary_en = "Summary"
scenario = "scenarios/workshop.toml"

[[steps]]
text_zh = "文"
text_en = "Text"
question_zh = "问"
question_en = "Question"
days = 3
"""


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path):
    lesson = load_lesson(_write(tmp_path, GOOD + 'levers = { "demand.scale" = 1.5 }\n'))
    assert lesson.steps[0].levers == {"demand.scale": 1.5} and lesson.steps[0].days == 3


@pytest.mark.parametrize("extra, key, words", [
    ('levers = { "grid.no_such_lever" = 3 }\n', "steps[1].levers.grid.no_such_lever", "unknown parameter"),
    ('levers = { "grid.households_per_grid" = 10 }\n', "steps[1].levers.grid.households_per_grid", "[50, 1000000]"),
    ('levers_b = { "policy.decentralisation" = "lots" }\n', "steps[1].levers_b.policy.decentralisation", "a number in [0, 1]"),
    ('levers = { "deliberation.meeting_format" = "party" }\n', "steps[1].levers.deliberation.meeting_format",
     "one of 'council', 'forum', 'hearing'"),
    ('scenario = "scenarios/nowhere.toml"\n', "steps[1].scenario", "under scenarios/"),
    ('scenario = "README.md"\n', "steps[1].scenario", "under scenarios/"),
    ('look_at = "chart.nothing"\n', "steps[1].look_at", "chart.backlog"),
    ('emergency = "flood"\n', "steps[1].emergency", "demo_cold_wave"),
    ('emergency = "demo_cold_wave"\nemergency_day = 9\n', "steps[1].emergency_day", "step's days"),
    ('colour = "red"\n', "steps[1].colour", "not a lesson key"),
])
def test_a_bad_step_is_a_clear_error(tmp_path, extra, key, words):
    path = _write(tmp_path, GOOD + extra)
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    message = str(info.value)
    assert str(path) in message and f"'{key}'" in message and words in message


@pytest.mark.parametrize("missing", ["title_en", "summary_zh", "text_zh", "question_en"])
def test_missing_language_text_is_a_clear_error(tmp_path, missing):
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith(missing))
    with pytest.raises(LessonError, match=rf"{missing}' = None: a non-empty text.*Chinese \(_zh\) and English"):
        load_lesson(_write(tmp_path, text))


def test_days_beyond_the_scenario_are_a_clear_error(tmp_path):
    with pytest.raises(LessonError, match=r"'steps\[1\]\.days' = 999: a whole number from 0 to 180 \(the scenario's sim.days\)"):
        load_lesson(_write(tmp_path, GOOD.replace("days = 3", "days = 999")))


def test_no_steps_and_bad_toml_are_clear_errors(tmp_path):
    with pytest.raises(LessonError, match="at least one step"):
        load_lesson(_write(tmp_path, GOOD.split("[[steps]]")[0]))
    with pytest.raises(LessonError, match="not valid TOML"):
        load_lesson(_write(tmp_path, "title_zh = \n"))


# ------------------------------------------------------------------- CLI


def _govsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_cli_checks_and_lists_the_lessons(tmp_path):
    ok = _govsim("lessons", "check")
    assert ok.returncode == 0, ok.stderr
    assert f"{len(LESSONS)} of {len(LESSONS)} lesson files valid" in ok.stdout
    listed = _govsim("lessons", "list", "--lang", "en")
    assert listed.returncode == 0 and "why_queues_build\t3 steps\tWhy queues build" in listed.stdout
    _write(tmp_path, GOOD, "good.toml")
    _write(tmp_path, GOOD + 'levers = { "demand.scale" = -1 }\n')
    bad = _govsim("lessons", "check", str(tmp_path))
    assert bad.returncode == 2
    assert "1 of 2 lesson files valid" in bad.stdout and "steps[1].levers.demand.scale" in bad.stderr
    assert _govsim("lessons", "check", str(tmp_path / "none")).returncode == 2


# ------------------------------------------------------------- the panel


def _short_lessons(tmp_path: Path) -> Path:
    """The smaller-grids lesson with 3-day steps, in a folder of its own, so the panel test is fast."""
    text = (ROOT / "lessons" / "smaller_grids.toml").read_text(encoding="utf-8").replace("days = 90", "days = 3")
    folder = tmp_path / "lessons"
    folder.mkdir()
    _write(folder, text, "smaller_grids.toml")
    return folder


def test_the_panel_renders_and_steps(tmp_path):
    """Choosing a lesson applies its first step and calls on_change; next / previous / restart move;
    switching language changes the texts."""
    w = Workshop("scenarios/workshop.toml")
    folder = _short_lessons(tmp_path)
    changes, looks, guarded_days = [], [], []
    lang = solara.reactive("en")

    def guarded(change):   # as the page would: hold the lock, note the day after the change
        change()
        guarded_days.append(w.day)

    @solara.component
    def Shown():
        LessonPanel(w, lang.value, on_change=lambda: changes.append(w.day), folder=folder, on_look_at=looks.append,
                    guard=guarded)

    box, rc = solara.render(Shown(), handle_error=False)
    try:
        lesson = LESSONS["smaller_grids"]
        rc.find(v.Html, children=[i18n.t("lesson.none", "en")]).assert_single()
        rc.find(v.Select).widget.v_model = lesson.title("en")
        assert changes == [3] and looks == ["chart.response_mean_h"]
        assert w.levers("B") == {"grid.households_per_grid": 200} and w.side_by_side
        rc.find(v.Html, children=[step_text(lesson.steps[0], "en")]).assert_single()
        rc.find(v.Btn, children=[i18n.t("lesson.next", "en")]).widget.click()
        assert w.levers("B") == {"grid.households_per_grid": 800} and len(changes) == 2
        rc.find(v.Html, children=[i18n.t("lesson.step_of", "en", step=2, steps=3)]).assert_single()
        rc.find(v.Btn, children=[i18n.t("lesson.previous", "en")]).widget.click()
        assert w.levers("B") == {"grid.households_per_grid": 200}
        rc.find(v.Btn, children=[i18n.t("lesson.next", "en")]).widget.click()
        rc.find(v.Btn, children=[i18n.t("lesson.restart", "en")]).widget.click()
        assert w.levers("B") == {"grid.households_per_grid": 200} and len(changes) == 5
        assert guarded_days == changes   # every change ran inside the page's guard
        lang.set("zh")
        rc.find(v.Html, children=[step_text(lesson.steps[0], "zh")]).assert_single()
        rc.find(v.Btn, children=[i18n.t("lesson.next", "zh")]).assert_single()
        assert rc.find(v.Btn, children=[i18n.t("lesson.previous", "zh")]).widget.disabled
        classes = " ".join(x.class_ or "" for x in [*rc.find(v.Html).widgets, *rc.find(v.Btn).widgets])
        for part in ("step", "text", "look", "question", "levers-b", "previous", "next", "restart"):
            assert f"govsim-lesson-{part}" in classes.split(), part
        assert np.isfinite(w.series("A")["backlog"]).all()
    finally:
        rc.close()


def test_the_panel_names_a_bad_lesson_file(tmp_path):
    _write(tmp_path, GOOD + 'levers = { "demand.scale" = -1 }\n')
    box, rc = solara.render(LessonPanel(Workshop(small("workshop", residents=500, days=5)), "en", folder=tmp_path),
                            handle_error=False)
    try:
        errors = [w for w in rc.find(v.Alert).widgets if "steps[1].levers.demand.scale" in str(w.children)]
        assert errors and str(tmp_path / "bad.toml") in str(errors[0].children)
    finally:
        rc.close()
