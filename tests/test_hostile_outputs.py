"""Hostile output paths, names and options: every case is refused by the contract of tests/hostile.py
(exit 2, one line on stderr starting with "govsim", nothing written, nothing removed or changed).

One case per named bug of sections 2 and 5 of the issue and the command-line bullet of section 4:
data loss through --out, path traversal through a name, unwritable --out for every command that
writes, the dashboard's port, and the silently ignored or misattributed options."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import sim.cli
from conftest import BASELINE, SCENARIOS, govsim_executable, subprocess_env
from hostile import assert_refused, assert_refused_subprocess

ROOT = SCENARIOS.parent
CALIBRATION = ROOT / "experiments" / "calibration_beijing.toml"
SWEEP = ROOT / "experiments" / "grid_size_sweep.toml"
SMALL_GRIDS = SCENARIOS / "small_grids.toml"


def _experiment(tmp: Path, name: str, file: str = "study.toml") -> Path:
    path = tmp / file
    path.write_text(f'name = "{name}"\ndesign = "compare"\nscenarios = ["{BASELINE.as_posix()}", '
                    f'"{SMALL_GRIDS.as_posix()}"]\nreps = 2\ndays = 40\n', encoding="utf-8")
    return path


@pytest.fixture
def place(tmp_path: Path, monkeypatch, no_git) -> Path:
    """The working folder of every case: a folder of someone else's files, a file, a govsim run's
    and a govsim experiment's earlier outputs, and files a traversing name would reach."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my own notes", encoding="utf-8")
    (tmp_path / "mine" / "summary.json").write_text("{}", encoding="utf-8")  # a govsim name, not govsim's
    (tmp_path / "afile").write_text("a file", encoding="utf-8")
    (tmp_path / "keep.txt").write_text("in the working folder", encoding="utf-8")
    run_out = tmp_path / "a_run"
    run_out.mkdir()
    (run_out / "manifest.json").write_text('{"govsim_version": "0", "seed": 1, "scenario": {}}', encoding="utf-8")
    (run_out / "summary.json").write_text("{}", encoding="utf-8")
    exp_out = tmp_path / "an_experiment"
    exp_out.mkdir()
    (exp_out / "manifest.json").write_text('{"govsim_version": "0", "experiment": {}, "fingerprint": "x"}',
                                           encoding="utf-8")
    (exp_out / "report.md").write_text("# a report", encoding="utf-8")
    # What `name = "../victim"` would reach from results/: results/../victim-seed0 and results/../victim
    for folder in ("victim-seed0", "victim"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "precious.txt").write_text("not govsim's", encoding="utf-8")
    (tmp_path / "traversal.toml").write_text(f'extends = "{BASELINE.as_posix()}"\nname = "../victim"\n',
                                             encoding="utf-8")
    _experiment(tmp_path, "../victim", "traversal_exp.toml")
    _experiment(tmp_path, "fine")
    (tmp_path / "old.gif").write_text("not an animation", encoding="utf-8")
    (tmp_path / "folder.gif").mkdir()
    return tmp_path


RUN = ["run", str(BASELINE), "--no-progress"]
EXPERIMENT = ["experiment", "study.toml", "--workers", "1", "--no-progress"]
COMPARE = ["compare", str(BASELINE), str(SMALL_GRIDS), "--reps", "2", "--workers", "1", "--no-progress"]
SWEEP_CMD = ["sweep", str(BASELINE), "--param", "grid.households_per_grid=100,200", "--reps", "2", "--workers", "1",
             "--no-progress"]
CALIBRATE = ["calibrate", str(CALIBRATION), "--workers", "1", "--no-progress"]
ANIMATE = ["animate", str(BASELINE), "--days", "3", "--no-progress"]
WRITERS = {"run": RUN, "experiment": EXPERIMENT, "compare": COMPARE, "sweep": SWEEP_CMD, "calibrate": CALIBRATE}

