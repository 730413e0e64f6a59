"""Scenario discovery (sim.lab.discovery) on synthetic futures whose failure region is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.lab.discovery import Box, discover, discovery_figures, discovery_section
from sim.lab.experiment import ExperimentError

NAMES = ["x0", "x1", "x2", "x3", "x4"]


def _futures(n: int = 800, noise: float = 0.02, seed: int = 1):
    """Failure iff x0 > 0.7 and x2 < 0.3 (x1, x3, x4 are noise), with a share of labels flipped."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(NAMES)))
    y = (X[:, 0] > 0.7) & (X[:, 2] < 0.3)
    return X, y ^ (rng.random(n) < noise)


def _count(X, y, box: Box, names=NAMES):
    inside = np.ones(len(y), bool)
    for k, (lo, hi) in box.limits.items():
        j = names.index(k)
        inside &= (X[:, j] >= lo) & (X[:, j] <= hi)
    return inside.sum(), (y & inside).sum()


@pytest.fixture(scope="module")
def prim():
    X, y = _futures()
    return X, y, discover(X, NAMES, y, seed=7, resamples=30)


def test_prim_box_restricts_the_true_dimensions_near_the_true_limits(prim) -> None:
    X, y, d = prim
    box = d.boxes[0]
    assert set(box.limits) == {"x0", "x2"}
    assert box.limits["x0"][0] == pytest.approx(0.7, abs=0.05)
    assert box.limits["x0"][1] == X[:, 0].max()            # the upper face of x0 is not restricted
    assert box.limits["x2"][1] == pytest.approx(0.3, abs=0.05)
    assert box.density >= 0.8 and box.mass >= 0.05
    assert d.warnings == []


def test_coverage_density_mass_match_a_direct_count(prim) -> None:
    X, y, d = prim
    box = d.boxes[0]
    n_in, failing_in = _count(X, y, box)
    assert box.n == n_in
    assert box.coverage == pytest.approx(failing_in / y.sum())
    assert box.density == pytest.approx(failing_in / n_in)
    assert box.mass == pytest.approx(n_in / len(y))
    assert d.base_rate == pytest.approx(y.mean()) and d.n == len(y)


def test_trajectory_starts_with_every_future_and_shrinks(prim) -> None:
    X, y, d = prim
    first, chosen = d.trajectory[0], d.trajectory[d.chosen]
    assert first == {"coverage": 1.0, "density": pytest.approx(y.mean()), "mass": 1.0, "restricted": 0}
    masses = [s["mass"] for s in d.trajectory]
    assert all(a > b for a, b in zip(masses, masses[1:]))
    assert masses[-1] >= 0.05                              # peeling stops at the minimum mass
    assert chosen["density"] >= 0.8 and chosen["restricted"] >= 2


def test_stability_is_high_for_the_true_dimensions_and_low_for_noise(prim) -> None:
    _, _, d = prim
    stab = d.boxes[0].stability
    assert set(stab) == set(NAMES)
    assert stab["x0"] >= 0.8 and stab["x2"] >= 0.8
    assert max(stab["x1"], stab["x3"], stab["x4"]) <= 0.3
    spread = d.boxes[0].limit_spread
    assert set(spread) == {"x0", "x2"}
    assert all(q[0] <= q[1] for pair in spread.values() for q in pair)
    assert 0.5 < spread["x0"][0][0] <= spread["x0"][0][1] < 0.8     # resampled lower limits of x0 near 0.7


def test_same_seed_same_result_other_seed_other_resamples() -> None:
    X, y = _futures(n=400)
    a = discover(X, NAMES, y, seed=3, resamples=15)
    b = discover(X, NAMES, y, seed=3, resamples=15)
    assert a == b
    c = discover(X, NAMES, y, seed=4, resamples=15)
    assert c.boxes[0].limits == a.boxes[0].limits          # the box itself does not depend on the seed


