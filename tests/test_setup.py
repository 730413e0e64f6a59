"""The set-up that README's `make test` relies on: what a fresh machine reports and installs."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_browser_tests(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "CI"}
    full_env.update(GOVSIM_CHROMIUM=str(tmp_path / "no-chromium-here"), **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser"],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=300)


def test_skipped_browser_tests_are_reported_in_one_line_at_the_end(tmp_path):
    run = _run_browser_tests(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    # The last line is pytest's count; the one before says which tests skipped and why.
    assert re.match(r"\d+ skipped in ", lines[-1]), lines[-1]
    assert lines[-2].startswith("browser tests skipped (") and "no-chromium-here is not an executable" in lines[-2]
    assert sum(line.startswith("browser tests skipped") for line in lines) == 1


def test_under_ci_a_missing_browser_fails_the_browser_tests(tmp_path):
    run = _run_browser_tests(tmp_path, CI="true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI is set, so this is a failure, not a skip" in run.stdout
    assert "browser tests skipped" not in run.stdout


def test_the_installed_metadata_gives_the_license_as_an_spdx_expression():
    meta = importlib.metadata.metadata("govsim")
    assert meta["License-Expression"] == "MIT"
    assert meta.get("License") is None  # the deprecated free-text field is gone
    assert any(r.startswith("mplfonts") for r in meta.get_all("Requires-Dist"))  # the shipped CJK font
