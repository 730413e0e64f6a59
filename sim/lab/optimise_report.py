"""The optimise design's outputs: trials.csv, portfolios.csv, portfolio_differences.csv,
portfolios.toml, figures and report.md (English or Chinese). Every number is read from the
ledger's records, so a resumed study writes the same bytes."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from . import numfmt
from .optimise import COST_KEY, at_bounds, pareto_mask, toml_value
from ..labels import figure_lang, label, plot_context


def write_outputs(study, candidates, top, reeval) -> None:
    from .optimise_study import marginal_values
    exp = study.exp
    keys = [lv.key for lv in exp.levers]
    study.csv("trials.csv", ["trial", "status", "feasible", *keys, *exp.outcomes, "note"],
              ([c.number, c.status, c.feasible, *(c.values[k] for k in keys),
                *(c.means.get(k, math.nan) for k in exp.outcomes), c.error] for c in candidates))
    _portfolio_tables(study, top, reeval)
    marginal = marginal_values(exp, candidates)
    figures = _figures(study, candidates, top, reeval, marginal)
    study.write("report.md", report(exp, candidates, top, reeval, marginal, figures, study.lang))
    study.facts["portfolios"] = {n: c.values for n, c in zip(reeval.names, top)} if reeval else {}


def _portfolio_tables(study, top, reeval) -> None:
    exp = study.exp
    keys = [lv.key for lv in exp.levers]
    head = ["portfolio", "trial", *keys, "outcome", "search_mean", "mean", "ci_low", "ci_high", "reps",
            "diff_vs_base", "diff_ci_low", "diff_ci_high", "p_holm", "meets_constraint"]
    rows = []
    if reeval:
        by = {(r["scenario"], r["outcome"]): r for r in reeval.result.rows}
        limits = {con.key: con for con in exp.constraints}
        base = reeval.result.scenarios[0]
        for name, c in [(base, None)] + list(zip(reeval.names, top)):
            for k in exp.outcomes:
                r = by[name, k]
                meets = "" if k not in limits else limits[k].violation(r["mean"]) <= 0
                rows.append([name, c.number if c else "", *((c.values[x] for x in keys) if c else ("",) * len(keys)),
                             k, c.means[k] if c else math.nan, r["mean"], r["ci_low"], r["ci_high"],
                             len(reeval.result.seeds), r["diff"], r["diff_ci_low"], r["diff_ci_high"], r["p_holm"], meets])
    study.csv("portfolios.csv", head, rows)
    pairs = reeval.pairs if reeval else []
    study.csv("portfolio_differences.csv", ["portfolio", "reference", "outcome", "diff", "diff_ci_low",
                                            "diff_ci_high", "p_value"],
              ([p[h] for h in ("portfolio", "reference", "outcome", "diff", "diff_ci_low", "diff_ci_high",
                               "p_value")] for p in pairs))
    lines = [f"# Lever portfolios of the optimise study {exp.name!r}, re-evaluated with fresh seeds",
             "# (portfolios.csv). A robust study reads the [policies.NAME] tables: lever key = value.", ""]
    for name, c in zip(reeval.names if reeval else [], top):
        lines += [f'[policies."{name}"]'] + [f'"{k}" = {toml_value(c.values[k])}' for k in keys] + [""]
    study.write("portfolios.toml", "\n".join(lines))


# ------------------------------------------------------------------ figures
def _figures(study, candidates, top, reeval, marginal) -> dict[str, str]:
    from .figures import save_png as save
    exp, lang = study.exp, figure_lang(study.lang)
    out = study.out / "figures"
    out.mkdir(parents=True, exist_ok=True)
    done = [c for c in candidates if c.status == "done"]
    drawn = {}
    with plot_context(lang):
        if len(exp.objectives) >= 2:
            drawn["pareto"] = save(_pareto(exp, done, top, reeval, lang), out / "pareto.png")
        else:
            drawn["tradeoff"] = save(_tradeoff(exp, done, marginal, lang), out / "tradeoff.png")
            drawn["convergence"] = save(_convergence(exp, candidates, lang), out / "convergence.png")
    study.files += [f"figures/{p.name}" for p in drawn.values()]
    return {k: f"figures/{p.name}" for k, p in drawn.items()}


def _scatter(ax, done, xkey, ykey, lang) -> None:
    feas = [c for c in done if c.feasible]
    infeas = [c for c in done if not c.feasible]
    for group, colour, name in ((infeas, "#bbbbbb", ("infeasible", "不可行")), (feas, "#1f77b4", ("feasible", "可行"))):
        if group:
            ax.scatter([c.means[xkey] for c in group], [c.means[ykey] for c in group], s=14, c=colour,
                       label=name[lang == "zh"])
    ax.set_xlabel(label(xkey, lang))
    ax.set_ylabel(label(ykey, lang))
    for key, axis in ((xkey, ax.xaxis), (ykey, ax.yaxis)):
        if key.startswith("cost."):  # yuan as 1,800,000, not 1.8 with a "1e6" offset in the corner
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _tradeoff(exp, done, marginal, lang) -> Figure:
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.subplots()
    key = exp.objectives[0][0]
    _scatter(ax, done, COST_KEY, key, lang)
    if key in marginal and marginal[key][0].frontier:
        bv = marginal[key][0]
        xs, ys = np.array(bv.frontier + [(bv.top_cost, bv.frontier[-1][1])]).T  # flat to the costliest candidate
        ax.step(xs, ys, where="post", color="#d62728", label="best attainable" if lang != "zh" else "预算内最优")
    for con in exp.constraints:
        if con.key == COST_KEY:
            ax.axvline(con.limit, color="#555555", ls="--", label="budget" if lang != "zh" else "预算")
    ax.legend(fontsize=8)
    return fig


def _convergence(exp, candidates, lang) -> Figure:
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.subplots()
    key, direction = exp.objectives[0]
    pick = min if direction == "minimise" else max
    best, ys = math.nan, []
    for c in candidates:
        if c.feasible:
            best = c.means[key] if math.isnan(best) else pick(best, c.means[key])
        ys.append(best)
    ax.plot(range(1, len(ys) + 1), ys, drawstyle="steps-post", color="#1f77b4")
    ax.set_xlabel("trial" if lang != "zh" else "试验序号")
    ax.set_ylabel(label(key, lang))
    ax.set_title("best feasible so far" if lang != "zh" else "迄今最优可行解")
    return fig


def _pareto(exp, done, top, reeval, lang) -> Figure:
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    ax = fig.subplots()
    (xkey, _), (ykey, _) = exp.objectives[:2]
    _scatter(ax, done, xkey, ykey, lang)
    if reeval:
        by = {(r["scenario"], r["outcome"]): r for r in reeval.result.rows}
        for name in [reeval.result.scenarios[0], *reeval.names]:
            x, y = by[name, xkey], by[name, ykey]
            ax.errorbar(x["mean"], y["mean"], xerr=[[x["mean"] - x["ci_low"]], [x["ci_high"] - x["mean"]]],
                        yerr=[[y["mean"] - y["ci_low"]], [y["ci_high"] - y["mean"]]], fmt="o",
                        color="#d62728" if name in reeval.names else "#333333", capsize=2)
            ax.annotate(name, (x["mean"], y["mean"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.legend(fontsize=8)
    ax.set_title("Pareto front (re-evaluated, 95% CI)" if lang != "zh" else "帕累托前沿（重新评估，95% 置信区间）")
    return fig


# ------------------------------------------------------------------ report
def report(exp, candidates, top, reeval, marginal, figures, lang: str) -> str:
    zh = lang == "zh"
    lines = [f"# {'优化：' if zh else 'Optimisation: '}{exp.name}", ""]
    lines += [exp.describe(lang), ""] if exp.describe(lang) else []
    lines += _setup(exp, candidates, zh) + [""]
    lines += _front_lines(exp, candidates, zh)
    lines += _portfolio_lines(exp, top, reeval, zh) + [""]
    lines += _bounds_lines(exp, top, zh) + [""]
    lines += _marginal_lines(exp, marginal, zh) + [""]
    lines += _cost_basis_lines(exp, zh)
    for name, path in figures.items():
        lines += [f"![{name}]({path})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cost_basis_lines(exp, zh: bool) -> list[str]:
    """When cost is an objective or a constraint: what each lever's declared cost rests on, and which
    of those prices are assumptions (an effect on cost that rests on an assumption says so)."""
    from ..costs import FREE_LEVERS, LEVER_COSTS, price_rows
    from ..params import PARAM_BY_KEY
    from .uncertainty import is_assumption

    keys = [k for k, _ in exp.objectives] + [c.key for c in exp.constraints]
    if not any(k.startswith("cost.") for k in keys):
        return []
    lines = ["## 成本依据" if zh else "## What the costs rest on", "",
             ("以下为各杠杆的成本模型（ODD §7.40）及其所依据的参数表价格；标为“假设”的价格没有公开来源，"
              "预算约束与预算边际价值都依赖于它们。" if zh else
              "Each lever's declared cost model (ODD §7.40) and the prices in the parameter table it rests on; "
              "a price marked assumption has no published source, and the budget constraint and the marginal "
              "value of budget rest on it."), "",
             "| 杠杆 | 成本构成 | 价格参数 |" if zh else "| lever | cost component | prices |", "|---|---|---|"]
    for lv in exp.levers:
        if lv.key in FREE_LEVERS:
            lines.append(f"| `{lv.key}` | {'不花钱' if zh else 'no money'}: {FREE_LEVERS[lv.key]} | — |")
            continue
        component = LEVER_COSTS[lv.key][0] if lv.key in LEVER_COSTS else "—"
        prices = ", ".join(f"`{k}` ({('假设' if zh else 'assumption') if is_assumption(PARAM_BY_KEY[k]) else ('有来源' if zh else 'sourced')})"
                           for k in price_rows(lv.key)) or "—"
        lines.append(f"| `{lv.key}` | {component} | {prices} |")
    return lines + [""]


def _limit(x: float) -> str:
    """A constraint's bound: money with thousands separators (2,000,000), a rate as written."""
    return f"{x:,.0f}" if abs(x) >= 10_000 and float(x).is_integer() else numfmt.param_value(x)


