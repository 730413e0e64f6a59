"""Grids that adjust (动态调整) and households that change during a run (ODD 7.39).

Each day, before the day's needs are drawn, the households present that day are updated from the
scenario's `[[territory.changes]]` (`population_change.HouseholdSchedule`): only present households'
residents make needs, and grid workers' visiting rounds hold only present households. Every
`grids.review_interval_days` the grids are reviewed: a grid above `grids.split_above` times the
grid size splits in two (a new grid worker is hired), one below `grids.merge_below` merges with its
smallest adjacent grid in the same community (its workers are freed). A change has costs: the new
worker's learning period, households missing from their new worker's round for a while (lost
relationships), and a boundary-confusion delay before cases reach a changed grid's desk.
"""

from __future__ import annotations

import math

import numpy as np
from mesa.discrete_space import Cell

from ..agents import GridWorker
from ..agents.grid_worker import deal_rounds
from ..cases import GRID, IN_TRANSIT, LATENT, Desk
from ..territory import split_tiles, tiles_bounds, tiles_touch, visiting_order
from ..district.geo_regrid import PolygonGrids
from .base import Submodel


class NewGridWorker(GridWorker):
    """A grid worker hired at a split: slower case work and fewer visits while it learns the grid."""

    efficiency = 1.0

    def service_time(self, case, resolves: bool, p) -> float:
        return super().service_time(case, resolves, p) / self.efficiency


