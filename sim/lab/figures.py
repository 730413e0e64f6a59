"""Figures for a scenario comparison and for parameter sweeps.

Every figure is a `matplotlib.figure.Figure` drawn without pyplot: no global state, no GUI
backend, safe in worker processes and tests. Identical data give identical bytes (fixed jitter
seed, no software/time metadata in the PNG), and each file is written atomically (temp file in the
same folder, then os.replace), so a crash never leaves half a PNG under the final name.

Each scenario keeps its colour in every figure (the reference is always the first colour).
Shares are drawn in per cent and their differences in percentage points.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator
from scipy import stats

from ..provenance import atomic_write
from . import numfmt
from .compare import Comparison, per_year, per_year_sweep
from .history_matching import Result, profiles
from .tasks import QUANTILE_PROBS
from ..labels import figure_lang, is_share, label, plain, plot_context, short_names, text

DPI = 120
MAX_PANELS = 12  # small multiples beyond this stop being readable
RESPONSE_FLOOR_H = 1 / 60  # left edge of the response-time axis: one minute
ANNOTATE_MAX = 8  # annotate heatmap cells when both sides of the grid are at most this long
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # tab10, spelled out: rc-independent


# ------------------------------------------------------------------ public API
def comparison_figures(result: Comparison, out_dir: Path, lang: str = "en") -> dict[str, Path]:
    """Draw every figure the comparison has data for into `out_dir`; name -> path (name = file
    stem, e.g. "forest"). Figures without data (no daily series, no quantiles) are skipped."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    flang = figure_lang(lang)
    result = _shown(per_year(result), flang)
    drawers = (("distributions", _distributions), ("forest", _forest), ("response_cdf", _response_cdf),
               ("satisfaction_over_time", _satisfaction_over_time), ("backlog_over_time", _backlog_over_time))
    written = {}
    with plot_context(flang):  # savefig must run inside the context too: fonts are resolved at draw time
        for name, draw in drawers:
            fig = draw(result, flang)
            if fig is not None:
                written[name] = _save(fig, out_dir / f"{name}.png")
    return written


def sweep_figures(sweep: dict, out_dir: Path, lang: str = "en") -> dict[str, Path]:
    """One swept parameter -> "sweep" (a line panel per outcome with a CI band); two -> "sweep_heatmap"
    (a heatmap panel per outcome). Other shapes draw nothing."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    flang = figure_lang(lang)
    sweep = per_year_sweep(sweep)
    n_params = len(sweep["params"])
    if not sweep["outcomes"] or n_params not in (1, 2):
        return {}
    name, draw = ("sweep", _sweep_lines) if n_params == 1 else ("sweep_heatmap", _sweep_heatmaps)
    with plot_context(flang):
        return {name: _save(draw(sweep, flang), out_dir / f"{name}.png")}


# ------------------------------------------------------------------ plumbing
def _shown(result: Comparison, lang: str) -> Comparison:
    """The comparison with its scenarios under the names a reader of `lang` knows (Chinese figures:
    放权赋能 rather than decentralisation; see labels.short_names)."""
    names = short_names(result.scenarios, result.descriptions_zh, lang)
    if all(names[n] == n for n in result.scenarios):
        return result
    from dataclasses import replace
    rename = names.get
    return replace(result, scenarios=[rename(n, n) for n in result.scenarios],
                   values={rename(n, n): v for n, v in result.values.items()},
                   rows=[{**r, "scenario": rename(r["scenario"], r["scenario"])} for r in result.rows],
                   series={rename(n, n): v for n, v in result.series.items()},
                   rt_quantiles={rename(n, n): v for n, v in result.rt_quantiles.items()},
                   descriptions={}, descriptions_zh={}, days={rename(n, n): d for n, d in result.days.items()})


def _label(key: str, lang: str, result_or_sweep) -> str:
    """An outcome's label, "per year" for the totals the figures show annualised."""
    annual = result_or_sweep.annualised if isinstance(result_or_sweep, Comparison) else \
        result_or_sweep.get("annualised", ())
    return label(key, lang, per_year=key in annual)


