"""End-to-end browser tests of Solara pages: Debian's chromium driven by Playwright for Python.

The browser is the system one (`apt install chromium`, /usr/bin/chromium), passed to Playwright as
``executable_path``; Playwright's own browser download (`playwright install`) is never used. Every
test under tests/browser gets the ``browser`` marker, so ``pytest -m "not browser"`` leaves them out.

Fixtures:

- ``chromium_path``: the browser binary ($GOVSIM_CHROMIUM, /usr/bin/chromium, ``chromium`` on PATH).
- ``browser``: one headless chromium for the whole session.
- ``page``: a fresh browser context and page for each test. On a failure it saves a screenshot and
  prints the page's console errors; it fails the test if Solara's asset proxy answered an error.
- ``solara_cdn_dir``: Solara's front-end assets. A Solara page loads its JavaScript and CSS through
  the server's ``/_solara/cdn/`` proxy, which fetches them from a public CDN that this machine cannot
  reach; the same files are npm packages, so they are fetched once with ``npm pack`` from the npm
  registry into a cache directory that the servers are pointed at.
- ``solara_server`` (one test) and ``solara_server_module`` (one test module): factories that start
  ``solara run APP`` on a free loopback port and return its base URL; the server is stopped after the
  test (or module), and its log is printed if a test failed.

Missing prerequisites (chromium, playwright, npm) skip the tests with a message saying how to install
them, except under CI (CI set in the environment, as .ci/run is run), where they fail the tests: there
.ci/browser-deps has installed them, and a silently skipped browser test would hide a broken install.
Skipped browser tests are reported in one line at the very end of the run (before pytest's count), so
that `make test` on a machine without chromium says so where it is read.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# As root on this machine, chromium must run with these flags, or its connections are refused by the
# closed network. Playwright gives it a new, empty --user-data-dir of its own at every launch (it
# refuses a --user-data-dir in args: that is what launch_persistent_context is for).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SERVER_START_TIMEOUT = 60.0  # seconds until `solara run` answers HTTP
ASSET_ANSWER_TIMEOUT = 20.0  # seconds a test's page may still wait, at its end, for Solara's asset proxy
INSTALL_HINT = "run `sh .ci/browser-deps` (as root), or `apt install chromium`"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so that fixtures can tell at teardown whether the
    # test failed (to save a screenshot and print the console).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    # A wrapper that runs first also finishes last: after pytest's short test summary.
    try:
        return (yield)
    finally:
        line = browser_skip_line(terminalreporter.stats.get("skipped", []))
        if line:
            terminalreporter.write_line(line, yellow=True, bold=True)


def browser_skip_line(skipped_reports) -> str | None:
    """One line that counts the skipped browser tests and gives each distinct reason, or None."""
    reasons: dict[str, None] = {}
    count = 0
    for report in skipped_reports:
        if "browser" not in getattr(report, "keywords", {}) or not isinstance(report.longrepr, tuple):
            continue
        count += 1
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        reasons.setdefault(reason)
    if not count:
        return None
    tests = "test" if count == 1 else "tests"
    return f"browser {tests} skipped ({count}): " + "; ".join(reasons)


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


# --- the browser ---------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """$GOVSIM_CHROMIUM, then /usr/bin/chromium, then `chromium` on PATH."""
    env = os.environ.get("GOVSIM_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        where = os.environ.get("GOVSIM_CHROMIUM")
        _unavailable(
            f"GOVSIM_CHROMIUM={where} is not an executable"
            if where
            else f"no chromium browser found (/usr/bin/chromium, PATH): {INSTALL_HINT}"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]' (no `playwright install` needed)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def more_pages(browser, request, tmp_path):
    """A factory of further pages, each in its own context (a participant's laptop): for tests with
    several pages at once. On a failure each page's screenshot and console are saved and printed."""
    opened: list = []

    def new_page():
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        opened.append((context, page, console))
        return page

    yield new_page
    rep = getattr(request.node, "rep_call", None)
    for i, (context, page, console) in enumerate(opened):
        if rep is not None and rep.failed:
            shot = tmp_path / f"failure-page{i + 2}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of page {i + 2} at the failure: {shot}")
            except Exception as exc:
                print(f"no failure screenshot of page {i + 2}: {exc}")
            print(f"browser console of page {i + 2}:\n  " + "\n  ".join(console or ["(empty)"]))
        context.close()


