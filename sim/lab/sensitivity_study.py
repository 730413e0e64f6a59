"""Morris screening and Sobol analysis of the model, from an experiment file.

The design (SALib) gives one row per parameter setting; every row runs with the same R
replication seeds (common random numbers), the replications are averaged per row, and each
recorded outcome is analysed. Outcomes are read back into the design's row order, whatever order
the runs finished in.
"""

from __future__ import annotations

import math

import numpy as np

from .compare import replication_seeds
from . import numfmt
from ..labels import label
from .sensitivity import Factor, analyze, plot, sample
from .tasks import RunSpec


def factors_of(exp) -> list[Factor]:
    return [Factor(b.key, b.low, b.high, b.dist, b.mode, b.mean, b.sd, b.group) for b in exp.bounds]


def design(exp) -> np.ndarray:
    o = exp.options
    n = o["n"] if exp.design == "sobol" else o["trajectories"]
    return sample(exp.design, factors_of(exp), n, exp.seed, levels=o.get("levels", 4),
                  second_order=o.get("second_order", False))


def row_values(exp, x: np.ndarray) -> dict:
    """A design row as parameter values: integer parameters are rounded (the analysis keeps the
    continuous design value; the report says so)."""
    return {b.key: int(round(v)) if b.integer else float(v) for b, v in zip(exp.bounds, x)}


def run_sensitivity(study) -> None:
    exp = study.exp
    X = design(exp)
    seeds = replication_seeds(exp.seed, exp.reps)
    specs = []
    for i, x in enumerate(X):
        values = row_values(exp, x)
        scenario = exp.base.with_values(values, origin=exp.file).to_dict()
        specs += [RunSpec(scenario, seed, exp.outcomes, label=f"row {i} rep {r}", params={**values, "rep": r})
                  for r, seed in enumerate(seeds)]
    results = study.execute(specs, exp.design)
    keys = [b.key for b in exp.bounds]
    study.csv("design.csv", ["row", *keys], ([i, *x] for i, x in enumerate(X)))
    o = exp.options
    n = o["n"] if exp.design == "sobol" else o["trajectories"]
    analyses = []
    for key in exp.outcomes:
        Y = np.array([results.outcome(s, key) for s in specs]).reshape(len(X), len(seeds))
        if not np.isfinite(Y).all():  # undefined for some rows (e.g. no emergency): not analysable
            analyses.append((key, None))
            continue
        res = analyze(exp.design, factors_of(exp), X, Y, outcome=key, seed=exp.seed, n=n,
                      second_order=o.get("second_order", False), num_resamples=o.get("resamples", 1000),
                      levels=o.get("levels", 4))
        analyses.append((key, res))
        path = plot(res, study.out / "figures" / f"{exp.design}_{_slug(key)}.png", lang=study.lang,
                    title=label(key, study.lang))
        study.files.append(f"figures/{path.name}")
    rows = [r for _, res in analyses if res for r in res.rows()]
    header = list(dict.fromkeys(k for r in rows for k in r))
    study.csv("indices.csv", header, ([r.get(h, math.nan) for h in header] for r in rows))
    conv = [{"outcome": res.outcome, **c} for _, res in analyses if res for c in res.convergence]
    conv_header = list(dict.fromkeys(k for r in conv for k in r))
    study.csv("convergence.csv", conv_header, ([r.get(h, math.nan) for h in conv_header] for r in conv))
    study.write("report.md", _report(exp, analyses, len(X), study.lang))


def _slug(key: str) -> str:
    return key.replace(".", "_")


