"""Global sensitivity analysis: Morris screening and Sobol' indices, a thin layer over SALib.

The caller runs the simulations; this module only samples designs, analyses outcomes and plots.

Workflow::

    X = sample("sobol", factors, n=256, seed=1)            # design: one row per run setting
    Y = ...  # shape (len(X), reps): the outcome of each row for each replication (same row order)
    res = analyze("sobol", factors, X, Y, outcome="rates.on_time", seed=1, n=256)
    plot(res, "sobol_on_time.png", lang="zh")

Things the caller must know
---------------------------
* Row order is meaningful. SALib's estimators read the outcome by position (Saltelli blocks for
  Sobol', trajectories for Morris), so Y must be in the design's row order and no row may be
  dropped; a failed run (NaN) raises :class:`IncompleteDesign` naming the rows to rerun.
* Replications are averaged per row before analysis; the share of the averaged output's variance
  that is simulation noise is reported (``result.noise``), because noise inflates ST and sigma.
* Morris ``mu_star`` is in outcome units per unit of the factor's range scaled to [0, 1] (for a
  non-uniform factor: per unit of its quantile), so factors with different units are comparable.
* Designs are made of blocks (Sobol': one per base point, Morris: one per trajectory); a prefix of
  whole blocks is itself a design, which is how convergence is checked without extra runs.
* Groups (SALib ``problem["groups"]``): when every factor names a group, the design moves a
  group's members together and the indices are per group (Sobol': S1/ST of the group's joint
  effect; Morris: mu* of the group, with sigma only for one-member groups, since SALib averages
  members' statistics and moves them in random directions). A design then has one column per
  factor but blocks of (groups + 1) or (groups + 2) rows. Either every factor has a group or none.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from SALib.analyze import morris as morris_analyze

from ..provenance import atomic_write
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

METHODS = ("morris", "sobol")
DISTS = {"uniform": "unif", "triangular": "triang", "truncnormal": "truncnorm"}
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star"}
MIN_BLOCKS = 8            # below this a prefix's indices are too noisy to say anything about convergence
SMALL_N = {"sobol": 64, "morris": 10}
NOISE_SHARE_MAX = 0.1


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a dotted parameter key and its distribution on [low, high]."""

    name: str
    low: float
    high: float
    dist: str = "uniform"          # "uniform" | "triangular" | "truncnormal"
    mode: float | None = None      # triangular peak (in parameter units)
    mean: float | None = None      # truncnormal (before truncation)
    sd: float | None = None        # truncnormal (before truncation)
    group: str | None = None       # SALib group: the factors of a group move together

    def __post_init__(self) -> None:
        # Fail here, with the factor's name, rather than deep inside SALib's scaling.
        if self.dist not in DISTS:
            raise ValueError(f"{self.name}: dist must be one of {tuple(DISTS)}, not {self.dist!r}")
        if not self.low < self.high:
            raise ValueError(f"{self.name}: need low < high, got [{self.low}, {self.high}]")
        used = {"uniform": set(), "triangular": {"mode"}, "truncnormal": {"mean", "sd"}}[self.dist]
        for attr in ("mode", "mean", "sd"):
            given = getattr(self, attr) is not None
            if given != (attr in used):
                raise ValueError(f"{self.name}: a {self.dist} factor {'needs' if attr in used else 'takes no'} {attr}")
        if self.dist == "triangular":
            # SALib's triang takes the peak as a fraction c of the width and rejects c == 1 and a
            # negative upper end (SALib 1.6, util._nonuniform_scale_samples).
            if not self.low <= self.mode < self.high:
                raise ValueError(f"{self.name}: triangular mode must satisfy low <= mode < high "
                                 f"(SALib rejects a peak at high; use a mode just below it)")
            if self.high < 0:
                raise ValueError(f"{self.name}: SALib's triangular distribution needs high >= 0")
        if self.dist == "truncnormal" and not self.sd > 0:
            raise ValueError(f"{self.name}: truncnormal sd must be > 0")

    def salib_bounds(self) -> list[float]:
        if self.dist == "triangular":
            return [self.low, self.high, (self.mode - self.low) / (self.high - self.low)]
        if self.dist == "truncnormal":
            return [self.low, self.high, self.mean, self.sd]
        return [self.low, self.high]