def _save(fig: Figure, path: Path) -> Path:
    buf = io.BytesIO()
    # No "Software" entry: the PNG then holds nothing but the pixels, so equal data -> equal bytes.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    atomic_write(path, buf.getvalue())
    return path


def _grid(n: int, panel: tuple[float, float] = (3.6, 2.9)) -> tuple[Figure, list]:
    """A figure with n panels in up to 3 columns; unused cells are removed."""
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    return fig, list(axes[:n])


def _wrap(s: str, lang: str) -> str:
    """Wrap a title or axis label. Chinese characters are twice as wide as Latin ones and have no
    spaces to break at, so a Chinese label breaks before its bracket (the unit or the qualifier)
    and then by width; Latin text never breaks inside a word (a parameter key stays whole)."""
    s = plain(s)
    if len(_CJK.findall(s)) * 2 < len(s):  # mostly Latin (an English label with 好差评, a parameter key)
        return "\n".join(textwrap.wrap(s, 38, break_long_words=False)) or s
    parts = s.replace("（", "\n（").split("\n") if len(s) > 18 and not s.startswith("（") else [s]
    return "\n".join(line for part in parts for line in textwrap.wrap(part, 20, break_long_words=True))


def _title(ax, key: str, lang: str, source=None) -> None:
    ax.set_title(_wrap(_label(key, lang, source) if source is not None else label(key, lang), lang))


def _percent_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))  # 75%, 77.5%: no padded decimals


def _value_axis(ax, which: str, key: str, lang: str, diff: bool = False, limits=None) -> None:
    """Levels of shares in per cent (differences stay plain: the label says pp); large amounts
    (yuan) in millions / 万 rather than matplotlib's detached "1e7" offset."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    if is_share(key) and not diff:
        _percent_axis(axis)
        return
    lo, hi = limits if limits is not None else (ax.dataLim.intervaly if which == "y" else ax.dataLim.intervalx)
    if max(abs(lo), abs(hi)) >= 1e5:
        axis.set_major_formatter(FuncFormatter(lambda v, _: _compact(v, lang)))


def _compact(v: float, lang: str) -> str:
    """8,860,000 -> "8.86M" / "886万"; smaller numbers to three significant figures (never 1e-05)."""
    if abs(v) >= 1e5:
        return f"{_trim(numfmt.number(v / 1e4))}万" if lang == "zh" else f"{_trim(numfmt.number(v / 1e6))}M"
    return numfmt.number(v)


def _trim(s: str) -> str:
    """"2.00" -> "2", "2.50" -> "2.5": tick labels need no padding zeros."""
    return s.rstrip("0").rstrip(".") if "." in s else s


def _mean_ci_cols(x: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """compare.mean_ci column by column, vectorised: NaNs dropped per column; fewer than two
    values give a NaN interval (and no values a NaN mean)."""
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(ok, x, 0.0).sum(axis=0) / n
        ss = (np.where(ok, x - m, 0.0) ** 2).sum(axis=0)
        t = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = t * np.sqrt(ss / (n - 1)) / np.sqrt(n)
    return m, m - half, m + half


def _rolling_nanmean(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing rolling mean along days of a (reps, days) array over the non-NaN days in each
    window (days without ratings are NaN); NaN where the window holds none."""
    ok = ~np.isnan(x)
    sums = np.pad(np.cumsum(np.where(ok, x, 0.0), axis=1), ((0, 0), (1, 0)))
    counts = np.pad(np.cumsum(ok, axis=1), ((0, 0), (1, 0)))
    hi = np.arange(1, x.shape[1] + 1)
    lo = np.maximum(0, hi - window)
    n = counts[:, hi] - counts[:, lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[:, hi] - sums[:, lo]) / n, np.nan)