def _setup(exp, candidates, zh: bool) -> list[str]:
    o = exp.options
    n_ok = sum(c.status == "done" for c in candidates)
    n_feas = sum(c.feasible for c in candidates)
    words = {"minimise": "最小化", "maximise": "最大化"}
    objectives = ("、".join(f"`{k}`（{words[d]}）" for k, d in exp.objectives) if zh else
                  ", ".join(f"`{k}` ({d})" for k, d in exp.objectives))
    constraints = ", ".join(f"`{c.key}` {'≤' if c.kind == 'at_most' else '≥'} {_limit(c.limit)}"
                            for c in exp.constraints) or ("无" if zh else "none")
    if zh:
        head = [f"基准场景 `{exp.base.name}`；采样器 {o['sampler']}，共 {o['trials']} 个候选（每轮 {o['batch']} 个），"
                f"每个候选用同一组 {exp.reps} 个种子（公共随机数）取均值；根种子 {exp.seed}。",
                f"目标：{objectives}。约束：{constraints}。完成 {n_ok} 个，可行 {n_feas} 个。", "",
                "| 杠杆 | 范围 |", "|---|---|"]
    else:
        head = [f"Base scenario `{exp.base.name}`; sampler {o['sampler']}, {o['trials']} candidates ({o['batch']} "
                f"per round), each scored as the mean over the same {exp.reps} seeds (common random numbers); "
                f"root seed {exp.seed}.",
                f"Objectives: {objectives}. Constraints: {constraints}. {n_ok} candidates ran, {n_feas} feasible.",
                "", "| lever | range |", "|---|---|"]
    for lv in exp.levers:
        rng = (", ".join(numfmt.param_value(v) for v in lv.values) if lv.values is not None else
               f"{numfmt.param_value(lv.low)} – {numfmt.param_value(lv.high)}" + (" (log)" if lv.log else ""))
        head.append(f"| `{lv.key}` | {rng} |")
    return head


