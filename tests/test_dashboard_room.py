"""The room: one session per browser tab, a limit on sessions, and the trainer's actions on all of
them (push, emergency for everyone, freeze and release, the room's choices)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from sim import memory
from sim.dashboard import app, i18n, room as room_mod, trainer
from sim.dashboard.room import Push, Room, RoomFull, default_max_sessions, session_bytes
from sim.dashboard.session import Workshop
from sim.scenario import ScenarioError


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory):
    """A small workshop scenario on disk (the room loads its scenario by path)."""
    path = tmp_path_factory.mktemp("room") / "small_workshop.toml"
    workshop = (Path(__file__).parent.parent / "scenarios" / "workshop.toml").as_posix()
    lines = [f'extends = "{workshop}"', 'name = "small_workshop"', "[sim]", "days = 20", "warmup_days = 5",
             "[territory]", "residents = 800"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def room(scenario_path):
    return Room(scenario_path, max_sessions=3, token="secret-token")


def test_each_tab_has_its_own_session_and_models(room):
    a, b = room.join("tab-a"), room.join("tab-b")
    assert room.join("tab-a") is a and a.workshop is not b.workshop
    a.workshop.step(3)
    a.workshop.set_lever("grid.households_per_grid", 200)
    assert (a.workshop.day, b.workshop.day) == (3, 0)
    assert b.workshop.lever_values("A")["grid.households_per_grid"] != 200
    assert [p.number for p in room.participants()] == [1, 2]


def test_the_room_refuses_sessions_beyond_its_limit_and_frees_closed_ones(room):
    for tab in ("1", "2", "3"):
        room.join(tab)
    with pytest.raises(RoomFull, match="3 sessions"):
        room.join("4")
    room.leave("2")
    assert room.join("4").number == 4 and len(room) == 3


def test_the_default_limit_follows_the_memory_available(scenario_path):
    from sim.scenario import load

    scenario = load(scenario_path)
    per_session = session_bytes(scenario)
    assert per_session == 2 * memory.estimate(scenario).run
    ten = memory.IMPORTS_BYTES + int(10.5 * per_session / room_mod.MEMORY_SHARE)
    assert default_max_sessions(scenario, available=ten) == 10
    assert default_max_sessions(scenario, available=memory.IMPORTS_BYTES) == 1       # never below one
    assert default_max_sessions(scenario, available=10 ** 15) == room_mod.MAX_SESSIONS_CAP


def test_a_push_reaches_every_session_and_later_joiners(room):
    a, b = room.join("a"), room.join("b")
    a.workshop.step(4)
    woken = []
    a.wake, b.wake = (lambda: woken.append("a")), (lambda: woken.append("b"))
    assert room.push(Push(None, {"grid.households_per_grid": 250})) == 2
    assert sorted(woken) == ["a", "b"]
    for p in (a, b, room.join("c")):
        assert p.workshop.lever_values("A")["grid.households_per_grid"] == 250
        assert p.workshop.day == 0 and not p.workshop.side_by_side


def test_a_push_with_b_levers_puts_every_session_side_by_side(room):
    a = room.join("a")
    room.push(Push(None, {}, {"policy.decentralisation": 0.9}))
    assert a.workshop.side_by_side
    assert a.workshop.lever_values("B")["policy.decentralisation"] == 0.9
    assert a.workshop.lever_values("A")["policy.decentralisation"] != 0.9


def test_a_bad_push_changes_nobody(room):
    a = room.join("a")
    a.workshop.set_lever("grid.households_per_grid", 300)
    with pytest.raises(ScenarioError, match="grid.households_per_grid"):
        room.push(Push(None, {"grid.households_per_grid": -5}))
    assert a.workshop.lever_values("A")["grid.households_per_grid"] == 300 and room.start is None


def test_an_emergency_starts_in_every_session_at_once(room):
    sessions = [room.join(t) for t in ("a", "b")]
    sessions[0].workshop.set_side_by_side(True)
    assert room.start_emergency() == 2
    for p in sessions:
        p.workshop.step(1)
        assert all(p.workshop.emergency_active(side) for side in p.workshop.sides)


def test_freeze_and_release_redraw_every_tab(room):
    woken = []
    for tab in ("a", "b"):
        room.join(tab).wake = lambda tab=tab: woken.append(tab)
    room.freeze()
    assert room.frozen and sorted(woken) == ["a", "b"]
    room.release()
    assert not room.frozen and len(woken) == 4


def test_a_tab_that_fails_to_redraw_does_not_stop_the_others(room):
    woken = []
    room.join("a").wake = lambda: (_ for _ in ()).throw(RuntimeError("closed"))
    room.join("b").wake = lambda: woken.append("b")
    room.freeze()
    assert woken == ["b"]


def test_the_room_shows_everyones_choices_and_outcomes(room):
    a, b = room.join("a"), room.join("b")
    a.name = "Team Xihu"
    a.workshop.set_lever("grid.households_per_grid", 200)
    b.workshop.set_side_by_side(True)
    for p in (a, b):
        p.workshop.step(12)
    rows = room.choices("en")
    assert [r["participant"] for r in rows] == ["Team Xihu", "Participant 2 · A", "Participant 2 · B"]
    assert "200" in rows[0]["levers"] and rows[1]["levers"] == i18n.t("room.no_change", "en")
    assert all(r["day"] == 12 for r in rows)
    assert all(r["response_mean_h"] > 0 and 0 <= r["satisfaction_rate"] <= 1 and r["backlog"] >= 0 for r in rows)
    assert room.choices("zh")[1]["participant"] == "参与者 2 · A"


def test_sessions_joining_at_once_are_all_seated(room):
    seated = []

    def join(tab):
        seated.append(room.join(tab))
    threads = [threading.Thread(target=join, args=(t,)) for t in ("a", "b", "a")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(room) == 2 and len({p.number for p in room.participants()}) == 2


def test_the_token_is_checked_exactly(room):
    assert room.check_token("secret-token")
    assert not room.check_token("secret-toke") and not room.check_token("") and not room.check_token(None)
    assert len(Room("x.toml").token) >= 16   # made up when none is given


# ------------------------------------------------------------------ the pages, rendered in-process


@pytest.fixture
def served(scenario_path, monkeypatch):
    """The participant's page, this process being one tab of a room of three."""
    shared = Room(scenario_path, max_sessions=3, token="secret-token")
    monkeypatch.setattr(app, "room", shared)
    app.lang.set("en")
    app.playing.set(False)
    app.error.set("")
    yield shared
    app.playing.set(False)
    app._trainers.clear()