def _scenario_ticks(ax, names: list[str], axis: str = "x") -> None:
    # Long or many names would collide horizontally: slant them.
    slant = axis == "x" and sum(len(n) for n in names) > 40
    kwargs = {"rotation": 30, "ha": "right", "rotation_mode": "anchor"} if slant else {}
    setter = ax.set_xticks if axis == "x" else ax.set_yticks
    setter(range(len(names)), labels=names, **kwargs)


def _no_data(ax, lang: str) -> None:
    ax.text(0.5, 0.5, text("no_data", lang), ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _scenario_legend(fig: Figure, names: list[str], colours: dict[str, str]) -> None:
    handles = [Line2D([], [], color=colours[n], lw=2) for n in names]
    fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 4), frameon=False)


def _colours(result: Comparison) -> dict[str, str]:
    return {n: COLOURS[i % len(COLOURS)] for i, n in enumerate(result.scenarios)}


# ------------------------------------------------------------------ comparison figures
def _distributions(result: Comparison, lang: str) -> Figure | None:
    """Box plot per scenario with the replications themselves as jittered dots: with 5–20
    replications the dots say more than the box."""
    keys = result.outcomes[:MAX_PANELS]
    if not keys or not result.values:
        return None
    names, colours = result.scenarios, _colours(result)
    rng = np.random.default_rng(0)  # fixed jitter: identical data -> identical bytes
    fig, axes = _grid(len(keys))
    for ax, key in zip(axes, keys):
        j = result.outcomes.index(key)
        scale = 100.0 if is_share(key) else 1.0
        data = [_finite(result.values[n][:, j]) * scale for n in names]
        _title(ax, key, lang, result)
        if not any(len(d) for d in data):
            _no_data(ax, lang)
            continue
        ax.boxplot([d if len(d) else [np.nan] for d in data], positions=range(len(names)), widths=0.55,
                   showfliers=False, medianprops={"color": "0.15"}, boxprops={"color": "0.45"},
                   whiskerprops={"color": "0.45"}, capprops={"color": "0.45"})
        for i, d in enumerate(data):
            ax.scatter(i + rng.uniform(-0.17, 0.17, len(d)), d, s=12, color=colours[names[i]], alpha=0.85,
                       linewidths=0, zorder=3)
        _scenario_ticks(ax, names)
        _value_axis(ax, "y", key, lang)
    fig.suptitle(text("fig_distributions", lang, reps=len(result.seeds)))
    return fig


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def _forest(result: Comparison, lang: str) -> Figure | None:
    """Paired difference from the reference with its 95% CI, a panel per outcome (their units
    differ); filled marker = clear after Holm, open = not."""
    by_key: dict[str, dict[str, dict]] = {}
    for r in result.rows:
        if not math.isnan(r["diff"]):
            by_key.setdefault(r["outcome"], {})[r["scenario"]] = r
    keys = [k for k in result.outcomes if k in by_key][:MAX_PANELS]
    if not keys:
        return None
    alts, colours = result.scenarios[1:], _colours(result)
    fig, axes = _grid(len(keys), panel=(3.6, 1.5 + 0.4 * len(alts)))
    for ax, key in zip(axes, keys):
        scale = 100.0 if is_share(key) else 1.0
        for i, name in enumerate(alts):
            r = by_key[key].get(name)
            if r is None:
                continue
            y = len(alts) - 1 - i  # first alternative on top
            d, lo, hi = (r[c] * scale for c in ("diff", "diff_ci_low", "diff_ci_high"))
            clear = r.get("p_holm", math.nan) < 0.05  # NaN compares False: not clear
            if not (math.isnan(lo) or math.isnan(hi)):
                ax.plot([lo, hi], [y, y], color=colours[name], lw=1.6, solid_capstyle="butt")
            ax.plot([d], [y], ls="none", marker="o", ms=6.5, mew=1.6, color=colours[name],
                    mfc=colours[name] if clear else "white", zorder=3)
        ax.axvline(0.0, color="0.3", lw=0.8, ls="--", zorder=1)
        ax.set_yticks(range(len(alts)), labels=alts[::-1])
        ax.set_ylim(-0.6, len(alts) - 0.4)
        ax.set_xlabel(text("difference_pp" if scale == 100.0 else "difference", lang))
        ax.locator_params(axis="x", nbins=4)  # long labels (-0.0015) would run into each other
        _value_axis(ax, "x", key, lang, diff=True)
        _title(ax, key, lang, result)
    marker = {"ls": "none", "marker": "o", "ms": 6.5, "mew": 1.6, "color": "0.25"}
    handles = [Line2D([], [], mfc="0.25", **marker), Line2D([], [], mfc="white", **marker)]
    fig.legend(handles, [text("significant", lang), text("not_significant", lang)], loc="outside lower center",
               ncols=2, frameon=False)
    fig.suptitle(text("fig_forest", lang, ref=result.scenarios[0]))
    return fig


