"""Markdown reports for a scenario comparison and for a parameter sweep, in English or Chinese.

The headline findings are written from the numbers, not from a template of hopes: each claim
carries its 95% CI and Holm-adjusted p-value. A difference is "clear" when p (Holm) < 0.05; one
whose CI excludes zero but whose p (Holm) does not pass is said to be so (the CIs are not adjusted
for the number of comparisons); "no clear difference" (无显著差异) is said only where the CI
includes zero. Clear differences are listed largest first, relative to the reference's mean.
Output is deterministic (no dates, no machine names), so a report can be diffed between runs.

Numbers go through sim.lab.numfmt: about three significant digits, no scientific notation, a mean
and its interval with the same decimals; shares in per cent and their differences in percentage
points; run-total costs per year (compare.per_year), labelled so.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from . import numfmt
from .compare import Comparison, per_year, per_year_sweep
from ..labels import figure_lang, is_share, label, name, short_names, text

EQUITY = ("satisfaction.elderly_gap", "ratings.elderly_gap", "equity.response_gap_elderly_h")
COST = ("cost.staff_cny", "cost.overtime_cny")   # and every other cost.* key (sim/costs.py)
FIGURE_ORDER = ("distributions", "forest", "response_cdf", "satisfaction_over_time", "backlog_over_time",
                "sweep", "sweep_heatmap")
ALPHA = 0.05
# |d_z| from here means a within-pair SD under 1% of the mean difference: a deterministic difference.
DZ_DETERMINISTIC = 100.0


# ------------------------------------------------------------------ public API
def comparison_report(result: Comparison, figures: dict[str, Path | str], lang: str = "en",
                      meta: dict[str, Any] | None = None) -> str:
    """The comparison as Markdown. `figures` maps figure name (e.g. "forest") to its path relative
    to the report's folder (e.g. figures/forest.png); `meta` may hold root_seed, days, command,
    precision, govsim_version, git_commit, and for a run smaller than its experiment file asks
    for: full_reps, full_days, full_command."""
    result = per_year(result)
    meta = meta or {}
    ref = result.scenarios[0]
    lines = [f"# {text('title', lang, ref=ref)}", ""]
    lines += _section(text("h_run", lang), _run_lines(result, lang, meta))
    lines += _section(text("h_findings", lang), _findings(result, lang))
    lines += _section(text("h_table", lang), _table(result, lang))
    if by_type_present(result):
        lines += _section(LEFT_BEHIND["heading"][lang == "zh"], _left_behind_table(result, lang))
    if figures:
        lines += _section(text("h_figures", lang), _figure_lines(figures, lang, ref=ref))
    lines += _section(text("h_read", lang), [text("read_note", lang)])
    return "\n".join(lines).rstrip("\n") + "\n"


def sweep_report(sweep: dict, figures: dict[str, Path | str], lang: str = "en",
                 meta: dict[str, Any] | None = None) -> str:
    """A parameter sweep as Markdown: what was varied, where each outcome is lowest and highest,
    the table of means with 95% CIs per grid point, the figures. `sweep["ties"]` (optional) lists
    groups of grid points that built the same street office (see tie_warnings)."""
    sweep = per_year_sweep(sweep)
    meta = meta or {}
    params = [f"`{p}`" for p in sweep["params"]]
    axes = [np.asarray(a) for a in sweep["axes"]]
    values = text("sep", lang).join(f"{p} ∈ {{{', '.join(_tick(v) for v in a)}}}" for p, a in zip(params, axes))
    n_points = int(np.prod([len(a) for a in axes]))
    run = [meta["description"], ""] if meta.get("description") else []
    run += [text("sweep_para", lang, params=" × ".join(params), n=n_points, values=values)]
    provenance = _meta_lines(meta, lang)
    run += [""] + provenance if provenance else []
    run += _reduced_lines(meta, lang) + _per_year_lines(sweep.get("annualised", ()), _days_of(sweep), lang)
    findings = [f"> ⚠ {w}" for w in tie_warnings(sweep, lang)]
    lines = [f"# {text('sweep_title', lang, params=' × '.join(params))}", ""]
    lines += _section(text("h_run", lang), run)
    lines += _section(text("h_findings", lang), findings + ([""] if findings else []) + _sweep_ranges(sweep, lang))
    lines += _section(text("h_sweep_table", lang), _sweep_table(sweep, lang))
    if figures:
        lines += _section(text("h_figures", lang), _figure_lines(figures, lang, ref=""))
    lines += _section(text("h_read", lang), [text("sweep_read", lang)])
    return "\n".join(lines).rstrip("\n") + "\n"


_tick = numfmt.param_value


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
    lines += [""] + provenance if provenance else []
    meta = {"reps": len(result.seeds), **{k: v for k, v in meta.items() if k != "reps"}}
    return lines + _reduced_lines(meta, lang) + _per_year_lines(result.annualised, result.days, lang)


def _reduced_lines(meta: dict, lang: str) -> list[str]:
    """A run with fewer replications or days than its experiment file asks for says so, with the
    command for the full study."""
    reps, days, full_reps, full_days = (meta.get(k) for k in ("reps", "days", "full_reps", "full_days"))
    if full_reps is None and full_days is None:
        return []
    smaller = (reps is not None and full_reps is not None and reps < full_reps) or \
              (days is not None and full_days is not None and days < full_days)
    if not smaller:
        return []
    line = text("reduced", lang, reps=reps, days=_tick(days), full_reps=full_reps, full_days=_tick(full_days),
                file=meta.get("experiment_file", ""))
    if meta.get("full_command"):
        line += text("reduced_command", lang, command=meta["full_command"])
    return ["", line]


def _days_of(obj) -> dict:
    return obj.get("days_by_point", {}) if isinstance(obj, dict) else {}


def _per_year_lines(annualised, days: dict, lang: str) -> list[str]:
    """What "per year" means for the costs shown."""
    if not annualised:
        return []
    spans = sorted(set(days.values()))
    what = "、".join if lang == "zh" else ", ".join
    keys = what(_what(k, lang) for k in annualised)
    if len(spans) == 1:
        return ["", text("per_year_note", lang, keys=keys, days=_tick(spans[0]))]
    return ["", text("per_year_note_mixed", lang, keys=keys)]


_ident = str
# Provenance shown from `meta`, in this order: key -> (phrase, how to write the value).
_META = (
    ("experiment", "meta_experiment", _ident),
    ("scenario", "meta_scenario", _ident),
    ("reps", "meta_reps", _ident),
    ("root_seed", "meta_root_seed", _ident),
    ("days", "meta_days", lambda v: _tick(v)),
    ("precision", "meta_precision", lambda v: _tick(100 * v) + "%"),
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


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _clear(row: dict) -> bool:
    return row.get("p_holm", math.nan) < ALPHA  # NaN (untestable) is not a clear difference


def kind(row: dict) -> str:
    """How a paired difference may be described: "clear" (p (Holm) < 0.05), "ci" (the 95% CI
    excludes zero but p (Holm) ≥ 0.05: the interval is not adjusted for the number of comparisons,
    the p-value is), "none" (the CI includes zero), "untested" (no CI: a single replication)."""
    if _clear(row):
        return "clear"
    lo, hi = row.get("diff_ci_low", math.nan), row.get("diff_ci_high", math.nan)
    if not (_finite(lo) and _finite(hi)):
        return "untested"
    return "ci" if lo > 0 or hi < 0 else "none"


def relative_size(row: dict, ref_row: dict) -> float:
    """The size of a difference for ordering findings: |difference| / |reference mean| (or the
    scenario's mean when the reference's is zero), so hours, yuan and shares compare."""
    d, base = abs(row["diff"]), abs(ref_row["mean"])
    if not _finite(d):
        return -1.0
    if not _finite(base) or base == 0:
        base = abs(row["mean"]) if _finite(row["mean"]) and row["mean"] else 1e-300
    return d / base


def deterministic(row: dict) -> bool:
    """The paired difference hardly varies between replications (within-pair SD ≈ 0 relative to
    the mean difference): d_z would be huge or undefined and says nothing about importance."""
    d, dz = row.get("diff", math.nan), row.get("effect_size_dz", math.nan)
    if not _finite(d) or d == 0 or not _finite(row.get("diff_ci_low", math.nan)):
        return False
    return not _finite(dz) or abs(dz) >= DZ_DETERMINISTIC


def _n_tests(result: Comparison) -> int:
    return sum(1 for r in result.rows if _finite(r.get("p_value", math.nan)))


class _Clause:
    """What can be said about one outcome of one scenario against the reference."""

    def __init__(self, key: str, row: dict, ref_row: dict, lang: str, per_year: bool, n_tests: int):
        self.key, self.row, self.ref_row, self.lang = key, row, ref_row, lang
        self.per_year, self.n_tests = per_year, n_tests
        self.kind, self.size = kind(row), relative_size(row, ref_row)
        d, lo, hi = row["diff"], row["diff_ci_low"], row["diff_ci_high"]
        unit_ref = numfmt.magnitude(d, lo, hi, row["mean"], ref_row["mean"])  # one unit (万元) for the clause
        self.d = numfmt.style(key, lang, diff=True, mean=d, low=lo, high=hi, per_year=per_year, unit_ref=unit_ref)
        self.v = numfmt.style(key, lang, mean=max(abs(row["mean"]), abs(ref_row["mean"])), per_year=per_year,
                              unit_ref=unit_ref)

    def _common(self) -> dict:
        r = self.row
        return {"what": _what(self.key, self.lang), "d": self.d(r["diff"], signed=True),
                "lo": self.d.bare(r["diff_ci_low"], signed=True), "hi": self.d(r["diff_ci_high"], signed=True),
                "p": numfmt.p_value(r.get("p_holm", math.nan)), "n": self.n_tests}

    def _relative(self) -> str:
        """", or 58%" after a change of a positive amount (not for shares, whose change is in pp,
        nor for gaps, which may be near zero)."""
        ref = self.ref_row["mean"]
        if is_share(self.key) or "gap" in self.key or not _finite(ref) or ref <= 0:
            return ""
        return text("relative", self.lang, r=numfmt.percent(abs(self.row["diff"]) / ref))

    def full(self, introduced: bool = False) -> str:
        """The clause; `introduced`: a sentence opening already said that the CI excludes zero but
        the difference does not pass Holm's correction."""
        r, lang = self.row, self.lang
        if self.kind in ("none", "untested"):
            return text("no_diff" if self.kind == "none" else "untested", lang, **self._common())
        phrase = "change" if self.kind == "clear" or introduced else "change_ci"
        return text(phrase, lang, **self._common(),
                    dir=text("higher" if r["diff"] > 0 else "lower", lang), size=self.d(abs(r["diff"])),
                    rel=self._relative(), ref_v=self.v(self.ref_row["mean"]), new_v=self.v(r["mean"]))

    def brief(self) -> str:
        return text("brief" if self.kind == "none" else "brief_untested", self.lang, **self._common())


