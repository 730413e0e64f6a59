"""The budget game's UI: `BudgetPlayer` (one player's levers, the live cost against the budget, submit)
and `BudgetBoard` (the room's table, outcome against cost with the budget line, the reveal).

Both take what they need as arguments (a `BudgetGame`, a language code, callbacks) and keep no
module-level state, so a page can give every browser tab its own player and show one board to the
room. Stable CSS classes `govsim-budget-*` name the parts for browser tests.
"""

from __future__ import annotations

import html
import math
from typing import Any, Callable

import solara

from ..labels import is_share
from ..scenario import ScenarioError
from . import i18n
from .budget_game import BudgetGame, Entry
from .budget_text import money, value_text
from .charts import SAVE_AS_PNG
from .session import LeverControl


def _css(key: str) -> str:
    return "govsim-budget-lever-" + key.replace(".", "-")


@solara.component
def BudgetPlayer(game: BudgetGame, player_name: str, lang: str,
                 on_submitted: Callable[[Entry], Any] | None = None):
    """A player's levers (starting at the baseline's values), the cost of the current choice against
    the budget (fixed part known now, running part estimated at the baseline's), and submit: a year
    runs with the game's seed and `on_submitted(entry)` is called."""
    choice, set_choice = solara.use_state({}, key="choice")
    message, set_message = solara.use_state("", key="message")
    error, set_error = solara.use_state("", key="error")

    def set_lever(key: str, value: Any) -> None:
        set_error("")
        set_choice({**choice, key: value})

    def submit() -> None:
        try:
            entry = game.submit(player_name, choice)
        except ScenarioError as e:
            set_error(str(e))
            return
        set_error("")
        set_message(i18n.t("budget.submitted", lang,
                           objective=value_text(game.objective, entry.value(game.objective), lang),
                           cost=money(entry.cost, lang)))
        if on_submitted is not None:
            on_submitted(entry)

    with solara.Card(i18n.t("budget.player_title", lang, player=player_name), classes=["govsim-budget-player"]):
        solara.Text(i18n.t("budget.objective", lang, name=game.objective_name(lang),
                           direction=i18n.t(f"budget.{game.direction}", lang)), classes=["govsim-budget-objective"])
        for group, controls in game.grouped_controls():
            solara.Text(i18n.t(f"lever_group.{group}", lang), classes=["govsim-budget-group"],
                        style={"font-weight": "bold", "display": "block", "margin-top": "8px"})
            for c in controls:
                value = choice.get(c.key, game.baseline_value(c.key))
                _lever(game, c, value, lang, lambda v, key=c.key: set_lever(key, v))
        _cost_line(game, choice, lang)
        solara.Button(i18n.t("budget.submit", lang), color="primary", on_click=submit,
                      classes=["govsim-budget-submit"])
        if error:
            solara.Error(error, classes=["govsim-budget-error"])
        elif message:
            solara.Success(message, classes=["govsim-budget-submitted"])


def _lever(game: BudgetGame, c: LeverControl, value: Any, lang: str, on_value: Callable[[Any], None]) -> None:
    """One lever's control with its value and unit beside it (a slider's value also on its thumb)."""
    with solara.Div(classes=["govsim-budget-lever", _css(c.key)]):
        if c.kind == "switch":
            solara.Switch(label=c.label(lang), value=bool(value), on_value=on_value)
        elif c.kind == "slider":
            (solara.SliderInt if c.integer else solara.SliderFloat)(
                label=c.label(lang), value=value, min=c.low, max=c.high, step=c.step,
                on_value=lambda v: on_value(c.snap(v)), thumb_label="always")
        else:
            by_label = {c.option_label(o, lang): o for o in game.lever_options(c.key)}
            if c.kind == "choice":
                solara.Select(label=c.label(lang), values=list(by_label), value=c.option_label(value, lang),
                              on_value=lambda v: on_value(by_label[v]))
            else:
                solara.SelectMultiple(label=c.label(lang), values=[c.option_label(o, lang) for o in c.selected(value)],
                                      all_values=list(by_label), on_value=lambda vs: on_value([by_label[v] for v in vs]),
                                      disabled=not by_label)
        # the label carries the unit in both languages; the table's units are English words
        unit = f" {c.unit}" if c.kind == "slider" and c.unit and lang == "en" else ""
        solara.Text(f"{c.text(value, lang)}{unit}", classes=["govsim-budget-value"],
                    style={"font-size": "0.85em", "color": "#555"})


def _cost_line(game: BudgetGame, choice: dict[str, Any], lang: str) -> None:
    """The current choice's cost against the budget; over the budget is said, for sure or estimated."""
    try:
        quote = game.quote(choice)
    except ScenarioError as e:
        solara.Error(str(e), classes=["govsim-budget-error"])
        return
    share = f"{100 * quote.estimate / game.budget:.0f}%" if game.budget > 0 else "–"
    solara.Text(i18n.t("budget.budget_line", lang, budget=money(game.budget, lang)), classes=["govsim-budget-budget"],
                style={"display": "block", "margin-top": "8px"})
    solara.Text(i18n.t("budget.quote", lang, estimate=money(quote.estimate, lang), share=share,
                       fixed=money(quote.fixed, lang), running=money(quote.running, lang)),
                classes=["govsim-budget-cost"], style={"display": "block", "font-size": "0.9em"})
    if quote.over_for_sure:
        solara.Warning(i18n.t("budget.over_for_sure", lang, over=money(quote.fixed - game.budget, lang)),
                       classes=["govsim-budget-over"])
    elif quote.over_estimate:
        solara.Warning(i18n.t("budget.over_estimate", lang, over=money(quote.estimate - game.budget, lang)),
                       classes=["govsim-budget-over"])


