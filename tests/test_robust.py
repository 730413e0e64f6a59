"""Robust and discover designs: the uncertainty space holds only assumption-marked parameters
within their bounds; the Latin hypercube stratifies; every policy and future share replication
seeds; regret, satisficing and the worst decile on hand-made tables; determinism and resume of a
tiny study end to end; discovery reading a robust study's folder; validation errors (exit 2)."""

from __future__ import annotations

import math
import sqlite3
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.lab.experiment import Bound, ExperimentError, build, load_experiment, run_count
from sim.lab.robust_study import future_specs, meets, regret, robustness_rows, satisficing, wilson, worst_decile
from sim.lab.uncertainty import default_space, is_assumption, latin_hypercube
from sim.params import PARAM_BY_KEY
from sim.scenario import load
from tests.helpers import ROOT

SC = (ROOT / "scenarios").as_posix()
TINY = f"""
name = "tiny_robust"
design = "robust"
scenario = "{SC}/workshop.toml"
scenarios = ["{SC}/baseline.toml", "{SC}/decentralisation.toml"]
seed = 5
reps = 1
days = 8
outcomes = ["response_time_h.mean"]
[set]
"territory.residents" = 800
"territory.households_per_community" = 150
"sim.warmup_days" = 1
[policies.grid_heads]
"grid.heads" = true
[uncertainty.delays]
parameters = ["handoff.*", "county.report_hours"]
scale = [0.25, 4.0]
[parameters."demand.scale"]
low = 0.5
high = 3.0
[thresholds]
"rates.on_time" = {{ at_least = 0.5 }}
[robust]
futures = 10
"""
OUTPUTS = ("futures.csv", "outcomes.csv", "robustness.csv", "discovery_boxes.csv", "report.md")


def write(tmp_path: Path, body: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def run(path: Path, out: Path) -> int:
    return main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"])


# ------------------------------------------------------------------ the space and the sample
def test_default_space_holds_assumptions_within_their_bounds():
    base = load(ROOT / "scenarios" / "workshop.toml")
    space = default_space(base)
    assert {"handoff.grid_to_committee_hours", "county.report_hours", "demand.scale",
            "satisfaction.grade_cut_2", "case.patience_factor"} <= set(space)
    for key, r in space.items():
        p = PARAM_BY_KEY[key]
        assert is_assumption(p) and p.lever is None and p.kind in (int, float), key
        assert p.low <= r["low"] < base[key] < r["high"] <= p.high, key
    # a parameter with a published source is not uncertain by default
    assert "handoff.committee_to_township_hours" not in space and "policy.app_adoption" not in space


def test_latin_hypercube_stratifies_every_dimension_and_follows_the_seed():
    bounds = (Bound("demand.scale", 0.5, 1.5), Bound("case.verify_hours", 10.0, 40.0))
    n = 25
    X = latin_hypercube(bounds, n, seed=7)
    for j, b in enumerate(bounds):
        strata = np.floor((X[:, j] - b.low) / (b.high - b.low) * n).astype(int)
        assert sorted(strata) == list(range(n))     # exactly one point in each of n equal strata
    assert np.array_equal(X, latin_hypercube(bounds, n, seed=7))
    assert not np.array_equal(X, latin_hypercube(bounds, n, seed=8))
    ints = latin_hypercube((Bound("county.staff_per_department", 1.0, 6.0),), 10, seed=1)
    assert np.array_equal(ints, np.round(ints))


def test_every_policy_in_every_future_shares_the_replication_seeds(tmp_path):
    exp = load_experiment(write(tmp_path, TINY.replace("reps = 1", "reps = 2")))
    X, specs = future_specs(exp)
    assert X.shape == (10, 5) and len(specs) == run_count(exp) == 3 * 10 * 2
    for i in range(10):
        for r in range(2):
            runs = [specs[p, i, r] for p in ("baseline", "decentralisation", "grid_heads")]
            assert len({s.seed for s in runs}) == 1
            # the future's values are the same for every policy; only the levers differ
            for key in ("demand.scale", "county.report_hours"):
                section, name = key.split(".")
                assert len({s.scenario[section][name] for s in runs}) == 1
    assert specs["decentralisation", 0, 0].scenario["policy"]["decentralisation"] == 0.8
    assert specs["baseline", 0, 0].scenario["policy"]["decentralisation"] == 0.0
    assert specs["grid_heads", 0, 0].scenario["grid"]["heads"] is True
    assert specs["baseline", 0, 0].seed != specs["baseline", 0, 1].seed


# ------------------------------------------------------------------ the analysis on hand-made tables
def test_regret_is_zero_for_the_best_policy_and_never_negative():
    v = np.array([[0.8, 0.5, 0.9], [0.7, 0.6, 0.9], [0.6, 0.4, 0.2]])   # 3 policies × 3 futures
    r = regret(v, "max")
    assert np.allclose(r, [[0.0, 0.1, 0.0], [0.1, 0.0, 0.0], [0.2, 0.2, 0.7]])
    r_min = regret(v, "min")
    assert np.allclose(r_min, [[0.2, 0.1, 0.7], [0.1, 0.2, 0.7], [0.0, 0.0, 0.0]])
    assert (r >= 0).all() and (r_min >= 0).all() and (r.min(axis=0) == 0).all()
    with_nan = regret(np.array([[1.0, np.nan], [2.0, np.nan]]), "max")
    assert with_nan[0, 0] == 1.0 and np.isnan(with_nan[:, 1]).all()


def test_satisficing_shares_and_worst_decile_on_a_hand_made_table():
    values = {"rates.on_time": np.array([[0.8, 0.6, 0.9, 0.75], [0.5, 0.9, 0.95, np.nan]]),
              "response_time_h.mean": np.array([[10.0, 10.0, 30.0, 12.0], [5.0, 5.0, 5.0, 5.0]])}
    limits = {"rates.on_time": {"at_least": 0.7}, "response_time_h.mean": {"at_most": 24}}
    ok = meets(values, limits)
    assert ok.tolist() == [[True, False, False, True], [False, True, True, False]]  # NaN is not met
    (s0, lo0, hi0), (s1, _, _) = satisficing(ok)
    assert (s0, s1) == (0.5, 0.5) and 0 < lo0 < 0.5 < hi0 < 1
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)   # the textbook Wilson interval
    assert wilson(10, 10)[1] == 1.0 and wilson(10, 10)[0] == pytest.approx(0.7225, abs=1e-4)
    many = np.arange(20, dtype=float)[None, :]      # worst 10% of 20 futures: the 2 worst
    assert worst_decile(many, "max")[0] == 0.5 and worst_decile(many, "min")[0] == 18.5
    rows = robustness_rows(["a", "b"], values, {"rates.on_time": "max"}, limits)
    table = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert table["a", "satisficing", "all thresholds"] == 0.5
    assert table["b", "max_regret", "rates.on_time"] == pytest.approx(0.3)
    assert table["a", "max_regret", "rates.on_time"] == pytest.approx(0.3)
    assert table["a", "p90_regret", "rates.on_time"] == pytest.approx(np.quantile([0, 0.3, 0.05, 0], 0.9))


