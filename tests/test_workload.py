"""The workload that fills staff's days: top-down tasks (上级交办), the burden levers that cut them,
the monthly overtime cap and overload (issue 11, "Workload")."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cases import IN_SERVICE, QUEUED, RESOLVED
from sim.runner import run
from sim.scenario import ScenarioError, load
from sim.submodels.tasks import Assignment
from tests.helpers import ROOT, check_after_events, model_of, small
from tests.hostile import assert_refused
from tests.test_invariants import _check_conservation

SEEDS = (1, 2, 3, 4, 5, 6)
SIZE = {"residents": 5_000, "days": 90}
LEVERS = {"burden.forms_reduction": 0.5, "burden.assessment_reduction": 0.5, "burden.shared_data_entry": 0.5}


@functools.lru_cache(maxsize=None)
def summary(seed: int, **overrides) -> dict:
    return run(small("workshop", **SIZE, **overrides), seed, case_table=False).summary


def across(key: str, **overrides) -> np.ndarray:
    return np.array([summary(s, **overrides)[key] for s in SEEDS])


# ------------------------------------------------------------------ the time budget
@pytest.fixture(scope="module")
def baseline_year() -> dict:
    return run(small("baseline", residents=10_000, days=120), 1, case_table=False).summary


def test_time_budget_at_baseline_is_plausible(baseline_year):
    """The bands this test holds the baseline to: grid workers spend 20-40% of their scheduled hours
    on top-down tasks, and tasks and proactive work together fill half to three quarters of them
    (commonly reported: about half to two-thirds); committee staff are 30-70% occupied by cases and
    tasks (82.7% of Changzhou community workers report a heavy workload), township staff 40-80%."""
    o = baseline_year
    g = "workload.grid_worker."
    assert 0.2 <= o[g + "task_share"] <= 0.4, o[g + "task_share"]
    assert 0.5 <= o[g + "task_share"] + o[g + "proactive_share"] <= 0.75
    assert o[g + "paperwork_share"] == pytest.approx(2.0 / 8.0)
    assert 0.3 <= o["workload.committee.utilisation"] <= 0.7, o["workload.committee.utilisation"]
    assert 0.4 <= o["workload.township.utilisation"] <= 0.8, o["workload.township.utilisation"]
    for role in ("grid_worker", "committee", "township"):
        k = f"workload.{role}."
        assert o[k + "utilisation"] == pytest.approx(o[k + "case_share"] + o[k + "task_share"]
                                                     + o[k + "paperwork_share"])
        assert o[k + "task_share"] > o[k + "case_share"] or role == "township"
    assert o["workload.tasks.on_time"] > 0.9
    assert o["workload.tasks.hours"] == pytest.approx(sum(v for k, v in o.items()
                                                          if k.startswith("workload.tasks.hours_by_type.")))


# ------------------------------------------------------------- capacity under load
def test_committee_staff_matter():
    """Committee staff 5 -> 1: a community's tasks come per community, so one staff member cannot
    keep up, and general cases wait behind the tasks. About -25 points here; asked: lower on every
    seed and by 10 points on average."""
    five, one = across("rates.on_time"), across("rates.on_time", **{"committee.staff": 1})
    assert (one < five).all(), (five, one)
    assert one.mean() < five.mean() - 0.10, (five, one)


def test_doubling_demand_lowers_on_time():
    base, double = across("rates.on_time"), across("rates.on_time", **{"demand.scale": 2.0})
    assert (double < base).all(), (base, double)
    diff = double - base
    assert diff.mean() + 2 * diff.std(ddof=1) / math.sqrt(len(SEEDS)) < 0, diff


# --------------------------------------------------------------- burden levers
def test_burden_levers_cut_task_hours_on_every_seed():
    for s in SEEDS:
        a, b = summary(s), summary(s, **LEVERS)
        assert b["workload.tasks.drawn"] == a["workload.tasks.drawn"], "levers cut tasks, not the draws"
        assert a["workload.tasks.cut"] == 0 < b["workload.tasks.cut"]
        assert b["workload.tasks.hours"] < 0.8 * a["workload.tasks.hours"]
        assert b["workload.committee.task_share"] < a["workload.committee.task_share"]


def test_burden_levers_improve_response_under_load():
    """Under twice the demand the time the levers free shows in the response time: shorter on
    average over the paired seeds (2 standard errors). Twice the demand is near the grid's capacity
    (disputes take mediation time at every level, §7.37), where a seed's mean response swings by
    several hours, so this test runs half a year on twelve seeds."""
    load2 = {"demand.scale": 2.0, "sim.days": 180}
    seeds = range(1, 13)

    def response(**levers) -> np.ndarray:
        return np.array([run(small("workshop", residents=SIZE["residents"], **load2, **levers), s,
                             case_table=False).summary["response_time_h.mean"] for s in seeds])

    diff = response(**LEVERS) - response()
    assert diff.mean() + 2 * diff.std(ddof=1) / math.sqrt(len(diff)) < 0, diff


@pytest.mark.parametrize("key,kind", [("burden.forms_reduction", "forms"),
                                      ("burden.assessment_reduction", "assessment")])
def test_a_lever_cuts_its_own_tasks_and_more_of_them_the_higher_it_is(key, kind):
    runs = [summary(2, **{key: x}) for x in (0.0, 0.3, 0.8)]
    own = [k for k in runs[0] if k.startswith("workload.tasks.hours_by_type.") and k.endswith(kind)]
    others = [k for k in runs[0] if k.startswith("workload.tasks.hours_by_type.") and k not in own]
    assert own and others
    cut = [o["workload.tasks.cut"] for o in runs]
    assert cut[0] == 0 < cut[1] < cut[2]
    hours = [sum(o[k] for k in own) for o in runs]
    assert hours[2] < hours[1] < hours[0]
    for k in own:
        assert runs[2][k] <= runs[1][k] <= runs[0][k]   # a rare type may have nothing left to cut
    # The other types' draws are the same: only the tasks still in hand at the end may differ.
    assert sum(runs[2][k] for k in others) == pytest.approx(sum(runs[0][k] for k in others), rel=0.03)


def test_shared_data_entry_shortens_data_collection_only():
    a, b = summary(3), summary(3, **{"burden.shared_data_entry": 0.5})
    assert b["workload.tasks.cut"] == 0 and b["workload.tasks.drawn"] == a["workload.tasks.drawn"]
    k = "workload.tasks.hours_by_type.committee_data_collection"
    assert b[k] == pytest.approx(0.5 * a[k], rel=0.1)


def test_no_tasks_without_a_catalogue():
    """A scenario without [tasks.*] (as the M/M/c reduction) issues none and draws nothing."""
    from sim.validation import mmc_scenario

    sc = mmc_scenario(4.0, 1.0, 6, 2_000)
    assert sc.tasks == ()
    o = run(sc, 1, case_table=False).summary
    assert o["workload.tasks.issued"] == 0 and o["workload.grid_worker.task_share"] == 0


# ------------------------------------------------------------------- overtime
def test_overtime_cap_refuses_on_call_work():
    """With no overtime allowed, no urgent case is taken on call: it waits for the shift, and the
    urgent on-time rate cannot be better than under the 36-hour cap."""
    capped = summary(1, **{"worker.overtime_cap_hours_per_month": 0.0})
    usual = summary(1)
    assert capped["workload.on_call_refused"] > 0
    assert capped["rates.on_time.by_urgency.urgent"] <= usual["rates.on_time.by_urgency.urgent"]


def test_overtime_per_month_stays_near_the_cap_where_on_call_work_is_refused():
    model = model_of(small("workshop", residents=3_000, days=60, **{"worker.overtime_cap_hours_per_month": 2.0,
                                                                    "demand.scale": 4.0}), 2)
    model.run_for(60)
    assert model.service.refused, "a cap of 2 h a month binds at four times the demand"
    for s in [*model.workers, *model.township.desk.servers]:
        assert s.month_overtime(model.events.now) >= 0


def test_overload_slows_work_and_never_helps():
    """More slowing under overload never improves the on-time or the resolution rate (paired seeds).
    (The mean response is no measure here: it averages only the cases accepted, and slower work
    leaves more abandoned.)"""
    load4 = {"demand.scale": 4.0}
    for key in ("rates.on_time", "rates.resolution"):
        off = across(key, **load4, **{"worker.overload_effort": 0.0})
        on = across(key, **load4, **{"worker.overload_effort": 1.0})
        assert (on <= off).all(), (key, off, on)


def test_overload_lowers_quality_and_never_helps():
    """Tired work: with closures by overloaded servers more often unsolved, fewer cases are solved in
    every seed, and fewer residents satisfied on average, at the same load. Satisfied counts every
    rating and the cases left open past their deadline (`ratings.satisfaction_rate`); the follow-up
    calls' rate cannot show it (seeds 1-6: +0.0001 on average), since reopened cases add rework and
    the worst served are not yet called at the end."""
    load4 = {"demand.scale": 4.0}
    assert (across("workload.closed_at_overtime_cap_share", **load4) > 0).all()
    off = {k: across(k, **load4, **{"worker.overload_unsolved": 0.0})
           for k in ("rates.solved", "ratings.satisfaction_rate")}
    on = {k: across(k, **load4, **{"worker.overload_unsolved": 0.5}) for k in off}
    assert (on["rates.solved"] < off["rates.solved"]).all(), (off, on)
    sat = "ratings.satisfaction_rate"
    assert on[sat].mean() < off[sat].mean(), (off, on)


# ------------------------------------------------------------- conservation
def _check_tasks(model) -> None:
    tasks = model.tasks
    now = model.events.now
    issued = [a for a in tasks.assignments if a.t_issue <= now]
    queued = sum(a.status == QUEUED for a in issued)
    busy = [a for a in issued if a.status == IN_SERVICE]
    done = sum(a.status == RESOLVED for a in issued)
    assert done == tasks.done and len(issued) == done + queued + len(busy)
    assert model.created == model.resolved + model.open_cases + model.abandoned + model.safety.petitions
    servers = [s for staff in tasks.staff.values() for s in staff]   # wherever they are now
    holders = [s for s in servers if s.work is not None]
    assert sorted(id(s.work) for s in holders) == sorted(id(a) for a in busy)
    for s in holders:
        assert s.case is None and s.task is None and s not in s.desk.idle, "a server does one thing at a time"
    assert all(a.left > 0 for a in issued if a.status != RESOLVED)
    live = [e[3] for d in (*model.grid_desks, *(c.desk for c in model.committees), model.township.desk)
            for e in d.queue if isinstance(e[3], Assignment) and e[3].status == QUEUED and e[4] == e[3].queued]
    assert len(live) == len({id(a) for a in live}) == queued, "a queued task has exactly one live queue entry"


@pytest.mark.parametrize("name,days", [("baseline", 30), ("cold_wave", 50)])
def test_tasks_and_cases_are_conserved_at_every_instant(name, days):
    """Every 25th event and at each day's end; the cold wave moves staff busy on tasks to its desks."""
    model = model_of(small(name, residents=5_000, days=days, **{"committee.staff": 2}), seed=3)

    def check() -> None:
        _check_tasks(model)
        if not model.emergency.emergencies:  # it counts the servers at their home desks
            _check_conservation(model)

    check_after_events(model, check, every=25)
    for _ in range(days):
        model.step()
        _check_tasks(model)
    assert model.tasks.done > 100
    if name == "cold_wave":
        assert model.emergency.emergencies[0].moved, "the switch moved staff while tasks were under way"