@solara.component
def BudgetBoard(game: BudgetGame, lang: str, revealed: bool = False, version: int = 0):
    """The room's view: the table (baseline first, players by rank, over-budget entries flagged), a
    scatter of the objective against cost with the budget line and each player labelled, and the
    reveal when `revealed`. `version` (e.g. `game.version`) re-renders the board after submissions."""
    table = game.table(lang)
    with solara.Card(i18n.t("budget.board_title", lang), classes=["govsim-budget-board"]):
        solara.Text(i18n.t("budget.objective", lang, name=game.objective_name(lang),
                           direction=i18n.t(f"budget.{game.direction}", lang)) + " · "
                    + i18n.t("budget.budget_line", lang, budget=money(game.budget, lang)),
                    classes=["govsim-budget-objective"], style={"display": "block"})
        seeds = game.seeds
        note = (i18n.t("budget.seed_note", lang, seed=game.seed, days=game.days) if len(seeds) == 1 else
                i18n.t("budget.replications_note", lang, n=len(seeds), first=seeds[0], last=seeds[-1]))
        solara.Text(note, classes=["govsim-budget-seed"], style={"display": "block", "font-size": "0.85em"})
        if len(table.rows) == 1:
            solara.Text(i18n.t("budget.no_entries", lang), classes=["govsim-budget-empty"], style={"display": "block"})
        solara.HTML(unsafe_innerHTML=table_html(game, table, revealed), classes=["govsim-budget-table"])
        with solara.Div(classes=["govsim-budget-chart"]):
            solara.FigureEcharts(option=chart_option(game, lang), attributes={"style": "height: 380px;"})
        if revealed:
            with solara.Div(classes=["govsim-budget-reveal"]):
                solara.Markdown(game.reveal(lang).text)


def table_html(game: BudgetGame, table, revealed: bool) -> str:
    """The table as HTML: a row per entry, the over-budget ones and (once revealed) the best marked."""
    best = game.best() if revealed else None
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(h)}</th>" for _, h in table.columns)
    rows = []
    for row in table.rows:
        e = row["entry"]
        classes = ["govsim-budget-row"]
        classes += ["govsim-budget-baseline"] if row["baseline"] else []
        classes += ["govsim-budget-over-row"] if e.over_budget and not row["baseline"] else []
        classes += ["govsim-budget-best"] if best is not None and e is best else []
        style = "color:#a33" if "govsim-budget-over-row" in classes else "font-weight:bold" if best is e else ""
        cells = "".join(f"<td style='padding:2px 8px'>{html.escape(str(row[k]))}</td>" for k, _ in table.columns)
        rows.append(f"<tr class='{' '.join(classes)}' style='{style}'>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def chart_option(game: BudgetGame, lang: str) -> dict[str, Any]:
    """ECharts: the objective (y) against cost a year in 10,000 CNY (x), the baseline, entries within
    and over the budget as three series, each point labelled with its player, and the budget line."""
    def points(entries: list[Entry], name_of: Callable[[Entry], str]) -> list[dict[str, Any]]:
        return [{"name": name_of(e), "value": [round(e.cost / 1e4, 2), _y(game, e)]}
                for e in entries if e.ran and math.isfinite(_y(game, e))]

    entries = game.entries()
    low, high = _x_range(game, entries)
    base_name = i18n.t("budget.baseline", lang)
    label = {"show": True, "formatter": "{b}", "position": "right"}
    series = [
        {"name": base_name, "type": "scatter", "symbol": "diamond", "symbolSize": 14, "label": label,
         "data": points([game.baseline], lambda e: base_name), "itemStyle": {"color": "#888"}},
        {"name": i18n.t("budget.col.player", lang), "type": "scatter", "symbolSize": 12, "label": label,
         "data": points([e for e in entries if not e.over_budget], lambda e: e.player), "itemStyle": {"color": "#1f77b4"},
         "markLine": {"symbol": "none", "lineStyle": {"color": "#a33", "type": "dashed"},
                      "label": {"formatter": i18n.t("budget.budget_line", lang, budget=money(game.budget, lang))},
                      "data": [{"xAxis": round(game.budget / 1e4, 2)}]}},
        {"name": i18n.t("budget.over", lang), "type": "scatter", "symbolSize": 12, "label": label,
         "data": points([e for e in entries if e.over_budget], lambda e: e.player), "itemStyle": {"color": "#d62728"}},
    ]
    return {"tooltip": {"trigger": "item"}, "legend": {"top": 0}, "toolbox": SAVE_AS_PNG,
            "xAxis": {"type": "value", "name": i18n.t("budget.chart_x", lang), "nameLocation": "middle",
                      "nameGap": 28, "min": low, "max": high},
            "yAxis": {"type": "value", "name": game.objective_label(lang), "scale": True},
            "series": series}


def _y(game: BudgetGame, e: Entry) -> float:
    """The objective as the chart shows it: hours as they are, shares and satisfaction in per cent."""
    y = e.value(game.objective)
    if not math.isfinite(y):
        return math.nan
    return round(100 * y, 3) if is_share(game.objective) or game.objective.startswith("satisfaction.") else round(y, 3)


def _x_range(game: BudgetGame, entries: list[Entry]) -> tuple[float, float]:
    """The cost axis (10,000 CNY) holding every point and the budget line (ECharts leaves a mark line
    out of an axis' extent)."""
    xs = [e.cost / 1e4 for e in [game.baseline, *entries] if math.isfinite(e.cost)] + [game.budget / 1e4]
    pad = max(1.0, 0.05 * (max(xs) - min(xs)))
    return math.floor(min(xs) - pad), math.ceil(max(xs) + pad)


__all__ = ["BudgetBoard", "BudgetPlayer", "chart_option", "table_html"]
