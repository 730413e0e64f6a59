"""design = "optimise": validation, common random numbers, determinism, resume, constraints, a
directional check, fresh seeds for the re-evaluation, and the command end to end."""

from __future__ import annotations

import csv
import json
import sqlite3
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.lab.compare import replication_seeds
from sim.lab.executors import SerialExecutor
from sim.lab.experiment import ExperimentError, load_experiment
from sim.lab.optimise import Lever, at_bounds, budget_value, pareto_mask, spread_pick
from sim.lab.optimise_study import fresh_seeds
from sim.lab.study import run_experiment
from tests.helpers import ROOT

TINY = """
design = "optimise"
scenario = "{scenario}"
seed = 3
reps = 2
[set]
"sim.days" = 16
"sim.warmup_days" = 2
"territory.residents" = 1000
"territory.households_per_community" = 200
[levers."burden.paperwork_hours_per_day"]
low = 0.0
high = 7.0
[levers."grid.households_per_grid"]
low = 60
high = 400
[levers."policy.smart_dispatch"]
values = [0.0, 1.0]
[objectives]
"response_time_h.mean" = "minimise"
[constraints]
"cost.total_cny_per_year" = {{ at_most = {budget} }}
[optimise]
trials = {trials}
batch = 3
reevaluate_top = 2
reevaluate_reps = 3
"""


def write(folder: Path, budget: float = 1.8e6, trials: int = 9, extra: str = "") -> Path:
    text = TINY.format(scenario=ROOT / "scenarios" / "workshop.toml", budget=budget, trials=trials) + extra
    path = folder / "opt.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, out: Path):
    return run_experiment(load_experiment(path), out, SerialExecutor(), progress=False)


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and not p.name.startswith("ledger.sqlite")}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("opt")
    path = write(folder)
    return path, folder / "out", run(path, folder / "out")


# ------------------------------------------------------------ validation
@pytest.mark.parametrize("change, key", [
    (('[levers."grid.households_per_grid"]\nlow = 60', '[levers."grid.households_per_grid"]\nlow = 60.5'),
     "levers.grid.households_per_grid"),
    (('low = 0.0\nhigh = 7.0', 'low = 7.0\nhigh = 0.0'), "levers.burden.paperwork_hours_per_day"),
    (('values = [0.0, 1.0]', 'values = [0.0, 2.0]'), "levers.policy.smart_dispatch"),
    (('"response_time_h.mean" = "minimise"', '"response_time_h.mean" = "lower"'), "objectives.response_time_h.mean"),
    (('"response_time_h.mean" = "minimise"', '"no.such_key" = "minimise"'), "objectives.no.such_key"),
    (("at_most = 1800000.0", "below = 1800000.0"), "constraints.cost.total_cny_per_year"),
    (("trials = 9", "trials = 0"), "optimise.trials"),
    (("batch = 3", "batch = 3\nsampler = \"cmaes\""), "optimise.sampler"),
    (("reevaluate_reps = 3", "reevaluate_reps = 1"), "optimise.reevaluate_reps"),
    (('[levers."policy.smart_dispatch"]', '[levers."no.such_lever"]'), "levers.no.such_lever"),
])
def test_bad_definitions_name_the_key(tmp_path, change, key):
    path = write(tmp_path)
    text = path.read_text()
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1]))
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    assert err.value.key == key
    assert str(path) in str(err.value)


def test_levers_belong_to_an_optimise_design_and_runs_are_bounded(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text().replace('design = "optimise"', 'design = "sweep"'))
    with pytest.raises(ExperimentError, match="only an optimise design"):
        load_experiment(path)
    path = write(tmp_path, trials=10_000, extra="")
    path.write_text(path.read_text().replace("reps = 2", "reps = 101"))
    with pytest.raises(ExperimentError, match="1,010,"):
        load_experiment(path)


def test_cli_exits_2_on_a_bad_file_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path)
    path.write_text(path.read_text().replace('"minimise"', '"minimize!"'))
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    assert "objectives.response_time_h.mean" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------ the search
def test_every_candidate_runs_the_same_seeds(study):
    _, out, _ = study
    search = [r for r in rows(out / "runs.csv") if r["label"].startswith("trial ")]
    seeds: dict[str, set] = {}
    for r in search:
        seeds.setdefault(r["trial"], set()).add(int(r["seed"]))
    assert len(seeds) == 9
    assert all(s == set(replication_seeds(3, 2)) for s in seeds.values())


def test_reported_portfolios_meet_the_budget_in_the_search(study):
    _, out, st = study
    trials = {r["trial"]: r for r in rows(out / "trials.csv")}
    assert any(r["feasible"] == "False" for r in trials.values()), "the budget should bind in this test"
    portfolios = [r for r in rows(out / "portfolios.csv") if r["trial"]]
    assert portfolios
    for r in portfolios:
        t = trials[r["trial"]]
        assert t["feasible"] == "True" and float(t["cost.total_cny_per_year"]) <= 1.8e6
    # and the best is the best feasible candidate of the search
    feasible = [float(t["response_time_h.mean"]) for t in trials.values() if t["feasible"] == "True"]
    p1 = [r for r in portfolios if r["portfolio"] == "p1" and r["outcome"] == "response_time_h.mean"][0]
    assert float(p1["search_mean"]) == min(feasible)


