"""Shared fixtures for the territory / scenario / CLI / determinism / streams / docs tests."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"

# A small, fast run: about 1,150 households (3 grids at 400), 40 days, surveys every 10 days so that
# surveys.json is not empty, warm-up shortened so that it stays below sim.days.
SMALL_SETS = ("territory.residents=3000", "sim.warmup_days=5", "survey.interval_days=10")
SMALL_DAYS = 40
SMALL_OVERRIDES = {"territory.residents": 3000, "sim.warmup_days": 5, "survey.interval_days": 10}
FAKE_COMMIT = "0" * 40


def small_run_argv(out: Path, seed: int = 7, scenario: Path = BASELINE, extra: tuple[str, ...] = ()) -> list[str]:
    argv = ["run", str(scenario), "--seed", str(seed), "--days", str(SMALL_DAYS), "--out", str(out), "--no-progress"]
    for item in SMALL_SETS:
        argv += ["--set", item]
    return argv + list(extra)


def govsim_executable() -> str:
    """The installed `govsim` console script of this interpreter's environment."""
    beside = Path(sys.executable).parent / "govsim"
    if beside.exists():
        return str(beside)
    found = shutil.which("govsim")
    if found is None:
        pytest.skip("the govsim console script is not installed")
    return found


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for running govsim in a subprocess: no optional git locks (the manifest runs
    `git status`, which must not take the index lock of a checkout others are using)."""
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env.update(extra)
    return env


@pytest.fixture
def ctrl_c_reaches_python():
    """Ctrl-C handled as in a terminal for the test's length. A shell starts a background job
    (`make test &`, `nohup`) with SIGINT ignored, Python keeps it ignored, and children inherit
    that: tests of what Ctrl-C does would then pass or fail by how the suite was started."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def no_git(monkeypatch):
    """In-process CLI runs: a fixed commit instead of shelling out to git."""
    import sim.cli

    monkeypatch.setattr(sim.cli, "git_commit", lambda: FAKE_COMMIT)


@pytest.fixture(scope="session")
def small_run_dir(tmp_path_factory) -> Path:
    """One in-process `govsim run` of the small baseline (seed 7), shared read-only by several tests."""
    import sim.cli

    out = tmp_path_factory.mktemp("small_run") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.cli, "git_commit", lambda: FAKE_COMMIT)
        code = sim.cli.main(small_run_argv(out))
    assert code == 0
    return out
