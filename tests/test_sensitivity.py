"""Tests for sim.lab.sensitivity: Sobol' on Ishigami (analytic indices), Morris on a linear
function (exact elementary effects), replication noise, determinism, failed rows, plotting."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.labels import cjk_font
from sim.lab.sensitivity import (Factor, IncompleteDesign, analyze, design_size, plot, salib_problem,
                                 sample)

PI = np.pi
ISHIGAMI = [Factor(f"x{i}", -PI, PI) for i in (1, 2, 3)]
# Analytic indices of Ishigami with a=7, b=0.1 on [-pi, pi]^3.
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
UNIT = [Factor("policy.a", 0, 1), Factor("policy.b", 0, 1), Factor("policy.c", 0, 1)]


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def linear(X: np.ndarray) -> np.ndarray:
    return 3 * X[:, 0] + 1 * X[:, 1] + 0 * X[:, 2]


def has(result, text: str) -> bool:
    return any(text in w for w in result.warnings)


@pytest.fixture(scope="module")
def sobol_ishigami():
    n = 2048
    X = sample("sobol", ISHIGAMI, n, seed=1)
    return analyze("sobol", ISHIGAMI, X, ishigami(X), outcome="ishigami", seed=1, n=n)


def test_sobol_ishigami_matches_analytic_indices(sobol_ishigami):
    r = sobol_ishigami
    s1, st = r.indices["S1"], r.indices["ST"]
    np.testing.assert_allclose(s1, ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(st, ISHIGAMI_ST, atol=0.05)
    # Each analytic value lies inside its bootstrap CI, widened a little.
    assert np.all(np.abs(s1 - ISHIGAMI_S1) <= 1.2 * r.indices["S1_conf"] + 0.01)
    assert np.all(np.abs(st - ISHIGAMI_ST) <= 1.2 * r.indices["ST_conf"] + 0.01)
    assert r.n == 2048 and r.names == ["x1", "x2", "x3"] and r.outcome == "ishigami"


def test_sobol_large_n_converged_and_records_prefixes(sobol_ishigami):
    r = sobol_ishigami
    assert not has(r, "not converged") and not has(r, "small sample") and not has(r, "imprecise")
    assert sorted({c["n"] for c in r.convergence}) == [512, 1024, 2048]
    assert len(r.convergence) == 3 * 3 and all(set(c) == {"n", "parameter", "ST"} for c in r.convergence)
    last = [c["ST"] for c in r.convergence if c["n"] == 2048]
    np.testing.assert_array_equal(last, r.indices["ST"])


def test_sobol_small_n_warns():
    X = sample("sobol", ISHIGAMI, 32, seed=3)
    r = analyze("sobol", ISHIGAMI, X, ishigami(X), outcome="y", seed=3, n=32, num_resamples=200)
    assert has(r, "small sample")
    assert has(r, "imprecise")       # ST CIs are wide at N=32
    assert sorted({c["n"] for c in r.convergence}) == [8, 16, 32]


def test_sobol_prefix_of_blocks_is_the_smaller_design():
    # The convergence check relies on this: SALib writes each base point's rows contiguously and
    # the scrambled Sobol' points do not depend on N.
    for second_order in (False, True):
        big = sample("sobol", ISHIGAMI, 64, seed=5, second_order=second_order)
        small = sample("sobol", ISHIGAMI, 32, seed=5, second_order=second_order)
        np.testing.assert_array_equal(big[: len(small)], small)


def test_sobol_second_order_and_rows():
    n = 256
    X = sample("sobol", ISHIGAMI, n, seed=2, second_order=True)
    assert X.shape == (design_size("sobol", 3, n, second_order=True), 3) == (n * 8, 3)
    r = analyze("sobol", ISHIGAMI, X, ishigami(X), outcome="y", seed=2, n=n, second_order=True,
                num_resamples=200)
    assert r.indices["S2"].shape == (3, 3)
    assert abs(r.indices["S2"][0, 2] - 0.2437) < 0.15   # the x1-x3 interaction of Ishigami
    rows = r.rows()
    assert [row["parameter"] for row in rows] == ["x1", "x2", "x3"]
    assert {"outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf", "S2[x3]", "S2_conf[x2]"} <= set(rows[0])
    assert "S2[x1]" not in rows[0] and rows[0]["outcome"] == "y"
    assert rows[2]["S2[x1]"] == rows[0]["S2[x3]"] == r.indices["S2"][0, 2]   # pairs are symmetric


def test_morris_linear_function_exact():
    n = 20
    X = sample("morris", UNIT, n, seed=4)
    assert X.shape == (design_size("morris", 3, n), 3) == (n * 4, 3)
    r = analyze("morris", UNIT, X, linear(X), outcome="lin", seed=4, n=n)
    np.testing.assert_allclose(r.indices["mu_star"], [3, 1, 0], atol=1e-9)
    np.testing.assert_allclose(r.indices["mu"], [3, 1, 0], atol=1e-9)
    np.testing.assert_allclose(r.indices["sigma"], [0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(r.indices["mu_star_conf"], [0, 0, 0], atol=1e-9)
    assert not has(r, "not converged") and not has(r, "small sample")
    assert {c["n"] for c in r.convergence} == {10, 20}     # n/4 = 5 < 8 blocks is skipped
    assert set(r.rows()[0]) == {"outcome", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"}


def test_morris_mu_star_scales_with_range_and_ranks_ishigami():
    # mu* is per unit of the range scaled to [0, 1]: y = 3 x1 on [0, 2] gives mu* = 6.
    f = [Factor("a", 0, 2), Factor("b", 0, 1)]
    X = sample("morris", f, 12, seed=0)
    r = analyze("morris", f, X, 3 * X[:, 0], outcome="y", seed=0, n=12)
    np.testing.assert_allclose(r.indices["mu_star"], [6, 0], atol=1e-9)
    # Ishigami: x3 acts only through the interaction with x1, so it has sigma > 0 and x1, x2 matter.
    X = sample("morris", ISHIGAMI, 40, seed=0)
    r = analyze("morris", ISHIGAMI, X, ishigami(X), outcome="y", seed=0, n=40)
    assert np.all(r.indices["mu_star"] > 0) and np.all(r.indices["sigma"] > 0)


def test_morris_few_trajectories_warn():
    X = sample("morris", UNIT, 6, seed=1)
    r = analyze("morris", UNIT, X, linear(X), outcome="y", seed=1, n=6)
    assert has(r, "small sample") and has(r, "convergence not checked")


def test_replication_noise_is_measured():
    rng = np.random.default_rng(0)
    n, reps, sd = 512, 4, 0.5
    X = sample("sobol", UNIT, n, seed=0)
    Y = (10 * X[:, 0] + X[:, 1])[:, None] + rng.normal(0, sd, size=(len(X), reps))
    r = analyze("sobol", UNIT, X, Y, outcome="y", seed=0, n=n, num_resamples=200)
    assert r.noise["reps"] == reps
    assert r.noise["noise_variance"] == pytest.approx(sd**2 / reps, rel=0.05)
    assert r.noise["output_variance"] == pytest.approx(np.var(Y.mean(axis=1), ddof=1))
    assert r.noise["noise_share"] == pytest.approx(r.noise["noise_variance"] / r.noise["output_variance"])
    assert r.noise["noise_share"] < 0.1 and not has(r, "noise share") and not has(r, "one replication")
    np.testing.assert_allclose(r.indices["S1"][:2], [100 / 101, 1 / 101], atol=0.05)

    # Noise dominating: the share is reported and warned about.
    loud = (10 * X[:, 0] + X[:, 1])[:, None] + rng.normal(0, 20, size=(len(X), reps))
    r = analyze("sobol", UNIT, X, loud, outcome="y", seed=0, n=n, num_resamples=200)
    assert r.noise["noise_share"] > 0.5 and has(r, "noise share")


def test_single_replication_noise_not_measured():
    X = sample("morris", UNIT, 16, seed=0)
    r = analyze("morris", UNIT, X, linear(X)[:, None], outcome="y", seed=0, n=16)
    assert r.noise["reps"] == 1 and np.isnan(r.noise["noise_variance"]) and np.isnan(r.noise["noise_share"])
    assert has(r, "one replication")


@pytest.mark.parametrize("method,n,seed", [("sobol", 64, 0), ("morris", 16, 0), ("sobol", 64, 9)])
def test_determinism(method, n, seed):
    # seed=0 matters: SALib's sobol.analyze treats a falsy seed as "unseeded".
    X1, X2 = (sample(method, ISHIGAMI, n, seed=seed) for _ in range(2))
    np.testing.assert_array_equal(X1, X2)
    r1, r2 = (analyze(method, ISHIGAMI, X1, ishigami(X1), outcome="y", seed=seed, n=n, num_resamples=100)
              for _ in range(2))
    for key in r1.indices:
        np.testing.assert_array_equal(r1.indices[key], r2.indices[key])
    assert r1.convergence == r2.convergence and r1.warnings == r2.warnings
    assert not np.array_equal(X1, sample(method, ISHIGAMI, n, seed=seed + 1))


def test_nan_row_raises_incomplete_design():
    X = sample("sobol", UNIT, 16, seed=0)
    Y = np.tile(linear(X)[:, None], (1, 3))
    Y[5, 1] = np.nan
    Y[17, :] = np.nan
    with pytest.raises(IncompleteDesign) as info:
        analyze("sobol", UNIT, X, Y, outcome="y", seed=0, n=16)
    assert info.value.rows == [5, 17]
    assert isinstance(info.value, ValueError) and "rows [5, 17]" in str(info.value)


def test_sobol_n_must_be_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        sample("sobol", UNIT, 100, seed=0)
    with pytest.raises(ValueError, match="power of 2"):
        analyze("sobol", UNIT, np.zeros((500, 3)), np.zeros(500), outcome="y", seed=0, n=100)


def test_shape_and_method_checks():
    X = sample("sobol", UNIT, 16, seed=0)
    with pytest.raises(ValueError, match="expected X"):
        analyze("sobol", UNIT, X, linear(X)[:-1], outcome="y", seed=0, n=16)
    with pytest.raises(ValueError, match="method"):
        sample("fast", UNIT, 16, seed=0)


def test_constant_outcome_gives_undefined_indices():
    X = sample("sobol", UNIT, 16, seed=0)
    r = analyze("sobol", UNIT, X, np.ones((len(X), 2)), outcome="y", seed=0, n=16)
    assert np.all(np.isnan(r.indices["ST"])) and has(r, "constant")


def test_nonuniform_factors_stay_in_bounds():
    factors = [Factor("policy.app_adoption", 0.2, 0.9, "triangular", mode=0.7),
               Factor("staff.per_grid", 1.0, 3.0, "truncnormal", mean=2.0, sd=0.5),
               Factor("budget", 10, 20)]
    p = salib_problem(factors)
    assert p["dists"] == ["triang", "truncnorm", "unif"] and p["num_vars"] == 3
    assert p["bounds"][0] == pytest.approx([0.2, 0.9, 0.5 / 0.7]) and p["bounds"][1] == [1.0, 3.0, 2.0, 0.5]
    for method, n in (("sobol", 256), ("morris", 20)):
        X = sample(method, factors, n, seed=0)
        assert X.shape == (design_size(method, 3, n), 3)
        lo, hi = np.array([f.low for f in factors]), np.array([f.high for f in factors])
        assert np.all(X >= lo - 1e-12) and np.all(X <= hi + 1e-12)
    X = sample("sobol", factors, 1024, seed=0)
    assert X[:, 0].mean() == pytest.approx((0.2 + 0.7 + 0.9) / 3, abs=0.01)   # triangular mean
    assert X[:, 1].mean() == pytest.approx(2.0, abs=0.02)                     # symmetric truncation


@pytest.mark.parametrize("kwargs,match", [
    (dict(low=1, high=0), "low < high"),
    (dict(low=0, high=1, dist="beta"), "dist"),
    (dict(low=0, high=1, dist="triangular"), "needs mode"),
    (dict(low=0, high=1, dist="triangular", mode=1.0), "mode"),
    (dict(low=0, high=1, dist="truncnormal", mean=0.5), "needs sd"),
    (dict(low=0, high=1, mode=0.5), "takes no mode"),
])
def test_factor_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Factor("p", **kwargs)


@pytest.fixture(scope="module")
def results():
    X = sample("sobol", ISHIGAMI, 64, seed=0)
    sob = analyze("sobol", ISHIGAMI, X, ishigami(X), outcome="ishigami", seed=0, n=64, num_resamples=100)
    X = sample("morris", ISHIGAMI, 16, seed=0)
    mor = analyze("morris", ISHIGAMI, X, ishigami(X), outcome="ishigami", seed=0, n=16, num_resamples=100)
    return {"sobol": sob, "morris": mor}


@pytest.mark.parametrize("method", ["sobol", "morris"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plot_writes_png(results, method, lang, tmp_path):
    path = tmp_path / f"{method}_{lang}.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert plot(results[method], path, lang=lang) == path
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 5000
    if cjk_font():
        assert not [w for w in caught if "missing from font" in str(w.message)]
    again = tmp_path / "again.png"
    plot(results[method], again, lang=lang)
    assert again.read_bytes() == data                       # deterministic bytes


def test_plot_with_a_chinese_title_in_english_draws_its_glyphs(results, tmp_path):
    if not cjk_font():
        pytest.skip("no CJK font installed")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot(results["morris"], tmp_path / "en.png", lang="en", title="Satisfaction rate (好差评)")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_plot_zh_without_cjk_font_falls_back(results, tmp_path, monkeypatch):
    import sim.labels

    monkeypatch.setattr(sim.labels, "cjk_font", lambda: None)
    path = plot(results["sobol"], tmp_path / "fallback.png", lang="zh", title="custom")
    assert path.stat().st_size > 0
    with pytest.raises(ValueError, match="lang"):
        plot(results["sobol"], tmp_path / "x.png", lang="fr")


# --- parameter groups (SALib groups) ------------------------------------------------------------

# y = 4 x1 + 2 x2 + x3 on [0, 1]^4, x1 and x2 in one group: a joint step of the group changes y by
# 6 or 2 (members move in random directions), x3 alone by 1, x4 by nothing.
GROUPED = [Factor("x1", 0, 1, group="big"), Factor("x2", 0, 1, group="big"),
           Factor("x3", 0, 1, group="small"), Factor("x4", 0, 1, group="none")]


def grouped_linear(X: np.ndarray) -> np.ndarray:
    return 4 * X[:, 0] + 2 * X[:, 1] + X[:, 2]


def test_grouped_morris_ranks_the_groups():
    n = 20
    X = sample("morris", GROUPED, n, seed=4)
    # one column per factor, (groups + 1) rows per trajectory
    assert X.shape == (design_size("morris", 3, n), 4) == (n * 4, 4)
    r = analyze("morris", GROUPED, X, grouped_linear(X), outcome="y", seed=4, n=n)
    assert r.names == ["big", "small", "none"] and r.groups == {"big": ["x1", "x2"], "small": ["x3"], "none": ["x4"]}
    mu_star = r.indices["mu_star"]
    assert 2 - 1e-9 <= mu_star[0] <= 6 + 1e-9 and mu_star[0] > mu_star[1] > mu_star[2]
    np.testing.assert_allclose(mu_star[1:], [1, 0], atol=1e-9)
    # sigma is undefined for a group of several members (SALib), defined for one-member groups
    assert np.isnan(r.indices["sigma"][0]) and np.allclose(r.indices["sigma"][1:], 0, atol=1e-9)
    rows = r.rows()
    assert [row["group"] for row in rows] == ["big", "small", "none"] and "parameter" not in rows[0]
    assert rows[0]["members"] == "x1 x2" and rows[2]["members"] == "x4"
    assert {c["group"] for c in r.convergence} == {"big", "small", "none"}


def test_grouped_sobol_of_ishigami_matches_analytic_group_indices():
    # Group {x1, x3} against {x2}: x2 acts alone and additively, so S1 = ST = 0.4424 for it and
    # 1 - 0.4424 = 0.5576 for the pair (x1, x3 and their interaction).
    groups = [Factor("x1", -PI, PI, group="x1x3"), Factor("x2", -PI, PI, group="x2"),
              Factor("x3", -PI, PI, group="x1x3")]
    n = 1024
    X = sample("sobol", groups, n, seed=1)
    assert X.shape == (n * (2 + 2), 3)
    r = analyze("sobol", groups, X, ishigami(X), outcome="ishigami", seed=1, n=n, num_resamples=200)
    assert r.names == ["x1x3", "x2"]
    np.testing.assert_allclose(r.indices["S1"], [0.5576, 0.4424], atol=0.05)
    np.testing.assert_allclose(r.indices["ST"], [0.5576, 0.4424], atol=0.05)


def test_grouped_design_is_deterministic_and_prefix_of_blocks_holds():
    for method, n in (("morris", 16), ("sobol", 64)):
        X1, X2 = (sample(method, GROUPED, n, seed=7) for _ in range(2))
        np.testing.assert_array_equal(X1, X2)
        r1, r2 = (analyze(method, GROUPED, X1, grouped_linear(X1), outcome="y", seed=7, n=n, num_resamples=100)
                  for _ in range(2))
        for key in r1.indices:
            np.testing.assert_array_equal(r1.indices[key], r2.indices[key])
        assert r1.convergence == r2.convergence
    small = sample("sobol", GROUPED, 32, seed=7)
    np.testing.assert_array_equal(sample("sobol", GROUPED, 64, seed=7)[: len(small)], small)


def test_mixing_grouped_and_ungrouped_factors_is_refused():
    mixed = GROUPED[:3] + [Factor("x4", 0, 1)]
    with pytest.raises(ValueError, match="every factor has a group or none: no group for x4"):
        salib_problem(mixed)
    X = sample("morris", GROUPED, 4, seed=0)
    with pytest.raises(ValueError, match="every factor has a group or none"):
        analyze("morris", mixed, X, grouped_linear(X), outcome="y", seed=0, n=4)
    assert "groups" not in salib_problem(UNIT)          # ungrouped: the problem is as before


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_grouped_plot_writes_png(method, tmp_path):
    n = 16 if method == "morris" else 32
    X = sample(method, GROUPED, n, seed=0)
    r = analyze(method, GROUPED, X, grouped_linear(X), outcome="y", seed=0, n=n, num_resamples=100)
    path = plot(r, tmp_path / f"{method}.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    plot(r, tmp_path / "again.png")
    assert (tmp_path / "again.png").read_bytes() == path.read_bytes()


# --- grouped experiments: parsing, the command line, end to end --------------------------------

def _grouped_experiment(design: str, tiny: str) -> str:
    from tests.helpers import ROOT
    section = "[morris]\ntrajectories = 4" if design == "morris" else "[sobol]\nn = 4"
    return f"""
