"""Reproducibility: same seed, same bytes; different seed, different results; common random numbers."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sim.cases import MADE_CASE_IDS
from sim.cli import main
from sim.runner import run
from sim.scenario import load

from conftest import (BASELINE, SCENARIOS, SMALL_DAYS, SMALL_OVERRIDES, govsim_executable, small_run_argv,
                      subprocess_env)

DATA_FILES = ("summary.json", "timeseries.csv", "cases.csv", "communities.csv", "surveys.json")
VOLATILE = {"created_utc", "wall_time_s"}  # what may differ between two runs with the same seed


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (*DATA_FILES, "manifest.json")}


def stable_manifest(raw: bytes) -> dict:
    m = json.loads(raw)
    assert VOLATILE <= set(m)
    return {k: v for k, v in m.items() if k not in VOLATILE}


def same(a, b) -> bool:
    """Equality that treats NaN as equal to NaN (summaries and series hold NaN where undefined)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b


def test_same_seed_same_bytes(tmp_path: Path, no_git) -> None:
    out = tmp_path / "out"
    argv = small_run_argv(out, seed=11)
    assert main(argv) == 0
    first = snapshot(out)
    assert main(argv) == 0  # the same command again, replacing the folder
    second = snapshot(out)
    for name in DATA_FILES:
        assert first[name] == second[name], f"{name} differs between two runs with the same seed"
    assert len(json.loads(first["surveys.json"])) > 0
    a, b = stable_manifest(first["manifest.json"]), stable_manifest(second["manifest.json"])
    assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b.get(k)}
    # Running elsewhere changes nothing but the folder either.
    other = tmp_path / "elsewhere"
    assert main(small_run_argv(other, seed=11)) == 0
    third = snapshot(other)
    for name in DATA_FILES:
        assert third[name] == first[name]


def test_different_seed_different_outputs(tmp_path: Path, small_run_dir: Path, no_git) -> None:
    out = tmp_path / "seed8"
    assert main(small_run_argv(out, seed=8)) == 0
    a, b = snapshot(small_run_dir), snapshot(out)  # seeds 7 and 8
    for name in ("summary.json", "timeseries.csv", "cases.csv"):
        assert a[name] != b[name], f"{name} is the same for seeds 7 and 8"
    ma, mb = json.loads(a["manifest.json"]), json.loads(b["manifest.json"])
    assert (ma["seed"], mb["seed"]) == (7, 8)
    assert ma["random_streams"] != mb["random_streams"]
    assert ma["scenario"] == mb["scenario"]


def test_script_in_a_fresh_process_matches(tmp_path: Path, small_run_dir: Path) -> None:
    """A subprocess with another PYTHONHASHSEED writes the same bytes as the in-process run (seed 7):
    nothing depends on per-process hashing or state left over in this process."""
    out = tmp_path / "fresh"
    done = subprocess.run([govsim_executable(), *small_run_argv(out, seed=7)], capture_output=True, text=True,
                          timeout=120, env=subprocess_env(PYTHONHASHSEED="12345"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    a, b = snapshot(small_run_dir), snapshot(out)
    for name in DATA_FILES:
        assert a[name] == b[name], f"{name} differs between in-process and subprocess runs"


def test_run_twice_in_one_process() -> None:
    kwargs = dict(days=SMALL_DAYS, overrides=SMALL_OVERRIDES)
    a = run(BASELINE, 21, **kwargs)
    other = run(BASELINE, 22, **kwargs)  # another run in between must not leak state
    b = run(load(BASELINE), 21, **kwargs)
    assert same(a.summary, b.summary)
    assert not same(a.summary, other.summary)
    assert a.timeseries.keys() == b.timeseries.keys()
    assert all(same(a.timeseries[k], b.timeseries[k]) for k in a.timeseries)
    assert a.case_columns == b.case_columns
    assert same(a.case_rows, b.case_rows)
    assert same(a.surveys, b.surveys) and len(a.surveys) == SMALL_DAYS // 10
    assert a.meta["events"] == b.meta["events"]


def test_longer_run_extends_the_shorter_one() -> None:
    """The model does not know its horizon: a 50-day run repeats a 40-day run's days exactly."""
    a = run(BASELINE, 3, days=SMALL_DAYS, overrides=SMALL_OVERRIDES)
    b = run(BASELINE, 3, days=SMALL_DAYS + 10, overrides=SMALL_OVERRIDES)
    for key, col in a.timeseries.items():
        assert same(col, b.timeseries[key][:SMALL_DAYS]), key
    assert same(a.surveys, b.surveys[:len(a.surveys)])
    t = a.case_columns.index("t_arise")
    fixed = [a.case_columns.index(c) for c in (*ARRIVAL, "case_id", "grid", "community", "authority_level")]
    assert [[r[i] for i in fixed] for r in a.case_rows] == \
        [[r[i] for i in fixed] for r in b.case_rows if r[t] <= SMALL_DAYS]
    # Timestamps that had happened by the end of the short run are the same in the long run.
    stamps = [i for i, c in enumerate(a.case_columns) if c.startswith("t_")]
    for ra, rb in zip(a.case_rows, b.case_rows):
        for i in stamps:
            if not math.isnan(ra[i]):
                assert ra[i] == rb[i], (a.case_columns[i], ra, rb)


# ---------------------------------------------------------- common random numbers
ARRIVAL = ("need", "resident_id", "household", "age_group", "digital", "urgency", "t_arise")


def arrivals(scenario: Path, seed: int, columns=ARRIVAL) -> list[tuple]:
    out = run(scenario, seed, days=SMALL_DAYS, overrides={**SMALL_OVERRIDES, "territory.residents": 6000})
    idx = [out.case_columns.index(c) for c in columns]
    case_id = out.case_columns.index("case_id")   # the arrivals; cases made during the run depend on service
    return [tuple(row[i] for i in idx) for row in out.case_rows if row[case_id] < MADE_CASE_IDS]


@pytest.fixture(scope="module")
def baseline_arrivals() -> list[tuple]:
    return arrivals(BASELINE, 5, (*ARRIVAL, "authority_level"))


@pytest.mark.parametrize("lever", ["burden_reduction", "small_grids", "large_grids", "smart_channels"])
def test_levers_face_the_same_needs(baseline_arrivals: list[tuple], lever: str) -> None:
    """Levers that do not change who has which need leave (need, resident, time) sequences identical,
    down to each case's authority level (drawn from the case stream at arrival)."""
    theirs = arrivals(SCENARIOS / f"{lever}.toml", 5, (*ARRIVAL, "authority_level"))
    assert len(theirs) == len(baseline_arrivals) > 100
    assert theirs == baseline_arrivals


def test_decentralisation_changes_levels_not_needs(baseline_arrivals: list[tuple]) -> None:
    theirs = arrivals(SCENARIOS / "decentralisation.toml", 5, (*ARRIVAL, "authority_level"))
    assert [r[:-1] for r in theirs] == [r[:-1] for r in baseline_arrivals]
    moved = [(a[-1], b[-1]) for a, b in zip(baseline_arrivals, theirs) if a[-1] != b[-1]]
    assert moved, "decentralisation handed nothing down"
    order = ["grid", "committee", "township", "county"]
    assert all(order.index(new) == order.index(old) - 1 for old, new in moved)


def test_crn_is_not_vacuous(baseline_arrivals: list[tuple]) -> None:
    assert arrivals(BASELINE, 6, (*ARRIVAL, "authority_level")) != baseline_arrivals
