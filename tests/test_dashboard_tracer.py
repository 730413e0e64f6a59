"""The case tracer: the case log follows every case through the closed loop without changing the run;
the tracer's steps are in loop order, with times, handlers and waits; the panel renders them."""

from __future__ import annotations

import math

import ipyvuetify as v
import numpy as np
import pytest
import solara

from sim import GovernanceModel, load_scenario
from sim import outcomes as oc
from sim.case_log import BYTES_PER_ENTRY, CaseLog
from sim.cases import ABANDONED, COUNTY, IN_SERVICE, IN_TRANSIT, LATENT, QUEUED, RESOLVED, TOWNSHIP
from sim.dashboard import i18n
from sim.dashboard.session import Workshop
from sim.dashboard.tracer import (STAGES, TraceError, actor_label, case_of, cases_of_household, nearest, note_text, trace,
                                  township_office, trace_path, trace_summary)
from sim.dashboard.tracer_view import CaseTracer, timeline_rows
from tests.helpers import ROOT

WORKSHOP = ROOT / "scenarios" / "workshop.toml"
LEVEL_KIND = {TOWNSHIP: "township", COUNTY: "county"}


@pytest.fixture(scope="module")
def small():
    return load_scenario(WORKSHOP, {"territory.residents": 1500, "sim.days": 40, "sim.warmup_days": 5})


@pytest.fixture(scope="module")
def model(small):
    m = GovernanceModel(small, 3)
    m.run_for(25)
    return m


@pytest.fixture(scope="module")
def reopening(small):
    """Many closures found unsolved and reopened (重办): cases go round the loop more than once."""
    m = GovernanceModel(small.with_values({"case.unsolved_share": 0.4, "case.reopen_share": 0.9}), 3)
    m.run_for(25)
    return m


def _arisen(m):
    return [c for c in m.cases if c.t_arise <= m.events.now]


def _times(steps):
    return [t for s in steps for t in (s.start, s.end) if t is not None]


@pytest.mark.parametrize("which", ["model", "reopening"])
def test_steps_follow_the_loop_in_order_with_non_decreasing_times(which, request):
    model = request.getfixturevalue(which)
    rank = {s: i for i, s in enumerate(STAGES)}
    for case in _arisen(model):
        steps = trace(model, case.id)
        assert steps and steps[0].stage == "discover", case.id
        times = _times(steps)
        assert times == sorted(times), (case.id, times)
        assert all(s.wait >= 0 for s in steps)
        for a, b in zip(steps, steps[1:]):   # within a round the stages never go back, except for a
            if a.round == b.round:             # hand-off (dispatch after handle: 流转)
                assert rank[b.stage] >= rank[a.stage] or (a.stage, b.stage) == ("handle", "dispatch"), (case.id, a, b)
            else:
                assert b.round == a.round + 1 and b.stage == "dispatch" and a.outcome == "reopened"
        assert steps[-1].round == case.reopened
    if which == "reopening":
        assert sum(c.reopened > 0 for c in _arisen(model)) > 5, "reopened cases (重办) are among them"


def test_a_closed_case_has_its_closure_and_rating(model):
    rated = [c for c in _arisen(model) if c.status == RESOLVED and c.grade > 0]
    assert len(rated) > 20
    for case in rated:
        steps = trace(model, case.id)
        assert [s.stage for s in steps[-3:]] == ["verify", "close", "rate"]
        verify, close, rate = steps[-3:]
        assert verify.start == pytest.approx(case.t_resolve) and verify.end == pytest.approx(case.t_verify)
        assert close.start == pytest.approx(case.t_verify)
        assert rate.grade == case.grade and rate.outcome == ("satisfied" if case.grade >= 3 else "dissatisfied")
        assert close.outcome == ("solved" if case.solved == 1 else "unsolved")
        report = next(s for s in steps if s.stage == "report")
        assert report.start == pytest.approx(case.t_report)
        assert steps[0].wait == pytest.approx(case.t_report - case.t_arise)
        assert not any(s.current for s in steps)


