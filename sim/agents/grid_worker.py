"""Grid workers (网格员): handle cases, travel, visit households and patrol to discover needs."""

from __future__ import annotations

import math

import mesa
import numpy as np

from .server import Server


class GridWorker(mesa.discrete_space.CellAgent, Server):
    """A grid worker, located in its grid's cell of the grid network, with a position in km.

    Free time on duty goes to proactive work: door-to-door visits in a fixed
    round (discovering needs of visit-discoverable types in the household) and
    patrol (discovering public-space needs). Visits and patrols are not events:
    the worker's next *discovery* is computed from the round and the latent
    needs, and rescheduled whenever something changes, so an idle worker costs
    nothing to simulate.
    """

    def __init__(self, model, grid: int, slot: int, desk, cell, office: np.ndarray, round_households: np.ndarray):
        super().__init__(model)
        self.grid = grid
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