CASES = [
    # --- section 2: data loss --------------------------------------------------------------
    ("run-out-folder-of-other-files", [*RUN, "--out", "mine"], "--force"),
    ("run-out-working-folder", [*RUN, "--out", "{cwd}"], "working folder"),
    ("run-out-working-folder-forced", [*RUN, "--out", "{cwd}", "--force"], "working folder"),
    ("run-out-an-experiment's-folder", [*RUN, "--out", "an_experiment"], "did not write"),
    ("experiment-out-folder-of-other-files", [*EXPERIMENT, "--out", "mine"], "--force"),
    ("compare-out-a-run's-folder", [*COMPARE, "--out", "a_run"], "did not write"),
    ("sweep-out-folder-of-other-files", [*SWEEP_CMD, "--out", "mine"], "--force"),
    ("animate-out-over-a-file-not-an-animation", [*ANIMATE, "--out", "old.gif"], "--force"),
    # --- section 2: path traversal through a name -------------------------------------------
    ("scenario-name-traversal", ["run", "traversal.toml", "--no-progress"], "'name'"),
    ("experiment-name-traversal", ["experiment", "traversal_exp.toml", "--workers", "1", "--no-progress"], "'name'"),
    # --- section 2: --out that cannot be written, refused before the run --------------------
    *[(f"{cmd}-out-{label}", [*argv, "--out", out], "--out")
      for cmd, argv in WRITERS.items()
      for label, out in (("proc", "/proc/govsim-x"), ("under-a-file", "afile/sub"), ("dot", "."),
                         ("dotdot", ".."), ("a-file", "afile"))],
    ("animate-out-proc", [*ANIMATE, "--out", "/proc/govsim-x.gif"], "--out"),
    ("animate-out-under-a-file", [*ANIMATE, "--out", "afile/x.gif"], "--out"),
    ("animate-out-a-folder", [*ANIMATE, "--out", "folder.gif"], "--out"),
    # --- section 4: options silently ignored or misattributed -------------------------------
    ("run-set-extends", [*RUN, "--set", "extends.x=1", "--out", "new"], "extends"),
    ("animate-set-extends", [*ANIMATE, "--set", "extends.x=1", "--out", "new.gif"], "extends"),
    ("run-set-twice", [*RUN, "--set", "grid.households_per_grid=100", "--set", "grid.households_per_grid=200",
                       "--out", "new"], "grid.households_per_grid"),
    ("sweep-param-twice", ["sweep", str(BASELINE), "--param", "grid.households_per_grid=100,200", "--param",
                           "grid.households_per_grid=300,400", "--out", "new"], "grid.households_per_grid"),
    ("sweep-param-unknown", ["sweep", str(BASELINE), "--param", "grid.nope=1,2", "--out", "new"], "grid.nope"),
    *[(f"{cmd}-out-empty", [*argv, "--out", ""], "--out") for cmd, argv in {**WRITERS, "animate": ANIMATE}.items()],
    *[(f"{cmd}-days-out-of-range", [*argv, "--days", "40000"], "--days")
      for cmd, argv in {**WRITERS, "animate": ANIMATE}.items() if cmd != "calibrate"],
    ("run-days-below-warm-up", [*RUN, "--days", "5", "--out", "new"], "--days"),
    ("experiment-days-below-warm-up", [*EXPERIMENT, "--days", "5", "--out", "new"], "--days"),
    ("compare-days-below-warm-up", [*COMPARE, "--days", "5", "--out", "new"], "--days"),
    ("sweep-days-below-warm-up", [*SWEEP_CMD, "--days", "5", "--out", "new"], "--days"),
    # --- argparse's own errors are one line too ---------------------------------------------
    ("run-unknown-option", [*RUN, "--bogus"], "--bogus"),
    ("run-missing-scenario", ["run"], "scenario"),
]


@pytest.mark.parametrize("argv, expect", [pytest.param(a, e, id=i) for i, a, e in CASES])
def test_refused(place: Path, capsys, argv, expect) -> None:
    argv = [a.replace("{cwd}", str(place)) for a in argv]
    line = assert_refused(argv, capsys, watch=[place])
    assert expect in line, line


def test_unknown_parameter_is_said_once(place: Path, capsys) -> None:
    line = assert_refused(["sweep", str(BASELINE), "--param", "grid.nope=1,2"], capsys, watch=[place])
    assert line.count("unknown parameter") == 1, line
    assert "--param" in line and "'grid.nope=1,2'" in line and "parameters." not in line, line
    line = assert_refused(["sweep", str(BASELINE), "--param", "grid.households_per_grid=10,400"], capsys,
                          watch=[place])
    assert "--param" in line and "[50, 1000000]" in line, line


def test_days_errors_name_days_not_set(place: Path, capsys) -> None:
    for argv in ([*RUN, "--days", "5"], [*ANIMATE, "--days", "40000", "--out", "x.gif"],
                 [*EXPERIMENT, "--days", "5"], [*COMPARE, "--days", "5"], [*SWEEP_CMD, "--days", "5"]):
        line = assert_refused(argv, capsys, watch=[place])
        assert "--days" in line and "--set" not in line, line


@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_dashboard_port_in_use(place: Path, capsys, monkeypatch, busy_port) -> None:
    """Refused before it says it is serving, and before Solara starts."""
    monkeypatch.setattr(sim.cli.subprocess, "run", lambda *a, **k: pytest.fail("the server was started"))
    line = assert_refused(["dashboard", str(BASELINE), "--port", str(busy_port)], capsys, watch=[place])
    assert f"--port {busy_port}" in line and "in use" in line, line


def test_dashboard_port_in_use_says_nothing_about_serving(place: Path, capsys, monkeypatch, busy_port) -> None:
    monkeypatch.setattr(sim.cli.subprocess, "run", lambda *a, **k: pytest.fail("the server was started"))
    assert sim.cli.main(["dashboard", str(BASELINE), "--port", str(busy_port)]) == 2
    assert "serving" not in capsys.readouterr().out.lower()
    assert "http://" not in capsys.readouterr().out


def test_dashboard_host_not_of_this_machine(place: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sim.cli.subprocess, "run", lambda *a, **k: pytest.fail("the server was started"))
    line = assert_refused(["dashboard", str(BASELINE), "--host", "192.0.2.1"], capsys, watch=[place])
    assert "--host 192.0.2.1" in line, line


def test_out_through_a_real_process(tmp_path: Path) -> None:
    """The installed script: a folder of other files is refused, and nothing in it is touched."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work", encoding="utf-8")
    line = assert_refused_subprocess(govsim_executable(), ["run", str(BASELINE), "--out", str(mine)], cwd=tmp_path,
                                     env=subprocess_env())
    assert "thesis.tex" in line and "--force" in line, line


@pytest.fixture
def immutable(place: Path):
    """A folder nobody may write in, not even root (chattr +i); skipped where that cannot be set."""
    import shutil
    import subprocess

    folder = place / "frozen"
    folder.mkdir()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                         capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder immutable here")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("cmd", [*WRITERS, "animate"])
def test_out_in_an_immutable_folder(place: Path, immutable: Path, capsys, cmd) -> None:
    argv = {**WRITERS, "animate": ANIMATE}[cmd]
    target = immutable / ("x.gif" if cmd == "animate" else "out")
    line = assert_refused([*argv, "--out", str(target)], capsys, watch=[place])
    assert "--out" in line and "cannot write" in line, line