def render(component):
    @solara.component
    def Served():
        with solara.AppLayout():
            component()
    return solara.render(Served(), handle_error=False)[1]


def eventually(check, timeout: float = 5.0):
    """`check()` passes within `timeout` s: the console's refresh thread may be redrawing meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, ValueError):   # reacton's find: no single match yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_a_frozen_room_greys_out_the_controls_and_stops_play(served):
    rc = render(app.Page)
    me = served.get(app.session_id())
    assert me is not None and me.wake is not None   # the page let the room redraw it
    app.playing.set(True)
    served.freeze()
    rc.find(v.Alert, children=[i18n.t("room.frozen", "en")]).assert_single()
    assert rc.find(v.Btn, children=[i18n.t("step", "en")]).widget.disabled
    assert all(s.disabled for s in rc.find(v.Slider).widgets)
    deadline = time.monotonic() + 10
    while app.playing.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not app.playing.value   # play stopped by itself
    served.release()
    assert not rc.find(v.Btn, children=[i18n.t("step", "en")]).widget.disabled
    rc.close()


def test_a_full_room_says_so(served):
    for tab in ("x", "y", "z"):
        served.join(tab)
    rc = render(app.Page)
    rc.find(v.Alert, children=[i18n.t("room.full", "en", n=3)]).assert_single()
    assert not rc.find(v.Slider).widgets
    rc.close()


def test_the_trainers_console_pushes_its_own_levers_to_the_room(served):
    others = [served.join(t) for t in ("p1", "p2")]
    sid = app.session_id()
    app._trainers[sid] = room_mod.Participant(sid, 0, Workshop(served.scenario))
    rc = render(trainer.Console)
    assert app.workshop() is app._trainers[sid].workshop and len(served) == 2   # the trainer is no participant
    app.workshop().set_lever("grid.households_per_grid", 220)
    rc.find(v.Btn, children=[i18n.t("trainer.push", "en")]).widget.click()
    assert all(p.workshop.lever_values("A")["grid.households_per_grid"] == 220 for p in others)
    eventually(lambda: rc.find(v.Alert, children=[i18n.t("trainer.pushed", "en", n=2)]).assert_single())
    button = lambda key: eventually(lambda: rc.find(v.Btn, children=[i18n.t(key, "en")]).widget)  # noqa: E731
    button("trainer.freeze").click()
    assert served.frozen
    button("trainer.release").click()
    assert not served.frozen
    button("trainer.emergency_all").click()
    assert all(p.workshop.active_emergencies("A") or p.workshop.emergencies() == [] for p in others)
    rc.close()


def test_the_room_table_lists_every_participant(served):
    served.join("p1").name = "<b>Team</b>"
    served.join("p2")
    html = trainer.room_table_html(served.choices("en"), "en")
    assert html.count("govsim-trainer-row") == 2 and "&lt;b&gt;Team&lt;/b&gt;" in html   # names escaped
    assert i18n.t("trainer.col.response", "en") in html


# ------------------------------------------------------------------ handouts


def test_a_sessions_one_page_summary_has_its_choices_outcomes_pictures_and_provenance(room):
    from sim import __version__
    from sim.dashboard.summary import session_summary_html

    p = room.join("a")
    p.name = "Team <Xihu>"
    p.workshop.set_side_by_side(True)
    p.workshop.set_lever("grid.households_per_grid", 200, "B")
    p.workshop.step(8)
    page = session_summary_html(p, "en")
    assert "Team &lt;Xihu&gt;" in page and "<Xihu>" not in page
    assert "200" in page and i18n.t("room.no_change", "en") in page          # B's choice; A as the scenario
    assert i18n.t("diff_title", "en") in page and page.count("data:image/png;base64,") == 2
    assert f"govsim {__version__}" in page and "small_workshop.toml" in page and i18n.t("seed", "en") in page
    assert i18n.t("day_of", "en", day=8, days=20) in page
    zh = session_summary_html(p, "zh", pictures=False)
    assert i18n.t("summary.choices", "zh") in zh and "data:image" not in zh and "lang='zh-CN'" in zh


def test_the_rooms_one_page_summary_lists_everyone(room):
    from sim.dashboard.summary import room_summary_html

    assert i18n.t("trainer.nobody", "en") in room_summary_html(room, "en")
    room.join("a").name = "Team A"
    room.join("b").name = "Team B"
    page = room_summary_html(room, "en")
    assert "Team A" in page and "Team B" in page and page.count("govsim-trainer-row") == 2


# ------------------------------------------------------------------ the budget game in the room


def test_the_trainer_starts_a_budget_game_everyone_plays_and_the_best_is_revealed(room):
    woken = []
    a, b = room.join("a"), room.join("b")
    a.wake, b.wake = (lambda: woken.append("a")), (lambda: woken.append("b"))
    game = room.start_game(days=20, budget_factor=1.2)
    assert room.game is game and not room.game_revealed and sorted(woken) == ["a", "b"]
    assert game.budget == pytest.approx(1.2 * game.baseline.cost)
    game.submit(a.label("en"), {"grid.households_per_grid": 300})
    game.submit(b.label("en"), {})
    room.game_changed()
    assert len(woken) == 4 and {e.player for e in game.entries()} >= {"Participant 1", "Participant 2"}
    room.reveal_game()
    assert room.game_revealed and len(woken) == 6
    assert room.start_game(days=20) is not game and not room.game_revealed   # a new round starts hidden


def test_the_budget_tab_shows_the_player_and_the_board(served):
    me = served.join(app.session_id())
    rc = render(lambda: app.BudgetTab(me))
    rc.find(v.Alert, children=[i18n.t("room.no_game", "en")]).assert_single()
    rc.close()
    served.start_game(days=20)
    rc = render(lambda: app.BudgetTab(me))
    assert rc.find(v.Btn, children=[i18n.t("budget.submit", "en")]).widgets
    assert rc.find(v.Btn, children=[i18n.t("budget.submit", "en")]).widgets
    rc.find(v.Html, children=[i18n.t("budget.no_entries", "en")]).assert_single()   # the board, empty so far
    rc.close()


# ------------------------------------------------------------------ one shared start, copied on write


def same_series(w1, w2) -> bool:
    import numpy as np

    return w1.day == w2.day and w1.sides == w2.sides and all(
        np.array_equal(w1.series(side)[k], w2.series(side)[k], equal_nan=True)
        for side in w1.sides for k in w1.series(side))


def test_a_push_builds_one_workshop_that_every_tab_shares_until_it_changes_something(room):
    a, b = room.join("a"), room.join("b")
    room.push(Push(None, {"grid.households_per_grid": 250}, {"policy.decentralisation": 0.8}))
    assert a.workshop is b.workshop and a.own is None and room.join("c").workshop is a.workshop
    shared = a.workshop
    own = a.own_workshop()                     # a's first change: its own copy of the same state
    assert own is not shared and a.workshop is own and b.workshop is shared
    own.step(6)
    shared_copy = room.start.copy()
    shared_copy.step(6)
    assert same_series(own, shared_copy)       # the copy is the start, exactly (same seed, levers, sides)
    assert b.workshop.day == 0                 # the others did not move


def test_a_lesson_step_taught_to_the_room_is_shared_and_copies_exactly(room):
    from sim.dashboard.lessons import LessonRun, list_lessons

    lesson = next(x for x in list_lessons() if x.id == "why_queues_build")
    a, b = room.join("a"), room.join("b")
    woken = []
    b.wake = lambda: woken.append("b")
    assert room.teach(lesson, 0) == 2 and room.lesson == (lesson, 0) and woken
    step = lesson.steps[0]
    assert a.workshop is b.workshop and a.workshop.day == step.days and a.workshop.side_by_side
    mine = a.own_workshop()
    direct = Workshop(room.scenario)
    LessonRun(lesson, direct).go(0)
    assert same_series(mine, direct) and same_series(b.workshop, direct)
    room.push(Push(None, {}))
    assert room.lesson is None                 # a push ends the lesson the room was following


def test_an_emergency_for_everyone_starts_once_in_the_shared_start_and_copies_replay_it(room):
    a, b = room.join("a"), room.join("b")
    room.push(Push(None, {}))
    room.start.workshop.step(3)
    assert room.start_emergency() == 2
    assert a.workshop is b.workshop and a.workshop.active_emergencies("A")
    own = a.own_workshop()
    assert own.day == 3 and own.active_emergencies("A")
    own.step(4)
    b.workshop.step(4)
    assert same_series(own, b.workshop)


def test_a_tab_sharing_the_start_gets_its_own_copy_when_it_steps(served):
    rc = render(app.Page)
    me, other = served.get(app.session_id()), served.join("other")
    served.push(Push(None, {"grid.households_per_grid": 260}))
    assert me.workshop is other.workshop
    eventually(lambda: rc.find(v.Btn, children=[i18n.t("step", "en")]).widget).click()
    assert me.own is not None and me.workshop.day == 1 and other.workshop.day == 0
    assert me.workshop.lever_values("A")["grid.households_per_grid"] == 260
    rc.close()


def test_the_trainer_teaches_a_lesson_and_every_page_shows_its_step(served):
    from sim.dashboard.lessons import list_lessons

    lesson = next(x for x in list_lessons() if x.id == "why_queues_build")
    others = [served.join(t) for t in ("p1", "p2")]
    sid = app.session_id()
    app._trainers[sid] = room_mod.Participant(sid, 0, Workshop(served.scenario))
    rc = render(trainer.Console)
    pick = eventually(lambda: next(s for s in rc.find(v.Select).widgets if s.label == i18n.t("lesson.pick", "en")))
    pick.v_model = lesson.title("en")
    assert served.lesson == (lesson, 0)
    assert others[0].workshop is others[1].workshop and others[0].workshop.day == lesson.steps[0].days
    eventually(lambda: rc.find(v.Alert, children=[i18n.t("trainer.taught", "en", n=2, step=1)]).assert_single())
    rc.close()
    app._trainers.clear()
    page = render(app.Page)   # a participant's page shows the step the room follows
    page.find(v.Html, children=[i18n.t("lesson.step_of", "en", step=1, steps=len(lesson.steps))]).assert_single()
    page.find(v.CardTitle, children=[i18n.t("room.lesson", "en", title=lesson.title("en"))]).assert_single()
    page.close()
