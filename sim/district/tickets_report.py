"""The fit report of `govsim district tickets`: the log's distributions beside those of a simulated
run of the estimated scenario, in English (report.md) and Chinese (report.zh.md), with figures.

The simulated "tickets" are the needs residents reported themselves (in person, hotline, app) after
the warm-up; their created time is the report, their closed time the first closure (办结). Both sides
go through the same estimator (sim/district/tickets_estimate.py), so the columns compare like with
like. Deterministic: no dates or machine names; figures carry no metadata.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..cases import APP, CHANNEL_NAMES, HOTLINE, IN_PERSON, MADE_CASE_IDS
from ..dates import parse_start_date
from ..lab import numfmt
from ..lab.figures import COLOURS, MAX_PANELS, _grid, _save
from ..labels import figure_lang, plain, plot_context
from ..runner import run
from .tickets_estimate import estimate, resolution_of

RESIDENT_CHANNELS = tuple(CHANNEL_NAMES[c] for c in (IN_PERSON, HOTLINE, APP))
FEW_TICKETS = 50   # below this, a need type's profiles are mostly noise: flagged in the report
FIGURES = ("rates", "hour", "weekday", "month", "resolution")

REASONS_ZH = {"unparseable time": "时间无法解析", "missing created time": "缺受理时间",
              "closed before created": "办结早于受理", "empty category": "类别为空", "unknown category": "未映射类别"}

# Every phrase of the report and its figures: (English, 简体中文).
T = {
    "title": ("Ticket log and simulation: fit report", "工单记录与模拟：拟合报告"),
    "log": ("The log", "工单记录"),
    "file": ("File", "文件"), "period": ("Period", "时段"), "rows": ("Rows read", "读取行数"),
    "used": ("Tickets used", "采用工单"), "residents": ("Residents", "常住人口"),
    "rejected": ("Rejected rows", "剔除行"), "examples": ("Examples", "示例"),
    "unmapped": ("Unmapped categories (rows)", "未映射类别（行数）"), "none": ("none", "无"),
    "months_missing": ("Months not in the log (factor 1)", "记录未覆盖的月份（系数取 1）"),
    "estimates": ("Estimates by need type", "按需求类型的估计"),
    "need": ("Need type", "需求类型"), "tickets": ("Tickets", "工单数"),
    "rate": ("Tickets per resident-year", "每人每年工单数"), "rest": ("Rest-day factor", "休息日系数"),
    "median": ("Median resolution (h)", "办结时长中位数（小时）"), "p90": ("p90 resolution (h)", "办结时长 P90（小时）"),
    "lognormal": ("Lognormal μ, σ of hours", "对数正态 μ、σ（小时）"), "channels": ("Channels", "渠道"),
    "fit": ("Log and simulation", "记录与模拟对比"),
    "sim_run": ("Simulated: {days} days after a {warmup}-day warm-up, seed {seed}, scenario {name}.",
                "模拟：预热 {warmup} 天后 {days} 天，随机种子 {seed}，情景 {name}。"),
    "log_rate": ("Log: per resident-year", "记录：每人每年"), "sim_rate": ("Simulation: per resident-year", "模拟：每人每年"),
    "ratio": ("Simulation / log", "模拟 / 记录"),
    "sim_catalogue": ("of which drawn from the catalogue", "其中来自需求目录"),
    "log_median": ("Log: median h", "记录：中位数（小时）"), "sim_median": ("Simulation: median h", "模拟：中位数（小时）"),
    "figures": ("Figures", "图"),
    "fig_rates": ("Tickets per resident-year by need type", "各需求类型每人每年工单数"),
    "fig_hour": ("Share of tickets by hour of day", "工单按小时分布"),
    "fig_weekday": ("Share of tickets by day of week", "工单按星期分布"),
    "fig_month": ("Tickets per day by month, relative to the mean", "各月日均工单（相对均值）"),
    "fig_resolution": ("Resolution time (h), cumulative share", "办结时长（小时）累积分布"),
    "days": ("d", "天"),
    "rejected_none": ("none", "无"), "rejected_n": ("{n} rows: {parts}", "{n} 行：{parts}"),
    "all": ("all tickets", "全部工单"),
    "few": ("\\* Fewer than {n} tickets: its hourly, weekday and monthly estimates are mostly sampling noise; "
            "consider a longer log, or the base catalogue's profile for it.",
            "\\* 工单少于 {n} 件：其小时、星期和月份估计主要是抽样噪声；可用更长的记录，或沿用基准目录的时间分布。"),
    "places": ("Located tickets", "有坐标的工单"),
    "log_label": ("log", "记录"), "sim_label": ("simulation", "模拟"),
    "note": ("Rates in the catalogue are these ticket rates divided by each need type's report_prob; "
             "the simulation's reported share also depends on trust and discovery, so the ratio column "
             "shows how far the scenario is from the log before any calibration. Other submodels add needs "
             "of some types during a run (festering collective issues add disputes, §7.36; disputes recur, "
             "§7.37; businesses' hazards, §7.38): the column of needs drawn from the catalogue leaves them out.",
             "目录中的发生率为上述工单率除以各类型的 report_prob；模拟中的上报比例还取决于信任和网格发现，"
             "因此“模拟 / 记录”一列显示未校准前情景与记录的差距。其他子模型在运行中会产生某些类型的需求"
             "（久拖未决的集体议题引发纠纷，§7.36；纠纷复发，§7.37；经营场所隐患，§7.38），"
             "“其中来自需求目录”一列不含这些需求。"),
}


def t(key: str, lang: str, **fmt) -> str:
    return T[key][lang == "zh"].format(**fmt)


def write_report(out: Path, scenario, log, est: dict, seed: int, days: int) -> None:
    """Simulate the scenario, then write report.md, report.zh.md and the figures of both."""
    sim = simulated_tickets(scenario, seed, days)
    sim_est = estimate(sim, scenario["territory.residents"]) if len(sim) else {"needs": {}}
    sim_est["catalogue_rates"] = _catalogue_rates(sim, sim_est, scenario["territory.residents"])
    run_text = {"days": days, "warmup": scenario["sim.warmup_days"], "seed": seed, "name": scenario.name}
    for lang, name, folder in (("en", "report.md", "figures"), ("zh", "report.zh.md", "figures/zh")):
        figures = draw_figures(out / folder, log.tickets, sim, est, sim_est, lang)
        text = report_markdown(log, est, sim_est, run_text, {k: f"{folder}/{p.name}" for k, p in figures.items()}, lang)
        (out / name).write_text(text, encoding="utf-8")


def simulated_tickets(scenario, seed: int, days: int) -> pd.DataFrame:
    """The needs residents reported in a run of `days` after the warm-up, as a ticket table."""
    warmup = scenario["sim.warmup_days"]
    outcomes = run(scenario, seed, days=warmup + days)
    cases = pd.DataFrame(outcomes.case_rows, columns=outcomes.case_columns)
    cases = cases[cases["channel"].isin(RESIDENT_CHANNELS) & (cases["t_report"] >= warmup)]
    start = pd.Timestamp(parse_start_date(scenario["sim.start_date"]) or dt.date(2025, 1, 1))
    closed = pd.to_numeric(cases["t_resolve"], errors="coerce")
    return pd.DataFrame({"created": start + pd.to_timedelta(cases["t_report"].astype(float), unit="D"),
                         "closed": start + pd.to_timedelta(closed, unit="D"),
                         "channel": cases["channel"], "need": cases["need"],
                         "made": cases["case_id"].astype("int64") >= MADE_CASE_IDS}).reset_index(drop=True)


def _catalogue_rates(sim: pd.DataFrame, sim_est: dict, residents: float) -> dict[str, float]:
    """Simulated tickets per resident-year of the needs drawn from the catalogue, without those other
    submodels make during the run (festering collective issues, recurring disputes, businesses' hazards)."""
    if sim.empty:
        return {}
    years = sim_est["period"]["days"] / 365.25
    return {str(n): len(g) / residents / years for n, g in sim[~sim["made"]].groupby("need")}


# ------------------------------------------------------------------ Markdown
def report_markdown(log, est: dict, sim_est: dict, run_text: dict, figures: dict, lang: str) -> str:
    lines = [f"# {t('title', lang)}", ""]
    lines += _section(t("log", lang), _log_lines(log, est, lang))
    lines += _section(t("estimates", lang), _estimate_table(est, lang))
    lines += _section(t("fit", lang), [t("sim_run", lang, **run_text), "", *_fit_table(est, sim_est, lang),
                                       "", t("note", lang)])
    lines += _section(t("figures", lang), [f"![{t('fig_' + k, lang)}]({p})" for k, p in figures.items()])
    return "\n".join(lines).rstrip() + "\n"


def _section(heading: str, body: list[str]) -> list[str]:
    return [f"## {heading}", "", *body, ""]


def _log_lines(log, est: dict, lang: str) -> list[str]:
    p, rej = est["period"], log.rejections
    lines = [f"- {t('file', lang)}: `{Path(est['log']).name}`",
             f"- {t('period', lang)}: {p['start']} – {p['end']} ({p['days']} {t('days', lang)})",
             f"- {t('rows', lang)}: {est['rows_read']}; {t('used', lang)}: {est['used']}; "
             f"{t('residents', lang)}: {numfmt.number(est['residents'])}",
             f"- {t('rejected', lang)}: {_rejected(rej, lang)}"]
    for reason, shown in rej.examples.items():
        lines += [f"  - {_reason(reason, lang)} — {t('examples', lang)}: " + "; ".join(f"`{s}`" for s in shown)]
    unmapped = ", ".join(f"{c} ({n})" for c, n in est["unmapped"].items()) or t("none", lang)
    missing = ", ".join(str(m) for m in est["months_not_in_log"]) or t("none", lang)
    return lines + [f"- {t('unmapped', lang)}: {unmapped}", f"- {t('months_missing', lang)}: {missing}",
                    *_places(log.tickets, lang)]


def _places(tickets: pd.DataFrame, lang: str) -> list[str]:
    """How many tickets carry coordinates, and their extent (when the log has lat and lon columns)."""
    if "lat" not in tickets or "lon" not in tickets:
        return []
    ok = tickets["lat"].between(-90, 90) & tickets["lon"].between(-180, 180)
    extent = (f" (lat {tickets.loc[ok, 'lat'].min():.4f} – {tickets.loc[ok, 'lat'].max():.4f}, "
              f"lon {tickets.loc[ok, 'lon'].min():.4f} – {tickets.loc[ok, 'lon'].max():.4f})") if ok.any() else ""
    return [f"- {t('places', lang)}: {int(ok.sum())} / {len(tickets)}{extent}"]


def _reason(reason: str, lang: str) -> str:
    return REASONS_ZH.get(reason, reason) if lang == "zh" else reason


def _rejected(rej, lang: str) -> str:
    """'7 rows: 2 unparseable time, …' in the report's language (the counts as Rejections.summary gives them)."""
    if not rej.total:
        return t("rejected_none", lang)
    parts = ("、" if lang == "zh" else ", ").join(f"{n} {_reason(r, lang)}" for r, n in rej.counts.items())
    return t("rejected_n", lang, n=rej.total, parts=parts)


def _estimate_table(est: dict, lang: str) -> list[str]:
    head = [t(k, lang) for k in ("need", "tickets", "rate", "rest", "median", "p90", "lognormal", "channels")]
    rows = []
    for need, e in est["needs"].items():
        r = e["resolution"]
        lognormal = (f"{r['lognormal_mu']:.2f}, {r['lognormal_sigma']:.2f}" if "lognormal_mu" in r else "–")
        channels = ", ".join(f"{c} {v:.0%}" for c, v in list(e["channels"].items())[:3])
        few = "*" if e["tickets"] < FEW_TICKETS else ""
        rows.append([need, f"{e['tickets']}{few}", numfmt.number(e["rate"]), f"{e['rest_day_factor']:.2f}",
                     _num(r.get("median_h")), _num(r.get("p90_h")), lognormal, channels])
    few = [t("few", lang, n=FEW_TICKETS)] if any(e["tickets"] < FEW_TICKETS for e in est["needs"].values()) else []
    return _table(head, rows) + ([""] + few if few else [])


def _fit_table(est: dict, sim_est: dict, lang: str) -> list[str]:
    head = [t(k, lang) for k in ("need", "log_rate", "sim_rate", "sim_catalogue", "ratio", "log_median",
                                 "sim_median")]
    rows = []
    for need, e in est["needs"].items():
        s = sim_est["needs"].get(need, {"rate": 0.0, "resolution": {}})
        ratio = s["rate"] / e["rate"] if e["rate"] else float("nan")
        rows.append([need, numfmt.number(e["rate"]), numfmt.number(s["rate"]),
                     numfmt.number(sim_est["catalogue_rates"].get(need, 0.0)), _num(ratio),
                     _num(e["resolution"].get("median_h")), _num(s["resolution"].get("median_h"))])
    return _table(head, rows)


def _num(x) -> str:
    return "–" if x is None or x != x else numfmt.number(x)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)]


