"""Scenario discovery: which regions of the uncertainty space hold the futures in which a policy fails.

A pure analysis (arrays in, results out; nothing is simulated here). Two methods:

* PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data"): start from the box that
  holds every future, repeatedly peel off the `ALPHA` share of the futures at one face — the face whose
  removal raises the share of failures in the box most — then paste faces back while that does not lower
  the density, and drop restrictions that are not significant. The box chosen is, of the steps on the
  peeling trajectory whose density reaches the threshold with at least the minimum mass, the one with
  the largest coverage + density (the knee of the trajectory); the densest if none reaches it. Covering: the futures inside are set
  aside and the search repeats, for at most `MAX_BOXES` boxes.
* CART (Breiman et al. 1984): a shallow decision tree (scikit-learn); its leaves that predict failure
  are boxes.

Coverage = failures in the box / all failures; density = failures in the box / futures in the box;
mass = futures in the box / all futures. Stability: the first box's search rerun on bootstrap resamples
(Bryant & Lempert 2010 recommend such a check); a dimension that only some resamples restrict is noise.

PRIM is implemented here: the `prim` package is GPL-3 (not compatible with govsim's MIT licence) and
`ema-workbench` (BSD) brings statsmodels, seaborn and an optimiser for one function. scikit-learn (BSD)
provides the tree.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..labels import figure_lang, plot_context
from ..provenance import atomic_write
from .experiment import ExperimentError

ALPHA = 0.05          # peeling share per step: Friedman & Fisher's recommended 0.05-0.10
MAX_BOXES = 3         # covering stops after three boxes: more are rarely interpretable (Bryant & Lempert 2010)
MIN_CASES = 10        # fewer failing futures than this: boxes are anecdotes (assumption)
P_DROP = 0.05        # a restriction whose quasi-p-value exceeds this is dropped (conventional 5% level)
CART_DEPTH = 3        # a tree of depth 3 reads as at most three conditions per box
CART_LEAF_SHARE = 0.05  # a leaf holds at least 5% of the futures, or min_mass if larger (like PRIM's)
METHODS = ("prim", "cart")
_WHERE = "scenario discovery"


@dataclass
class Box:
    limits: dict[str, tuple[float, float]]   # only the restricted dimensions
    coverage: float
    density: float
    mass: float
    n: int                                    # futures inside the box
    stability: dict[str, float]               # share of resamples in which each dimension is restricted
    # 5%-95% range of each restricted limit over the resamples that restrict it: (lower, upper) pairs
    limit_spread: dict[str, tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=dict)


@dataclass
class Discovery:
    method: str
    boxes: list[Box]
    trajectory: list[dict]    # per peel step of the first box: coverage, density, mass, restricted
    base_rate: float
    n: int
    names: list[str]
    warnings: list[str]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)   # each dimension's data range
    chosen: int = -1          # the trajectory step the first box was taken from (-1: none)
    warning_codes: list[tuple[str, dict]] = field(default_factory=list)   # (key of _WARNINGS, values)

    def warn(self, code: str, **values) -> None:
        """Record a warning: English in `warnings`, the code and values for the Chinese report."""
        self.warning_codes.append((code, values))
        self.warnings.append(_WARNINGS[code][0].format(**values))


# English, Chinese
_WARNINGS = {
    "none": ("no failing futures: there is nothing to describe", "没有失败的情景：无可描述"),
    "all": ("the policy fails in every future: no region is different from the rest",
            "政策在所有情景中都失败：没有哪个区域与其他不同"),
    "few": ("only {failing} failing futures (< {least}): the boxes are fragile",
            "失败情景只有 {failing} 个（< {least}）：情景框不稳健"),
    "threshold": ("no box on the peeling trajectory reaches density {threshold:g} with mass >= {mass:g}; "
                  "the densest box is reported",
                  "剥离轨迹上没有密度达到 {threshold:g} 且质量 ≥ {mass:g} 的情景框；报告密度最高的情景框"),
    "no_box": ("no restriction is significant at the 5% level: the failures are not concentrated in a box",
               "没有在 5% 水平上显著的限制：失败情景并不集中在某个情景框内"),
    "no_leaf": ("no leaf of the tree holds a majority of failing futures: failures are too rare or too spread",
                "决策树没有一个叶节点以失败情景为多数：失败过于稀少或过于分散"),
    "every_dim": ("box {i} restricts every dimension ({d}): it describes a corner, not a few conditions",
                  "情景框 {i} 限制了全部 {d} 个维度：它描述的是一个角落，而不是少数几个条件"),
}


# ------------------------------------------------------------------ public API
def discover(X: np.ndarray, names: Sequence[str], cases: np.ndarray, *, method: str = "prim",
             seed: int = 0, threshold_density: float = 0.8, min_mass: float = 0.05,
             resamples: int = 50) -> Discovery:
    """Boxes describing where `cases` (True = the policy fails in that future) concentrate in X."""
    X, y, names = _checked(X, names, cases, method, threshold_density, min_mass, resamples)
    n = len(y)
    ranges = {k: (float(X[:, j].min()), float(X[:, j].max())) for j, k in enumerate(names)} if n else {}
    d = Discovery(method, [], [], float(y.mean()) if n else 0.0, n, names, [], ranges)
    if not _enough(y, d):
        return d
    leaf_share = max(CART_LEAF_SHARE, min_mass)
    search = _prim_search(threshold_density, min_mass) if method == "prim" else _cart_search(seed, leaf_share)
    lo, hi = X.min(axis=0), X.max(axis=0)
    if method == "prim":
        d.boxes, d.trajectory, d.chosen, reached = _covering(X, y, lo, hi, names, search)
        if not reached:
            d.warn("threshold", threshold=threshold_density, mass=min_mass)
    else:
        d.boxes = _cart_boxes(X, y, lo, hi, names, seed, leaf_share)
    if not d.boxes:
        d.warn("no_box" if method == "prim" else "no_leaf")
    if d.boxes:
        _stability(d.boxes[0], X, y, names, search, seed, resamples)
    _shape_warnings(d)
    return d


def discovery_figures(d: Discovery, folder: Path, lang: str, stem: str) -> dict[str, Path]:
    """The peeling trajectory (PRIM) and the box limits against each dimension's range; name -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    flang = figure_lang(lang)
    written = {}
    with plot_context(flang):   # savefig inside the context: fonts are resolved at draw time
        for name, draw in (("trajectory", _trajectory_figure), ("limits", _limits_figure)):
            fig = draw(d, flang)
            if fig is not None:
                written[name] = _save(fig, folder / f"{stem}_{name}.png")
    return written


