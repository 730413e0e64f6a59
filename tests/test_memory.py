"""The memory estimate (sim/memory.py) against what runs really allocate, and its pieces."""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path

import pytest

from sim import memory
from sim.cli import write_outputs
from sim.runner import run
from sim.scenario import load
from tests.helpers import SCENARIOS


@pytest.mark.parametrize("residents, days", [(3_000, 40), (12_000, 120)])
def test_the_estimate_is_within_a_factor_of_1_5_of_the_measured_peak(residents, days) -> None:
    """What a run allocates (tracemalloc's peak over the run and writing its outputs, as `govsim
    run` does) against the estimate of the run's own memory (imports excluded)."""
    scenario = load(SCENARIOS / "baseline.toml", {"territory.residents": residents, "sim.days": days,
                                                  "sim.warmup_days": 5})
    tracemalloc.start()
    try:
        out = run(scenario, 1)
        with tempfile.TemporaryDirectory() as tmp:
            write_outputs(Path(tmp) / "out", scenario, 1, out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    est = memory.estimate(scenario)
    assert 1 / 1.5 <= est.run / peak <= 1.5, (est.run, peak)
    assert 0.8 <= out.summary["cases.created"] / est.cases <= 1.25


def test_grid_workers_are_counted_as_the_territory_makes_them() -> None:
    from sim.model import GovernanceModel

    for overrides in ({}, {"grid.households_per_grid": 50, "grid.workers_per_grid": 3},
                      {"territory.households_per_community": 300, "grid.households_per_grid": 1000}):
        scenario = load(SCENARIOS / "workshop.toml", overrides)
        model = GovernanceModel(scenario, 1)
        assert memory.grid_workers(scenario.values) == len(model.workers), overrides


@pytest.mark.parametrize("text, size", [("4G", 4 * 1024 ** 3), ("512M", 512 * 1024 ** 2), ("1.5GB", int(1.5 * 1024 ** 3)),
                                        ("2GiB", 2 * 1024 ** 3), ("1000000", 1_000_000), ("64k", 65_536)])
def test_memory_sizes(text, size) -> None:
    assert memory.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1G", "0", "4Q", "1e400", "9" * 5000])
def test_bad_memory_sizes(text) -> None:
    with pytest.raises(ValueError):
        memory.parse_size(text)


def test_available_memory_is_known_on_linux_and_macos() -> None:
    import sys
    if sys.platform.startswith(("linux", "darwin")):
        assert memory.available() > 64 * 1024 ** 2


def test_a_big_run_prints_its_estimate_before_it_starts(monkeypatch, capsys, tmp_path) -> None:
    import sim.cli

    monkeypatch.setattr(memory, "ANNOUNCE_BYTES", 1)
    monkeypatch.setattr(sim.cli, "git_commit", lambda: "0" * 40)
    argv = ["run", str(SCENARIOS / "workshop.toml"), "--days", "10", "--set", "territory.residents=500", "--set",
            "sim.warmup_days=2", "--no-progress", "--out", str(tmp_path / "out")]
    assert sim.cli.main(argv) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "of memory for 500 residents" in first


def test_an_experiment_run_that_does_not_fit_fails_with_the_numbers_instead_of_being_killed(monkeypatch) -> None:
    from sim.lab.tasks import run_batch

    scenario = load(SCENARIOS / "workshop.toml", {"territory.residents": 500, "sim.days": 5,
                                                  "sim.warmup_days": 1}).to_dict()
    built = []
    monkeypatch.setattr("sim.model.GovernanceModel.__init__", lambda *a, **k: built.append(a) or 1 / 0)
    monkeypatch.setattr(memory, "available", lambda: 64 * 1024 ** 2)
    [result] = run_batch([("r0", scenario, 1, ("cases.created",), False)])
    assert result["status"] == "failed" and not built
    assert "MemoryLimitError" in result["traceback"] and "64.0 MB available" in result["traceback"]
    assert "fewer --workers" in result["traceback"]


def test_parallel_workers_and_the_dashboards_two_models_are_counted(monkeypatch, capsys, tmp_path) -> None:
    """One run fits, two at once do not: `--workers 2` and the dashboard (models A and B side by
    side) are refused before anything starts; `--workers 1` runs."""
    from sim.lab.experiment import load_experiment
    from tests.hostile import assert_refused

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.cli.git_commit", lambda: "0" * 40)
    workshop = SCENARIOS / "workshop.toml"
    one = memory.estimate(load(workshop, {"sim.days": 40})).total
    monkeypatch.setattr(memory, "available", lambda: int(one * 1.5))
    small = tmp_path / "small.toml"
    small.write_text(f'extends = "{workshop}"\nname = "small"\n[sim]\ndays = 40\n', encoding="utf-8")
    study = tmp_path / "study.toml"
    study.write_text(f'name = "two"\ndesign = "compare"\nscenarios = ["{workshop}", "{small}"]\nreps = 2\n'
                     'days = 40\n', encoding="utf-8")
    load_experiment(study)  # validation: one run fits
    line = assert_refused(["experiment", str(study), "--workers", "2", "--no-progress"], capsys, [tmp_path])
    assert "× 2 runs at once" in line and "fewer --workers" in line
    line = assert_refused(["dashboard", str(small)], capsys, [tmp_path])
    assert "× 2 runs at once" in line
    from sim.cli import main

    assert main(["experiment", str(study), "--workers", "1", "--no-progress", "--out", str(tmp_path / "o")]) == 0


def test_the_cases_that_submodels_make_are_counted() -> None:
    """Festering collective issues' disputes, recurring disputes, businesses' hazards and incidents are
    counted from the parameters, leaning high: runs that make many of them stay within the estimate
    (never more than its 1.25×), and each part is zero when its process is off. Below, the estimate
    may lean far high: the festering stock of a three-community territory is lumpy (one issue can
    touch hundreds of households), and the bound assumes no issue is ever agreed."""
    # no meetings: the bound assumes no issue is ever agreed, so here the runs come near it
    overrides = {"territory.residents": 3_000, "sim.days": 60, "sim.warmup_days": 5,
                 "deliberation.festering_needs_per_household_year": 1.0, "safety.business_hazard_rate": 5.0,
                 "deliberation.meetings_per_month": 0.0}
    scenario = load(SCENARIOS / "baseline.toml", overrides)
    est = memory.estimate(scenario)
    made = memory.made_cases(scenario, 60)
    assert made > est.cases - made          # most of the expected cases come from the submodels here
    created = [run(scenario, seed).summary["cases.created"] for seed in (1, 2)]
    assert all(c <= 1.25 * est.cases for c in created), (created, est.cases)
    assert max(created) >= 0.8 * est.cases, (created, est.cases)
    off = load(SCENARIOS / "baseline.toml", {**overrides, "deliberation.festering_need": "",
                                             "safety.dispute_need": "", "safety.business_hazard_need": ""})
    rates = memory.arrival_rates(off)
    assert memory.festering_cases(off, 60) == memory.business_hazards(off, 60) == 0.0
    assert memory.recurring_disputes(off, 60, rates, 0.0) == 0.0
    assert memory.made_cases(off, 60) == memory.incidents(off, 60, rates, 0.0)   # hazards of the catalogue only


def test_demand_scale_raises_the_expected_cases() -> None:
    base = load(SCENARIOS / "baseline.toml", {"sim.days": 40})
    double = load(SCENARIOS / "baseline.toml", {"sim.days": 40, "demand.scale": 2.0})
    assert sum(memory.arrival_rates(double)) == 2 * sum(memory.arrival_rates(base))
    assert memory.estimate(double).cases > 1.8 * memory.estimate(base).cases