def _response_cdf(result: Comparison, lang: str) -> Figure | None:
    """Left: the mean response-time distribution, each quantile averaged over replications (x)
    against its probability (y), with a per-quantile 95% CI band; log hours, as the tail spans
    decades. Right: each scenario's quantiles minus the reference's, paired replication by
    replication, with a 95% CI band: the curves on the left overlap when levers move the
    distribution by minutes, the differences do not."""
    probs = np.asarray(QUANTILE_PROBS)
    quantiles, curves = {}, {}
    for name in result.scenarios:
        q = np.asarray(result.rt_quantiles.get(name, ()), dtype=float)
        if q.size == 0:
            continue
        if q.shape[-1] != len(probs):
            raise ValueError(f"rt_quantiles[{name!r}] has {q.shape[-1]} columns, expected {len(probs)}")
        quantiles[name] = q.reshape(-1, len(probs))
        curves[name] = _mean_ci_cols(quantiles[name])
    top = max((np.nanmax(hi) if np.isfinite(hi).any() else np.nanmax(m, initial=0.0)
               for m, _, hi in curves.values()), default=0.0)
    if not top > 0:
        return None  # nothing a log axis can show
    ref = result.scenarios[0]
    diffs = {name: _mean_ci_cols(q - quantiles[ref]) for name, q in quantiles.items()
             if name != ref and ref in quantiles and q.shape == quantiles[ref].shape}
    colours = _colours(result)
    fig = Figure(figsize=(10.4 if diffs else 6.4, 4.2), layout="constrained")
    axes = fig.subplots(1, 2 if diffs else 1, squeeze=False).ravel()
    _cdf_panel(axes[0], curves, colours, top, lang)
    if diffs:
        _quantile_difference_panel(axes[1], diffs, probs, colours, ref, lang)
    handles = [Line2D([], [], color=colours[n], lw=1.8) for n in curves]
    fig.legend(handles, list(curves), loc="outside lower center", ncols=min(len(curves), 6), frameon=False)
    fig.suptitle(text("fig_response_cdf", lang))
    return fig


def _cdf_panel(ax, curves: dict, colours: dict, top: float, lang: str) -> None:
    probs = np.asarray(QUANTILE_PROBS)
    # Many cases are accepted on the spot (0 h), and averaging a 0 with a few seconds gives
    # quantiles of 1e-4 h that would stretch the axis over decades no one reads. Quantiles under
    # a minute are drawn at the left edge: the curve's height there is the share answered at once.
    floor = min(RESPONSE_FLOOR_H, top / 10)
    for name, (m, lo, hi) in curves.items():
        ok = ~np.isnan(m)
        ax.plot(np.maximum(m[ok], floor), probs[ok], color=colours[name], lw=1.6, label=name)
        band = ok & ~np.isnan(lo)
        ax.fill_betweenx(probs, np.maximum(lo, floor), np.maximum(hi, floor), where=band, color=colours[name],
                         alpha=0.2, lw=0)
    for p in (0.5, 0.9):  # the median and the p90 the summary reports
        ax.axhline(p, color="0.6", lw=0.6, ls=":", zorder=0)
    ax.set_xscale("log")
    ax.set_xlim(floor, top * 1.15)
    decades = math.log10(top * 1.15 / floor)
    # 1, 2, 5, 10 ... h while that fits; only powers of ten over a wider range
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades <= 3.5 else (1.0,)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: numfmt.number(v, sig=1) if v < 1 else f"{v:,.0f}"))
    ax.set_ylim(0, 1)
    ax.set_xlabel(text("hours_log", lang))
    ax.set_ylabel(text("cum_prob", lang))