def discovery_section(d: Discovery, lang: str, figures: dict[str, Path]) -> list[str]:
    """A markdown section: the method, the boxes with their limits and stability, warnings, figures."""
    zh = lang == "zh"
    t = _ZH if zh else _EN
    lines = [f"## {t['title']} ({d.method.upper()})", "",
             t["intro"].format(n=d.n, failing=round(d.base_rate * d.n), rate=100 * d.base_rate), ""]
    if d.method == "prim":
        lines += [t["prim"], ""]
    else:
        lines += [t["cart"], ""]
    for i, box in enumerate(d.boxes, 1):
        lines += _box_lines(i, box, d, t)
    if not d.boxes:
        lines += [t["no_box"], ""]
    for code, values in d.warning_codes:
        lines.append(f"- **{t['warning']}**: {_WARNINGS[code][1 if zh else 0].format(**values)}")
    if d.warnings:
        lines.append("")
    for name, path in figures.items():
        lines += [f"![{t.get('fig_' + name, name)}]({Path(path).as_posix()})", ""]
    return lines


# ------------------------------------------------------------------ input checks
def _checked(X, names, cases, method, threshold, min_mass, resamples):
    X = np.asarray(X, dtype=float)
    y = np.asarray(cases)
    names = [str(k) for k in names]
    if X.ndim != 2:
        raise ExperimentError(_WHERE, "X", f"shape {X.shape}", "a 2-d array: one row per future")
    if len(names) != X.shape[1] or len(set(names)) != len(names):
        raise ExperimentError(_WHERE, "names", names, f"{X.shape[1]} distinct names, one per column of X")
    if y.shape != (X.shape[0],) or (y.dtype != bool and not np.isin(y, (0, 1)).all()):
        raise ExperimentError(_WHERE, "cases", f"shape {y.shape}, dtype {y.dtype}",
                              f"a boolean array with one entry per row of X ({X.shape[0]})")
    if not np.isfinite(X).all():
        raise ExperimentError(_WHERE, "X", "NaN or infinite values", "finite numbers only")
    if method not in METHODS:
        raise ExperimentError(_WHERE, "method", method, f"one of {', '.join(METHODS)}")
    if not 0 < threshold <= 1:
        raise ExperimentError(_WHERE, "threshold_density", threshold, "a share in (0, 1]")
    if not 0 < min_mass < 1:
        raise ExperimentError(_WHERE, "min_mass", min_mass, "a share in (0, 1)")
    if not (isinstance(resamples, int) and resamples >= 0):
        raise ExperimentError(_WHERE, "resamples", resamples, "a whole number >= 0")
    return X, y.astype(bool), names


