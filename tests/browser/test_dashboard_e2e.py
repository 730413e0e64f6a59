"""End-to-end test of the workshop dashboard (sim/dashboard/app.py) in headless chromium.

One test walks through a workshop session on a small scenario: load the page, play a few days (the
day counter and the date beside it move on), switch to Chinese, turn on side by side, move a safety slider,
pick option B's meeting format (听证会) and read the report of deliberation and safe communities in Chinese and English, start an emergency,
take a screenshot. Every expected
label comes from sim/dashboard/i18n.py. The headless component tests (tests/test_dashboard_app.py)
cover the same controls without a browser; this one checks that they work through Solara's front
end: clicks reach the server, and the texts and pictures the server sends back are shown.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

from sim.dashboard import i18n  # noqa: E402
from sim.dashboard.session import LEVER_SLIDERS, REPORT_KEYS, day_kind  # noqa: E402
from sim.dates import Dates, parse_start_date  # noqa: E402
from sim.labels import label  # noqa: E402
from sim.params import PARAM_BY_KEY  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
APP = "sim.dashboard.server"
DAYS = 60
FORMAT = "deliberation.meeting_format"
FIRST_LOAD_TIMEOUT = 60_000  # ms: the first load starts a kernel, builds the model and draws it
# ms: a click, the server's change and redraw, the new page content. Usually 1-3 s, but a change
# made just after Pause may be drawn by the play loop's thread, which solara.use_thread traces line by
# line (intrusive cancel): a language switch then takes up to ~14 s (the first Chinese pictures drawn
# under the tracer).
ROUND_TRIP = 30_000
PLAY_TIMEOUT = 60.0          # s to reach day 3 while playing (see the note in the test)
# the demo emergency's circle covers a large part of each map (a fifth of the households): its box on
# screen is far larger than this many square pixels
FOOTPRINT_MIN_PIXELS = 2_000


def small_workshop(tmp_path: Path) -> Path:
    """scenarios/workshop.toml with 2,000 residents and 60 days."""
    path = tmp_path / "small_workshop.toml"
    workshop = (ROOT / "scenarios" / "workshop.toml").as_posix()
    path.write_text(
        f'extends = "{workshop}"\n'
        'name = "small_workshop"\n'
        "\n[territory]\nresidents = 2000\n"
        f"\n[sim]\ndays = {DAYS}\n",
        encoding="utf-8",
    )
    return path


def day_pattern(lang: str) -> re.Pattern:
    """i18n's `day_of` text for any day of DAYS, the day as group 1."""
    before, after = i18n.t("day_of", lang, day="\0", days=DAYS).split("\0")
    return re.compile(rf"^{re.escape(before)}(\d+){re.escape(after)}$")


def shown_day(page, lang: str) -> int:
    text = page.locator(".govsim-day").text_content() or ""
    m = day_pattern(lang).match(text.strip())
    assert m, f"day text {text!r} is not i18n's day_of in {lang!r}"
    return int(m[1])


def date_of(day: int, lang: str) -> str:
    """i18n's date line for a day of the run (the scenario starts on sim.start_date's default)."""
    dates = Dates(parse_start_date(PARAM_BY_KEY["sim.start_date"].default))
    return i18n.date_text(dates.date(day), day_kind(dates, day), lang)


