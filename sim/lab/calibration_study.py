"""Calibration of the model from an experiment file: one fit per named target set, then which
parameters carried the difference between the sets.

Each evaluated point runs R replications with the experiment's replication seeds (common random
numbers), through the ledger — so an interrupted calibration resumes: the fit is deterministic,
asks for the same points again, and reads the finished ones back.

The difference between two fitted sets (say "before" and "after" a reform) is split among the
free parameters by the Shapley decomposition: every combination of parameters at their "before"
or "after" values is run, and each parameter's contribution is its average marginal effect over
all orders of switching. The contributions add up exactly to the total difference; they are
computed per replication, so they carry confidence intervals.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .calibration import CalibrationResult, FreeParameter, fit
from .compare import mean_ci, replication_seeds
from . import numfmt
from ..labels import label
from .tasks import RunSpec

MAX_SHAPLEY_PARAMS = 6  # 2^k combinations of runs


def run_calibration(study) -> None:
    exp = study.exp
    if exp.options.get("method") == "history_matching":
        from .history_matching_study import run_history_matching
        run_history_matching(study)
        return
    params = [FreeParameter(b.key, b.low, b.high, integer=b.integer, log=b.log) for b in exp.bounds]
    outcomes = tuple(dict.fromkeys([*exp.outcomes, *(t.outcome for ts in exp.targets.values() for t in ts)]))
    seeds = replication_seeds(exp.seed, exp.reps)
    fits: dict[str, CalibrationResult] = {}
    for set_name, targets in exp.targets.items():
        evaluate = _evaluator(study, params, [t.outcome for t in targets], outcomes, seeds, set_name)
        fits[set_name] = fit(evaluate, params, list(targets),
                             seed=exp.seed, n_initial=exp.options["n_initial"],
                             max_refine_evals=exp.options["max_refine_evals"])
    _write_fits(study, fits)
    names = list(fits)
    free = unidentified(params, fits)
    study.facts["attribution_withheld_for"] = free
    attributions = [_shapley(study, params, fits[names[0]], fits[b], outcomes, seeds, names[0], b)
                    for b in names[1:]] if len(params) <= MAX_SHAPLEY_PARAMS and not free else []
    rows = [r for a in attributions for r in a]
    header = ["from", "to", "parameter", "from_value", "to_value", "outcome", "contribution", "ci_low", "ci_high",
              "share_of_total"]
    study.csv("attribution.csv", header, ([r[h] for h in header] for r in rows))
    study.write("report.md", _report(study, params, fits, rows, free))


def unidentified(params, fits: dict[str, CalibrationResult]) -> list[str]:
    """Parameters some fit does not identify. With any of them, no attribution is reported: splitting the
    difference between two fits among parameters the targets leave free would credit the points the
    searches happened to stop at, not the data."""
    if len(fits) < 2:
        return []
    return [p.name for p in params if not all(f.identified[p.name] for f in fits.values())]


def _values(params, point) -> dict:
    return {p.name: int(round(v)) if p.integer else float(v) for p, v in zip(params, point)}


def _specs(study, points, params, outcomes, seeds, tag):
    exp = study.exp
    out = []
    for point in points:
        values = _values(params, point)
        scenario = exp.base.with_values(values, origin=exp.file).to_dict()
        where = ", ".join(f"{k}={v:g}" for k, v in values.items())
        out.append([RunSpec(scenario, seed, outcomes, label=f"{tag} [{where}] rep {r}", params={**values, "rep": r})
                    for r, seed in enumerate(seeds)])
    return out


def _evaluator(study, params, target_keys, outcomes, seeds, set_name):
    """evaluate(points) -> (means, standard errors) over the replications, through the ledger."""
    def evaluate(points: np.ndarray):
        specs = _specs(study, points, params, outcomes, seeds, set_name)
        results = study.execute([s for group in specs for s in group], f"calibrate {set_name}")
        y = np.array([[[results.outcome(s, k) for k in target_keys] for s in group] for group in specs])
        se = y.std(axis=1, ddof=1) / math.sqrt(len(seeds)) if len(seeds) > 1 else np.full(y.shape[::2], math.nan)
        return y.mean(axis=1), se
    return evaluate


def _shapley(study, params, a: CalibrationResult, b: CalibrationResult, outcomes, seeds, name_a, name_b):
    """Shapley contributions of each parameter to the change of each outcome from fit a to fit b."""
    k = len(params)
    xa = np.array([a.best[p.name] for p in params])
    xb = np.array([b.best[p.name] for p in params])
    masks = list(itertools.product((0, 1), repeat=k))   # 1: the parameter at b's value
    points = [np.where(np.array(m, bool), xb, xa) for m in masks]
    specs = _specs(study, points, params, outcomes, seeds, f"{name_a}→{name_b}")
    results = study.execute([s for g in specs for s in g], "attribution")
    keys = [t.outcome for t in a.targets]
    y = {m: np.array([[results.outcome(s, key) for key in keys] for s in g]) for m, g in zip(masks, specs)}
    total = y[(1,) * k] - y[(0,) * k]                   # (reps, outcomes)
    rows = []
    for i, p in enumerate(params):
        phi = np.zeros_like(total)
        for m in masks:
            if m[i]:
                continue
            size = sum(m)
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            with_i = m[:i] + (1,) + m[i + 1:]
            phi += weight * (y[with_i] - y[m])
        for j, key in enumerate(keys):
            mean, lo, hi = mean_ci(phi[:, j])
            t = float(total[:, j].mean())
            rows.append({"from": name_a, "to": name_b, "parameter": p.name, "from_value": a.best[p.name],
                         "to_value": b.best[p.name], "outcome": key, "contribution": mean, "ci_low": lo,
                         "ci_high": hi, "share_of_total": mean / t if t else math.nan})
    return rows


def _write_fits(study, fits: dict[str, CalibrationResult]) -> None:
    prow = [{"set": n, **r} for n, f in fits.items() for r in f.parameter_rows()]
    study.csv("calibration.csv", list(prow[0]), ([r[h] for h in prow[0]] for r in prow))
    trow = [{"set": n, **r} for n, f in fits.items() for r in f.target_rows()]
    study.csv("fit.csv", list(trow[0]), ([r[h] for h in trow[0]] for r in trow))
    hrow = [{"set": n, **r} for n, f in fits.items() for r in f.rows()]
    header = list(dict.fromkeys(h for r in hrow for h in r))
    study.csv("history.csv", header, ([r.get(h, math.nan) for h in header] for r in hrow))
    from ..provenance import json_text
    study.write("calibration.json", json_text({n: f.to_dict() for n, f in fits.items()}))


def _report(study, params, fits, attribution, free: list[str]) -> str:
    zh = study.lang == "zh"
    exp = study.exp
    lines = [f"# {'校准' if zh else 'Calibration'}: {exp.name}", "", exp.describe(study.lang), ""]
    lines.append((f"基准场景 `{exp.base.name}`；每个评估点 {exp.reps} 次重复（公共随机数），根种子 {exp.seed}。"
                  "方法：Sobol 全局设计 + 模式搜索局部精修；参数不确定性用 delta 方法（雅可比矩阵）和可接受集合给出。")
                 if zh else
                 (f"Base scenario `{exp.base.name}`; {exp.reps} replications per evaluated point (common random "
                  f"numbers), root seed {exp.seed}. Method: a Sobol design over the bounds, then a pattern search "
                  "from its best point; uncertainty of the fitted values by the delta method (Jacobian) and the "
                  "plausible set (every evaluated point within the targets' tolerances); see sim/lab/calibration.py."))
    for name, f in fits.items():
        lines += ["", f"## {'目标组' if zh else 'Target set'} `{name}`", ""]
        head = ["结果", "目标", "容差", "模拟值 ± SE", "残差（容差单位）"] if zh else \
            ["outcome", "target", "tolerance", "simulated ± SE", "residual (tolerances)"]
        lines += ["| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
        for r in f.target_rows():
            target, tol, mean, se = numfmt.numbers([r["target"], r["tolerance"], r["mean"], r["se"]])
            lines.append(f"| {label(r['outcome'], study.lang)} | {target} | {tol} | {mean} ± {se} | "
                         f"{numfmt.fixed(r['residual_tol'], 2, signed=True)} |")
        head = ["参数", "拟合值", "95% 区间", "可接受范围", "可识别"] if zh else \
            ["parameter", "fitted", "95% interval", "plausible range", "identified"]
        lines += ["", "| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
        for r in f.parameter_rows():
            yes = ("是" if r["identified"] else "否") if zh else ("yes" if r["identified"] else "no")
            fit, lo, hi, pmin, pmax = numfmt.numbers([r[k] for k in ("fitted", "ci_low", "ci_high", "plausible_min",
                                                                     "plausible_max")], sig=4)
            lines.append(f"| `{r['parameter']}` | {fit} | [{lo}, {hi}] | [{pmin}, {pmax}] | {yes} |")
        lines.append("")
        loss = numfmt.number(f.loss)
        lines.append((f"评估点 {f.n_evaluations} 个（损失 {loss}；停止原因：{f.stop_reason}）。") if zh else
                     f"{f.n_evaluations} points evaluated (loss {loss}; stopped by {f.stop_reason}).")
        lines += [f"\n> ⚠ {w}" for w in f.warnings]
    if attribution:
        lines += _attribution_section(attribution, zh, study.lang)
    elif free:
        names = "、".join(f"`{k}`" for k in free) if zh else ", ".join(f"`{k}`" for k in free)
        lines += ["", f"## {'哪些参数带来了差异' if zh else 'Which levers carried the difference'}", "",
                  f"不报告：目标未能识别 {names}，把两组拟合之间的差异分给这些参数，分到的是搜索恰好停下的点，"
                  "而不是数据。" if zh else
                  f"Not reported: the targets do not identify {names}; splitting the difference between the fits "
                  "among parameters the data leave free would credit the points the searches stopped at, not the data."]
    return "\n".join(lines) + "\n"


def _attribution_section(rows, zh: bool, lang: str) -> list[str]:
    a, b = rows[0]["from"], rows[0]["to"]
    lines = ["", f"## {'哪些参数带来了差异' if zh else 'Which levers carried the difference'}: `{a}` → `{b}`", ""]
    lines.append("Shapley 分解：在两组拟合值之间切换参数的所有组合都运行一次，各参数的贡献之和等于总差异；"
                 "区间为跨重复的 95% 置信区间。" if zh else
                 "Shapley decomposition: every combination of parameters at their two fitted values was run; "
                 "each parameter's contribution is its average marginal effect over all orders of switching, and "
                 "the contributions add up to the total difference. Intervals: 95% CI across replications.")
    lines += ["", *_attribution_summary(rows, zh, lang)]
    head = ["参数", "取值变化", "结果", "贡献 [95% CI]", "占总差异"] if zh else \
        ["parameter", "change", "outcome", "contribution [95% CI]", "share of total"]
    lines += ["", "| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["outcome"], -abs(r["contribution"]))):
        share = "" if math.isnan(r["share_of_total"]) else f"{r['share_of_total']:.0%}"
        frm, to = numfmt.numbers([r["from_value"], r["to_value"]], sig=4)
        c, lo, hi = numfmt.numbers([r["contribution"], r["ci_low"], r["ci_high"]], signed=True)
        lines.append(f"| `{r['parameter']}` | {frm} → {to} | {label(r['outcome'], lang)} | {c} [{lo}, {hi}] | {share} |")
    return lines


def _attribution_summary(rows, zh: bool, lang: str) -> list[str]:
    """One sentence per outcome: the total change and the parameters that carried most of it."""
    out = []
    for outcome in dict.fromkeys(r["outcome"] for r in rows):
        rs = sorted((r for r in rows if r["outcome"] == outcome), key=lambda r: -abs(r["contribution"]))
        total = sum(r["contribution"] for r in rs)
        top = [r for r in rs if abs(r["contribution"]) >= 0.1 * abs(total)][:3] or rs[:1]
        parts = [f"`{r['parameter']}` ({numfmt.number(r['contribution'], signed=True)})" for r in top]
        total_s = numfmt.number(total, signed=True)
        out.append(f"- {label(outcome, lang)}：总变化 {total_s}，主要来自 {'、'.join(parts)}。" if zh else
                   f"- {label(outcome, lang)}: total change {total_s}, carried mostly by {', '.join(parts)}.")
    return out