class IncompleteDesign(ValueError):
    """Some design rows have no outcome (failed runs). Rerun them; SALib cannot skip rows."""

    def __init__(self, rows: Sequence[int], total: int | None = None):
        self.rows = [int(r) for r in rows]
        shown = ", ".join(map(str, self.rows[:20])) + (", ..." if len(self.rows) > 20 else "")
        of = f" of {total}" if total is not None else ""
        super().__init__(f"{len(self.rows)}{of} design rows have a missing (NaN/inf) outcome: rows [{shown}]. "
                         "SALib reads outcomes by row position, so rows cannot be dropped; rerun these rows.")


def salib_problem(factors: Sequence[Factor]) -> dict:
    """The SALib problem dict; dists use SALib's names (unif / triang / truncnorm); "groups" when
    the factors are grouped."""
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise ValueError(f"factor names must be unique: {names}")
    problem = {"num_vars": len(factors), "names": names, "bounds": [f.salib_bounds() for f in factors],
               "dists": [DISTS[f.dist] for f in factors]}
    if grouped(factors):
        problem["groups"] = [f.group for f in factors]
    return problem


def grouped(factors: Sequence[Factor]) -> bool:
    """Whether the factors are in groups; a mix of grouped and ungrouped factors is an error."""
    loose = [f.name for f in factors if f.group is None]
    if loose and len(loose) < len(factors):
        raise ValueError(f"either every factor has a group or none: no group for {', '.join(loose)}")
    return bool(factors) and not loose


def members(factors: Sequence[Factor]) -> dict[str, list[str]]:
    """What the analysis ranks, in order of first appearance, with the factors each one moves:
    the groups and their members, or each factor on its own."""
    out: dict[str, list[str]] = {}
    by_group = grouped(factors)
    for f in factors:
        out.setdefault(f.group if by_group else f.name, []).append(f.name)
    return out


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")


def _check_n(method: str, n: int) -> None:
    if method == "sobol" and (n < 2 or n & (n - 1)):
        raise ValueError(f"Sobol' base sample size N must be a power of 2 (>= 2), got {n}: the balance "
                         f"properties of the Sobol' sequence hold only for 2^m points; try N={_pow2_near(n)}")
    if method == "morris" and n < 2:
        raise ValueError(f"Morris needs at least 2 trajectories (sigma uses ddof=1), got {n}")


def _pow2_near(n: int) -> int:
    return 1 << max(1, round(math.log2(max(n, 2))))


def design_size(method: str, k: int, n: int, second_order: bool = False) -> int:
    """Rows of the design: Morris n*(k+1); Sobol' N*(k+2), or N*(2k+2) with second order. With
    groups, k is the number of groups."""
    _check_method(method)
    if method == "morris":
        return n * (k + 1)
    return n * (2 * k + 2 if second_order else k + 2)


def sample(method: str, factors: Sequence[Factor], n: int, seed: int, *, levels: int = 4,
           second_order: bool = False) -> np.ndarray:
    """The design (rows x factors, in parameter units). Same arguments -> identical array.

    morris: n trajectories on a `levels`-level grid; sobol: base size n (a power of 2), Saltelli's
    scheme over a scrambled Sobol' sequence (SALib.sample.sobol, not the deprecated saltelli).
    """
    _check_method(method)
    _check_n(method, n)
    problem = salib_problem(factors)
    if method == "morris":
        return morris_sample.sample(problem, n, num_levels=levels, seed=seed)
    return sobol_sample.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)


@dataclass
class SensitivityResult:
    """Indices of one outcome. *_conf are CI half-widths at conf_level (bootstrap, seeded).

    indices: sobol S1, S1_conf, ST, ST_conf (+ S2, S2_conf: k x k, upper triangle, NaN elsewhere);
    morris mu, mu_star, mu_star_conf, sigma.
    """

    method: str
    names: list[str]                 # the parameters, or the groups when grouped
    indices: dict[str, np.ndarray]
    n: int                           # N (sobol) or trajectories (morris) analysed
    outcome: str
    noise: dict[str, float]          # reps, noise_variance, output_variance, noise_share
    convergence: list[dict] = field(default_factory=list)   # {"n", "parameter" or "group", main index: value}
    warnings: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)   # group -> member parameters; {} ungrouped

    @property
    def unit(self) -> str:
        """What one index is about: "group" or "parameter" (the CSV column)."""
        return "group" if self.groups else "parameter"

    def rows(self) -> list[dict]:
        """One row per parameter (or group, with its members space-separated) for a CSV; S2 (a
        matrix) becomes columns S2[other], S2_conf[other] (symmetric)."""
        out = []
        for i, name in enumerate(self.names):
            row: dict = {"outcome": self.outcome, self.unit: name}
            if self.groups:
                row["members"] = " ".join(self.groups[name])
            for key, values in self.indices.items():
                if values.ndim == 1:
                    row[key] = float(values[i])
                else:
                    # SALib fills only the upper triangle of S2; the pair (i, j) is stored at (min, max).
                    row.update({f"{key}[{other}]": float(values[min(i, j), max(i, j)])
                                for j, other in enumerate(self.names) if j != i})
            out.append(row)
        return out