def _quantile_difference_panel(ax, diffs: dict, probs: np.ndarray, colours: dict, ref: str, lang: str) -> None:
    """Quantile (in %) against the paired difference of that quantile from the reference, in hours."""
    pct = 100 * probs
    for name, (m, lo, hi) in diffs.items():
        ok = ~np.isnan(m)
        ax.plot(pct[ok], m[ok], color=colours[name], lw=1.5)
        band = ok & ~np.isnan(lo)
        ax.fill_between(pct, lo, hi, where=band, color=colours[name], alpha=0.2, lw=0)
    ax.axhline(0.0, color="0.3", lw=0.8, ls="--", zorder=1)
    for p in (50, 90):
        ax.axvline(p, color="0.6", lw=0.6, ls=":", zorder=0)
    ax.set_xlim(0, 100)
    ax.set_xlabel(text("quantile_pct", lang))
    ax.set_ylabel(_wrap(text("quantile_diff", lang, ref=ref), lang))


def _series_bands(result: Comparison, column: str, transform=None) -> dict[str, tuple]:
    """scenario -> (mean, lo, hi) per day over replications, for scenarios that recorded `column`."""
    out = {}
    for name in result.scenarios:
        s = result.series.get(name, {}).get(column)
        if s is None or np.size(s) == 0:
            continue
        x = np.asarray(s, dtype=float)
        x = x.reshape(-1, x.shape[-1])  # a single replication may come as one row
        out[name] = _mean_ci_cols(transform(x) if transform else x)
    return out


def _band_panel(ax, bands: dict[str, tuple], colours: dict[str, str], ylabel: str, share: bool, lang: str,
                upper: float | None = None) -> None:
    """Mean line and CI band per scenario. Every daily series drawn here is non-negative (and
    shares and latent satisfaction at most 1): a t interval can pass those bounds, the quantity
    cannot, so the band is clipped."""
    scale = 100.0 if share else 1.0
    for name, (m, lo, hi) in bands.items():
        days = np.arange(len(m))
        lo, hi = np.clip(lo, 0.0, upper), np.clip(hi, 0.0, upper)
        ax.plot(days, m * scale, color=colours[name], lw=1.3)
        # fill_between masks NaN days, so days without ratings leave a gap rather than a dip
        ax.fill_between(days, lo * scale, hi * scale, color=colours[name], alpha=0.2, lw=0)
    ax.set_ylabel(_wrap(ylabel, lang))
    ax.set_xlabel(text("day", lang))
    if share:
        _percent_axis(ax.yaxis)


def _satisfaction_over_time(result: Comparison, lang: str) -> Figure | None:
    panels = []
    latent = _series_bands(result, "latent_satisfaction")
    if latent:
        panels.append((latent, label("latent_satisfaction", lang), False))  # a 0–1 index, not a share
    # The daily 好差评 rate rests on a handful of ratings a day: smooth it over a week.
    rate = _series_bands(result, "satisfaction_rate", lambda x: _rolling_nanmean(x, 7))
    if rate:
        panels.append((rate, text("rolling7", lang, what=label("satisfaction_rate", lang)), True))
    if not panels:
        return None
    colours = _colours(result)
    fig = Figure(figsize=(7.2, 2.7 * len(panels) + 0.6), layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False).ravel()
    for ax, (bands, ylabel, share) in zip(axes, panels):
        _band_panel(ax, bands, colours, ylabel, share, lang, upper=1.0)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    _scenario_legend(fig, [n for n in result.scenarios if n in latent or n in rate], colours)
    fig.suptitle(text("fig_satisfaction", lang))
    return fig


