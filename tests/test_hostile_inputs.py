"""A corpus of hostile input, run against every command that reads that kind of input.

Every case ends as tests/hostile.py says: exit status 2, one line on stderr starting with
"govsim", no traceback, nothing written, nothing removed. Each bad file is made here, in
tmp_path: binary bytes, Latin-1 and UTF-16 text, nesting deeper than any parser should recurse,
numbers of thousands of digits, experiment definitions that used to fail half way through,
damaged, truncated and foreign ledgers, runs too big for memory.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

import sim.memory
from tests.conftest import govsim_executable, subprocess_env
from tests.helpers import ROOT
from tests.hostile import assert_refused, assert_refused_subprocess, snapshot

WORKSHOP = ROOT / "scenarios" / "workshop.toml"
TINY_SET = '[set]\n"territory.residents" = 1000\n"territory.households_per_community" = 200\n"sim.warmup_days" = 2\n'
DEEP = 3000   # far beyond any parser's recursion


# ------------------------------------------------------------------ scenario files
def _text(body: str) -> bytes:
    return body.encode("utf-8")


def _extends(body: str = "") -> str:
    return f'extends = "{WORKSHOP.as_posix()}"\n{body}'


SCENARIO_CASES: dict[str, dict[str, bytes]] = {
    # name -> files to write (the first is the one the command is given)
    "binary": {"s.toml": bytes(range(256)) * 8},
    "random_bytes_without_nul": {"s.toml": bytes((7 * i + 200) % 256 or 1 for i in range(4000))},
    "latin1": {"s.toml": _extends('name = "café"\ndescription = "Straße"\n').encode("latin-1")},
    "utf16": {"s.toml": _extends('name = "utf16"\n').encode("utf-16")},
    "deep_arrays": {"s.toml": _text(_extends("[territory]\nresidents = " + "[" * DEEP + "]" * DEEP + "\n"))},
    "deep_inline_tables": {"s.toml": _text(_extends("x = " + "{ a = " * DEEP + "1" + " }" * DEEP + "\n"))},
    "nested_beyond_limit": {"s.toml": _text(_extends("[territory]\nresidents = " + "[" * 40 + "1" + "]" * 40))},
    "deep_tables": {"s.toml": _text(_extends("[" + ".".join(["t"] * 60) + "]\nx = 1\n"))},
    "integer_of_5000_digits": {"s.toml": _text(_extends("[territory]\nresidents = " + "9" * 5000 + "\n"))},
    "integer_of_400_digits_for_a_float": {
        "s.toml": _text(_extends("[territory]\ndensity_per_km2 = 1" + "0" * 400 + "\n"))},
    "integer_of_400_digits_for_an_integer": {
        "s.toml": _text(_extends("[territory]\nresidents = 1" + "0" * 400 + "\n"))},
    "integer_of_400_digits_for_a_need_rate": {
        "s.toml": _text(_extends("[needs.certificate]\nrate_other = 1" + "0" * 400 + "\n"))},
    "extends_a_binary_file": {"s.toml": _text('extends = "parent.toml"\nname = "child"\n'),
                              "parent.toml": bytes(range(256)) * 4},
    "extends_a_latin1_file": {"s.toml": _text('extends = "parent.toml"\nname = "child"\n'),
                              "parent.toml": _extends('name = "café"\n').encode("latin-1")},
    "extends_a_deeply_nested_file": {"s.toml": _text('extends = "parent.toml"\nname = "child"\n'),
                                     "parent.toml": _text("x = " + "[" * DEEP + "]" * DEEP)},
    "extends_a_folder": {"s.toml": _text('extends = "parent.toml"\n'), "parent.toml/": b""},
    "nul_character_in_extends": {"s.toml": _text('extends = "s\\u0000.toml"\n')},
    "a_folder": {"s.toml/": b""},
    "start_date_not_a_date": {"s.toml": _text(_extends('[sim]\nstart_date = "2025-02-30"\n'))},
    "start_date_before_the_calendar": {"s.toml": _text(_extends('[sim]\nstart_date = "1949-12-31"\n'))},
}


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    first = None
    for name, data in files.items():
        path = folder / name.rstrip("/")
        if name.endswith("/"):
            path.mkdir()
        else:
            path.write_bytes(data)
        first = first or path
    return first


def _experiment(folder: Path, body: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def _sweep_body(scenario: Path | str, extra: str = "", parameters: str | None = None) -> str:
    parameters = parameters if parameters is not None else '[parameters."grid.households_per_grid"]\nvalues = [200, 400]\n'
    return (f'name = "hostile"\ndesign = "sweep"\nscenario = "{Path(scenario).as_posix()}"\nreps = 1\ndays = 10\n'
            f'outcomes = ["response_time_h.mean"]\n{extra}\n{TINY_SET}\n{parameters}')


def _calibrate_body(scenario: Path | str, targets: str | None = None, parameters: str | None = None,
                    extra: str = "") -> str:
    targets = targets or '[targets.now]\n"rates.resolution" = { value = 0.6, tolerance = 0.05 }\n'
    parameters = parameters or '[parameters."policy.decentralisation"]\nlow = 0.0\nhigh = 1.0\n'
    return (f'name = "hostile_cal"\ndesign = "calibrate"\nscenario = "{Path(scenario).as_posix()}"\nreps = 1\n'
            f'days = 10\noutcomes = ["rates.resolution"]\n{extra}\n[calibrate]\nn_initial = 4\nmax_refine_evals = 0\n'
            f'{TINY_SET}\n{parameters}\n{targets}')


def _lab(out: Path) -> list[str]:
    return ["--out", str(out), "--workers", "1", "--no-progress"]


def scenario_commands(s: Path, tmp: Path) -> dict[str, list[str]]:
    """Every command that reads a scenario file, given `s`."""
    out = tmp / "out"
    return {
        "run": ["run", str(s), "--no-progress"],
        "params": ["params", str(s)],
        "dashboard": ["dashboard", str(s)],
        "animate": ["animate", str(s), "--out", str(tmp / "a.gif"), "--no-progress"],
        "compare": ["compare", str(WORKSHOP), str(s), "--reps", "2", *_lab(out)],
        "sweep": ["sweep", str(s), "--param", "grid.households_per_grid=200,400", "--reps", "1", *_lab(out)],
        "experiment": ["experiment", str(_experiment(tmp, _sweep_body(s))), *_lab(out)],
        "calibrate": ["calibrate", str(_experiment(tmp, _calibrate_body(s), "cal.toml")), *_lab(out)],
    }


SCENARIO_COMMANDS = ("run", "params", "dashboard", "animate", "compare", "sweep", "experiment", "calibrate")


@pytest.mark.parametrize("command", SCENARIO_COMMANDS)
@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_a_hostile_scenario_file_is_refused_in_one_line(case, command, tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    s = _write(tmp_path, SCENARIO_CASES[case])
    argv = scenario_commands(s, tmp_path)[command]
    line = assert_refused(argv, capsys, watch=[tmp_path])
    bad = next(tmp_path / n.rstrip("/") for n in reversed(SCENARIO_CASES[case]))  # the broken file
    assert bad.name in line, line
    if case.startswith("extends"):
        assert "parent.toml" in line, line
    if "digits" in case:
        assert len(line) < 600, "a huge number is not printed in full"


def test_an_extends_chain_is_named(tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "c.toml"\n', encoding="utf-8")
    (tmp_path / "c.toml").write_bytes("name = 'ça'\n".encode("latin-1"))
    line = assert_refused(["run", str(tmp_path / "a.toml")], capsys, watch=[tmp_path])
    assert "c.toml" in line and "not UTF-8" in line and "b.toml" in line and "a.toml" in line, line


# ------------------------------------------------------------------ experiment files
EXPERIMENT_CASES: dict[str, bytes | str] = {
    "binary": bytes(range(256)) * 8,
    "latin1": _sweep_body(WORKSHOP, 'description = "Straße"').encode("latin-1"),
    "utf16": _sweep_body(WORKSHOP).encode("utf-16"),
    "deep_arrays": _sweep_body(WORKSHOP, "x = " + "[" * DEEP + "]" * DEEP),
    "deep_inline_tables": _sweep_body(WORKSHOP, "x = " + "{ a = " * DEEP + "1" + " }" * DEEP),
    "nested_beyond_limit": _sweep_body(WORKSHOP, "outcomes2 = " + "[" * 40 + "1" + "]" * 40),
    "seed_of_5000_digits": _sweep_body(WORKSHOP, "seed = " + "9" * 5000),
    "seed_beyond_64_bits": _sweep_body(WORKSHOP, "seed = 1" + "0" * 30),
    "sweep_values_nan": _sweep_body(WORKSHOP, parameters='[parameters."policy.decentralisation"]\nvalues = [0.2, nan]\n'),
    "sweep_values_nan_integer_parameter": _sweep_body(
        WORKSHOP, parameters='[parameters."grid.households_per_grid"]\nvalues = [200, nan]\n'),
    "sweep_values_strings": _sweep_body(
        WORKSHOP, parameters='[parameters."grid.households_per_grid"]\nvalues = ["200", "400"]\n'),
    "sweep_values_booleans": _sweep_body(
        WORKSHOP, parameters='[parameters."policy.decentralisation"]\nvalues = [true, false]\n'),
    "sweep_start_a_string": _sweep_body(
        WORKSHOP, parameters='[parameters."grid.households_per_grid"]\nstart = "a"\nstop = 400\nn = 3\n'),
    "sweep_start_nan": _sweep_body(
        WORKSHOP, parameters='[parameters."policy.decentralisation"]\nstart = nan\nstop = 1\nn = 3\n'),
    "sweep_n_1e11": _sweep_body(
        WORKSHOP, parameters='[parameters."policy.decentralisation"]\nstart = 0\nstop = 1\nn = 100000000000\n'),
    "sweep_n_1e11_float": _sweep_body(
        WORKSHOP, parameters='[parameters."policy.decentralisation"]\nstart = 0\nstop = 1\nn = 1e11\n'),
    "sweep_reps_1e12": _sweep_body(WORKSHOP).replace("reps = 1", "reps = 1000000000000"),
    "sobol_n_2_60": (f'design = "sobol"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n{TINY_SET}\n'
                     f'[sobol]\nn = {2 ** 60}\n[parameters."policy.decentralisation"]\nlow = 0.0\nhigh = 1.0\n'),
    "morris_trajectories_2_40": (f'design = "morris"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n'
                                 f'{TINY_SET}\n[morris]\ntrajectories = {2 ** 40}\n'
                                 '[parameters."policy.decentralisation"]\nlow = 0.0\nhigh = 1.0\n'),
    "compare_reps_1e12": (f'design = "compare"\nscenarios = ["{WORKSHOP.as_posix()}", '
                          f'"{(ROOT / "scenarios" / "small_grids.toml").as_posix()}"]\nreps = 1000000000000\n'
                          f'days = 10\n{TINY_SET}'),
    "triangular_mode_at_high": (f'design = "sobol"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n'
                                f'{TINY_SET}\n[sobol]\nn = 4\n[parameters."policy.decentralisation"]\nlow = 0.0\n'
                                'high = 1.0\ndist = "triangular"\nmode = 1.0\n'),
    "triangular_mode_nan": (f'design = "sobol"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n'
                            f'{TINY_SET}\n[sobol]\nn = 4\n[parameters."policy.decentralisation"]\nlow = 0.0\n'
                            'high = 1.0\ndist = "triangular"\nmode = nan\n'),
    "truncnormal_sd_inf": (f'design = "sobol"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n'
                           f'{TINY_SET}\n[sobol]\nn = 4\n[parameters."policy.decentralisation"]\nlow = 0.0\n'
                           'high = 1.0\ndist = "truncnormal"\nmean = 0.5\nsd = inf\n'),
    "bound_of_400_digits": (f'design = "sobol"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n'
                            f'{TINY_SET}\n[sobol]\nn = 4\n[parameters."grid.households_per_grid"]\nlow = 100\n'
                            f'high = 1{"0" * 400}\n'),
    "sobol_resamples_2_62": (f'design = "sobol"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n{TINY_SET}\n'
                             f'[sobol]\nn = 4\nresamples = {2 ** 62}\n'
                             '[parameters."policy.decentralisation"]\nlow = 0.0\nhigh = 1.0\n'),
    "morris_levels_2_62": (f'design = "morris"\nscenario = "{WORKSHOP.as_posix()}"\nreps = 1\ndays = 10\n{TINY_SET}\n'
                           f'[morris]\ntrajectories = 4\nlevels = {2 ** 62}\n'
                           '[parameters."policy.decentralisation"]\nlow = 0.0\nhigh = 1.0\n'),
    "target_nan": _calibrate_body(WORKSHOP, '[targets.now]\n"rates.resolution" = { value = nan, tolerance = 0.05 }\n'),
    "target_tolerance_inf": _calibrate_body(
        WORKSHOP, '[targets.now]\n"rates.resolution" = { value = 0.6, tolerance = inf }\n'),
    "target_tolerance_nan": _calibrate_body(
        WORKSHOP, '[targets.now]\n"rates.resolution" = { value = 0.6, tolerance = nan }\n'),
    "target_value_of_400_digits": _calibrate_body(
        WORKSHOP, '[targets.now]\n"rates.resolution" = { value = 1' + "0" * 400 + ', tolerance = 0.1 }\n'),
    "calibrate_integer_parameter_without_an_integer": _calibrate_body(
        WORKSHOP, parameters='[parameters."grid.workers_per_grid"]\nlow = 1.2\nhigh = 1.8\n'),
    "calibrate_n_initial_2_50": _calibrate_body(WORKSHOP).replace("n_initial = 4", f"n_initial = {2 ** 50}"),
}


@pytest.mark.parametrize("command", ("experiment", "calibrate"))
@pytest.mark.parametrize("case", sorted(EXPERIMENT_CASES))
def test_a_hostile_experiment_file_is_refused_before_anything_is_written(case, command, tmp_path, capsys,
                                                                         monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    body = EXPERIMENT_CASES[case]
    path = tmp_path / "exp.toml"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    line = assert_refused([command, str(path), *_lab(tmp_path / "out")], capsys, watch=[tmp_path])
    assert "exp.toml" in line, line
    assert len(line) < 600, "a huge value is not printed in full"


@pytest.mark.parametrize("case, words", [
    ("sobol_n_2_60", f"{2 ** 60 * 3:,} runs"),
    ("sweep_reps_1e12", "2,000,000,000,000 runs"),
    ("compare_reps_1e12", "2,000,000,000,000 runs"),
    ("morris_trajectories_2_40", f"{2 ** 40 * 2:,} runs"),
    ("sweep_n_1e11", "100,000,000,000 runs"),
    ("sweep_n_1e11_float", "100,000,000,000 runs"),
])
def test_oversized_designs_name_their_run_count(case, words, tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    path = _experiment(tmp_path, EXPERIMENT_CASES[case])
    line = assert_refused(["experiment", str(path), *_lab(tmp_path / "out")], capsys, watch=[tmp_path])
    assert words in line and "1,000,000" in line, line


# ------------------------------------------------------------------ command-line values
def test_cli_values_nested_or_huge(tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    deep = "[" * DEEP + "]" * DEEP
    cases = [
        ["run", str(WORKSHOP), "--set", f"territory.residents={deep}"],
        ["run", str(WORKSHOP), "--set", "territory.residents=" + "9" * 5000],
        ["run", str(WORKSHOP), "--set", "territory.density_per_km2=1" + "0" * 400],
        ["run", str(WORKSHOP), "--set", "territory.residents=" + "[" * 40 + "1" + "]" * 40],
        ["animate", str(WORKSHOP), "--out", str(tmp_path / "a.gif"), "--set", f"territory.residents={deep}"],
        ["animate", str(WORKSHOP), "--out", str(tmp_path / "a.gif"), "--set", "territory.residents=" + "9" * 5000],
        ["sweep", str(WORKSHOP), "--param", f"grid.households_per_grid={deep}", *_lab(tmp_path / "o")],
        ["sweep", str(WORKSHOP), "--param", "grid.households_per_grid=" + "9" * 5000 + ",1", *_lab(tmp_path / "o")],
        ["sweep", str(WORKSHOP), "--param", "grid.households_per_grid=100:800:100000000000", *_lab(tmp_path / "o")],
        ["sweep", str(WORKSHOP), "--param", "policy.decentralisation=nan,0.5", *_lab(tmp_path / "o")],
        ["sweep", str(WORKSHOP), "--param", "policy.decentralisation=0:nan:3", *_lab(tmp_path / "o")],
        ["sweep", str(WORKSHOP), "--param", 'grid.households_per_grid="100","200"', *_lab(tmp_path / "o")],
        ["compare", str(WORKSHOP), str(ROOT / "scenarios" / "small_grids.toml"), "--reps", str(2 ** 62),
         *_lab(tmp_path / "o")],
        ["validate", "mmc", "--arrival-rate", "1e-300", "--service-rate", "1", "--servers", "1"],
        ["validate", "mmc", "--arrival-rate", "1e300", "--service-rate", "1e300", "--servers", "2"],
        ["run", str(WORKSHOP), "--set", ".".join(["a"] * 20000) + "=1"],
        ["run", str(WORKSHOP), "--set", "needs." + ".".join(["a"] * 20000) + "=1"],
        ["animate", str(WORKSHOP), "--out", str(tmp_path / "a.gif"), "--set", ".".join(["a"] * 20000) + "=1"],
        ["sweep", str(WORKSHOP), "--param", ".".join(["a"] * 20000) + "=1,2", *_lab(tmp_path / "o")],
    ]
    for argv in cases:
        line = assert_refused(argv, capsys, watch=[tmp_path])
        assert len(line) < 600, (argv[:3], line)


def test_mmc_with_a_tiny_arrival_rate_names_the_options_not_a_300_digit_day(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["validate", "mmc", "--arrival-rate", "1e-300", "--service-rate", "1", "--servers", "1"],
                          capsys, watch=[tmp_path])
    assert "--arrival-rate" in line and "at least" in line and "sim.days" not in line, line
    assert max(len(w) for w in line.split()) < 40, line


def test_validate_with_too_many_cases_is_refused_before_any_check(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    line = assert_refused(["validate", "--cases", "9999999999"], capsys, watch=[tmp_path])
    assert "--cases 9,999,999,999: at most 3,435,168" in line, line


def _argparse_refused(argv, capsys, watch) -> str:
    """Argparse's own errors: exit 2, no traceback, nothing written (the one-line form is another
    change's)."""
    from sim.cli import main

    before = {root: snapshot(root) for root in watch}
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err, err
    for root in watch:
        assert snapshot(root) == before[root]
    return err


