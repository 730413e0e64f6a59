"""History matching of a stochastic simulator to several published patterns at once: which
parameter values the data rule out, which they leave, and what that says about each parameter.

The caller supplies `evaluate(points) -> (means, sds)`: for each row of `points` (one value per
free parameter, in parameter units) the mean over R replications (common random numbers: the same
seeds at every point) of every observation's outcome, and the standard deviation between those
replications. Observations belong to named patterns (a target set; each may run the model in its
own context, which is the caller's business). This module decides which points to run, asks for a
whole wave at once, and is deterministic given `seed` and `evaluate`.

Method (Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015)
------------------------------------------------------------------
Implausibility of point x for observation j with published value z_j:

    I_j(x) = |z_j − m_j(x)| / sqrt(V_obs,j + V_disc,j + V_sim,j(x))

- V_obs = tolerance²: the observation's own uncertainty (rounding, definition, year to year);
- V_disc = discrepancy²: what the model leaves out even at its best input (an assumption, stated
  per target in the experiment file);
- V_sim = s²(x)·(1 + 1/R), s² the variance between the R replications: the model's own stochastic
  variability around its mean (the "ensemble variability" of Andrianakis et al.) plus the error of
  estimating that mean from R runs (the place an emulator's variance takes when the simulator is
  run directly). With R = 1 it is unknown and taken as 0 (a warning says so).

The measure of a point is the largest I_j over the observations in use (or the second largest,
`second_max`, which tolerates one badly matched observation); x is *not ruled out yet* (NROY) when
it is below `cutoff` (3, from Pukelsheim's three-sigma rule: any unimodal distribution has 95% of
its mass within 3 standard deviations).

Waves. Wave 1 is a Latin hypercube of `n_initial` points over the prior box (linear, or in the
logarithm for log parameters). Each later wave puts `wave_size` points inside the current NROY
region: half by resampling NROY points and jittering them (Gaussian, a fifth of the NROY width in
each direction), half by a Latin hypercube of the NROY points' bounding box widened by a tenth on
each side, so the region can still grow where the first wave sampled it thinly. The simulator is
run directly, with no emulator, so the NROY set is the evaluated points whose measure is below the
cutoff; the run budget is n_initial + (waves − 1)·wave_size points. If no point is NROY, later
waves sample around the least implausible tenth instead and the result says the patterns are not
matched: no parameter can then be called identified.

Identifiability. Per parameter, the width of the NROY points (max − min, on the search scale: the
logarithm for log parameters) over the prior width. The rule: identified when it is below
`identified_share` (0.5): the patterns rule out at least half of the prior range. Also: the
correlation of NROY points (pairs that trade off against each other) and the profile, the least
measure among evaluated points in each tenth of a parameter's range.

Leave one pattern out. For each pattern, the same waves with the other patterns only (wave 1 is
shared; later waves are steered by the rest alone), then the left-out pattern's outcomes over the
NROY points of the rest: their range and 2.5–97.5% quantiles, the median, and whether the
published value lies inside the range.
"""

from __future__ import annotations

import math
import warnings as _warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from scipy.stats import qmc

from .calibration import FreeParameter

Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
PROFILE_BINS = 10
JITTER = 0.2      # jitter sd as a share of the NROY width in each direction
WIDEN = 0.1       # the bounding box of later waves' hypercube, widened by this share each side
FALLBACK = 0.1    # with an empty NROY set, later waves sample around this least implausible share


@dataclass(frozen=True)
class Observation:
    """A published figure in a pattern: its outcome key, value, and the two error scales."""

    pattern: str
    outcome: str
    value: float
    tolerance: float      # sd of the observation error
    discrepancy: float    # sd of the model discrepancy (an assumption)

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.value, self.tolerance, self.discrepancy)) \
                or self.tolerance <= 0 or self.discrepancy < 0:
            raise ValueError(f"observation {self.pattern}.{self.outcome}: need a finite value, tolerance > 0 and "
                             f"discrepancy >= 0, got {self.value!r}, {self.tolerance!r}, {self.discrepancy!r}")


