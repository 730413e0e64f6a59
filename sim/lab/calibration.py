"""Calibration of a stochastic simulator to published figures: fit, then say how well it is pinned down.

The caller supplies `evaluate(points) -> (means, standard errors)`: for each row of `points` (one
value per free parameter, in parameter units) the mean of each target outcome over R replications
with common random numbers (replication i of every point uses the same seed), and the standard
error of that mean. How the runs are executed (serially, on a pool, from a resumable ledger) is the
caller's business; this module only decides *which* points to run, asks for as many at once as it
can, and is deterministic given `seed` and `evaluate` (no wall clock, no unseeded randomness).

Method
------
Loss. Each target j is a published figure y_j with a tolerance τ_j, the scale of an acceptable miss
(its rounding or stated uncertainty). The loss of a point θ is the weighted sum of squares

    L(θ) = Σ_j ((m_j(θ) − y_j) / τ_j)²,

so L ≤ m means "on average every target within one tolerance". It is the method of simulated
moments (McFadden 1989; Pakes & Pollard 1989) with a diagonal weight matrix, the standard approach
in ABM calibration (Grazzini & Richiardi 2015; Platt 2020).

Parameters are searched in the unit cube: linearly between their bounds, or between the logarithms
of their bounds for `FreeParameter(..., log=True)` (positive quantities spanning orders of
magnitude, such as hours or multiples of a deadline).

1. Global stage. A scrambled Sobol design (Owen scrambling, `scipy.stats.qmc.Sobol(seed=seed)`) of
   `n_initial` points over the box of bounds, evaluated in one call. Low-discrepancy points cover
   the box far more evenly than random ones, so the best design point starts the local stage in the
   right basin, and the design doubles as a sample for the plausible set (step 3b).

2. Local stage. A generalised pattern search (compass search; Torczon 1997, Kolda, Lewis & Torczon
   2003) on the box rescaled to the unit cube, from the best design point. Each iteration evaluates,
   in one call, the poll stencil of 2k points θ ± h·e_i (clipped to the bounds) plus one *search*
   point: a Levenberg–Marquardt (Gauss–Newton) step computed from the central-difference Jacobian
   of the previous poll, limited to a trust region of a few steps. The best point of the batch
   becomes the centre if it lowers the loss; otherwise the step h is halved. The poll alone gives
   the convergence guarantees of pattern search; the search point, free of extra calls, usually
   makes it converge in a few iterations on least-squares problems. Integer parameters are rounded
   before evaluation (their step is never below one unit), and a point is never evaluated twice.
   With common random numbers the simulated loss is a fixed (if jagged) function of θ, so a
   deterministic direct search is appropriate; the search stops when the loss reaches `loss_goal`
   (default: every target within about a tenth of its tolerance), when h falls below `min_step`
   (in units of the range) or after `max_refine_evals` new points.

3. Uncertainty of the fitted values.
   (a) Local, delta method. The Jacobian J = ∂m/∂θ at the fit by central differences (step
       `fd_step` of each range, of its logarithm for a log parameter, at least one unit for an
       integer one; one-sided at a bound), its 2k points in one call. With
       W = diag(1 / (τ_j² + se_j²)), the covariance of the fitted parameters is
       Cov = (Jᵀ W J)⁻¹ — how far θ can move before the outcomes drift by about a tolerance,
       propagated as in nonlinear least squares. Reported: a standard error and a 95% interval
       (θ ± 1.96 SE, or θ·exp(±1.96 SE of log θ) for a log parameter, clipped to the bounds) per
       parameter. A parameter is flagged *not identified*
       when Jᵀ W J is rank-deficient in its direction or when its 95% interval is wider than its
       whole range (the targets cannot tell its values apart). With fewer targets than free
       parameters (m < k) at least k − m directions are unidentified by construction.
   (b) Global, acceptance region. Every evaluated point (design, search and Jacobian) whose
       statistic Σ_j (m_j − y_j)² / (τ_j² + se_j²) — the loss with each point's simulation noise
       added to the tolerances, as in W above — is at most the `accept_level` quantile of the
       chi-square distribution with m degrees of freedom (roughly: every target within its
       tolerance) is "plausible": the acceptance region of rejection ABC with a chi-square kernel.
       Per parameter its min–max over that set, and the set's size, show how far the data leave a
       parameter free even where the local linearisation says otherwise (nonlinear trade-offs,
       several basins). The points are not a random sample
       (the refinement crowds them near the fit), so the ranges are descriptive, not a posterior.

The best point is the lowest simulated loss, so with noisy outcomes its means are slightly
optimistic (the winner's curse); re-running the fit with more replications, or the best point with
fresh seeds, shows by how much.

4. Result: `CalibrationResult` — the best point, outcomes there with their standard errors,
   residuals in outcome and tolerance units, the loss, the Jacobian, the parameter SEs, intervals
   and identification flags, the plausible ranges, counts of evaluations and calls, the whole
   evaluation history (`rows()` for a CSV table; `to_dict()` for JSON) and warnings: a fitted value
   on a bound (the optimum may lie outside), a target missed by more than two tolerances, a
   parameter not identified, an empty plausible set, non-finite outcomes.
"""

