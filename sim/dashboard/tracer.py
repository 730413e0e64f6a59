"""The case tracer: one case followed through the closed loop (发现-上报-派遣-处置-核查-结案-评价).

Pure functions of a model (no UI): `trace` turns a case's entries in the model's case log
(sim/case_log.py) into steps in loop order, each with its times, who handled it and how long the case
waited before it; `trace_path` gives the map points the case visited; `cases_of_household` and
`nearest` find cases from a click on the map; `trace_summary` says it in one sentence.

How the model's events map onto the loop's stages:
- discover (发现): the need became known — the resident decided to report it, or a grid worker found it
  on a visit or patrol; the wait is the time the need went unreported.
- report (上报): the channel: in person, the 12345 hotline, the app, or the worker who found it.
- dispatch (派遣): the platform's dispatch to a desk, each hand-off up a level (流转), a referral to a
  county department (吹哨), a misrouted case sent back (退单), a reopened case returned to its desk.
- handle (处置): a server's work at a desk, from taking the case up to finishing (triage and hand-off,
  or 办结); the wait is the time in that desk's queue.
- verify (核查): from 办结 to the follow-up call (回访), which learns whether the need was solved.
- close (结案): the loop closes for the case — solved, or unsolved and not reopened; or it left the loop
  (abandoned in a queue, lapsed unreported, petitioned).
- rate (评价): the resident's 好差评 grade (1-5; 3 and above is satisfied).
A reopened case (重办) starts a new round at dispatch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import case_log as lg
from ..cases import CHANNEL_NAMES, COMMITTEE, COUNTY, GRID, IN_SERVICE, IN_TRANSIT, LATENT, QUEUED, RESOLVED, TOWNSHIP
from . import i18n

STAGES = ("discover", "report", "dispatch", "handle", "verify", "close", "rate")
LEVEL_ACTORS = {GRID: "grid", COMMITTEE: "committee", TOWNSHIP: "township", COUNTY: "county",
                lg.RESIDENT: "resident", lg.PLATFORM: "platform", lg.VOLUNTEER: "volunteer"}


@dataclass(frozen=True)
class Actor:
    """Who handled a step: `kind` one of "resident" (id: household), "grid" (id: grid; `slot`: the
    worker's place at its grid, or None for the grid's desk), "committee" (id: community), "township",
    "county" (id: the county department), "platform" (id: the channel, sim.cases.CHANNEL_NAMES),
    "volunteer" (id: grid), "follow_up" (the platform's follow-up call)."""

    kind: str
    id: int | None = None
    slot: int | None = None


@dataclass
class TraceStep:
    """One step of a case's loop. Times in model days (day 12 at 09:00 is 12.375); `end` None while the
    step runs (`current`); `start` None for a case still waiting in a queue. `wait`: days the case
    waited before the step began (in a queue; unreported; for an open case, waited so far).
    `notes`: (i18n key, fields) pairs. `round`: 0, then 1 after the first reopening (重办), ..."""

    stage: str
    start: float | None
    end: float | None
    actor: Actor
    wait: float = 0.0
    grid: int = -1
    xy: tuple[float, float] | None = None
    notes: list[tuple[str, dict]] = field(default_factory=list)
    current: bool = False
    round: int = 0
    outcome: str = ""
    grade: int = 0


class TraceError(ValueError):
    """A case or household that cannot be traced: unknown id, or a model without its case log."""


def case_of(model, case_id) -> object:
    """The model's case `case_id`, or a TraceError that says which ids exist."""
    if isinstance(case_id, bool) or not isinstance(case_id, (int, np.integer)):
        raise TraceError(f"case id {case_id!r}: expected an integer case id")
    case_id, cases = int(case_id), model.cases
    # The arrivals' ids are their places in the list; cases made during the run (higher ids) are searched.
    case = cases[case_id] if 0 <= case_id < len(cases) and cases[case_id].id == case_id else next(
        (c for c in cases if c.id == case_id), None)
    if case is None:
        raise TraceError(f"no case {case_id} in this run: it has {len(model.cases)} cases so far"
                         + (f" (ids {model.cases[0].id}…{model.cases[-1].id}, and ids of cases made during the run)"
                            if model.cases else ""))
    if case.t_arise > model.events.now:   # the day's needs are drawn at its start, to arise later
        raise TraceError(f"case {case_id} has not arisen yet: its need arises at {case.t_arise:.3f} "
                         f"(model day), the model is at {model.events.now:.3f}")
    return case


def trace(model, case_id) -> list[TraceStep]:
    """The steps of case `case_id` in loop order (a reopened case: round after round)."""
    case = case_of(model, case_id)
    if isinstance(model.case_log, lg.NoLog):
        raise TraceError("this model runs without its case log (GovernanceModel(..., case_log=False)): "
                         "no case can be traced")
    builder = _Builder(model, case)
    for entry in model.case_log.entries(case.id):
        builder.feed(entry)
    builder.finish()
    _mark_emergencies(model, case, builder.steps)
    return builder.steps


def place_of(model, actor: Actor, case, township: tuple[float, float] | None = None
             ) -> tuple[int, tuple[float, float] | None]:
    """(grid, map position in km) of an actor: the household, a grid's office, the committee's office
    (in its community's first grid), the township's office where the map draws it (`township`, if
    known, else `township_office(model)`); county departments and the platform have no place on the
    map."""
    if actor.kind == "resident":
        return case.grid, _xy(model.territory.hh_xy[case.household])
    if actor.kind in ("grid", "volunteer"):
        return actor.id, _xy(model.grid_offices[actor.id])
    if actor.kind == "committee":
        grid = int(model.committees[actor.id].cell.coordinate)
        return grid, _xy(model.grid_offices[grid])
    if actor.kind == "township":
        return -1, township if township is not None else township_office(model)
    return -1, None


def township_office(model) -> tuple[float, float]:
    """Where the map draws the township office (sim/dashboard/render.py: the model gives it no
    position): the household nearest the territory's centre."""
    t = model.territory
    xy = t.hh_xy
    return _xy(xy[int(np.argmin(((xy - (t.width / 2, t.height / 2)) ** 2).sum(axis=1)))])


def _xy(point) -> tuple[float, float]:
    return float(point[0]), float(point[1])


class _Builder:
    """Turns a case's log entries into steps, one entry at a time."""

    def __init__(self, model, case):
        self.model, self.case = model, case
        self.steps: list[TraceStep] = []
        self.round = 0
        self.arrival: tuple[float, Actor] | None = None   # the desk the case reached, not yet taken up
        self.closed_by: Actor | None = None
        self.solved = False
        self.township: tuple[float, float] | None = None   # found once a trace, when first needed

    def step(self, stage: str, start, end, actor: Actor, wait: float = 0.0, **kw) -> TraceStep:
        if actor.kind == "township" and self.township is None:
            self.township = township_office(self.model)
        grid, xy = place_of(self.model, actor, self.case, self.township)
        s = TraceStep(stage, start, end, actor, max(0.0, wait), grid, xy, round=self.round, **kw)
        self.steps.append(s)
        return s

    def open_step(self, stage: str) -> TraceStep | None:
        """The last step if it is of `stage` and still running."""
        last = self.steps[-1] if self.steps else None
        return last if last is not None and last.stage == stage and last.end is None else None

    def feed(self, e: lg.Entry) -> None:
        getattr(self, "on_" + lg.EVENT_NAMES[e.event])(e)

    @staticmethod
    def desk_actor(e: lg.Entry) -> Actor:
        kind = LEVEL_ACTORS[e.level]
        if kind == "township":
            return Actor(kind)
        return Actor(kind, e.desk, e.slot if e.slot >= 0 else None)

    # ------------------------------------------------------------ discover, report, dispatch
    def on_reported(self, e: lg.Entry) -> None:
        resident = Actor("resident", self.case.household)
        self.step("discover", e.time, e.time, resident, e.time - self.case.t_arise)
        self.step("report", e.time, e.time, resident, notes=[("trace.note.channel." + CHANNEL_NAMES[e.extra], {})])

    def on_discovered(self, e: lg.Entry) -> None:
        worker = self.desk_actor(e)
        how = CHANNEL_NAMES[e.extra]
        self.step("discover", e.time, e.time, worker, e.time - self.case.t_arise,
                  notes=[("trace.note.found." + how, {})])
        self.step("report", e.time, e.time, worker, notes=[("trace.note.channel." + how, {})])
        self.step("dispatch", e.time, e.time, worker, notes=[("trace.note.self_dispatch", {})])
        self.arrival = (e.time, worker)

    def on_dispatched(self, e: lg.Entry) -> None:
        notes = [("trace.note.misrouted", {})] if e.extra else []
        self.step("dispatch", e.time, None, Actor("platform", e.desk), notes=notes)

    def on_arrived(self, e: lg.Entry) -> None:
        desk = self.desk_actor(e)
        moving = self.open_step("dispatch")
        if moving is not None:
            moving.end = e.time
            moving.notes.append(("trace.note.to", {"actor": desk}))
        elif not self.steps or self.steps[-1].stage == "report":   # in person: straight to the grid's desk
            self.step("dispatch", e.time, e.time, desk, notes=[("trace.note.in_person", {})])
        self.arrival = (e.time, desk)

    def on_handed_up(self, e: lg.Entry) -> None:
        self.end_handle(e.time, "trace.note.handed_up")
        self.step("dispatch", e.time, None, self.steps[-1].actor if self.steps else Actor(LEVEL_ACTORS[e.level]),
                  notes=[("trace.note.handoff", {})])

    def on_sent_back(self, e: lg.Entry) -> None:
        self.end_handle(e.time, "trace.note.sent_back")
        self.step("dispatch", e.time, None, Actor("platform"), notes=[("trace.note.redispatch", {})])

    def on_referred(self, e: lg.Entry) -> None:
        moving = self.open_step("dispatch")
        if moving is None:
            moving = self.step("dispatch", e.time, None, Actor("township"))
        moving.notes.append(("trace.note.referred", {}))

    # ------------------------------------------------------------------------- handle
    def on_taken(self, e: lg.Entry) -> None:
        since = self.arrival[0] if self.arrival is not None else e.time
        self.arrival = None
        self.step("handle", e.time, None, self.desk_actor(e), e.time - since)

    def on_aided(self, e: lg.Entry) -> None:
        self.arrival = None
        self.step("handle", e.time, None, Actor("volunteer", e.desk), notes=[("trace.note.mutual_aid", {})])

    def end_handle(self, t: float, note: str) -> None:
        work = self.open_step("handle")
        if work is not None:
            work.end = t
            work.notes.append((note, {}))

    def on_closed(self, e: lg.Entry) -> None:
        work = self.open_step("handle")
        self.end_handle(e.time, "trace.note.closed")
        self.closed_by = work.actor if work is not None else Actor(LEVEL_ACTORS[e.level])
        self.step("verify", e.time, None, Actor("follow_up"))

    def on_supervised(self, e: lg.Entry) -> None:
        self.note_now("trace.note.supervised", e.time)

    def on_late_report(self, e: lg.Entry) -> None:
        self.note_now("trace.note.late_report", e.time)

    def note_now(self, key: str, t: float) -> None:
        if self.steps:
            self.steps[-1].notes.append((key, {"day": t}))

    # ------------------------------------------------------------- verify, close, rate
    def on_called(self, e: lg.Entry) -> None:
        check = self.open_step("verify") or self.step("verify", e.time, None, Actor("follow_up"))
        check.end = e.time
        self.solved = bool(e.extra)
        check.outcome = "solved" if self.solved else "unsolved"

    def on_reopened(self, e: lg.Entry) -> None:
        if self.steps:
            self.steps[-1].outcome = "reopened"
        self.round += 1
        self.step("dispatch", e.time, e.time, self.closed_by or Actor(LEVEL_ACTORS[e.level]),
                  notes=[("trace.note.reopened", {})])

    def on_rated(self, e: lg.Entry) -> None:
        actor = self.closed_by or Actor("township")
        self.step("close", e.time, e.time, actor, outcome="solved" if self.solved else "unsolved")
        self.rate(e)

    def rate(self, e: lg.Entry) -> None:
        self.step("rate", e.time, e.time, Actor("resident", self.case.household), grade=e.extra,
                  outcome="satisfied" if e.extra >= 3 else "dissatisfied")

    def leave(self, e: lg.Entry, outcome: str, actor: Actor) -> None:
        """The case leaves the loop unclosed: the step it was at ends, then a close step says how."""
        waited = e.time - self.arrival[0] if self.arrival is not None else 0.0
        self.arrival = None
        for stage in ("handle", "dispatch"):
            running = self.open_step(stage)
            if running is not None:
                running.end = e.time
        self.step("close", e.time, e.time, actor, waited, outcome=outcome)

    def on_abandoned(self, e: lg.Entry) -> None:
        self.leave(e, "abandoned", Actor("resident", self.case.household))
        self.rate(e)

    def on_petitioned(self, e: lg.Entry) -> None:
        self.leave(e, "petitioned", Actor("township"))
        self.rate(e)

    def on_lapsed(self, e: lg.Entry) -> None:
        self.step("discover", e.time, e.time, Actor("resident", self.case.household), e.time - self.case.t_arise)
        self.leave(e, "lapsed", Actor("resident", self.case.household))

    # ------------------------------------------------------------------------- the end
    def finish(self) -> None:
        """An open case ends at its current stage: still latent, in a queue, in transit or in hand."""
        now = float(self.model.events.now)
        case = self.case
        if case.status == LATENT:
            self.step("discover", None, None, Actor("resident", case.household), now - case.t_arise,
                      current=True, notes=[("trace.note.latent", {})])
            return
        if self.arrival is not None:   # at a desk, not yet taken up
            t, desk = self.arrival
            self.step("handle", None, None, desk, now - t, current=True, notes=[("trace.note.queued", {})])
            return
        last = self.steps[-1] if self.steps else None
        if last is not None and last.end is None:
            last.current = True
        elif case.status == RESOLVED and last is not None and last.stage == "verify":
            last.current = True


def _mark_emergencies(model, case, steps: list[TraceStep]) -> None:
    """Note the steps during which the case's household was in an emergency's footprint in emergency
    mode: from the switch (staff moved to emergency desks) until they are back after the recovery."""
    manager = model.submodels.get("emergency")
    if manager is None:
        return
    now = float(model.events.now)
    for em in manager.emergencies:
        if em.switched != em.switched or not (em.households == case.household).any():
            continue
        until = em.end + model.rules.recovery
        for s in steps:
            begin = (s.start if s.start is not None else now) - s.wait
            end = s.end if s.end is not None else now
            if begin <= until and end >= em.switched:
                s.notes.append(("trace.note.emergency", {"name": em.definition.name}))


# ------------------------------------------------------------------------------ finding cases
def cases_of_household(model, household_id) -> list[int]:
    """The ids of the household's cases, oldest first (a latent one too)."""
    n = model.territory.n_households
    if isinstance(household_id, bool) or not isinstance(household_id, (int, np.integer)) \
            or not 0 <= int(household_id) < n:
        raise TraceError(f"household {household_id!r}: expected an integer from 0 to {n - 1}")
    now = model.events.now
    return [c.id for c in model.cases if c.household == int(household_id) and c.t_arise <= now]


def nearest(model, x: float, y: float, max_km: float = math.inf) -> dict | None:
    """A click on the map at (x, y) km: the nearest household that has cases, with its cases (the
    open ones first, then the rest, newest first), or None if none lies within `max_km`."""
    if not (math.isfinite(x) and math.isfinite(y)):
        raise TraceError(f"map point ({x}, {y}): expected finite coordinates in km")
    now = model.events.now
    arisen = [c for c in model.cases if c.t_arise <= now]
    if not arisen:
        return None
    households = np.unique(np.fromiter((c.household for c in arisen), dtype=np.int64))
    xy = model.territory.hh_xy[households]
    d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
    i = int(np.argmin(d))
    if d[i] > max_km:
        return None
    hh = int(households[i])
    mine = [c for c in arisen if c.household == hh]
    mine.sort(key=lambda c: (not _is_open(c), -c.t_arise))
    return {"household": hh, "distance_km": float(d[i]), "cases": [c.id for c in mine],
            "open": [c.id for c in mine if _is_open(c)]}


def open_cases(model, limit: int = 30) -> list[int]:
    """Ids of the cases open now that the model knows of or that wait unreported, the longest open
    first (at most `limit`): what a trainer picks from to show where cases wait."""
    now = model.events.now
    mine = [c for c in model.cases if c.t_arise <= now and _is_open(c)]
    mine.sort(key=lambda c: c.t_arise)
    return [c.id for c in mine[:limit]]


def _is_open(case) -> bool:
    return case.status in (LATENT, QUEUED, IN_SERVICE, IN_TRANSIT) or (
        case.status == RESOLVED and case.grade == 0)


def trace_path(model, case_id) -> list[dict]:
    """The map points the case visited, in order, for the map to draw as a highlight: the household,
    then each place that found or handled it (grid office, committee office, township seat); consecutive
    repeats of one place merged (two places may share a spot: a committee's office is in a grid). Each point: {"kind", "id", "x", "y", "stage", "time"}."""
    steps = trace(model, case_id)
    case = case_of(model, case_id)
    hx, hy = _xy(model.territory.hh_xy[case.household])
    path = [{"kind": "household", "id": case.household, "x": hx, "y": hy, "stage": "discover",
             "time": case.t_arise}]
    for s in steps:
        if s.stage not in ("discover", "handle") or s.xy is None:
            continue
        kind = "household" if s.actor.kind == "resident" else s.actor.kind
        point = {"kind": kind, "id": s.actor.id, "x": s.xy[0], "y": s.xy[1], "stage": s.stage,
                 "time": s.start if s.start is not None else s.end}
        if (point["kind"], point["id"]) != (path[-1]["kind"], path[-1]["id"]):   # places may share a spot
            path.append(point)
    return path


# --------------------------------------------------------------------------------- words
def stage_label(stage: str, lang: str) -> str:
    return i18n.t(f"trace.stage.{stage}", lang)


def actor_label(actor: Actor, lang: str) -> str:
    """"grid 4 · worker 2", "committee 3", "township", "12345 hotline", "household 1427", ..."""
    if actor.kind == "grid" and actor.slot is not None:
        return i18n.t("trace.actor.worker", lang, grid=actor.id, slot=actor.slot + 1)
    if actor.kind == "platform":
        channel = CHANNEL_NAMES[actor.id] if actor.id is not None else "hotline"
        return i18n.t(f"trace.actor.platform.{channel}", lang)
    return i18n.t(f"trace.actor.{actor.kind}", lang, id=actor.id)


def when(t: float | None, lang: str) -> str:
    """Model time as "day 12 09:00" / "第12天 09:00"."""
    if t is None:
        return "—"
    day = int(math.floor(t + 1e-9))
    minutes = int(round((t - day) * 1440))
    if minutes >= 1440:
        day, minutes = day + 1, minutes - 1440
    return i18n.t("trace.when", lang, day=day, time=f"{minutes // 60:02d}:{minutes % 60:02d}")


def hours(days: float, lang: str) -> str:
    """A duration in words: "26 h" / "26小时", or days past two days."""
    h = days * 24.0
    if h >= 48:
        return i18n.t("trace.days", lang, n=f"{days:.1f}")
    return i18n.t("trace.hours", lang, n=f"{h:.0f}" if h >= 10 else f"{h:.1f}")


def note_text(key: str, fields: dict, lang: str) -> str:
    """A step's note in words (an actor or a day among its fields is put in words first)."""
    words = {k: actor_label(v, lang) if isinstance(v, Actor) else when(v, lang) if k == "day" else v
             for k, v in fields.items()}
    return i18n.t(key, lang, **words)


def trace_summary(steps: list[TraceStep], lang: str) -> str:
    """One sentence: "Reported on day 12 09:00 by household 1427; waited 26 h for dispatch; handled by
    the township; closed on day 15; rated satisfied (4/5)." An open case ends at its current stage."""
    if not steps:
        return i18n.t("trace.sum.empty", lang)
    parts = []
    report = next((s for s in steps if s.stage == "report"), None)
    if report is not None:
        parts.append(i18n.t("trace.sum.reported", lang, when=when(report.start, lang),
                            actor=actor_label(report.actor, lang)))
    longest = max((s for s in steps if s.stage == "handle" and s.wait > 0), key=lambda s: s.wait, default=None)
    if longest is not None:
        desk = Actor(longest.actor.kind, longest.actor.id)   # the queue is the desk's, not the worker's
        parts.append(i18n.t("trace.sum.waited", lang, wait=hours(longest.wait, lang), actor=actor_label(desk, lang)))
    handled = [s for s in steps if s.stage == "handle" and s.start is not None]
    if handled:
        parts.append(i18n.t("trace.sum.handled", lang, actor=actor_label(handled[-1].actor, lang)))
    parts.extend(_ending(steps, lang))
    sep = "；" if lang == "zh" else "; "
    return sep.join(parts) + ("。" if lang == "zh" else ".")


def _ending(steps: list[TraceStep], lang: str) -> list[str]:
    rounds = steps[-1].round
    out = [i18n.t("trace.sum.reopened", lang, n=rounds)] if rounds else []
    last = steps[-1]
    if last.current:
        return out + [i18n.t("trace.sum.open", lang, stage=stage_label(last.stage, lang))]
    close = next((s for s in reversed(steps) if s.stage == "close"), None)
    rate = next((s for s in reversed(steps) if s.stage == "rate"), None)
    if close is not None:
        out.append(i18n.t(f"trace.sum.close.{close.outcome}", lang, when=when(close.start, lang)))
    if rate is not None:
        out.append(i18n.t(f"trace.sum.rated.{rate.outcome}", lang, grade=rate.grade))
    return out


__all__ = ["STAGES", "Actor", "TraceError", "TraceStep", "actor_label", "case_of", "cases_of_household",
           "hours", "nearest", "note_text", "place_of", "stage_label", "township_office", "trace", "trace_path",
           "trace_summary", "when"]
