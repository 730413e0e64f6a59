"""Scenario discovery (design = "discover"): in which futures does a policy fail a threshold?

Standalone, the design samples the uncertainty space (as a robust design does) and runs its base
scenario in every future; with `results = "FOLDER"` and `policy = "NAME"` it reads a finished robust
study's futures.csv and outcomes.csv and runs nothing. A future is a case when the policy misses
any threshold (an undefined outcome counts as a miss). PRIM (or CART, `[discover] method`) from
sim/lab/discovery.py describes the cases by boxes over the uncertain parameters.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from .robust_study import BOX_HEADER, box_rows, discovery_outputs, future_specs, meets, outcome_table


def run_discover(study) -> None:
    exp = study.exp
    o = exp.options
    if "results" in o:
        X, values = read_robust(Path(o["results"]), o["policy"], [b.key for b in exp.bounds], exp.outcomes)
        policy = o["policy"]
    else:
        X, specs = future_specs(exp)
        results = study.execute(list(specs.values()), "discover")
        values, rows = outcome_table(exp, specs, results, len(X))
        study.csv("futures.csv", ["future", *[b.key for b in exp.bounds]], ([i, *r] for i, r in enumerate(X)))
        study.csv("outcomes.csv", ["policy", "future", "outcome", "mean", "ci_low", "ci_high", "reps"], rows)
        policy = exp.base.name
    fails = ~meets(values, o["thresholds"])[0]
    study.csv("failures.csv", ["future", "fails"], ([i, int(c)] for i, c in enumerate(fails)))
    from .discovery import discover
    d = discover(X, [b.key for b in exp.bounds], fails, method=o["method"], seed=exp.seed,
                 threshold_density=o["threshold_density"], min_mass=o["min_mass"], resamples=o["resamples"])
    d, figures = discovery_outputs(study, d, "discovery")
    study.csv("discovery_boxes.csv", BOX_HEADER, box_rows(policy, d))
    study.csv("discovery_trajectory.csv", list(dict.fromkeys(k for r in d.trajectory for k in r)),
              ([r.get(k, "") for k in dict.fromkeys(k for r in d.trajectory for k in r)] for r in d.trajectory))
    study.facts["failure_share"] = float(fails.mean())
    study.write("report.md", _report(exp, policy, fails, d, figures, study.lang))


def read_robust(folder: Path, policy: str, keys: list[str], outcomes) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A robust study's futures (futures × parameters) and the policy's mean outcomes (1 × futures)."""
    with (folder / "futures.csv").open(encoding="utf-8", newline="") as fh:
        futures = list(csv.DictReader(fh))
    X = np.array([[float(r[k]) for k in keys] for r in futures])
    values = {o: np.full((1, len(futures)), math.nan) for o in outcomes}
    with (folder / "outcomes.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["policy"] == policy and r["outcome"] in values:
                values[r["outcome"]][0, int(r["future"])] = float(r["mean"]) if r["mean"] not in ("", "nan") else math.nan
    return X, values


def _report(exp, policy: str, fails: np.ndarray, d, figures, lang: str) -> str:
    from .discovery import discovery_section
    from .robust_report import uncertainty_lines
    zh = lang == "zh"
    o = exp.options
    source = (f"读取稳健性研究 `{o['results']}` 的结果（不重新运行）" if zh else
              f"read from the robust study in `{o['results']}` (no runs)") if "results" in o else \
        (f"{o['futures']} 个情景 × {exp.reps} 次重复（公共随机数）" if zh else
         f"{o['futures']} futures × {exp.reps} replications (common random numbers)")
    limits = "; ".join(f"`{k}` {'≥' if 'at_least' in v else '≤'} {next(iter(v.values()))}" for k, v in o["thresholds"].items())
    lines = [f"# {'情景发现：' if zh else 'Scenario discovery: '}{exp.name}", "", exp.describe(lang), "",
             (f"政策 `{policy}`；{source}；根种子 {exp.seed}。未满足任一阈值（{limits}）的情景为“失败”："
              f"{int(fails.sum())} / {len(fails)}。方法：{o['method'].upper()}。" if zh else
              f"Policy `{policy}`; {source}; root seed {exp.seed}. A future is a failure when the policy misses "
              f"any threshold ({limits}): {int(fails.sum())} of {len(fails)}. Method: {o['method'].upper()}."),
             "", "## " + ("不确定性空间" if zh else "The uncertainty space"), ""]
    lines += uncertainty_lines(exp, zh) + [""]  # the discovery section brings its own heading
    lines += discovery_section(d, lang, figures)
    return "\n".join(lines) + "\n"