# ------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def robust_folder(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("robust")
    out = tmp / "out"
    assert run(write(tmp, TINY), out) == 0
    return out


def test_robust_study_writes_its_tables_and_report(robust_folder):
    import csv
    out = robust_folder
    futures = list(csv.DictReader((out / "futures.csv").open()))
    assert len(futures) == 10 and list(futures[0]) == [
        "future", "demand.scale", "handoff.grid_to_committee_hours", "handoff.committee_to_township_hours",
        "handoff.township_to_county_hours", "county.report_hours"]
    outcomes = list(csv.DictReader((out / "outcomes.csv").open()))
    assert len(outcomes) == 3 * 10 * 2 and {r["policy"] for r in outcomes} == {"baseline", "decentralisation", "grid_heads"}
    rows = list(csv.DictReader((out / "robustness.csv").open()))
    regrets = [float(r["value"]) for r in rows if r["measure"] == "max_regret"]
    assert len(regrets) == 3 and min(regrets) >= 0
    report = (out / "report.md").read_text()
    assert "| delays | `county.report_hours` | 24 | 6 | 96 |" in report and "assumptions" in report
    assert "![satisficing](figures/satisficing.png)" in report
    for fig in ("regret", "satisficing", "outcomes"):
        assert (out / "figures" / f"{fig}.png").read_bytes().startswith(b"\x89PNG")


def test_robust_study_is_deterministic_and_resumes_to_identical_outputs(robust_folder, tmp_path):
    again = tmp_path / "again"
    assert run(write(tmp_path, TINY), again) == 0
    for name in OUTPUTS:
        assert (again / name).read_bytes() == (robust_folder / name).read_bytes(), name
    with sqlite3.connect(again / "ledger.sqlite") as db:   # as if killed after two thirds of the runs
        ids = [r[0] for r in db.execute("SELECT run_id FROM runs ORDER BY run_id")]
        db.executemany("DELETE FROM runs WHERE run_id = ?", [(i,) for i in ids[::3]])
    assert run(write(tmp_path, TINY), again) == 0
    for name in OUTPUTS:
        assert (again / name).read_bytes() == (robust_folder / name).read_bytes(), name