@pytest.fixture
def page(browser, request, tmp_path):
    """A new context and page. Fails the test if a Solara asset could not be served."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    console: list[str] = []
    asset_errors: list[str] = []
    pending_assets: set = set()  # requests to Solara's asset proxy that have no answer yet

    def on_request(req):
        if "/_solara/cdn/" in req.url:
            pending_assets.add(req)

    def on_response(response):
        if "/_solara/cdn/" in response.url and response.status >= 400:
            asset_errors.append(f"{response.status} {response.url}")

    def on_request_failed(req):
        pending_assets.discard(req)
        if "/_solara/cdn/" in req.url:
            asset_errors.append(f"failed ({req.failure}) {req.url}")

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfinished", lambda req: pending_assets.discard(req))
    page.on("requestfailed", on_request_failed)
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    try:
        yield page
    finally:
        # A file missing from the cache is not an error at once: the proxy first tries the unreachable
        # CDN for several seconds, then answers 404. Wait for such answers, so that they are reported.
        deadline = time.monotonic() + ASSET_ANSWER_TIMEOUT
        while pending_assets and time.monotonic() < deadline and not page.is_closed():
            page.wait_for_timeout(250)
        asset_errors += [f"no answer in {ASSET_ANSWER_TIMEOUT:.0f} s: {req.url}" for req in pending_assets]
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of the page at the failure: {shot}")
            except Exception as exc:  # the page may be gone
                print(f"no failure screenshot: {exc}")
            print("browser console:\n  " + "\n  ".join(console or ["(empty)"]))
        context.close()
    if asset_errors:
        pytest.fail(
            "Solara's asset proxy (/_solara/cdn/) could not serve:\n  "
            + "\n  ".join(asset_errors)
            + "\nThey are missing from the Solara asset cache ($GOVSIM_SOLARA_CDN, or ~/.cache/govsim/solara-cdn): "
            "delete a damaged package folder there to fetch it again; a package that solara asks for but "
            "cdn_refs() in sim/dashboard/assets.py does not find must be added there.",
            pytrace=False,
        )


# --- Solara's front-end assets -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def solara_cdn_dir() -> Path:
    """A Solara asset cache holding every npm package this solara's front end loads: the one
    `govsim dashboard --fetch-assets` fills (sim/dashboard/assets.py), fetched once if incomplete."""
    pytest.importorskip("solara")
    from sim.dashboard import assets

    try:
        return assets.ensure()
    except assets.AssetsUnavailable as exc:
        _unavailable(f"{exc}: {INSTALL_HINT}")


# --- Solara servers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _SolaraServers:
    """Starts `solara run` servers and stops them all in close()."""

    def __init__(self, log_dir: Path, cdn_dir: Path):
        self.log_dir = log_dir
        self.cdn_dir = cdn_dir
        self.running: list[tuple[subprocess.Popen, Path, object]] = []

    def start(self, app: str | os.PathLike, port: int | None = None, *, timeout: float = SERVER_START_TIMEOUT,
              args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> str:
        """`solara run APP` (a .py file, or a module such as `sim.dashboard`); returns the base URL."""
        port = port or _free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [
            sys.executable, "-m", "solara", "run", str(app),
            "--host", "127.0.0.1", "--port", str(port),
            "--production",          # no hot reload, minified front end; auto-restart is off by default
            "--no-open",             # do not open a browser (the default is to open one)
            "--no-check-version",    # do not ask PyPI for a newer solara
            *args,
        ]
        full_env = dict(os.environ)
        full_env.update(
            SOLARA_ASSETS_PROXY_CACHE_DIR=str(self.cdn_dir),
            SOLARA_TELEMETRY_MIXPANEL_ENABLE="False",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
        )
        full_env.update(env or {})
        log_path = self.log_dir / f"solara-{port}.log"
        log = open(log_path, "wb")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((proc, log_path, log))
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`{' '.join(cmd)}` exited with {proc.returncode}:\n{self._log(log_path)}", pytrace=False)
            try:
                with urllib.request.urlopen(url + "/", timeout=5) as response:
                    if response.status < 500:
                        return url
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return url
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"`{' '.join(cmd)}` did not answer on {url} in {timeout:.0f} s:\n{self._log(log_path)}",
                            pytrace=False)
            time.sleep(0.25)

    @staticmethod
    def _log(path: Path) -> str:
        return path.read_text(encoding="utf-8", errors="replace")[-20000:] or "(no output)"

    def close(self, print_logs: bool) -> None:
        for proc, log_path, log in self.running:
            if proc.poll() is None:
                # the server and anything it started: it has a process group of its own
                _signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait(timeout=15)
            _signal_group(proc, signal.SIGKILL)  # children that outlived it, if any
            log.close()
            if print_logs:
                print(f"--- solara server log ({log_path}) ---\n{self._log(log_path)}")
        self.running.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def solara_server(solara_cdn_dir, tmp_path, request):
    """Factory: ``url = solara_server(app, port=None)`` starts a server that is stopped after the test."""
    servers = _SolaraServers(tmp_path, solara_cdn_dir)
    failed_before = request.session.testsfailed
    try:
        yield servers.start
    finally:
        rep = getattr(request.node, "rep_call", None)
        servers.close(print_logs=(rep is not None and rep.failed) or request.session.testsfailed > failed_before)


@pytest.fixture(scope="module")
def solara_server_module(solara_cdn_dir, tmp_path_factory, request):
    """Like ``solara_server``, but the server lives for the whole test module (one start for many tests)."""
    servers = _SolaraServers(tmp_path_factory.mktemp("solara"), solara_cdn_dir)
    failed_before = request.session.testsfailed
    try:
        yield servers.start
    finally:
        servers.close(print_logs=request.session.testsfailed > failed_before)