def _front_lines(exp, candidates, zh: bool) -> list[str]:
    """Several objectives: the feasible Pareto front of the search, by trial, along the first objective."""
    if len(exp.objectives) < 2:
        return []
    feasible = [c for c in candidates if c.feasible]
    keys = [k for k, _ in exp.objectives]
    if not feasible:
        return []
    mask = pareto_mask(np.array([[c.means[k] for k in keys] for c in feasible]), [d for _, d in exp.objectives])
    front = sorted((c for c, m in zip(feasible, mask) if m), key=lambda c: c.means[keys[0]])
    head = (f"## 帕累托前沿（搜索均值）\n\n{len(front)} 个可行候选不被其他可行候选支配：" if zh else
            f"## Pareto front (search means)\n\n{len(front)} feasible candidates are dominated by no other:")
    head_cells = ["试验" if zh else "trial", *(f"`{k}`" for k in keys)]
    table = ["| " + " | ".join(head_cells) + " |", "|" + "---|" * len(head_cells)]
    table += [f"| {c.number} | " + " | ".join(numfmt.number(c.means[k]) for k in keys) + " |" for c in front]
    return [head, ""] + table + [""]


def _portfolio_lines(exp, top, reeval, zh: bool) -> list[str]:
    if not reeval:
        return [("## 组合\n\n没有可行的候选（或 reevaluate_top = 0），未做重新评估。" if zh else
                 "## Portfolios\n\nNo feasible candidate (or reevaluate_top = 0): nothing was re-evaluated.")]
    res = reeval.result
    n = len(res.seeds)
    intro = (f"## 组合（用 {n} 个新种子重新评估，与基准场景配对）\n\n搜索中的均值因择优而偏乐观（赢家诅咒）；"
             "下表为新种子下的均值与 95% 置信区间，及与基准场景的配对差（Holm 校正 p 值）。" if zh else
             f"## Portfolios (re-evaluated with {n} fresh seeds, paired with the base scenario)\n\n"
             "Means found in the search flatter the selected candidates (winner's curse); the table gives "
             "the fresh seeds' means with 95% CIs and the paired difference from the base scenario (p Holm).")
    lines = [intro, ""]
    keys = [lv.key for lv in exp.levers]
    head = (["组合", *keys, "结果", "搜索均值", "新种子均值 [95% CI]", "与基准之差 [95% CI]", "p (Holm)"] if zh else
            ["portfolio", *keys, "outcome", "search mean", "fresh mean [95% CI]", "vs base [95% CI]", "p (Holm)"])
    lines += ["| " + " | ".join(f"`{h}`" if h in keys else h for h in head) + " |", "|" + "---|" * len(head)]
    by = {(r["scenario"], r["outcome"]): r for r in res.rows}
    for name, c in [(res.scenarios[0], None)] + list(zip(reeval.names, top)):
        for k in exp.outcomes:
            r = by[name, k]
            lang = "zh" if zh else "en"
            vals = [numfmt.param_value(c.values[x]) for x in keys] if c else ["—"] * len(keys)
            diff = numfmt.interval(k, r["diff"], r["diff_ci_low"], r["diff_ci_high"], lang, diff=True) if c else "—"
            lines.append(f"| {name} | " + " | ".join(vals) + f" | `{k}` | "
                         f"{numfmt.number(c.means[k]) if c else '—'} | "
                         f"{numfmt.interval(k, r['mean'], r['ci_low'], r['ci_high'], lang)} | {diff} | "
                         f"{numfmt.p_cell(r['p_holm']) if c else '—'} |")
    return lines + _pair_lines(reeval, zh)