# ------------------------------------------------------------------ figures
def draw_figures(folder: Path, log_t: pd.DataFrame, sim_t: pd.DataFrame, est: dict, sim_est: dict,
                 lang: str) -> dict[str, Path]:
    """Rates by need type in one panel; each time profile and the resolution times in small multiples:
    all tickets, then each need type (up to MAX_PANELS panels)."""
    folder.mkdir(parents=True, exist_ok=True)
    flang = figure_lang(lang)
    sides = ((t("log_label", flang), log_t, COLOURS[0]), (t("sim_label", flang), sim_t, COLOURS[1]))
    panels = [t("all", flang), *list(est["needs"])[:MAX_PANELS - 1]]
    written = {}
    with plot_context(flang):
        for name in FIGURES:
            fig, axes = _grid(1 if name == "rates" else len(panels), panel=(6.0, 3.4) if name == "rates" else (3.6, 2.6))
            if name == "rates":
                _rates_panel(axes[0], est, sim_est, sides)
            for ax, panel in zip(axes if name != "rates" else (), panels):
                need = None if panel == panels[0] else panel
                _distribution_panel(ax, name, [(label, f if need is None else f[f["need"] == need], c)
                                               for label, f, c in sides])
                ax.set_title(panel)
            fig.suptitle(plain(t(f"fig_{name}", flang)))
            axes[0].legend()
            written[name] = _save(fig, folder / f"{name}.png")
    return written