def _clauses(result: Comparison, rows: dict, scenario: str, keys: list[str], lang: str) -> list[_Clause]:
    ref, n_tests, out = result.scenarios[0], _n_tests(result), []
    for k in keys:
        row, ref_row = rows.get((scenario, k)), rows.get((ref, k))
        if row and ref_row and _finite(row["diff"]):
            out.append(_Clause(k, row, ref_row, lang, k in result.annualised, n_tests))
    return out


def _by_size(clauses: list[_Clause], which: str) -> list[_Clause]:
    return sorted((c for c in clauses if c.kind == which), key=lambda c: -c.size)  # stable: ties keep table order


def findings_for(result: Comparison, scenario: str, lang: str) -> list[str]:
    """The sentences about one scenario against the reference: its clear differences, largest
    (relative to the reference mean) first; then differences whose CI excludes zero but that do not
    pass Holm's correction; then the outcomes without a clear difference; then who is left behind
    and at what cost (each in the same three kinds)."""
    result = per_year(result)
    rows = _rows_by(result)
    present = [k for k in result.outcomes if (scenario, k) in rows]
    equity = [k for k in EQUITY if k in present]
    cost = [k for k in present if k in COST or k.startswith("cost.")]
    main = _clauses(result, rows, scenario, [k for k in present if k not in equity and k not in cost], lang)
    sep, end = text("sep", lang), text("end", lang)
    sentences = []
    clear, ci_only = _by_size(main, "clear"), _by_size(main, "ci")
    if clear:
        sentences.append(sep.join(c.full() for c in clear) + end)
    if ci_only:
        sentences.append(text("ci_intro", lang, n=_n_tests(result)) + sep.join(c.full(True) for c in ci_only) + end)
    for which in ("none", "untested"):
        clauses = [c for c in main if c.kind == which]
        if clauses:
            sentences.append(text(f"{which}_intro", lang) + text("list_sep", lang).join(c.brief() for c in clauses)
                             + end)
    for prefix, keys in ((text("left_behind", lang), equity), (text("cost", lang), cost)):
        clauses = _clauses(result, rows, scenario, keys, lang)
        clauses = _by_size(clauses, "clear") + _by_size(clauses, "ci") + \
            [c for c in clauses if c.kind in ("none", "untested")]
        if clauses:
            sentences.append(prefix + sep.join(c.full() for c in clauses) + end)
    return sentences