@dataclass(frozen=True)
class Settings:
    seed: int = 0
    reps: int = 1
    n_initial: int = 40
    wave_size: int = 20
    waves: int = 3
    cutoff: float = 3.0
    second_max: bool = False
    identified_share: float = 0.5
    loo: bool = True
    loo_waves: int = 2          # waves of each leave-one-out fit, wave 1 included

    def __post_init__(self) -> None:
        if self.n_initial < 2 or self.wave_size < 2 or self.waves < 1 or self.loo_waves < 1 or self.reps < 1:
            raise ValueError("need n_initial >= 2, wave_size >= 2, waves >= 1, loo_waves >= 1 and reps >= 1")
        if not (self.cutoff > 0 and 0 < self.identified_share < 1):
            raise ValueError("need cutoff > 0 and 0 < identified_share < 1")


@dataclass(frozen=True)
class Point:
    """One evaluated point: its index, the fit and wave that asked for it first, values."""

    index: int
    fit: str
    wave: int
    point: np.ndarray     # (k,) parameter units
    unit: np.ndarray      # (k,) search scale in [0, 1]
    means: np.ndarray     # (M,)
    sds: np.ndarray       # (M,)
    impl: np.ndarray      # (M,) implausibility per observation


@dataclass
class Fit:
    """The waves of one history match (all patterns, or all but one)."""

    name: str                 # "all" or the left-out pattern
    columns: np.ndarray       # observations in use
    indices: list[int]        # its points, in evaluation order
    waves: list[dict[str, Any]]
    nroy: list[int]           # indices of NROY points
    empty: bool


@dataclass
class Result:
    params: tuple[FreeParameter, ...]
    observations: tuple[Observation, ...]
    settings: Settings
    points: list[Point]
    main: Fit
    loo: list[Fit]
    warnings: list[str] = field(default_factory=list)

    def measure(self, index: int, columns: np.ndarray | None = None) -> float:
        cols = self.main.columns if columns is None else columns
        return _measure(self.points[index].impl[cols], self.settings.second_max)

    def patterns(self) -> list[str]:
        return list(dict.fromkeys(o.pattern for o in self.observations))


class _Box:
    """Parameter units <-> the unit cube of the search scale (log for log parameters); integers rounded."""

    def __init__(self, params: Sequence[FreeParameter]):
        self.params = tuple(params)
        self.log = np.array([p.log for p in params])
        self.is_int = np.array([p.integer for p in params])
        lo = np.array([p.low for p in params], float)
        hi = np.array([p.high for p in params], float)
        self.lo = np.where(self.log, np.log(np.where(self.log, lo, 1.0)), lo)
        self.hi = np.where(self.log, np.log(np.where(self.log, hi, 1.0)), hi)
        self.bounds = (lo, hi)

    def to_point(self, u: np.ndarray) -> np.ndarray:
        s = self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo)
        x = np.where(self.log, np.exp(s), s)
        x = np.clip(x, *self.bounds)
        return np.where(self.is_int, np.clip(np.round(x), np.ceil(self.bounds[0]), np.floor(self.bounds[1])), x)

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        s = np.where(self.log, np.log(np.where(self.log, x, 1.0)), x)
        return (s - self.lo) / (self.hi - self.lo)


