"""One-page summaries to hand out after a workshop: a participant's session, and the whole room.

Self-contained HTML (pictures embedded), printable on one A4 page from the browser (Ctrl-P), in
Chinese or English: the scenario, the choices (levers changed from the scenario's own values, per
side), the outcomes so far and, for one session, its charts and map. Each page carries its
provenance — govsim version and commit, seed, scenario file, day reached — so a handout can be traced
back to a run.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math

from .. import provenance
from ..labels import label
from . import i18n
from .room import Participant, Room, changed_from_scenario
from .session import REPORT_KEYS, Workshop, format_difference, format_report_value, mean_over_days, scenario_title

OUTCOMES = ("response_mean_h", "satisfaction_rate", "backlog", "latent_satisfaction")
PAGE_CSS = ("body{font-family:sans-serif;font-size:11pt;max-width:190mm;margin:10mm auto}"
            "table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #bbb;padding:2px 6px;"
            "text-align:left}h1{font-size:15pt}h2{font-size:12pt;margin:10px 0 4px}img{max-width:100%}"
            ".prov{font-size:8pt;color:#666}@page{size:A4;margin:10mm}")


def _page(title: str, body: str, lang: str) -> str:
    return (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{PAGE_CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>")


def _provenance(w: Workshop | None, lang: str, room: Room | None = None) -> str:
    env = provenance.environment()
    parts = [f"govsim {env['govsim_version']}", f"commit {env['git_commit'] or '–'}",
             dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")]
    if w is not None:
        files = ", ".join(str(f) for f in w.scenario.files) or w.scenario.name
        parts[:0] = [f"{i18n.t('seed', lang)} {w.seed}", files]
    elif room is not None:
        parts.insert(0, room.scenario)
    return f"<p class='prov'>{html.escape(' · '.join(parts))}</p>"


def _outcome_text(key: str, value: float, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key in ("satisfaction_rate", "latent_satisfaction"):
        return f"{100 * value:.1f}%"
    return f"{value:.1f}" if key == "response_mean_h" else f"{value:.0f}"


def _outcomes_table(w: Workshop, lang: str) -> str:
    sides = w.sides
    series = {s: w.series(s) for s in sides}
    head = "".join(f"<th>{i18n.t(f'side_{s}', lang)}</th>" for s in sides)
    rows = [f"<tr><td>{html.escape(i18n.t(f'diff.{k}', lang))}</td>" + "".join(
        f"<td>{_outcome_text(k, mean_over_days(k, series[s]), lang)}</td>" for s in sides) + "</tr>"
        for k in OUTCOMES if k in series[sides[0]]]
    if w.side_by_side:
        diffs = w.differences()
        rows.append(f"<tr><td colspan='{len(sides) + 1}'>{html.escape(i18n.t('diff_title', lang))}: " + "; ".join(
            f"{html.escape(i18n.t(f'diff.{k}', lang))} {html.escape(format_difference(k, v, lang))}"
            for k, v in diffs.items() if not math.isnan(v)) + "</td></tr>")
    reports = {s: w.report(s) for s in sides}
    rows += [f"<tr><td>{html.escape(label(k, lang))}</td>" + "".join(
        f"<td>{format_report_value(k, reports[s][k], lang)}</td>" for s in sides) + "</tr>" for k in REPORT_KEYS]
    return f"<table><tr><th>{i18n.t('report_outcome', lang)}</th>{head}</tr>{''.join(rows)}</table>"


def _img(png: bytes, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def session_summary_html(participant: Participant, lang: str, pictures: bool = True) -> str:
    """A participant's session on one page: who, the scenario, the choices, the outcomes, the charts."""
    w = participant.workshop
    title = f"{i18n.t('summary.session_title', lang)} · {participant.label(lang)}"
    body = [f"<p>{html.escape(scenario_title(w.scenario, lang))} · "
            f"{html.escape(i18n.t('day_of', lang, day=w.day, days=w.days_planned))}</p>",
            f"<h2>{html.escape(i18n.t('summary.choices', lang))}</h2><ul>"]
    for side in w.sides:
        changed = "; ".join(changed_from_scenario(w, side, lang)) or i18n.t("room.no_change", lang)
        body.append(f"<li>{i18n.t(f'side_{side}', lang)}: {html.escape(changed)}</li>")
    body.append(f"</ul><h2>{html.escape(i18n.t('summary.outcomes', lang))}</h2>{_outcomes_table(w, lang)}")
    if pictures:
        from .render import charts_png, map_png

        body.append(_img(charts_png(w, lang), i18n.t("charts_title", lang)))
        body.append(_img(map_png(w.model("A"), lang, "A" if w.side_by_side else None), i18n.t("summary.map", lang)))
    body.append(_provenance(w, lang))
    return _page(title, "".join(body), lang)


def room_summary_html(room: Room, lang: str) -> str:
    """The room on one page: every participant's choices and outcomes, side by side."""
    from .trainer import room_table_html

    rows = room.choices(lang)
    table = room_table_html(rows, lang) if rows else f"<p>{html.escape(i18n.t('trainer.nobody', lang))}</p>"
    return _page(i18n.t("summary.room_title", lang), table + _provenance(None, lang, room), lang)
