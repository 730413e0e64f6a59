"""Calibration (sim.lab.calibration) on cheap synthetic simulators: no model runs."""

import json
import math
import re

import numpy as np
import pytest

from sim.lab.calibration import CalibrationResult, FreeParameter, Target, fit


class Recorder:
    """Wraps a synthetic `evaluate` and records the batch sizes and every point asked for."""

    def __init__(self, f):
        self.f = f
        self.batches: list[int] = []
        self.points: list[np.ndarray] = []

    def __call__(self, points: np.ndarray):
        assert points.ndim == 2
        self.batches.append(len(points))
        self.points.extend(np.array(p) for p in points)
        return self.f(points)


# ------------------------------------------------------------------ (i) linear, known answer
A = np.array([[1.0, 0.5, 0.0], [0.2, -1.0, 0.3], [0.0, 0.4, 2.0], [0.5, 0.5, 0.5]])
B = np.array([0.1, 0.2, 0.3, 0.0])
THETA = np.array([2.0, -1.0, 0.5])
TOL = np.array([0.01, 0.02, 0.01, 0.05])
SE = 0.005
LINEAR_PARAMS = [FreeParameter("a", 0.0, 5.0), FreeParameter("b", -3.0, 3.0), FreeParameter("c", -1.0, 1.0)]
LINEAR_TARGETS = [Target(f"y{j}", float(v), float(t)) for j, (v, t) in enumerate(zip(A @ THETA + B, TOL))]


def linear(points):
    return points @ A.T + B, np.full((len(points), len(B)), SE)


def test_linear_model_recovers_known_parameters_and_analytic_standard_errors():
    ev = Recorder(linear)
    r = fit(ev, LINEAR_PARAMS, LINEAR_TARGETS, seed=3)
    assert isinstance(r, CalibrationResult)
    # Every target within a fraction of its tolerance, parameters close to the truth.
    assert all(abs(z) < 0.5 for z in r.residuals_tol.values())
    assert r.loss < 0.1
    for i, p in enumerate(LINEAR_PARAMS):
        assert r.best[p.name] == pytest.approx(THETA[i], abs=3 * r.param_se[p.name])
    # The finite-difference Jacobian of a linear model is exact.
    np.testing.assert_allclose(r.jacobian, A, rtol=1e-9, atol=1e-9)
    # Delta-method SEs equal the analytic (J' W J)^-1 with W = 1 / (tol^2 + se^2).
    w = np.diag(1.0 / (TOL ** 2 + SE ** 2))
    cov = np.linalg.inv(A.T @ w @ A)
    np.testing.assert_allclose(r.covariance, cov, rtol=1e-8)
    np.testing.assert_allclose([r.param_se[p.name] for p in LINEAR_PARAMS], np.sqrt(np.diag(cov)), rtol=1e-8)
    for i, p in enumerate(LINEAR_PARAMS):
        lo, hi = r.param_interval[p.name]
        assert lo == pytest.approx(r.best[p.name] - 1.959964 * r.param_se[p.name], rel=1e-5)
        assert hi == pytest.approx(r.best[p.name] + 1.959964 * r.param_se[p.name], rel=1e-5)
    assert all(r.identified.values())
    assert r.converged and not r.warnings
    # Batched: the design in one call of n_initial points, and every call after it batched.
    assert ev.batches[0] == 64 and len(ev.batches) == r.n_calls
    assert r.n_evaluations == sum(ev.batches) == len(r.history)
    assert r.evaluations_by_stage["design"] == 64 and r.evaluations_by_stage["jacobian"] <= 6
    assert r.evaluations_by_stage["refine"] <= 60
    # Points are evaluated in parameter units, within the bounds, and never twice.
    pts = np.vstack(ev.points)
    assert np.all(pts >= [p.low for p in LINEAR_PARAMS]) and np.all(pts <= [p.high for p in LINEAR_PARAMS])
    assert len({tuple(p) for p in pts}) == len(pts)