def test_reevaluation_uses_fresh_seeds_for_portfolios_and_base(study):
    _, out, st = study
    runs = rows(out / "runs.csv")
    search = {int(r["seed"]) for r in runs if r["label"].startswith("trial ")}
    fresh = {int(r["seed"]) for r in runs if not r["label"].startswith("trial ")}
    assert fresh == set(fresh_seeds(3, 3)) and not fresh & search
    scenarios = {r["scenario"] for r in runs if not r["label"].startswith("trial ")}
    assert scenarios == {"workshop", "p1", "p2"}
    assert json.loads((out / "manifest.json").read_text())["reevaluation_seeds"] == fresh_seeds(3, 3)


def test_portfolios_toml_reads_back_as_policies(study):
    _, out, st = study
    policies = tomllib.loads((out / "portfolios.toml").read_text())["policies"]
    trials = {r["trial"]: r for r in rows(out / "trials.csv")}
    chosen = {r["portfolio"]: r["trial"] for r in rows(out / "portfolios.csv") if r["trial"]}
    assert set(policies) == set(chosen)
    for name, table in policies.items():
        assert set(table) == {"burden.paperwork_hours_per_day", "grid.households_per_grid", "policy.smart_dispatch"}
        assert isinstance(table["grid.households_per_grid"], int)
        for k, v in table.items():
            assert float(trials[chosen[name]][k]) == pytest.approx(float(v), rel=1e-9)
        assert table == st.facts["portfolios"][name]  # exactly the values the runs used


def test_two_runs_are_identical_and_resume_after_lost_rows_is_too(study, tmp_path):
    path, out, _ = study
    again = tmp_path / "again"
    run(path, again)
    assert outputs(again) == outputs(out)
    with sqlite3.connect(again / "ledger.sqlite") as db:  # lose the later rounds and the re-evaluation
        db.execute("DELETE FROM runs WHERE label NOT LIKE 'trial 0 %' AND label NOT LIKE 'trial 1 %'")
    for p in again.rglob("*.csv"):
        p.unlink()
    run(path, again)
    assert outputs(again) == outputs(out)


def test_directional_the_search_finds_the_helpful_end(study):
    """Paperwork hours take grid workers off the street: the fastest response is at few hours."""
    _, out, _ = study
    trials = rows(out / "trials.csv")
    best = min((r for r in trials if r["feasible"] == "True"), key=lambda r: float(r["response_time_h.mean"]))
    hours = [float(r["burden.paperwork_hours_per_day"]) for r in trials]
    assert float(best["burden.paperwork_hours_per_day"]) <= np.median(hours)
    assert float(best["burden.paperwork_hours_per_day"]) < 3.0


def test_report_in_both_languages(study, tmp_path):
    path, out, _ = study
    text = (out / "report.md").read_text()
    for heading in ("## Portfolios", "## Levers the optimum pushes", "## Marginal value of budget"):
        assert heading in text
    zh = tmp_path / "zh"
    run_experiment(load_experiment(path), zh, SerialExecutor(), progress=False, lang="zh")
    text_zh = (zh / "report.md").read_text()
    assert "预算的边际价值" in text_zh and "组合" in text_zh
    # the budget rests on lever prices: which of them are assumptions is said, per lever
    section = text.split("## What the costs rest on")[1]
    assert "| `grid.households_per_grid` | staff | `worker.annual_cost_cny` (assumption) |" in section
    assert "`burden.paperwork_hours_per_day` | no money" in section
    assert "`cost.smart_dispatch_cny_per_year` (assumption)" in section
    assert "## 成本依据" in text_zh and "（假设）" not in text_zh.split("## 成本依据")[0]
    assert (zh / "trials.csv").read_bytes() == (out / "trials.csv").read_bytes()


# ------------------------------------------------------------ pure logic
def test_pareto_mask_and_spread():
    pts = np.array([[1.0, 5.0], [2.0, 3.0], [3.0, 4.0], [4.0, 1.0]])
    assert pareto_mask(pts, ["minimise", "minimise"]).tolist() == [True, True, False, True]
    assert pareto_mask(pts, ["minimise", "maximise"]).tolist() == [True, False, False, False]
    assert spread_pick([10, 11, 12, 13, 14], 3) == [10, 12, 14]


