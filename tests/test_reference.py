"""The committed reference results (results/reference/policy_comparison) still hold.

A reduced version of the standard comparison — the reference scenario and the levers with the
largest effects, fewer replications, the same root seed — must reproduce the reference's headline
differences: every reduced mean difference lies inside the reference's 95% CI of that difference,
widened by two standard errors of the reduced difference (the reduced run averages fewer
replications), and has the same sign.
After an intentional change to the model, regenerate the reference with the command in the README.
"""

from __future__ import annotations

import csv
import json
import math

import pytest
from scipy import stats

from sim.lab.compare import compare
from sim.lab.executors import make_executor
from sim.lab.experiment import load_experiment
from tests.helpers import ROOT

REFERENCE = ROOT / "results" / "reference" / "policy_comparison"
EXPERIMENT = ROOT / "experiments" / "policy_comparison.toml"
HEADLINE = ("response_time_h.mean", "resolution_time_h.mean", "ratings.satisfaction_rate", "rates.on_time")
REDUCED_REPS = 4


def reference_rows() -> dict[tuple[str, str], dict[str, float]]:
    with (REFERENCE / "comparison.csv").open(encoding="utf-8") as fh:
        return {(r["scenario"], r["outcome"]): {k: float(v) if v else math.nan for k, v in r.items()
                                                 if k not in ("scenario", "outcome")} for r in csv.DictReader(fh)}


def test_reference_results_are_complete_and_match_the_experiment_file() -> None:
    manifest = json.loads((REFERENCE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fingerprint"] == load_experiment(EXPERIMENT).fingerprint(), \
        "experiments/policy_comparison.toml changed since the reference was made: regenerate it"
    exp = load_experiment(EXPERIMENT)
    assert manifest["ledger_counts"] == {"done": len(exp.scenarios) * exp.reps}
    for name in ("report.md", "comparison.csv", "runs.csv", "figures/forest.png", "figures/response_cdf.png",
                 "figures/satisfaction_over_time.png", "figures/distributions.png"):
        assert (REFERENCE / name).stat().st_size > 0, name


@pytest.mark.slow
def test_reduced_comparison_reproduces_the_headline_differences() -> None:
    exp = load_experiment(EXPERIMENT)
    ref = reference_rows()
    levers = ("small_grids", "decentralisation", "burden_reduction")
    scenarios = [s for s in exp.scenarios if s.name in ("baseline", *levers)]
    with make_executor("process") as pool:
        reduced = compare(scenarios, REDUCED_REPS, exp.seed, pool, HEADLINE)
    rows = {(r["scenario"], r["outcome"]): r for r in reduced.rows}
    checked = 0
    for lever in levers:
        for key in HEADLINE:
            r, new = ref[lever, key], rows[lever, key]
            if not r["p_holm"] < 0.05:
                continue  # only the differences the reference calls clear are headline findings
            se = (new["diff_ci_high"] - new["diff_ci_low"]) / 2 / stats.t.ppf(0.975, REDUCED_REPS - 1)
            low, high = r["diff_ci_low"] - 2 * se, r["diff_ci_high"] + 2 * se
            assert low <= new["diff"] <= high, (lever, key, new["diff"], (r["diff_ci_low"], r["diff_ci_high"]))
            assert math.copysign(1, new["diff"]) == math.copysign(1, r["diff"]), (lever, key)
            checked += 1
    assert checked >= 8
