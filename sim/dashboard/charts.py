"""The daily charts drawn in the browser (ECharts): the server sends the options, the browser draws
them (benchmarks/bench_drawing.py).

`charts_options(workshop, lang)` gives the charts of render.charts_png as ECharts options, one per
series of `session.SERIES_KEYS`, from `Workshop.series(side)`: A, and B in its colour when side by
side; the two noisy daily flows (response time, satisfaction rate) as a faint daily line and a bold
7-day rolling mean; the days an emergency was under way shaded; a dotted line on each day a review
split or merged grids; shares in per cent; the date axis from the scenario's first day to its last
(a run past it extended by whole months, as render). A day's value is drawn at its end: day 0 at
the date of day 1. Days without a value (NaN) are gaps (null). The values of a chart are one table
(`dataset`: a row a day, its date and each line's value), so each date is sent once a chart.

`Charts(workshop, lang, version)` shows them, with the title line and the B − A panel of render's
sixth panel.
"""

from __future__ import annotations

import math
from typing import Any, Hashable

import numpy as np
import solara

from . import i18n
from .render import FOOTPRINT, NOISY, REGRID_MARK, SHARES, SIDE_COLOURS, grown_limits, rolling_mean, true_runs
from .session import SERIES_KEYS, format_difference, regrid_days, regrid_status

DECIMALS = 2   # values sent with two decimals (per cent for shares: 0.01 percentage points)

# ECharts' time-axis label templates: the first of a year, of a month, other days
DATE_LABELS = {"zh": {"year": "{yyyy}年", "month": "{M}月", "day": "{M}月{d}日"},
               "en": {"year": "{yyyy}", "month": "{MMM}", "day": "{d} {MMM}"}}

# a button on every chart that saves it as PNG, drawn by the browser at twice the screen's resolution
SAVE_AS_PNG = {"right": 8, "feature": {"saveAsImage": {"pixelRatio": 2, "title": "PNG"}}}


def _values(x: np.ndarray, scale: float) -> list:
    return [None if not math.isfinite(v) else round(float(v) * scale, DECIMALS) for v in x]


def axis_end(workshop) -> int:
    """The last day on the date axis: the scenario's days, or past them by whole months (as render)."""
    planned, day = workshop.days_planned, workshop.day
    return planned if day <= planned else planned + 30 * math.ceil((day - planned) / 30)


def _series(key: str, side: str, s: dict, lang: str) -> list[tuple[dict, list]]:
    """The lines of one side in one chart, each with its values: a faint daily line and the bold 7-day
    mean for a noisy flow, else one line."""
    scale = 100.0 if key in SHARES else 1.0
    name = i18n.t(f"side_{side}", lang)
    line = {"type": "line", "showSymbol": False, "connectNulls": False, "color": SIDE_COLOURS[side]}
    if key not in NOISY:
        return [({**line, "name": name, "lineStyle": {"width": 1.6}}, _values(s[key], scale))]
    daily = {**line, "name": f"{name} · {i18n.t('chart.daily', lang)}", "lineStyle": {"width": 0.7, "opacity": 0.35}}
    mean = {**line, "name": f"{name} · {i18n.t('chart.rolling', lang)}", "lineStyle": {"width": 1.8}}
    return [(daily, _values(s[key], scale)), (mean, _values(rolling_mean(s[key]), scale))]


def _dataset(lines: list[tuple[dict, list]], dates: list[str]) -> dict:
    """The chart's values as one table, a row a day (its date, then each line's value), so each date is
    sent once; each line reads its column (`encode`)."""
    for k, (line, _) in enumerate(lines):
        line["encode"] = {"x": 0, "y": k + 1}
    n = len(lines[0][1]) if lines else 0
    rows = [[dates[d + 1], *(values[d] for _, values in lines)] for d in range(n)]
    return {"source": rows, "sourceHeader": False,
            "dimensions": [{"name": "date", "type": "time"}, *({"name": f"v{k}", "type": "float"} for k in range(len(lines)))]}


def _marks(workshop, series: dict, dates: list[str], sides: tuple) -> tuple[dict, dict | None]:
    """The emergency shading (markArea) and the regrid lines (markLine), carried by the first line."""
    active = series["A"]["emergency_active"]
    area = {"silent": True, "itemStyle": {"color": FOOTPRINT, "opacity": 0.15},
            "data": [[{"xAxis": dates[a]}, {"xAxis": dates[min(b, len(dates) - 1)]}] for a, b in true_runs(active > 0)]}
    regrids = any(regrid_status(m) is not None for m in workshop.models)
    if not regrids:
        return area, None
    lines = []
    for side in sides:
        colour = SIDE_COLOURS[side] if len(sides) > 1 else REGRID_MARK
        lines += [{"xAxis": dates[min(d, len(dates) - 1)], "lineStyle": {"color": colour}} for d in regrid_days(workshop.model(side))]
    return area, {"silent": True, "symbol": "none", "label": {"show": False},
                  "lineStyle": {"type": "dotted", "width": 1.2, "opacity": 0.8}, "data": lines}


