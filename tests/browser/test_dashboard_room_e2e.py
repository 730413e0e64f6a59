"""The room in chromium: two participants on their own pages act independently; the trainer's page
(behind its token) sees both, pushes a setting that both pages follow, and freezes and releases the
room. Every expected label comes from sim/dashboard/i18n.py."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from sim.dashboard import i18n  # noqa: E402
from sim.scenario import load  # noqa: E402
from tests.helpers import in_loop_order  # noqa: E402
from tests.browser.test_dashboard_e2e import DAYS, FIRST_LOAD_TIMEOUT, ROOT, ROUND_TRIP, small_workshop  # noqa: E402

APP = "sim.dashboard.server"
TOKEN = "room-e2e-token"


def day_text(day: int) -> str:
    return i18n.t("day_of", "en", day=day, days=DAYS)


def open_participant(page, url: str):
    page.goto(url)
    expect(page.locator(".govsim-day")).to_have_text(day_text(0), timeout=FIRST_LOAD_TIMEOUT)
    return page


def test_two_participants_and_a_trainer(solara_server, page, more_pages, tmp_path):
    url = solara_server(APP, env={"GOVSIM_SCENARIO": str(small_workshop(tmp_path)), "GOVSIM_LANG": "en",
                                  "GOVSIM_TRAINER_TOKEN": TOKEN, "GOVSIM_MAX_SESSIONS": "5"})
    first, second = open_participant(page, url), open_participant(more_pages(), url)
    expect(first.locator(".v-app-bar").get_by_role("tab")).to_have_count(0)   # no link to the trainer's page

    # 1. each page has its own model: stepping one leaves the other at day 0
    first.locator(".govsim-step").click()
    expect(first.locator(".govsim-day")).to_have_text(day_text(1), timeout=ROUND_TRIP)
    first.locator(".govsim-step").click()
    expect(first.locator(".govsim-day")).to_have_text(day_text(2), timeout=ROUND_TRIP)
    expect(second.locator(".govsim-day")).to_have_text(day_text(0))
    first.locator(".govsim-name input").fill("Team Xihu")
    first.locator(".govsim-name input").press("Enter")

    # a slider row keeps its track in a narrow layout: the label above it, the value on the thumb
    second.set_viewport_size({"width": 1000, "height": 800})
    row = second.locator(".govsim-slider").first
    label, track = row.locator(".v-label").bounding_box(), row.locator(".v-slider-track").bounding_box()
    assert track["width"] > 150 and label["y"] + label["height"] <= track["y"], (label, track)
    expect(row.locator(".v-slider-thumb__label")).to_be_visible()
    second.set_viewport_size({"width": 1280, "height": 800})   # back to the sidebar beside the page

    # 2. the trainer's page wants the token; with it, it sees both participants
    trainer = more_pages()
    trainer.goto(url.rstrip("/") + "/trainer?token=wrong")
    expect(trainer.locator(".govsim-trainer-token")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(trainer.locator(".govsim-trainer-push")).to_have_count(0)
    trainer.goto(url.rstrip("/") + f"/trainer?token={TOKEN}")
    expect(trainer.locator(".govsim-trainer-push")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(trainer.locator(".govsim-trainer-connected")).to_have_text(
        i18n.t("trainer.connected", "en", n=2, max=5), timeout=ROUND_TRIP)
    rows = trainer.locator(".govsim-trainer-row")
    expect(rows).to_have_count(2, timeout=ROUND_TRIP)
    expect(rows.first).to_contain_text("Team Xihu", timeout=ROUND_TRIP)
    expect(rows.first.locator("[data-col=day]")).to_have_text("2")

    # 3. the trainer turns on side by side and pushes: both pages follow, back at day 0
    trainer.locator(".govsim-side-by-side input").click()
    expect(trainer.get_by_text(i18n.t("levers_side", "en", side="B"), exact=True)).to_be_visible(timeout=ROUND_TRIP)
    trainer.locator(".govsim-trainer-push").click()
    expect(trainer.locator(".govsim-trainer-notice")).to_contain_text(
        i18n.t("trainer.pushed", "en", n=2), timeout=ROUND_TRIP)
    for p in (first, second):
        expect(p.get_by_text(i18n.t("levers_side", "en", side="B"), exact=True)).to_be_visible(timeout=ROUND_TRIP)
        expect(p.locator(".govsim-day")).to_have_text(day_text(0), timeout=ROUND_TRIP)
    expect(rows).to_have_count(4, timeout=ROUND_TRIP)   # a row per participant and side

    # 4. freeze: both pages grey out and say why; release: they work again
    trainer.locator(".govsim-trainer-freeze").click()
    for p in (first, second):
        expect(p.locator(".govsim-frozen")).to_contain_text(i18n.t("room.frozen", "en"), timeout=ROUND_TRIP)
        expect(p.locator(".govsim-step")).to_be_disabled()
    trainer.locator(".govsim-trainer-release").click()
    for p in (first, second):
        expect(p.locator(".govsim-frozen")).to_have_count(0, timeout=ROUND_TRIP)
        expect(p.locator(".govsim-step")).to_be_enabled()
    second.locator(".govsim-step").click()
    expect(second.locator(".govsim-day")).to_have_text(day_text(1), timeout=ROUND_TRIP)
    expect(first.locator(".govsim-day")).to_have_text(day_text(0))
    assert re.search(r"\d", rows.first.inner_text())


def test_lesson_tracer_and_budget_game_with_two_participants(solara_server, page, more_pages, tmp_path):
    """A lesson runs step by step on one page; a click on a case on the map shows its steps in loop
    order; the trainer starts a budget game, both participants submit, and both boards show both."""
    url = solara_server(APP, env={"GOVSIM_SCENARIO": str(small_workshop(tmp_path)), "GOVSIM_LANG": "en",
                                  "GOVSIM_TRAINER_TOKEN": TOKEN})
    first, second = open_participant(page, url), open_participant(more_pages(), url)

    # 1. a lesson, step by step: its text, then the next step
    from sim.dashboard.lessons import list_lessons

    lesson = next(x for x in list_lessons() if x.id == "why_queues_build")
    first.locator(".govsim-lesson-pick [role=combobox].v-field").click()
    first.get_by_role("listbox").get_by_role("option").filter(has_text=lesson.title("en")).click()
    steps = len(lesson.steps)
    expect(first.locator(".govsim-lesson-step")).to_have_text(
        i18n.t("lesson.step_of", "en", step=1, steps=steps), timeout=FIRST_LOAD_TIMEOUT)
    days_planned = int(load(ROOT / lesson.steps[0].scenario)["sim.days"])   # the lesson loads its own scenario
    expect(first.locator(".govsim-day")).to_have_text(
        i18n.t("day_of", "en", day=lesson.steps[0].days, days=days_planned), timeout=ROUND_TRIP)
    first.locator(".govsim-lesson-next").click()
    expect(first.locator(".govsim-lesson-step")).to_have_text(
        i18n.t("lesson.step_of", "en", step=2, steps=steps), timeout=FIRST_LOAD_TIMEOUT)
    expect(second.locator(".govsim-day")).to_have_text(day_text(0))   # the other page is untouched

    # 2. the case tracer: step the second page, click an open case on its map
    for k in range(1, 6):
        second.locator(".govsim-step").click()
        expect(second.locator(".govsim-day")).to_have_text(day_text(k), timeout=ROUND_TRIP)
    case = second.locator(".govsim-map-A rect.govsim-case").first
    expect(case).to_be_attached(timeout=ROUND_TRIP)
    case.dispatch_event("click")
    shown = second.locator(".govsim-trace-step")
    expect(shown.first).to_be_visible(timeout=ROUND_TRIP)
    stages = [(shown.nth(i).get_attribute("data-stage"), shown.nth(i).get_attribute("data-round"))
              for i in range(shown.count())]
    assert in_loop_order(stages), stages
    expect(second.locator(".govsim-map-A .govsim-highlight")).to_have_count(1, timeout=ROUND_TRIP)

    # 3. the budget game: the trainer starts it, both submit, both boards list both
    trainer = more_pages()
    trainer.goto(url.rstrip("/") + f"/trainer?token={TOKEN}")
    trainer.locator(".govsim-trainer-game-start").click()
    expect(trainer.locator(".govsim-budget-board")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    for name, p in (("Team A", first), ("Team B", second)):
        p.locator(".govsim-name input").fill(name)
        p.locator(".govsim-name input").press("Enter")
        expect(trainer.locator(".govsim-room-table")).to_contain_text(name, timeout=ROUND_TRIP)   # the server has it
        p.get_by_role("tab", name=i18n.t("tab.budget", "en")).click()
        p.locator(".govsim-budget-submit").click()
        expect(p.locator(".govsim-budget-submitted")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    for p in (first, second, trainer):
        table = p.locator(".govsim-budget-table")
        expect(table).to_contain_text("Team A", timeout=ROUND_TRIP)
        expect(table).to_contain_text("Team B", timeout=ROUND_TRIP)
    trainer.locator(".govsim-trainer-reveal input").click()
    expect(first.locator(".govsim-budget-reveal")).to_be_visible(timeout=ROUND_TRIP)
