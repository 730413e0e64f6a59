"""Markdown reports for a scenario comparison and for a parameter sweep, in English or Chinese.

The headline findings are written from the numbers, not from a template of hopes: each claim
carries its 95% CI and Holm-adjusted p-value, and a difference with p (Holm) ≥ 0.05 is reported as
"no clear difference" (无显著差异) whatever its point estimate. Output is deterministic (no dates,
no machine names), so a report can be diffed between runs.

Numbers: four significant figures, no scientific notation for large amounts (8,860,000 rather
than 8.86e+06); shares in per cent and their differences in percentage points.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from .compare import Comparison
from .labels import figure_lang, is_share, label, name, text, unit

HEADLINE = ("response_time_h.mean", "ratings.satisfaction_rate")
EQUITY = ("satisfaction.elderly_gap", "ratings.elderly_gap", "equity.response_gap_elderly_h")
COST = ("cost.staff_cny",)
FIGURE_ORDER = ("distributions", "forest", "response_cdf", "satisfaction_over_time", "backlog_over_time",
                "sweep", "sweep_heatmap")
ALPHA = 0.05


# ------------------------------------------------------------------ public API
def comparison_report(result: Comparison, figures: dict[str, Path | str], lang: str = "en",
                      meta: dict[str, Any] | None = None) -> str:
    """The comparison as Markdown. `figures` maps figure name (e.g. "forest") to its path relative
    to the report's folder (e.g. figures/forest.png); `meta` may hold root_seed, days, command,
    precision, govsim_version, git_commit."""
    ref = result.scenarios[0]
    lines = [f"# {text('title', lang, ref=ref)}", ""]
    lines += _section(text("h_run", lang), _run_lines(result, lang, meta or {}))
    lines += _section(text("h_findings", lang), _findings(result, lang))
    lines += _section(text("h_table", lang), _table(result, lang))
    if figures:
        lines += _section(text("h_figures", lang), _figure_lines(figures, lang, ref=ref))
    lines += _section(text("h_read", lang), [text("read_note", lang)])
    return "\n".join(lines).rstrip("\n") + "\n"


def sweep_report(sweep: dict, figures: dict[str, Path | str], lang: str = "en",
                 meta: dict[str, Any] | None = None) -> str:
    """A parameter sweep as Markdown: what was varied, where each outcome is lowest and highest,
    the table of means with 95% CIs per grid point, the figures."""
    meta = meta or {}
    params = [f"`{p}`" for p in sweep["params"]]
    axes = [np.asarray(a) for a in sweep["axes"]]
    values = text("sep", lang).join(f"{p} ∈ {{{', '.join(_tick(v) for v in a)}}}" for p, a in zip(params, axes))
    n_points = int(np.prod([len(a) for a in axes]))
    run = [meta["description"], ""] if meta.get("description") else []
    run += [text("sweep_para", lang, params=" × ".join(params), n=n_points, values=values)]
    provenance = _meta_lines(meta, lang)
    run += [""] + provenance if provenance else []
    lines = [f"# {text('sweep_title', lang, params=' × '.join(params))}", ""]
    lines += _section(text("h_run", lang), run)
    lines += _section(text("h_findings", lang), _sweep_ranges(sweep, lang))
    lines += _section(text("h_sweep_table", lang), _sweep_table(sweep, lang))
    if figures:
        lines += _section(text("h_figures", lang), _figure_lines(figures, lang, ref=""))
    lines += _section(text("h_read", lang), [text("sweep_read", lang)])
    return "\n".join(lines).rstrip("\n") + "\n"


# ------------------------------------------------------------------ number formatting
def _num(x: float) -> str:
    """Four significant figures; large amounts rounded with thousands separators instead of
    switching to scientific notation."""
    if x is None or not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 1e4:
        return f"{round(x, 3 - math.floor(math.log10(abs(x)))):,.0f}"
    return f"{x:.4g}"


def _signed(x: float) -> str:
    s = _num(x)
    return "+" + s if x > 0 and s != "–" else s


def _scale(key: str, lang: str, diff: bool, size: float) -> tuple[float, str]:
    """Factor and unit suffix for a number of size `size` in a sentence: levels of shares in %,
    differences of shares in percentage points; hours, yuan (万元 for large amounts in Chinese),
    days. Chinese puts no space between a number and its unit."""
    zh = lang == "zh"
    if is_share(key):
        return 100.0, (("个百分点" if zh else " pp") if diff else "%")
    u = unit(key, lang)
    if zh and u == "元" and size >= 1e5:
        return 1e-4, "万元"
    return 1.0, ((u if zh else f" {u}") if u else "")


def _quantity(key: str, x: float, lang: str, diff: bool = False, signed: bool = False,
              size: float | None = None) -> str:
    """`x` with its unit; `size` fixes the unit's scale, so that every number of one clause is in
    the same unit (万元 throughout, not 29,880元 beside 11.49万元)."""
    factor, suffix = _scale(key, lang, diff, _size(x) if size is None else size)
    return (_signed if signed else _num)(x * factor) + suffix


def _size(*values: float) -> float:
    return max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)


def _bare(key: str, x: float, signed: bool = False) -> str:
    """The number alone, in the unit _quantity uses (per cent for shares)."""
    fmt = _signed if signed else _num
    return fmt(100 * x if is_share(key) else x)


def _p(p: float, lang: str) -> str:
    if p is None or math.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"= {p:.3g}"


def _tick(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else str(v)


# ------------------------------------------------------------------ comparison sections
def _section(heading: str, body: list[str]) -> list[str]:
    return [f"## {heading}", "", *body, ""]


def _run_lines(result: Comparison, lang: str, meta: dict) -> list[str]:
    ref = result.scenarios[0]
    lines = [meta["description"], ""] if meta.get("description") else []
    lines += [text("run_para", lang, n=len(result.scenarios), reps=len(result.seeds), ref=ref), ""]
    for s in result.scenarios:
        tag = text("ref_tag", lang) if s == ref else ""
        desc = (result.descriptions_zh.get(s, "") if lang == "zh" else "") or result.descriptions.get(s, "")
        lines.append(f"- **{s}**{tag}" + (f"{text('colon', lang)}{desc}" if desc else ""))
    # The replications are in the paragraph already (meta["reps"] would repeat them as "per point").
    provenance = _meta_lines({k: v for k, v in meta.items() if k != "reps"}, lang)
    return lines + ([""] + provenance if provenance else [])


_ident = str
# Provenance shown from `meta`, in this order: key -> (phrase, how to write the value).
_META = (
    ("experiment", "meta_experiment", _ident),
    ("scenario", "meta_scenario", _ident),
    ("reps", "meta_reps", _ident),
    ("root_seed", "meta_root_seed", _ident),
    ("days", "meta_days", lambda v: f"{v:g}" if isinstance(v, (int, float)) else str(v)),
    ("precision", "meta_precision", lambda v: f"{100 * v:g}%"),
    ("govsim_version", "meta_version", _ident),
    ("git_commit", "meta_commit", _ident),
    ("command", "meta_command", lambda v: shlex.join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)),
)


def _meta_lines(meta: dict, lang: str) -> list[str]:
    """Provenance as one sentence; only the keys that are present, in a fixed order."""
    parts = [text(phrase, lang, v=fmt(meta[k])) for k, phrase, fmt in _META if meta.get(k) is not None]
    if not parts:
        return []
    sentence = text("sep", lang).join(parts)
    return [(sentence[0].upper() + sentence[1:] if lang == "en" else sentence) + text("end", lang)]


def _rows_by(result: Comparison) -> dict[tuple[str, str], dict]:
    return {(r["scenario"], r["outcome"]): r for r in result.rows}


def _what(key: str, lang: str) -> str:
    """The outcome's name inside a sentence (lower-cased in English unless it starts an acronym)."""
    s = name(key, lang)
    if lang == "en" and s[:1].isupper() and not s[1:2].isupper():
        s = s[0].lower() + s[1:]
    return s


