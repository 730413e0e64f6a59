"""Figures and the Markdown report for comparisons and sweeps, on synthetic results (no model runs)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from sim import labels
from sim.lab.compare import Comparison, _rows
from sim.lab.tasks import QUANTILE_PROBS
from sim.lab.figures import comparison_figures, sweep_figures
from sim.labels import figure_lang, is_share, label, name, text
from sim.lab.report import comparison_report, sweep_report

PNG = b"\x89PNG\r\n\x1a\n"
OUTCOMES = ["response_time_h.mean", "ratings.satisfaction_rate", "satisfaction.elderly_gap", "cost.staff_cny",
            "rates.on_time"]
ALL_FIGURES = {"distributions", "forest", "response_cdf", "satisfaction_over_time", "backlog_over_time"}


def synthetic(reps: int = 5, days: int = 60, series: bool = True, quantiles: bool = True) -> Comparison:
    """Three scenarios: small_grids is clearly faster and better rated; decentralised is the
    baseline plus noise far below its spread (no clear difference anywhere)."""
    rng = np.random.default_rng(42)
    names = ["baseline", "small_grids", "decentralised"]
    base = np.column_stack([rng.normal(10.6, 0.8, reps), rng.normal(0.758, 0.01, reps),
                            rng.normal(0.026, 0.004, reps), rng.normal(8.86e6, 2e4, reps),
                            rng.normal(0.75, 0.01, reps)])
    shift = np.array([-2.4, 0.03, 0.004, 1.5e6, 0.04])
    values = {"baseline": base,
              "small_grids": base + shift + rng.normal(0, 1, base.shape) * np.array([0.2, 0.003, 0.001, 1e3, 0.003]),
              "decentralised": base + rng.normal(0, 1, base.shape) * np.array([0.3, 0.004, 0.002, 1e3, 0.004])}
    result = Comparison(names, list(range(100, 100 + reps)), list(OUTCOMES), values, _rows(names, OUTCOMES, values),
                        descriptions={"baseline": "the street office as it is",
                                      "small_grids": "200-household grids (小网格)",
                                      "decentralised": "half the decisions moved down to committees"})
    if series:
        for i, n in enumerate(names):
            rate = np.clip(rng.normal(0.75 + 0.02 * i, 0.08, (reps, days)), 0, 1)
            rate[rng.random((reps, days)) < 0.3] = np.nan  # days without ratings
            rate[:, :3] = np.nan
            result.series[n] = {
                "latent_satisfaction": 0.6 + 0.001 * i * np.arange(days) + rng.normal(0, 0.01, (reps, days)),
                "satisfaction_rate": rate,
                "backlog": np.abs(rng.normal(40 - 5 * i, 6, (reps, days))).round(),
            }
    if quantiles:
        z = np.array([math.sqrt(2) * _erfinv(2 * p - 1) for p in QUANTILE_PROBS])
        for i, n in enumerate(names):
            mu = rng.normal(1.0 - 0.2 * i, 0.05, (reps, 1))
            q = np.exp(mu + 1.2 * z)
            q[:, :5] = 0.0  # accepted at once: zero-hour quantiles must not break the log axis
            result.rt_quantiles[n] = q
    return result


def _erfinv(y: float) -> float:
    from scipy.special import erfinv
    return float(erfinv(y))


@pytest.fixture(scope="module")
def result():
    return synthetic()


@pytest.fixture(scope="module")
def drawn(result, tmp_path_factory):
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"figures-{lang}")
        out[lang] = (folder, comparison_figures(result, folder, lang))
    return out


# ------------------------------------------------------------------ labels
def test_label_falls_back_to_the_key_and_text_formats():
    assert label("rates.solved", "en").startswith("Solved rate") and label("rates.solved", "zh").startswith("解决率")
    assert label("rates.closed", "zh") == "办结率"
    assert label("no.such.metric", "zh") == "no.such.metric"
    assert name("response_time_h.mean", "en") == "Mean response time"
    assert name("response_time_h.mean", "zh") == "平均响应时间"
    assert text("title", "en", ref="baseline") == "Scenario comparison against `baseline`"
    assert text("no_such_phrase", "zh") == "no_such_phrase"
    with pytest.raises(ValueError):
        label("rates.resolution", "fr")


def test_every_key_outcome_and_series_column_has_both_labels():
    from sim.lab.compare import KEY_OUTCOMES
    from sim.lab.tasks import SERIES_COLUMNS
    for key in (*KEY_OUTCOMES, *SERIES_COLUMNS):
        en, zh = labels.OUTCOME_LABELS[key]
        assert en and zh and en != zh


def test_shares_are_recognised_by_key():
    for key in ("rates.on_time", "ratings.satisfaction_rate", "workers.utilisation", "workers.paperwork_share",
                "ratings.bad_rate", "emergency.vulnerable_reached_in_deadline"):
        assert is_share(key), key
    for key in ("response_time_h.mean", "cost.staff_cny", "satisfaction.elderly_gap", "satisfaction.latent_mean"):
        assert not is_share(key), key


@pytest.fixture
def no_cjk_font_listed():
    """matplotlib's font list as a font cache written before any CJK font existed: no CJK family in it.

    `cjk_font` is looked up afresh; both it and the list are restored afterwards."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    saved = fm.ttflist
    fm.ttflist = [f for f in saved if "CJK" not in f.name and "Han " not in f.name and f.name not in labels._CJK_FONTS]
    fm._findfont_cached.cache_clear()
    labels.cjk_font.cache_clear()
    try:
        yield fm
    finally:
        fm.ttflist = saved
        fm._findfont_cached.cache_clear()
        labels.cjk_font.cache_clear()