def test_discover_reads_a_robust_folder_without_running(robust_folder, tmp_path):
    import csv
    body = (f'name = "why_baseline_fails"\ndesign = "discover"\nresults = "{robust_folder.as_posix()}"\n'
            'policy = "baseline"\n[discover]\nresamples = 10\n')
    out = tmp_path / "out"
    assert run(write(tmp_path, body), out) == 0
    failures = [int(r["fails"]) for r in csv.DictReader((out / "failures.csv").open())]
    on_time = {int(r["future"]): float(r["mean"]) for r in csv.DictReader((robust_folder / "outcomes.csv").open())
               if r["policy"] == "baseline" and r["outcome"] == "rates.on_time"}
    assert failures == [int(not on_time[i] >= 0.5) for i in range(10)]   # the study's own threshold
    manifest = (out / "manifest.json").read_text()
    assert '"runs": 0' in manifest
    report = (out / "report.md").read_text()
    assert "Scenario discovery" in report and "baseline" in report and "no runs" in report
    cart = body.replace("resamples = 10", 'resamples = 10\nmethod = "cart"')
    pytest.importorskip("sklearn")
    assert run(write(tmp_path, cart, "cart.toml"), tmp_path / "cart") == 0
    assert "CART" in (tmp_path / "cart" / "report.md").read_text()


def test_chinese_reports_from_the_same_ledger_run_nothing_again(robust_folder, tmp_path, monkeypatch):
    import shutil
    import sim.lab.tasks
    zh = tmp_path / "zh"
    shutil.copytree(robust_folder, zh)
    calls = []
    real = sim.lab.tasks.run_record
    monkeypatch.setattr(sim.lab.tasks, "run_record", lambda *a: calls.append(a) or real(*a))
    path = write(tmp_path, TINY)
    assert main(["experiment", str(path), "--out", str(zh), "--workers", "1", "--no-progress", "--lang", "zh"]) == 0
    report = (zh / "report.md").read_text()
    assert calls == [] and "稳健性分析" in report and "这些范围本身是假设" in report and "满足阈值的情景占比" in report
    assert (zh / "robustness.csv").read_bytes() == (robust_folder / "robustness.csv").read_bytes()
    body = (f'design = "discover"\nresults = "{robust_folder.as_posix()}"\npolicy = "grid_heads"\n'
            '[discover]\nresamples = 5\n')
    assert main(["experiment", str(write(tmp_path, body, "d.toml")), "--out", str(tmp_path / "dz"), "--workers", "1",
                 "--no-progress", "--lang", "zh"]) == 0
    assert "情景发现" in (tmp_path / "dz" / "report.md").read_text()


def test_discover_standalone_runs_its_base_scenario_in_every_future(tmp_path):
    body = TINY.replace('design = "robust"', 'design = "discover"').replace("[robust]", "[discover]")
    body = body.replace(f'scenarios = ["{SC}/baseline.toml", "{SC}/decentralisation.toml"]\n', "")
    body = body.replace('[policies.grid_heads]\n"grid.heads" = true\n', "").replace("futures = 10", "futures = 6")
    exp = load_experiment(write(tmp_path, body))
    assert run_count(exp) == 6 and list(exp.options["policies"]) == ["workshop"]
    assert run(write(tmp_path, body), tmp_path / "out") == 0
    assert len((tmp_path / "out" / "failures.csv").read_text().splitlines()) == 7


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("change,key,allowed", [
    (('"grid.heads" = true', '"demand.scale" = 2.0'), "policies.grid_heads.demand.scale", "uncertainty space"),
    (('"grid.heads" = true', '"grid.heads" = 3'), "policies.grid_heads.grid.heads", "policy 'grid_heads'"),
    (('"rates.on_time" = {{ at_least = 0.5 }}', '"rates.nope" = {{ at_least = 0.5 }}'), "thresholds.rates.nope",
     "a summary key"),
    (('"rates.on_time" = {{ at_least = 0.5 }}', '"rates.on_time" = {{ above = 0.5 }}'), "thresholds.rates.on_time",
     "at_least"),
    (("futures = 10", "futures = 1"), "robust.futures", "an integer ≥ 2"),
    (("seed = 5", "seed = -1"), "seed", "an integer ≥ 0"),
    (("futures = 10", 'futures = 10\nobjectives = {{ "rates.on_time" = "up" }}'), "robust.objectives.rates.on_time",
     '"max"'),
    (("scale = [0.25, 4.0]", "scale = [4.0, 0.25]"), "uncertainty.delays.scale", "0 <= low < high"),
    (('"grid.heads" = true', '"grid.heads" = true\n[policies.baseline]\n"grid.heads" = false'),
     "policies.baseline", "not already used"),
    (('[parameters."demand.scale"]', '[parameters."policy.app_adoption"]'), "parameters.policy.app_adoption",
     "not a policy lever"),
    (("[thresholds]", '[uncertainty.ratings]\nparameters = ["satisfaction.grade_cut_1", "satisfaction.grade_cut_2"]\n'
      "scale = [0.1, 5.0]\n[thresholds]"), None, "narrow the uncertainty ranges"),   # cut points that cross
])
def test_bad_robust_definitions_are_refused(tmp_path, change, key, allowed):
    path = write(tmp_path, TINY.replace(*(c.replace("{{", "{").replace("}}", "}") for c in change)))
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    assert err.value.file == str(path) and allowed in str(err.value)
    if key is not None:
        assert err.value.key == key


