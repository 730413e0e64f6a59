"""The experiment layer so far: paired comparison, statistics, executors, `govsim compare`."""

import numpy as np
import pytest

from sim.cli import main
from sim.lab.compare import compare, holm, mean_ci, replication_seeds
from sim.lab.executors import SerialExecutor, make_executor
from tests.helpers import SCENARIOS, small


def test_holm_adjusts_like_the_textbook():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, float("nan"), 0.01]) == pytest.approx([0.5, float("nan"), 0.02], nan_ok=True)
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])  # 2 x 0.8 capped at 1; monotone


def test_confidence_intervals_cover_the_known_mean_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(4_000):
        _, lo, hi = mean_ci(rng.normal(5.0, 2.0, size=8))
        hits += lo <= 5.0 <= hi
    assert 0.94 <= hits / 4_000 <= 0.96


def test_replication_seeds_are_distinct_and_reproducible():
    seeds = replication_seeds(7, 50)
    assert len(set(seeds)) == 50 and seeds == replication_seeds(7, 50)
    assert replication_seeds(7, 3) == seeds[:3] and replication_seeds(8, 3) != seeds[:3]


def _two():
    # Forty days from 3 March: no public holiday. From 1 January the window would hold the eight
    # days of the Spring Festival, whose backlog dominates every response time. 6,000 residents:
    # at 3,000 the township has two staff, whose queue of top-down tasks swamps any comparison.
    spring = {"sim.start_date": "2025-03-03"}
    return [small("baseline", residents=6_000, days=40, **spring),
            small("small_grids", residents=6_000, days=40, **spring)]


def test_serial_and_process_pool_give_identical_results():
    serial = compare(_two(), reps=3, seed=5, executor=SerialExecutor())
    with make_executor("process", 2) as pool:
        parallel = compare(_two(), reps=3, seed=5, executor=pool)
    for name in serial.values:
        assert np.array_equal(serial.values[name], parallel.values[name], equal_nan=True)


def test_comparison_is_paired_and_reports_differences():
    result = compare(_two(), reps=4, seed=1, executor=SerialExecutor())
    rows = {(r["scenario"], r["outcome"]): r for r in result.rows}
    base = rows[("baseline", "response_time_h.mean")]
    other = rows[("small_grids", "response_time_h.mean")]
    assert np.isnan(base["diff"]) and not np.isnan(other["diff"])
    d = result.values["small_grids"][:, 0] - result.values["baseline"][:, 0]
    assert other["diff"] == pytest.approx(d.mean())
    assert other["diff_ci_low"] <= other["diff"] <= other["diff_ci_high"]
    assert 0.0 <= other["p_holm"] <= 1.0 and other["p_holm"] >= other["p_value"]
    # Paired: the same seeds give the same needs, so the difference is far tighter than the means.
    assert other["diff_ci_high"] - other["diff_ci_low"] < other["ci_high"] - other["ci_low"]


def test_govsim_compare_end_to_end(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "burden_reduction.toml"),
            "--reps", "2", "--days", "31", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    assert {p.name for p in out.iterdir()} == {"comparison.csv", "report.md", "manifest.json", "runs.csv",
                                               "ledger.sqlite", "figures"}
    assert {p.name for p in (out / "figures").iterdir()} >= {"distributions.png", "response_cdf.png",
                                                             "satisfaction_over_time.png", "forest.png"}
    assert "burden_reduction" in (out / "report.md").read_text()
    lines = (out / "comparison.csv").read_text().splitlines()
    assert lines[0].startswith("scenario,outcome,mean,ci_low,ci_high,diff")
    assert len(lines) == 1 + 2 * 10  # two scenarios, ten key outcomes


def test_govsim_compare_bad_input(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(SCENARIOS / "baseline.toml"), "--out", str(out)]) == 2
    assert "at least two scenarios" in capsys.readouterr().err and not out.exists()
    assert main(["compare", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "baseline.toml"),
                 "--out", str(out)]) == 2
    assert "names must differ" in capsys.readouterr().err and not out.exists()


def test_sequential_stopping_adds_replications_until_precise():
    from sim.lab.compare import STOPPING_OUTCOMES, precise_enough

    rng = np.random.default_rng(1)
    noisy = {"a": rng.normal(10.0, 3.0, size=(4, 1))}
    assert not precise_enough(noisy, 0.01)
    assert precise_enough({"a": rng.normal(10.0, 0.01, size=(4, 1))}, 0.01)
    scenarios = _two()
    # "Loose" (0.6) is met within a few batches, "tight" (0.05) needs more replications.
    loose = compare(scenarios, reps=3, seed=2, executor=SerialExecutor(), precision=0.6, max_reps=12)
    tight = compare(scenarios, reps=3, seed=2, executor=SerialExecutor(), precision=0.05, max_reps=12)
    watched = [j for j, k in enumerate(loose.outcomes) if k in STOPPING_OUTCOMES]

    def ok(result, h):
        return precise_enough({n: v[:, watched] for n, v in result.values.items()}, h)

    # Batches of 3: the loose run stops at the first batch that is precise enough — after the
    # first (3) or a later one, which then follows a batch that was not.
    n = len(loose.seeds)
    assert n % 3 == 0 and n < 12 and ok(loose, 0.6)
    if n > 3:
        assert not precise_enough({name: v[:n - 3, watched] for name, v in loose.values.items()}, 0.6)
    assert len(tight.seeds) > len(loose.seeds)
    assert len(tight.seeds) == 12 or ok(tight, 0.05)
    # Earlier replications keep their seeds and values as more are added.
    assert np.array_equal(tight.values["baseline"][:n], loose.values["baseline"], equal_nan=True)