@pytest.mark.parametrize("seed", ["9" * 4000, "9" * 5000, str(2 ** 63), str(2 ** 64 + 1)])
@pytest.mark.parametrize("command", ["run", "animate", "experiment", "compare", "sweep", "calibrate"])
def test_a_seed_beyond_64_bits_is_refused(command, seed, tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    exp = _experiment(tmp_path, _sweep_body(WORKSHOP))
    argv = {"run": ["run", str(WORKSHOP)], "animate": ["animate", str(WORKSHOP), "--out", str(tmp_path / "a.gif")],
            "experiment": ["experiment", str(exp)], "calibrate": ["calibrate", str(exp)],
            "compare": ["compare", str(WORKSHOP), str(WORKSHOP)],
            "sweep": ["sweep", str(WORKSHOP), "--param", "grid.households_per_grid=200,400"]}[command]
    err = _argparse_refused([*argv, "--seed", seed], capsys, [tmp_path])
    assert "--seed" in err and len(err) < 2000, err


def test_the_largest_seed_is_accepted(tmp_path, capsys, monkeypatch, no_git):
    from sim.cli import main
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(WORKSHOP), "--seed", str(2 ** 63 - 1), "--days", "10", "--set", "territory.residents=500",
            "--set", "sim.warmup_days=2", "--no-progress", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["seed"] == 2 ** 63 - 1


def test_a_huge_seed_is_refused_by_the_real_process(tmp_path):
    err = subprocess.run([govsim_executable(), "run", str(WORKSHOP), "--seed", "9" * 4000], cwd=tmp_path,
                         capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert err.returncode == 2 and "Traceback" not in err.stderr and not list(tmp_path.iterdir()), err.stderr


# ------------------------------------------------------------------ memory
FIVE_MILLION = ["--set", "territory.residents=5000000", "--days", "365"]


def test_five_million_residents_for_a_year_is_refused_at_once_with_the_numbers(tmp_path, capsys, monkeypatch,
                                                                               no_git):
    monkeypatch.chdir(tmp_path)
    built = []
    monkeypatch.setattr("sim.model.GovernanceModel.__init__", lambda *a, **k: built.append(a) or 1 / 0)
    line = assert_refused(["run", str(WORKSHOP), *FIVE_MILLION, "--max-memory", "4G"], capsys, watch=[tmp_path])
    assert not built, "the model must not be built"
    assert "5,000,000 residents" in line and "365 days" in line and "4.0 GB" in line, line
    est = sim.memory.estimate(sim.scenario.load(WORKSHOP, {"territory.residents": 5_000_000, "sim.days": 365}))
    assert sim.memory.size_text(est.total) in line
    assert est.total > 6 * 1024 ** 3  # it grew past 6 GB when it was tried


def test_the_default_limit_is_the_memory_available(tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.memory, "available", lambda: 3 * 1024 ** 3)
    line = assert_refused(["run", str(WORKSHOP), *FIVE_MILLION], capsys, watch=[tmp_path])
    assert "3.0 GB available" in line, line
    # 38 M grid workers: tiny grids of a thousand workers each
    line = assert_refused(["run", str(WORKSHOP), "--set", "territory.residents=5000000", "--set",
                           "grid.households_per_grid=50", "--set", "grid.workers_per_grid=1000"], capsys,
                          watch=[tmp_path])
    assert "38,1" in line and "grid workers" in line, line


def test_animate_refuses_a_run_that_does_not_fit(tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.memory, "available", lambda: 3 * 1024 ** 3)
    line = assert_refused(["animate", str(WORKSHOP), "--out", str(tmp_path / "a.gif"), "--days", "365",
                           "--set", "territory.residents=5000000"], capsys, watch=[tmp_path])
    assert "5,000,000 residents" in line and "365 days" in line and "3.0 GB available" in line, line


def test_max_memory_raises_or_lowers_the_limit(tmp_path, capsys, monkeypatch, no_git):
    from sim.cli import main
    monkeypatch.chdir(tmp_path)
    small = ["run", str(WORKSHOP), "--days", "10", "--set", "territory.residents=500", "--set", "sim.warmup_days=2",
             "--no-progress"]
    assert_refused([*small, "--max-memory", "10M"], capsys, watch=[tmp_path])  # lower than the imports alone
    monkeypatch.setattr(sim.memory, "available", lambda: 1024 ** 2)  # a machine short of memory...
    assert_refused(small, capsys, watch=[tmp_path])
    assert main([*small, "--max-memory", "2G", "--out", str(tmp_path / "out")]) == 0  # ...overridden
    for bad in ("lots", "-1G", "0", "4Q"):
        _argparse_refused([*small, "--max-memory", bad], capsys, [tmp_path])


def test_an_experiment_whose_largest_run_does_not_fit_is_refused(tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.memory, "available", lambda: 2 * 1024 ** 3)
    body = _sweep_body(WORKSHOP, parameters='[parameters."territory.residents"]\nvalues = [1000, 5000000]\n')
    body = body.replace('"territory.residents" = 1000\n', "").replace("days = 10", "days = 365")
    line = assert_refused(["experiment", str(_experiment(tmp_path, body)), *_lab(tmp_path / "out")], capsys,
                          watch=[tmp_path])
    assert "5,000,000 residents" in line and "2.0 GB available" in line, line


# ------------------------------------------------------------------ ledgers
@pytest.fixture(scope="module")
def real_ledger(tmp_path_factory) -> Path:
    """A real ledger of a tiny sweep (two runs), made once."""
    import sim.cli
    folder = tmp_path_factory.mktemp("ledger")
    exp = _experiment(folder, _sweep_body(WORKSHOP))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim.cli, "git_commit", lambda: "0" * 40)
        assert sim.cli.main(["experiment", str(exp), *_lab(folder / "out")]) == 0
    return folder / "out" / "ledger.sqlite"


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    db.execute("INSERT INTO invoices VALUES (1, 9.5)")
    db.commit()
    db.close()


def _missing_column(path: Path, real: Path) -> None:
    shutil.copy(real, path)
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE runs DROP COLUMN detail")
    db.commit()
    db.close()


def _bad_json(path: Path, real: Path) -> None:
    shutil.copy(real, path)
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET outcomes = '{\"response_time_h.mean\": 1.' WHERE rowid = "
               "(SELECT MIN(rowid) FROM runs)")
    db.commit()
    db.close()