def _report(exp, analyses, rows: int, lang: str) -> str:
    zh = lang == "zh"
    method = {"sobol": ("Sobol", "Sobol 方差分解"), "morris": ("Morris screening", "Morris 筛选")}[exp.design][zh]
    o = exp.options
    size = (f"N = {o['n']}" if exp.design == "sobol" else f"{o['trajectories']} trajectories, {o['levels']} levels")
    lines = [f"# {method}: {exp.name}", "", exp.describe(lang), ""]
    if zh:
        lines += [f"基准场景 `{exp.base.name}`；设计 {size}，共 {rows} 个参数组合，每个组合 {exp.reps} 次重复"
                  f"（公共随机数），合计 {rows * exp.reps} 次运行；根种子 {exp.seed}。重复取平均后再做分析；"
                  "整数参数在运行时取整。", ""]
    else:
        lines += [f"Base scenario `{exp.base.name}`; design {size}: {rows} parameter settings × {exp.reps} "
                  f"replications (common random numbers) = {rows * exp.reps} runs; root seed {exp.seed}. "
                  "Replications are averaged per setting before analysis; integer parameters are rounded "
                  "when run.", ""]
    lines += _bounds_table(exp, zh)
    for key, res in analyses:
        lines += ["", f"## {label(key, lang)} (`{key}`)", ""]
        if res is None:
            lines.append("该结果在部分参数组合下无定义，未做分析。" if zh else
                         "Undefined for some settings (NaN), so not analysed.")
            continue
        lines += _index_table(res, zh)
        nz = res.noise
        share = nz.get("noise_share", math.nan)
        if not math.isnan(share):
            lines += ["", (f"模拟噪声占平均后输出方差的 {share:.1%}（{nz['reps']} 次重复）。" if zh else
                           f"Simulation noise is {share:.1%} of the averaged output's variance "
                           f"({nz['reps']} replications).")]
        for w in res.warnings:
            lines.append(f"\n> ⚠ {w}")
        lines += ["", f"![{key}](figures/{exp.design}_{_slug(key)}.png)"]
    return "\n".join(lines) + "\n"


def _bounds_table(exp, zh: bool) -> list[str]:
    """The varied parameters and their ranges, in the file's order; with groups, each row names its group."""
    grouped = any(b.group for b in exp.bounds)
    head = (["参数", "下限", "上限", "分布"] if zh else ["parameter", "low", "high", "distribution"])
    head = ([("组" if zh else "group")] if grouped else []) + head
    rows = []
    for b in exp.bounds:
        cells = ([b.group] if grouped else []) + [f"`{b.key}`", numfmt.param_value(b.low), numfmt.param_value(b.high), b.dist]
        rows.append("| " + " | ".join(cells) + " |")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + rows
    if grouped:
        out += ["", ("每组参数一起变动（SALib 参数组），指数按组给出；多成员组的 σ 无定义，μ 不可靠（组内参数方向随机），以 μ* 为准。"
                     if zh else "The parameters of a group move together (SALib groups) and the indices are per group; "
                     "for a group of several members σ is undefined and μ unreliable (members move in random "
                     "directions), so read μ*.")]
    return out


def _index_table(res, zh: bool) -> list[str]:
    ix = res.indices
    what = ("组" if zh else "group") if res.groups else ("参数" if zh else "parameter")
    names = [f"{n} ({len(res.groups[n])})" if res.groups else f"`{n}`" for n in res.names]
    if res.method == "sobol":
        head = [what, "一阶指数 S1 [95% CI]", "总效应指数 ST [95% CI]"] if zh else \
            [what, "first order S1 [95% CI]", "total ST [95% CI]"]
        body = [f"| {n} | {ix['S1'][i]:.3f} ± {ix['S1_conf'][i]:.3f} | {ix['ST'][i]:.3f} ± {ix['ST_conf'][i]:.3f} |"
                for i, n in enumerate(names)]
    else:
        head = [what, "μ* [95% CI]", "μ", "σ"]
        body = []
        for i, n in enumerate(names):
            # one set of decimals per row: μ* and its CI half-width, μ and σ read side by side
            mu_star, conf, mu, sigma = numfmt.numbers([ix[k][i] for k in ("mu_star", "mu_star_conf", "mu", "sigma")])
            body.append(f"| {n} | {mu_star} ± {conf} | {mu} | {sigma} |")
    order = np.argsort(-(ix["ST"] if res.method == "sobol" else ix["mu_star"]), kind="stable")
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [body[i] for i in order]