def _pair_lines(reeval, zh: bool) -> list[str]:
    if not reeval.pairs:
        return []
    lines = ["", "### 组合之间的配对差" if zh else "### Paired differences between the portfolios", "",
             "| 组合 − 参照 | 结果 | 差 [95% CI] |" if zh else "| portfolio − reference | outcome | difference [95% CI] |",
             "|---|---|---|"]
    for p in reeval.pairs:
        cell = numfmt.interval(p["outcome"], p["diff"], p["diff_ci_low"], p["diff_ci_high"], "zh" if zh else "en",
                               diff=True)
        lines.append(f"| {p['portfolio']} − {p['reference']} | `{p['outcome']}` | {cell} |")
    return lines


def _bounds_lines(exp, top, zh: bool) -> list[str]:
    lines = ["## 被推到边界的杠杆" if zh else "## Levers the optimum pushes to a bound", ""]
    if not top:
        return lines + ["—"]
    words = {"low": ("lower bound", "下限"), "high": ("upper bound", "上限"), "low and high": ("both bounds", "两端")}
    for lv in exp.levers:
        values = [c.values[lv.key] for c in top]
        where = at_bounds(lv, values)
        shown = ", ".join(numfmt.param_value(v) for v in values)
        if lv.values is not None:
            note = f"取值（各组合：{shown}）" if zh else f"values chosen (portfolios: {shown})"
        elif where:
            note = f"在{words[where][1]}（各组合：{shown}）；扩大该范围可能还有改进" if zh else \
                f"at the {words[where][0]} (portfolios: {shown}); widening its range may improve further"
        else:
            note = f"内部取值（{shown}）" if zh else f"inside its range ({shown})"
        lines.append(f"- `{lv.key}`: {note}")
    return lines