# ------------------------------------------------------------------ (ii) noisy, nonlinear
def noisy_nonlinear(points, reps=4, sd=0.004):
    """Two outcomes of two parameters, each the mean over `reps` noisy replications. The noise has a
    common part (the same seeds at every point, as with common random numbers) and a part that
    depends deterministically on the point."""
    crn = np.random.default_rng(2024).normal(0.0, sd, size=(reps, 2))
    means, ses = [], []
    for x in points:
        a, b = x
        f = np.array([1.0 / (1.0 + math.exp(-2.0 * (a - 1.0))) + 0.1 * b, a * b / (1.0 + a)])
        own = np.random.default_rng(np.frombuffer(np.asarray(x, float).tobytes(), np.uint32)).normal(
            0.0, sd / 2, size=(reps, 2))
        y = f + crn + own
        means.append(y.mean(0))
        ses.append(y.std(0, ddof=1) / math.sqrt(reps))
    return np.array(means), np.array(ses)


NL_PARAMS = [FreeParameter("a", 0.0, 3.0), FreeParameter("b", 0.0, 2.0)]
NL_TRUE = (1.3, 0.7)
NL_TARGETS = [Target("y1", 1.0 / (1.0 + math.exp(-2.0 * 0.3)) + 0.07, 0.01), Target("y2", 1.3 * 0.7 / 2.3, 0.01)]


def test_noisy_nonlinear_function_converges():
    r = fit(noisy_nonlinear, NL_PARAMS, NL_TARGETS, seed=11, n_initial=32, max_refine_evals=60)
    assert all(abs(z) < 1.0 for z in r.residuals_tol.values())
    assert r.best["a"] == pytest.approx(NL_TRUE[0], abs=0.15)
    assert r.best["b"] == pytest.approx(NL_TRUE[1], abs=0.1)
    assert all(r.identified.values())
    # The truth lies within the plausible ranges, which are narrower than the bounds.
    for (name, truth), p in zip(zip(("a", "b"), NL_TRUE), NL_PARAMS):
        lo, hi = r.plausible_range[name]
        assert lo - 0.05 <= truth <= hi + 0.05
        assert hi - lo < 0.5 * p.span
    assert r.plausible_size >= 1
    assert r.n_evaluations <= 32 + 60 + 4


# ------------------------------------------------------------------ (iii) an unidentified parameter
def only_a(points):
    y = 2.0 * points[:, :1] + 1.0          # does not depend on b
    return y, np.full_like(y, 0.002)


def test_parameter_the_outcomes_do_not_depend_on_is_flagged_and_left_free():
    params = [FreeParameter("a", 0.0, 1.0), FreeParameter("b", 0.0, 10.0)]
    r = fit(only_a, params, [Target("y", 2.0, 0.05)], seed=5)
    assert r.identified == {"a": True, "b": False}
    assert math.isinf(r.param_se["b"]) and r.param_interval["b"] == (0.0, 10.0)
    assert r.best["a"] == pytest.approx(0.5, abs=0.025)
    assert r.param_se["a"] == pytest.approx(math.sqrt(0.05 ** 2 + 0.002 ** 2) / 2.0, rel=1e-6)
    assert any(w.startswith("b is not identified") for w in r.warnings)
    assert not any(w.startswith("a is not identified") for w in r.warnings)
    # The plausible set leaves b anywhere in its bounds, while a is pinned down.
    lo, hi = r.plausible_range["b"]
    assert lo <= 1.5 and hi >= 8.5
    alo, ahi = r.plausible_range["a"]
    assert 0.4 < alo <= ahi < 0.6
    assert r.plausible_size >= 4


def test_weakly_identified_parameter_is_flagged_by_its_standard_error():
    """A tiny but non-zero effect (as simulation noise gives) with as many targets as parameters:
    J' W J has full rank, and the SE test catches b."""
    def weak(points):
        a, b = points[:, 0], points[:, 1]
        y = np.column_stack([2.0 * a + 1e-3 * b + 1.0, 3.0 * a - 2e-3 * b])
        return y, np.full_like(y, 0.002)

    params = [FreeParameter("a", 0.0, 1.0), FreeParameter("b", 0.0, 10.0)]
    r = fit(weak, params, [Target("y1", 2.005, 0.05), Target("y2", 1.49, 0.05)], seed=5)
    assert not r.identified["b"] and r.identified["a"]
    assert math.isfinite(r.param_se["b"]) and 1.96 * r.param_se["b"] > 5.0
    assert r.param_interval["b"] == (0.0, 10.0)