name = "tiny_groups"
design = "{design}"
scenario = "{(ROOT / 'scenarios' / 'workshop.toml').as_posix()}"
seed = 2
reps = 2
days = 10
outcomes = ["response_time_h.mean", "rates.on_time"]
[set]
{tiny}
{section}
[parameters."handoff.committee_to_township_hours"]
group = "delays"
low = 8.0
high = 72.0
[parameters."township.dispatch_hours"]
group = "delays"
low = 0.25
high = 4.0
[parameters."policy.app_adoption"]
group = "levers"
low = 0.0
high = 0.9
"""


TINY_SET = '"territory.residents" = 1000\n"territory.households_per_community" = 200\n"sim.warmup_days" = 2'


def test_mixed_groups_on_the_command_line_exit_2(tmp_path, capsys):
    from sim.cli import main
    body = _grouped_experiment("morris", TINY_SET).replace('group = "levers"\n', "", 1)
    path = tmp_path / "mixed.toml"
    path.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and "parameters.policy.app_adoption" in err and "every parameter has a group or none" in err
    assert not out.exists()


@pytest.mark.parametrize("change,key,allowed", [
    (('group = "levers"', 'group = 3'), "parameters.policy.app_adoption.group", "a group name"),
    (('group = "levers"', 'group = ""'), "parameters.policy.app_adoption.group", "a group name"),
    (('group = "levers"', 'group = "delays"'), "parameters", "at least two groups"),
])
def test_bad_groups_are_refused(tmp_path, change, key, allowed):
    from sim.lab.experiment import ExperimentError, load_experiment
    path = tmp_path / "bad.toml"
    path.write_text(_grouped_experiment("sobol", TINY_SET).replace(*change), encoding="utf-8")
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    assert (err.value.file, err.value.key) == (str(path), key) and allowed in str(err.value)


def test_groups_are_refused_in_calibration(tmp_path):
    from sim.lab.experiment import ExperimentError, build
    from tests.helpers import ROOT
    raw = {"design": "calibrate", "scenario": str(ROOT / "scenarios" / "workshop.toml"), "days": 40,
           "parameters": {"policy.app_adoption": {"low": 0.0, "high": 0.9, "group": "levers"}},
           "targets": {"now": {"rates.on_time": {"value": 0.9, "tolerance": 0.05}}}}
    with pytest.raises(ExperimentError, match="allowed keys"):
        build(raw, tmp_path / "cal.toml")


@pytest.mark.parametrize("design", ["morris", "sobol"])
def test_grouped_experiment_end_to_end_writes_group_indices(tmp_path, design):
    import csv
    from sim.cli import main
    from sim.lab.experiment import load_experiment, run_count
    path = tmp_path / "groups.toml"
    path.write_text(_grouped_experiment(design, TINY_SET), encoding="utf-8")
    exp = load_experiment(path)
    rows = 4 * 3 if design == "morris" else 4 * 4      # 2 groups: (g + 1) per trajectory, (g + 2) per base point
    assert run_count(exp) == rows * 2
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
        outs.append(out)
    out = outs[0]
    design_rows = list(csv.DictReader((out / "design.csv").open()))
    assert len(design_rows) == rows and "township.dispatch_hours" in design_rows[0]
    indices = list(csv.DictReader((out / "indices.csv").open()))
    assert [(r["outcome"], r["group"]) for r in indices] == [
        (o, g) for o in ("response_time_h.mean", "rates.on_time") for g in ("delays", "levers")]
    assert indices[0]["members"] == "handoff.committee_to_township_hours township.dispatch_hours"
    assert ("mu_star" if design == "morris" else "ST") in indices[0]
    report = (out / "report.md").read_text()
    assert "| delays (2) |" in report and "SALib groups" in report
    assert (out / "figures" / f"{design}_response_time_h_mean.png").stat().st_size > 0
    # determinism: a second run from scratch writes the same tables and report
    for name in ("design.csv", "indices.csv", "convergence.csv", "report.md"):
        assert (out / name).read_bytes() == (outs[1] / name).read_bytes(), name
    # and rerunning into the same folder resumes from its ledger (every file is one govsim writes)
    before = (out / "indices.csv").read_bytes()
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert (out / "indices.csv").read_bytes() == before


GROUP_TABLE = """
[groups.delays]
parameters = ["handoff.*", "county.report_hours"]
scale = [0.5, 1.5]
"""


def test_a_group_table_scales_each_members_base_value(tmp_path):
    from sim.lab.experiment import load_experiment, run_count
    from sim.scenario import load
    from tests.helpers import ROOT
    body = _grouped_experiment("morris", TINY_SET)
    body = body[: body.index('[parameters."handoff')] + body[body.index('[parameters."policy.app_adoption"]'):]
    path = tmp_path / "scaled.toml"
    path.write_text(body + GROUP_TABLE, encoding="utf-8")
    exp = load_experiment(path)
    base = load(ROOT / "scenarios" / "workshop.toml")
    scaled = {b.key: (b.low, b.high, b.group) for b in exp.bounds if b.group == "delays"}
    assert list(scaled) == ["handoff.grid_to_committee_hours", "handoff.committee_to_township_hours",
                            "handoff.township_to_county_hours", "county.report_hours"]
    for key, (low, high, _) in scaled.items():
        assert (low, high) == pytest.approx((0.5 * base[key], 1.5 * base[key]))
    assert run_count(exp) == 4 * (2 + 1) * 2          # two groups: levers (from [parameters]) and delays


@pytest.mark.parametrize("table,key,allowed", [
    ('[groups.delays]\nparameters = ["handoff.*"]\nscale = [1.5, 0.5]\n', "groups.delays.scale", "0 <= low < high"),
    ('[groups.delays]\nparameters = ["handof.*"]\nscale = [0.5, 1.5]\n', "groups.delays.parameters", "a prefix that matches"),
    ('[groups.delays]\nparameters = ["policy.app_adoption"]\nscale = [0.5, 1.5]\n', "groups.delays.parameters",
     "not already varied"),
    ('[groups.levers2]\nparameters = ["policy.decentralisation"]\nscale = [0.5, 1.5]\n', "groups.levers2.parameters",
     "a positive value to scale"),
    ('[groups.delays]\nparameters = ["handoff.*"]\n', "groups.delays", "scale = [low, high]"),
])
def test_bad_group_tables_are_refused(tmp_path, table, key, allowed):
    from sim.lab.experiment import ExperimentError, load_experiment
    path = tmp_path / "bad.toml"
    path.write_text(_grouped_experiment("sobol", TINY_SET) + table, encoding="utf-8")
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    assert (err.value.file, err.value.key) == (str(path), key) and allowed in str(err.value)
