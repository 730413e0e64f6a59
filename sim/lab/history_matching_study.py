"""History matching from an experiment file (`[calibrate] method = "history_matching"`): every
target set is a pattern, run in its own context (`[targets.SET.set]`) at the same parameter values;
the waves, the NROY region, what it identifies, and a leave-one-pattern-out check.

Every evaluated point runs R replications of every pattern with the experiment's replication
seeds (common random numbers: the same seeds at every point and in every pattern), all through the
ledger — so an interrupted study resumes, asks for the same points again (the method is
deterministic) and reads the finished runs back.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np

from . import numfmt
from .calibration import FreeParameter
from .compare import replication_seeds
from .history_matching import (Observation, Result, Settings, compatibility, correlation, history_match,
                               identifiability, leave_one_out, point_rows, profiles)
from .tasks import RunSpec
from ..labels import label


def run_history_matching(study) -> None:
    exp = study.exp
    params = [FreeParameter(b.key, b.low, b.high, integer=b.integer, log=b.log) for b in exp.bounds]
    o = exp.options
    observations = [Observation(name, t.outcome, t.value, t.tolerance,
                                t.discrepancy if t.discrepancy is not None else o["discrepancy"] * t.tolerance)
                    for name, ts in exp.targets.items() for t in ts]
    settings = Settings(seed=exp.seed, reps=exp.reps, n_initial=o["n_initial"], wave_size=o["wave_size"],
                        waves=o["waves"], cutoff=o["cutoff"], second_max=o["second_max"],
                        identified_share=o["identified_share"], loo=o["loo"], loo_waves=o["loo_waves"])
    result = history_match(_evaluator(study, params, observations), params, observations, settings)
    _write_tables(study, result)
    figures = _write_figures(study, result)
    study.write("report.md", _report(study, result, figures))


def _evaluator(study, params: list[FreeParameter], observations: list[Observation]):
    """evaluate(points) -> (means, sds between replications), every pattern at every point, one batch."""
    exp = study.exp
    outcomes = tuple(dict.fromkeys([*exp.outcomes, *(ob.outcome for ob in observations)]))
    seeds = replication_seeds(exp.seed, exp.reps)
    patterns = list(exp.targets)
    contexts = {name: exp.context(name) for name in patterns}

    def evaluate(points: np.ndarray):
        groups: dict[tuple[int, str], list[RunSpec]] = {}
        for n, point in enumerate(points):
            values = {p.name: int(round(v)) if p.integer else float(v) for p, v in zip(params, point)}
            where = ", ".join(f"{k}={v:g}" for k, v in values.items())
            for name in patterns:
                scenario = contexts[name].with_values(values, origin=exp.file).to_dict()
                groups[n, name] = [RunSpec(scenario, seed, outcomes, label=f"{name} [{where}] rep {r}",
                                           params={**values, "pattern": name, "rep": r})
                                   for r, seed in enumerate(seeds)]
        results = study.execute([s for g in groups.values() for s in g], "history matching")
        y = np.array([[[results.outcome(s, ob.outcome) for s in groups[n, ob.pattern]] for ob in observations]
                      for n in range(len(points))])          # (points, observations, reps)
        sd = y.std(axis=2, ddof=1) if len(seeds) > 1 else np.full(y.shape[:2], math.nan)
        return y.mean(axis=2), sd
    return evaluate


# ------------------------------------------------------------------ tables
def _table(study, name: str, rows: list[dict[str, Any]], header: list[str] | None = None) -> None:
    header = header or list(dict.fromkeys(h for r in rows for h in r))
    study.csv(name, header, ([r.get(h, math.nan) for h in header] for r in rows))


def _write_tables(study, result: Result) -> None:
    points = point_rows(result)
    _table(study, "points.csv", points)
    _table(study, "nroy.csv", [r for r in points if r["nroy"]], header=list(points[0]))
    _table(study, "waves.csv", [*result.main.waves, *(w for f in result.loo for w in f.waves)])
    _table(study, "identifiability.csv", identifiability(result))
    corr = correlation(result)
    _table(study, "correlation.csv", [{"parameter": p.name, **{q.name: float(corr[i, j]) for j, q in
                                                                 enumerate(result.params)}}
                                      for i, p in enumerate(result.params)])
    _table(study, "profiles.csv", profiles(result))
    _table(study, "loo.csv", leave_one_out(result))
    _table(study, "compatibility.csv", compatibility(result))
    from ..provenance import json_text
    study.write("history_matching.json", json_text(_summary(study, result)))


def _summary(study, result: Result) -> dict[str, Any]:
    s = result.settings
    return {"method": "history_matching", "settings": asdict(s),
            "observations": [asdict(o) for o in result.observations],
            "contexts": {n: dict(c) for n, c in study.exp.contexts.items()},
            "points": len(result.points), "nroy": len(result.main.nroy), "nroy_empty": result.main.empty,
            "identified": {r["parameter"]: bool(r["identified"]) for r in identifiability(result)},
            "warnings": result.warnings}


# ------------------------------------------------------------------ figures
def _write_figures(study, result: Result) -> dict[str, str]:
    from .figures import history_matching_figures
    paths = history_matching_figures(result, study.out / "figures", lang=study.lang)
    study.files += [f"figures/{p.name}" for p in paths.values()]
    return {k: f"figures/{p.name}" for k, p in paths.items()}


# ------------------------------------------------------------------ report
def _report(study, result: Result, figures: dict[str, str]) -> str:
    zh = study.lang == "zh"
    exp = study.exp
    lines = [f"# {'历史匹配校准' if zh else 'History matching'}: {exp.name}", "", exp.describe(study.lang), ""]
    lines += _method_text(study, result, zh)
    lines += _patterns_section(study, result, zh)
    lines += _waves_section(result, zh)
    lines += _compatibility_section(result, zh)
    lines += _identified_section(result, figures, zh)
    lines += _loo_section(study, result, zh)
    lines += _attribution_text(result, zh)
    lines += [f"\n> ⚠ {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def _method_text(study, result: Result, zh: bool) -> list[str]:
    s, exp = result.settings, study.exp
    rule = ("第二大" if zh else "second largest") if s.second_max else ("最大" if zh else "largest")
    budget = s.n_initial + (s.waves - 1) * s.wave_size
    if zh:
        return [f"基准场景 `{exp.base.name}`；{len(exp.targets)} 个模式共享 {len(result.params)} 个未知参数；每个点每个模式 "
                f"{s.reps} 次重复（公共随机数），根种子 {s.seed}。方法：历史匹配（Vernon 等 2010；Andrianakis 等 2015）。"
                f"不可信度 I = |z − 均值 f(x)| / sqrt(V_obs + V_disc + V_sim)：V_obs = 容差²，V_disc = 模型偏差²（假设），"
                f"V_sim = 重复间方差 ×(1 + 1/R)。各观测不可信度的{rule}值 < {s.cutoff:g} 的点未被排除（NROY）。"
                f"第 1 波为先验范围内 {s.n_initial} 点的拉丁超立方，之后每波 {s.wave_size} 点取自当前 NROY 区域，共 "
                f"{s.waves} 波（预算 {budget} 点）。见 sim/lab/history_matching.py。"]
    return [f"Base scenario `{exp.base.name}`; {len(exp.targets)} patterns share {len(result.params)} unknown "
            f"parameters; {s.reps} replications per point and pattern (common random numbers), root seed {s.seed}. "
            "Method: history matching (Vernon et al. 2010; Andrianakis et al. 2015). Implausibility "
            "I = |z − mean f(x)| / sqrt(V_obs + V_disc + V_sim): V_obs = tolerance², V_disc = discrepancy² (an "
            "assumption), V_sim = the variance between replications × (1 + 1/R). A point is not ruled out yet "
            f"(NROY) when the {rule} implausibility over the observations is below {s.cutoff:g}. Wave 1: a Latin "
            f"hypercube of {s.n_initial} points over the prior box; each later wave puts {s.wave_size} points inside "
            f"the current NROY region; {s.waves} waves (a budget of {budget} points). See "
            "sim/lab/history_matching.py."]


def _patterns_section(study, result: Result, zh: bool) -> list[str]:
    nroy = result.main.nroy
    head = ["模式", "情境", "结果", "公布值", "容差", "模型偏差", "NROY 中的模拟值"] if zh else \
        ["pattern", "context", "outcome", "published", "tolerance", "discrepancy", "simulated over NROY"]
    lines = ["", f"## {'模式' if zh else 'Patterns'}", "", "| " + " | ".join(head) + " |", "|---|---|---|---|---|---|---|"]
    for j, o in enumerate(result.observations):
        ctx = study.exp.contexts.get(o.pattern, {})
        ctx_s = ", ".join(f"`{k}` = {v}" for k, v in ctx.items()) or ("基准" if zh else "base")
        ys = [result.points[i].means[j] for i in nroy]
        span = "–" if not ys else "–".join(numfmt.numbers([min(ys), max(ys)]))
        value, tol, disc = numfmt.numbers([o.value, o.tolerance, o.discrepancy])
        lines.append(f"| `{o.pattern}` | {ctx_s} | {label(o.outcome, study.lang)} | {value} | {tol} | {disc} | {span} |")
    return lines


def _waves_section(result: Result, zh: bool) -> list[str]:
    head = ["波次", "新点", "本波 NROY", "本波占比", "累计 NROY", "最小不可信度"] if zh else \
        ["wave", "new points", "NROY in wave", "share of wave", "NROY so far", "least implausibility"]
    lines = ["", f"## {'各波 NROY 规模' if zh else 'NROY size per wave'}", "", "| " + " | ".join(head) + " |",
             "|---|---|---|---|---|---|"]
    for w in result.main.waves:
        share = "–" if math.isnan(w["share_in_wave"]) else f"{w['share_in_wave']:.0%}"
        lines.append(f"| {w['wave']} | {w['points']} | {w['nroy_in_wave']} | {share} | {w['nroy_total']} | "
                     f"{numfmt.fixed(w['min_measure'], 2)} |")
    return lines


def _compatibility_section(result: Result, zh: bool) -> list[str]:
    """A matrix of the least measure per pair of patterns (the diagonal: each pattern alone)."""
    names = result.patterns()
    if len(names) < 2:
        return []
    least = {(r["pattern_a"], r["pattern_b"]): r["least_measure"] for r in compatibility(result)}
    lines = ["", f"## {'哪些模式可以同时匹配' if zh else 'Which patterns fit together'}", "",
             (f"每对模式（对角线：单个模式）在所有评估点上的最小不可信度；低于 {result.settings.cutoff:g} 表示可以同时匹配。"
              if zh else f"The least implausibility over every evaluated point, per pair of patterns (the diagonal: "
              f"each pattern alone); below {result.settings.cutoff:g}, the model can match them together."),
             "", "| | " + " | ".join(f"`{n}`" for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    for i, a in enumerate(names):
        cells = []
        for j, b in enumerate(names):
            v = least.get((a, b), least.get((b, a)))
            cells.append("" if j < i else (f"**{v:.2f}**" if v >= result.settings.cutoff else f"{v:.2f}"))
        lines.append(f"| `{a}` | " + " | ".join(cells) + " |")
    return lines


def _identified_section(result: Result, figures: dict[str, str], zh: bool) -> list[str]:
    share = result.settings.identified_share
    lines = ["", f"## {'数据识别了什么' if zh else 'What the patterns identify'}", ""]
    lines.append(f"规则：NROY 点的范围（对数参数取对数尺度）不到先验范围的 {share:.0%} 时，参数算作可识别。" if zh else
                 f"Rule: a parameter is identified when its NROY points span less than {share:.0%} of its prior "
                 "range (on the logarithmic scale for log parameters).")
    head = ["参数", "先验", "NROY 范围", "宽度占比", "可识别"] if zh else \
        ["parameter", "prior", "NROY range", "width share", "identified"]
    lines += ["", "| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
    for r in identifiability(result):
        yes = ("是" if r["identified"] else "否") if zh else ("yes" if r["identified"] else "no")
        lo, hi, nlo, nhi = numfmt.numbers([r["prior_low"], r["prior_high"], r["nroy_min"], r["nroy_max"]], sig=4)
        width = "–" if math.isnan(r["width_share"]) else f"{r['width_share']:.0%}"
        lines.append(f"| `{r['parameter']}` | [{lo}, {hi}] | [{nlo}, {nhi}] | {width} | {yes} |")
    lines += _correlation_lines(result, zh)
    lines += ["", f"![{'NROY 散点矩阵' if zh else 'NROY pairs'}]({figures['nroy_pairs']})", "",
              f"![{'剖面' if zh else 'profiles'}]({figures['profiles']})", "",
              ("剖面：每个参数范围的每十分之一内，已评估点的最小不可信度；低于虚线（阈值）的区间未被排除。" if zh else
               "Profiles: the least implausibility among the evaluated points in each tenth of a parameter's range; "
               "a stretch below the dashed line (the cutoff) is not ruled out.")]
    return lines


def _correlation_lines(result: Result, zh: bool) -> list[str]:
    corr = correlation(result)
    pairs = [(result.params[i].name, result.params[j].name, corr[i, j]) for i in range(len(result.params))
             for j in range(i) if math.isfinite(corr[i, j]) and abs(corr[i, j]) >= 0.5]
    if not len(result.main.nroy) >= 3:
        return []
    if not pairs:
        return ["", "NROY 点中没有 |r| ≥ 0.5 的参数对。" if zh else "No pair of parameters has |r| ≥ 0.5 among the NROY points."]
    text = "; ".join(f"`{a}` / `{b}`: r = {r:+.2f}" for a, b, r in pairs)
    return ["", (f"NROY 点中相关的参数对（此消彼长）：{text}。" if zh else
                 f"Correlated pairs among the NROY points (they trade off against each other): {text}.")]


def _loo_section(study, result: Result, zh: bool) -> list[str]:
    rows = leave_one_out(result)
    if not rows:
        return []
    head = ["留出模式", "结果", "公布值", "其余模式 NROY 点数", "预测中位数", "95% 区间", "范围", "在范围内",
            "最小不可信度"] if zh else \
        ["left out", "outcome", "published", "NROY points of the rest", "predicted median", "95% interval", "range",
         "inside", "least implausibility"]
    lines = ["", f"## {'留一模式检验' if zh else 'Leave one pattern out'}", "",
             ("每次留出一个模式，只用其余模式做历史匹配（第 1 波共用，之后的波次只由其余模式引导），再用其余模式的 NROY "
              "点预测留出的模式。" if zh else
              "Each pattern in turn is left out: history matching with the other patterns only (wave 1 shared, later "
              "waves steered by the rest alone), then the left-out pattern predicted over their NROY points."),
             ("区间只含模型在这些点上的均值的离散；最小不可信度另计入观测误差、模型偏差和模拟方差（< 阈值：在偏差范围内相容）。"
              if zh else "The interval is the spread of the model's means over those points alone; the least "
              "implausibility adds the observation error, the discrepancy and the simulation variance (below the "
              "cutoff: consistent within the stated discrepancy)."),
             "", "| " + " | ".join(head) + " |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        yes = ("是" if r["inside"] else "否") if zh else ("yes" if r["inside"] else "no")
        med, q1, q2, mn, mx = numfmt.numbers([r["median"], r["q025"], r["q975"], r["min"], r["max"]])
        lines.append(f"| `{r['left_out']}` | {label(r['outcome'], study.lang)} | {numfmt.number(r['value'])} | "
                     f"{r['nroy_points']} | {med} | [{q1}, {q2}] | [{mn}, {mx}] | {yes} | "
                     f"{numfmt.fixed(r['min_implausibility'], 2)} |")
    return lines


def _attribution_text(result: Result, zh: bool) -> list[str]:
    rows = identifiability(result)
    loose = [r["parameter"] for r in rows if not r["identified"]]
    tight = [r["parameter"] for r in rows if r["identified"]]
    lines = ["", f"## {'归因' if zh else 'Attribution'}", ""]
    if result.main.empty:
        return lines + ["没有点能同时匹配所有模式，因此没有参数被识别，也不做 Shapley 或其他归因。" if zh else
                        "No point matches every pattern, so no parameter is identified and no Shapley (or other) "
                        "attribution is made."]
    if loose:
        names = ", ".join(f"`{p}`" for p in loose)
        lines.append(f"不对未被识别的参数（{names}）做 Shapley 或其他归因：它们在先验范围的大部分内都与数据相容，"
                     "任何归给它们的份额都只取决于选了哪个点，而不是数据。" if zh else
                     f"No Shapley (or other) attribution is reported for the parameters the patterns do not identify "
                     f"({names}): values across most of their prior range fit the data, so any share credited to them "
                     "would reflect the point chosen, not the data.")
    if tight:
        names = ", ".join(f"`{p}`" for p in tight)
        lines.append(f"被识别的参数（{names}）由所有模式共享：模式之间的差异来自各自的情境设定，而非这些参数，"
                     "因此也不做 Shapley 分解。" if zh else
                     f"The identified parameters ({names}) are shared by every pattern: differences between patterns "
                     "come from their contexts, not from these parameters, so no Shapley split between patterns is made "
                     "either.")
    return lines