def _backlog_over_time(result: Comparison, lang: str) -> Figure | None:
    bands = _series_bands(result, "backlog")
    if not bands:
        return None
    colours = _colours(result)
    fig = Figure(figsize=(7.2, 3.6), layout="constrained")
    ax = fig.add_subplot()
    _band_panel(ax, bands, colours, label("backlog", lang), False, lang)
    _scenario_legend(fig, list(bands), colours)
    fig.suptitle(text("fig_backlog", lang))
    return fig


# ------------------------------------------------------------------ sweep figures
def _positions(values) -> tuple[np.ndarray, list[str] | None]:
    """Numeric parameter values are plotted at their value; others (names, booleans) in order."""
    v = np.asarray(values)
    if np.issubdtype(v.dtype, np.number) and not np.issubdtype(v.dtype, np.bool_):
        return v.astype(float), None
    return np.arange(len(v), dtype=float), [_tick(x) for x in v]


_tick = numfmt.param_value


def _sweep_lines(sweep: dict, lang: str) -> Figure:
    param, outcomes = sweep["params"][0], list(sweep["outcomes"])
    x, ticklabels = _positions(sweep["axes"][0])
    mean, lo, hi = (np.asarray(sweep[k], dtype=float).reshape(len(x), len(outcomes))
                    for k in ("mean", "ci_low", "ci_high"))
    fig, axes = _grid(min(len(outcomes), MAX_PANELS))
    for k, ax in enumerate(axes):
        scale = 100.0 if is_share(outcomes[k]) else 1.0
        ax.fill_between(x, lo[:, k] * scale, hi[:, k] * scale, color=COLOURS[0], alpha=0.2, lw=0)
        ax.plot(x, mean[:, k] * scale, color=COLOURS[0], lw=1.5, marker="o", ms=3.5)
        if ticklabels is not None:
            ax.set_xticks(x, labels=ticklabels)
        else:
            ax.locator_params(axis="x", nbins=5)
        ax.set_xlabel(_wrap(label(param, lang), lang))
        _title(ax, outcomes[k], lang, sweep)
        _value_axis(ax, "y", outcomes[k], lang)
    fig.suptitle(text("fig_sweep", lang))
    return fig


def _sweep_heatmaps(sweep: dict, lang: str) -> Figure:
    (p0, p1), outcomes = sweep["params"], list(sweep["outcomes"])
    v0, v1 = (np.asarray(a) for a in sweep["axes"])
    mean = np.asarray(sweep["mean"], dtype=float).reshape(len(v0), len(v1), len(outcomes))
    annotate = len(v0) <= ANNOTATE_MAX and len(v1) <= ANNOTATE_MAX
    cmap = colormaps["viridis"].with_extremes(bad="#dddddd")  # NaN cells grey, not white
    fig, axes = _grid(min(len(outcomes), MAX_PANELS), panel=(4.0, 3.3))
    for k, ax in enumerate(axes):
        share = is_share(outcomes[k])
        z = mean[:, :, k] * (100.0 if share else 1.0)
        im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap)  # rows = first parameter (y)
        _grid_ticks(ax.set_xticks, v1)
        _grid_ticks(ax.set_yticks, v0)
        ax.set_xlabel(_wrap(label(p1, lang), lang))
        ax.set_ylabel(_wrap(label(p0, lang), lang))
        _title(ax, outcomes[k], lang, sweep)
        bar = fig.colorbar(im, ax=ax, shrink=0.9)
        if np.isfinite(z).any():
            _value_axis(bar.ax, "y", outcomes[k], lang, limits=(np.nanmin(z), np.nanmax(z)))
        if annotate:
            _annotate_cells(ax, z, im, share, lang)
    fig.suptitle(text("fig_sweep_heatmap", lang))
    return fig


def _grid_ticks(setter, values) -> None:
    step = max(1, math.ceil(len(values) / 10))  # at most ~10 tick labels per side
    idx = np.arange(0, len(values), step)
    setter(idx, labels=[_tick(values[i]) for i in idx])