def _y_axis(key: str, series: dict, sides: tuple) -> dict:
    """The value axis: the limits render uses (shares to 100 %+, counts and hours a nice top)."""
    shown = [rolling_mean(series[s][key]) if key in NOISY else series[s][key] for s in sides]
    lo, hi = grown_limits(key, None, shown)
    scale = 100.0 if key in SHARES else 1.0
    axis = {"type": "value", "min": round(lo * scale, DECIMALS), "max": round(hi * scale, DECIMALS),
            "splitLine": {"lineStyle": {"opacity": 0.5}}, "axisLabel": {"fontSize": 10}}
    if key in SHARES:
        axis["axisLabel"]["formatter"] = "{value}%"
    return axis


def chart_option(workshop, key: str, lang: str, series: dict, dates: list[str]) -> dict[str, Any]:
    """The ECharts option of one daily series."""
    sides = workshop.sides
    pairs = [p for side in sides for p in _series(key, side, series[side], lang)]
    dataset = _dataset(pairs, dates)
    lines = [line for line, _ in pairs]
    area, regrid = _marks(workshop, series, dates, sides)
    lines[0]["markArea"] = area
    if regrid is not None:
        lines[0]["markLine"] = regrid
    title = {"text": i18n.t(f"chart.{key}", lang), "left": "center", "textStyle": {"fontSize": 13}}
    if key == "vulnerable_reached_share" and not np.isfinite(series["A"][key]).any():
        title["subtext"] = i18n.t("chart.no_emergency", lang)
    return {
        "animation": False, "title": title, "tooltip": {"trigger": "axis"}, "toolbox": SAVE_AS_PNG,
        "legend": {"top": 40 if "subtext" in title else 24, "textStyle": {"fontSize": 10}, "itemHeight": 8,
                   "data": [ln["name"] for ln in lines]},
        "grid": {"left": 48, "right": 16, "top": 84, "bottom": 40},
        "xAxis": {"type": "time", "min": dates[0], "max": dates[-1], "name": i18n.t("chart.date", lang),
                  "nameLocation": "middle", "nameGap": 22, "nameTextStyle": {"fontSize": 10},
                  "axisLabel": {"fontSize": 10, "hideOverlap": True, "formatter": DATE_LABELS[lang]}},
        "yAxis": _y_axis(key, series, sides),
        "dataset": dataset,
        "series": lines,
    }


def charts_options(workshop, lang: str = "zh") -> list[dict[str, Any]]:
    """The charts of render.charts_png as ECharts options, one per series of SERIES_KEYS, in that order
    (see the module docstring). Plain JSON-able dicts: numbers rounded, no NaN."""
    i18n.t("charts_title", lang)   # an unknown language fails here, with the languages allowed
    dates_of = workshop.model("A").calendar.dates
    dates = [dates_of.date(d).isoformat() for d in range(axis_end(workshop) + 1)]
    series = {s: workshop.series(s) for s in workshop.sides}
    return [chart_option(workshop, key, lang, series, dates) for key in SERIES_KEYS]


def charts_title(workshop, lang: str = "zh") -> str:
    """The charts' title line, as render: the day of the scenario's days and its date."""
    return (f"{i18n.t('charts_title', lang)} — {i18n.t('day_of', lang, day=workshop.day, days=workshop.days_planned)}"
            f" · {i18n.date_text(*workshop.calendar_day(), lang)}")


def difference_rows(workshop, lang: str = "zh") -> list[tuple[str, str]]:
    """The B − A panel as (label, value) rows: the levers B changes, then each outcome so far with its
    unit (as render's sixth panel); empty when not side by side."""
    if not workshop.side_by_side:
        return []
    rows = [(f"{c.short(lang)}: {c.text(a, lang)} → {c.text(b, lang)}", "") for c, a, b in workshop.changed_levers()]
    rows += [(i18n.t(f"diff_label.{k}", lang), format_difference(k, v, lang, unit=False))
             for k, v in workshop.differences().items()]
    return rows


@solara.component
def Charts(workshop, lang: str = "zh", version: Hashable = 0):
    """The daily charts of `workshop` drawn in the browser; `version`: change it after each change of the
    workshop that the charts should show, and only then, so the options are built and sent again (the
    page changes it once a second while playing: the charts' series are the larger part of a step)."""
    options = solara.use_memo(lambda: charts_options(workshop, lang),
                              dependencies=[id(workshop), version, lang, workshop.side_by_side])
    rows = solara.use_memo(lambda: difference_rows(workshop, lang),
                           dependencies=[id(workshop), version, lang, workshop.side_by_side])
    with solara.Column(classes=["govsim-charts"]):
        solara.Text(charts_title(workshop, lang), classes=["govsim-charts-title"])
        with solara.ColumnsResponsive(default=12, medium=6, large=4):
            for k, option in enumerate(options):
                solara.FigureEcharts(option=option, attributes={"style": "height: 280px;",
                                                                "class": f"govsim-chart govsim-chart-{SERIES_KEYS[k]}"})
            with solara.Column(classes=["govsim-charts-diff"]):
                solara.Text(f"▮ {i18n.t('chart.emergency_shade', lang)}", style={"color": FOOTPRINT})
                if any(regrid_status(m) is not None for m in workshop.models):
                    solara.Text(f"┆ {i18n.t('chart.regrid', lang)}", style={"color": REGRID_MARK})
                if not rows:
                    solara.Text(i18n.t("mapview.diff_empty", lang), style={"color": "#777777"})
                else:
                    solara.Text(i18n.t("diff_title", lang), style={"font-weight": "bold"})
                    for label, value in rows:
                        with solara.Row(justify="space-between"):
                            solara.Text(label)
                            solara.Text(value)