def test_same_seed_same_workload():
    a = run(small("workshop", residents=3_000, days=40), 9, case_table=False).summary
    b = run(small("workshop", residents=3_000, days=40), 9, case_table=False).summary
    keys = [k for k in a if k.startswith("workload.")]
    assert keys and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in keys)


# ---------------------------------------------------------------- bad input
def _scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{(ROOT / "scenarios" / "workshop.toml").as_posix()}"\n{body}', encoding="utf-8")
    return path


GOOD = ('who = "committee"\nper = "unit"\nper_month = 2.0\nhours = 1.0\nhours_cv = 0.5\ntiming = "flexible"\n'
        'deadline_days = 3.0\nlever = "none"\n')


@pytest.mark.parametrize("body,key,allowed", [
    (GOOD.replace('"committee"', '"mayor"'), "tasks.x.who", "one of 'grid_worker', 'committee', 'township'"),
    (GOOD.replace("per_month = 2.0", "per_month = -1.0"), "tasks.x.per_month", "a number in [0, 1000]"),
    (GOOD.replace("hours = 1.0", "hours = 0.0"), "tasks.x.hours", "a number in [0.01, 200]"),
    (GOOD.replace('"flexible"', '"sometimes"'), "tasks.x.timing", "one of 'fixed', 'flexible'"),
    (GOOD.replace('lever = "none"', 'lever = "paperwork"'), "tasks.x.lever", "one of 'none', 'forms'"),
    (GOOD.replace("deadline_days = 3.0\n", ""), "tasks.x.deadline_days", "missing"),
    (GOOD + "colour = 1\n", "tasks.x.colour", "unknown task field"),
])
def test_bad_task_tables_are_refused(tmp_path, body, key, allowed):
    path = _scenario(tmp_path, "[tasks.x]\n" + body)
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert info.value.key == key and str(path) in str(info.value) and allowed in str(info.value)