def _bad_scenario_json(path: Path, real: Path) -> None:
    shutil.copy(real, path)
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET scenario = ?", ("[" * DEEP + "]" * DEEP,))
    db.commit()
    db.close()


def _truncated(path: Path, real: Path) -> None:
    data = real.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _doctored(path: Path, real: Path, column: str, value) -> None:
    shutil.copy(real, path)
    db = sqlite3.connect(path)
    db.execute(f"UPDATE runs SET {column} = ?", (value,))
    db.commit()
    db.close()


@pytest.mark.parametrize("column, value", [("seed", "abc"), ("seed", -1), ("scenario", '{"needs": 3}'),
                                           ("scenario", '{"sim": {"days": "x"}}')])
def test_reproduce_refuses_a_doctored_row(column, value, real_ledger, tmp_path, capsys, monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    _doctored(out / "ledger.sqlite", real_ledger, column, value)
    db = sqlite3.connect(f"{(out / 'ledger.sqlite').resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    run_id = db.execute("SELECT run_id FROM runs LIMIT 1").fetchone()[0]
    db.close()
    line = assert_refused(["reproduce", str(out), run_id], capsys, watch=[tmp_path])
    assert "the ledger's" in line and column in line, line


LEDGER_CASES = {
    "random_bytes": lambda p, real: p.write_bytes(bytes((31 * i + 7) % 256 for i in range(64 * 1024))),
    "truncated": _truncated,
    "header_only": lambda p, real: p.write_bytes(real.read_bytes()[:100]),
    "foreign_table": lambda p, real: _foreign(p),
    "missing_column": _missing_column,
    "bad_json_row": _bad_json,
    "deeply_nested_json_row": _bad_scenario_json,
    "a_folder": lambda p, real: p.mkdir(),
}


def ledger_commands(out: Path, tmp: Path, run_id: str) -> dict[str, list[str]]:
    return {
        "experiment": ["experiment", str(_experiment(tmp, _sweep_body(WORKSHOP))), *_lab(out)],
        "calibrate": ["calibrate", str(_experiment(tmp, _calibrate_body(WORKSHOP), "cal.toml")), *_lab(out)],
        "compare": ["compare", str(WORKSHOP), str(ROOT / "scenarios" / "small_grids.toml"), "--reps", "2",
                    "--days", "40", *_lab(out)],
        "sweep": ["sweep", str(WORKSHOP), "--param", "grid.households_per_grid=200,400", "--reps", "1", "--days",
                  "40", *_lab(out)],
        "reproduce": ["reproduce", str(out), run_id],
    }


@pytest.mark.parametrize("command", ("experiment", "calibrate", "compare", "sweep", "reproduce"))
@pytest.mark.parametrize("case", sorted(LEDGER_CASES))
def test_a_broken_ledger_is_named_and_nothing_is_touched(case, command, real_ledger, tmp_path, capsys,
                                                         monkeypatch, no_git):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs.csv").write_text("earlier results\n", encoding="utf-8")
    ledger = out / "ledger.sqlite"
    LEDGER_CASES[case](ledger, real_ledger)
    db = sqlite3.connect(f"{real_ledger.resolve().as_uri()}?mode=ro", uri=True)
    run_id = db.execute("SELECT run_id FROM runs ORDER BY rowid LIMIT 1").fetchone()[0]
    db.close()
    line = assert_refused(ledger_commands(out, tmp_path, run_id)[command], capsys, watch=[tmp_path])
    assert str(ledger) in line, line
    assert "start afresh" in line and "--out" in line, line


def test_a_sound_ledger_passes_the_inspection(real_ledger):
    from sim.lab.ledger import inspect
    assert inspect(real_ledger) is True
    assert inspect(real_ledger.with_name("absent.sqlite")) is False


def test_a_broken_ledger_is_refused_by_the_real_process(real_ledger, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    _truncated(out / "ledger.sqlite", real_ledger)
    exp = _experiment(tmp_path, _sweep_body(WORKSHOP))
    line = assert_refused_subprocess(govsim_executable(), ["experiment", str(exp), *_lab(out)], cwd=tmp_path,
                                     env=subprocess_env())
    assert "ledger.sqlite" in line


@pytest.mark.parametrize("case", ["deep_arrays", "deep_inline_tables", "binary", "extends_a_latin1_file"])
def test_hostile_scenarios_are_refused_by_the_real_process(case, tmp_path):
    """A real process has a shallower stack than pytest's: nesting must be refused there too."""
    s = _write(tmp_path, SCENARIO_CASES[case])
    assert_refused_subprocess(govsim_executable(), ["run", str(s), "--no-progress"], cwd=tmp_path,
                              env=subprocess_env())


def test_a_deeply_nested_set_value_is_refused_by_the_real_process(tmp_path):
    assert_refused_subprocess(govsim_executable(), ["run", str(WORKSHOP), "--set",
                                                    "territory.residents=" + "[" * DEEP + "]" * DEEP],
                              cwd=tmp_path, env=subprocess_env())


@pytest.mark.parametrize("kind", ["folder", "fifo"])
@pytest.mark.parametrize("command", ("experiment", "calibrate"))
def test_an_experiment_path_that_is_not_a_file_is_refused_without_blocking(kind, command, tmp_path, capsys,
                                                                           monkeypatch, no_git):
    import os
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"  # a snapshot would block reading a pipe
    work.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(work)
    path = elsewhere / "exp.toml"
    if kind == "folder":
        path.mkdir()
    elif hasattr(os, "mkfifo"):
        os.mkfifo(path)
    else:
        pytest.skip("no named pipes here")
    line = assert_refused([command, str(path), *_lab(work / "out")], capsys, watch=[work])
    assert "exp.toml" in line