def test_with_fewer_targets_than_parameters_only_the_free_direction_is_flagged():
    def weak(points):
        y = 2.0 * points[:, :1] + 1e-4 * points[:, 1:] + 1.0
        return y, np.full_like(y, 0.002)

    r = fit(weak, [FreeParameter("a", 0.0, 1.0), FreeParameter("b", 0.0, 10.0)], [Target("y", 2.0, 0.05)], seed=5)
    assert r.identified == {"a": True, "b": False}
    assert any("only 1 target(s)" in w for w in r.warnings)


# ------------------------------------------------------------------ (iv) determinism
def test_same_seed_gives_identical_results_and_another_seed_another_design():
    kw = dict(n_initial=16, max_refine_evals=30)
    r1 = fit(noisy_nonlinear, NL_PARAMS, NL_TARGETS, seed=7, **kw)
    r2 = fit(noisy_nonlinear, NL_PARAMS, NL_TARGETS, seed=7, **kw)
    assert json.dumps(r1.to_dict(), sort_keys=True) == json.dumps(r2.to_dict(), sort_keys=True)
    assert r1.rows() == r2.rows()
    r3 = fit(noisy_nonlinear, NL_PARAMS, NL_TARGETS, seed=8, **kw)
    assert not np.array_equal(r1.history[0].point, r3.history[0].point)


# ------------------------------------------------------------------ (v) integer parameters
def test_integer_parameters_are_rounded_before_evaluation():
    def f(points):
        n, c = points[:, 0], points[:, 1]
        y = np.column_stack([0.5 * n + c, c - 0.1 * n])
        return y, np.full_like(y, 0.001)

    params = [FreeParameter("n", 1, 20, integer=True), FreeParameter("c", 0.0, 1.0)]
    targets = [Target("y1", 0.5 * 7 + 0.3, 0.02), Target("y2", 0.3 - 0.7, 0.02)]
    ev = Recorder(f)
    r = fit(ev, params, targets, seed=2, n_initial=16)
    pts = np.vstack(ev.points)
    assert np.all(pts[:, 0] == np.round(pts[:, 0])) and pts[:, 0].min() >= 1 and pts[:, 0].max() <= 20
    assert len({tuple(p) for p in pts}) == len(pts)           # no point evaluated twice
    assert r.best["n"] == 7 and r.best["c"] == pytest.approx(0.3, abs=0.02)
    assert isinstance(r.best["n"], float) and r.best["n"].is_integer()
    # The Jacobian step of an integer parameter is a whole number of units (here at least 1).
    assert r.jacobian[0, 0] == pytest.approx(0.5) and r.jacobian[1, 0] == pytest.approx(-0.1)
    jac_n = {row["n"] for row in r.rows() if row["stage"] == "jacobian" and row["c"] == r.best["c"]}
    assert jac_n == {6.0, 8.0}


def test_log_scale_parameters_are_searched_and_reported_on_a_log_scale():
    def f(points):
        y = np.column_stack([np.log(points[:, 0]), points[:, 1]])
        return y, np.full_like(y, 0.003)

    params = [FreeParameter("hours", 0.01, 100.0, log=True), FreeParameter("share", 0.0, 1.0)]
    ev = Recorder(f)
    r = fit(ev, params, [Target("log_hours", math.log(2.0), 0.01), Target("share", 0.4, 0.01)], seed=9, n_initial=32)
    design = np.vstack(ev.points[:32])[:, 0]
    assert 12 <= (design < 1.0).sum() <= 20          # log-uniform: half the design below the geometric mean
    assert r.best["hours"] == pytest.approx(2.0, rel=0.02) and r.best["share"] == pytest.approx(0.4, abs=0.01)
    se_log = math.sqrt(0.01 ** 2 + 0.003 ** 2)        # d log_hours / d log(hours) = 1
    assert r.jacobian[0, 0] == pytest.approx(1.0 / r.best["hours"], rel=0.01)
    assert r.param_se["hours"] == pytest.approx(r.best["hours"] * se_log, rel=0.01)
    lo, hi = r.param_interval["hours"]
    assert lo == pytest.approx(r.best["hours"] * math.exp(-1.959964 * se_log), rel=1e-3)
    assert hi == pytest.approx(r.best["hours"] * math.exp(1.959964 * se_log), rel=1e-3)
    assert all(r.identified.values()) and not r.warnings
    with pytest.raises(ValueError):
        FreeParameter("x", 0.0, 1.0, log=True)