def test_bad_discover_definitions_exit_2_before_anything_is_written(tmp_path, robust_folder, capsys):
    cases = [(f'results = "{(tmp_path / "none").as_posix()}"\npolicy = "baseline"\n', "results", "finished robust"),
             (f'results = "{robust_folder.as_posix()}"\npolicy = "nobody"\n', "policy", "one of the study's policies"),
             (f'results = "{robust_folder.as_posix()}"\npolicy = "baseline"\n[discover]\nmethod = "tree"\n',
              "discover.method", "prim, cart"),
             (f'results = "{robust_folder.as_posix()}"\npolicy = "baseline"\nscenario = "x.toml"\n', "scenario",
              "takes its scenario")]
    for text, key, allowed in cases:
        path = write(tmp_path, 'design = "discover"\n' + text, "bad.toml")
        out = tmp_path / "out"
        assert run(path, out) == 2
        err = capsys.readouterr().err
        assert str(path) in err and f"key '{key}'" in err and allowed in err and not out.exists()
    path = write(tmp_path, f'design = "discover"\nresults = "{robust_folder.as_posix()}"\npolicy = "baseline"\n', "r.toml")
    assert main(["experiment", str(path), "--out", str(tmp_path / "out"), "--reps", "3", "--no-progress"]) == 2
    assert "'--reps' = 3" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_a_policies_file_and_scenario_files_give_lever_overrides(tmp_path):
    (tmp_path / "portfolios.toml").write_text('[policies."cheap"]\n"policy.app_adoption" = 0.6\n'
                                              '[policies."rich"]\npolicy.decentralisation = 0.5\n', encoding="utf-8")
    body = TINY.replace('[policies.grid_heads]\n"grid.heads" = true\n', "")
    body = body.replace('design = "robust"\n', 'design = "robust"\npolicies_file = "portfolios.toml"\n')
    exp = build(tomllib.loads(body), tmp_path / "exp.toml")
    assert exp.options["policies"] == {"baseline": {}, "decentralisation": {"policy.decentralisation": 0.8},
                                       "cheap": {"policy.app_adoption": 0.6}, "rich": {"policy.decentralisation": 0.5}}
    assert run_count(exp) == 4 * 10 * 1 and not math.isnan(exp.bounds[0].low)


@pytest.mark.parametrize("design, extra", [
    ("sweep", {"parameters": {"policy.decentralisation": {"values": [0.0, 1.0]}}}),
    ("optimise", {"levers": {"policy.decentralisation": {"low": 0.0, "high": 1.0}},
                  "objectives": {"response_time_h.mean": "minimise"}}),
])
@pytest.mark.parametrize("key, value", [("thresholds", {"rates.on_time": {"at_least": 0.7}}),
                                        ("policies", {"a": {"policy.decentralisation": 1.0}}),
                                        ("uncertainty", {}), ("policies_file", "p.toml")])
def test_the_keys_of_robust_and_discover_are_refused_by_other_designs(design, extra, key, value):
    raw = {"design": design, "scenario": f"{SC}/workshop.toml",
           **extra, key: value}
    with pytest.raises(ExperimentError, match="only a robust or discover design") as err:
        build(raw, "x.toml")
    assert err.value.key == key