def _clear(row: dict) -> bool:
    return row.get("p_holm", math.nan) < ALPHA  # NaN (untestable) is not a clear difference


def _effect(key: str, row: dict, ref_row: dict, lang: str) -> str | None:
    """One clause: the change in `key` against the reference, with its CI and Holm p-value."""
    d, lo, hi = row["diff"], row["diff_ci_low"], row["diff_ci_high"]
    if math.isnan(d):
        return None
    size = _size(d, lo, hi, row["mean"], ref_row["mean"])

    def q(x: float, diff: bool = True, signed: bool = True) -> str:
        return _quantity(key, x, lang, diff=diff, signed=signed, size=size)

    lo_s, hi_s = q(lo).removesuffix(_scale(key, lang, True, size)[1]), q(hi)  # the unit once, after the upper end
    p = _p(row.get("p_holm", math.nan), lang)
    if not _clear(row):
        return text("no_diff", lang, what=_what(key, lang), d=q(d), lo=lo_s, hi=hi_s, p=p)
    return text("change", lang, what=_what(key, lang), dir=text("higher" if d > 0 else "lower", lang),
                size=q(abs(d), signed=False), ref_v=q(ref_row["mean"], diff=False, signed=False),
                new_v=q(row["mean"], diff=False, signed=False), lo=lo_s, hi=hi_s, p=p)