# ------------------------------------------------------------------ (vi) an unreachable target
def test_unreachable_target_gives_a_warning_and_a_residual():
    def capped(points):
        y = 0.9 * (1.0 - np.exp(-points[:, :1]))   # never above 0.9
        return y, np.full_like(y, 0.001)

    r = fit(capped, [FreeParameter("x", 0.0, 5.0)], [Target("rate", 0.97, 0.01)], seed=1)
    assert r.residuals["rate"] == pytest.approx(0.9 * (1 - math.exp(-5.0)) - 0.97, abs=1e-9)
    assert r.residuals_tol["rate"] == pytest.approx(r.residuals["rate"] / 0.01)
    assert r.best["x"] == 5.0
    assert any(w.startswith("target rate = 0.97 not reached") for w in r.warnings)
    assert any("upper bound" in w for w in r.warnings)
    assert r.plausible_size == 0 and any("plausible set is empty" in w for w in r.warnings)
    assert all(math.isnan(v) for v in r.plausible_range["x"])


# ------------------------------------------------------------------ output and input checks
def test_rows_and_to_dict_are_tables_and_json():
    r = fit(noisy_nonlinear, NL_PARAMS, NL_TARGETS, seed=4, n_initial=16, max_refine_evals=20)
    rows = r.rows()
    assert len(rows) == r.n_evaluations
    assert set(rows[0]) == {"eval", "stage", "call", "a", "b", "y1", "y1.se", "y2", "y2.se", "loss", "chi2",
                            "plausible", "best"}
    assert sum(row["best"] for row in rows) == 1 and rows[r.best_index]["best"] == 1
    assert sum(row["plausible"] for row in rows) == r.plausible_size
    assert [row["stage"] for row in rows[:16]] == ["design"] * 16
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["best"] == r.best and len(d["history"]) == r.n_evaluations
    assert len(r.parameter_rows()) == 2 and len(r.target_rows()) == 2
    unreachable = fit(lambda p: (np.zeros((len(p), 1)), np.zeros((len(p), 1))), [FreeParameter("x", 0, 1)],
                      [Target("y", 1.0, 0.1)], seed=0, n_initial=4, max_refine_evals=4)
    json.dumps(unreachable.to_dict(), allow_nan=False)   # NaN ranges and infinite SEs become null


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        Target("y", 1.0, 0.0)
    with pytest.raises(ValueError):
        FreeParameter("x", 1.0, 1.0)
    with pytest.raises(ValueError):
        FreeParameter("n", 0.2, 0.8, integer=True)
    with pytest.raises(ValueError, match="expected"):
        fit(lambda p: (np.zeros((len(p), 2)), np.zeros((len(p), 2))), [FreeParameter("x", 0, 1)],
            [Target("y", 1.0, 0.1)], seed=0, n_initial=4)


def test_extra_points_join_the_design():
    ev = Recorder(linear)
    r = fit(ev, LINEAR_PARAMS, LINEAR_TARGETS, seed=3, n_initial=8, extra_points=[{"a": 2.0, "b": -1.0, "c": 0.5}])
    assert ev.batches[0] == 9
    assert r.history[8].point.tolist() == [2.0, -1.0, 0.5] and r.history[8].loss == pytest.approx(0.0, abs=1e-20)
    assert r.best_index == 8


def test_warnings_write_large_bounds_without_scientific_notation():
    """A cost parameter's bounds (0 to 10,000,000 CNY) read as such in the report's warnings."""
    def capped(points):
        y = 0.9 * points[:, :1] / 1e7        # never above 0.9
        return y, np.full_like(y, 0.001)

    r = fit(capped, [FreeParameter("worker.annual_cost_cny", 0.0, 1e7)], [Target("rate", 0.97, 0.01)], seed=1)
    upper = next(w for w in r.warnings if "upper bound" in w)
    assert upper.startswith("worker.annual_cost_cny = 10000000 is at its upper bound 10000000")
    assert not any(re.search(r"\de[+-]\d", w) for w in r.warnings), r.warnings