def _enough(y: np.ndarray, d: Discovery) -> bool:
    """False when there is nothing to discover (no futures, no failures, or only failures)."""
    failing = int(y.sum())
    if len(y) == 0 or failing == 0:
        d.warn("none")
        return False
    if failing == len(y):
        d.warn("all")
        return False
    if failing < MIN_CASES:
        d.warn("few", failing=failing, least=MIN_CASES)
    return True


def _shape_warnings(d: Discovery) -> None:
    for i, box in enumerate(d.boxes, 1):
        if len(d.names) > 1 and len(box.limits) == len(d.names):
            d.warn("every_dim", i=i, d=len(d.names))


# ------------------------------------------------------------------ PRIM
def _inside(X: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return ((X >= lo) & (X <= hi)).all(axis=1)


def _peel_candidates(X, y, inbox, lo, hi):
    """Each face's peel: (density after, mask after, new lo, new hi), skipping peels that remove nothing."""
    n_in = int(inbox.sum())
    if n_in < 2:
        return
    k = max(1, math.floor(ALPHA * n_in))
    for j in range(X.shape[1]):
        v = np.sort(X[inbox, j])
        for side, cut in (("lo", _cut(v, k, v[0], np.greater)), ("hi", _cut(v, n_in - 1 - k, v[-1], np.less))):
            keep = inbox & ((X[:, j] >= cut) if side == "lo" else (X[:, j] <= cut))
            if 0 < keep.sum() < n_in:
                new_lo, new_hi = lo.copy(), hi.copy()
                (new_lo if side == "lo" else new_hi)[j] = cut
                yield y[keep].mean(), keep, new_lo, new_hi


def _cut(v: np.ndarray, index: int, edge: float, inward) -> float:
    """The peel's new face: the ALPHA quantile, or — when more than ALPHA of the futures share the edge
    value (an integer or yes/no input) — the next value inward, so that the whole level can be peeled."""
    if v[index] != edge:
        return v[index]
    inner = v[inward(v, edge)]
    return (inner.min() if inward is np.greater else inner.max()) if len(inner) else edge


def _step(X, y, total, lo0, hi0, inbox, lo, hi) -> dict:
    n_in = int(inbox.sum())
    return {"coverage": float(y[inbox].sum() / total), "density": float(y[inbox].mean()),
            "mass": n_in / len(y), "restricted": int(((lo > lo0) | (hi < hi0)).sum()),
            "lo": lo.copy(), "hi": hi.copy(), "n": n_in}


def _peel(X, y, lo0, hi0, min_mass):
    """The peeling trajectory from the full box down to min_mass. Each step takes the peel with the
    highest gain in density per future removed (EMA Workbench's 'lenient1' objective): an alpha-sized
    peel of a continuous input and the whole level of an integer or yes/no input, which may remove far
    more futures, compete on equal terms. A peel is taken even when density falls: a plateau (common
    with bootstrap ties) must not end the search early."""
    lo, hi = lo0.copy(), hi0.copy()
    inbox = _inside(X, lo, hi)
    total = max(int(y.sum()), 1)
    steps = [_step(X, y, total, lo0, hi0, inbox, lo, hi)]
    while True:
        now, n_in = y[inbox].mean(), int(inbox.sum())
        best = max(_peel_candidates(X, y, inbox, lo, hi), key=lambda c: (c[0] - now) / (n_in - c[1].sum()),
                   default=None)
        if best is None or best[1].sum() < min_mass * len(y):
            return steps
        _, inbox, lo, hi = best
        steps.append(_step(X, y, total, lo0, hi0, inbox, lo, hi))


def _paste(X, y, lo0, hi0, lo, hi):
    """Widen restricted faces by ALPHA of the box's futures while that does not lower the density."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        inbox = _inside(X, lo, hi)
        density, k = y[inbox].mean(), max(1, math.floor(ALPHA * inbox.sum()))
        best = None
        for j in range(X.shape[1]):
            below = np.sort(X[_inside_except(X, lo, hi, j) & (X[:, j] < lo[j]), j])[::-1]
            above = np.sort(X[_inside_except(X, lo, hi, j) & (X[:, j] > hi[j]), j])
            for side, pool in (("lo", below), ("hi", above)):
                if len(pool):
                    new_lo, new_hi = lo.copy(), hi.copy()
                    (new_lo if side == "lo" else new_hi)[j] = pool[min(k, len(pool)) - 1]
                    dens = y[_inside(X, new_lo, new_hi)].mean()
                    if dens >= density and (best is None or dens > best[0]):
                        best = (dens, new_lo, new_hi)
        if best is None:
            return lo, hi
        _, lo, hi = best


def _drop_insignificant(X, y, lo0, hi0, lo, hi, floor: float):
    """Drop restrictions that do not matter: Bryant & Lempert's (2010) quasi-p-value, the one-sided
    binomial chance of the box's failures if the box had the density it has without that restriction.
    The least significant goes first while its p-value exceeds P_DROP and the box without it keeps a
    density of at least `floor`: noise dimensions peeled by chance go, the dimensions that carry the
    failures stay. (Without the floor, a box of several redundant restrictions, each adding only a
    future or two when dropped alone, is pruned one by one down to no box at all.)"""
    from scipy.stats import binom

    lo, hi = lo.copy(), hi.copy()
    while True:
        inbox = _inside(X, lo, hi)
        k, n_in = int(y[inbox].sum()), int(inbox.sum())
        worst = None
        for j in np.flatnonzero((lo > lo0) | (hi < hi0)):
            wider = _inside_except(X, lo, hi, j)
            density = y[wider].mean()
            p = float(binom.sf(k - 1, n_in, density))
            if p > P_DROP and density >= floor and (worst is None or p > worst[0]):
                worst = (p, j)
        if worst is None:
            return lo, hi
        lo[worst[1]], hi[worst[1]] = lo0[worst[1]], hi0[worst[1]]


def _prune(X, y, lo0, hi0, lo, hi, floor: float):
    """Restrictions one by one by significance; if that prunes the box below `floor` (several redundant
    restrictions, each adding only a future or two when dropped alone), prune again keeping the density
    at or above the floor — provided the box as a whole holds significantly more failures than the base
    rate (else there is no box)."""
    from scipy.stats import binom

    plo, phi = _drop_insignificant(X, y, lo0, hi0, lo, hi, floor=0.0)
    if y[_inside(X, plo, phi)].mean() >= floor:
        return plo, phi
    inbox = _inside(X, lo, hi)
    if binom.sf(int(y[inbox].sum()) - 1, int(inbox.sum()), y.mean()) > P_DROP:
        return plo, phi
    return _drop_insignificant(X, y, lo0, hi0, lo, hi, floor)


def _inside_except(X, lo, hi, j):
    keep = np.ones(X.shape[1], bool)
    keep[j] = False
    return ((X[:, keep] >= lo[keep]) & (X[:, keep] <= hi[keep])).all(axis=1)


def _prim_search(threshold: float, min_mass: float) -> Callable:
    """One box search: peel, choose a step that reaches the threshold (else the densest), paste, prune.
    Returns (lo, hi, trajectory, chosen step, threshold reached)."""
    def search(X, y, lo0, hi0):
        steps = _peel(X, y, lo0, hi0, min_mass)
        ok = [i for i, s in enumerate(steps) if s["density"] >= threshold and s["mass"] >= min_mass]
        # the knee: of the boxes that qualify, the one nearest (coverage 1, density 1); the first to
        # qualify often sits just at the threshold with a much denser box a step or two further on
        chosen = max(ok, key=lambda i: steps[i]["coverage"] + steps[i]["density"]) if ok else \
            max(range(len(steps)), key=lambda i: steps[i]["density"])
        lo, hi = _paste(X, y, lo0, hi0, steps[chosen]["lo"], steps[chosen]["hi"])
        lo, hi = _prune(X, y, lo0, hi0, lo, hi, floor=min(steps[chosen]["density"], threshold))
        return lo, hi, steps, chosen, bool(ok)
    return search


def _make_box(X, y, total, lo0, hi0, lo, hi, names, inbox=None) -> Box:
    inbox = _inside(X, lo, hi) if inbox is None else inbox
    limits = {k: (float(lo[j]), float(hi[j])) for j, k in enumerate(names) if lo[j] > lo0[j] or hi[j] < hi0[j]}
    n_in = int(inbox.sum())
    return Box(limits, float(y[inbox].sum() / total), float(y[inbox].mean()) if n_in else 0.0,
               n_in / len(y), n_in, {})


def _covering(X, y, lo0, hi0, names, search):
    """Up to MAX_BOXES boxes; after each, the futures inside are set aside. Later boxes are kept only
    if they reach the threshold (the first is always reported)."""
    total, rest = int(y.sum()), np.ones(len(y), bool)
    boxes, first = [], None
    while len(boxes) < MAX_BOXES and y[rest].sum() > 0 and not y[rest].all():
        lo, hi, steps, chosen, reached = search(X[rest], y[rest], lo0, hi0)
        if first is None:
            first = (steps, chosen, reached)
        elif not reached:
            break
        inbox = rest & _inside(X, lo, hi)
        box = _make_box(X, y, total, lo0, hi0, lo, hi, names, inbox)
        if box.n == 0 or not box.limits:
            break
        boxes.append(box)
        rest &= ~inbox
    steps, chosen, reached = first
    trajectory = [{k: s[k] for k in ("coverage", "density", "mass", "restricted")} for s in steps]
    return boxes, trajectory, chosen, reached


# ------------------------------------------------------------------ CART
def _tree(X, y, seed, leaf_share):
    from sklearn.tree import DecisionTreeClassifier

    leaf = max(1, math.ceil(leaf_share * len(y)))
    return DecisionTreeClassifier(max_depth=CART_DEPTH, min_samples_leaf=leaf, random_state=seed).fit(X, y)


def _leaf_limits(tree, lo0, hi0) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Every leaf's box. A split sends x <= threshold left, so a left child's upper limit is the
    threshold and a right child's lower limit is just above it (reported as the threshold)."""
    t = tree.tree_
    out, stack = {}, [(0, lo0.copy(), hi0.copy())]
    while stack:
        node, lo, hi = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            out[node] = (lo, hi)
            continue
        j, cut = t.feature[node], t.threshold[node]
        l_hi, r_lo = hi.copy(), lo.copy()
        l_hi[j], r_lo[j] = min(hi[j], cut), max(lo[j], cut)
        stack += [(left, lo.copy(), l_hi), (right, r_lo, hi.copy())]
    return out


def _cart_boxes(X, y, lo0, hi0, names, seed, leaf_share) -> list[Box]:
    """The leaves in which failure is the majority, as boxes ordered by coverage (counts from the tree's
    own leaf assignment, so futures on a threshold are counted where the tree puts them)."""
    if y.all() or not y.any():
        return []
    tree = _tree(X, y, seed, leaf_share)
    leaf_of = tree.apply(X)
    total, boxes = int(y.sum()), []
    for node, (lo, hi) in _leaf_limits(tree, lo0, hi0).items():
        inleaf = leaf_of == node
        if inleaf.any() and y[inleaf].mean() > 0.5:
            boxes.append(_make_box(X, y, total, lo0, hi0, lo, hi, names, inleaf))
    return sorted(boxes, key=lambda b: (-b.coverage, -b.density))


def _cart_search(seed: int, leaf_share: float) -> Callable:
    def search(X, y, lo0, hi0):
        boxes = _cart_boxes(X, y, lo0, hi0, [str(j) for j in range(X.shape[1])], seed, leaf_share)
        lo, hi = lo0.copy(), hi0.copy()
        if boxes:
            for j, (a, b) in boxes[0].limits.items():
                lo[int(j)], hi[int(j)] = a, b
        return lo, hi, [], -1, bool(boxes)
    return search


# ------------------------------------------------------------------ stability
def _stability(box: Box, X, y, names, search, seed, resamples) -> None:
    """Rerun the first box's search on `resamples` bootstrap samples (seeded Generator): how often each
    dimension is restricted, and the 5%-95% range of each restricted limit."""
    rng = np.random.default_rng([seed, 14])   # a stream of its own, apart from any other use of the seed
    lo0, hi0 = X.min(axis=0), X.max(axis=0)
    counts = np.zeros(X.shape[1])
    seen: dict[int, list[tuple[float, float]]] = {j: [] for j in range(X.shape[1])}
    for _ in range(resamples):
        rows = rng.integers(0, len(y), len(y))
        if not y[rows].any() or y[rows].all():
            continue
        lo, hi, *_ = search(X[rows], y[rows], lo0, hi0)
        for j in np.flatnonzero((lo > lo0) | (hi < hi0)):
            counts[j] += 1
            seen[j].append((lo[j], hi[j]))
    box.stability = {k: float(counts[j] / resamples) if resamples else float("nan") for j, k in enumerate(names)}
    for j, k in enumerate(names):
        if k in box.limits and seen[j]:
            a = np.array(seen[j])
            box.limit_spread[k] = (tuple(float(q) for q in np.quantile(a[:, 0], (0.05, 0.95))),
                                   tuple(float(q) for q in np.quantile(a[:, 1], (0.05, 0.95))))


# ------------------------------------------------------------------ report text
_EN = {
    "title": "Scenario discovery", "warning": "Warning", "no_box": "No box was found.",
    "intro": "{n} futures, {failing} of them failing ({rate:.1f}%).",
    "prim": "PRIM peels 5% of the futures at a time off the face of the box that most raises the share of "
            "failures inside; coverage = failures inside / all failures, density = failures inside / futures "
            "inside, mass = futures inside / all futures. Stability: share of bootstrap resamples in which "
            "the first box's search restricts the dimension.",
    "cart": "A decision tree (depth ≤ 3); each leaf in which most futures fail is a box. Coverage, density "
            "and mass as for PRIM; stability from bootstrap resamples of the tree.",
    "box": "Box {i}: coverage {cov:.1f}%, density {den:.1f}%, mass {mass:.1f}% ({n} futures)",
    "head": "| dimension | lower | upper | stability | spread of limits (5%–95%) |",
    "fig_trajectory": "Peeling trajectory", "fig_limits": "Box limits", "sides": ("lower", "upper"),
}
_ZH = {
    "title": "情景发现", "warning": "警告", "no_box": "未找到情景框。",
    "intro": "共 {n} 个未来情景，其中 {failing} 个失败（{rate:.1f}%）。",
    "prim": "PRIM 每步从情景框的某一面剥离 5% 的情景，选择使框内失败比例上升最多的一面；覆盖率 = 框内失败数 / "
            "全部失败数，密度 = 框内失败数 / 框内情景数，质量 = 框内情景数 / 全部情景数。稳定性：在自助重抽样中，"
            "第一个框的搜索限制该维度的比例。",
    "cart": "决策树（深度 ≤ 3）；多数情景失败的叶节点即为情景框。覆盖率、密度、质量的定义同 PRIM；稳定性来自决策树的"
            "自助重抽样。",
    "box": "情景框 {i}：覆盖率 {cov:.1f}%，密度 {den:.1f}%，质量 {mass:.1f}%（{n} 个情景）",
    "head": "| 维度 | 下限 | 上限 | 稳定性 | 限值波动（5%–95%） |",
    "fig_trajectory": "剥离轨迹", "fig_limits": "情景框限值", "sides": ("下限", "上限"),
}


def _box_lines(i: int, box: Box, d: Discovery, t: dict) -> list[str]:
    lines = [f"**{t['box'].format(i=i, cov=100 * box.coverage, den=100 * box.density, mass=100 * box.mass, n=box.n)}**",
             "", t["head"], "|---|---:|---:|---:|---|"]
    for k, (a, b) in box.limits.items():
        r0, r1 = d.ranges.get(k, (a, b))
        lower = f"{a:.3g}" if a > r0 else "—"
        upper = f"{b:.3g}" if b < r1 else "—"
        stab = f"{100 * box.stability[k]:.0f}%" if k in box.stability else "—"
        spread = "; ".join(f"{side} {q[0]:.3g}–{q[1]:.3g}" for side, q, edge in
                           zip(t["sides"], box.limit_spread.get(k, ((a, a), (b, b))), (lower, upper))
                           if edge != "—") if k in box.limit_spread else "—"
        lines.append(f"| {k} | {lower} | {upper} | {stab} | {spread} |")
    others = [f"{k} {100 * s:.0f}%" for k, s in box.stability.items() if k not in box.limits and s > 0]
    if others:
        lines += ["", ("其他维度被限制的比例：" if t is _ZH else "Other dimensions restricted in: ") + ", ".join(others)]
    return lines + [""]


# ------------------------------------------------------------------ figures
def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})   # no metadata: equal data -> equal bytes
    atomic_write(path, buf.getvalue())
    return path