def _annotate_cells(ax, z: np.ndarray, im, share: bool, lang: str) -> None:
    for (i, j), v in np.ndenumerate(z):
        if np.isnan(v):
            continue
        dark = im.norm(v) < 0.55  # viridis is dark at the low end: write in white there
        ax.text(j, i, f"{v:.1f}%" if share else _compact(v, lang), ha="center", va="center", fontsize=7,
                color="white" if dark else "black")


# For the figures of other designs (robust_report.py, optimise_report.py): one way to lay out, label and save.
save_png, panel_grid, wrap_label = _save, _grid, _wrap


# ------------------------------------------------------------------ history matching
def history_matching_figures(result: Result, out_dir: Path, lang: str = "en") -> dict[str, Path]:
    """The NROY corner plot and the profiles of a history match (sim/lab/history_matching.py)."""
    lang = figure_lang(lang)
    out = {}
    with plot_context(lang):
        for name, draw in (("nroy_pairs", _pairs_figure), ("profiles", _profiles_figure)):
            out[name] = _save(draw(result, lang), out_dir / f"{name}.png")
    return out


def _pairs_figure(result: Result, lang: str):
    """A corner plot: every evaluated point in grey, NROY points coloured; histograms on the diagonal."""
    k = len(result.params)
    fig = Figure(figsize=(2.2 * k + 0.6, 2.2 * k + 0.4), layout="constrained")
    axes = fig.subplots(k, k, squeeze=False)
    xs = np.vstack([p.point for p in result.points])
    nroy = np.array(result.main.nroy, dtype=int)
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            _pair_panel(ax, result, xs, nroy, i, j)
            if i == k - 1:
                ax.set_xlabel(result.params[j].name, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(result.params[i].name, fontsize=7)
    title = "NROY 点（彩色）与全部评估点（灰色）" if lang == "zh" else "NROY points (colour) among all evaluated points (grey)"
    fig.suptitle(title, fontsize=9)
    return fig


def _pair_panel(ax, result: Result, xs: np.ndarray, nroy: np.ndarray, i: int, j: int) -> None:
    pi, pj = result.params[i], result.params[j]
    if i == j:
        bins = np.geomspace(pi.low, pi.high, 16) if pi.log else np.linspace(pi.low, pi.high, 16)
        ax.hist(xs[:, i], bins=bins, color="#bbbbbb")
        if len(nroy):
            ax.hist(xs[nroy, i], bins=bins, color="#1f77b4")
    else:
        ax.scatter(xs[:, j], xs[:, i], s=4, color="#bbbbbb", linewidths=0)
        if len(nroy):
            ax.scatter(xs[nroy, j], xs[nroy, i], s=6, color="#1f77b4", linewidths=0)
        ax.set_ylim(pi.low, pi.high)
        if pi.log:
            ax.set_yscale("log")
    ax.set_xlim(pj.low, pj.high)
    if pj.log:
        ax.set_xscale("log")
    ax.tick_params(labelsize=6)


def _profiles_figure(result: Result, lang: str):
    """Least implausibility per tenth of each parameter's range, against the cutoff."""
    rows = profiles(result)
    fig, axes = _grid(len(result.params))
    for ax, p in zip(axes, result.params):
        rs = [r for r in rows if r["parameter"] == p.name]
        mid = [math.sqrt(r["from"] * r["to"]) if p.log else 0.5 * (r["from"] + r["to"]) for r in rs]
        ax.plot(mid, [r["min_measure"] for r in rs], marker="o", color="#1f77b4")
        ax.axhline(result.settings.cutoff, color="#d62728", linestyle="--", linewidth=1)
        if p.log:
            ax.set_xscale("log")
        ax.set_xlim(p.low, p.high)
        ax.set_title(p.name, fontsize=8)
        ax.set_ylabel("最小不可信度" if lang == "zh" else "least implausibility")
    return fig
