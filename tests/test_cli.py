"""The `govsim` command line: run, params, validate — in process and as the installed script."""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim
import sim.cli
import sim.options
from sim.cli import main
from sim.cases import MADE_CASE_IDS
from sim.params import PARAMS

from conftest import (BASELINE, FAKE_COMMIT, SCENARIOS, SMALL_DAYS, govsim_executable, small_run_argv,
                      subprocess_env)

OUTPUT_FILES = {"summary.json", "timeseries.csv", "cases.csv", "communities.csv", "manifest.json", "surveys.json"}
TIMESTAMPS = ["t_arise", "t_report", "t_accept", "t_in_grid", "t_in_committee", "t_in_township", "t_in_county",
              "t_resolve", "t_verify", "t_abandon"]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def num(text: str) -> float:
    return math.nan if text == "" else float(text)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ------------------------------------------------------------------------ run
def check_outputs(out: Path, days: int, residents: int) -> dict:
    """The files of a finished run; returns the manifest."""
    assert set(listing(out)) == OUTPUT_FILES
    # summary.json: a flat object of dotted names -> number or null.
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert isinstance(summary, dict) and len(summary) > 50
    for key, value in summary.items():
        assert isinstance(key, str) and "." in key, key
        assert value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)), (key, value)
        assert value is None or math.isfinite(value)
    assert summary["population.residents"] == residents

    # timeseries.csv: one row per simulated day.
    header, rows = read_csv(out / "timeseries.csv")
    assert {"day", "backlog", "satisfaction_rate", "latent_satisfaction", "survey_satisfaction_rate"} <= set(header)
    assert len(rows) == days
    assert [int(r["day"]) for r in rows] == list(range(days))
    assert all(int(r["backlog"]) >= 0 for r in rows)
    assert sum(int(r["created"]) for r in rows) == summary["cases.created"]

    # cases.csv: one row per case, with every timestamp column.
    header, cases = read_csv(out / "cases.csv")
    assert header[:2] == ["case_id", "need"]
    for col in TIMESTAMPS:
        assert col in header, col
    assert header.index("t_arise") < header.index("t_abandon")
    assert len(cases) == summary["cases.created"] > 0
    ids = [int(c["case_id"]) for c in cases]
    arrivals = [i for i in ids if i < MADE_CASE_IDS]   # cases made during the run have ids in bands of their own
    assert arrivals == list(range(len(arrivals))) and len(set(ids)) == len(ids)
    for c in cases:
        t = {k: num(c[k]) for k in TIMESTAMPS}
        assert 0 <= t["t_arise"] <= days
        assert all(math.isnan(v) or t["t_arise"] <= v for v in t.values()), c
        for a, b in (("t_report", "t_accept"), ("t_accept", "t_resolve"), ("t_resolve", "t_verify")):
            assert math.isnan(t[a]) or math.isnan(t[b]) or t[a] <= t[b], (a, b, c)
        assert math.isnan(t["t_resolve"]) or math.isnan(t["t_abandon"]), c
    statuses = {c["status"] for c in cases}
    assert "resolved" in statuses
    assert sum(c["status"] == "resolved" for c in cases) == summary["cases.resolved"]

    # manifest.json: provenance.
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("govsim_version", "git_commit", "seed", "scenario", "packages", "wall_time_s", "random_streams",
                "scenario_files", "created_utc", "python"):
        assert key in m, key
    assert m["govsim_version"] == sim.__version__
    assert m["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", m["git_commit"]), m["git_commit"]
    assert m["packages"]["mesa"].startswith("3.5") and m["packages"]["numpy"]
    wall = m["wall_time_s"]
    assert isinstance(wall, dict) and wall["simulation"] > 0 and wall["build"] >= 0
    assert m["scenario"]["sim"]["days"] == days
    assert set(m["scenario"]["needs"]) >= {"certificate", "repair"}
    json.loads((out / "surveys.json").read_text(encoding="utf-8"))
    return m