def _lower_first(s: str, lang: str) -> str:
    """After "**x** vs `ref`: " the first sentence goes on in lower case (not an acronym)."""
    return s[0].lower() + s[1:] if lang == "en" and s[:1].isupper() and not s[1:2].isupper() else s


def _findings(result: Comparison, lang: str) -> list[str]:
    if len(result.scenarios) < 2:
        return [text("no_alternatives", lang)]
    ref, names = result.scenarios[0], short_names(result.scenarios, result.descriptions_zh, lang)
    lines = []
    for s in result.scenarios[1:]:
        shown = names.get(s, s)  # a Chinese report names the scenario in Chinese first, if it can
        who = text("vs", lang, name=s, ref=ref) if shown == s else text("vs_named", lang, shown=shown, name=s, ref=ref)
        sentences = findings_for(result, s, lang)
        if sentences:
            sentences[0] = _lower_first(sentences[0], lang)
        lines.append(f"- {who}" + text("sentence_join", lang).join(sentences))
    return lines




def _table(result: Comparison, lang: str) -> list[str]:
    lines = [text("table_head", lang), "|---|---|---|---|---|---|"]
    previous, hidden = None, False
    # one outcome's means share their decimals, and so do its differences: the column reads alike
    sizes = {}
    for r in result.rows:
        lv, df = sizes.setdefault(r["outcome"], ([], []))
        lv.append((r["mean"], r["ci_low"], r["ci_high"]))
        df.append((r["diff"], r["diff_ci_low"], r["diff_ci_high"]))
    sizes = {k: (numfmt.column_size(lv), numfmt.column_size(df)) for k, (lv, df) in sizes.items()}
    for r in result.rows:
        key = r["outcome"]
        per_year = key in result.annualised
        outcome = _cell(label(key, lang, per_year)) if key != previous else ""  # label once per outcome block
        previous = key
        diff = "" if math.isnan(r["diff"]) else numfmt.interval(key, r["diff"], r["diff_ci_low"], r["diff_ci_high"],
                                                                 lang, diff=True, table=True, like=sizes[key][1])
        if deterministic(r):
            dz, hidden = "—†", True
        else:
            dz = "" if math.isnan(r["effect_size_dz"]) else numfmt.fixed(r["effect_size_dz"], 2, signed=True)
        mean = numfmt.interval(key, r["mean"], r["ci_low"], r["ci_high"], lang, table=True, like=sizes[key][0])
        lines.append(f"| {outcome} | {_cell(r['scenario'])} | {mean} | {diff} | "
                     f"{numfmt.p_cell(r.get('p_holm', math.nan))} | {dz} |")
    if hidden:
        lines += ["", text("dz_hidden", lang, limit=numfmt.number(DZ_DETERMINISTIC))]
    return lines