def _marginal_lines(exp, marginal, zh: bool) -> list[str]:
    lines = ["## 预算的边际价值" if zh else "## Marginal value of budget", ""]
    if not marginal:
        return lines + ["没有成本以外的目标，或没有满足其余约束的候选。" if zh else
                        "No objective other than the cost itself, or no candidate meets the other constraints."]
    lines.append("由搜索中的候选（满足除预算外的全部约束）按年成本排序，取“成本不超过 c 时可达的最优目标值”的阶梯前沿，"
                 "在预算 ±25% 内等距读取该阶梯函数并做最小二乘直线拟合得到斜率（多花钱而未找到更优解的区段按平坦计）。假设：候选在预算附近足够密，前沿近似真实的成本—结果关系；"
                 "数值为搜索均值（未经新种子校正），只在所给杠杆范围内成立。" if zh else
                 "From the search's candidates that meet every constraint but the budget: the best objective "
                 "attainable at a cost a year of at most c (a best-so-far frontier over cost), and its slope: a "
                 "least-squares line through that step function read at evenly spaced costs within ±25% of the "
                 "budget (a stretch where more money found nothing better counts as flat). Assumption: the "
                 "candidates sample the costs near the budget densely enough for this frontier to stand for the "
                 "true cost–outcome frontier; the values are search means (not corrected with fresh seeds) and "
                 "hold only within the levers' ranges.")
    lines.append("")
    for key, (bv, where) in marginal.items():
        at = f"{round(bv.budget):,}"
        ref = (f"预算 {at} 元/年" if zh else f"the budget of {at} CNY a year") if where == "budget" else \
            (f"最优候选的成本 {at} 元/年" if zh else f"the best candidate's cost, {at} CNY a year")
        if bv.frontier and bv.frontier[-1][0] < bv.window[0]:
            top = f"{round(bv.frontier[-1][0]):,}"
            lines.append(f"- `{key}`: 预算不构成约束：前沿最高成本 {top} 元/年，低于{ref}的 75%。" if zh else
                         f"- `{key}`: the budget does not bind: the frontier's costliest step is {top} CNY a year, "
                         f"below 75% of {ref}.")
        elif math.isnan(bv.slope_per_million):
            lines.append(f"- `{key}`: {ref} 附近前沿点不足（{bv.points} 个），无法估计斜率。" if zh else
                         f"- `{key}`: too few frontier points near {ref} ({bv.points}) to estimate a slope.")
        else:
            s = numfmt.number(bv.slope_per_million, signed=True)
            lines.append(f"- `{key}`: 在{ref}附近，每多 100 万元/年，可达最优值变化 {s}（{bv.points} 个前沿点）。" if zh else
                         f"- `{key}`: near {ref}, each extra 1M CNY a year changes the best attainable value by "
                         f"{s} ({bv.points} frontier points).")
    return lines
