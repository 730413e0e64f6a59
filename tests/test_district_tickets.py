"""`govsim district tickets`: a ticket log in, a needs catalogue, a scenario and a fit report out;
and the need fields `hourly` and `monthly` that carry the log's profiles into the model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.district.tickets_estimate import estimate
from sim.district.tickets_read import parse_columns, read_log
from sim.district.tickets_synth import SCHEMAS, synthetic_log
from sim.district.tickets import map_needs
from sim.params import HOURLY_PROFILES
from sim.runner import run
from sim.scenario import ScenarioError, load

from helpers import ROOT, small

FIX = ROOT / "tests" / "fixtures" / "tickets"
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
COLUMNS_12345 = "created=受理时间,closed=办结时间,category=诉求类别,channel=来源渠道,lat=纬度,lon=经度"
BAD_COLUMNS = "created=受理时间,closed=办结时间,category=诉求类别,channel=来源渠道"
OUTPUTS = {"needs.toml", "scenario.toml", "estimates.json", "report.md", "report.zh.md", "figures"}


def tickets(*args: str, out: Path, sim_days: int = 20) -> int:
    return main(["district", "tickets", *args, "--scenario", BASELINE, "--sim-days", str(sim_days),
                 "--out", str(out)])


def gbk_log(out: Path) -> int:
    return tickets(str(FIX / "hotline_12345_gbk.csv"), "--columns", COLUMNS_12345, "--encoding", "gbk",
                   "--mapping", str(FIX / "mapping_12345.toml"), "--residents", "8000", out=out)


@pytest.fixture(scope="module")
def gbk_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gbk") / "district"
    assert gbk_log(out) == 0
    return out


# ------------------------------------------------------------------ end to end
def test_a_gbk_12345_log_gives_a_catalogue_scenario_and_report(gbk_out: Path) -> None:
    assert {p.name for p in gbk_out.iterdir()} == OUTPUTS
    est = json.loads((gbk_out / "estimates.json").read_text(encoding="utf-8"))
    assert set(est["needs"]) == {"heating", "repair", "dispute", "sanitation"}
    assert list(est["unmapped"]) == ["交通"] and est["rejected"] == {"unknown category": est["unmapped"]["交通"]}
    assert est["used"] + est["unmapped"]["交通"] == est["rows_read"]
    scenario = load(gbk_out / "scenario.toml")
    heating = next(n for n in scenario.needs if n.name == "heating")
    assert len(heating.hourly) == 24 and len(heating.monthly) == 12 and heating.season_start == ""
    assert scenario["territory.residents"] == 8000
    for report in ("report.md", "report.zh.md"):
        text = (gbk_out / report).read_text(encoding="utf-8")
        assert "交通 (" in text and "heating" in text
    assert "拟合报告" in (gbk_out / "report.zh.md").read_text(encoding="utf-8")
    for name in ("rates", "hour", "weekday", "month", "resolution"):
        assert (gbk_out / "figures" / f"{name}.png").stat().st_size > 1000
        assert (gbk_out / "figures" / "zh" / f"{name}.png").is_file()


def test_the_written_catalogue_loads_as_a_scenario_and_runs(gbk_out: Path) -> None:
    catalogue = load(gbk_out / "needs.toml")   # extends the base scenario
    assert {"heating", "certificate"} <= {n.name for n in catalogue.needs}
    outcomes = run(load(gbk_out / "scenario.toml", {"sim.days": 20, "sim.warmup_days": 5}), seed=3)
    assert len(outcomes.case_rows) > 0


def test_the_nyc311_preset_reads_the_public_schema(tmp_path: Path, capsys) -> None:
    out = tmp_path / "nyc"
    assert tickets(str(FIX / "nyc311_sample.csv"), "--preset", "nyc311", "--mapping",
                   str(FIX / "mapping_nyc311.csv"), "--residents", "34000", out=out) == 0
    est = json.loads((out / "estimates.json").read_text(encoding="utf-8"))
    assert list(est["unmapped"]) == ["Illegal Parking"]
    assert {"heating", "dispute", "utilities"} <= set(est["needs"])
    assert est["needs"]["heating"]["channels"].keys() <= {"PHONE", "ONLINE", "MOBILE"}
    assert "Illegal Parking" in capsys.readouterr().out


def test_bad_rows_are_counted_exactly_with_examples(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bad"
    assert tickets(str(FIX / "bad_rows.csv"), "--columns", BAD_COLUMNS, "--mapping",
                   str(FIX / "mapping_12345.toml"), "--residents", "2000", out=out) == 0
    printed = capsys.readouterr().out
    assert ("rejected 7 rows: 2 unparseable time, 1 missing created time, 1 closed before created, "
            "1 empty category, 2 unknown category") in printed
    est = json.loads((out / "estimates.json").read_text(encoding="utf-8"))
    assert est["rows_read"] == 15 and est["used"] == 8
    assert est["rejected"] == {"unparseable time": 2, "missing created time": 1, "closed before created": 1,
                               "empty category": 1, "unknown category": 2}
    assert est["rejected_examples"]["closed before created"] == [
        "line 9: created='2025-03-06 09:00:00', closed='2025-03-05 09:00:00', category='供暖', channel='电话'"]
    assert est["unmapped"] == {"交通": 2}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "line 10" in report and "unparseable time" in report
    # the slashed time (2025/03/05) is read; an empty closed time is an open ticket, not a bad row
    assert est["needs"]["sanitation"]["resolution"]["open"] == 1


# ------------------------------------------------------------------ estimates
def test_estimates_recover_the_rates_and_hourly_profile_of_a_known_log(tmp_path: Path) -> None:
    rates = {"heating": 0.05, "repair": 0.10, "sanitation": 0.03}
    residents, days = 20_000, 365
    office = HOURLY_PROFILES["office"]
    path = tmp_path / "known.csv"
    synthetic_log(rates, residents, "2025-01-01", days, seed=7, hourly=office, resolution=(2.5, 0.8)).to_csv(
        path, index=False)
    columns, _ = parse_columns(COLUMNS_12345, None)
    log = read_log(path, columns)
    map_needs(log, {n: n for n in rates})
    est = estimate(log.tickets, residents)
    years = days / 365.25
    for need, rate in rates.items():
        e = est["needs"][need]
        se = math.sqrt(rate * residents * years) / residents / years   # Poisson
        assert abs(e["rate"] - rate) < 4 * se + 1e-4, (need, e["rate"], rate)
        share = np.asarray(office) / sum(office)
        got = np.asarray(e["hourly"]) / 24
        assert (np.abs(got - share) < 4 * np.sqrt(share * (1 - share) / e["tickets"]) + 1e-4).all(), need
        assert abs(e["rest_day_factor"] - 1.0) < 0.15 and max(abs(m - 1) for m in e["monthly"]) < 0.35
        r = e["resolution"]
        assert abs(r["lognormal_mu"] - 2.5) < 0.08 and abs(r["lognormal_sigma"] - 0.8) < 0.06
        assert abs(r["median_h"] - math.exp(2.5)) < 1.5


def test_the_same_log_gives_identical_files(tmp_path: Path, gbk_out: Path) -> None:
    out = gbk_out.parent / "again"
    assert gbk_log(out) == 0
    files = sorted(p.relative_to(gbk_out) for p in gbk_out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for f in files:
        assert (gbk_out / f).read_bytes() == (out / f).read_bytes(), f


# ------------------------------------------------------------------ errors
LOG_12345 = str(FIX / "hotline_12345_gbk.csv")


@pytest.mark.parametrize("argv, message", [
    ([LOG_12345, "--columns", COLUMNS_12345.replace("诉求类别", "类别"), "--encoding", "gbk"],
     "hotline_12345_gbk.csv: no column '类别' (given for category); the file's columns: '受理时间'"),
    ([LOG_12345, "--columns", COLUMNS_12345], "not utf-8-sig text"),
    ([LOG_12345, "--columns", COLUMNS_12345, "--encoding", "klingon"], "unknown encoding"),
    (["missing.csv", "--columns", COLUMNS_12345], "missing.csv: no such file"),
    ([LOG_12345, "--columns", "created=受理时间,category=诉求类别"], "no column given for closed, channel"),
    ([LOG_12345, "--columns", COLUMNS_12345 + ",colour=x"], "ROLE one of created"),
    ([LOG_12345, "--columns", COLUMNS_12345, "--encoding", "gbk", "--mapping", str(FIX / "bad_mapping.toml")],
     "'供暖' -> 'warmth': not a need type of the catalogue; allowed: certificate"),
    ([str(FIX / "bad_rows.csv"), "--columns", BAD_COLUMNS], "no usable ticket"),
])
def test_errors_exit_2_naming_what_and_write_nothing(tmp_path: Path, capsys, argv, message) -> None:
    (FIX / "bad_mapping.toml").exists() or pytest.fail("fixture bad_mapping.toml missing")
    out = tmp_path / "out"
    assert tickets(*argv, out=out) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []


def test_a_non_empty_out_is_refused_unless_forced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    argv = [str(FIX / "bad_rows.csv"), "--columns", BAD_COLUMNS, "--mapping", str(FIX / "mapping_12345.toml")]
    assert tickets(*argv, out=out) == 2
    assert "add --force" in capsys.readouterr().err and sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert tickets(*argv, "--force", out=out) == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS | {"notes.txt"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]   # no temporary folder left beside it


def test_a_failure_while_writing_leaves_no_half_written_out(tmp_path: Path, monkeypatch) -> None:
    import sim.district.tickets_report as report

    def broken(out, *args, **kwargs):
        (out / "report.md").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(report, "write_report", broken)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        tickets(str(FIX / "bad_rows.csv"), "--columns", BAD_COLUMNS, "--mapping", str(FIX / "mapping_12345.toml"),
                out=out)
    assert list(tmp_path.iterdir()) == []


def test_small_logs_are_flagged_and_no_hour_is_impossible(tmp_path: Path) -> None:
    out = tmp_path / "bad"
    assert tickets(str(FIX / "bad_rows.csv"), "--columns", BAD_COLUMNS, "--mapping",
                   str(FIX / "mapping_12345.toml"), "--residents", "2000", out=out) == 0
    assert "Fewer than 50 tickets" in (out / "report.md").read_text(encoding="utf-8")
    heating = next(n for n in load(out / "scenario.toml").needs if n.name == "heating")
    assert min(heating.hourly) > 0 and sum(heating.hourly) == pytest.approx(24, abs=1e-3)


# ------------------------------------------------------------------ the model's hourly and monthly fields
def test_simulated_arrivals_follow_the_hourly_and_monthly_fields() -> None:
    hourly = [0.0] * 24
    hourly[9], hourly[20] = 3.0, 1.0
    monthly = [0.0] * 12
    monthly[0], monthly[1] = 1.0, 2.0   # January, and February twice as busy per day
    sc = small(residents=4000, days=59, **{"sim.warmup_days": 1, "needs.repair.hourly": hourly,
                                           "needs.repair.monthly": monthly, "needs.repair.rate_other": 2.0,
                                           "needs.repair.rate_elderly": 2.0})
    out = run(sc, seed=5)
    cols = out.case_columns
    rows = [r for r in out.case_rows if r[cols.index("need")] == "repair"]
    t = np.array([r[cols.index("t_arise")] for r in rows])
    hours = np.floor((t % 1) * 24).astype(int)
    assert set(hours) == {9, 20}
    assert abs((hours == 9).mean() - 0.75) < 0.03
    jan, feb = (t < 31).sum() / 31, (t >= 31).sum() / 28
    assert 1.75 < feb / jan < 2.3


@pytest.mark.parametrize("key, value", [
    ("hourly", [1.0] * 23), ("hourly", [0.0] * 24), ("monthly", [1.0] * 11 + [-1.0]),
    ("monthly", [True] * 12), ("hourly", "office"), ("monthly", [1.0] * 11 + [math.inf]),
])
def test_bad_hourly_or_monthly_fields_are_refused_clearly(key, value) -> None:
    with pytest.raises(ScenarioError) as err:
        small(**{f"needs.repair.{key}": value})
    assert f"needs.repair.{key}" in str(err.value)
    assert "a list of" in str(err.value) and "or [] for none" in str(err.value)


def test_empty_profiles_leave_the_model_as_it_was() -> None:
    a = run(small(days=20), seed=2).summary
    b = run(small(days=20, **{"needs.repair.hourly": [], "needs.repair.monthly": []}), seed=2).summary
    assert a == b


def test_the_synthetic_schemas_name_the_presets_columns() -> None:
    columns, fmt = parse_columns(None, "nyc311")
    assert {r: SCHEMAS["nyc311"][r] for r in columns} == columns and fmt == SCHEMAS["nyc311"]["format"]
