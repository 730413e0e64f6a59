"""Figures and report (English / 中文) of a robust design."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..labels import figure_lang, label, plot_context
from . import numfmt
from .figures import COLOURS, panel_grid as _grid, save_png as _save, wrap_label as _wrap
from .robust_study import DISCOVER_SHARE, regret, satisficing


# ------------------------------------------------------------------ figures
def robust_figures(exp, names: Sequence[str], values: Mapping[str, np.ndarray], ok: np.ndarray, out_dir: Path,
                   lang: str) -> dict[str, Path]:
    """regret.png (per objective, each policy's regret across futures), satisficing.png (share of
    futures meeting every threshold, with its interval), outcomes.png (each policy's value in every
    future, futures ordered by the mean over policies)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    flang = figure_lang(lang)
    shown = list(dict.fromkeys([*exp.options["objectives"], *exp.options["thresholds"]]))
    with plot_context(flang):
        return {"regret": _save(_regret_figure(names, values, exp.options["objectives"], flang),
                                out_dir / "regret.png"),
                "satisficing": _save(_satisficing_figure(names, ok, flang), out_dir / "satisficing.png"),
                "outcomes": _save(_outcomes_figure(names, values, shown, exp.options["thresholds"], flang),
                                  out_dir / "outcomes.png")}


def _regret_figure(names, values, objectives: Mapping[str, str], lang: str) -> Figure:
    fig, axes = _grid(len(objectives), panel=(max(3.6, 0.7 * len(names) + 1.5), 3.2))
    for ax, (outcome, way) in zip(axes, objectives.items()):
        r = regret(values[outcome], way)
        data = [row[~np.isnan(row)] for row in r]
        parts = ax.boxplot(data, patch_artist=True, showfliers=True, widths=0.6)
        for patch, colour in zip(parts["boxes"], COLOURS * 10):
            patch.set_facecolor(colour)
            patch.set_alpha(0.55)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30, ha="right")
        ax.set_title(_wrap(label(outcome, lang), lang))
        ax.set_ylabel("后悔值（与该情景下最佳政策之差）" if lang == "zh" else "regret (gap to the best policy)")
        ax.grid(axis="y", alpha=0.3)
    return fig


def _satisficing_figure(names, ok: np.ndarray, lang: str) -> Figure:
    fig = Figure(figsize=(max(4.0, 0.7 * len(names) + 1.5), 3.2), layout="constrained")
    ax = fig.subplots()
    shares = satisficing(ok)
    x = np.arange(len(names))
    mid = np.array([s for s, _, _ in shares]) * 100
    low = mid - np.array([lo for _, lo, _ in shares]) * 100
    high = np.array([hi for _, _, hi in shares]) * 100 - mid
    ax.bar(x, mid, color=[COLOURS[i % len(COLOURS)] for i in range(len(names))], alpha=0.8)
    ax.errorbar(x, mid, yerr=[low, high], fmt="none", ecolor="black", capsize=3, lw=1)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylim(0, 105)
    ax.set_ylabel("满足全部阈值的情景占比（%）" if lang == "zh" else "futures meeting every threshold (%)")
    ax.grid(axis="y", alpha=0.3)
    return fig


def _outcomes_figure(names, values, outcomes: Sequence[str], limits, lang: str) -> Figure:
    fig, axes = _grid(len(outcomes), panel=(4.2, 3.0))
    for ax, outcome in zip(axes, outcomes):
        v = np.asarray(values[outcome], dtype=float)
        with np.errstate(all="ignore"):
            order = np.argsort(np.nan_to_num(np.nanmean(v, axis=0), nan=np.inf), kind="stable")
        for p, name in enumerate(names):
            ax.plot(np.arange(v.shape[1]), v[p, order], marker="o", ms=2.5, lw=1, label=name,
                    color=COLOURS[p % len(COLOURS)])
        if outcome in limits:
            ax.axhline(next(iter(limits[outcome].values())), color="black", ls="--", lw=1)
        ax.set_title(_wrap(label(outcome, lang), lang))
        ax.set_xlabel("情景（按各政策均值排序）" if lang == "zh" else "futures (ordered by the mean over policies)")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize=7)
    return fig


# ------------------------------------------------------------------ report
def robust_report(exp, names, values, ok, table, discoveries: Mapping[str, tuple[Any, dict]], lang: str) -> str:
    zh = lang == "zh"
    o = exp.options
    runs = len(names) * o["futures"] * exp.reps
    lines = [f"# {'稳健性分析：' if zh else 'Robustness over deep uncertainty: '}{exp.name}", "", exp.describe(lang), ""]
    lines.append(f"基准场景 `{exp.base.name}`；{len(names)} 项政策 × {o['futures']} 个未来情景（拉丁超立方抽样）× "
                 f"{exp.reps} 次重复 = {runs} 次运行；根种子 {exp.seed}。所有政策、所有情景使用同一组重复种子（公共随机数）。"
                 if zh else
                 f"Base scenario `{exp.base.name}`; {len(names)} policies × {o['futures']} futures (Latin hypercube) × "
                 f"{exp.reps} replications = {runs} runs; root seed {exp.seed}. Every policy in every future runs "
                 "with the same replication seeds (common random numbers).")
    lines += ["", "## " + ("政策" if zh else "Policies"), ""] + _policy_lines(o["policies"], zh)
    lines += ["", "## " + ("不确定性空间" if zh else "The uncertainty space"), ""] + uncertainty_lines(exp, zh)
    lines += ["", "## " + ("阈值与方向" if zh else "Thresholds and directions"), ""] + _threshold_lines(o, zh)
    lines += ["", "## " + ("稳健性" if zh else "Robustness"), ""] + _robustness_table(names, table, o, zh)
    lines += ["", "![satisficing](figures/satisficing.png)", "", "![regret](figures/regret.png)", "",
              "![outcomes](figures/outcomes.png)"]
    lines += ["", "## " + ("情景发现" if zh else "Scenario discovery"), ""] + _discovery_lines(names, ok, discoveries, lang)
    return "\n".join(lines) + "\n"