def _glyph_image(char: str, lang: str) -> np.ndarray:
    """One character drawn in the figures' fonts for `lang`, as a grey-level array."""
    import matplotlib.pyplot as plt

    with labels.plot_context(lang):
        fig = plt.figure(figsize=(0.6, 0.6), dpi=100)
        fig.text(0.5, 0.5, char, fontsize=24, ha="center", va="center")
        fig.canvas.draw()
        image = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
        plt.close(fig)
    return image


def test_the_shipped_cjk_font_draws_chinese_when_no_font_cache_lists_one(no_cjk_font_listed):
    import warnings

    from matplotlib.font_manager import FontProperties

    shipped = labels.shipped_cjk_font_file()
    assert shipped is not None and shipped.endswith(".otf")  # mplfonts is a dependency
    assert labels.cjk_font() == "Noto Sans CJK SC"
    assert figure_lang("zh") == "zh" and labels.plain("Satisfaction rate (好差评)") == "Satisfaction rate (好差评)"
    assert no_cjk_font_listed.findfont(FontProperties(family="Noto Sans CJK SC"), fallback_to_default=False) == shipped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = [_glyph_image(c, "zh") for c in "满意率"]
    assert not [w for w in caught if "missing from font" in str(w.message)]
    # Real glyphs, not one empty box repeated: each character has its own shape, and ink.
    assert all((im < 128).sum() > 20 for im in images)
    assert not np.array_equal(images[0], images[1]) and not np.array_equal(images[1], images[2])
    registered = [f for f in no_cjk_font_listed.ttflist if f.fname == shipped]
    labels.cjk_font.cache_clear()
    assert labels.cjk_font() == "Noto Sans CJK SC"
    assert [f for f in no_cjk_font_listed.ttflist if f.fname == shipped] == registered  # added once, not per lookup


def test_without_the_shipped_font_or_an_installed_one_figures_fall_back_to_english(no_cjk_font_listed, monkeypatch,
                                                                                     tmp_path):
    monkeypatch.setattr(labels, "shipped_cjk_font_file", lambda: None)  # mplfonts not installed
    assert labels.cjk_font() is None
    assert figure_lang("zh") == "en" and labels.plain("Satisfaction rate (好差评)") == "Satisfaction rate"
    damaged = tmp_path / "NotoSansCJKsc-Regular.otf"
    damaged.write_bytes(b"not a font")
    monkeypatch.setattr(labels, "shipped_cjk_font_file", lambda: str(damaged))
    labels.cjk_font.cache_clear()
    assert labels.cjk_font() is None and figure_lang("zh") == "en"


