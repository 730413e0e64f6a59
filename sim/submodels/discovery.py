"""Proactive discovery: door-to-door visits and patrol find latent needs (ODD 7.14)."""

from __future__ import annotations

import math

import numpy as np

from .. import schedule as ev
from ..case_log import DISCOVERED
from ..cases import GRID, LATENT, PATROL, VISIT
from .base import Submodel, ratio

class Discovery(Submodel):
    """Latent needs wait in their grid's pools; each idle grid worker on duty has one planned
    discovery — the nearest latent need in its visiting round, or a patrol find — replanned
    whenever something changes."""

    name = "discovery"
    params = ("worker.visit_share", "worker.patrol_detect_per_hour", "worker.patrol_reference_households")

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.p
        n_grids = model.territory.n_grids
        self.kind = [n.discovery for n in model.needs]
        self.latent_visit = [dict() for _ in range(n_grids)]   # grid -> {case id: case}
        self.latent_patrol = [dict() for _ in range(n_grids)]
        self.round_index, self.round_worker = self._rounds(model)
        visit_share = p["worker.visit_share"]
        self.visit_rate = model.rules.visit_rate
        grid_hh = np.array([len(h) for h in model.territory.grid_households], dtype=float)
        # Patrol finds a given latent need at a rate inversely proportional to the grid's size.
        self.patrol_rate = (p["worker.patrol_detect_per_hour"] * 24.0 * (1.0 - visit_share)
                            * p["worker.patrol_reference_households"] / grid_hh).tolist()
        kinds = set(self.kind)
        # Discovery is planned only if some need can be found, and someone can find it.
        self.on = ("visit" in kinds and self.visit_rate > 0) or (
            "patrol" in kinds and p["worker.patrol_detect_per_hour"] > 0 and visit_share < 1)

    @staticmethod
    def _rounds(model) -> tuple[list[int], list[int]]:
        """Per household: its place in its visiting round, and which of the grid's workers visits it."""
        n = model.territory.n_households
        index, worker = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        for desk in model.grid_desks:
            for w in desk.servers:
                index[w.round] = np.arange(len(w.round))
                worker[w.round] = w.slot
        return index.tolist(), worker.tolist()   # Python ints for the discovery loop

    def handlers(self):
        return {ev.DISCOVER: self.on_discover}

    def link(self) -> None:
        m = self.model
        self.shift, self.open, self.start = m.shift, m.intake.open, m.service.start

    def watch(self, case) -> None:
        """A need arises: a discoverable one waits in its grid's pool, and idle workers replan.
        A need reported at once (a reporting delay of 0) is not latent: it never joins the pool,
        where a worker would plan to visit it again and again at the same instant."""
        kind = self.kind[case.need]
        if kind != "none" and case.status == LATENT:
            (self.latent_visit if kind == "visit" else self.latent_patrol)[case.grid][case.id] = case
            if self.on:
                self._offer(case)

    def leave_latent(self, case) -> None:
        kind = self.kind[case.need]
        if kind != "none":
            (self.latent_visit if kind == "visit" else self.latent_patrol)[case.grid].pop(case.id, None)

    def _offer(self, case) -> None:
        """A new latent need in a grid: an idle worker may now find it sooner than planned."""
        if not self.shift.grid_duty:
            return
        for w in self.model.grid_desks[case.grid].idle:
            if w.case is None and w.idle_since == w.idle_since:
                self._plan(w)

    def schedule(self, w) -> None:
        """Plan an idle worker's next discovery, if anything can be discovered."""
        if self.on:
            self._plan(w)

    def _plan(self, w) -> None:
        """The nearest latent need in the worker's round, or a patrol find (exponential,
        memoryless), whichever comes first, if before the shift ends."""
        now = self.events.now
        w.pause_proactive(now)
        w.start_proactive(now)
        best, target = math.inf, None
        if self.visit_rate > 0.0:
            best, target = w.nearest_visit(self.latent_visit[w.grid], self.round_worker, self.round_index)
        rate = self.patrol_rate[w.grid] * len(self.latent_patrol[w.grid])
        if rate > 0.0:
            dt = self.model.streams.discovery.exponential(1.0 / rate)
            if dt < best:
                best, target = dt, None
        if now + best < min(self.shift.end, w.off_at):
            self.events.push(now + best, ev.DISCOVER, w, (w.version, target))

    def on_discover(self, w, plan) -> None:
        version, target = plan
        if version != w.version or w.case is not None:
            return  # superseded
        if target is None:  # a patrol find: which latent public-space need
            target = self._patrol_find(w.grid)
        if target is None or target.status != LATENT:
            self._plan(w)
            return
        now = self.events.now
        w.pause_proactive(now)
        by_visit = self.kind[target.need] == "visit"
        if by_visit:
            w.round_pos = float((self.round_index[target.household] + 1) % len(w.round))
            self.model.discovered_visit += 1
        else:
            self.model.discovered_patrol += 1
        self.leave_latent(target)
        target.channel = VISIT if by_visit else PATROL
        self.open(target, now)
        self.case_log.by_server(target, DISCOVERED, now, w, target.channel)
        target.t_in[GRID] = now
        w.x, w.y = self.model.rules.hh_xy[target.household]
        w.desk.idle.remove(w)
        self.start(w, target)

    def summary(self) -> dict[str, float]:
        """Latent needs found by visits and by patrol, over the whole run."""
        return {"cases.discovered_by_visit": float(self.model.discovered_visit),
                "cases.discovered_by_patrol": float(self.model.discovered_patrol)}

    def case_summary(self, w) -> dict[str, float]:
        """The share of the window's reported cases that were found by visits or patrol."""
        reported = ~np.isnan(w.t_report)
        return {"rates.discovered_share": ratio(np.isin(w.channel, (VISIT, PATROL)).sum(), reported.sum())}

    def _patrol_find(self, grid: int):
        pool = self.latent_patrol[grid]
        if not pool:
            return None
        keys = list(pool)
        return pool[keys[int(self.model.streams.discovery.integers(len(keys)))]]