def test_cart_finds_the_same_dimensions() -> None:
    X, y = _futures()
    d = discover(X, NAMES, y, method="cart", seed=7, resamples=20)
    box = d.boxes[0]
    assert d.method == "cart" and d.trajectory == []
    assert set(box.limits) == {"x0", "x2"}
    assert box.limits["x0"][0] == pytest.approx(0.7, abs=0.05)
    assert box.limits["x2"][1] == pytest.approx(0.3, abs=0.05)
    n_in, failing_in = _count(X, y, box)
    assert (box.n, box.density) == (n_in, pytest.approx(failing_in / n_in))
    assert box.stability["x0"] >= 0.8 and box.stability["x2"] >= 0.8
    assert all(b.density > 0.5 for b in d.boxes)


def test_covering_finds_a_second_region() -> None:
    rng = np.random.default_rng(5)
    X = rng.random((1200, 5))
    y = ((X[:, 0] > 0.7) & (X[:, 2] < 0.3)) | ((X[:, 1] > 0.75) & (X[:, 3] > 0.7))
    d = discover(X, NAMES, y, seed=1, resamples=5)
    assert len(d.boxes) >= 2
    assert [set(b.limits) for b in d.boxes[:2]] in ([{"x0", "x2"}, {"x1", "x3"}], [{"x1", "x3"}, {"x0", "x2"}])
    assert sum(b.coverage for b in d.boxes) <= 1 + 1e-12
    assert d.boxes[1].stability == {}                      # the resampling check is for the first box


def test_a_whole_level_of_a_yes_no_input_does_not_crowd_out_a_continuous_one() -> None:
    """Failure iff x0 > 0.7; futures with x1 = 0 (40%) happen to fail less often. Peeling the whole
    x1 = 0 level raises density at once but loses a quarter of the failures; per future removed, peeling
    x0 gains more, so the box is x0's and keeps the failures."""
    rng = np.random.default_rng(5)
    x0, x1 = rng.random(600), (rng.random(600) < 0.6).astype(float)
    y = (x0 > 0.7) & ~((x1 == 0) & (rng.random(600) < 0.45))
    d = discover(np.column_stack([x0, x1]), ["x0", "x1"], y, seed=2, resamples=10)
    box = d.boxes[0]
    assert "x0" in box.limits and box.limits["x0"][0] == pytest.approx(0.7, abs=0.05)
    assert box.coverage >= 0.9


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_edge_cases_warn_instead_of_failing(method) -> None:
    X, _ = _futures(n=200)
    none = discover(X, NAMES, np.zeros(200, bool), method=method)
    assert none.boxes == [] and "no failing futures" in none.warnings[0]
    every = discover(X, NAMES, np.ones(200, bool), method=method)
    assert every.boxes == [] and "every future" in every.warnings[0]
    few = np.zeros(200, bool)
    few[np.argsort(X[:, 0])[-6:]] = True
    assert any("only 6 failing futures" in w for w in discover(X, NAMES, few, method=method, resamples=3).warnings)


def test_a_box_restricting_every_dimension_is_flagged() -> None:
    rng = np.random.default_rng(2)
    X = rng.random((500, 2))
    y = (X[:, 0] > 0.6) & (X[:, 1] > 0.6)
    d = discover(X, ["a", "b"], y, resamples=3)
    assert set(d.boxes[0].limits) == {"a", "b"}
    assert any("restricts every dimension" in w for w in d.warnings)


@pytest.mark.parametrize("kwargs, key", [
    ({"names": NAMES[:4]}, "names"), ({"method": "forest"}, "method"), ({"cases": np.full(50, 0.5)}, "cases"),
    ({"threshold_density": 1.5}, "threshold_density"), ({"min_mass": 0}, "min_mass"),
    ({"resamples": -1}, "resamples"), ({"X": np.full((50, 5), np.nan)}, "X"),
])
def test_bad_input_names_the_key(kwargs, key) -> None:
    X, y = _futures(n=50)
    args = {"X": X, "names": NAMES, "cases": y} | kwargs
    with pytest.raises(ExperimentError, match=key):
        discover(args.pop("X"), args.pop("names"), args.pop("cases"), **args)


def test_figures_are_written_and_reproducible(prim, tmp_path) -> None:
    _, _, d = prim
    for lang in ("en", "zh"):
        first = discovery_figures(d, tmp_path / "a", lang, f"discover_{lang}")
        again = discovery_figures(d, tmp_path / "b", lang, f"discover_{lang}")
        assert set(first) == {"trajectory", "limits"}
        for name, path in first.items():
            assert path.name == f"discover_{lang}_{name}.png"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.read_bytes() == again[name].read_bytes()