def _trajectory_figure(d: Discovery, lang: str):
    if not d.trajectory:
        return None
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    zh = lang == "zh"
    fig = Figure(figsize=(5.2, 3.8), layout="constrained")
    ax = fig.add_subplot()
    cov = [s["coverage"] for s in d.trajectory]
    den = [s["density"] for s in d.trajectory]
    ax.plot(cov, den, color="0.75", lw=0.8, zorder=1)
    sc = ax.scatter(cov, den, c=[s["restricted"] for s in d.trajectory], cmap="viridis", s=18, zorder=2)
    if d.chosen >= 0:
        ax.scatter([cov[d.chosen]], [den[d.chosen]], s=90, facecolors="none", edgecolors="red", zorder=3,
                   label="所选情景框" if zh else "chosen box")
        ax.legend(loc="lower left")
    bar = fig.colorbar(sc, ax=ax, label="受限维度数" if zh else "restricted dimensions")
    bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("覆盖率" if zh else "coverage")
    ax.set_ylabel("密度" if zh else "density")
    ax.set_title("PRIM 剥离轨迹" if zh else "PRIM peeling trajectory")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    return fig


def _limits_figure(d: Discovery, lang: str):
    """Each box's limits as bars on each dimension's range scaled to [0, 1] (grey: the full range)."""
    if not d.boxes:
        return None
    from matplotlib.figure import Figure

    zh = lang == "zh"
    dims = [k for k in d.names if any(k in b.limits for b in d.boxes)]
    fig = Figure(figsize=(5.6, 0.9 + 0.45 * len(dims) * len(d.boxes)), layout="constrained")
    ax = fig.add_subplot()
    colours = ("tab:red", "tab:blue", "tab:green")
    height = 0.8 / len(d.boxes)
    for i, box in enumerate(d.boxes):
        for row, k in enumerate(dims):
            r0, r1 = d.ranges[k]
            a, b = box.limits.get(k, (r0, r1))
            span = (r1 - r0) or 1.0
            y = row + (i - (len(d.boxes) - 1) / 2) * height
            ax.barh(y, 1, left=0, height=height * 0.9, color="0.9")
            ax.barh(y, (b - a) / span, left=(a - r0) / span, height=height * 0.9, color=colours[i % 3],
                    label=(f"情景框 {i + 1}" if zh else f"box {i + 1}") if row == 0 else None)
            ax.text(1.01, y, f"{a:.3g} – {b:.3g}", va="center", fontsize=7)
    ax.set_yticks(range(len(dims)), [f"{k}\n[{d.ranges[k][0]:.3g}, {d.ranges[k][1]:.3g}]" for k in dims])
    ax.set_xlim(0, 1.32)
    ax.set_xlabel("维度取值范围内的位置" if zh else "position within the dimension's range")
    ax.set_title("情景框限值" if zh else "Box limits")
    fig.legend(loc="outside lower center", ncol=len(d.boxes), frameon=False)
    ax.invert_yaxis()
    return fig