# The outcomes by community type (sim/community_outcomes.py), shown when a scenario mixes types.
TYPE_NAMES = {"average": "一般社区", "old_estate": "老旧小区", "commercial_estate": "商品房小区",
              "urban_village": "城中村", "work_unit": "单位社区", "village": "行政村"}
LEFT_BEHIND_MEASURES = ("residents", "elderly_share", "response_mean_h", "response_mean_offline_h", "on_time",
                        "satisfaction_rate", "unmet_share")
LEFT_BEHIND = {
    "heading": ("Who is left behind where: outcomes by community type", "谁被落下：按社区类型的结果"),
    "lead": ("Means over the replications, for the scenarios whose communities are of more than one type "
             "(communities.csv of a single run has them community by community). Unmet: cases not closed "
             "by the end of the run (never reported, abandoned or still open).",
             "各次重复的均值，仅列出社区类型不止一种的情景（单次运行的 communities.csv 逐个社区给出）。"
             "未解决：到运行结束仍未办结的事项（未上报、放弃或仍在办理）。"),
    "head": ("| scenario | community type | residents | elderly | response (h) | offline residents' response (h) "
             "| on time | satisfaction rate | unmet |",
             "| 情景 | 社区类型 | 居民 | 老年人 | 响应时间（小时） | 离线居民响应时间（小时） | 按时率 | 满意率 | 未解决 |"),
}


def by_type_present(result: Comparison) -> bool:
    """Whether a scenario of the comparison recorded outcomes for more than one community type."""
    return any(len({k.split(".")[1] for k in keys}) > 1 for keys in result.by_type.values())


def _type_name(ctype: str, lang: str) -> str:
    zh = TYPE_NAMES.get(ctype, ctype)
    return zh if lang == "zh" else f"{ctype.replace('_', ' ')} ({zh})"


