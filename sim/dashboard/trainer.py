"""The trainer's page (/trainer): the room at a glance and the actions on all of it.

Behind the room's token (`govsim dashboard` prints the page's address with it; it may also be typed
into the page). The trainer prepares a scenario and levers on a workshop of their own — the same
controls the participants have — and pushes them to every participant; starts an emergency for
everyone at once; freezes the room while explaining and releases it; and sees each participant's
choices and outcomes so far side by side, refreshed every second.
"""

from __future__ import annotations

import html
import math
from urllib.parse import parse_qs

import solara

from . import app, i18n
from .budget_view import BudgetBoard
from .lesson_view import LessonPanel
from .room import Participant, Push
from ..memory import size_text
from .session import Workshop
from .summary import room_summary_html

REFRESH_S = 1.0   # the room's table refreshes this often


def T(key: str, **fmt) -> str:
    return i18n.t(key, app.lang.value, **fmt)


@solara.component
def TrainerPage():
    router = solara.use_router()
    entered = solara.use_reactive("")
    from_url = parse_qs(router.search or "").get("token", [""])[0]
    if not (app.room.check_token(from_url) or app.room.check_token(entered.value)):
        TokenForm(entered)
    else:
        TrainerSession()


@solara.component
def TrainerSession():
    """The trainer's own workshop (not a participant of the room), then the console."""
    sid = app.session_id()
    solara.use_memo(lambda: app._trainers.setdefault(sid, Participant(sid, 0, Workshop(app.room.scenario))), [])
    Console()


@solara.component
def TokenForm(entered):
    with solara.Card(T("trainer.title"), classes=["govsim-trainer-login"]):
        solara.InputText(T("trainer.token"), value=entered, password=True, continuous_update=False,
                         classes=["govsim-trainer-token"])
        solara.Text(T("trainer.token_help"), style={"font-size": "0.85em", "color": "#666"})
        if entered.value:
            solara.Error(T("trainer.bad_token"))


@solara.component
def Console():
    notice = solara.use_reactive("")
    app.version.value
    solara.Style(app.CSS)
    with solara.AppBar():
        solara.AppBarTitle(T("trainer.title"))
        app.LanguageToggle()
    with solara.Sidebar():
        RoomActions(notice)
        GameActions(notice)
        with solara.Card(T("trainer.prepare")):
            app.ScenarioControls(app.workshop(), False)
        TeachLesson(notice)
        for side in app.workshop().sides:
            app.Levers(side)
    if app.error.value:
        solara.Error(app.error.value)
    if notice.value:
        solara.Success(notice.value, classes=["govsim-trainer-notice"])
    RoomTable()
    GameBoard()


def use_refresh() -> None:
    """Render the calling component again every REFRESH_S: the room changes from other tabs."""
    tick = solara.use_reactive(0)

    def refresh(cancel):
        while not cancel.wait(REFRESH_S):
            tick.value += 1
    solara.use_thread(refresh, dependencies=[], intrusive_cancel=False)
    tick.value


@solara.component
def GameBoard():
    """The budget game's board as participants submit (refreshed every second)."""
    use_refresh()
    game = app.room.game
    if game is not None:
        BudgetBoard(game, app.lang.value, revealed=app.room.game_revealed, version=game.version)


def RoomActions(notice) -> None:
    room = app.room
    w = app.workshop()

    def push():
        levers_b = w.levers("B") if w.side_by_side else None
        done = _safely(room.push, Push(w.scenario, w.levers("A"), levers_b))
        if done is not None:
            notice.value = T("trainer.pushed", n=done)

    def emergency():
        done = _safely(room.start_emergency)
        if done is not None:
            notice.value = T("trainer.emergency_started", n=done)

    with solara.Card(T("trainer.room"), classes=["govsim-trainer-room"]):
        solara.Text(T("trainer.memory", per=size_text(room.bytes_per_session)),
                    style={"font-size": "0.8em", "color": "#666"}, classes=["govsim-trainer-memory"])
        solara.Button(T("trainer.push"), color="primary", on_click=push, classes=["govsim-trainer-push"])
        solara.Button(T("trainer.emergency_all"), color="warning", on_click=emergency,
                      classes=["govsim-trainer-emergency"])
        if room.frozen:
            solara.Button(T("trainer.release"), on_click=lambda: (room.release(), _bump()),
                          classes=["govsim-trainer-release"])
        else:
            solara.Button(T("trainer.freeze"), on_click=lambda: (room.freeze(), _bump()),
                          classes=["govsim-trainer-freeze"])