def _rates_panel(ax, est: dict, sim_est: dict, sides) -> None:
    needs = list(est["needs"])
    x = np.arange(len(needs))
    for i, (label, _, colour) in enumerate(sides):
        source = est if i == 0 else sim_est
        values = [source["needs"].get(n, {"rate": 0.0})["rate"] for n in needs]
        ax.bar(x + (i - 0.5) * 0.4, values, width=0.4, label=label, color=colour)
    ax.set_xticks(x, needs, rotation=30, ha="right")


def _distribution_panel(ax, name: str, sides) -> None:
    for label, frame, colour in sides:
        if frame.empty:
            continue
        if name == "resolution":
            hours = ((frame["closed"] - frame["created"]).dt.total_seconds() / 3600).dropna()
            hours = np.sort(hours[hours > 0].to_numpy())
            if len(hours):
                ax.step(hours, np.arange(1, len(hours) + 1) / len(hours), where="post", label=label, color=colour)
                ax.set_xscale("log")
            continue
        x, y = _profile(frame["created"], name)
        ax.plot(x, y, marker="o", markersize=3, label=label, color=colour)


def _profile(created: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a time profile: hour-of-day or weekday shares, or monthly tickets per day relative to the mean."""
    if name == "hour":
        counts = np.bincount(created.dt.hour, minlength=24)
        return np.arange(24), counts / counts.sum()
    if name == "weekday":
        counts = np.bincount(created.dt.day_of_week, minlength=7)
        return np.arange(1, 8), counts / counts.sum()
    per_day = created.dt.normalize().value_counts()
    by_month = per_day.groupby(per_day.index.month).mean()
    return by_month.index.to_numpy(), (by_month / per_day.mean()).to_numpy()


__all__ = ["write_report", "simulated_tickets", "resolution_of"]