def test_the_level_that_closed_an_escalated_case_handled_it(model):
    escalated = [c for c in _arisen(model) if c.status == RESOLVED and c.resolved_level in LEVEL_KIND]
    assert {c.resolved_level for c in escalated} == {TOWNSHIP, COUNTY}
    for case in escalated:
        steps = trace(model, case.id)
        handled = [s for s in steps if s.stage == "handle" and s.round == case.reopened]
        assert handled[-1].actor.kind == LEVEL_KIND[case.resolved_level]
        assert handled[-1].end == pytest.approx(case.t_resolve)
        kinds = [s.actor.kind for s in steps if s.stage == "handle"]
        if case.t_in[0] == case.t_in[0] and kinds[0] == "grid":   # through the grid: a worker triaged it first
            assert steps[[s.stage for s in steps].index("handle")].actor.slot is not None
        path = trace_path(model, case.id)
        assert path[0]["kind"] == "household" and path[0]["id"] == case.household
        if case.resolved_level == TOWNSHIP:
            assert path[-1]["kind"] == "township" and (path[-1]["x"], path[-1]["y"]) == township_office(model)


def test_an_open_case_ends_at_its_current_stage(model):
    now = model.events.now
    seen = set()
    for case in _arisen(model):
        steps = trace(model, case.id)
        last = steps[-1]
        if case.status == QUEUED:
            assert last.stage == "handle" and last.current and last.start is None and last.wait > 0
            assert last.start is None and "trace.note.queued" in [k for k, _ in last.notes]
        elif case.status == IN_SERVICE:
            assert last.stage == "handle" and last.current and last.start <= now and last.end is None
        elif case.status == IN_TRANSIT:
            assert last.stage == "dispatch" and last.current and last.end is None
        elif case.status == LATENT:
            assert [s.stage for s in steps] == ["discover"] and last.current
            assert last.wait == pytest.approx(now - case.t_arise)
        elif case.lapsed:
            assert [s.stage for s in steps] == ["discover", "close"] and steps[1].outcome == "lapsed"
            assert steps[0].start == steps[1].start == case.t_abandon
            assert steps[0].wait == pytest.approx(case.t_abandon - case.t_arise)
        elif case.status == ABANDONED:
            assert last.stage == "rate" and steps[-2].outcome == "abandoned"
        else:
            continue
        seen.add(case.status)
        assert sum(s.current for s in steps) == (case.status in (QUEUED, IN_SERVICE, IN_TRANSIT, LATENT))
        assert ("still open" in trace_summary(steps, "en")) == (case.status != ABANDONED)
    assert {QUEUED, LATENT, ABANDONED} <= seen


def test_the_log_changes_no_output_and_is_small(small):
    """Same seed: the same summary, daily rows and case table with the log on (and read all along) or off."""
    on, off = GovernanceModel(small, 7), GovernanceModel(small, 7, case_log=False)
    for day in range(small["sim.days"]):
        on.step()
        off.step()
        if day % 10 == 0:
            for case in _arisen(on):
                trace(on, case.id)
    assert on.events.processed == off.events.processed
    assert _same(oc.summary(on, []), oc.summary(off, []))
    assert _same(on.recorder.columns(), off.recorder.columns())
    assert _same(oc.case_rows(on), oc.case_rows(off))
    assert isinstance(on.case_log, CaseLog) and len(off.case_log) == 0
    per_case = on.case_log.nbytes() / len(on.cases)
    assert on.case_log.nbytes() == len(on.case_log) * BYTES_PER_ENTRY and per_case < 400
    with pytest.raises(TraceError, match="without its case log"):
        trace(off, off.cases[0].id)