def test_a_bad_task_table_exits_2_naming_file_key_and_value(tmp_path, capsys, monkeypatch):
    path = _scenario(tmp_path, "[tasks.x]\n" + GOOD.replace("hours = 1.0", 'hours = "long"'))
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["run", str(path), "--out", str(tmp_path / "out")], capsys, [tmp_path])
    assert "tasks.x.hours" in line and "'long'" in line and "s.toml" in line


def test_tasks_table_must_hold_tables(tmp_path):
    with pytest.raises(ScenarioError, match="a table of task fields"):
        load(_scenario(tmp_path, "[tasks]\nx = 3\n"))


def test_task_overrides_and_round_trip():
    sc = small("workshop", **{"tasks.committee_forms.per_month": 0.0})
    forms = next(t for t in sc.tasks if t.name == "committee_forms")
    assert forms.per_month == 0.0
    again = load(ROOT / "scenarios" / "workshop.toml").with_values({})
    assert again.to_dict()["tasks"] == load(ROOT / "scenarios" / "workshop.toml").to_dict()["tasks"]


def test_set_reaches_a_task_field(tmp_path, capsys, monkeypatch):
    """`--set tasks.NAME.FIELD=VALUE` is an override like needs.TYPE.FIELD (and a bad value exits 2)."""
    from sim.options import parse_sets

    sets = parse_sets(["tasks.committee_forms.per_month=0"])
    sc = load(ROOT / "scenarios" / "workshop.toml", sets)
    assert next(t for t in sc.tasks if t.name == "committee_forms").per_month == 0.0
    monkeypatch.chdir(tmp_path)
    line = assert_refused(["run", str(ROOT / "scenarios" / "workshop.toml"), "--set", "tasks.committee_forms.timing=2",
                           "--out", str(tmp_path / "out")], capsys, [tmp_path])
    assert "tasks.committee_forms.timing" in line and "one of 'fixed', 'flexible'" in line
