"""History matching (sim/lab/history_matching.py and its study): the implausibility measure on a
toy with a known answer, identifiability, leave one pattern out, the experiment file's errors, and
the command end to end on a tiny scenario: deterministic, resumable after losing ledger rows."""

from __future__ import annotations

import csv
import math
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import sim.lab.tasks
from sim.cli import main
from sim.lab.calibration import FreeParameter
from sim.lab.experiment import ExperimentError, build, load_experiment, run_count
from sim.lab.history_matching import (Observation, Settings, compatibility, correlation, history_match,
                                      identifiability, leave_one_out, profiles)
from tests.helpers import ROOT

# ------------------------------------------------------------------ the toy: a known solution
# Outcomes a, a + b and b; c (a log parameter) changes nothing. Truth a = 0.3, b = 0.5.
TOY_PARAMS = [FreeParameter("a", 0.0, 1.0), FreeParameter("b", 0.0, 1.0), FreeParameter("c", 1.0, 100.0, log=True)]
TOY_OBS = [Observation("A", "a", 0.3, 0.02, 0.0), Observation("B", "a+b", 0.8, 0.02, 0.0),
           Observation("C", "b", 0.5, 0.02, 0.01)]
TOY_SD = 0.01
TOY_SETTINGS = Settings(seed=1, reps=4, n_initial=60, wave_size=40, waves=4, loo_waves=3)


def toy(points: np.ndarray):
    means = np.column_stack([points[:, 0], points[:, 0] + points[:, 1], points[:, 1]])
    return means, np.full(means.shape, TOY_SD)


def toy_result(settings: Settings = TOY_SETTINGS, observations=TOY_OBS):
    return history_match(toy, TOY_PARAMS, observations, settings)


def test_implausibility_is_the_standardised_distance_with_all_three_variances() -> None:
    result = toy_result(Settings(seed=2, reps=4, n_initial=5, waves=1, loo=False))
    for pt in result.points:
        a, b = pt.point[0], pt.point[1]
        v_sim = TOY_SD ** 2 * (1 + 1 / 4)
        expected = [abs(0.3 - a) / math.sqrt(0.02 ** 2 + v_sim), abs(0.8 - a - b) / math.sqrt(0.02 ** 2 + v_sim),
                    abs(0.5 - b) / math.sqrt(0.02 ** 2 + 0.01 ** 2 + v_sim)]
        assert pt.impl == pytest.approx(expected)
        assert result.measure(pt.index) == pytest.approx(max(expected))


def test_nroy_holds_the_truth_shrinks_for_identified_parameters_and_not_for_the_idle_one() -> None:
    result = toy_result()
    rows = {r["parameter"]: r for r in identifiability(result)}
    assert rows["a"]["nroy_min"] <= 0.3 <= rows["a"]["nroy_max"]
    assert rows["b"]["nroy_min"] <= 0.5 <= rows["b"]["nroy_max"]
    assert rows["a"]["identified"] and rows["b"]["identified"] and not rows["c"]["identified"]
    assert rows["a"]["width_share"] < 0.3 and rows["b"]["width_share"] < 0.3 and rows["c"]["width_share"] > 0.8
    # every NROY point really is within the cutoff; the waves found more of them than wave 1
    assert all(result.measure(i) < 3 for i in result.main.nroy)
    assert result.main.waves[-1]["nroy_total"] > result.main.waves[0]["nroy_total"]
    # the profile of a dips below the cutoff only near 0.3; c's is below it over most of its range
    prof = [r for r in profiles(result) if r["parameter"] == "a"]
    assert all(r["min_measure"] >= 3 for r in prof if r["to"] < 0.2 or r["from"] > 0.4)
    assert sum(r["min_measure"] < 3 for r in prof) <= 3
    assert sum(r["min_measure"] < 3 for r in profiles(result) if r["parameter"] == "c") >= 6
    assert correlation(result).shape == (3, 3)


def test_leave_one_out_predicts_a_left_out_pattern_of_the_toy() -> None:
    result = toy_result()
    rows = {r["left_out"]: r for r in leave_one_out(result)}
    assert set(rows) == {"A", "B", "C"}
    # a + b is pinned by A and C together: its NROY range must contain 0.8
    assert rows["B"]["inside"] and rows["B"]["min"] <= 0.8 <= rows["B"]["max"] and rows["B"]["nroy_points"] > 0
    # A alone leaves b free, so predicting C (b) from A and B still works through a + b
    assert rows["C"]["inside"]