class Regrid(Submodel):
    """Households present day by day; reviews that split and merge grids; the costs of a change."""

    name = "regrid"
    params = ("grid.households_per_grid", "grids.review_interval_days", "grids.split_above", "grids.merge_below",
              "grids.learning_days", "grids.learning_start_efficiency", "grids.relationship_days",
              "grids.relationship_loss", "grids.confusion_days", "grids.confusion_delay_hours",
              "worker.annual_cost_cny", "grid.part_time_stipend_cny", "grid.heads")

    def __init__(self, model) -> None:
        super().__init__(model)
        t, p = model.territory, self.p
        self.schedule = model.household_schedule
        self.reviews = int(p["grids.review_interval_days"])
        self.on = self.schedule is not None or self.reviews > 0
        # Off, the submodel adds nothing: no columns, no keys, no draws (the outputs stay as they were).
        self.daily_columns = ((("households_present", int), ("grids_active", int), ("grid_households_max", int),
                               ("grid_households_mean", float), ("grid_households_min", int))
                              if self.on else ())
        self.present = np.ones(t.n_households, dtype=bool)
        self.unvisited_until = np.full(t.n_households, -1, dtype=np.int64)   # lost relationships
        self.tiles = [b[None, :].copy() for b in t.grid_bounds]
        # An imported district's grids are polygons: cut, united and tested for adjacency as such.
        self.polygons = PolygonGrids(t) if self.reviews and t.grid_rings is not None else None
        self.active = [True] * t.n_grids
        self.confused_until = [-math.inf] * t.n_grids
        self.own = [[] for _ in range(t.n_grids)]   # each grid's own workers, by slot
        for w in model.workers:
            self.own[w.grid].append(w)
        self.hired: list[tuple[NewGridWorker, int]] = []
        self.freed: list[tuple[GridWorker, int]] = []
        self.splits = self.merges = self.confused_cases = 0
        self.delayed: set[int] = set()
        self.CONFUSED = self.events.new_kind("boundary_confusion")
        self.today = 0

    def handlers(self):
        return {self.CONFUSED: self.on_confused}

    def link(self) -> None:
        m = self.model
        self.discovery, self.shift = m.discovery, m.shift
        if self.on and self.reviews:   # cases reach a changed grid's desk late for a while
            self._arrive = m.service.arrive
            m.service.arrive = self.arrive
            # A need arises in the grid its household is in now: a case made from an older one (a
            # dispute that recurs, ODD 7.37) would otherwise carry the grid of its first arising.
            self._on_need = m.intake.on_need
            m.intake.on_need = self.on_need

    # ------------------------------------------------------------------ the day
    def plan_day(self, day: int) -> None:
        if not self.on:
            return
        self.today = day
        changed = self._update_presence(day)
        back = np.flatnonzero(self.unvisited_until == day)   # relationships rebuilt: visited again
        changed.update(self.model.territory.hh_grid[back].tolist())
        for g in sorted(changed):
            self.refresh_round(g)
        self._learn(day)
        if self.reviews and day > 0 and day % self.reviews == 0:
            self.review(day)

    def _update_presence(self, day: int) -> set[int]:
        """Households moving in or out today (or migrants coming home or leaving): residents of
        absent households make no needs. Returns the grids whose rounds change."""
        if self.schedule is None:
            return set()
        m = self.model
        present = self.schedule.present(day)
        moved = np.flatnonzero(present != self.present)
        if not len(moved) and day > 0:
            return set()
        self.present = present
        here = present[m.resident_household]
        m.by_age = (np.flatnonzero(~m.resident_elderly & here), np.flatnonzero(m.resident_elderly & here))
        arrivals = m.submodels.get("arrivals")
        if hasattr(arrivals, "_sorted_by_community"):   # arrivals that keep residents by community (community types)
            arrivals._by_community = [arrivals._sorted_by_community(x) for x in m.by_age]
        return set(m.territory.hh_grid[moved].tolist()) if day > 0 else set(range(len(self.own)))

    def refresh_round(self, g: int) -> None:
        """Deal the grid's present, known households to its own workers (as the model does at the
        start) and replan the discoveries of those at proactive work."""
        m, d, now = self.model, self.discovery, self.events.now
        # A merged grid keeps its list of households (others read it) but its workers visit none.
        hh = m.territory.grid_households[g] if self.active[g] else m.territory.grid_households[g][:0]
        workers = self.own[g]
        visit = hh[self.present[hh] & (self.unvisited_until[hh] <= self.today)]
        rounds = deal_rounds(visit, [round(w.day_hours * 60) for w in workers]) if workers else []
        for j in hh.tolist():
            d.round_worker[j] = -1
        for w, r in zip(workers, rounds):
            was_proactive = w.idle_since == w.idle_since
            w.pause_proactive(now)
            old = len(w.round)
            w.round_pos = (w.round_pos / old * len(r)) % len(r) if old and len(r) else 0.0
            w.round = r
            for i, j in enumerate(r.tolist()):
                d.round_index[j], d.round_worker[j] = i, w.slot
            if was_proactive:
                d.schedule(w)
        self._patrol(g)

    def _patrol(self, g: int) -> None:
        """Patrol finds a latent need at a rate inversely proportional to the grid's present households
        (ODD 7.14), times its workers' mean efficiency (a new worker does not yet know where to look)."""
        m, v = self.model, self.model.spec.values
        hh = m.territory.grid_households[g]
        eff = np.mean([getattr(w, "efficiency", 1.0) for w in self.own[g]]) if self.active[g] and self.own[g] else 1.0
        self.discovery.patrol_rate[g] = (v["worker.patrol_detect_per_hour"] * 24.0 * (1.0 - v["worker.visit_share"])
                                         * v["worker.patrol_reference_households"] * eff
                                         / max(1, int(self.present[hh].sum())))

    def _learn(self, day: int) -> None:
        """New workers' efficiency ramps up linearly over the learning period."""
        days, start = self.p["grids.learning_days"], self.p["grids.learning_start_efficiency"]
        for w, hired in self.hired:
            eff = 1.0 if days <= 0 else min(1.0, start + (1.0 - start) * (day - hired) / days)
            if eff != w.efficiency:
                was_proactive = w.idle_since == w.idle_since
                w.pause_proactive(self.events.now)   # visits so far at the old rate
                w.efficiency, w.visit_rate = eff, self.model.rules.visit_rate * eff
                self._patrol(w.grid)
                if was_proactive:
                    self.discovery.schedule(w)

    # ------------------------------------------------------------------ boundary confusion
    def arrive(self, case, desk: Desk) -> None:
        """A case reaching a changed grid's desk in the confusion period first waits (once)."""
        now = self.events.now
        if (desk.level == GRID and now < self.confused_until[desk.index] and case.id not in self.delayed
                and self.p["grids.confusion_delay_hours"] > 0):
            self.delayed.add(case.id)
            self.confused_cases += 1
            case.status = IN_TRANSIT
            mean = self.p["grids.confusion_delay_hours"] / 24.0
            self.events.push(now + self.model.streams.regrid.exponential(mean), self.CONFUSED, case, desk)
            return
        self._arrive(case, desk)

    def on_confused(self, case, desk) -> None:
        self._arrive(case, desk)

    def on_need(self, case, b) -> None:
        case.grid = int(self.model.territory.hh_grid[case.household])
        self._on_need(case, b)

    # ------------------------------------------------------------------ the review
    def counts(self) -> np.ndarray:
        """Present households of each grid (retired grids hold none)."""
        t = self.model.territory
        return np.bincount(t.hh_grid[self.present], minlength=len(self.own))

    def review(self, day: int) -> None:
        """Split the grids above the threshold, then merge those below it, in index order."""
        size = self.p["grid.households_per_grid"]
        counts = self.counts()
        for g in [g for g in range(len(self.own)) if self.active[g] and counts[g] > self.p["grids.split_above"] * size]:
            self.split(g, day)
        low = self.p["grids.merge_below"] * size
        for g in range(len(self.own)):
            counts = self.counts()
            if self.active[g] and counts[g] < low:
                h = self._merge_partner(g, counts)
                if h is not None:
                    self.merge(g, h, day)

    def _merge_partner(self, g: int, counts: np.ndarray) -> int | None:
        """The smallest active grid of the same community adjacent to g (ties: the lowest index)."""
        t = self.model.territory
        near = [h for h in range(len(self.own)) if h != g and self.active[h]
                and t.grid_community[h] == t.grid_community[g] and self._touch(g, h)]
        return min(near, key=lambda h: (counts[h], h)) if near else None

    def _touch(self, a: int, b: int) -> bool:
        """Grids a and b share a boundary (polygons of an imported district, or rectangle tiles)."""
        if self.polygons:
            return self.polygons.touch(a, b)
        t = self.model.territory
        return tiles_touch(self.tiles[a], self.tiles[b], 1e-9 * max(t.width, t.height))

    def _rewire(self, changed: tuple[int, ...]) -> None:
        """The grid network follows the new boundaries: a changed grid is joined to exactly the active
        grids it now borders (neighbouring grids lend their workers in an emergency, ODD 7.39); a grid
        merged away has no neighbours."""
        space = self.model.grid_space
        for g in changed:
            cell = space[g]
            for other in list(cell.connections.values()):
                space.remove_connection(cell, other)
            if not self.active[g]:
                continue
            for h in range(len(self.own)):
                if h != g and self.active[h] and self._touch(g, h):
                    space.add_connection(cell, space[h])

    def split(self, g: int, day: int) -> None:
        """Bisect grid g; the high side becomes a new grid with a newly hired worker."""
        t = self.model.territory
        members = t.grid_households[g]
        counted = members[self.present[members]]
        cut = (self.polygons.split(g, members, counted) if self.polygons
               else split_tiles(t.hh_xy, members, counted, self.tiles[g]))
        if cut is None:
            return
        low, high, low_tiles, high_tiles = cut
        n = len(self.own)
        t.hh_grid[high] = n
        t.grid_bounds = np.vstack([t.grid_bounds, tiles_bounds(high_tiles)])
        t.grid_bounds[g] = tiles_bounds(low_tiles)
        t.grid_community = np.append(t.grid_community, t.grid_community[g])
        t.grid_households[g] = visiting_order(t.hh_xy, low)
        t.grid_households.append(visiting_order(t.hh_xy, high))
        self.tiles[g] = low_tiles
        self.tiles.append(high_tiles)
        self.active.append(True)
        self.confused_until.append(-math.inf)
        self._new_grid(n, day)
        self._move_households(high, g, n, day)
        self._rewire((g, n))
        self.splits += 1
        for k in (g, n):
            self.refresh_round(k)

    def _new_grid(self, n: int, day: int) -> None:
        """The new grid's desk, office (its cell in the grid network) and workers."""
        m, v = self.model, self.model.spec.values
        hh = m.territory.grid_households[n]
        pts = m.territory.hh_xy[hh]
        office = pts[np.argmin(((pts - pts.mean(axis=0)) ** 2).sum(axis=1))]
        m.grid_offices.append(office.tolist())
        cell = Cell(coordinate=n, random=m.random, position=np.array(office))
        m.grid_space.add_cell(cell)   # joined to the grids it borders once the households have moved
        desk = Desk(GRID, n)
        m.grid_desks.append(desk)
        self.own.append([])
        kinds, hours = m._grid_staff(v)
        for j, (part_time, day_hours) in enumerate(zip(kinds, hours)):
            w = NewGridWorker(m, n, j, desk, cell, office, hh[:0], part_time, day_hours)
            w.efficiency = self.p["grids.learning_start_efficiency"] if self.p["grids.learning_days"] > 0 else 1.0
            w.visit_rate = m.rules.visit_rate * w.efficiency
            desk.servers.append(w)
            m.workers.append(w)
            self.own[n].append(w)
            self.hired.append((w, day))
            self._register(w, desk)
        self._extend_others(n, desk)

    def _register(self, w, desk: Desk) -> None:
        """A new worker joins the lists the other submodels keep: on duty now, it starts at once."""
        m, now = self.model, self.events.now
        tasks = m.submodels.get("tasks")
        if tasks is not None:
            tasks.staff["part_time" if w.part_time else "grid_worker"].append(w)
        if w.part_time:
            self.shift.part_timers.append(w)
            return
        desk.idle.append(w)
        if self.shift.grid_duty:
            w.start_proactive(now)

    def _extend_others(self, n: int, desk: Desk) -> None:
        """Per-grid state of the other submodels gets an entry for the new grid."""
        m = self.model
        self.discovery.latent_visit.append({})
        self.discovery.latent_patrol.append({})
        self.discovery.patrol_rate.append(0.0)
        self._replan_tasks(add=desk)
        if (vol := m.submodels.get("volunteers")) is not None:
            vol.by_grid.append([])
        if (prev := m.submodels.get("prevention")) is not None:
            prev.pool.append({})
            prev.patrol_rate.append(0.0)

    def _replan_tasks(self, add: Desk | None = None, remove: Desk | None = None) -> None:
        """Top-down tasks (ODD 7.32) go to the grids that exist: their per-desk rates are recomputed.
        With grid heads (网格长) a new grid is led, as every grid is at set-up, by its community's
        committee staff (one more head entry at that committee's desk); a merged grid's entry goes."""
        tasks = self.model.submodels.get("tasks")
        if tasks is None:
            return
        desks, heads = tasks.desks["grid_worker"], tasks.desks["grid_head"]
        if add is not None:
            desks.append(add)
            if self.p["grid.heads"]:
                heads.append(self._committee_desk(add.index))
        if remove is not None:
            desks.remove(remove)
            if self.p["grid.heads"]:
                heads.remove(self._committee_desk(remove.index))
            for w in remove.servers:
                staff = tasks.staff["part_time" if w.part_time else "grid_worker"]
                if w in staff:
                    staff.remove(w)
        tasks.plans = [tasks._plan_of(t) for t in tasks.types]

    def _committee_desk(self, g: int) -> Desk:
        return self.model.committees[int(self.model.territory.grid_community[g])].desk

    def merge(self, g: int, h: int, day: int) -> None:
        """Grid g joins grid h: its households, area and latent needs; its workers are freed (they finish
        the cases already at g's desk, which is otherwise closed)."""
        t = self.model.territory
        members = t.grid_households[g]
        t.hh_grid[members] = h
        self.tiles[h] = np.vstack([self.tiles[h], self.tiles[g]])
        if self.polygons:
            self.polygons.merge(g, h)
        t.grid_bounds[h] = tiles_bounds(self.tiles[h])
        t.grid_households[h] = visiting_order(t.hh_xy, np.concatenate([t.grid_households[h], members]))
        self.active[g] = False   # its list of households stays as it was: `grid_households` of active grids partition
        self._replan_tasks(remove=self.model.grid_desks[g])
        self.freed.extend((w, day) for w in self.own[g])
        self._move_households(members, g, h, day)
        self._rewire((g, h))
        self.merges += 1
        for k in (g, h):
            self.refresh_round(k)

    def _move_households(self, households: np.ndarray, old: int, new: int, day: int) -> None:
        """Households now in grid `new`: their latent needs and volunteers follow; a share is not yet
        known to the new worker (lost relationships); both grids are confused for a while."""
        m, d = self.model, self.discovery
        moved = np.zeros(m.territory.n_households, dtype=bool)
        moved[households] = True
        prev = m.submodels.get("prevention")
        for case in m.cases:   # every latent need of theirs, in a pool or not (found by no one)
            if case.status == LATENT and case.grid == old and moved[case.household]:
                for pools in (d.latent_visit, d.latent_patrol):
                    if case.id in pools[old]:
                        pools[new][case.id] = pools[old].pop(case.id)
                if prev is not None and case.id in prev.pool[old]:
                    prev.pool[new][case.id] = prev.pool[old].pop(case.id)
                case.grid = new
        if prev is not None:   # the businesses of the area, in proportion to the present households it takes
            going = int(self.present[households].sum())
            staying = int(self.present[m.territory.grid_households[old]].sum())
            prev.hand_over_businesses(old, new, 1.0 if not self.active[old] else going / max(1, going + staying))
        if (vol := m.submodels.get("volunteers")) is not None:
            vol.by_grid[new].extend(r for r in vol.by_grid[old] if moved[r.household])
            vol.by_grid[old] = [r for r in vol.by_grid[old] if not moved[r.household]]
        lost = households[m.streams.regrid.random(len(households)) < self.p["grids.relationship_loss"]]
        self.unvisited_until[lost] = day + self.p["grids.relationship_days"]
        for k in (old, new):
            self.confused_until[k] = day + self.p["grids.confusion_days"]

    # ------------------------------------------------------------------ outputs
    def day_row(self) -> tuple:
        counts = self.counts()[np.array(self.active)]
        return (int(self.present.sum()), int(len(counts)), int(counts.max()), float(counts.mean()), int(counts.min()))

    def cost_cny(self) -> float:
        """Workers are paid only while employed: a hired one from its hiring, a freed one until it is freed
        (`outcomes._workforce` costs every worker the model has for the whole run)."""
        days = self.events.now
        out = 0.0
        for w, day in self.hired:
            out -= self._salary(w) * min(day, days) / 365.0
        for w, day in self.freed:
            out -= self._salary(w) * max(0.0, days - day) / 365.0
        return out

    def _salary(self, w) -> float:
        return self.p["grid.part_time_stipend_cny"] if w.part_time else self.p["worker.annual_cost_cny"]

    def _hired_cost(self) -> float:
        """The hired workers' pay for the days they were employed: from hiring to freeing (a new grid
        merged later) or to the end."""
        days = self.events.now
        freed = {id(w): day for w, day in self.freed}
        return float(sum(self._salary(w) * max(0.0, min(days, freed.get(id(w), days)) - d) / 365.0
                         for w, d in self.hired))

    def workers_in_service(self) -> list:
        """The grid workers employed now: every worker the model has, less those freed by merges
        (`workers.count`, ODD 7.18)."""
        freed = {id(w) for w, _ in self.freed}
        return [w for w in self.model.workers if id(w) not in freed]

    def employed_shares(self) -> list[float]:
        """Per worker of `model.workers`, the share of the run so far it was employed: from its hiring
        (0 for the first workers) to its freeing or now."""
        now = self.events.now
        hired = {id(w): day for w, day in self.hired}
        freed = {id(w): day for w, day in self.freed}
        return [max(0.0, min(now, freed.get(id(w), now)) - hired.get(id(w), 0.0)) / now if now > 0 else 1.0
                for w in self.model.workers]

    def grids_in_use(self) -> int:
        """The active grids (`territory.grids`): merged ones are retired."""
        return int(sum(self.active))

    def summary(self) -> dict[str, float]:
        if not self.on:
            return {}
        counts = self.counts()[np.array(self.active)]
        s = self.schedule
        return {"grids.splits": float(self.splits), "grids.merges": float(self.merges),
                "grids.active_end": float(len(counts)), "grids.built": float(len(self.own)),
                "grids.workers_employed": float(len(self.model.workers)),
                "grids.households_max_end": float(counts.max()), "grids.households_min_end": float(counts.min()),
                "grids.workers_hired": float(len(self.hired)), "grids.workers_freed": float(len(self.freed)),
                "grids.hired_cost_cny": self._hired_cost(),
                "grids.confusion_delayed_cases": float(self.confused_cases),
                "territory.households_added": float(s.added if s else 0),
                "territory.households_removed": float(s.removed if s else 0),
                "territory.households_present_end": float(self.present.sum())}