class _Runs:
    """Wraps `evaluate`: each distinct point is evaluated once; implausibilities computed here."""

    def __init__(self, evaluate: Evaluate, box: _Box, obs: Sequence[Observation], reps: int):
        self.evaluate, self.box, self.obs, self.reps = evaluate, box, tuple(obs), reps
        self.z = np.array([o.value for o in obs])
        self.fixed_var = np.array([o.tolerance ** 2 + o.discrepancy ** 2 for o in obs])
        self.points: list[Point] = []
        self.cache: dict[tuple, int] = {}

    def run(self, units: np.ndarray, fit: str, wave: int) -> list[int]:
        """Evaluate the new ones among these points (one call); their indices, old and new, in order."""
        xs = [self.box.to_point(u) for u in units]
        keys = [tuple(np.round(x, 12)) for x in xs]
        fresh, seen = [], set()
        for x, key in zip(xs, keys):
            if key not in self.cache and key not in seen:
                fresh.append(x)
                seen.add(key)
        if fresh:
            means, sds = self.evaluate(np.vstack(fresh))
            means, sds = np.asarray(means, float), np.asarray(sds, float)
            if means.shape != (len(fresh), len(self.obs)) or sds.shape != means.shape:
                raise ValueError(f"evaluate returned shapes {means.shape} and {sds.shape}; expected "
                                 f"{(len(fresh), len(self.obs))} for both")
            for x, mu, sd in zip(fresh, means, sds):
                self._add(x, mu, sd, fit, wave)
        return list(dict.fromkeys(self.cache[k] for k in keys))

    def _add(self, x: np.ndarray, mu: np.ndarray, sd: np.ndarray, fit: str, wave: int) -> None:
        sd = np.where(np.isfinite(sd), sd, 0.0) if self.reps > 1 else np.zeros_like(sd)
        var = self.fixed_var + sd ** 2 * (1.0 + 1.0 / self.reps)
        impl = np.where(np.isfinite(mu), np.abs(self.z - mu) / np.sqrt(var), math.inf)
        index = len(self.points)
        self.points.append(Point(index, fit, wave, x, self.box.to_unit(x), mu, sd, impl))
        self.cache[tuple(np.round(x, 12))] = index


def _measure(impl: np.ndarray, second_max: bool) -> float:
    """The largest implausibility, or the second largest (with at least two observations)."""
    if len(impl) == 0:
        return 0.0
    ordered = np.sort(impl)[::-1]
    return float(ordered[1] if second_max and len(ordered) > 1 else ordered[0])


def history_match(evaluate: Evaluate, params: Sequence[FreeParameter], observations: Sequence[Observation],
                  settings: Settings) -> Result:
    """Waves over all patterns, then (if `settings.loo`) one fit per left-out pattern."""
    params, observations = tuple(params), tuple(observations)
    _check(params, observations)
    box = _Box(params)
    runs = _Runs(evaluate, box, observations, settings.reps)
    sampler = qmc.LatinHypercube(d=len(params), seed=_rng(settings.seed, "wave 1"))
    first = runs.run(sampler.random(settings.n_initial), "all", 1)
    everything = np.arange(len(observations))
    main = _waves(runs, "all", everything, first, settings.waves, settings)
    patterns = list(dict.fromkeys(o.pattern for o in observations))
    loo = []
    if settings.loo and len(patterns) > 1:
        for name in patterns:
            cols = np.array([j for j, o in enumerate(observations) if o.pattern != name])
            loo.append(_waves(runs, name, cols, first, settings.loo_waves, settings))
    result = Result(params, observations, settings, runs.points, main, loo)
    result.warnings = _warnings_of(result)
    return result


def _check(params: tuple[FreeParameter, ...], observations: tuple[Observation, ...]) -> None:
    if not params or not observations:
        raise ValueError("need at least one free parameter and one observation")
    if len({p.name for p in params}) != len(params):
        raise ValueError("parameter names must be unique")
    if len({(o.pattern, o.outcome) for o in observations}) != len(observations):
        raise ValueError("an outcome appears twice in one pattern")