def test_the_stored_baseline_holds_with_the_log_on():
    """Batch runs (sim.runner.run) leave the log off; with it on, the regression baseline still holds."""
    import json

    from tests.test_regression import HEADLINES, SETUP, STORED
    from tests.helpers import small as shrunk

    stored = json.loads(STORED.read_text())["values"]
    m = GovernanceModel(shrunk(SETUP["scenario"], residents=SETUP["residents"], days=SETUP["days"]), SETUP["seed"])
    for _ in range(SETUP["days"]):
        m.step()
    summary = oc.summary(m, [])
    assert len(m.case_log) > len(m.cases)
    for key in HEADLINES:
        assert summary[key] == pytest.approx(stored[key], rel=1e-6), key


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple, np.ndarray)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def test_an_emergency_mode_case_is_marked(small):
    ws = Workshop(small, seed=4)
    ws.step(6)
    ws.start_emergency()
    ws.step(6)
    m = ws.model("A")
    em = m.emergency.emergencies[-1]
    assert em.switched == em.switched, "the demo emergency switched staff over"
    inside = set(em.households.tolist())
    marked = {c.id for c in _arisen(m) if any(k == "trace.note.emergency" for s in trace(m, c.id) for k, _ in s.notes)}
    assert marked, "a case of the footprint waited or was handled in emergency mode"
    assert all(case_of(m, i).household in inside for i in marked)
    waiting = [c for c in _arisen(m) if c.household in inside and c.status == QUEUED and c.t_report >= em.switched]
    assert all(c.id in marked for c in waiting)
    step = next(s for s in trace(m, next(iter(marked))) for k, _ in s.notes if k == "trace.note.emergency")
    fields = next(f for k, f in step.notes if k == "trace.note.emergency")
    assert "emergency mode" in note_text("trace.note.emergency", fields, "en")
    assert "应急状态" in note_text("trace.note.emergency", fields, "zh")


def test_both_languages_name_every_stage_and_say_it_in_a_sentence(model):
    case = next(c for c in _arisen(model) if c.status == RESOLVED and c.grade > 0 and c.reopened == 0)
    steps = trace(model, case.id)
    en, zh = trace_summary(steps, "en"), trace_summary(steps, "zh")
    assert en.startswith("reported on day ") and "closed on day" in en and "rated " in en
    assert "上报" in zh and "结案" in zh and "评价" in zh and zh.endswith("。")
    for lang in ("zh", "en"):
        for stage in STAGES:
            assert i18n.t(f"trace.stage.{stage}", lang)
        rows = timeline_rows(steps, model.events.now, lang)
        assert [r["stage"] for r in rows] == [s.stage for s in steps]
        assert all(0 <= r["left"] <= 100 and r["width"] > 0 for r in rows)
        for s in steps:
            assert actor_label(s.actor, lang)
            for k, f in s.notes:
                assert note_text(k, f, lang)
    assert i18n.t("trace.stage.verify", "zh") == "核查" and i18n.t("trace.stage.close", "zh") == "结案"
    with pytest.raises(ValueError, match="language"):
        trace_summary(steps, "fr")


def test_finding_cases_from_a_household_or_a_click(model):
    case = next(c for c in _arisen(model) if c.status == RESOLVED)
    mine = cases_of_household(model, case.household)
    assert case.id in mine and all(case_of(model, i).household == case.household for i in mine)
    x, y = model.territory.hh_xy[case.household]
    hit = nearest(model, float(x), float(y))
    assert hit["household"] == case.household and hit["distance_km"] == 0.0 and case.id in hit["cases"]
    assert set(hit["open"]) <= set(hit["cases"])
    assert nearest(model, -100.0, -100.0, max_km=1.0) is None
    future = [c for c in model.cases if c.t_arise > model.events.now]
    for c in future[:3]:   # drawn at the day's start, not yet arisen: not shown
        assert c.id not in cases_of_household(model, c.household)


def test_bad_ids_give_a_clear_error(model):
    with pytest.raises(TraceError, match=r"no case 99999999 in this run: it has \d+ cases"):
        trace(model, 99999999)
    with pytest.raises(TraceError, match="expected an integer case id"):
        trace(model, "12")
    with pytest.raises(TraceError, match="household -1: expected an integer from 0 to"):
        cases_of_household(model, -1)
    with pytest.raises(TraceError, match="finite"):
        nearest(model, math.nan, 0.0)
    future = next((c for c in model.cases if c.t_arise > model.events.now), None)
    if future is not None:
        with pytest.raises(TraceError, match="has not arisen yet"):
            trace(model, future.id)


