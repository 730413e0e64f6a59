"""Grid workers (网格员): handle cases, travel, visit households and patrol to discover needs."""

from __future__ import annotations

import math

import mesa
import numpy as np

from .server import Server


class GridWorker(mesa.discrete_space.CellAgent, Server):
    """A grid worker, located in its grid's cell of the grid network, with a position in km.

    A full-time grid worker (专职) is on duty for the grid's whole shift and keeps its phone on for
    urgent cases off duty. A part-timer (兼职) works only its daily hours from the start of grid duty
    (`go_off` / `come_on`, called by the shift submodel) and is never on call.

    Free time on duty goes to proactive work: door-to-door visits in a fixed
    round (discovering needs of visit-discoverable types in the household) and
    patrol (discovering public-space needs). Visits and patrols are not events:
    the worker's next *discovery* is computed from the round and the latent
    needs, and rescheduled whenever something changes, so an idle worker costs
    nothing to simulate.
    """

    def __init__(self, model, grid: int, slot: int, desk, cell, office: np.ndarray, round_households: np.ndarray,
                 part_time: bool = False, day_hours: float = math.nan):
        super().__init__(model)
        self.grid = grid
        self.part_time = part_time
        self.day_hours = day_hours             # hours on grid duty a working day
        self.resting = part_time               # a part-timer is off until its first hours on duty
        self.slot = slot                       # which of the grid's visiting rounds is this worker's
        self.office = (float(office[0]), float(office[1]))
        self.open_books(desk, model.rules.speed, self.office)
        self.cell = cell
        self.visit_rate = model.rules.visit_rate  # household visits per day of proactive work
        self.round = round_households          # households this worker visits, in order
        self.round_pos = 0.0                   # visits done in the current round (fractional)
        self.idle_since = math.nan             # start of the current proactive spell, NaN if none
        self.version = 0                       # invalidates scheduled discoveries
        self.proactive_hours = 0.0
        self.visits = 0.0

    def go_off(self, now: float) -> bool:
        """A part-timer's hours are over: it rests until its next hours. True if it was idle (then the
        caller takes it out of the desk's idle list); a busy one rests when its work is done."""
        self.resting = True
        self.off_at = math.inf
        if self.case is None and self.work is None:
            self.pause_proactive(now)
            return True
        return False

    def come_on(self, off_at: float) -> bool:
        """A part-timer's hours begin (until `off_at`). True if it is free to join the idle list."""
        self.off_at = off_at
        was_resting, self.resting = self.resting, False
        return was_resting and self.case is None and self.work is None

    # -- case work -------------------------------------------------------
    def service_time(self, case, resolves: bool, p) -> float:
        """Effort (or triage) + travel to the household for on-site work + recording burden."""
        t = (case.effort if resolves else p.triage) + p.record
        if resolves and p.on_site[case.need]:
            hx, hy = p.hh_xy[case.household]
            t += math.hypot(hx - self.x, hy - self.y) / p.speed
            self.x, self.y = hx, hy
        return t

    def back_to_office(self) -> None:
        self.x, self.y = self.office

    # -- proactive work ----------------------------------------------------
    def start_proactive(self, now: float) -> None:
        self.idle_since = now

    def pause_proactive(self, now: float) -> None:
        """Close the current proactive spell: advance the round by the visits made."""
        if not math.isnan(self.idle_since):
            spell = now - self.idle_since
            self.proactive_hours += spell * 24.0
            done = spell * self.visit_rate
            self.visits += done
            if len(self.round):
                self.round_pos = (self.round_pos + done) % len(self.round)
            self.idle_since = math.nan
        self.version += 1

    def time_to_visit(self, round_index: int) -> float:
        """Days of proactive time until the visit to the household at `round_index` is done."""
        if self.visit_rate <= 0.0:
            return math.inf
        n = len(self.round)
        base = math.floor(self.round_pos)
        visits_needed = (round_index - base) % n + 1 - (self.round_pos - base)
        return visits_needed / self.visit_rate

    def nearest_visit(self, latent: dict, round_worker: list[int], round_index: list[int]) -> tuple[float, object]:
        """(days, case) of the first latent need this worker's round reaches; (inf, None) if none."""
        # The slot is fixed at construction: the desk's server list changes when emergencies
        # lend or switch workers, and a position in it would hand this worker another's round.
        slot = self.slot
        best, target = math.inf, None
        for case in latent.values():
            hh = case.household
            if round_worker[hh] == slot:
                dt = self.time_to_visit(round_index[hh])
                if dt < best:
                    best, target = dt, case
        return best, target


def grid_duty_hours(v) -> float:
    """A full-time grid worker's hours on grid duty a working day: the shift after the paperwork."""
    return v["worker.shift_hours"] - v["burden.paperwork_hours_per_day"]


def part_time_day_hours(v) -> float:
    """A part-timer's hours on each working day: its weekly hours over the week's working days, at
    most a full-timer's hours on grid duty."""
    return min(v["grid.part_time_hours_per_week"] / v["worker.workdays_per_week"], grid_duty_hours(v))


def deal_rounds(households: np.ndarray, weights: list[int]) -> list[np.ndarray]:
    """Deal a grid's households, in visiting order, to its workers in proportion to their integer
    weights (minutes on duty a day): a smooth weighted round robin, exact in integers, so that equal
    weights give worker j every k-th household from the j-th (`households[j::k]`)."""
    k = len(weights)
    if len(set(weights)) == 1:
        return [households[j::k] for j in range(k)]
    total = sum(weights)
    credit = [0] * k
    dealt: list[list[int]] = [[] for _ in range(k)]
    for h in households.tolist():
        for j in range(k):
            credit[j] += weights[j]
        j = max(range(k), key=credit.__getitem__)   # the first of the largest: ties to the lowest
        credit[j] -= total
        dealt[j].append(h)
    return [np.array(d, dtype=households.dtype) for d in dealt]