def _findings(result: Comparison, lang: str) -> list[str]:
    if len(result.scenarios) < 2:
        return [text("no_alternatives", lang)]
    ref, rows = result.scenarios[0], _rows_by(result)
    present = [k for k in result.outcomes if any((s, k) in rows for s in result.scenarios)]
    headline = [k for k in HEADLINE if k in present] or [k for k in present if k not in EQUITY + COST][:1]
    groups = [("", headline), (text("left_behind", lang), [k for k in EQUITY if k in present]),
              (text("cost", lang), [k for k in COST if k in present])]
    lines = []
    for s in result.scenarios[1:]:
        sentences = []
        for prefix, keys in groups:
            clauses = [c for k in keys if (c := _clause(rows, s, ref, k, lang))]
            if clauses:
                sentences.append(prefix + text("sep", lang).join(clauses) + text("end", lang))
        others = _other_clear(result, rows, s, headline, lang)
        if others:
            sentences.append(text("others_clear", lang) + others + text("end", lang))
        lines.append(f"- {text('vs', lang, name=s, ref=ref)}" + text("sentence_join", lang).join(sentences))
    return lines


def _clause(rows: dict, scenario: str, ref: str, key: str, lang: str) -> str | None:
    row, ref_row = rows.get((scenario, key)), rows.get((ref, key))
    return _effect(key, row, ref_row, lang) if row and ref_row else None


def _other_clear(result: Comparison, rows: dict, scenario: str, headline: list[str], lang: str) -> str:
    """Clear differences in outcomes the headline did not mention, briefly: the reader should not
    have to scan the table to learn that, say, the on-time rate moved too."""
    skip = set(headline) | set(EQUITY) | set(COST)
    parts = [f"{_what(k, lang)} {_quantity(k, rows[(scenario, k)]['diff'], lang, diff=True, signed=True)}"
             for k in result.outcomes if k not in skip and (scenario, k) in rows and _clear(rows[(scenario, k)])]
    return text("list_sep", lang).join(parts)


def _table(result: Comparison, lang: str) -> list[str]:
    lines = [text("table_head", lang), "|---|---|---|---|---|---|"]
    previous = None
    for r in result.rows:
        key = r["outcome"]
        outcome = _cell(label(key, lang)) if key != previous else ""  # label once per outcome block
        previous = key
        diff = "" if math.isnan(r["diff"]) else _interval(key, r["diff"], r["diff_ci_low"], r["diff_ci_high"], lang,
                                                          diff=True)
        p = r.get("p_holm", math.nan)
        p_cell = "" if math.isnan(p) else ("<0.001" if p < 0.001 else f"{p:.3g}")
        dz = "" if math.isnan(r["effect_size_dz"]) else f"{r['effect_size_dz']:+.2f}"
        mean = _interval(key, r["mean"], r["ci_low"], r["ci_high"], lang)
        lines.append(f"| {outcome} | {_cell(r['scenario'])} | {mean} | {diff} | {p_cell} | {dz} |")
    return lines