def test_budget_frontier_slope_and_bounds():
    costs = np.array([1.0e6, 1.5e6, 2.0e6, 2.5e6, 3.0e6])
    gain = 80 + 10 * costs / 1e6  # 10 units more per extra million a year
    # the step frontier read across ±25% of the budget: close to the line's slope, not equal (steps)
    assert budget_value(costs, gain, "maximise", 2.0e6).slope_per_million == pytest.approx(10.0, rel=0.25)
    assert budget_value(costs, -gain, "minimise", 2.0e6).slope_per_million == pytest.approx(-10.0, rel=0.25)
    # a costlier candidate that is no better flattens the frontier beyond the last gain: a smaller slope
    more = budget_value(np.append(costs[:3], 3.0e6), np.append(gain[:3], 0.0), "maximise", 2.0e6)
    assert 0 < more.slope_per_million < budget_value(costs, gain, "maximise", 2.0e6).slope_per_million
    # money that buys nothing: the frontier stays at the cheapest candidate, no slope to read
    flat = budget_value(costs, gain, "minimise", 2.0e6)
    assert flat.frontier == [(1.0e6, 90.0)] and np.isnan(flat.slope_per_million)
    lever = Lever("grid.households_per_grid", 100, 500, integer=True)
    assert at_bounds(lever, [100, 110]) == "low" and at_bounds(lever, [300]) == ""


def test_two_objectives_give_a_pareto_set(tmp_path):
    path = write(tmp_path, budget=3e6, trials=6)
    text = path.read_text().replace('"response_time_h.mean" = "minimise"',
                                    '"response_time_h.mean" = "minimise"\n"cost.total_cny_per_year" = "minimise"')
    text = text.replace("reevaluate_top = 2", "reevaluate_top = 3").replace("reevaluate_reps = 3", "reevaluate_reps = 2")
    path.write_text(text)
    st = run(path, tmp_path / "out")
    assert st.exp.options["sampler"] == "nsga2"
    trials = [r for r in rows(tmp_path / "out" / "trials.csv") if r["feasible"] == "True"]
    pts = np.array([[float(r["response_time_h.mean"]), float(r["cost.total_cny_per_year"])] for r in trials])
    chosen = {r["trial"] for r in rows(tmp_path / "out" / "portfolios.csv") if r["trial"]}
    front = {trials[i]["trial"] for i in np.flatnonzero(pareto_mask(pts, ["minimise", "minimise"]))}
    assert chosen and chosen <= front
    assert (tmp_path / "out" / "figures" / "pareto.png").exists()
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"## Pareto front (search means)\n\n{len(front)} feasible candidates" in report


def test_cli_end_to_end(tmp_path, capsys):
    path = write(tmp_path, trials=3)
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    for name in ("trials.csv", "portfolios.csv", "portfolios.toml", "report.md", "figures/tradeoff.png",
                 "figures/convergence.png", "manifest.json"):
        assert (out / name).exists(), name
    assert len(rows(out / "trials.csv")) == 3
    first = outputs(out)
    # the same command again resumes in its own folder (every file there is one the design writes)
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert outputs(out) == first


def test_a_rule_breaking_combination_is_a_failed_candidate_not_a_crash(tmp_path):
    """Each lever's values alone are valid; together they may break a rule between parameters
    (warm-up days must be fewer than the days simulated): such candidates are told as failed."""
    path = write(tmp_path, trials=8)
    text = path.read_text()
    start = text.index('[levers."burden.paperwork_hours_per_day"]')
    end = text.index("[objectives]")
    levers = ('[levers."sim.days"]\nlow = 8\nhigh = 14\n[levers."sim.warmup_days"]\nlow = 1\nhigh = 12\n')
    path.write_text(text[:start] + levers + text[end:])
    run(path, tmp_path / "out")
    trials = rows(tmp_path / "out" / "trials.csv")
    invalid = [r for r in trials if r["status"] == "invalid"]
    assert invalid and all("sim.warmup_days" in r["note"] and r["feasible"] == "False" for r in invalid)
    assert all(int(r["sim.warmup_days"]) >= int(r["sim.days"]) for r in invalid)
    assert any(r["status"] == "done" for r in trials)


def test_the_portfolios_run_as_policies_of_a_robust_study(study, tmp_path):
    """portfolios.toml is what a robust study reads (policies_file): each portfolio becomes a policy with
    its lever values, and runs in every future."""
    _, out, _ = study
    portfolios = tomllib.loads((out / "portfolios.toml").read_text())["policies"]
    body = f"""
design = "robust"
scenario = "{ROOT / 'scenarios' / 'workshop.toml'}"
policies_file = "{out / 'portfolios.toml'}"
seed = 2
reps = 1
outcomes = ["response_time_h.mean"]
[set]
"sim.days" = 8
"sim.warmup_days" = 1
"territory.residents" = 800
"territory.households_per_community" = 150
[uncertainty.delays]
parameters = ["handoff.*"]
scale = [0.5, 2.0]
[thresholds]
"response_time_h.mean" = {{ at_most = 48 }}
[robust]
futures = 3
"""
    path = tmp_path / "robust.toml"
    path.write_text(body, encoding="utf-8")
    robust = run(path, tmp_path / "robust")
    assert set(robust.exp.options["policies"]) == set(portfolios)
    for name, levers in portfolios.items():
        assert {k: robust.exp.options["policies"][name][k] for k in levers} == levers
    with open(tmp_path / "robust" / "outcomes.csv", newline="", encoding="utf-8") as f:
        seen = {(r["policy"], r["future"]) for r in csv.DictReader(f)}
    assert seen == {(p, str(i)) for p in portfolios for i in range(3)}
