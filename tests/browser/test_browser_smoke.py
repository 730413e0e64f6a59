"""Smoke test of the browser-test infrastructure (conftest.py): a tiny Solara page in headless chromium."""

from pathlib import Path

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

APP = Path(__file__).with_name("smoke_app.py")
FIRST_LOAD_TIMEOUT = 60_000  # ms: the first page load starts a kernel and parses a ~3 MB front end


def test_counter_page_in_chromium(solara_server, page, tmp_path):
    url = solara_server(APP)
    page.goto(url)

    counter = page.locator(".smoke-counter")
    expect(counter).to_have_text("Clicked: 0", timeout=FIRST_LOAD_TIMEOUT)
    expect(page.get_by_text("govsim browser smoke test 基层治理")).to_be_visible()

    button = page.get_by_role("button", name="Increment")
    button.click()
    expect(counter).to_have_text("Clicked: 1")  # the click went to the server and back over the websocket
    button.click()
    expect(counter).to_have_text("Clicked: 2")

    shot = tmp_path / "smoke.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
