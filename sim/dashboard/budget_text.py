"""The budget game's words and numbers: the room's table and the reveal, in 简体中文 and English.

Kept apart from `budget_game` (which runs and ranks) so the game stays readable; every phrase is an
i18n string (`budget.*`), every outcome name comes from `sim.labels`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..labels import is_share, label
from . import i18n
from .session import CONTROL_BY_KEY

if TYPE_CHECKING:
    from .budget_game import BudgetGame, Entry, SwapEffect, Table

# Outcomes on the latent satisfaction scale (0–1) shown in percentage points when they are gaps.
POINT_GAPS = ("satisfaction.elderly_gap",)


# Community types (sim/community_types.py) in words, as the experiment reports name them.
TYPE_NAMES = {"average": "一般", "old_estate": "老旧小区", "commercial_estate": "商品房小区",
              "urban_village": "城中村", "work_unit": "单位", "village": "行政村"}


def type_name(ctype: str, lang: str) -> str:
    return TYPE_NAMES.get(ctype, ctype) if lang == "zh" else ctype.replace("_", " ")


def money(x: float, lang: str) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f} 元" if lang == "zh" else f"{x:,.0f} CNY"


def value_text(key: str, x: float, lang: str, signed: bool = False) -> str:
    """An outcome as the room reads it: hours with one decimal, shares in per cent, gaps on the
    satisfaction scale in percentage points; signed for a difference."""
    if x is None or not math.isfinite(x):
        return "–"
    sign = "+" if signed else ""
    if key in POINT_GAPS or (signed and is_share(key)):
        return f"{100 * x:+.1f} " + i18n.t("diff_units.pp", lang)
    if is_share(key) or key.startswith("satisfaction."):
        return f"{100 * x:{sign}.1f}%"
    if "_h." in key or key.endswith("_h"):
        return f"{x:{sign}.1f} " + i18n.t("diff_units.h", lang)
    return f"{x:{sign}.3g}"


def lever_text(key: str, value: Any, lang: str) -> str:
    return CONTROL_BY_KEY[key].text(value, lang)


def changes_text(entry: "Entry", lang: str) -> str:
    if not entry.changes:
        return i18n.t("budget.no_change", lang)
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{CONTROL_BY_KEY[k].short(lang)}: {lever_text(k, v, lang)}" for k, v in entry.changes.items())


def left_behind(entry: "Entry", lang: str, min_gap_h: float = 0.5) -> str:
    """The group whose mean first response is longest beyond everyone's: elderly residents, offline
    residents of a community type, or a community type (when there are several); "no clear gap"
    when none waits `min_gap_h` longer."""
    overall = entry.value("response_time_h.mean")
    gaps = {i18n.t("budget.group.elderly", lang): entry.value("response_time_h.by_age.elderly.mean") - overall}
    types = sorted({k.split(".")[1] for k in entry.by_type})
    for t in types:
        offline = entry.by_type.get(f"by_type.{t}.response_mean_offline_h", math.nan) - overall
        name = i18n.t("budget.group.offline", lang)
        gaps[name] = max(gaps.get(name, -math.inf), offline) if math.isfinite(offline) else gaps.get(name, math.nan)
        if len(types) > 1:
            gaps[i18n.t("budget.group.type", lang, type=type_name(t, lang))] = (
                entry.by_type.get(f"by_type.{t}.response_mean_h", math.nan) - overall)
    finite = {k: v for k, v in gaps.items() if math.isfinite(v)}
    if not finite or max(finite.values()) < min_gap_h:
        return i18n.t("budget.nobody", lang)
    who = max(finite, key=finite.get)
    return f"{who} ({value_text('response_time_h.mean', finite[who], lang, signed=True)})"


def value_keys(game: "BudgetGame") -> list[str]:
    """The outcome columns: the objective, then first response, satisfaction and the elderly gap."""
    from .budget_game import REPORTED
    return [game.objective, *[k for k in REPORTED if k != game.objective]]


def _cell(game: "BudgetGame", e: "Entry", key: str, lang: str) -> str:
    text = value_text(key, e.value(key), lang)
    lo, hi = e.ci.get(key, (math.nan, math.nan))
    if math.isfinite(lo) and text != "–":
        text += f" [{value_text(key, lo, lang)}, {value_text(key, hi, lang)}]"
    return text


def table(game: "BudgetGame", lang: str) -> "Table":
    """The baseline, then every player by rank; over-budget entries flagged and unranked."""
    from .budget_game import Table
    keys = value_keys(game)
    columns = [("rank", i18n.t("budget.col.rank", lang)), ("player", i18n.t("budget.col.player", lang))]
    columns += [(k, label(k, lang)) for k in keys]
    columns += [(c, i18n.t(f"budget.col.{c}", lang)) for c in ("left_behind", "cost", "budget_share", "changes")]
    rows, rank = [], 0
    for e in [game.baseline, *game.entries()]:
        baseline = e is game.baseline
        if not baseline and not e.over_budget and e.ran:
            rank += 1
        flag = i18n.t("budget.over", lang) if e.over_budget else ""
        row = {"entry": e, "baseline": baseline,
               "rank": "" if baseline else (str(rank) if not e.over_budget else flag),
               "player": i18n.t("budget.baseline", lang) if baseline else e.player}
        row.update({k: _cell(game, e, k, lang) for k in keys})
        row["left_behind"] = left_behind(e, lang) if e.ran else i18n.t("budget.not_run", lang)
        share = e.cost / game.budget if game.budget > 0 else math.inf
        row["cost"] = money(e.cost, lang) + ("" if e.ran else " ≥")
        row["budget_share"] = f"{100 * share:.0f}%" + (f" ({flag})" if e.over_budget else "")
        row["changes"] = changes_text(e, lang)
        rows.append(row)
    return Table(columns, rows)


def reveal_text(game: "BudgetGame", best: "Entry | None", effects: list["SwapEffect"], lang: str) -> str:
    """Markdown for the room: the best entry against the baseline, the one-at-a-time swaps, what the
    interaction adds, who is left behind, that one seed is one draw, and what the prices rest on."""
    lines = [f"### {i18n.t('budget.reveal_title', lang)}", ""]
    if best is None:
        return "\n".join(lines + [i18n.t("budget.reveal_none", lang), ""])
    k, base = game.objective, game.baseline
    diff = best.value(k) - base.value(k)
    lines += [i18n.t("budget.reveal_best", lang, player=best.player, name=game.objective_name(lang),
                     value=value_text(k, best.value(k), lang), base=value_text(k, base.value(k), lang),
                     diff=value_text(k, diff, lang, signed=True), cost=money(best.cost, lang),
                     budget=money(game.budget, lang)), ""]
    others = [f"{label(o, lang)} {value_text(o, best.value(o), lang)} ({value_text(o, base.value(o), lang)})"
              for o in value_keys(game)[1:]]
    lines += [i18n.t("budget.reveal_also", lang, items=("；" if lang == "zh" else "; ").join(others)), ""]
    if not effects:
        lines += [i18n.t("budget.reveal_same", lang), ""]
    else:
        lines += _swap_lines(game, effects, diff, lang)
    lines += [i18n.t("budget.reveal_left_behind", lang, who=left_behind(best, lang)), ""]
    lines += [i18n.t("budget.one_draw", lang) if len(game.seeds) == 1 else
              i18n.t("budget.ci_note", lang, n=len(game.seeds)), ""]
    if effects:
        lines += [i18n.t("budget.prices", lang), ""]
    return "\n".join(lines)


def _swap_lines(game: "BudgetGame", effects: list["SwapEffect"], total: float, lang: str) -> list[str]:
    k = game.objective
    lines = [i18n.t("budget.reveal_why", lang), "", i18n.t("budget.reveal_head", lang), "|---|---|---|---:|---:|---|"]
    for s in effects:
        if s.valid:
            effect = value_text(k, s.effect, lang, signed=True)
            if math.isfinite(s.effect_ci[0]):
                effect += f" [{value_text(k, s.effect_ci[0], lang, True)}, {value_text(k, s.effect_ci[1], lang, True)}]"
            cost = f"{s.cost_change:+,.0f}"
        else:
            effect = cost = i18n.t("budget.reveal_invalid", lang)
        lines.append(f"| {CONTROL_BY_KEY[s.key].short(lang)} | {lever_text(s.key, s.baseline_value, lang)} "
                     f"| {lever_text(s.key, s.best_value, lang)} | {effect} | {cost} | {game.price_basis(s.key, lang)} |")
    alone = sum(s.effect for s in effects if s.valid and math.isfinite(s.effect))
    if len(effects) > 1 and all(s.valid for s in effects):
        lines += ["", i18n.t("budget.reveal_interaction", lang, sum=value_text(k, alone, lang, True),
                             total=value_text(k, total, lang, True), rest=value_text(k, total - alone, lang, True))]
    return lines + [""]
