"""Need arrivals, decentralisation and effort (ODD 7.2–7.4): the day's cases, drawn at its start."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from ..cases import GRID, N_CASE_U, U_RATING, U_ROUTE, Case
from ..devolution import devolvable_mask
from ..params import LEVELS, URGENCY
from .base import Submodel

URGENCY_NAMES = tuple(URGENCY)


class NeedArrivals(Submodel):
    """Poisson arrivals per need type and age group (rates times `demand.scale`); each case gets its own uniforms."""

    name = "arrivals"
    params = ("demand.scale", "policy.decentralisation", "policy.committee_items_cap", "satisfaction.rating_noise")

    def __init__(self, model) -> None:
        super().__init__(model)
        needs = model.needs
        self.daily_rate = np.array([[n.rate_other, n.rate_elderly] for n in needs]) / 365.0 * self.p["demand.scale"]
        self.level = np.array([LEVELS.index(n.level) for n in needs])
        self.devolvable = devolvable_mask(needs, self.p["policy.committee_items_cap"])  # 规范 caps the committees' list
        self.urgency = [URGENCY_NAMES.index(n.urgency) for n in needs]
        self.deadline = model.rules.deadline

    def plan_day(self, day: int) -> None:
        m = self.model
        t, r, k = self._draw(day)
        if not len(t):
            return
        u = m.streams.case.random((len(t), N_CASE_U))
        levels = self._levels(k, u[:, 6])
        efforts = self._efforts(k, u[:, 7])
        u[:, U_RATING] = ndtri(np.clip(u[:, U_RATING], 1e-12, 1 - 1e-12)) * self.p["satisfaction.rating_noise"]
        # Column 6 (the level's uniform, consumed above) now carries the routing uniform, drawn from a
        # stream of its own so that the case stream's draws stay as they were.
        u[:, U_ROUTE] = m.streams.routing.random(len(t))
        hh = m.resident_household[r]
        grid = m.territory.hh_grid[hh]
        comm = m.territory.hh_community[hh]
        cases, residents = m.cases, m.residents
        urg, dl = self.urgency, self.deadline
        first = len(cases)
        tl = t.tolist()
        for cid, ti, ri, ki, hi, gi, ci, lv, ef, ui in zip(
                range(first, first + len(tl)), tl, r.tolist(), k.tolist(), hh.tolist(), grid.tolist(),
                comm.tolist(), levels.tolist(), efforts.tolist(), u[:, :U_ROUTE + 1].tolist()):
            cases.append(Case(cid, ki, residents[ri], hi, gi, ci, lv, urg[ki], dl[ki], ef, ti, ui))
        self.events.set_arrivals(tl, cases[first:])

    def _draw(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time, resident, need type) of the day's needs, sorted by time."""
        rng = self.model.streams.needs
        times, who, kind = [], [], []
        for k in range(len(self.model.needs)):
            for a, members in enumerate(self.model.by_age):
                lam = self.daily_rate[k, a] * len(members)
                n = int(rng.poisson(lam)) if lam > 0 else 0
                if n:
                    times.append(day + rng.random(n))
                    who.append(members[rng.integers(len(members), size=n)])
                    kind.append(np.full(n, k))
        if not times:
            return np.empty(0), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        t, r, k = np.concatenate(times), np.concatenate(who), np.concatenate(kind)
        order = np.argsort(t, kind="stable")
        return t[order], r[order], k[order]

    def _levels(self, k: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Resolving level after decentralisation hands a share of devolvable items down one level."""
        base = self.level[k]
        devolve = self.devolvable[k] & (u < self.p["policy.decentralisation"]) & (base > GRID)
        return base - devolve

    def _efforts(self, k: np.ndarray, u: np.ndarray) -> np.ndarray:
        out = np.empty(len(k))
        u = np.clip(u, 1e-12, 1 - 1e-12)
        for j, need in enumerate(self.model.needs):
            m = k == j
            mean = self.model.rules.effort_mean[j]
            if need.effort_dist == "exponential":
                out[m] = -mean * np.log1p(-u[m])
            else:
                s2 = math.log1p(need.effort_cv ** 2)
                out[m] = np.exp(math.log(mean) - s2 / 2 + math.sqrt(s2) * ndtri(u[m]))
        return out