def _analysis_seed(seed: int) -> int:
    # SALib's sobol.analyze tests `if seed:`, so seed=0 would silently fall back to the global,
    # unseeded numpy RNG and the bootstrap CIs would change from run to run. Derive a non-zero seed.
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _noise(Y: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Average replications per row; the noise variance of the averages is mean within-row var / R."""
    reps = Y.shape[1]
    ybar = Y.mean(axis=1)
    noise_var = float(Y.var(axis=1, ddof=1).mean() / reps) if reps > 1 else math.nan
    out_var = float(ybar.var(ddof=1))
    share = noise_var / out_var if out_var > 0 else math.nan
    return ybar, {"reps": reps, "noise_variance": noise_var, "output_variance": out_var, "noise_share": share}


def _salib_analyze(method: str, problem: dict, X: np.ndarray, y: np.ndarray, *, seed: int, levels: int,
                   second_order: bool, num_resamples: int, conf_level: float) -> dict[str, np.ndarray]:
    if method == "morris":
        si = morris_analyze.analyze(problem, X, y, num_resamples=num_resamples, conf_level=conf_level,
                                    num_levels=levels, seed=seed, print_to_console=False)
        keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    else:
        si = sobol_analyze.analyze(problem, y, calc_second_order=second_order, num_resamples=num_resamples,
                                   conf_level=conf_level, seed=seed, print_to_console=False)
        keys = ("S1", "S1_conf", "ST", "ST_conf") + (("S2", "S2_conf") if second_order else ())
    # Morris returns masked arrays (group means); plain float arrays are easier for callers.
    return {k: np.asarray(np.ma.filled(np.ma.asarray(si[k], dtype=float), np.nan), dtype=float) for k in keys}


def _nan_indices(method: str, k: int, second_order: bool) -> dict[str, np.ndarray]:
    keys = ("mu", "mu_star", "mu_star_conf", "sigma") if method == "morris" else \
        ("S1", "S1_conf", "ST", "ST_conf")
    out = {key: np.full(k, np.nan) for key in keys}
    if method == "sobol" and second_order:
        out |= {"S2": np.full((k, k), np.nan), "S2_conf": np.full((k, k), np.nan)}
    return out


def _convergence(n: int, analyse_prefix) -> tuple[list[dict], dict[int, dict]]:
    """Analyse prefixes of n/4, n/2 and n blocks (those with at least MIN_BLOCKS blocks).

    A prefix of whole blocks is a valid design of its own:
    * sobol: SALib/sample/sobol.py (1.6) writes, for base point i = 0..N-1 in turn, the contiguous
      block A_i, AB_i^(1..k), [BA_i^(1..k)], B_i; and the first N/2 points of a scrambled Sobol'
      sequence are the same points as a sequence of N/2 (the scrambling is fixed by the seed, not
      by N) and are themselves a balanced 2^m net. So X[:N/2 blocks] == sample(N/2) (tested).
    * morris: trajectories are independent blocks of k+1 rows; any prefix of them is a design.
    """
    sizes = sorted({m for m in (n // 4, n // 2, n) if m >= MIN_BLOCKS} | {n})
    return sizes, {m: analyse_prefix(m) for m in sizes}


def analyze(method: str, factors: Sequence[Factor], X: np.ndarray, Y: np.ndarray, *, outcome: str, seed: int,
            n: int, second_order: bool = False, num_resamples: int = 1000, conf_level: float = 0.95,
            levels: int = 4) -> SensitivityResult:
    """Indices of one outcome. Y: shape (rows, reps) in the design's row order (1-D means reps = 1).

    `levels` must match the one used by `sample` (Morris only). Raises IncompleteDesign when a row
    has a NaN outcome.
    """
    _check_method(method)
    _check_n(method, n)
    k, units = len(factors), members(factors)
    groups = units if grouped(factors) else {}
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    rows = design_size(method, len(units), n, second_order)
    if Y.ndim != 2 or X.shape != (rows, k) or Y.shape[0] != rows or Y.shape[1] < 1:
        of = f"k={k}" + (f" in {len(units)} groups" if groups else "")
        raise ValueError(f"{method} design with {of}, n={n}{', second order' if second_order else ''} has "
                         f"{rows} rows: expected X {(rows, k)} and Y ({rows}, reps), got X {X.shape}, Y {Y.shape}")
    bad = np.flatnonzero(~np.isfinite(Y).all(axis=1))
    if bad.size:
        raise IncompleteDesign(bad.tolist(), rows)

    ybar, noise = _noise(Y)
    problem, names = salib_problem(factors), list(units)
    block = design_size(method, len(units), 1, second_order)
    warnings: list[str] = []
    if noise["output_variance"] == 0:
        # SALib's Sobol' estimators divide by the output's std; report "undefined" instead of NaN noise.
        warnings.append(f"{outcome}: the averaged outcome is constant over the design; indices are undefined")
        return SensitivityResult(method, names, _nan_indices(method, len(units), second_order), n, outcome,
                                 noise, [], warnings, groups)

    def analyse_prefix(m: int) -> dict[str, np.ndarray]:
        return _salib_analyze(method, problem, X[: m * block], ybar[: m * block], seed=_analysis_seed(seed),
                              levels=levels, second_order=second_order, num_resamples=num_resamples,
                              conf_level=conf_level)

    sizes, by_n = _convergence(n, analyse_prefix)
    indices, main = by_n[n], MAIN_INDEX[method]
    unit = "group" if groups else "parameter"
    convergence = [{"n": m, unit: name, main: float(by_n[m][main][i])}
                   for m in sizes for i, name in enumerate(names)]
    warnings += _warnings(method, names, n, by_n, noise)
    return SensitivityResult(method, names, indices, n, outcome, noise, convergence, warnings, groups)


def _warnings(method: str, names: list[str], n: int, by_n: dict[int, dict], noise: dict) -> list[str]:
    out = []
    unit = "N" if method == "sobol" else "trajectories"
    if noise["reps"] == 1:
        out.append("one replication per row: simulation noise is not measured and is counted as sensitivity; "
                   "use reps >= 2")
    elif noise["noise_share"] > NOISE_SHARE_MAX:
        out.append(f"noise share {noise['noise_share']:.2f} > {NOISE_SHARE_MAX}: that much of the variance of the "
                   f"averaged outcome is simulation noise, so the indices partly measure noise (ST and sigma are "
                   f"inflated); use more replications (the noise variance falls as 1/reps)")
    if n < SMALL_N[method]:
        out.append(f"small sample: {unit}={n} < {SMALL_N[method]}; indices are rough")
    out += _convergence_warning(method, names, n, by_n)
    if method == "sobol":
        s1, st_conf = by_n[n]["S1"], by_n[n]["ST_conf"]
        if np.nansum(s1) > 1.1:
            out.append(f"sum of S1 = {np.nansum(s1):.2f} > 1.1: estimates are imprecise; increase N")
        if np.nanmax(st_conf) > 0.1:
            worst = names[int(np.nanargmax(st_conf))]
            out.append(f"imprecise: ST CI half-width up to {np.nanmax(st_conf):.2f} ({worst}) > 0.1; increase N")
    return out


def _convergence_warning(method: str, names: list[str], n: int, by_n: dict[int, dict]) -> list[str]:
    """Not converged when, from n/2 to n, a main index moves by more than max(CI half-width, 5% of max)."""
    half, main = n // 2, MAIN_INDEX[method]
    if half not in by_n:
        return [f"convergence not checked: n/2 = {half} < {MIN_BLOCKS} blocks"]
    now, before, conf = by_n[n][main], by_n[half][main], by_n[n][f"{main}_conf"]
    tol = np.maximum(conf, 0.05 * np.nanmax(np.abs(now)))
    moved = [names[i] for i in np.flatnonzero(np.abs(now - before) > tol)]
    if not moved:
        return []
    return [f"not converged: {main} changed from n={half} to n={n} by more than max(CI half-width, 5% of the "
            f"largest {main}) for {', '.join(moved)}; double n"]


# --- plotting ------------------------------------------------------------------------------------

LABELS = {
    "en": {"S1": "First-order index S1", "ST": "Total-effect index ST", "sobol_x": "Sobol' index",
           "sobol_title": "Sobol' indices: {outcome} (N={n})", "mu_star": "mu* (mean absolute elementary effect)",
           "mu_star_short": "μ*", "sigma": "σ (std of elementary effects)",
           "morris_title": "Morris screening: {outcome} ({n} trajectories)"},
    "zh": {"S1": "一阶指数 S1", "ST": "总效应指数 ST", "sobol_x": "Sobol 指数",
           "sobol_title": "Sobol 敏感性指数：{outcome}（N={n}）", "mu_star": "平均绝对基本效应 μ*",
           "mu_star_short": "平均绝对基本效应 μ*", "sigma": "标准差 σ",
           "morris_title": "Morris 筛选：{outcome}（{n} 条轨迹）"},
}


def _tick_labels(result: SensitivityResult) -> list[str]:
    """Parameter names, or group names with their number of members: "delays (7)"."""
    return [f"{name} ({len(result.groups[name])})" if result.groups else name for name in result.names]


def _plot_sobol(fig, result: SensitivityResult, labels: dict) -> None:
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(result.names))
    h = 0.38
    for off, key in ((-h / 2, "S1"), (h / 2, "ST")):
        ax.barh(y + off, result.indices[key], height=h, xerr=np.nan_to_num(result.indices[f"{key}_conf"]),
                capsize=3, label=labels[key])
    ax.set_yticks(y, _tick_labels(result))
    ax.invert_yaxis()                       # first factor on top, as in the table
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(labels["sobol_x"])
    ax.legend(loc="best")


def _plot_morris(fig, result: SensitivityResult, labels: dict) -> None:
    # Groups: sigma is undefined for a group of several members (SALib), so only the bars.
    bars, scatter = fig.subplots(1, 2) if not result.groups else (fig.add_subplot(1, 1, 1), None)
    mu_star, sigma = result.indices["mu_star"], result.indices["sigma"]
    y = np.arange(len(result.names))
    bars.barh(y, mu_star, xerr=np.nan_to_num(result.indices["mu_star_conf"]), capsize=3)
    bars.set_yticks(y, _tick_labels(result))
    bars.invert_yaxis()
    bars.set_xlabel(labels["mu_star"])
    if scatter is None:
        return
    # mu* vs sigma: high sigma relative to mu* means non-linear effects or interactions.
    scatter.scatter(mu_star, sigma)
    for name, xv, yv in zip(result.names, mu_star, sigma):
        scatter.annotate(name, (xv, yv), textcoords="offset points", xytext=(4, 4), fontsize=8)
    # Both are non-negative, so start at the origin; leave 25% headroom for the labels.
    for setter, v in ((scatter.set_xlim, mu_star), (scatter.set_ylim, sigma)):
        top = np.nanmax(v) if np.isfinite(v).any() else 0.0
        setter(0, 1.25 * top if top > 0 else 1.0)
    scatter.set_xlabel(labels["mu_star_short"])
    scatter.set_ylabel(labels["sigma"])


def plot(result: SensitivityResult, path, *, lang: str = "en", title: str | None = None) -> Path:
    """Bar chart with CI error bars, saved as a deterministic PNG (dpi 120); returns the path.

    lang="zh" uses Chinese labels with a CJK font placed after DejaVu Sans in the family fallback
    list (so ASCII keeps DejaVu); without a CJK font it falls back to English labels.
    """
    import matplotlib
    from matplotlib.figure import Figure   # no pyplot: no backend, no global figure state

    if lang not in LABELS:
        raise ValueError(f"lang must be one of {tuple(LABELS)}, not {lang!r}")
    from ..labels import cjk_font

    cjk = cjk_font()  # also for English: outcome labels such as "Satisfaction rate (好差评)" need it
    labels = LABELS["zh" if lang == "zh" and cjk else "en"]
    rc = {"font.family": ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]}
    k = len(result.names)
    path = Path(path)
    with matplotlib.rc_context(rc):        # fonts are resolved at draw time, so save inside the context
        if result.method == "sobol":
            fig = Figure(figsize=(7, max(2.5, 0.5 * k + 1.5)), layout="constrained")
            _plot_sobol(fig, result, labels)
            default = labels["sobol_title"]
        else:
            fig = Figure(figsize=(7 if result.groups else 11, max(3.0, 0.45 * k + 1.5)), layout="constrained")
            _plot_morris(fig, result, labels)
            default = labels["morris_title"]
        fig.suptitle(title or default.format(outcome=result.outcome, n=result.n))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
    atomic_write(path, buf.getvalue())  # whole or not at all, even if the process is killed
    return path