def _rng(seed: int, stream: str) -> np.random.Generator:
    """A named stream: the same seed and name give the same numbers, whatever ran before."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def _waves(runs: _Runs, name: str, cols: np.ndarray, first: list[int], waves: int, s: Settings) -> Fit:
    fit = Fit(name, cols, list(first), [], [], True)
    _record_wave(runs, fit, 1, first, s)
    for wave in range(2, waves + 1):
        basis = fit.nroy or _least_implausible(runs, fit, s)
        units = _sample_inside(np.vstack([runs.points[i].unit for i in basis]), s.wave_size,
                               _rng(s.seed, f"{name} wave {wave}"), s.n_initial ** (-1.0 / len(runs.box.params)))
        new = runs.run(units, name, wave)
        fit.indices += [i for i in new if i not in set(fit.indices)]
        _record_wave(runs, fit, wave, new, s)
    return fit


def _least_implausible(runs: _Runs, fit: Fit, s: Settings) -> list[int]:
    ranked = sorted(fit.indices, key=lambda i: (_measure(runs.points[i].impl[fit.columns], s.second_max), i))
    return ranked[:max(2, math.ceil(FALLBACK * len(ranked)))]


def _record_wave(runs: _Runs, fit: Fit, wave: int, new: list[int], s: Settings) -> None:
    def ok(i: int) -> bool:
        return _measure(runs.points[i].impl[fit.columns], s.second_max) < s.cutoff
    fit.nroy = [i for i in fit.indices if ok(i)]
    fit.empty = not fit.nroy
    widths = _widths(np.vstack([runs.points[i].unit for i in fit.nroy])) if fit.nroy else \
        np.full(len(runs.box.params), math.nan)
    row: dict[str, Any] = {"fit": fit.name, "wave": wave, "points": len(new), "nroy_in_wave": sum(map(ok, new)),
                           "share_in_wave": sum(map(ok, new)) / len(new) if new else math.nan,
                           "points_total": len(fit.indices), "nroy_total": len(fit.nroy),
                           "min_measure": min(_measure(runs.points[i].impl[fit.columns], s.second_max)
                                              for i in fit.indices)}
    for p, w in zip(runs.box.params, widths):
        row[f"width.{p.name}"] = float(w)
    fit.waves.append(row)


def _widths(units: np.ndarray) -> np.ndarray:
    return units.max(axis=0) - units.min(axis=0)


def _sample_inside(units: np.ndarray, size: int, rng: np.random.Generator, spacing: float) -> np.ndarray:
    """Half jittered resamples of the given points, half a Latin hypercube of their widened box.
    `spacing` (n_initial^(-1/k), the first wave's typical distance between points) is how far the
    NROY region may reach beyond the points that found it: a few NROY points must not shrink the
    search to their own hull."""
    k = units.shape[1]
    lo, hi = units.min(axis=0), units.max(axis=0)
    width = hi - lo
    n_jitter = size // 2
    picks = units[rng.integers(0, len(units), n_jitter)]
    sd = np.maximum(JITTER * width, spacing / 4)
    jittered = np.clip(picks + rng.normal(0.0, 1.0, (n_jitter, k)) * sd, 0.0, 1.0)
    margin = np.maximum(WIDEN * width, spacing / 2)
    box_lo, box_hi = np.clip(lo - margin, 0.0, 1.0), np.clip(hi + margin, 0.0, 1.0)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", UserWarning)
        lhs = qmc.LatinHypercube(d=k, seed=rng).random(size - n_jitter)
    return np.vstack([jittered, box_lo + lhs * (box_hi - box_lo)])


# ------------------------------------------------------------------ diagnostics
def identifiability(result: Result) -> list[dict[str, Any]]:
    """Per parameter: the NROY range against the prior, on the search scale, and the verdict."""
    fit, s = result.main, result.settings
    units = np.vstack([result.points[i].unit for i in fit.nroy]) if fit.nroy else None
    xs = np.vstack([result.points[i].point for i in fit.nroy]) if fit.nroy else None
    rows = []
    for j, p in enumerate(result.params):
        share = float(units[:, j].max() - units[:, j].min()) if units is not None else math.nan
        rows.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high, "log": int(p.log),
                     "nroy_min": float(xs[:, j].min()) if xs is not None else math.nan,
                     "nroy_max": float(xs[:, j].max()) if xs is not None else math.nan,
                     "width_share": share, "nroy_points": len(fit.nroy),
                     "identified": int(units is not None and share < s.identified_share)})
    return rows


def correlation(result: Result) -> np.ndarray:
    """Pearson correlation of the NROY points on the search scale, (k, k); NaN with fewer than 3."""
    k = len(result.params)
    if len(result.main.nroy) < 3:
        return np.full((k, k), math.nan)
    units = np.vstack([result.points[i].unit for i in result.main.nroy])
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.corrcoef(units, rowvar=False)
    return np.atleast_2d(c)


def profiles(result: Result) -> list[dict[str, Any]]:
    """Per parameter and tenth of its range: the least measure among the main fit's points there."""
    rows = []
    for j, p in enumerate(result.params):
        for b in range(PROFILE_BINS):
            lo, hi = b / PROFILE_BINS, (b + 1) / PROFILE_BINS
            inside = [i for i in result.main.indices
                      if lo <= result.points[i].unit[j] < hi or (b == PROFILE_BINS - 1 and result.points[i].unit[j] == 1)]
            box = _Box([p])
            rows.append({"parameter": p.name, "bin": b, "from": float(box.to_point(np.array([lo]))[0]),
                         "to": float(box.to_point(np.array([hi]))[0]), "points": len(inside),
                         "min_measure": min((result.measure(i) for i in inside), default=math.nan)})
    return rows


def leave_one_out(result: Result) -> list[dict[str, Any]]:
    """Per left-out pattern and observation: the model's outcome over the other patterns' NROY points."""
    rows = []
    for fit in result.loo:
        for j, o in enumerate(result.observations):
            if o.pattern != fit.name:
                continue
            y = np.array([result.points[i].means[j] for i in fit.nroy], float)
            y = y[np.isfinite(y)]
            row = {"left_out": fit.name, "outcome": o.outcome, "value": o.value, "tolerance": o.tolerance,
                   "nroy_points": len(fit.nroy), "median": math.nan, "q025": math.nan, "q975": math.nan,
                   "min": math.nan, "max": math.nan, "inside": 0,
                   "min_implausibility": min((float(result.points[i].impl[j]) for i in fit.nroy), default=math.nan)}
            if len(y):
                q = np.quantile(y, [0.5, 0.025, 0.975])
                row.update(median=float(q[0]), q025=float(q[1]), q975=float(q[2]), min=float(y.min()),
                           max=float(y.max()), inside=int(y.min() <= o.value <= y.max()))
            rows.append(row)
    return rows


def compatibility(result: Result) -> list[dict[str, Any]]:
    """Which patterns the model reproduces together: for each pair (and each pattern alone), the
    least measure over every evaluated point using only their observations. Over points the waves
    chose for all patterns, so a value below the cutoff shows the pair can be matched; one above it
    is strong evidence (wave 1 covers the prior box without steering) that it cannot."""
    names = result.patterns()
    rows = []
    for a_i, a in enumerate(names):
        for b in names[a_i:]:
            cols = np.array([j for j, o in enumerate(result.observations) if o.pattern in (a, b)])
            least = min(_measure(pt.impl[cols], result.settings.second_max) for pt in result.points)
            rows.append({"pattern_a": a, "pattern_b": b, "least_measure": least,
                         "compatible": int(least < result.settings.cutoff)})
    return rows


def point_rows(result: Result) -> list[dict[str, Any]]:
    """Every evaluated point: values, outcomes, implausibilities, measure and NROY flag of the main fit."""
    nroy = set(result.main.nroy)
    out = []
    for pt in result.points:
        row: dict[str, Any] = {"point": pt.index, "fit": pt.fit, "wave": pt.wave}
        row.update({p.name: float(v) for p, v in zip(result.params, pt.point)})
        for o, mu, sd, imp in zip(result.observations, pt.means, pt.sds, pt.impl):
            key = f"{o.pattern}:{o.outcome}"
            row.update({key: float(mu), f"{key}.sd": float(sd), f"{key}.I": float(imp)})
        row["measure"] = result.measure(pt.index)
        row["nroy"] = int(pt.index in nroy)
        out.append(row)
    return out


def _warnings_of(result: Result) -> list[str]:
    s, fit = result.settings, result.main
    warns = []
    if s.reps == 1:
        warns.append("one replication per point: the simulator's variability is unknown and left out of the "
                     "implausibility (V_sim = 0)")
    if fit.empty:
        best = min(result.measure(i) for i in fit.indices)
        warns.append(f"no evaluated point is within the cutoff {s.cutoff:g} of every pattern (least measure "
                     f"{best:.2f}): the model does not reproduce these patterns together, and no parameter can "
                     "be called identified")
    elif len(fit.nroy) < 10:
        warns.append(f"only {len(fit.nroy)} NROY point(s): widths and correlations rest on few points")
    for loo in result.loo:
        if loo.empty:
            warns.append(f"leaving out {loo.name}: no point matches the other patterns, so it cannot be predicted")
    return warns