@solara.component
def TeachLesson(notice):
    """A lesson on the trainer's own workshop; with "teach the room" on, every step goes to every tab."""
    teach = solara.use_reactive(True)

    def to_room(lesson, index: int) -> None:
        if teach.value:
            done = _safely(app.room.teach, lesson, index)
            if done is not None:
                notice.value = T("trainer.taught", n=done, step=index + 1)

    solara.Switch(label=T("trainer.teach"), value=teach, classes=["govsim-trainer-teach"])
    LessonPanel(app.workshop(), app.lang.value, on_change=lambda: None, guard=app.guarded, on_step=to_room)


@solara.component
def GameActions(notice):
    """Start a budget game for the room (budget: the scenario's own yearly cost × a factor) and reveal
    its best choice."""
    app.version.value   # redraw after a start or a reveal
    room = app.room
    factor = solara.use_reactive(1.1)
    w = app.workshop()

    def start():
        scenario = w.scenario.files[0] if w.scenario.files else None
        if _safely(lambda: room.start_game(scenario, budget_factor=factor.value)) is not None:
            notice.value = T("trainer.game_started", budget=f"{room.game.budget / 1e4:,.0f}")

    with solara.Card(T("trainer.game"), classes=["govsim-trainer-game"]):
        solara.SliderFloat(T("trainer.game_factor"), value=factor, min=0.8, max=1.5, step=0.05, thumb_label="always")
        solara.Button(T("trainer.game_start"), on_click=start, classes=["govsim-trainer-game-start"])
        if room.game is not None:
            solara.Switch(label=T("trainer.game_reveal"), value=room.game_revealed,
                          on_value=lambda on: (room.reveal_game(on), _bump()), classes=["govsim-trainer-reveal"])


def _safely(fn, *args):
    try:
        result = fn(*args)
        app.error.value = ""
        return result
    except ValueError as exc:   # a pushed value the scenario refuses: nobody was changed
        app.error.value = str(exc)
        return None
    finally:
        _bump()


def _bump() -> None:
    app.version.value += 1


COLUMNS = ("participant", "day", "scenario", "levers", "response_mean_h", "satisfaction_rate", "backlog")
HEADINGS = {"participant": "trainer.col.participant", "day": "trainer.col.day", "scenario": "trainer.col.scenario",
            "levers": "trainer.col.levers", "response_mean_h": "trainer.col.response",
            "satisfaction_rate": "trainer.col.satisfaction", "backlog": "trainer.col.backlog"}


@solara.component
def RoomTable():
    """Who is connected, and every participant's choices and outcomes so far, a row per participant
    (and side); refreshed every second, by itself (the rest of the console does not redraw)."""
    use_refresh()
    rows = app.room.choices(app.lang.value)
    with solara.Card(T("trainer.choices"), classes=["govsim-trainer-choices"]):
        solara.Text(T("trainer.connected", n=len(app.room), max=app.room.max_sessions),
                    classes=["govsim-trainer-connected"], style={"display": "block", "font-weight": "bold"})
        if not rows:
            solara.Text(T("trainer.nobody"), classes=["govsim-trainer-nobody"])
            return
        solara.HTML(tag="div", unsafe_innerHTML=room_table_html(rows, app.lang.value))
        solara.FileDownload(lambda: room_summary_html(app.room, app.lang.value).encode("utf-8"),
                            filename="govsim-room-summary.html", label=T("trainer.room_summary"),
                            mime_type="text/html")


def room_table_html(rows: list[dict], lang: str) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{i18n.t(HEADINGS[c], lang)}</th>" for c in COLUMNS)
    body = "".join("<tr class='govsim-trainer-row'>" + "".join(
        f"<td data-col='{c}' style='padding:2px 8px'>{_cell(c, row[c])}</td>" for c in COLUMNS) + "</tr>"
        for row in rows)
    return f"<table class='govsim-room-table'><tr>{head}</tr>{body}</table>"


def _cell(column: str, value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{100 * value:.1f}%" if column == "satisfaction_rate" else f"{value:.1f}"
    return html.escape(str(value))
