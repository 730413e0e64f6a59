"""The room: one session per browser tab, and what the trainer does to all of them at once.

A workshop is one server and a room of participants, each on their own laptop. Every tab that opens
the dashboard joins the room as a `Participant` with its own `Workshop` (its own model, or A/B pair),
its own lock (its play loop and its buttons never step at once) and its own pictures, so thirty
participants can play and move sliders without touching each other's runs. A tab that closes leaves
the room and its models are freed.

The trainer (the page at /trainer, behind a token) acts on the whole room: push a scenario and lever
settings to every participant, start an emergency everywhere at once, freeze the room while explaining
(participants' controls stop and grey out) and release it, and see everyone's choices and outcomes
side by side. A participant who joins after a push starts from what was pushed. A push (or a lesson
step the trainer teaches) builds and runs one model that every tab shows until it changes something:
then that tab gets its own copy (copy on write), so a push costs one model, not one per tab.

Pure Python (no Solara here): the page tells the room which tab it is and gives it a `wake` function,
which the room calls — from the trainer's thread — to make that tab redraw.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import memory
from ..scenario import Scenario, load
from . import i18n
from .session import LEVER_CONTROLS, Workshop, mean_over_days, scenario_title

MAX_SESSIONS_CAP = 60      # beyond this a 2-core server cannot keep every tab responsive anyway
MEMORY_SHARE = 0.8         # the part of the memory available at start that sessions may take


class RoomFull(RuntimeError):
    """The room has as many sessions as the server may hold; the message says how many."""


@dataclass(eq=False)
class Start:
    """A starting point the trainer gave the room: one workshop that every session shows until it
    changes something, and how to build a session's own copy of it (a fresh workshop of the room's
    scenario, then `recipe`, gives the same state: same scenario, levers, seed and days run)."""

    workshop: Workshop
    make: Callable[[], Workshop]          # a fresh workshop of the room's scenario
    recipe: Callable[[Workshop], None]

    def copy(self) -> Workshop:
        own = self.make()
        self.recipe(own)
        return own


@dataclass(eq=False)
class Participant:
    """One browser tab's session: its own workshop, or — after a push or a lesson step from the
    trainer — the room's shared start, copied into its own on its first change (copy on write), so a
    push to thirty tabs builds and runs one model, not thirty."""

    id: str
    number: int                     # 1, 2, … in the order of joining; shown until a name is given
    own: Workshop | None
    name: str = ""
    start: Start | None = None
    joined: float = field(default_factory=time.time)
    lock: threading.RLock = field(default_factory=threading.RLock)
    drawn: threading.Event = field(default_factory=threading.Event)  # the latest change is on screen
    wake: Callable[[], None] | None = None
    view: dict = field(default_factory=dict)   # this tab's widgets that play updates directly (app.show_day)

    @property
    def workshop(self) -> Workshop:
        """What this tab shows: the shared start, or its own workshop."""
        start = self.start
        return start.workshop if start is not None else self.own

    def own_workshop(self) -> Workshop:
        """This tab's own workshop, copied from the shared start first if it has none yet."""
        with self.lock:
            if self.start is not None:
                self.own, self.start = self.start.copy(), None
            return self.own

    def share(self, start: Start) -> None:
        """Show the room's start from now on (this tab's own workshop, if any, is dropped)."""
        with self.lock:
            self.own, self.start = None, start

    def label(self, lang: str) -> str:
        return self.name or i18n.t("room.participant_n", lang, n=self.number)

    def redraw(self) -> None:
        if self.wake is not None:
            try:
                self.wake()
            except Exception:   # a tab closing while it is woken: it leaves the room on its own
                pass


@dataclass(frozen=True)
class Push:
    """What the trainer pushes: a scenario (None: the room's own) and lever values."""

    scenario: Scenario | str | None
    levers: Mapping[str, Any]
    levers_b: Mapping[str, Any] | None = None  # B's levers: the room then compares side by side


def session_bytes(scenario: Scenario) -> int:
    """The memory one session may take: two models (A and B side by side) over the scenario's days."""
    return 2 * memory.estimate(scenario).run