def _left_behind_table(result: Comparison, lang: str) -> list[str]:
    zh = lang == "zh"
    lines = [LEFT_BEHIND["lead"][zh], "", LEFT_BEHIND["head"][zh], "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for scenario in result.scenarios:
        values = result.by_type.get(scenario, {})
        present = {k.split(".")[1] for k in values}
        types = [t for t in TYPE_NAMES if t in present] + sorted(present - set(TYPE_NAMES))
        if len(types) < 2:
            continue
        for ctype in types:
            cells = []
            for m in LEFT_BEHIND_MEASURES:
                x = values.get(f"by_type.{ctype}.{m}")
                mean = float(np.nanmean(x)) if x is not None and np.isfinite(x).any() else math.nan
                cells.append("–" if math.isnan(mean) else numfmt.number(round(mean)) if m == "residents"
                             else f"{100 * mean:.1f}%" if m in ("elderly_share", "on_time", "satisfaction_rate",
                                                                 "unmet_share") else f"{mean:.1f}")
            lines.append(f"| {_cell(scenario)} | {_type_name(ctype, lang)} | " + " | ".join(cells) + " |")
    return lines


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


def _tie_groups(sweep: dict) -> dict[int, tuple[list[int], Any, str]]:
    """Flat grid-point index -> (the points of its tie group, the shared value, what it is)."""
    out = {}
    for group in sweep.get("ties") or ():
        for i in group["points"]:
            out[i] = (list(group["points"]), group["value"], group["what"])
    return out


def tie_warnings(sweep: dict, lang: str = "en") -> list[str]:
    """One warning per group of grid points that built the same street office (e.g. households per
    grid of 400, 500 and 600 all cutting each community into the same number of grids): their runs
    are the same simulation, so differences between them are not effects of the swept value."""
    labels = [label for _, label, _ in _grid_points(sweep)]
    out = []
    for group in sweep.get("ties") or ():
        pts = [labels[i] for i in group["points"]]
        pts = pts[:1] + [_value_only(x) for x in pts[1:]]  # "p = 400, 500 and 600"
        listed = (text("list_sep", lang).join(pts[:-1]) + text("and", lang) + pts[-1]) if len(pts) > 1 else pts[0]
        out.append(text("tie_warning", lang, points=listed, what=_what(group["what"], lang),
                        value=_tick(group["value"])))
    return out


def _at(points: list, i: int, ties: dict, lang: str) -> str:
    """A grid point in a headline, naming the points tied with it."""
    if i not in ties:
        return points[i][1]
    group, value, what = ties[i]
    others = [_value_only(points[j][1]) for j in group if j != i]
    return points[i][1] + text("tied_with", lang, others=text("list_sep", lang).join(others), value=_tick(value),
                               what=_what(what, lang))


def _value_only(point_label: str) -> str:
    """"p = 500" -> "500" (one swept parameter); two parameters keep their names."""
    parts = point_label.split(", ")
    return point_label.split(" = ", 1)[1] if len(parts) == 1 else point_label


def _sweep_ranges(sweep: dict, lang: str) -> list[str]:
    mean, _, _ = _sweep_arrays(sweep)
    points = list(_grid_points(sweep))
    ties = _tie_groups(sweep)
    lines = []
    for k, key in enumerate(sweep["outcomes"]):
        col = np.array([mean[idx + (k,)] for idx, _, _ in points])
        if np.isnan(col).all():
            continue
        i_lo, i_hi = int(np.nanargmin(col)), int(np.nanargmax(col))  # first occurrence: deterministic
        st = numfmt.style(key, lang, mean=float(np.nanmax(np.abs(col))), per_year=key in sweep.get("annualised", ()))
        lines.append("- " + text("sweep_range", lang, what=name(key, lang), lo=st(col[i_lo]),
                                 at_lo=_at(points, i_lo, ties, lang), hi=st(col[i_hi]),
                                 at_hi=_at(points, i_hi, ties, lang)))
    return lines


def _sweep_table(sweep: dict, lang: str) -> list[str]:
    mean, lo, hi = _sweep_arrays(sweep)
    outcomes = list(sweep["outcomes"])
    annual = sweep.get("annualised", ())
    head = [f"`{p}`" for p in sweep["params"]] + [_cell(label(k, lang, k in annual)) for k in outcomes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    points = list(_grid_points(sweep))
    like = [numfmt.column_size((mean[idx + (k,)], lo[idx + (k,)], hi[idx + (k,)]) for idx, _, _ in points)
            for k in range(len(outcomes))]  # a column's numbers share their decimals
    for idx, _, values in points:
        cells = values + [numfmt.interval(key, mean[idx + (k,)], lo[idx + (k,)], hi[idx + (k,)], lang, table=True,
                                          like=like[k]) for k, key in enumerate(outcomes)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