def wait_until(what: str, check, timeout: float = ROUND_TRIP / 1000):
    """Poll `check()` until it returns a true value (returned); fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # e.g. an image replaced while it was read: try again
            last = exc
        else:
            if value:
                return value
            last = value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting until {what} (last: {last!r})", pytrace=False)


def test_workshop_session_in_chromium(solara_server, page, tmp_path):
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    url = solara_server(APP, env={"GOVSIM_SCENARIO": str(small_workshop(tmp_path)), "GOVSIM_LANG": "en"})
    timings["server"] = time.monotonic() - t0

    # 1. the page loads, in English, at day 0
    page.goto(url)
    day = page.locator(".govsim-day")
    expect(day).to_have_text(i18n.t("day_of", "en", day=0, days=DAYS), timeout=FIRST_LOAD_TIMEOUT)
    date = page.locator(".govsim-date")
    expect(date).to_have_text(date_of(0, "en"))
    app_bar = page.locator(".v-app-bar")
    expect(app_bar).to_contain_text(i18n.t("app_title", "en"))
    play, step = page.locator(".govsim-play"), page.locator(".govsim-step")
    expect(play).to_have_text(i18n.t("play", "en"))
    expect(step).to_have_text(i18n.t("step", "en"))
    # the map (SVG) and the charts (ECharts canvases) are drawn in the browser from data
    charts = page.locator(".govsim-charts")
    expect(charts.locator("canvas")).to_have_count(5, timeout=ROUND_TRIP)
    expect(page.locator(".govsim-map-A svg.govsim-map-svg")).to_be_visible()
    expect(page.locator(".govsim-map-B")).to_have_count(0)
    expect(page.locator(".govsim-map-A circle.govsim-hh")).not_to_have_count(0)
    timings["load"] = time.monotonic() - t0

    # 2. Play runs the model and redraws; Pause stops it
    charts_title = charts.locator(".govsim-charts-title").inner_text()
    play.click()
    expect(play).to_have_text(i18n.t("pause", "en"), timeout=ROUND_TRIP)
    expect(step).to_be_disabled()
    # 4 days a second is the default speed, but the play loop runs in solara.use_thread with its
    # default intrusive cancel, which traces every line the loop runs (model step and page redraw):
    # about 3 s a day here, so give it time.
    wait_until("the day text shows day 3 or later", lambda: shown_day(page, "en") >= 3, PLAY_TIMEOUT)
    expect(charts.locator(".govsim-charts-title")).not_to_have_text(charts_title, timeout=ROUND_TRIP)
    play.click()
    expect(play).to_have_text(i18n.t("play", "en"), timeout=ROUND_TRIP)
    expect(step).to_be_enabled()
    timings["play"] = time.monotonic() - t0

    # 3. 中文: the controls and the app bar change language, the day stays
    paused_at = shown_day(page, "en")
    page.locator(".govsim-lang").get_by_role("button", name=i18n.t("lang_name.zh", "zh"), exact=True).click()
    expect(step).to_have_text(i18n.t("step", "zh"), timeout=ROUND_TRIP)
    expect(play).to_have_text(i18n.t("play", "zh"))
    expect(app_bar).to_contain_text(i18n.t("app_title", "zh"))
    expect(app_bar).not_to_contain_text(i18n.t("app_title", "en"))
    # the play loop may still finish the day it was stepping when Pause was pressed
    expect(day).to_have_text(re.compile(day_pattern("zh").pattern))
    assert shown_day(page, "zh") in (paused_at, paused_at + 1)
    wait_until("the date is the shown day's, in Chinese",
               lambda: (date.text_content() or "").strip() == date_of(shown_day(page, "zh"), "zh"))
    timings["language"] = time.monotonic() - t0

    # 4. side by side: two maps, two sets of levers
    page.locator(".govsim-side-by-side input").click()
    map_a, map_b = page.locator(".govsim-map-A svg.govsim-map-svg"), page.locator(".govsim-map-B svg.govsim-map-svg")
    expect(map_b).to_be_visible(timeout=ROUND_TRIP)
    expect(map_a).to_be_visible()
    # numbers are sliders, true / false levers switches, a choice a select, a set of choices a multi-select
    kinds = [s.kind for s in LEVER_SLIDERS]
    expect(page.locator(".v-slider")).to_have_count(2 * kinds.count("slider"))
    expect(page.locator(".govsim-lever-switch")).to_have_count(2 * kinds.count("switch"))
    expect(page.locator(".govsim-lever-choice")).to_have_count(2 * kinds.count("choice"))
    expect(page.locator(".govsim-lever-subset")).to_have_count(2 * kinds.count("subset"))
    for side in ("A", "B"):
        expect(page.get_by_text(i18n.t("levers_side", "zh", side=side), exact=True)).to_be_visible()
    expect(page.get_by_text(i18n.t("lever_group.safety", "zh"), exact=True)).to_have_count(2)
    timings["side by side"] = time.monotonic() - t0

    # 4b. a safety slider (option B's full-time mediators) moves; the report of deliberation and safe
    # communities lists its outcomes for both options, in Chinese and then in English
    report = page.locator(".govsim-report")
    expect(report).to_contain_text(i18n.t("report_title", "zh"), timeout=ROUND_TRIP)
    for key in REPORT_KEYS:
        expect(report).to_contain_text(label(key, "zh"))
    expect(report.locator("th")).to_have_text([i18n.t("report_outcome", "zh"), i18n.t("side_A", "zh"),
                                               i18n.t("side_B", "zh")])
    name = re.compile(rf"^{re.escape(i18n.t('lever.safety.mediators_per_committee', 'zh'))}$")
    mediators = page.locator(".v-input").filter(has=page.locator(".v-label", has_text=name))
    expect(mediators).to_have_count(2)
    thumb = mediators.nth(1).locator("[role=slider]")
    thumb.focus()
    thumb.press("ArrowRight")
    expect(thumb).to_have_attribute("aria-valuenow", "1", timeout=ROUND_TRIP)
    expect(mediators.nth(0).locator("[role=slider]")).to_have_attribute("aria-valuenow", "0")
    page.locator(".govsim-lang").get_by_role("button", name=i18n.t("lang_name.en", "en"), exact=True).click()
    expect(report).to_contain_text(i18n.t("report_title", "en"), timeout=ROUND_TRIP)
    for key in REPORT_KEYS:
        expect(report).to_contain_text(label(key, "en"))
    expect(report.locator("th")).to_have_text([i18n.t("report_outcome", "en"), i18n.t("side_A", "en"),
                                               i18n.t("side_B", "en")])
    expect(page.get_by_text(i18n.t("lever_group.safety", "en"), exact=True)).to_have_count(2)
    page.locator(".govsim-lang").get_by_role("button", name=i18n.t("lang_name.zh", "zh"), exact=True).click()
    expect(step).to_have_text(i18n.t("step", "zh"), timeout=ROUND_TRIP)
    timings["safety slider and report"] = time.monotonic() - t0

    # 4c. option B holds hearings (听证会): pick it from B's meeting-format select; A keeps its councils
    fmt = page.locator(".govsim-lever-deliberation-meeting_format")
    expect(fmt).to_have_count(2)
    council, hearing = (i18n.option_label(FORMAT, o, "zh") for o in ("council", "hearing"))
    expect(fmt.nth(1).locator(".v-select__selection")).to_have_text(council)
    fmt.nth(1).locator("[role=combobox].v-field").click()
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_text([i18n.option_label(FORMAT, o, "zh") for o in PARAM_BY_KEY[FORMAT].choices],
                                 timeout=ROUND_TRIP)
    diff = charts.locator(".govsim-charts-diff")
    options.filter(has_text=hearing).click()
    expect(fmt.nth(1).locator(".v-select__selection")).to_have_text(hearing, timeout=ROUND_TRIP)
    expect(fmt.nth(0).locator(".v-select__selection")).to_have_text(council)
    # the server took it: B was rebuilt and the charts redrawn (their B − A panel names the change),
    # with no error shown
    expect(diff).to_contain_text(hearing, timeout=ROUND_TRIP)
    expect(page.locator(".v-alert")).to_have_count(0)
    timings["meeting format"] = time.monotonic() - t0

    # 5. an emergency, then a day: the maps show its footprint. (The map's status box also names it,
    # but inside the picture: no page text says that an emergency is under way.)
    for m in (map_a, map_b):
        expect(m.locator(".govsim-footprint")).to_have_count(0)
    start_day = shown_day(page, "zh")
    page.locator(".govsim-emergency").click()
    step.click()
    expect(day).to_have_text(i18n.t("day_of", "zh", day=start_day + 1, days=DAYS), timeout=ROUND_TRIP)
    expect(date).to_have_text(date_of(start_day + 1, "zh"))
    for m in (map_a, map_b):
        expect(m.locator(".govsim-footprint")).to_have_count(1, timeout=ROUND_TRIP)
        box = m.locator(".govsim-footprint").bounding_box()
        assert box and box["width"] * box["height"] > FOOTPRINT_MIN_PIXELS   # a large part of the map
    timings["emergency"] = time.monotonic() - t0

    # 6. a screenshot (Solara's layout scrolls inside the window, so full_page gives the window)
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    timings["screenshot"] = time.monotonic() - t0
    print("dashboard e2e timings (s since start): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
