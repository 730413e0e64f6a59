"""How reports write numbers (sim.lab.numfmt) and what their headlines say (sim.lab.report), on
hand-made results: no model runs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from sim.lab import numfmt
from sim.lab.compare import Comparison, _rows, per_year, per_year_sweep
from sim.labels import label, short_names
from sim.lab.report import comparison_report, findings_for, sweep_report, tie_warnings

SCI = re.compile(r"\d[eE][+-]?\d")


# ------------------------------------------------------------------ the formatter
@pytest.mark.parametrize("x, expected", [
    (0, "0"), (0.0, "0"), (-0.0, "0"), (1, "1.00"), (0.5282, "0.528"), (-0.5282, "-0.528"), (10.41, "10.4"),
    (1.733e-05, "0.0000173"), (-1.733e-05, "-0.0000173"), (8_861_234.0, "8,861,234"), (-5937.2, "-5,937"),
    (1e12, "1,000,000,000,000"), (1e-12, "0"), (-1e-12, "0"),
])
def test_number_has_three_significant_digits_and_never_scientific_notation(x, expected):
    assert numfmt.number(x) == expected
    assert not SCI.search(numfmt.number(x))


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, None])
def test_missing_values_print_as_a_dash(x):
    assert numfmt.number(x) == numfmt.MISSING
    assert numfmt.fixed(x, 2) == numfmt.MISSING
    assert numfmt.percent(x) == numfmt.MISSING
    assert numfmt.p_value(x) == numfmt.MISSING


def test_signs_and_zero():
    assert numfmt.number(0.25, signed=True) == "+0.250"
    assert numfmt.number(-0.25, signed=True) == "-0.250"
    assert numfmt.fixed(0.0004, 2, signed=True) == "0.00"  # rounds to zero: no sign, never -0.00
    assert numfmt.fixed(-0.0004, 2) == "0.00"
    assert numfmt.fixed(-1234.5, -3) == "-1,000" and numfmt.fixed(1499.9, -3, signed=True) == "+1,000"


def test_a_mean_and_its_interval_share_their_decimals():
    # the demo report printed "-5937 CNY; 95% CI -11,070 to -800.9 CNY"
    assert numfmt.interval("backlog.mean", -5937.0, -11070.0, -800.9) == "-5,937 [-11,070, -801]"
    # a mean near zero keeps the decimals its interval needs, and the other way round
    assert numfmt.interval("satisfaction.elderly_gap", -1.733e-05, -4.282e-4, 3.935e-4, diff=True) == \
        "-0.000017 [-0.000428, +0.000394]"
    assert numfmt.interval("satisfaction.latent_mean", 0.68724, 0.68641, 0.68803) == "0.687 [0.686, 0.688]"


def test_units_hours_shares_and_yuan():
    hours = numfmt.style("response_time_h.mean", "en", mean=40.23)
    assert hours(40.23) == "40.2 h" and hours(5.0) == "5.0 h"  # from 10 h up: one decimal
    assert numfmt.style("response_time_h.mean", "en", mean=0.5282)(0.5282) == "0.528 h"
    share = numfmt.style("rates.on_time", "en", mean=0.7532)
    assert share(0.7532) == "75.3%"
    pp = numfmt.style("rates.on_time", "en", diff=True, mean=0.1083, low=0.1018, high=0.1148)
    assert pp(0.1083, signed=True) == "+10.8 pp"
    small_pp = numfmt.style("rates.on_time", "zh", diff=True, mean=0.0049, low=-0.0043, high=0.0141)
    assert small_pp(0.0049, signed=True) == "+0.49个百分点"  # under 1 pp: two decimals
    cny = numfmt.style("cost.staff_cny", "en", mean=3_002_345.0, per_year=True)
    assert cny(3_002_345.0) == "3,002,000 CNY/year"  # to the nearest thousand
    wan = numfmt.style("cost.staff_cny", "zh", mean=3_002_345.0, per_year=True)
    assert wan(3_002_345.0) == "300.2万元/年"
    # one unit through a clause: a small difference beside large levels is in 万元 too
    diff = numfmt.style("cost.staff_cny", "zh", diff=True, mean=20_420.0, unit_ref=8.86e6)
    assert diff(-20_420.0, signed=True) == "-2.0万元"
    assert numfmt.style("cost.per_resident_year_cny", "en", mean=412.345)(412.345) == "412 CNY"


def test_p_values():
    assert numfmt.p_value(0.0004) == "< 0.001" and numfmt.p_cell(0.0004) == "<0.001"
    assert numfmt.p_value(0.01449) == "= 0.0145" and numfmt.p_value(1.0) == "= 1"
    assert numfmt.p_value(0.41) == "= 0.41" and numfmt.p_cell(0.41) == "0.41"


# ------------------------------------------------------------------ headlines
OUTCOMES = ["response_time_h.mean", "resolution_time_h.mean", "rates.on_time", "cost.staff_cny",
            "satisfaction.elderly_gap"]


def _result(values: dict[str, np.ndarray], days: float | None = 180.0) -> Comparison:
    names = list(values)
    return Comparison(names, list(range(len(next(iter(values.values()))))), list(OUTCOMES), values,
                      _rows(names, OUTCOMES, values),
                      descriptions_zh={"baseline": "基准街道：每个网格 400 户", "lever": "放权赋能：事项下放一级"},
                      days={n: days for n in names} if days else {})


@pytest.fixture(scope="module")
def decentralisation() -> Comparison:
    """A lever that cuts resolution time by 40 h (-58%) and response time by 0.6 h (-6%), raises
    the on-time rate by 10 pp, saves a fixed amount of staff cost, and leaves the elderly gap alone."""
    rng = np.random.default_rng(7)
    reps = 6
    base = np.column_stack([rng.normal(10.4, 0.3, reps), rng.normal(68.4, 2.0, reps), rng.normal(0.75, 0.01, reps),
                            np.full(reps, 4.37e6) + rng.normal(0, 50.0, reps), rng.normal(0.014, 0.002, reps)])
    shift = np.array([-0.6, -40.0, 0.10, -20_000.0, 0.0])
    noise = np.array([0.05, 1.0, 0.005, 5.0, 0.002])
    lever = base + shift + rng.normal(0, 1, base.shape) * noise
    return _result({"baseline": base, "lever": lever})


def test_clear_differences_come_largest_first(decentralisation):
    md = comparison_report(decentralisation, {}, "en")
    line = next(x for x in md.splitlines() if x.startswith("- **lever** vs"))
    resolution = line.index("mean resolution time lower by")
    on_time = line.index("on-time rate higher by")
    response = line.index("mean response time lower by")
    assert resolution < on_time < response  # -58%, then +13% (10 pp of 75%), then -6%
    assert "other clear differences" not in md.lower()


def test_costs_are_per_year_and_labelled_so(decentralisation):
    md = comparison_report(decentralisation, {}, "en")
    # a run of 180 days: 4,370,000 CNY over the run is 8,861,000 CNY a year
    assert "staff cost lower by 41,000 CNY/year" in md  # 20,000 CNY over 180 days
    assert "| Staff cost (CNY per year) | baseline | 8,861,000 [" in md
    assert "× 365 / 180" in md
    zh = comparison_report(decentralisation, {}, "zh")
    assert "人员成本（元/年）" in zh and "万元/年" in zh
    # the summary values themselves are untouched: annualising is a copy
    assert decentralisation.values["baseline"][0, 3] < 4.5e6 and not decentralisation.annualised


def test_per_year_rescales_means_and_differences_but_not_p_values(decentralisation):
    annual = per_year(decentralisation)
    j = OUTCOMES.index("cost.staff_cny")
    before = {(r["scenario"], r["outcome"]): r for r in decentralisation.rows}
    for r in annual.rows:
        old = before[r["scenario"], r["outcome"]]
        factor = 365 / 180 if r["outcome"] == "cost.staff_cny" else 1.0
        for k in ("mean", "ci_low", "ci_high", "diff"):
            if not math.isnan(old[k]):
                assert r[k] == pytest.approx(old[k] * factor)
        assert r["p_holm"] == pytest.approx(old["p_holm"], nan_ok=True)
    assert annual.values["lever"][:, j] == pytest.approx(decentralisation.values["lever"][:, j] * 365 / 180)
    assert per_year(annual) is annual  # not twice
    unknown = _result(decentralisation.values, days=None)
    assert per_year(unknown) is unknown and "CNY/year" not in comparison_report(unknown, {}, "en")


def test_no_clear_difference_only_where_the_ci_includes_zero():
    rng = np.random.default_rng(1)
    reps = 4
    base = np.column_stack([rng.normal(10.4, 0.3, reps), rng.normal(68.4, 2.0, reps), rng.normal(0.75, 0.01, reps),
                            np.full(reps, 4.37e6), rng.normal(0.014, 0.002, reps)])
    # response time: a small, consistent shift (CI excludes zero) that many comparisons' Holm correction
    # does not let through; resolution time: pure noise around zero
    lever = base + rng.normal(0, 1, base.shape) * np.array([0.0, 3.0, 0.01, 0.0, 0.002])
    lever[:, 0] += [-0.10, -0.05, -0.15, -0.08]  # t ≈ -4.5 on 3 df: p ≈ 0.02, times 5 tests for Holm
    result = _result({"baseline": base, "lever": lever})
    rows = {(r["scenario"], r["outcome"]): r for r in result.rows}
    rt = rows["lever", "response_time_h.mean"]
    assert rt["diff_ci_high"] < 0 and rt["p_holm"] >= 0.05, "the fixture needs a CI that excludes zero, not Holm"
    md = " ".join(findings_for(result, "lever", "en"))
    n = sum(1 for r in result.rows if not math.isnan(r["p_value"]))
    assert f"Not significant after Holm's correction over {n} comparisons, although the 95% CI of the " \
           "difference excludes zero: mean response time lower by" in md
    assert "mean response time: no clear difference" not in md
    res = rows["lever", "resolution_time_h.mean"]
    assert res["diff_ci_low"] < 0 < res["diff_ci_high"]
    assert "No clear difference (the 95% CI includes zero): mean resolution time (" in md
    # each "no clear difference" in the report stands beside an interval that includes zero
    said = list(re.finditer(r"no clear difference \(([^;]+); the 95% CI, (\S+) to (\S+?)[ ,]", md))
    assert said  # the elderly gap and the staff cost did not move
    for m in said:
        lo, hi = (float(v.replace(",", "")) for v in m.group(2, 3))
        assert lo <= 0 <= hi, m.group(0)


def test_deterministic_differences_have_no_effect_size(decentralisation):
    md = comparison_report(decentralisation, {}, "en")
    cost = next(x for x in md.splitlines() if x.startswith("|  | lever | ") and "41,000" in x)
    assert cost.rstrip().endswith("| —† |")
    assert "†: deterministic difference: the within-pair SD is ≈ 0" in md
    resolution = [x for x in md.splitlines() if x.startswith("|  | lever | ")][1]
    assert re.search(r"\| [+-]\d+\.\d\d \|$", resolution)  # a noisy difference keeps its d_z


def test_a_reduced_run_says_so_with_the_full_command(decentralisation):
    meta = {"days": 180, "reps": 6, "full_reps": 10, "full_days": 365,
            "full_command": "govsim experiment experiments/policy_comparison.toml",
            "experiment_file": "experiments/policy_comparison.toml"}
    md = comparison_report(decentralisation, {}, "en", meta=meta)
    assert "**A reduced run**: 6 replications of 180 days, where the experiment file " \
           "experiments/policy_comparison.toml asks for 10 replications of 365 days." in md
    assert "The full study: `govsim experiment experiments/policy_comparison.toml`." in md
    zh = comparison_report(decentralisation, {}, "zh", meta=meta)
    assert "**缩减规模的运行**：重复 6 次、每次模拟 180 天" in zh
    full = comparison_report(decentralisation, {}, "en", meta={**meta, "full_reps": 6, "full_days": 180})
    assert "reduced run" not in full


def test_chinese_reports_name_scenarios_in_chinese(decentralisation):
    zh = comparison_report(decentralisation, {}, "zh")
    assert "- **放权赋能**（`lever`，与 `baseline` 相比）：" in zh
    assert short_names(["a", "b"], {"a": "寒潮，无积分", "b": "小网格：200 户"}, "zh") == {"a": "a", "b": "b"}
    assert short_names(["a", "b"], {"a": "大网格：x", "b": "大网格：y"}, "zh") == {"a": "a", "b": "b"}  # not unique
    assert short_names(["a"], {"a": "大网格：x"}, "en") == {"a": "a"}


def test_no_scientific_notation_anywhere_in_a_report(decentralisation):
    for lang in ("en", "zh"):
        assert not SCI.search(comparison_report(decentralisation, {}, lang))


# ------------------------------------------------------------------ sweeps
def _grid_sweep(ties: bool) -> dict:
    axes = [np.array([200, 400, 500, 600])]
    mean = np.array([[9.0, 4.4e6], [10.0, 2.2e6], [10.0, 2.2e6], [10.0, 2.2e6]])
    sweep = {"params": ["grid.households_per_grid"], "axes": axes, "outcomes": ["response_time_h.mean",
                                                                               "cost.staff_cny"],
             "mean": mean, "ci_low": mean * 0.98, "ci_high": mean * 1.02, "days": 180.0}
    if ties:
        sweep["ties"] = [{"points": [1, 2, 3], "what": "territory.grids", "value": 4}]
    return sweep


def test_sweep_ties_are_warned_and_named_in_the_headline():
    sweep = _grid_sweep(ties=True)
    warning = tie_warnings(sweep, "en")
    assert warning == ["grid.households_per_grid = 400, 500 and 600 give the same number of grids (4): they "
                       "simulate the same street office, so their results are identical and differences between "
                       "them are not effects of the swept value."]
    md = sweep_report(sweep, {}, "en")
    assert "> ⚠ " + warning[0] in md
    assert "highest 10.0 h at grid.households_per_grid = 400 (tied with 500, 600: the same number of grids, 4)" in md
    assert "网格数同为 4" in sweep_report(sweep, {}, "zh")
    plain = sweep_report(_grid_sweep(ties=False), {}, "en")
    assert "⚠" not in plain and "tied with" not in plain


def test_sweep_costs_are_per_year():
    md = sweep_report(_grid_sweep(ties=False), {}, "en")
    assert "Staff cost (CNY per year)" in md and "8,922,000 [" in md  # 4.4e6 over 180 days
    annual = per_year_sweep(_grid_sweep(ties=False))
    assert annual["mean"][0, 1] == pytest.approx(4.4e6 * 365 / 180) and annual["mean"][0, 0] == 9.0
    assert label("cost.staff_cny", "zh", per_year=True) == "人员成本（元/年）"


# ------------------------------------------------------------------ figures
def test_chinese_figures_use_the_scenarios_chinese_names(decentralisation):
    from sim.lab import figures
    shown = figures._shown(per_year(decentralisation), "zh")
    assert shown.scenarios == ["基准街道", "放权赋能"]
    assert {r["scenario"] for r in shown.rows} == {"基准街道", "放权赋能"}
    fig = figures._forest(shown, "zh")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["放权赋能"]
    assert figures._shown(decentralisation, "en") is decentralisation


def test_response_time_figure_shows_paired_quantile_differences(decentralisation):
    from sim.lab import figures
    from sim.lab.tasks import QUANTILE_PROBS
    probs = np.asarray(QUANTILE_PROBS)
    base = np.tile(np.exp(3 * probs), (3, 1))
    result = Comparison(["baseline", "lever"], [1, 2, 3], ["response_time_h.mean"], {}, [],
                        rt_quantiles={"baseline": base, "lever": base - 0.5})  # every quantile half an hour sooner
    fig = figures._response_cdf(result, "en")
    cdf, diff = fig.axes[:2]
    assert cdf.get_xscale() == "log"
    (line,) = diff.get_lines()[:1]
    assert np.allclose(line.get_ydata(), -0.5) and diff.get_ylabel() == "Difference from baseline (h)"


def test_parameter_values_are_written_as_in_a_scenario_file():
    assert [numfmt.param_value(v) for v in (400, 0.35, True, np.bool_(False), 1e7, np.int64(5), np.float64(0.1),
                                            "abc", 1e-5)] == \
        ["400", "0.35", "True", "False", "10000000", "5", "0.1", "abc", "0.00001"]


def test_sensitivity_tables_of_large_amounts_have_no_scientific_notation():
    from sim.lab.sensitivity import SensitivityResult
    from sim.lab.sensitivity_study import _index_table
    res = SensitivityResult("morris", ["worker.annual_cost_cny", "policy.app_adoption"],
                            {"mu_star": np.array([1.234e6, 2.5e-5]), "mu_star_conf": np.array([8.1e4, 1e-6]),
                             "mu": np.array([1.234e6, -2.5e-5]), "sigma": np.array([3.2e3, 1e-5])},
                            n=10, outcome="cost.staff_cny", noise={})
    table = "\n".join(_index_table(res, zh=False))
    assert not SCI.search(table)
    assert "| `worker.annual_cost_cny` | 1,234,000 ± 81,000 | 1,234,000 | 3,200 |" in table
    assert "| `policy.app_adoption` | 0.0000250 ± 0.0000010 | -0.0000250 | 0.0000100 |" in table


def test_a_single_replication_is_not_called_a_ci_that_includes_zero(decentralisation):
    one = _result({n: v[:1] for n, v in decentralisation.values.items()})
    text_ = " ".join(findings_for(one, "lever", "en"))
    assert "no clear difference" not in text_ and "includes zero" not in text_
    assert text_.startswith("Not tested (a single replication: no confidence interval): mean response time (")
    assert "staff cost: -41,000 CNY/year (a single replication: no confidence interval, no test)" in text_


def test_a_table_column_shares_its_decimals(decentralisation):
    md = comparison_report(decentralisation, {}, "en")
    rows = [x for x in md.splitlines() if x.startswith("| Mean response time (h) |") or x.startswith("|  | lever |")]
    base, lever = rows[0], rows[1]  # the lever's mean (9.67 h) is written like the baseline's (10.3 h)
    decimals = {len(n.split(".")[1]) for row in (base, lever) for n in re.findall(r"\d+\.\d+", row.split("|")[3])}
    assert decimals == {1}
    assert numfmt.interval("response_time_h.mean", 9.667, 9.51, 9.82, like=10.3) == "9.7 [9.5, 9.8] h"
    assert numfmt.column_size([(10.3, 10.1, 10.4), (0.2, -3.0, 3.4)]) == pytest.approx(10.3)