def test_run_writes_all_outputs(small_run_dir: Path) -> None:
    m = check_outputs(small_run_dir, SMALL_DAYS, 3000)
    assert m["seed"] == 7
    assert m["git_commit"] == FAKE_COMMIT
    # --set and --days show in the manifest's scenario as resolved.
    sc = m["scenario"]
    assert sc["territory"]["residents"] == 3000
    assert sc["sim"]["warmup_days"] == 5 and sc["survey"]["interval_days"] == 10
    assert sc["grid"]["households_per_grid"] == 400  # untouched values are there too
    assert m["scenario_files"] == [str(BASELINE)]
    surveys = json.loads((small_run_dir / "surveys.json").read_text(encoding="utf-8"))
    assert [s["day"] for s in surveys] == list(range(10, SMALL_DAYS + 1, 10))  # every survey.interval_days
    assert all(0 <= s["satisfaction_rate"] <= 1 and s["n"] > 0 for s in surveys)
    summary = json.loads((small_run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["survey.count"] == 4


def test_run_set_changes_the_model(tmp_path: Path, no_git, capsys) -> None:
    out = tmp_path / "small_grids"
    argv = small_run_argv(out, seed=3, extra=("--set", "grid.households_per_grid=100", "--set",
                                             "policy.app_adoption=0.9"))
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "grid workers" in printed and str(out) in printed
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["scenario"]["grid"]["households_per_grid"] == 100
    assert m["scenario"]["policy"]["app_adoption"] == 0.9
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    households = summary["population.households"]
    assert summary["territory.grids"] == pytest.approx(households / 100, abs=1)


@pytest.mark.parametrize(("extra", "key"), [
    (("--set", "grid.households_per_gird=300"), "grid.households_per_gird"),
    (("--set", "grid.households_per_grid=2.5"), "grid.households_per_grid"),
    (("--set", "grid.households_per_grid=lots"), "grid.households_per_grid"),
    (("--set", "policy.app_adoption=1.5"), "policy.app_adoption"),
    (("--set", "needs.repair.level=province"), "needs.repair.level"),
    (("--set", "burden.paperwork_hours_per_day=9"), "burden.paperwork_hours_per_day"),
    (("--set", "sim.warmup_days=40"), "sim.warmup_days"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, capsys, no_git, extra, key) -> None:
    out = tmp_path / "results" / "never"
    assert main(small_run_argv(out, extra=extra)) == 2
    captured = capsys.readouterr()
    assert f"'{key}'" in captured.err and captured.err.startswith("govsim: error: ")
    assert captured.err.count("\n") == 1, "one clear line"
    assert captured.out == ""
    assert not out.exists()
    assert listing(tmp_path / "results") == []  # no temporary folder left behind either


def test_bad_scenario_file_exits_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{BASELINE}"\n[grid]\nhouseholds_per_grid = "many"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "grid.households_per_grid" in err and "'many'" in err and "an integer" in err
    assert not out.exists()
    assert main(["run", str(tmp_path / "absent.toml"), "--out", str(out)]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    assert main(["run", str(BASELINE), "--set", "novalue", "--out", str(out)]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("argv_tail", [["--days", "0"], ["--days", "x"], ["--seed", "-1"], ["--seed", "1.5"]])
def test_bad_options_exit_2(tmp_path: Path, capsys, argv_tail) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["run", str(BASELINE), "--out", str(out), *argv_tail])
    assert info.value.code == 2
    assert argv_tail[0] in capsys.readouterr().err
    assert not out.exists()


def test_failed_run_keeps_earlier_output(tmp_path: Path, capsys, no_git) -> None:
    out = tmp_path / "kept"
    assert main(small_run_argv(out, seed=1)) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(small_run_argv(out, seed=2, extra=("--set", "policy.app_adoption=7"))) == 2
    assert "policy.app_adoption" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert listing(tmp_path) == ["kept"]
    # A later good run replaces the folder completely.
    assert main(small_run_argv(out, seed=2)) == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 2
    assert listing(tmp_path) == ["kept"]


@pytest.mark.parametrize("shared", [False, True], ids=["own-folder", "shared-folder-forced"])
def test_failure_while_writing_keeps_earlier_output(tmp_path: Path, monkeypatch, no_git, capsys, shared) -> None:
    """Outputs are written to a temporary folder and swapped in only when complete; in a folder
    shared with other files (--force), those files and govsim's earlier ones are kept as they were."""
    out = tmp_path / "kept"
    extra: tuple[str, ...] = ()
    if shared:
        out.mkdir()
        (out / "notes.txt").write_text("keep me", encoding="utf-8")
        extra = ("--force",)
    assert main(small_run_argv(out, seed=1, extra=extra)) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = sim.cli._write_csv

    def broken(path, header, rows):
        if path.name == "cases.csv":
            raise OSError("disk full")
        return real(path, header, rows)

    monkeypatch.setattr(sim.cli, "_write_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        main(small_run_argv(out, seed=2, extra=extra))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert listing(tmp_path) == ["kept"], "a half-written temporary folder was left behind"


def test_default_output_folder(tmp_path: Path, monkeypatch, no_git, capsys) -> None:
    """Without --out, outputs go to results/SCENARIO-seedN under the working folder (with the
    progress bar path enabled)."""
    monkeypatch.chdir(tmp_path)
    argv = [a for a in small_run_argv(Path("unused"), seed=4) if a not in ("--no-progress",)]
    i = argv.index("--out")
    del argv[i:i + 2]
    assert main(argv) == 0
    assert listing(tmp_path) == ["results"]
    assert listing(tmp_path / "results") == ["baseline-seed4"]
    assert set(listing(tmp_path / "results" / "baseline-seed4")) == OUTPUT_FILES
    assert "results/baseline-seed4" in capsys.readouterr().out


def test_out_that_is_a_file_exits_2(tmp_path: Path, capsys) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me", encoding="utf-8")
    assert main(small_run_argv(target)) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_manifest_command_records_the_arguments_given(small_run_dir: Path) -> None:
    """Regression: in-process runs once recorded the host program's sys.argv (pytest's) instead."""
    m = json.loads((small_run_dir / "manifest.json").read_text(encoding="utf-8"))
    argv = small_run_argv(small_run_dir)
    assert m["command"] is not None and m["command"][-len(argv):] == argv, m["command"]


def test_seed_option_accepts_any_spelling_of_zero() -> None:
    """Regression: '--seed 00' was rejected and '--seed -1' said 'must be at least 1'."""
    import argparse

    assert sim.options.nonneg_int("0") == 0
    assert sim.options.nonneg_int("00") == 0
    assert sim.options.nonneg_int("12") == 12
    for bad in ("-1", "x", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            sim.options.nonneg_int(bad)
        assert "at least 1" not in str(info.value)


def test_validate_options_before_mmc_are_not_ignored() -> None:
    """Regression: the mmc subparser's defaults used to overwrite `validate --cases N --seed S`."""
    args = sim.cli._parser().parse_args(["validate", "--cases", "5000", "--seed", "3", "mmc", "--arrival-rate", "1",
                                         "--service-rate", "2", "--servers", "1"])
    assert args.func is sim.cli.cmd_validate_mmc
    assert (args.cases, args.seed) == (5000, 3), (args.cases, args.seed)
    # Given after mmc they count too; omitted, mmc uses validate's defaults.
    args = sim.cli._parser().parse_args(["validate", "mmc", "--arrival-rate", "1", "--service-rate", "2",
                                         "--servers", "1", "--cases", "700", "--seed", "9"])
    assert (args.cases, args.seed) == (700, 9)
    plain = sim.cli._parser().parse_args(["validate"])
    args = sim.cli._parser().parse_args(["validate", "mmc", "--arrival-rate", "1", "--service-rate", "2",
                                         "--servers", "1"])
    assert (args.cases, args.seed) == (plain.cases, plain.seed)


def test_validate_missing_scenario_folder_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["validate", "--scenarios", str(tmp_path / "none"), "--cases", "10", "--days", "2"]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_govsim_script_end_to_end(tmp_path: Path) -> None:
    """The installed console script, in a real subprocess (exit status, stdout, files)."""
    exe = govsim_executable()
    out = tmp_path / "sub"
    argv = small_run_argv(out, seed=5, scenario=SCENARIOS / "small_grids.toml")
    done = subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120, env=subprocess_env(),
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "small_grids" in done.stdout and "outputs:" in done.stdout
    m = check_outputs(out, SMALL_DAYS, 3000)
    assert m["scenario"]["grid"]["households_per_grid"] == 200
    assert m["scenario_files"] == [str(SCENARIOS / "small_grids.toml"), str(BASELINE)]
    assert m["command"][1:] == argv
    # Bad input through the script: exit status 2, one line on stderr naming the key, nothing written.
    bad_out = tmp_path / "bad"
    done = subprocess.run([exe, *small_run_argv(bad_out, extra=("--set", "grid.workers_per_grid=0"))],
                          capture_output=True, text=True, timeout=120, env=subprocess_env(), cwd=tmp_path)
    assert done.returncode == 2
    assert "grid.workers_per_grid" in done.stderr and "Traceback" not in done.stderr
    assert not bad_out.exists()


# The loop's order within a row of cases.csv: the original work order's pass, then the last reopened one's.
LOOP_ORDER = ("t_arise", "t_report", "t_accept", "t_resolve", "t_verify", "t_reopen", "t_last_resolve",
              "t_last_verify")


def test_every_row_of_cases_csv_follows_the_loop_with_reopened_cases(tmp_path: Path, no_git, capsys) -> None:
    """Reopened cases (重办) too: each row's timestamps are in the loop's order (first acceptance,
    first closure and its follow-up call, then the last reopening, its closure and call), the
    reopened pass's columns are filled exactly for reopened cases.
    Seeded so that reopenings are many, of mutual-aid cases as well (accepted at the committee)."""
    extra = ("--set", "case.unsolved_share=0.6", "--set", "case.reopen_share=0.9")
    for seed in (1, 5):
        out = tmp_path / f"reopen{seed}"
        assert main(small_run_argv(out, seed=seed, scenario=SCENARIOS / "small_grids.toml", extra=extra)) == 0
        check_loop_order(*read_csv(out / "cases.csv"))


def check_loop_order(header: list[str], cases: list[dict[str, str]]) -> None:
    """The rows of one cases.csv: many reopenings (twice, some), each row in the loop's order."""
    assert set(LOOP_ORDER) <= set(header)
    reopened = [c for c in cases if int(c["reopened"]) > 0]
    assert len(reopened) >= 50 and any(c["need"] == "elderly_care" for c in reopened)
    assert any(int(c["reopened"]) > 1 for c in reopened)
    for c in cases:
        present = [(k, num(c[k])) for k in LOOP_ORDER if not math.isnan(num(c[k]))]
        assert all(a[1] <= b[1] for a, b in zip(present, present[1:])), present
        again = int(c["reopened"]) > 0
        assert again == (c["t_reopen"] != ""), c
        assert again or c["t_last_resolve"] == c["t_last_verify"] == "", c
        if again:
            assert c["t_resolve"] != "" and c["t_verify"] != "", c   # reopened only after a closure and call
            assert (c["status"] == "resolved") == (c["t_last_resolve"] != ""), c


def test_version_and_missing_command(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"govsim {sim.__version__}"
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    # One line (the corpus of hostile input relies on it), saying what is missing and where to look.
    assert capsys.readouterr().err == ("govsim: error: the following arguments are required: command "
                                       "(see govsim --help)\n")


# --------------------------------------------------------------------- params
def param_rows(text: str) -> dict[str, str]:
    """key -> value column of `govsim params`."""
    rows = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[0].count(".") == 1:
            rows[parts[0]] = parts[1]
    return rows


def test_params_lists_every_key(capsys) -> None:
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    rows = param_rows(out)
    assert set(rows) == {p.key for p in PARAMS}
    assert rows["grid.households_per_grid"] == "400"
    assert out.splitlines()[0].split()[:2] == ["key", "default"]


def test_params_of_a_scenario(capsys) -> None:
    assert main(["params", str(SCENARIOS / "small_grids.toml")]) == 0
    out = capsys.readouterr().out
    rows = param_rows(out)
    assert rows["grid.households_per_grid"] == "200"
    assert rows["policy.app_adoption"] == "0.3"
    assert "certificate" in out  # the scenario's needs catalogue is named


def test_params_markdown_and_bad_scenario(tmp_path: Path, capsys) -> None:
    assert main(["params", "--markdown"]) == 0
    assert capsys.readouterr().out == sim.docs.reference_markdown()
    assert main(["params", str(tmp_path / "absent.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err


# ------------------------------------------------------------------- validate
def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and mean wait, written out independently of sim.queueing."""
    a = lam / mu
    rho = a / c
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    p_wait = tail / (head + tail)
    return p_wait, p_wait / (c * mu - lam)


def test_validate_mmc_json(capsys) -> None:
    argv = ["validate", "mmc", "--arrival-rate", "4", "--service-rate", "1", "--servers", "5", "--cases", "20000",
            "--json"]
    assert main(argv) == 0
    r = json.loads(capsys.readouterr().out)
    for key in ("sim_mean_wait_h", "analytic_mean_wait_h", "sim_p_wait", "analytic_p_wait", "wall_s"):
        assert isinstance(r[key], float), key
    p_wait, wait = erlang_c(4.0, 1.0, 5)
    assert r["analytic_p_wait"] == pytest.approx(p_wait, rel=1e-9)
    assert r["analytic_mean_wait_h"] == pytest.approx(wait, rel=1e-9)
    # 20,000 cases: the simulation is within sampling error of Erlang C (deterministic for seed 0).
    assert r["sim_mean_wait_h"] == pytest.approx(wait, rel=0.25)
    assert r["sim_p_wait"] == pytest.approx(p_wait, rel=0.10)
    assert r["servers"] == 5 and 0.8 * 20000 <= r["cases"] <= 1.2 * 20000
    assert r["wall_s"] > 0


@pytest.mark.parametrize(("lam", "mu", "c"), [("5", "1", "5"), ("6", "1", "5"), ("2.5", "0.5", "4")])
def test_validate_mmc_unstable_exits_2(capsys, lam, mu, c) -> None:
    argv = ["validate", "mmc", "--arrival-rate", lam, "--service-rate", mu, "--servers", c, "--cases", "100"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "unstable" in captured.err and "govsim: error:" in captured.err
    assert captured.out == ""


def test_validate_mmc_rejects_bad_rates(capsys) -> None:
    for argv_tail in (["--arrival-rate", "0", "--service-rate", "1", "--servers", "1"],
                      ["--arrival-rate", "1", "--service-rate", "-1", "--servers", "2"],
                      ["--arrival-rate", "1", "--service-rate", "1", "--servers", "0"]):
        with pytest.raises(SystemExit) as info:
            main(["validate", "mmc", *argv_tail])
        assert info.value.code == 2
    capsys.readouterr()


def test_run_prints_the_files_it_wrote(tmp_path: Path, capsys) -> None:
    from tests.conftest import small_run_argv

    out = tmp_path / "out"
    assert main(small_run_argv(out)) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("outputs: "))
    listed = line.split("(", 1)[1].rstrip(")").split(", ")
    assert sorted(listed) == sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


# ------------------------------------------------------------- output folders
def test_force_replaces_only_govsims_files(tmp_path: Path, no_git, capsys) -> None:
    """--out on a folder of other files: refused; with --force, govsim's files are written and
    nothing else there is touched."""
    out = tmp_path / "shared"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    (out / "summary.json").write_text("an old file of the same name", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "data.csv").write_text("1,2\n", encoding="utf-8")
    assert main(small_run_argv(out, seed=1)) == 2
    assert "notes.txt" in capsys.readouterr().err
    # A file of a name govsim writes, not written by govsim: not replaced, even with --force.
    assert main(small_run_argv(out, seed=1, extra=("--force",))) == 2
    assert "summary.json" in capsys.readouterr().err
    assert (out / "summary.json").read_text(encoding="utf-8") == "an old file of the same name"
    (out / "summary.json").unlink()
    (out / "cases.csv").mkdir()  # nor a folder of such a name (it could not be replaced whole)
    assert main(small_run_argv(out, seed=1, extra=("--force",))) == 2
    assert "cases.csv" in capsys.readouterr().err
    (out / "cases.csv").rmdir()
    assert main(small_run_argv(out, seed=1, extra=("--force",))) == 0
    assert set(listing(out)) == OUTPUT_FILES | {"notes.txt", "sub"}
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (out / "sub" / "data.csv").read_text(encoding="utf-8") == "1,2\n"
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 1
    assert listing(tmp_path) == ["shared"], "a temporary folder was left behind"
    # Again, forced: the earlier run's files are replaced, the others still kept.
    assert main(small_run_argv(out, seed=2, extra=("--force",))) == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 2
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert set(listing(out)) == OUTPUT_FILES | {"notes.txt", "sub"}


def test_a_killed_runs_temporary_folders_are_removed_by_the_next_run(tmp_path: Path, no_git, capsys) -> None:
    import os

    out = tmp_path / "kept"
    assert main(small_run_argv(out, seed=1)) == 0
    # What SIGKILL while writing leaves: a hidden temporary sibling (and, forced, one inside).
    stale = tmp_path / ".kept.k1ll3d_x"
    stale.mkdir()
    (stale / "summary.json").write_text("{}", encoding="utf-8")
    stale_old = tmp_path / ".kept.old.abcd1234"
    stale_old.mkdir()
    (stale_old / "cases.csv").write_text("", encoding="utf-8")
    someone_elses = tmp_path / ".kept.backup"  # hidden, but not govsim's: a file govsim never writes
    someone_elses.mkdir()
    (someone_elses / "thesis.tex").write_text("keep me", encoding="utf-8")
    backup = tmp_path / ".kept.my-copy"  # a user's copy of run files: not a name govsim's temporary folders get
    backup.mkdir()
    (backup / "summary.json").write_text("{}", encoding="utf-8")
    for p in (stale, stale_old, someone_elses, backup):
        os.utime(p, (1_000_000_000, 1_000_000_000))
    assert main(small_run_argv(out, seed=2)) == 0
    assert listing(tmp_path) == [".kept.backup", ".kept.my-copy", "kept"]
    assert (backup / "summary.json").exists()
    assert (someone_elses / "thesis.tex").read_text(encoding="utf-8") == "keep me"


def test_rerun_on_govsims_own_output_needs_no_force(small_run_dir: Path, tmp_path: Path, no_git, capsys) -> None:
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(small_run_dir, out)
    assert main(small_run_argv(out, seed=3)) == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 3
    assert set(listing(out)) == OUTPUT_FILES


def test_default_output_folder_of_a_name_stays_under_results(tmp_path: Path, monkeypatch, no_git, capsys) -> None:
    """A scenario's name is a safe slug (CJK letters allowed) and names results/NAME-seedN."""
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "mine.toml"
    scenario.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "基线-v2.1"\n', encoding="utf-8")
    argv = small_run_argv(Path("unused"), seed=0, scenario=scenario)
    i = argv.index("--out")
    del argv[i:i + 2]
    assert main(argv) == 0
    assert listing(tmp_path / "results") == ["基线-v2.1-seed0"]


# ------------------------------------------------------------------ dashboard
@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                          ("0.0.0.0", True)])
def test_dashboard_warns_when_reachable_from_the_network(host, warned, monkeypatch, capsys) -> None:
    import socket

    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6")
    started = []
    monkeypatch.setattr(sim.cli.subprocess, "run",
                        lambda cmd, **k: started.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    monkeypatch.setattr(sim.cli, "check_port", lambda host, port: None)
    assert main(["dashboard", str(BASELINE), "--host", host]) == 0
    assert started and started[0][started[0].index("--host") + 1] == host
    captured = capsys.readouterr()
    assert f"http://{host}:8765/" in captured.out
    if warned:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "no authentication" in lines[0] and "0.0.0.0" in lines[0], captured.err
    else:
        assert captured.err == ""


def test_dashboard_serves_both_pages_and_prints_the_trainers_token(monkeypatch, capsys) -> None:
    """The server gets the trainer's token and the session limit; the trainer's address carries the
    token (participants need only the bare address); a token in the environment is kept."""
    started = []
    monkeypatch.setattr(sim.cli.subprocess, "run",
                        lambda cmd, **k: started.append((cmd, k["env"])) or subprocess.CompletedProcess(cmd, 0))
    monkeypatch.setattr(sim.cli, "check_port", lambda host, port: None)
    monkeypatch.delenv("GOVSIM_TRAINER_TOKEN", raising=False)
    assert main(["dashboard", str(BASELINE), "--max-sessions", "12"]) == 0
    cmd, env = started[-1]
    assert "sim.dashboard.server" in cmd and env["GOVSIM_MAX_SESSIONS"] == "12"
    token = env["GOVSIM_TRAINER_TOKEN"]
    out = capsys.readouterr().out
    assert len(token) >= 16 and f"http://127.0.0.1:8765/trainer?token={token}" in out
    assert main(["dashboard", str(BASELINE)]) == 0
    assert started[-1][1]["GOVSIM_TRAINER_TOKEN"] != token and "GOVSIM_MAX_SESSIONS" not in started[-1][1]
    monkeypatch.setenv("GOVSIM_TRAINER_TOKEN", "chosen-by-the-trainer")
    assert main(["dashboard", str(BASELINE)]) == 0
    assert started[-1][1]["GOVSIM_TRAINER_TOKEN"] == "chosen-by-the-trainer"
    with pytest.raises(SystemExit) as refused:
        main(["dashboard", str(BASELINE), "--max-sessions", "0"])
    assert refused.value.code == 2 and "--max-sessions" in capsys.readouterr().err


def test_dashboard_is_loopback() -> None:
    assert sim.cli.is_loopback("127.0.0.1") and sim.cli.is_loopback("127.1.2.3") and sim.cli.is_loopback("::1")
    assert sim.cli.is_loopback("localhost")
    assert not sim.cli.is_loopback("0.0.0.0") and not sim.cli.is_loopback("::")
    assert not sim.cli.is_loopback("192.168.1.10")


def test_dashboard_free_port_passes_the_check() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sim.cli.check_port("127.0.0.1", port)  # free again: no error


# ---------------------------------------------------------- experiment folders
def _small_scenarios(folder: Path) -> list[str]:
    paths = []
    for name, hh in (("small_a", 300), ("small_b", 400)):
        p = folder / f"{name}.toml"
        p.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "{name}"\n[territory]\nresidents = 3000\n'
                     f"[grid]\nhouseholds_per_grid = {hh}\n[sim]\nwarmup_days = 5\n", encoding="utf-8")
        paths.append(str(p))
    return paths


def test_experiment_out_folder_rules(tmp_path: Path, no_git, capsys) -> None:
    """An experiment's --out: govsim's own folder is resumed without --force; a folder with other
    files is refused, and with --force written into with the other files left alone."""
    scenarios = _small_scenarios(tmp_path)
    base = ["compare", *scenarios, "--reps", "2", "--days", "30", "--workers", "1", "--no-progress"]
    own = tmp_path / "own"
    assert main([*base, "--out", str(own)]) == 0
    assert (own / "ledger.sqlite").is_file() and (own / "report.md").is_file()
    assert main([*base, "--out", str(own)]) == 0  # rerun on its own folder: resumed, no --force needed
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("keep me", encoding="utf-8")
    capsys.readouterr()
    assert main([*base, "--out", str(shared)]) == 2
    assert "notes.txt" in capsys.readouterr().err and listing(shared) == ["notes.txt"]
    assert main([*base, "--out", str(shared), "--force"]) == 0
    assert (shared / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (shared / "report.md").is_file() and (shared / "ledger.sqlite").is_file()
    # A user's file inside figures/ makes the folder someone else's too.
    (own / "figures" / "my_plot.txt").write_text("mine", encoding="utf-8")
    assert main([*base, "--out", str(own)]) == 2
    assert "figures/my_plot.txt" in capsys.readouterr().err


def test_animate_replaces_an_animation_and_a_forced_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "slides.gif"
    argv = ["animate", str(BASELINE), "--days", "2", "--set", "territory.residents=3000", "--set",
            "sim.warmup_days=1", "--no-progress", "--out", str(out)]
    out.write_text("not an animation", encoding="utf-8")
    assert main(argv) == 2
    assert out.read_text(encoding="utf-8") == "not an animation"
    assert main([*argv, "--force"]) == 0
    assert out.read_bytes().startswith(b"GIF8")
    first = out.stat().st_mtime_ns
    assert main(argv) == 0  # an animation there already: replaced without --force
    assert out.read_bytes().startswith(b"GIF8") and out.stat().st_mtime_ns >= first
    assert listing(tmp_path) == ["slides.gif"]


def test_out_through_a_symbolic_link(small_run_dir: Path, tmp_path: Path, no_git, capsys) -> None:
    """A link to govsim's earlier output folder is written through: the link stays a link."""
    import shutil

    target = tmp_path / "real"
    shutil.copytree(small_run_dir, target)
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    assert main(small_run_argv(link, seed=5)) == 0
    assert link.is_symlink() and set(listing(target)) == OUTPUT_FILES
    assert json.loads((target / "manifest.json").read_text(encoding="utf-8"))["seed"] == 5
    assert listing(tmp_path) == ["link", "real"]


def test_a_killed_experiments_temporary_files_are_removed_by_the_next_call(tmp_path: Path, no_git, capsys) -> None:
    import os

    scenarios = _small_scenarios(tmp_path)
    out = tmp_path / "study"
    argv = ["compare", *scenarios, "--reps", "2", "--days", "30", "--workers", "1", "--no-progress", "--out", str(out)]
    assert main(argv) == 0
    files = set(listing(out))
    # What SIGKILL inside provenance.atomic_write leaves: a hidden temporary file beside the target.
    stale = [out / ".report.md.x7k2p9qa", out / "figures" / ".forest.png.ab12cd34"]
    for p in stale:
        p.write_text("half", encoding="utf-8")
        os.utime(p, (1_000_000_000, 1_000_000_000))
    assert main(argv) == 0  # not refused: they are govsim's
    assert set(listing(out)) == files and not any(p.exists() for p in stale)


def test_building_the_command_line_does_not_load_the_figures() -> None:
    """Every `govsim` call builds the whole parser, `animate` included: that must not import matplotlib."""
    code = "import sys, sim.cli; sim.cli._parser(); print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