def test_cart_and_empty_results_draw_only_what_they_have(tmp_path) -> None:
    X, y = _futures(n=300)
    assert set(discovery_figures(discover(X, NAMES, y, method="cart", resamples=2), tmp_path, "en", "c")) == {"limits"}
    assert discovery_figures(discover(X, NAMES, np.zeros(300, bool)), tmp_path, "en", "e") == {}


def test_section_names_the_dimensions_in_both_languages(prim) -> None:
    _, _, d = prim
    figs = {"trajectory": "figures/discover_trajectory.png"}
    en = "\n".join(discovery_section(d, "en", figs))
    zh = "\n".join(discovery_section(d, "zh", figs))
    for text in (en, zh):
        assert "| x0 |" in text and "| x2 |" in text and "| x1 |" not in text
        assert "(figures/discover_trajectory.png)" in text
    assert "coverage" in en and "Scenario discovery" in en
    assert "覆盖率" in zh and "情景发现" in zh and "coverage" not in zh
    none = discover(np.eye(3), ["a", "b", "c"], np.zeros(3, bool))
    zh_none, en_none = ("\n".join(discovery_section(none, lang, {})) for lang in ("zh", "en"))
    assert "未找到情景框" in zh_none and "没有失败的情景" in zh_none and "no failing" not in zh_none
    assert "No box was found" in en_none and "no failing futures" in en_none


def test_a_yes_no_input_can_be_peeled_as_a_whole_level() -> None:
    """Half the futures have b = 0: a 5% quantile peel alone would never move b's lower face."""
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.random(600), rng.integers(0, 2, 600).astype(float), rng.random(600)])
    y = (X[:, 1] == 1) & (X[:, 0] > 0.6)
    d = discover(X, ["x", "b", "z"], y, resamples=10)
    assert d.boxes[0].limits["b"] == (1.0, 1.0)
    assert d.boxes[0].limits["x"][0] == pytest.approx(0.6, abs=0.05)
    assert "z" not in d.boxes[0].limits and d.boxes[0].density == 1.0


def test_few_futures_do_not_break_the_peeling() -> None:
    X = np.arange(40, dtype=float).reshape(20, 2)
    d = discover(X, ["a", "b"], np.arange(20) >= 12, min_mass=0.01, resamples=5)   # peels down to one future
    assert d.trajectory[-1]["mass"] == pytest.approx(1 / 20)
    assert d.boxes[0].density == 1.0 and d.boxes[0].coverage == 1.0
    tiny = discover(X[:6], ["a", "b"], np.arange(6) >= 4, resamples=5)   # 2 of 6: nothing is significant
    assert tiny.boxes == [] and any("no restriction is significant" in w for w in tiny.warnings)


def test_cart_without_a_failing_leaf_warns() -> None:
    X, _ = _futures(n=400)
    rare = np.zeros(400, bool)
    rare[::25] = True                                      # 16 failures spread over the whole space
    d = discover(X, NAMES, rare, method="cart", resamples=3)
    assert d.boxes == [] and any("no leaf of the tree" in w for w in d.warnings)


def test_redundant_restrictions_are_not_pruned_away_one_by_one() -> None:
    """The 40 futures of experiments/discover_failures.toml (seed 14, 25 assumption inputs; 12 futures
    miss a mean first response of 24 h). Peeling ends at a box of seven restrictions holding every
    failure and nothing else; each restriction alone adds only a future or two and is "insignificant",
    so pruning them one by one left no box at all, while CART found demand.scale > 1.155. Pruning keeps
    the density at the threshold: the box is demand's."""
    import csv
    rows = list(csv.reader((Path(__file__).parent / "fixtures" / "discovery_workshop_40_futures.csv").open()))
    names, data = rows[0][:-1], np.array(rows[1:], dtype=float)
    d = discover(data[:, :-1], names, data[:, -1] == 1, seed=14, resamples=10)
    assert d.boxes and "demand.scale" in d.boxes[0].limits
    assert 1.1 < d.boxes[0].limits["demand.scale"][0] < 1.2
    assert d.boxes[0].density >= 0.8 and d.boxes[0].coverage >= 0.9