# ------------------------------------------------------------------------------ the panel
@pytest.fixture
def workshop(small):
    ws = Workshop(small, seed=3)
    ws.step(25)
    return ws


def _steps_shown(rc):
    return rc.find(v.Html, class_="govsim-trace-step").widgets


def test_the_panel_renders_the_steps_as_a_timeline(workshop):
    m = workshop.model("A")
    case = next(c for c in _arisen(m) if c.status == RESOLVED and c.grade > 0)
    closed = []
    box, rc = solara.render(CaseTracer(workshop, "A", case.id, "en", lambda: closed.append(1)), handle_error=False)
    shown = _steps_shown(rc)
    assert [w.attributes["data-stage"] for w in shown] == [s.stage for s in trace(m, case.id)]
    assert all(w.attributes["data-current"] == "false" for w in shown)
    rc.find(v.Html, class_="govsim-trace-summary", children=[trace_summary(trace(m, case.id), "en")]).assert_single()
    rc.find(v.Btn, children=["Close"]).widget.click()
    assert closed == [1]
    rc.close()
    box, rc = solara.render(CaseTracer(workshop, "A", case.id, "zh", lambda: None), handle_error=False)
    rc.find(v.Html, class_="govsim-trace-summary", children=[trace_summary(trace(m, case.id), "zh")]).assert_single()
    rc.find(v.Html, class_="govsim-trace-stage", children=["发现"]).assert_single()
    rc.close()


def test_the_panel_marks_an_open_cases_current_step(workshop):
    m = workshop.model("A")
    case = next(c for c in _arisen(m) if c.status == QUEUED)
    box, rc = solara.render(CaseTracer(workshop, "A", case.id, "en", lambda: None), handle_error=False)
    shown = _steps_shown(rc)
    assert [w.attributes["data-current"] for w in shown][-1] == "true"
    assert [w.attributes["data-stage"] for w in shown][-1] == "handle"
    assert sum(w.attributes["data-current"] == "true" for w in shown) == 1
    rc.find(v.Html, class_="govsim-trace-notes", children=["waiting in the queue"]).assert_single()
    rc.close()
    box, rc = solara.render(CaseTracer(workshop, "A", None, "zh", lambda: None), handle_error=False)
    assert not _steps_shown(rc)
    rc.find(v.Html, children=[i18n.t("trace.none", "zh")]).assert_single()
    rc.close()


def test_the_panel_lists_a_households_cases_and_switches_between_them(workshop):
    m = workshop.model("A")
    by_household = {}
    for c in _arisen(m):
        by_household.setdefault(c.household, []).append(c)
    pair = next(cs for cs in by_household.values() if len(cs) > 1 and len({len(trace(m, c.id)) for c in cs}) > 1)
    picked = []
    box, rc = solara.render(CaseTracer(workshop, "A", pair[0].id, "en", lambda: None, on_select=picked.append),
                            handle_error=False)
    select = rc.find(v.Select, label="This household's cases").widget
    assert select.items == [f"Case {c.id}" for c in pair]
    select.v_model = f"Case {pair[1].id}"
    assert picked == [pair[1].id]
    assert len(_steps_shown(rc)) == len(trace(m, pair[1].id))
    rc.close()


def test_the_panel_shows_a_bad_id_as_an_error(workshop):
    box, rc = solara.render(CaseTracer(workshop, "A", 10**9, "en", lambda: None), handle_error=False)
    rc.find(v.Alert).assert_single()
    assert "no case 1000000000" in str(rc.find(v.Alert).widget.children)
    assert not _steps_shown(rc)
    rc.close()
    box, rc = solara.render(CaseTracer(workshop, "B", 1, "en", lambda: None), handle_error=False)
    assert "side 'B' is not running" in str(rc.find(v.Alert).widget.children)
    rc.close()