def test_figure_language_falls_back_to_english_without_a_cjk_font(monkeypatch):
    assert labels.cjk_font() is not None  # the shipped font, if no other
    assert figure_lang("zh") == "zh" and figure_lang("en") == "en"
    monkeypatch.setattr(labels, "cjk_font", lambda: None)
    assert figure_lang("zh") == "en" and figure_lang("en") == "en"
    assert labels.plain("Satisfaction rate (好差评)") == "Satisfaction rate"


# ------------------------------------------------------------------ figures
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_figure_is_written_as_a_png(drawn, lang):
    folder, figures = drawn[lang]
    assert set(figures) == ALL_FIGURES
    for fig_name, path in figures.items():
        assert path == folder / f"{fig_name}.png"
        data = path.read_bytes()
        assert len(data) > 5_000 and data.startswith(PNG)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.png" for n in ALL_FIGURES)  # no temp files


def test_identical_inputs_give_identical_bytes(drawn, tmp_path):
    again = comparison_figures(synthetic(), tmp_path, "en")
    folder, first = drawn["en"]
    for fig_name, path in first.items():
        assert again[fig_name].read_bytes() == path.read_bytes(), fig_name


def test_chinese_figures_differ_from_english_ones(drawn):
    en, zh = drawn["en"][1], drawn["zh"][1]
    assert en["forest"].read_bytes() != zh["forest"].read_bytes()


def test_figures_without_series_or_quantiles_are_skipped(tmp_path):
    figures = comparison_figures(synthetic(series=False, quantiles=False), tmp_path / "a", "en")
    assert set(figures) == {"distributions", "forest"}
    partial = synthetic(quantiles=False)
    for n in partial.series:
        partial.series[n] = {"backlog": partial.series[n]["backlog"]}
    assert set(comparison_figures(partial, tmp_path / "b", "en")) == {"distributions", "forest", "backlog_over_time"}


def test_degenerate_comparison_draws_without_error(tmp_path):
    """One replication (no CIs at all) and an outcome that is NaN everywhere."""
    names, outcomes = ["baseline", "other"], ["response_time_h.mean", "rates.on_time"]
    values = {"baseline": np.array([[10.0, math.nan]]), "other": np.array([[9.0, math.nan]])}
    one = Comparison(names, [1], outcomes, values, _rows(names, outcomes, values),
                     series={n: {"satisfaction_rate": np.full((1, 10), np.nan), "latent_satisfaction": np.ones(10)}
                             for n in names},
                     rt_quantiles={n: np.linspace(0.1, 50, len(QUANTILE_PROBS))[None, :] for n in names})
    figures = comparison_figures(one, tmp_path, "zh")
    assert {"distributions", "response_cdf", "satisfaction_over_time"} <= set(figures)
    assert "forest" in figures  # a difference without a CI is still drawn (as an open marker)


def _sweep(n_params: int) -> dict:
    rng = np.random.default_rng(3)
    axes = [np.array([0.0, 0.25, 0.5, 0.75, 1.0]), np.array([200, 300, 400, 500])][:n_params]
    shape = tuple(len(a) for a in axes) + (3,)
    mean = rng.uniform(0.5, 0.9, shape) * np.array([20.0, 1.0, 1.0])
    return {"params": ["policy.decentralisation", "territory.grid_households"][:n_params], "axes": axes,
            "outcomes": ["response_time_h.mean", "ratings.satisfaction_rate", "satisfaction.latent_mean"],
            "mean": mean, "ci_low": mean * 0.95, "ci_high": mean * 1.05}


@pytest.mark.parametrize("n_params, expected", [(1, "sweep"), (2, "sweep_heatmap")])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sweep_figures(tmp_path, n_params, expected, lang):
    figures = sweep_figures(_sweep(n_params), tmp_path, lang)
    assert list(figures) == [expected]
    data = figures[expected].read_bytes()
    assert data.startswith(PNG) and len(data) > 5_000
    assert sweep_figures(_sweep(n_params), tmp_path / "again", lang)[expected].read_bytes() == data


# ------------------------------------------------------------------ reports
def _row(result, scenario, outcome):
    return next(r for r in result.rows if r["scenario"] == scenario and r["outcome"] == outcome)


FIG_LINKS = {n: f"figures/{n}.png" for n in sorted(ALL_FIGURES)}