def _policy_lines(policies: Mapping[str, Mapping[str, Any]], zh: bool) -> list[str]:
    out = []
    for name, overrides in policies.items():
        what = ", ".join(f"`{k}` = {numfmt.param_value(v) if not isinstance(v, dict) else '…'}"
                         for k, v in overrides.items()) or ("基准场景原样" if zh else "the base scenario as it stands")
        out.append(f"- **{name}**{'：' if zh else ': '}{what}")
    return out


def uncertainty_lines(exp, zh: bool) -> list[str]:
    """Every range, and that the ranges are assumptions."""
    from .uncertainty import range_rows
    head = ["组", "参数", "基准值", "下限", "上限", "参数表来源"] if zh else \
        ["group", "parameter", "base value", "low", "high", "source in the table"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for group, key, base, low, high, assumed in range_rows(exp.bounds, exp.base):
        source = ("假设" if zh else "assumption") if assumed else ("有出处" if zh else "published")
        rows.append(f"| {group} | `{key}` | {numfmt.param_value(base)} | {numfmt.param_value(low)} | "
                    f"{numfmt.param_value(high)} | {source} |")
    note = ("这些范围本身是假设：在参数表标为假设的参数基准值上下按比例取值（见 sim/lab/uncertainty.py），"
            "不是观测到的分布；每个维度在范围内均匀分层抽样，整数参数取整。" if zh else
            "These ranges are themselves assumptions: multiples of the base value of parameters the table marks as "
            "assumptions (sim/lab/uncertainty.py), not observed distributions; each dimension is sampled "
            "uniformly in strata over its range, integer parameters rounded.")
    return rows + ["", note]


def _threshold_lines(o, zh: bool) -> list[str]:
    out = []
    for outcome, spec in o["thresholds"].items():
        kind, bound = next(iter(spec.items()))
        sign = "≥" if kind == "at_least" else "≤"
        out.append(f"- {label(outcome, 'zh' if zh else 'en')} (`{outcome}`) {sign} {numfmt.param_value(bound)}")
    for outcome, way in o["objectives"].items():
        better = ("越高越好" if way == "max" else "越低越好") if zh else ("higher is better" if way == "max" else
                                                                  "lower is better")
        out.append(f"- {'后悔值' if zh else 'regret'}: `{outcome}` ({better})")
    return out


def _robustness_table(names, table, o, zh: bool) -> list[str]:
    cell = {(r[0], r[1], r[2]): r[3:] for r in table}
    head = ["政策", "满足阈值的情景占比 [95% CI]"] if zh else ["policy", "futures meeting every threshold [95% CI]"]
    for outcome in o["objectives"]:
        head += [f"`{outcome}` " + ("最大后悔值" if zh else "max regret"), "P90 " + ("后悔值" if zh else "regret"),
                 "最差 10% 均值" if zh else "worst decile"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        share, lo, hi = cell[name, "satisficing", "all thresholds"]
        cells = [f"**{name}**", f"{numfmt.percent(share, 0)} [{numfmt.percent(lo, 0)}, {numfmt.percent(hi, 0)}]"]
        for outcome in o["objectives"]:
            cells += numfmt.numbers([cell[name, m, outcome][0] for m in ("max_regret", "p90_regret", "worst_decile")])
        rows.append("| " + " | ".join(cells) + " |")
    note = ("后悔值：同一情景下与最佳政策的差距（方向已统一为越小越好）；最差 10%：该政策最差的十分之一情景的均值。" if zh else
            "Regret: the gap to the best policy in the same future (0 for the best; lower is better); "
            "worst decile: the mean over the policy's worst tenth of futures.")
    return rows + ["", note]


def _discovery_lines(names, ok: np.ndarray, discoveries, lang: str) -> list[str]:
    zh = lang == "zh"
    out = []
    for p, name in enumerate(names):
        share = 1 - float(ok[p].mean())
        if name in discoveries:
            from .discovery import discovery_section
            d, figures = discoveries[name]
            section = discovery_section(d, lang, figures)
            title = section[0].replace("## ", f"### {name}{'：' if zh else ': '}", 1)  # one section per failing policy
            out += [title, *section[1:], ""]
        elif share >= 1:
            out.append(f"- **{name}**{'：' if zh else ': '}" + ("在所有情景下均未满足阈值，无可区分的区域。" if zh else
                                            "fails in every future: there is no region to tell apart."))
        else:
            out.append(f"- **{name}**{'：' if zh else ': '}" + (f"未满足阈值的情景占 {numfmt.percent(share, 0)}，低于 "
                                            f"{DISCOVER_SHARE:.0%}，不做情景发现。" if zh else
                                            f"fails in {numfmt.percent(share, 0)} of futures, under "
                                            f"{DISCOVER_SHARE:.0%}: no discovery."))
    return out or ["-"]

