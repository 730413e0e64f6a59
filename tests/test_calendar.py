"""Time is not flat: the real calendar (weekdays, public holidays, 调休), and arrivals by season,
rest day and hour of the day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim import schedule as ev
from sim import run
from sim.cli import main
from sim.dates import Dates, parse_month_day, parse_start_date, year_workdays
from sim.params import HOURLY_PROFILES
from sim.scenario import ScenarioError, load
from sim.submodels.arrivals import hourly_cdf
from tests.helpers import SCENARIOS, model_of, small

BASELINE = SCENARIOS / "baseline.toml"
SEEDS = (1, 2, 3)


def _calendar(start: str = "2025-01-01", workdays: int = 5) -> ev.Calendar:
    return ev.Calendar(8.5, 8.0, 2.0, workdays, Dates(parse_start_date(start), 400))


def _day(start: str, date: str) -> int:
    return (dt.date.fromisoformat(date) - dt.date.fromisoformat(start)).days


# ---------------------------------------------------------------- the calendar
def test_national_day_2025_has_no_shift_and_the_make_up_sunday_has_one() -> None:
    cal = _calendar()
    for d in range(1, 9):
        assert cal.shift_events(_day("2025-01-01", f"2025-10-0{d}")) == [], f"1-8 Oct: day {d} is a holiday"
    assert len(cal.shift_events(_day("2025-01-01", "2025-09-28"))) == 3, "Sunday 28 Sep 2025 is worked (调休)"
    assert len(cal.shift_events(_day("2025-01-01", "2025-10-11"))) == 3, "Saturday 11 Oct 2025 is worked"
    assert cal.shift_events(_day("2025-01-01", "2025-10-12")) == []


def test_spring_festival_2026_follows_the_announcement() -> None:
    cal = _calendar("2026-01-01")
    assert not cal.is_workday(_day("2026-01-01", "2026-02-16"))   # a Monday of the Spring Festival
    assert cal.is_workday(_day("2026-01-01", "2026-02-14"))       # a Saturday worked in exchange


@pytest.mark.parametrize(("start", "weekday"), [("2025-01-01", 2), ("2025-03-03", 0), ("2025-03-08", 5)])
def test_day_0_is_the_start_date(start: str, weekday: int) -> None:
    s = small(days=20, **{"sim.start_date": start})
    m = model_of(s)
    assert m.calendar.dates.date(0) == dt.date.fromisoformat(start)
    assert int(m.calendar.dates.weekday[0]) == weekday
    m.run_for(14)
    ts = m.recorder.columns()
    assert ts["date"][0] == start and len(ts["date"]) == 14
    weekdays = [int(dt.date.fromisoformat(d).weekday() < 5) for d in ts["date"]]
    if start == "2025-01-01":
        assert ts["workday"][0] == 0 and ts["workday"][1:].tolist() == weekdays[1:], "New Year's Day is a holiday"
    else:  # no holiday in these March fortnights
        assert ts["workday"].tolist() == weekdays


def test_six_and_seven_day_weeks_keep_their_meaning() -> None:
    seven, six = _calendar(workdays=7), _calendar(workdays=6)
    national_day = _day("2025-01-01", "2025-10-01")   # a Wednesday
    assert seven.is_workday(national_day) and six.is_workday(national_day), "holidays count only with 5"
    sunday = _day("2025-01-01", "2025-01-05")
    assert not six.is_workday(sunday) and six.is_workday(sunday - 1) and seven.is_workday(sunday)


def test_years_beyond_the_announcements_fall_back() -> None:
    work, source = year_workdays(2030)
    assert source == "computed"
    assert not work[_day("2030-01-01", "2030-10-01")], "National Day is computed for any year"
    assert not work[_day("2030-01-01", "2030-02-04")], "the Spring Festival follows the lunar calendar"
    assert year_workdays(2025)[1] == "announced"
    assert year_workdays(2150)[1] == "weekends"
    dates = Dates(dt.date(2026, 12, 30), 3)
    dates.ensure(800)   # a run that goes on past its end spans several years and sources
    assert len(dates) > 800 and not dates.workday[_day("2026-12-30", "2027-10-01")]


def test_in_hours_follows_the_shift_and_the_holidays() -> None:
    cal = _calendar()
    day = _day("2025-01-01", "2025-01-06")  # a Monday
    t = np.array([day + 9 / 24, day + 8 / 24, day + 16.6 / 24, day + 16.4 / 24, 0.5])  # shift 08:30-16:30; 0.5: 1 Jan
    assert cal.in_hours(t).tolist() == [True, False, False, True, False]


# ---------------------------------------------------------------- arrivals
def _yearly_draws(scenario, seed: int, days: int = 365):
    m = model_of(scenario, seed)
    ts, ks = [], []
    for d in range(days):
        t, _, k = m.arrivals._draw(d)
        ts.append(t)
        ks.append(k)
    return m, np.concatenate(ts), np.concatenate(ks)


def test_heating_arrives_only_in_the_heating_season_at_the_catalogue_rate() -> None:
    s = small(residents=20_000, days=365)
    heating = [n.name for n in s.needs].index("heating")
    need = s.needs[heating]
    for seed in SEEDS:
        m, t, k = _yearly_draws(s, seed)
        days = np.floor(t[k == heating]).astype(int)
        md = m.calendar.dates.month_day[days]
        assert ((md >= 1020) | (md <= 420)).all(), "no heating failure between 21 April and 19 October"
        n_other, n_elderly = (len(g) for g in m.by_age)
        expected = need.rate_other * n_other + need.rate_elderly * n_elderly  # a year: the catalogue rate
        assert abs(len(days) - expected) < 4 * np.sqrt(expected), (len(days), expected)


def test_rest_day_factor_and_annual_total() -> None:
    s = small(residents=20_000, days=365)
    cert = [n.name for n in s.needs].index("certificate")
    need = s.needs[cert]
    m, t, k = _yearly_draws(s, 1)
    days = np.floor(t[k == cert]).astype(int)
    work = m.calendar.dates.workday[:365]
    per_work, per_rest = (np.bincount(days, minlength=365)[mask].mean() for mask in (work, ~work))
    assert per_rest / per_work == pytest.approx(need.rest_day_factor, abs=0.1)
    expected = need.rate_other * len(m.by_age[0]) + need.rate_elderly * len(m.by_age[1])
    assert abs(len(days) - expected) < 4 * np.sqrt(expected)


def test_hourly_arrivals_follow_the_profile() -> None:
    from scipy.stats import chisquare

    s = small(residents=20_000, days=365)
    names = [n.name for n in s.needs]
    _, t, k = _yearly_draws(s, 2, days=120)
    for name in ("certificate", "heating"):
        j = names.index(name)
        hours = np.floor((t[k == j] % 1.0) * 24).astype(int)
        observed = np.bincount(hours, minlength=24)
        w = np.array(HOURLY_PROFILES[s.needs[j].profile])
        assert chisquare(observed, w / w.sum() * observed.sum()).pvalue > 1e-3, (name, observed)
    clock = (t[k == names.index("certificate")] % 1.0) * 24
    assert ((clock >= 8) & (clock < 18)).mean() > 0.6, "certificates arise mostly in office hours"


def test_flat_catalogue_draws_as_before() -> None:
    """A catalogue without the new fields keeps flat arrivals: the times are day + uniform."""
    cdf = hourly_cdf(HOURLY_PROFILES["flat"])
    assert np.allclose(cdf, np.arange(25) / 24)
    s = small(residents=3_000, days=20)
    flat = s.with_values({f"needs.{n.name}.{f}": v for n in s.needs
                          for f, v in (("profile", "flat"), ("rest_day_factor", 1.0),
                                       ("season_start", ""), ("season_end", ""))})
    m = model_of(flat)
    assert all((m.arrivals.day_factors(d) == 1.0).all() for d in range(20))


def test_a_year_of_day_factors_averages_one() -> None:
    m = model_of(small(days=365))
    f = np.array([m.arrivals.day_factors(d) for d in range(365)])
    assert np.allclose(f.mean(axis=0), 1.0)


# ---------------------------------------------------------------- outputs, determinism, errors
def test_runs_are_deterministic_with_the_calendar() -> None:
    s = small(days=40, **{"sim.start_date": "2025-09-20"})
    a, b = run(s, seed=4), run(s, seed=4)
    assert a.summary.keys() == b.summary.keys()
    assert all(a.summary[x] == b.summary[x] or (a.summary[x] != a.summary[x] and b.summary[x] != b.summary[x])
               for x in a.summary)
    assert a.case_rows == b.case_rows
    assert (a.timeseries["date"] == b.timeseries["date"]).all()


def test_out_of_hours_reports_wait_longer() -> None:
    for seed in SEEDS:
        out = run(small(days=90), seed=seed).summary
        assert 0.3 < out["reports.out_of_hours_share"] < 0.8
        assert out["response_time_h.out_of_hours.mean"] > 3 * out["response_time_h.in_hours.mean"]


@pytest.mark.parametrize("value", ["2025-02-30", "2025/01/01", "1949-12-31", "2101-01-01", "", "20250101"])
def test_bad_start_date_is_a_clear_error(value: str, tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n[sim]\nstart_date = "{value}"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load(path)
    msg = str(info.value)
    assert str(path) in msg and "sim.start_date" in msg and "YYYY-MM-DD" in msg


def test_bad_start_date_exits_2(tmp_path, capsys) -> None:
    code = main(["run", str(BASELINE), "--set", "sim.start_date=2025-13-01", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "sim.start_date" in err[0] and "YYYY-MM-DD" in err[0]


@pytest.mark.parametrize(("body", "key", "words"), [
    ('season_start = "10-32"\nseason_end = "04-20"\n', "season_start", "MM-DD"),
    ('season_start = "10-20"\n', "season_end", "both ends"),
    ('profile = "nightly"\n', "profile", "'office'"),
    ("rest_day_factor = -1.0\n", "rest_day_factor", "[0, 10]"),
])
def test_bad_time_fields_are_clear_errors(body: str, key: str, words: str, tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n[needs.repair]\n{body}', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert f"needs.repair.{key}" in str(info.value) and words in str(info.value)


def test_month_days() -> None:
    assert parse_month_day("02-29") == 229 and parse_month_day("13-01") is None and parse_month_day("1-1") is None