def _interval(key: str, m: float, lo: float, hi: float, lang: str, diff: bool = False) -> str:
    """"m [lo, hi]": shares as 75.8% [74.1%, 77.5%], share differences as +1.2 [+0.4, +2] pp."""
    if not is_share(key):
        return f"{_bare(key, m, diff)} [{_bare(key, lo, diff)}, {_bare(key, hi, diff)}]"
    if not diff:
        return f"{_bare(key, m)}% [{_bare(key, lo)}%, {_bare(key, hi)}%]"
    pp = "个百分点" if lang == "zh" else "pp"
    return f"{_bare(key, m, True)} [{_bare(key, lo, True)}, {_bare(key, hi, True)}] {pp}"


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|")


def _figure_lines(figures: dict[str, Path | str], lang: str, ref: str) -> list[str]:
    """Each figure inline with a one-line caption, in a fixed reading order."""
    named = {PurePath(str(k)).name.removesuffix(".png"): PurePath(str(v)).as_posix() for k, v in figures.items()}
    order = sorted(named, key=lambda n: (FIGURE_ORDER.index(n) if n in FIGURE_ORDER else len(FIGURE_ORDER), n))
    lines = []
    if figure_lang(lang) != lang:
        lines += [text("figures_english", lang), ""]
    for n in order:
        caption = text(f"cap_{n}", lang, ref=ref)
        lines += [f"![{n}]({named[n]})", "", f"*{caption if caption != f'cap_{n}' else n}*", ""]
    return lines


# ------------------------------------------------------------------ sweep sections
def _grid_points(sweep: dict):
    """(index, "p1 = v1, p2 = v2" , values) for every grid point in C order."""
    axes = [np.asarray(a) for a in sweep["axes"]]
    for idx in np.ndindex(*(len(a) for a in axes)):
        values = [_tick(a[i]) for a, i in zip(axes, idx)]
        yield idx, ", ".join(f"{p} = {v}" for p, v in zip(sweep["params"], values)), values


def _sweep_arrays(sweep: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = tuple(len(a) for a in sweep["axes"]) + (len(sweep["outcomes"]),)
    return tuple(np.asarray(sweep[k], dtype=float).reshape(shape) for k in ("mean", "ci_low", "ci_high"))


def _sweep_ranges(sweep: dict, lang: str) -> list[str]:
    mean, _, _ = _sweep_arrays(sweep)
    points = list(_grid_points(sweep))
    lines = []
    for k, key in enumerate(sweep["outcomes"]):
        col = np.array([mean[idx + (k,)] for idx, _, _ in points])
        if np.isnan(col).all():
            continue
        i_lo, i_hi = int(np.nanargmin(col)), int(np.nanargmax(col))  # first occurrence: deterministic
        lines.append("- " + text("sweep_range", lang, what=name(key, lang), lo=_quantity(key, col[i_lo], lang),
                                 at_lo=points[i_lo][1], hi=_quantity(key, col[i_hi], lang), at_hi=points[i_hi][1]))
    return lines


def _sweep_table(sweep: dict, lang: str) -> list[str]:
    mean, lo, hi = _sweep_arrays(sweep)
    outcomes = list(sweep["outcomes"])
    head = [f"`{p}`" for p in sweep["params"]] + [_cell(label(k, lang)) for k in outcomes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for idx, _, values in _grid_points(sweep):
        cells = values + [_interval(key, mean[idx + (k,)], lo[idx + (k,)], hi[idx + (k,)], lang)
                          for k, key in enumerate(outcomes)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
