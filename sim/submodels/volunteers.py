"""Registered volunteers, their answer probability, and routine mutual aid (邻里互助) (ODD 7.26, 7.30).

The emergency manager calls the same volunteers each morning of an emergency (§7.27)."""

from __future__ import annotations

import math

import numpy as np

from .. import schedule as ev
from ..cases import COMMITTEE
from .base import Submodel

class Volunteers(Submodel):
    """Who is registered, by home grid; whether one answers a call; mutual aid on routine cases."""

    name = "volunteers"
    params = ("volunteer.registered_share", "volunteer.base_response", "volunteer.points_per_hour",
              "volunteer.points_scale", "volunteer.incentive_effect", "volunteer.recognition",
              "volunteer.recognition_effect", "volunteer.crowding_out", "volunteer.trust_effect",
              "volunteer.fatigue", "volunteer.mutual_aid_need", "volunteer.mutual_aid_calls", "volunteer.walk_kmh",
              "volunteer.motivation_beta_a", "volunteer.motivation_beta_b")

    def __init__(self, model) -> None:
        super().__init__(model)
        self.by_grid = self._register(model)
        aid = self.p["volunteer.mutual_aid_need"]
        self.mutual_aid_need = [n.name for n in model.needs].index(aid) if aid else -1
        self.aid_cases = 0
        self.aid_open = 0  # mutual-aid cases a volunteer is working on now
        self.aid_hours = 0.0
        self.walk_speed = model.rules.walk_speed  # km/day

    def _register(self, model) -> list[list]:
        """Registered volunteers with their intrinsic motivation, by home grid (own stream: CRN)."""
        rng = model.streams.volunteers
        n = len(model.residents)
        registered = rng.random(n) < self.p["volunteer.registered_share"]
        motivation = rng.beta(self.p["volunteer.motivation_beta_a"], self.p["volunteer.motivation_beta_b"], size=n)
        by_grid: list[list] = [[] for _ in range(model.territory.n_grids)]
        hh_grid = model.territory.hh_grid
        for i in np.flatnonzero(registered).tolist():
            r = model.residents[i]
            r.volunteer = True
            r.motivation = float(motivation[i])
            by_grid[int(hh_grid[r.household])].append(r)
        return by_grid

    def handlers(self):
        return {ev.AID_DONE: self.on_aid_done}

    def link(self) -> None:
        self.resolve = self.model.verification.resolve

    def answer_probability(self, r) -> float:
        """Intrinsic motivation (less what points crowd out), incentives with diminishing returns,
        recognition, trust, and fatigue from days already served."""
        v = self.p
        g = 1.0 - math.exp(-v["volunteer.points_per_hour"] / v["volunteer.points_scale"])
        drive = 2.0 * r.motivation * (1.0 - v["volunteer.crowding_out"] * g) + v["volunteer.incentive_effect"] * g
        p = v["volunteer.base_response"] * drive * (1.0 + v["volunteer.trust_effect"] * (r.trust - 0.5))
        p += v["volunteer.recognition_effect"] * v["volunteer.recognition"]
        p *= (1.0 - v["volunteer.fatigue"]) ** r.days_served
        return min(max(p, 0.0), 1.0)

    def offer_mutual_aid(self, case) -> bool:
        """The committee offers a case to registered volunteers of the resident's grid. True if
        one takes it (then the volunteer walks over and does the work)."""
        pool = [r for r in self.by_grid[case.grid] if r is not case.resident]
        calls = min(len(pool), self.p["volunteer.mutual_aid_calls"])
        if not calls:
            return False
        rng = self.model.streams.mutual_aid
        asked = rng.choice(len(pool), size=calls, replace=False).tolist()
        r = next((pool[i] for i in asked if rng.random() < self.answer_probability(pool[i])), None)
        if r is None:
            return False
        hh_xy = self.model.rules.hh_xy
        (hx, hy), (vx, vy) = hh_xy[case.household], hh_xy[r.household]
        duration = case.effort + math.hypot(hx - vx, hy - vy) / self.walk_speed
        self.aid_cases += 1
        self.aid_open += 1
        self.aid_hours += duration * 24.0
        self.events.push(self.events.now + duration, ev.AID_DONE, case, r)
        return True

    def on_aid_done(self, case, volunteer) -> None:
        self.aid_open -= 1
        self.resolve(case, COMMITTEE)