def test_a_wrong_pattern_is_not_predicted_and_empty_nroy_is_reported() -> None:
    wrong = [*TOY_OBS[:2], Observation("C", "b", 0.95, 0.01, 0.0)]   # a + b = 0.8 and a = 0.3 exclude b = 0.95
    result = toy_result(observations=wrong)
    assert result.main.empty and not any(r["identified"] for r in identifiability(result))
    assert any("does not reproduce these patterns" in w for w in result.warnings)
    rows = {r["left_out"]: r for r in leave_one_out(result)}
    assert not rows["C"]["inside"] and rows["C"]["max"] < 0.95
    # each pattern alone, and A with C, can be matched; C with B cannot (a + b = 0.8 needs a < 0)
    fits = {(r["pattern_a"], r["pattern_b"]): r["compatible"] for r in compatibility(result)}
    assert fits[("A", "A")] and fits[("B", "B")] and fits[("C", "C")] and fits[("A", "C")]
    assert fits[("A", "B")] and not fits[("B", "C")]
    # the second largest implausibility forgives one bad observation: NROY is then not empty
    lenient = toy_result(Settings(seed=1, reps=4, n_initial=60, wave_size=40, waves=3, second_max=True,
                                  loo=False), wrong)
    assert not lenient.main.empty


def test_history_matching_is_deterministic_and_seeded() -> None:
    s = Settings(seed=5, reps=2, n_initial=20, wave_size=10, waves=3, loo_waves=2)
    one, two = toy_result(s), toy_result(s)
    assert [p.point.tolist() for p in one.points] == [p.point.tolist() for p in two.points]
    other = toy_result(Settings(seed=6, reps=2, n_initial=20, wave_size=10, waves=3, loo_waves=2))
    assert [p.point.tolist() for p in other.points] != [p.point.tolist() for p in one.points]


# ------------------------------------------------------------------ the experiment file
TINY = {"territory.residents": 800, "territory.households_per_community": 200, "sim.warmup_days": 2}
HM = f"""
name = "tiny_history_matching"
design = "calibrate"
scenario = "{ROOT / 'scenarios' / 'workshop.toml'}"
seed = 4
reps = 2
days = 15
outcomes = ["response_time_h.mean"]
[set]
{chr(10).join(f'"{k}" = {v}' for k, v in TINY.items())}
[calibrate]
method = "history_matching"
n_initial = 6
wave_size = 3
waves = 2
loo_waves = 2
[parameters."case.unsolved_share"]
low = 0.0
high = 0.6
[parameters."handoff.committee_to_township_hours"]
low = 1.0
high = 100.0
log = true
[targets.before]
"rates.solved" = {{ value = 0.6, tolerance = 0.05 }}
[targets.after]
set = {{ "policy.decentralisation" = 1.0 }}
"rates.solved" = {{ value = 0.8, tolerance = 0.05, discrepancy = 0.05 }}
"rates.closed" = {{ value = 0.9, tolerance = 0.05 }}
"""


@pytest.mark.parametrize("old, new, key, allowed", [
    ('method = "history_matching"', 'method = "abc"', "calibrate.method", "one of fit, history_matching"),
    ('method = "history_matching"', 'method = "fit"', "calibrate.loo_waves", "a history-matching option"),
    ("wave_size = 3", "max_refine_evals = 3", "calibrate.max_refine_evals", 'an option of method = "fit"'),
    ("waves = 2", "waves = 0", "calibrate.waves", "an integer ≥ 1"),
    ("loo_waves = 2", "cutoff = -1", "calibrate.cutoff", "a number above zero"),
    ("loo_waves = 2", "second_max = 1", "calibrate.second_max", "true or false"),
    ("loo_waves = 2", "identified_share = 1.5", "calibrate.identified_share", "a share in (0, 1)"),
    ("discrepancy = 0.05", "discrepancy = -0.05", "targets.after.rates.solved.discrepancy", "a finite number >= 0"),
    ('"policy.decentralisation" = 1.0', '"policy.nope" = 1.0', "targets.after.set.policy.nope", "unknown"),
    ('"policy.decentralisation" = 1.0', '"policy.decentralisation" = 7.0', "targets.after.set", "[0, 1]"),
])
def test_bad_history_matching_definitions_name_the_key(tmp_path: Path, old: str, new: str, key: str,
                                                      allowed: str) -> None:
    assert old in HM
    path = tmp_path / "bad.toml"
    path.write_text(HM.replace(old, new, 1), encoding="utf-8")
    from sim.scenario import read_toml
    with pytest.raises(ExperimentError) as err:
        build(read_toml(path), path)
    assert err.value.key.startswith(key) and allowed in str(err.value)