from __future__ import annotations

import math
import warnings as _warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy import stats
from scipy.stats import qmc

from .numfmt import number as _number
from .numfmt import param_value as _v


def _n(x: float, signed: bool = False) -> str:
    """A number in a warning the report shows: three significant digits, never 1e+07."""
    return _number(x, signed)

Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

STAGES = ("design", "refine", "jacobian")
Z95 = float(stats.norm.ppf(0.975))
NULL_SHARE = 0.05   # see _delta_covariance


@dataclass(frozen=True)
class Target:
    """A published figure to reproduce: summary key, value and the scale of an acceptable miss."""

    outcome: str
    value: float
    tolerance: float
    discrepancy: float | None = None   # history matching: sd of the model discrepancy (None: the default)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.value) and math.isfinite(self.tolerance)) or self.tolerance <= 0:
            raise ValueError(f"target {self.outcome!r}: value must be finite and tolerance > 0, "
                             f"got {self.value!r} ± {self.tolerance!r}")
        if self.discrepancy is not None and not (math.isfinite(self.discrepancy) and self.discrepancy >= 0):
            raise ValueError(f"target {self.outcome!r}: discrepancy must be finite and >= 0, got {self.discrepancy!r}")


@dataclass(frozen=True)
class FreeParameter:
    """A parameter to fit within [low, high]; integer ones are rounded before evaluation.

    `log=True` searches it on a logarithmic scale (for positive quantities spanning orders of
    magnitude: hours, multiples, rates): the design is then log-uniform, search steps and the
    finite-difference step are multiplicative, and its 95% interval is exp(log θ ± 1.96 SE_log)."""

    name: str
    low: float
    high: float
    integer: bool = False
    log: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or not self.low < self.high:
            raise ValueError(f"parameter {self.name!r}: need finite low < high, got [{self.low}, {self.high}]")
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"parameter {self.name!r}: no integer in [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ValueError(f"parameter {self.name!r}: a log scale needs low > 0, got {self.low}")

    @property
    def span(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class Evaluation:
    """One evaluated point: its index, stage, the evaluate call it came in, values and loss."""

    index: int
    stage: str
    call: int
    point: np.ndarray      # (k,) parameter units
    means: np.ndarray      # (m,)
    ses: np.ndarray        # (m,)
    loss: float            # Σ ((mean − target) / tolerance)²
    chi2: float            # Σ (mean − target)² / (tolerance² + se²): the plausibility statistic


@dataclass
class CalibrationResult:
    params: tuple[FreeParameter, ...]
    targets: tuple[Target, ...]
    seed: int
    best: dict[str, float]                     # fitted values
    best_index: int                            # its row in `history`
    means: dict[str, float]                    # outcome means at the fit
    ses: dict[str, float]                      # their standard errors (over replications)
    residuals: dict[str, float]                # mean − target
    residuals_tol: dict[str, float]            # (mean − target) / tolerance
    loss: float
    jacobian: np.ndarray                       # (m, k): d outcome / d parameter, parameter units
    covariance: np.ndarray                     # (k, k): (Jᵀ W J)⁻¹, parameter units (inf on unidentified rows)
    param_se: dict[str, float]
    param_interval: dict[str, tuple[float, float]]   # 95%, clipped to the bounds
    identified: dict[str, bool]
    accept_level: float
    plausible_threshold: float                 # chi-square quantile, m degrees of freedom
    plausible_size: int
    plausible_range: dict[str, tuple[float, float]]  # min–max over the plausible set (NaN if empty)
    n_evaluations: int
    n_calls: int
    evaluations_by_stage: dict[str, int]
    converged: bool                            # the local search stopped by min_step or loss_goal, not budget
    stop_reason: str                           # "loss_goal", "min_step" or "budget"
    final_step: float                          # its last step, in units of the ranges
    history: list[Evaluation] = field(repr=False)
    warnings: list[str] = field(default_factory=list)

    # ------------------------------------------------------------- tables
    def plausible(self) -> np.ndarray:
        """Indices (into `history`) of the plausible points."""
        return np.array([e.index for e in self.history if e.chi2 <= self.plausible_threshold], dtype=int)

    def rows(self) -> list[dict[str, Any]]:
        """The evaluation history as CSV rows: one per evaluated point, in evaluation order."""
        out = []
        for e in self.history:
            row: dict[str, Any] = {"eval": e.index, "stage": e.stage, "call": e.call}
            for p, v in zip(self.params, e.point):
                row[p.name] = float(v)
            for t, mu, se in zip(self.targets, e.means, e.ses):
                row[t.outcome] = float(mu)
                row[f"{t.outcome}.se"] = float(se)
            row["loss"] = float(e.loss)
            row["chi2"] = float(e.chi2)
            row["plausible"] = int(e.chi2 <= self.plausible_threshold)
            row["best"] = int(e.index == self.best_index)
            out.append(row)
        return out

    def parameter_rows(self) -> list[dict[str, Any]]:
        """One row per free parameter: bounds, fit, SE, interval, plausible range, identification."""
        return [{"parameter": p.name, "low": p.low, "high": p.high, "integer": int(p.integer), "log": int(p.log),
                 "fitted": self.best[p.name], "se": self.param_se[p.name],
                 "ci_low": self.param_interval[p.name][0], "ci_high": self.param_interval[p.name][1],
                 "plausible_min": self.plausible_range[p.name][0],
                 "plausible_max": self.plausible_range[p.name][1],
                 "identified": int(self.identified[p.name])} for p in self.params]

    def target_rows(self) -> list[dict[str, Any]]:
        """One row per target: figure, tolerance, simulated mean and SE at the fit, residuals."""
        return [{"outcome": t.outcome, "target": t.value, "tolerance": t.tolerance,
                 "mean": self.means[t.outcome], "se": self.ses[t.outcome],
                 "residual": self.residuals[t.outcome], "residual_tol": self.residuals_tol[t.outcome]}
                for t in self.targets]

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-safe data (NaN and infinities become None)."""
        return _json_safe({
            "seed": self.seed,
            "params": [{"name": p.name, "low": p.low, "high": p.high, "integer": p.integer, "log": p.log}
                       for p in self.params],
            "targets": [{"outcome": t.outcome, "value": t.value, "tolerance": t.tolerance} for t in self.targets],
            "best": self.best, "best_index": self.best_index,
            "means": self.means, "ses": self.ses, "residuals": self.residuals, "residuals_tol": self.residuals_tol,
            "loss": self.loss,
            "jacobian": self.jacobian.tolist(), "covariance": self.covariance.tolist(),
            "param_se": self.param_se, "param_interval": {k: list(v) for k, v in self.param_interval.items()},
            "identified": self.identified,
            "accept_level": self.accept_level, "plausible_threshold": self.plausible_threshold,
            "plausible_size": self.plausible_size,
            "plausible_range": {k: list(v) for k, v in self.plausible_range.items()},
            "n_evaluations": self.n_evaluations, "n_calls": self.n_calls,
            "evaluations_by_stage": self.evaluations_by_stage,
            "converged": self.converged, "stop_reason": self.stop_reason, "final_step": self.final_step,
            "warnings": self.warnings,
            "parameters_table": self.parameter_rows(), "targets_table": self.target_rows(),
            "history": self.rows(),
        })


def _json_safe(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


# ------------------------------------------------------------------ the evaluator with memory
class _Ledger:
    """Wraps `evaluate`: rounds integer parameters, never evaluates a point twice, checks shapes,
    computes losses, and keeps the history in evaluation order."""

    def __init__(self, evaluate: Evaluate, params: Sequence[FreeParameter], targets: Sequence[Target]):
        self.evaluate = evaluate
        self.params = tuple(params)
        self.low = np.array([p.low for p in params], float)
        self.high = np.array([p.high for p in params], float)
        self.span = self.high - self.low
        self.is_int = np.array([p.integer for p in params], bool)
        self.is_log = np.array([p.log for p in params], bool)
        self.log_low = np.log(np.where(self.is_log, self.low, 1.0))
        self.log_span = np.log(np.where(self.is_log, self.high, np.e)) - self.log_low
        self.targets = tuple(targets)
        self.target = np.array([t.value for t in targets], float)
        self.tol = np.array([t.tolerance for t in targets], float)
        self.m = len(targets)
        self.history: list[Evaluation] = []
        self.cache: dict[tuple[float, ...], int] = {}
        self.calls = 0
        self.nonfinite = 0

    # unit cube <-> parameter units
    def to_point(self, u: np.ndarray) -> np.ndarray:
        u = np.clip(u, 0.0, 1.0)
        x = np.where(self.is_log, np.exp(self.log_low + u * self.log_span), self.low + u * self.span)
        x = np.clip(x, self.low, self.high)
        x = np.where(self.is_int, np.round(x), x)
        # Rounding may leave an integer parameter outside non-integer bounds.
        x = np.where(self.is_int & (x < self.low), np.ceil(self.low), x)
        x = np.where(self.is_int & (x > self.high), np.floor(self.high), x)
        return x

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = (np.log(np.where(self.is_log, x, 1.0)) - self.log_low) / self.log_span
        return np.where(self.is_log, logs, (x - self.low) / self.span)

    def dx_du(self, x: np.ndarray) -> np.ndarray:
        """Local derivative of parameter units with respect to unit-cube coordinates."""
        return np.where(self.is_log, np.asarray(x, float) * self.log_span, self.span)

    @staticmethod
    def key(x: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in x)

    def loss(self, means: np.ndarray) -> float:
        z = (means - self.target) / self.tol
        return float(np.sum(z * z)) if np.all(np.isfinite(z)) else math.inf

    def chi2(self, means: np.ndarray, ses: np.ndarray) -> float:
        se = np.where(np.isfinite(ses), ses, 0.0)
        d = means - self.target
        return float(np.sum(d * d / (self.tol ** 2 + se ** 2))) if np.all(np.isfinite(d)) else math.inf

    def run(self, points: Sequence[np.ndarray], stage: str, budget: int | None = None) -> list[int]:
        """Evaluate the points not seen before (at most `budget` new ones, in order) in one call;
        return the history index of each point that has a value (new or cached), in order."""
        keys, new, new_keys = [], [], set()
        for x in points:
            k = self.key(x)
            keys.append(k)
            if k not in self.cache and k not in new_keys and (budget is None or len(new) < budget):
                new.append(np.array(k, float))
                new_keys.add(k)
        if new:
            batch = np.vstack(new)
            means, ses = self.evaluate(batch)
            means = np.asarray(means, float)
            ses = np.asarray(ses, float)
            if means.shape != (len(new), self.m) or ses.shape != (len(new), self.m):
                raise ValueError(f"evaluate returned means {means.shape} and ses {ses.shape} "
                                 f"for {len(new)} points and {self.m} targets; expected ({len(new)}, {self.m})")
            for x, mu, se in zip(batch, means, ses):
                i = len(self.history)
                loss = self.loss(mu)
                self.nonfinite += not math.isfinite(loss)
                self.history.append(Evaluation(i, stage, self.calls, x.copy(), mu.copy(), se.copy(), loss,
                                               self.chi2(mu, se)))
                self.cache[self.key(x)] = i
            self.calls += 1
        return [self.cache[k] for k in keys if k in self.cache]

    def count(self, stage: str) -> int:
        return sum(e.stage == stage for e in self.history)


# ------------------------------------------------------------------ the algorithm
def fit(evaluate: Evaluate, params: Sequence[FreeParameter], targets: Sequence[Target], *, seed: int,
        n_initial: int = 64, max_refine_evals: int = 60, accept_level: float = 0.95,
        initial_step: float | None = None, min_step: float = 0.005, fd_step: float = 0.05,
        loss_goal: float | None = None, extra_points: Sequence[Mapping[str, float]] = ()) -> CalibrationResult:
    """Fit `params` so that the outcomes `evaluate` returns match `targets`; see the module docstring.

    `n_initial` Sobol design points (a power of two keeps the design balanced); `max_refine_evals`
    new points at most in the local stage; `accept_level` the chi-square quantile that bounds the
    plausible set; `initial_step` the first pattern-search step as a share of each range (default:
    half the design's typical spacing, n_initial^(-1/k) / 2); `min_step` the step at which the search
    stops; `loss_goal` the loss at which it stops early (default 0.01·m: every target within about
    0.1 tolerance; polishing further only chases simulation noise); `fd_step` the finite-difference
    step of the Jacobian, as a share of each range (a few per cent: large enough that simulation
    noise does not swamp the difference); `extra_points` optional further starting points (e.g. the
    scenario's defaults), evaluated with the design.
    """
    params, targets = tuple(params), tuple(targets)
    _check_fit_arguments(params, targets, n_initial, max_refine_evals, accept_level, fd_step, min_step)
    led = _Ledger(evaluate, params, targets)
    best = _design_stage(led, n_initial, seed, extra_points)
    h = initial_step if initial_step is not None else 0.5 * n_initial ** (-1.0 / len(params))
    goal = 0.01 * len(targets) if loss_goal is None else float(loss_goal)
    best, h, stop_reason = _local_search(led, best, float(min(max(h, min_step), 0.5)), min_step, max_refine_evals,
                                         goal)
    spread = _spread_at(led, best, _fit_jacobian(led, best.point, fd_step))
    plausible = _Plausible.of(led, accept_level)
    notes = [] if stop_reason != "budget" else [
        f"local search stopped by its budget of {max_refine_evals} evaluations "
        f"with step {_n(h)} of the range (not yet below min_step {_n(min_step)})"]
    names, outs = [p.name for p in params], [t.outcome for t in targets]
    resid = best.means - led.target
    z = resid / led.tol
    return CalibrationResult(
        params=params, targets=targets, seed=seed,
        best={n: (float(int(v)) if p.integer else float(v)) for n, v, p in zip(names, best.point, params)},
        best_index=best.index,
        means=dict(zip(outs, map(float, best.means))), ses=dict(zip(outs, map(float, best.ses))),
        residuals=dict(zip(outs, map(float, resid))), residuals_tol=dict(zip(outs, map(float, z))),
        loss=float(best.loss), jacobian=spread.jac, covariance=spread.cov,
        param_se=dict(zip(names, map(float, spread.param_se))), param_interval=_intervals(led, best.point, spread),
        identified=dict(zip(names, map(bool, spread.identified))),
        accept_level=accept_level, plausible_threshold=plausible.threshold, plausible_size=plausible.size,
        plausible_range=plausible.ranges,
        n_evaluations=len(led.history), n_calls=led.calls,
        evaluations_by_stage={s: led.count(s) for s in STAGES},
        converged=stop_reason != "budget", stop_reason=stop_reason, final_step=float(h), history=list(led.history),
        warnings=_fit_warnings(led, best, spread, plausible) + notes)


def _check_fit_arguments(params: tuple[FreeParameter, ...], targets: tuple[Target, ...], n_initial: int,
                         max_refine_evals: int, accept_level: float, fd_step: float, min_step: float) -> None:
    if not params or not targets:
        raise ValueError("need at least one free parameter and one target")
    if len({p.name for p in params}) != len(params) or len({t.outcome for t in targets}) != len(targets):
        raise ValueError("parameter names and target outcomes must be unique")
    if n_initial < 1 or max_refine_evals < 0:
        raise ValueError("n_initial must be >= 1 and max_refine_evals >= 0")
    if not 0.0 < accept_level < 1.0 or not 0.0 < fd_step <= 0.5 or min_step <= 0.0:
        raise ValueError("need 0 < accept_level < 1, 0 < fd_step <= 0.5 and min_step > 0")


def _design_stage(led: _Ledger, n_initial: int, seed: int, extra_points: Sequence[Mapping[str, float]]) -> Evaluation:
    """1. Global stage: a scrambled Sobol design (+ any extra points), in one call; the best point."""
    sampler = qmc.Sobol(d=len(led.params), scramble=True, seed=np.random.default_rng(seed))
    with _warnings.catch_warnings():  # a non-power-of-two n only loses some balance
        _warnings.simplefilter("ignore", UserWarning)
        design = sampler.random(n_initial)
    points = [led.to_point(u) for u in design] + [_extra_point(led, extra) for extra in extra_points]
    led.run(points, "design")
    return min(led.history, key=lambda e: (e.loss, e.index))


def _extra_point(led: _Ledger, extra: Mapping[str, float]) -> np.ndarray:
    params = led.params
    unknown = set(extra) - {p.name for p in params}
    if unknown or len(extra) != len(params):
        raise ValueError(f"extra point {dict(extra)!r}: give a value for each of {[p.name for p in params]}")
    x = np.array([float(extra[p.name]) for p in params])
    if np.any(x < led.low) or np.any(x > led.high):
        raise ValueError(f"extra point {dict(extra)!r} lies outside the bounds")
    return np.where(led.is_int, np.round(x), x)


def _local_search(led: _Ledger, best: Evaluation, h: float, min_step: float, max_refine_evals: int,
                  goal: float) -> tuple[Evaluation, float, str]:
    """2. Local stage: pattern search with a Gauss–Newton search point, one call per iteration.
    Returns the best point, the final step and why the search stopped."""
    jac_u: np.ndarray | None = None                       # d z / d u from the last poll, (m, k)
    spent = 0
    while True:
        if best.loss <= goal:
            return best, h, "loss_goal"
        if h < min_step:
            return best, h, "min_step"
        if spent >= max_refine_evals:
            return best, h, "budget"
        batch, poll_plus, poll_minus = _search_batch(led, best, h, jac_u)
        before = len(led.history)
        led.run(batch, "refine", budget=max_refine_evals - spent)
        spent += len(led.history) - before
        jac_u = _poll_jacobian(led, best, poll_plus, poll_minus)
        done = [led.history[led.cache[led.key(x)]] for x in batch if led.key(x) in led.cache]
        winner = min(done, key=lambda e: (e.loss, e.index), default=best)
        if winner.loss < best.loss:
            best = winner       # success: keep the step
        else:
            h *= 0.5            # failure: refine the mesh


def _search_batch(led: _Ledger, best: Evaluation, h: float,
                  jac_u: np.ndarray | None) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """One iteration's points: the Gauss–Newton point (once a Jacobian is known), then the poll
    ± a step along each axis. Returns (all points, poll plus, poll minus)."""
    k = len(led.params)
    centre = led.to_unit(best.point)
    # Integer steps of at least one unit (on a log scale: one unit from the centre).
    steps = np.where(led.is_int, np.maximum(h, 1.0 / np.maximum(led.dx_du(best.point), 1e-300)), h)
    batch: list[np.ndarray] = []
    if jac_u is not None and math.isfinite(best.loss):
        gn = _gauss_newton(centre, (best.means - led.target) / led.tol, jac_u, radius=min(4.0 * h, 0.5))
        if gn is not None:
            batch.append(led.to_point(gn))
    poll_plus, poll_minus = [], []
    for i in range(k):
        e = np.zeros(k)
        e[i] = steps[i]
        poll_plus.append(led.to_point(centre + e))
        poll_minus.append(led.to_point(centre - e))
        batch += [poll_plus[i], poll_minus[i]]
    return batch, poll_plus, poll_minus


def _fit_jacobian(led: _Ledger, x0: np.ndarray, fd_step: float) -> np.ndarray:
    """3a. The Jacobian at the fit by central differences (one call), per unit-cube coordinate
    (per log-range unit for log parameters), (m, k)."""
    k = len(led.params)
    u0 = led.to_unit(x0)
    plus, minus = [], []
    for i, p in enumerate(led.params):
        xp, xm = x0.copy(), x0.copy()
        xp[i] = led.to_point(np.where(np.arange(k) == i, u0 + fd_step, u0))[i]
        xm[i] = led.to_point(np.where(np.arange(k) == i, u0 - fd_step, u0))[i]
        if p.integer:  # at least one unit either side, within the bounds
            xp[i] = max(xp[i], min(x0[i] + 1, math.floor(p.high)))
            xm[i] = min(xm[i], max(x0[i] - 1, math.ceil(p.low)))
        plus.append(xp)
        minus.append(xm)
    led.run(plus + minus, "jacobian")
    jac_u = np.zeros((led.m, k))
    for i in range(k):
        ep, em = led.history[led.cache[led.key(plus[i])]], led.history[led.cache[led.key(minus[i])]]
        du = led.to_unit(plus[i])[i] - led.to_unit(minus[i])[i]
        if du > 0:
            jac_u[:, i] = (ep.means - em.means) / du
    return jac_u


@dataclass(frozen=True)
class _Spread:
    """The fit's uncertainty by the delta method."""

    jac: np.ndarray         # Jacobian in parameter units (for a log parameter: slope in log θ, over θ)
    cov: np.ndarray         # parameter covariance, parameter units
    se_u: np.ndarray        # standard errors per unit-cube coordinate
    param_se: np.ndarray    # standard errors, parameter units
    identified: np.ndarray  # the 95% interval is narrower than half the range


def _spread_at(led: _Ledger, best: Evaluation, jac_u: np.ndarray) -> _Spread:
    d = led.dx_du(best.point)
    se_best = np.where(np.isfinite(best.ses), best.ses, 0.0)
    w = 1.0 / (led.tol ** 2 + se_best ** 2)
    cov_u, identified = _delta_covariance(jac_u, w)
    var_u = np.diag(cov_u)
    se_u = np.where(np.isfinite(var_u), np.sqrt(np.clip(var_u, 0.0, None)), math.inf)
    identified &= Z95 * se_u <= 0.5       # the 95% interval is narrower than the whole range
    cov = cov_u * np.outer(d, d)
    cov[~np.isfinite(cov_u)] = math.inf
    return _Spread(jac_u / d, cov, se_u, se_u * d, identified)


@dataclass(frozen=True)
class _Plausible:
    """3b. The plausible set: every evaluated point with chi-square within the accept level."""

    accept_level: float
    threshold: float
    size: int
    ranges: dict[str, tuple[float, float]]   # min–max per parameter (NaN if the set is empty)

    @classmethod
    def of(cls, led: _Ledger, accept_level: float) -> "_Plausible":
        threshold = float(stats.chi2.ppf(accept_level, led.m))
        ok = [e for e in led.history if e.chi2 <= threshold]
        if ok:
            pts = np.vstack([e.point for e in ok])
            ranges = {p.name: (float(pts[:, i].min()), float(pts[:, i].max())) for i, p in enumerate(led.params)}
        else:
            ranges = {p.name: (math.nan, math.nan) for p in led.params}
        return cls(accept_level, threshold, len(ok), ranges)


def _intervals(led: _Ledger, x0: np.ndarray, spread: _Spread) -> dict[str, tuple[float, float]]:
    """95% intervals, within the bounds (the whole range where the standard error is unknown)."""
    ci = {}
    for i, p in enumerate(led.params):
        if not math.isfinite(spread.se_u[i]):
            ci[p.name] = (p.low, p.high)
            continue
        if p.log:
            half = Z95 * spread.se_u[i] * float(led.log_span[i])
            lo, hi = x0[i] * math.exp(-half), x0[i] * math.exp(half)
        else:
            lo, hi = x0[i] - Z95 * spread.param_se[i], x0[i] + Z95 * spread.param_se[i]
        ci[p.name] = (float(max(p.low, lo)), float(min(p.high, hi)))
    return ci


def _fit_warnings(led: _Ledger, best: Evaluation, spread: _Spread, plausible: _Plausible) -> list[str]:
    """4. What a reader of the fit must know: bounds reached, targets missed, parameters not
    identified, an empty plausible set, non-finite outcomes, a fit that is not a local minimum."""
    params, k, m = led.params, len(led.params), led.m
    warns = _bound_warnings(params, best.point) + _target_warnings(led, best)
    for i, p in enumerate(params):
        if not spread.identified[i]:
            lo, hi = plausible.ranges[p.name]
            span = f"; plausible range {_v(lo)}–{_v(hi)} of [{_v(p.low)}, {_v(p.high)}]" if plausible.size else ""
            warns.append(f"{p.name} is not identified by these targets (SE {_n(spread.param_se[i])} against a range "
                         f"of {_v(p.span)}){span}")
    if m < k:
        warns.append(f"{k} free parameters but only {m} target(s): at least {k - m} direction(s) of the parameters "
                     "cannot be identified")
    if not plausible.size:
        warns.append(f"no evaluated point has chi-square <= {_n(plausible.threshold)} "
                     f"({_v(plausible.accept_level)} quantile, {m} df): the plausible set is empty")
    if led.nonfinite:
        warns.append(f"{led.nonfinite} evaluated point(s) gave non-finite outcomes (loss set to infinity)")
    jbest = min((e for e in led.history if e.stage == "jacobian"), key=lambda e: e.loss, default=None)
    if jbest is not None and jbest.loss < best.loss - 1.0:
        warns.append(f"a Jacobian point has a lower loss ({_n(jbest.loss)} < {_n(best.loss)}): the fit is not a "
                     "local minimum at the finite-difference step (noise, or a search stopped early)")
    return warns


def _bound_warnings(params: Sequence[FreeParameter], x0: np.ndarray) -> list[str]:
    warns = []
    for i, p in enumerate(params):
        if x0[i] <= p.low + 1e-9 * p.span or (p.integer and x0[i] <= math.ceil(p.low)):
            warns.append(f"{p.name} = {_v(x0[i])} is at its lower bound {_v(p.low)}: the best fit may lie below it")
        elif x0[i] >= p.high - 1e-9 * p.span or (p.integer and x0[i] >= math.floor(p.high)):
            warns.append(f"{p.name} = {_v(x0[i])} is at its upper bound {_v(p.high)}: the best fit may lie above it")
    return warns


def _target_warnings(led: _Ledger, best: Evaluation) -> list[str]:
    warns = []
    resid = best.means - led.target
    for t, r, zz, mu in zip(led.targets, resid, resid / led.tol, best.means):
        if not math.isfinite(zz):
            warns.append(f"target {t.outcome}: the simulated mean at the fit is not finite ({mu})")
        elif abs(zz) > 2.0:
            warns.append(f"target {t.outcome} = {_v(t.value)} not reached: best {_n(mu)} misses by {_n(r, True)} "
                         f"({zz:+.1f} tolerances)")
    return warns


def _gauss_newton(centre: np.ndarray, z: np.ndarray, jac_u: np.ndarray, radius: float) -> np.ndarray | None:
    """A Levenberg–Marquardt step for min ||z + J δ||² in the unit cube, within an ∞-norm radius."""
    if not (np.all(np.isfinite(z)) and np.all(np.isfinite(jac_u))):
        return None
    a = jac_u.T @ jac_u
    scale = float(np.trace(a)) / len(a)
    if scale <= 0.0:
        return None
    delta = np.linalg.solve(a + 1e-3 * scale * np.eye(len(a)), -jac_u.T @ z)
    big = float(np.max(np.abs(delta)))
    if big > radius:
        delta *= radius / big
    return np.clip(centre + delta, 0.0, 1.0)


def _poll_jacobian(led: _Ledger, centre: Evaluation, plus: list[np.ndarray],
                   minus: list[np.ndarray]) -> np.ndarray | None:
    """d z / d u (z = residual in tolerances, u = unit-cube coordinates) from a poll around `centre`:
    central differences where both sides were evaluated, one-sided against the centre otherwise."""
    k = len(plus)
    jac = np.zeros((led.m, k))
    for i in range(k):
        sides = []
        for x in (plus[i], minus[i]):
            j = led.cache.get(led.key(x))
            if j is not None and led.history[j].index != centre.index:
                sides.append(led.history[j])
        if not sides:
            return None
        if len(sides) == 2:
            a, b = sides
        else:
            a, b = sides[0], centre
        du = led.to_unit(a.point)[i] - led.to_unit(b.point)[i]
        if du == 0.0:
            return None
        jac[:, i] = (a.means - b.means) / led.tol / du
    if not np.all(np.isfinite(jac)):
        return None
    return jac


def _delta_covariance(jac_u: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Jᵀ W J)⁻¹ in unit-cube coordinates, and which parameters are identified.

    Unit-cube (range-scaled) coordinates make the rank test independent of units. θ_i is
    identified to first order when e_i is orthogonal to the null space of Jᵀ W J; numerically, when
    the projection of e_i on the null space is shorter than NULL_SHARE (moving one range unit along
    a null direction moves θ_i by less than 5% of its range). The others get an infinite variance;
    the identified ones their variance from the pseudo-inverse."""
    a = jac_u.T @ (w[:, None] * jac_u)
    a = 0.5 * (a + a.T)
    vals, vecs = np.linalg.eigh(a)
    top = float(vals.max()) if len(vals) else 0.0
    null = vals <= max(top, 1e-300) * 1e-10
    if top <= 0.0:
        null[:] = True
    inv_vals = np.where(null, 0.0, 1.0 / np.where(null, 1.0, vals))
    cov = (vecs * inv_vals) @ vecs.T
    in_null = np.sqrt(np.sum(vecs[:, null] ** 2, axis=1))   # |projection of e_i on the null space|
    identified = in_null < NULL_SHARE
    for i in np.flatnonzero(~identified):
        cov[i, :] = cov[:, i] = math.inf
    return cov, identified