def test_english_report_states_the_headline_with_its_confidence_interval(result):
    md = comparison_report(result, FIG_LINKS, "en", meta={"root_seed": 1, "days": 365, "govsim_version": "0.1.0",
                                                          "command": ["govsim", "compare", "a.toml", "b.toml"]})
    r = _row(result, "small_grids", "response_time_h.mean")
    assert r["p_holm"] < 0.05 and -10 < r["diff"] < -1  # hours under 10: three significant digits
    lo, hi = f"{r['diff_ci_low']:+.2f}", f"{r['diff_ci_high']:+.2f}"
    assert f"mean response time lower by {-r['diff']:.2f} h" in md
    assert f"95% CI of the difference {lo} to {hi} h" in md
    s = _row(result, "small_grids", "ratings.satisfaction_rate")
    assert f"satisfaction rate (好差评) higher by {100 * s['diff']:.1f} pp" in md  # pp to one decimal
    # decentralised is the baseline plus noise: every CI includes zero, and the report says so
    assert "**decentralised** vs `baseline`: no clear difference (the 95% CI includes zero): mean response time (" in md
    assert "Who is left behind" in md and "At what cost" in md
    for heading in ("## What was run", "## Headline findings", "## Full results", "## Figures", "## How to read this"):
        assert heading in md
    for link in FIG_LINKS.values():
        assert f"]({link})" in md
    assert "common random numbers" in md and "`govsim compare a.toml b.toml`" in md
    assert "200-household grids (小网格)" in md
    assert "| Satisfaction rate (好差评) | baseline | " in md and "%" in md


def test_chinese_report_uses_chinese_headings_and_links_the_figures(result):
    md = comparison_report(result, FIG_LINKS, "zh", meta={"root_seed": 1})
    for heading in ("## 运行说明", "## 主要发现", "## 完整结果", "## 图表", "## 阅读说明"):
        assert heading in md
    assert "Headline findings" not in md and "no clear difference" not in md
    assert "无显著差异" in md and "公共随机数" in md and "经 Holm 校正的 p 值" in md and "个百分点" in md
    assert "平均响应时间下降" in md
    # One unit through a clause: large amounts in 万元 everywhere, not 元 beside 万元.
    assert re.search(r"人员成本上升 [\d.]+万元，幅度 [\d.]+%（[\d.,]+万元 → [\d.,]+万元；差异的95%置信区间为 \+[\d.]+ 至 "
                     r"\+[\d.]+万元", md)
    for link in FIG_LINKS.values():
        assert f"]({link})" in md
    assert "本机未找到中文字体" not in md


def test_chinese_report_says_figures_are_in_english_without_a_cjk_font(result, monkeypatch):
    monkeypatch.setattr(labels, "cjk_font", lambda: None)
    assert "本机未找到中文字体" in comparison_report(result, FIG_LINKS, "zh")
    assert "本机未找到中文字体" not in comparison_report(result, {}, "zh")  # no figures, no note


def test_report_is_deterministic_and_skips_missing_figures(result):
    some = {"forest": "figures/forest.png"}
    assert comparison_report(result, some, "en") == comparison_report(result, some, "en")
    md = comparison_report(result, some, "en")
    assert "figures/forest.png" in md and "distributions.png" not in md
    assert "## Figures" not in comparison_report(result, {}, "en")


def test_sweep_report_tabulates_every_grid_point():
    sweep = _sweep(2)
    md = sweep_report(sweep, {"sweep_heatmap": "figures/sweep_heatmap.png"}, "en", meta={"reps": 10})
    table = [line for line in md.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(table) == 5 * 4
    assert "figures/sweep_heatmap.png" in md and "10 replications per point" in md
    m, lo, hi = (sweep[k][0, 0, 0] for k in ("mean", "ci_low", "ci_high"))
    assert m >= 10  # hours from 10 up: one decimal, the interval in the same decimals
    assert f"| 0 | 200 | {m:.1f} [{lo:.1f}, {hi:.1f}] |" in md
    zh = sweep_report(_sweep(1), {}, "zh")
    assert zh.startswith("# 参数扫描：") and "各取值点结果" in zh