def test_a_context_or_discrepancy_needs_history_matching(tmp_path: Path, capsys) -> None:
    fit = HM.replace('method = "history_matching"', 'method = "fit"').replace(
        "wave_size = 3\nwaves = 2\nloo_waves = 2\n", "")
    path = tmp_path / "fit.toml"
    path.write_text(fit, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "targets.after.set" in err and "history_matching" in err and not out.exists()
    path.write_text(fit.replace('set = { "policy.decentralisation" = 1.0 }\n', ""), encoding="utf-8")
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    assert "discrepancy" in capsys.readouterr().err and not out.exists()


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and not p.name.startswith("ledger.sqlite")}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_history_matching_end_to_end_deterministic_and_resumable(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "hm.toml"
    path.write_text(HM, encoding="utf-8")
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["calibrate", str(path), "--out", str(a), "--workers", "1", "--no-progress"]) == 0
    for name in ("waves.csv", "nroy.csv", "points.csv", "identifiability.csv", "correlation.csv", "profiles.csv",
                 "loo.csv", "compatibility.csv", "history_matching.json", "report.md", "runs.csv", "manifest.json",
                 "figures/nroy_pairs.png", "figures/profiles.png"):
        assert (a / name).is_file(), name
    points = rows(a / "points.csv")
    waves = [r for r in rows(a / "waves.csv") if r["fit"] == "all"]
    assert [int(r["points"]) for r in waves] == [6, 3] and len(points) >= 9
    assert {r["parameter"] for r in rows(a / "identifiability.csv")} == {"case.unsolved_share",
                                                                         "handoff.committee_to_township_hours"}
    assert {(r["left_out"], r["outcome"]) for r in rows(a / "loo.csv")} == {
        ("before", "rates.solved"), ("after", "rates.solved"), ("after", "rates.closed")}
    # every point ran both patterns, the "after" one with its own context
    runs = rows(a / "runs.csv")
    assert len(runs) == len(points) * 2 * 2 and {r["pattern"] for r in runs} == {"before", "after"}
    assert len(runs) <= run_count(load_experiment(path)) == (6 + 3 + 2 * 3) * 2 * 2   # the budget, fixed in advance
    report = (a / "report.md").read_text()
    assert "NROY size per wave" in report and "Leave one pattern out" in report and "Attribution" in report
    assert "`policy.decentralisation` = 1.0" in report
    # Deterministic: a fresh folder gives the same bytes.
    assert main(["calibrate", str(path), "--out", str(b), "--workers", "1", "--no-progress"]) == 0
    assert outputs(b) == outputs(a)
    # Resume: lose a third of the ledger's rows; the rerun computes exactly those and ends identical.
    with sqlite3.connect(b / "ledger.sqlite") as db:
        lost = db.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()[::3]
        db.executemany("DELETE FROM runs WHERE run_id = ?", lost)
    calls = []
    real = sim.lab.tasks.run_record
    monkeypatch.setattr(sim.lab.tasks, "run_record", lambda *args: calls.append(args) or real(*args))
    assert main(["calibrate", str(path), "--out", str(b), "--workers", "1", "--no-progress"]) == 0
    assert len(calls) == len(lost) and outputs(b) == outputs(a)
    # The Chinese report from the same ledger: nothing recomputed.
    shutil.copytree(a, tmp_path / "zh")
    calls.clear()
    assert main(["calibrate", str(path), "--out", str(tmp_path / "zh"), "--workers", "1", "--no-progress",
                 "--lang", "zh"]) == 0
    assert calls == [] and "各波 NROY 规模" in (tmp_path / "zh" / "report.md").read_text()


def test_volume_per_resident_counts_the_requests_residents_reported_in_the_window() -> None:
    """The volume pattern's summary key, recomputed from the case table."""
    from sim.runner import run
    from sim.scenario import load
    scenario = load(ROOT / "scenarios" / "workshop.toml").with_values(
        {**TINY, "sim.days": 20, "sim.warmup_days": 5}, origin="test")
    out = run(scenario, 3)
    col = {name: i for i, name in enumerate(out.case_columns)}
    reported = [r for r in out.case_rows if r[col["t_arise"]] >= 5 and not math.isnan(r[col["t_report"]])
                and r[col["channel"]] in ("in_person", "hotline", "app")]
    expected = len(reported) / out.summary["population.residents"] * 365 / (20 - 5)
    assert reported and out.summary["volume.requests_per_resident_year"] == pytest.approx(expected)
    # grid workers' discoveries were there to be left out (they are not residents' requests)
    found = [r for r in out.case_rows if r[col["t_arise"]] >= 5 and r[col["channel"]] in ("visit", "patrol")]
    assert found