def default_max_sessions(scenario: Scenario, available: int | None = None) -> int:
    """As many sessions as fit in `MEMORY_SHARE` of the memory available, at most `MAX_SESSIONS_CAP`."""
    available = memory.available() if available is None else available
    if available is None:
        return MAX_SESSIONS_CAP
    fit = int(MEMORY_SHARE * (available - memory.IMPORTS_BYTES) // session_bytes(scenario))
    return max(1, min(MAX_SESSIONS_CAP, fit))


class Room:
    """Every session of one dashboard server, and the trainer's actions on them."""

    def __init__(self, scenario: str | Path, *, max_sessions: int | None = None, token: str | None = None,
                 make_workshop: Callable[[str | Path], Workshop] = Workshop):
        self.scenario = str(scenario)
        self._max_sessions = max_sessions
        self.token = token or secrets.token_urlsafe(12)
        self.frozen = False
        self.start: Start | None = None  # the trainer's last push or lesson step, shared by every tab
        self.lesson = None               # (lessons.Lesson, step index) the trainer is teaching, or None
        self.game = None               # the budget game the trainer started (budget_game.BudgetGame)
        self.game_revealed = False
        self._make_workshop = make_workshop
        self._sessions: dict[str, Participant] = {}
        self._numbers = 0
        self._lock = threading.Lock()

    @property
    def max_sessions(self) -> int:
        """The limit given, or as many sessions of the scenario as fit in memory (worked out once)."""
        if self._max_sessions is None:
            self._max_sessions = default_max_sessions(load(self.scenario))
        return self._max_sessions

    @property
    def bytes_per_session(self) -> int:
        """The memory a session may take (`session_bytes`: two models over the scenario's days)."""
        return session_bytes(load(self.scenario))

    # ------------------------------------------------------------------ sessions

    def join(self, session_id: str) -> Participant:
        """The tab's session, made on its first call; RoomFull when the room is full."""
        with self._lock:
            if session_id in self._sessions:
                return self._sessions[session_id]
            self._check_room()
            self._numbers += 1
            number = self._numbers
        start = self.start
        own = None if start is not None else self._make_workshop(self.scenario)   # outside the lock
        participant = Participant(session_id, number, own, start=start)
        with self._lock:
            if session_id in self._sessions:       # the same tab joined twice at once
                return self._sessions[session_id]
            self._check_room()
            self._sessions[session_id] = participant
        return participant

    def _check_room(self) -> None:
        if len(self._sessions) >= self.max_sessions:
            raise RoomFull(f"the room is full: {self.max_sessions} sessions")

    def adopt(self, session_id: str, workshop: Workshop) -> Participant:
        """Seat a session on a workshop of its own made elsewhere (tests, a notebook)."""
        with self._lock:
            self._numbers += 1
            participant = Participant(session_id, self._numbers, workshop)
            self._sessions[session_id] = participant
        return participant

    def leave(self, session_id: str) -> None:
        """Free a closed tab's session (its models go with it)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def get(self, session_id: str) -> Participant | None:
        return self._sessions.get(session_id)

    def participants(self) -> list[Participant]:
        with self._lock:
            return sorted(self._sessions.values(), key=lambda p: p.number)

    def __len__(self) -> int:
        return len(self._sessions)

    def check_token(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), self.token.encode())

    # ------------------------------------------------------------------ the trainer's actions

    def freeze(self) -> None:
        """Stop every participant's play and grey out their controls until `release`."""
        self.frozen = True
        self._redraw_all()

    def release(self) -> None:
        self.frozen = False
        self._redraw_all()

    def push(self, push: Push) -> int:
        """Give every session (and every later one) `push`, at day 0; returns how many followed. The
        values are checked first, so a bad one raises ValueError (ScenarioError) and changes nothing."""
        self._validate(push)
        self.lesson = None
        return self._share(lambda w: _apply_push(w, push))

    def teach(self, lesson, index: int) -> int:
        """Put every session (and every later one) at step `index` of `lesson` (a lessons.Lesson): its
        scenario, levers, emergency and days, with the lesson's seed; every page shows the step's text
        and question. Returns how many followed."""
        from .lessons import LessonRun

        done = self._share(lambda w: LessonRun(lesson, w).go(index))
        self.lesson = (lesson, index)
        self._redraw_all()
        return done

    def _share(self, recipe: Callable[[Workshop], None]) -> int:
        """Build one workshop by `recipe` and let every session show it until it changes something."""
        shared = self._make_workshop(self.scenario)
        recipe(shared)
        self.start = Start(shared, lambda: self._make_workshop(self.scenario), recipe)
        participants = self.participants()
        for participant in participants:
            participant.share(self.start)
            participant.redraw()
        return len(participants)

    def start_emergency(self, name: str | None = None) -> int:
        """Start an emergency in every session at once (once in the shared start, which every tab
        still showing it sees); returns in how many sessions it started."""
        started, done = set(), 0
        for participant in self.participants():
            with participant.lock:
                start = participant.start
                if start is None:
                    participant.own.start_emergency(name)
                elif id(start) not in started:
                    self._start_emergency_in(start, name)
                    started.add(id(start))
            participant.redraw()
            done += 1
        return done

    def _start_emergency_in(self, start: Start, name: str | None) -> None:
        """The emergency starts in the shared workshop; a copy made later replays it on the same day."""
        day = start.workshop.day
        start.workshop.start_emergency(name)

        def with_emergency(w: Workshop, earlier=start.recipe) -> None:
            earlier(w)
            w.step(day - w.day)
            w.start_emergency(name)
        start.recipe = with_emergency

    def start_game(self, scenario: Scenario | str | None = None, *, budget_factor: float = 1.1, days: int = 365,
                   replications: int = 1, seed: int = 0):
        """A new budget game for everyone (the last one's entries are dropped), hidden best choice."""
        from .budget_game import BudgetGame   # its first run takes a moment: only when a game starts

        self.game = BudgetGame(scenario or self.scenario, seed=seed, days=days, budget_factor=budget_factor,
                               replications=replications)
        self.game_revealed = False
        self._redraw_all()
        return self.game

    def reveal_game(self, on: bool = True) -> None:
        """Show (or hide again) which choice within budget was best, and why, on every page."""
        self.game_revealed = bool(on) and self.game is not None
        self._redraw_all()

    def game_changed(self) -> None:
        """A participant submitted: every board redraws."""
        self._redraw_all()

    def _validate(self, push: Push) -> None:
        scenario = push.scenario if isinstance(push.scenario, Scenario) else load(push.scenario or self.scenario)
        scenario = scenario.with_values(dict(push.levers))
        if push.levers_b:
            scenario.with_values(dict(push.levers_b))


    def _redraw_all(self) -> None:
        for participant in self.participants():
            participant.redraw()

    # ------------------------------------------------------------------ what the trainer sees

    def choices(self, lang: str) -> list[dict[str, Any]]:
        """A row per session and side: who, the day, the scenario, the levers changed from the
        scenario's own values, and the outcomes so far (formatted)."""
        rows = []
        for participant in self.participants():
            with participant.lock:
                rows.extend(self._rows_of(participant, lang))
        return rows

    def _rows_of(self, participant: Participant, lang: str) -> list[dict[str, Any]]:
        w = participant.workshop
        rows = []
        for side in w.sides:
            series = w.series(side)
            rows.append({
                "participant": participant.label(lang) + (f" · {side}" if w.side_by_side else ""),
                "day": w.day, "scenario": scenario_title(w.scenario, lang),
                "levers": "; ".join(changed_from_scenario(w, side, lang)) or i18n.t("room.no_change", lang),
                "response_mean_h": mean_over_days("response_mean_h", series),
                "satisfaction_rate": mean_over_days("satisfaction_rate", series),
                "backlog": w.status(side)["backlog"],
            })
        return rows


def changed_from_scenario(w: Workshop, side: str, lang: str) -> list[str]:
    """'label value' of each lever a side runs differently from the scenario's own value."""
    values = w.lever_values(side)
    return [f"{c.short(lang)} {c.text(values[c.key], lang)}" for c in LEVER_CONTROLS
            if c.key in values and not c.same(values[c.key], w.scenario[c.key])]


def _apply_push(w: Workshop, push: Push) -> None:
    """A fresh workshop as `push` says: its scenario (if given), A's levers, and B's side by side."""
    if push.scenario is not None:
        w.load_scenario(push.scenario)
    w.set_levers(dict(push.levers), "A", keep_day=False)
    if push.levers_b is not None:
        w.set_levers(dict(push.levers_b), "B", keep_day=False)
    w.set_side_by_side(push.levers_b is not None)
