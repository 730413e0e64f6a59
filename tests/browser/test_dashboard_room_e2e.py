"""The room in chromium: two participants on their own pages act independently; the trainer's page
(behind its token) sees both, pushes a setting that both pages follow, and freezes and releases the
room. Every expected label comes from sim/dashboard/i18n.py."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from sim.dashboard import i18n  # noqa: E402
from tests.browser.test_dashboard_e2e import DAYS, FIRST_LOAD_TIMEOUT, ROUND_TRIP, small_workshop  # noqa: E402

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

    # 1. each page has its own model: stepping one leaves the other at day 0
    first.locator(".govsim-step").click()
    expect(first.locator(".govsim-day")).to_have_text(day_text(1), timeout=ROUND_TRIP)
    first.locator(".govsim-step").click()
    expect(first.locator(".govsim-day")).to_have_text(day_text(2), timeout=ROUND_TRIP)
    expect(second.locator(".govsim-day")).to_have_text(day_text(0))
    first.locator(".govsim-name input").fill("Team Xihu")
    first.locator(".govsim-name input").press("Enter")

    # 2. the trainer's page wants the token; with it, it sees both participants
    trainer = more_pages()
    trainer.goto(url.rstrip("/") + "/trainer?token=wrong")
    expect(trainer.locator(".govsim-trainer-token")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(trainer.locator(".govsim-trainer-push")).to_have_count(0)
    trainer.goto(url.rstrip("/") + f"/trainer?token={TOKEN}")
    expect(trainer.locator(".govsim-trainer-push")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT)
    expect(trainer.locator(".govsim-trainer-room")).to_contain_text(
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
