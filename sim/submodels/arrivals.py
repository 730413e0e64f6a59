"""Need arrivals, decentralisation and effort (ODD 7.2–7.4): the day's cases, drawn at its start."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from ..cases import GRID, N_CASE_U, U_RATING, U_ROUTE, Case
from ..dates import in_season, parse_month_day, year_days
from ..devolution import devolvable_mask
from ..params import HOURLY_PROFILES, LEVELS, URGENCY
from .base import Submodel

URGENCY_NAMES = tuple(URGENCY)
_LAST_INSTANT = float(np.nextafter(1.0, 0.0))


class NeedArrivals(Submodel):
    """Poisson arrivals per need type and age group (rates times `demand.scale`); each case gets its own uniforms.

    A need's rate varies with the calendar: its season, rest days (weekends and public holidays,
    `rest_day_factor`), month (`monthly`, optional) and hour of the day (`profile`, or `hourly`
    weights from data). The catalogue rate stays the annual mean:
    within each calendar year the day factors are scaled to average 1, so a year's expected
    count is the catalogue's whatever the profile."""

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
        self.dates = model.calendar.dates
        self.hour_cdf = [hourly_cdf(n.hourly) if n.hourly else None if n.profile == "flat"
                         else hourly_cdf(HOURLY_PROFILES[n.profile]) for n in needs]
        self._year_scale: dict[int, np.ndarray] = {}
        self.need_factor = model.community_profiles.need_factor   # (need, community): the community types
        self._by_community = [self._sorted_by_community(members) for members in model.by_age]
        self.next_id = 0   # the arrivals' case ids: 0, 1, 2, ... (cases made during the run have their own)

    def day_factors(self, day: int) -> np.ndarray:
        """Each need type's rate on `day` relative to its annual mean."""
        d = self.dates
        d.ensure(day)
        year = int(d.year[day])
        scale = self._year_scale.get(year)
        if scale is None:
            work, md = year_days(year)
            scale = self._year_scale[year] = np.array(
                [_mean_one(self._shape(n, work, md)) for n in self.model.needs])
        return self._shape_of_day(d.workday[day], d.month_day[day]) * scale

    def _shape_of_day(self, workday: bool, month_day: int) -> np.ndarray:
        return np.array([self._shape(n, np.array([workday]), np.array([month_day]))[0] for n in self.model.needs])

    @staticmethod
    def _shape(need, workday: np.ndarray, month_day: np.ndarray) -> np.ndarray:
        """A need's relative rate on days given by (working day, month * 100 + day), before scaling."""
        shape = np.where(workday, 1.0, need.rest_day_factor)
        if need.season_start:
            shape = shape * in_season(month_day, parse_month_day(need.season_start), parse_month_day(need.season_end))
        if need.monthly:  # factors estimated from data, e.g. a ticket log (`govsim district tickets`)
            shape = shape * np.asarray(need.monthly)[np.asarray(month_day) // 100 - 1]
        return shape

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
        first, start = self.next_id, len(cases)
        tl = t.tolist()
        self.next_id += len(tl)
        for cid, ti, ri, ki, hi, gi, ci, lv, ef, ui in zip(
                range(first, first + len(tl)), tl, r.tolist(), k.tolist(), hh.tolist(), grid.tolist(),
                comm.tolist(), levels.tolist(), efforts.tolist(), u[:, :U_ROUTE + 1].tolist()):
            cases.append(Case(cid, ki, residents[ri], hi, gi, ci, lv, urg[ki], dl[ki], ef, ti, ui))
        self.events.set_arrivals(tl, cases[start:])

    def _draw(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time, resident, need type) of the day's needs, sorted by time."""
        rng = self.model.streams.needs
        factor = self.day_factors(day).tolist()
        times, who, kind = [], [], []
        for k in range(len(self.model.needs)):
            f = self.need_factor[k]
            alike = len(f) == 0 or bool((f == f[0]).all())   # one multiplier everywhere: draw as before
            for a, members in enumerate(self.model.by_age):
                weight = len(members) * (float(f[0]) if len(f) else 1.0) if alike else self._weights(a, f)
                lam = self.daily_rate[k, a] * float(np.sum(weight)) * factor[k]
                n = int(rng.poisson(lam)) if lam > 0 else 0
                if n:
                    times.append(day + self._time_of_day(k, rng.random(n)))
                    who.append(members[rng.integers(len(members), size=n)] if alike
                               else self._weighted(a, weight, rng, n))
                    kind.append(np.full(n, k))
        if not times:
            return np.empty(0), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        t, r, k = np.concatenate(times), np.concatenate(who), np.concatenate(kind)
        order = np.argsort(t, kind="stable")
        return t[order], r[order], k[order]

    def _sorted_by_community(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """An age group's residents sorted by community, with each community's first position and count."""
        t = self.model.territory
        comm = t.hh_community[self.model.resident_household[members]]
        order = members[np.argsort(comm, kind="stable")]
        counts = np.bincount(comm, minlength=t.n_communities)
        return order, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts

    def _weights(self, a: int, f: np.ndarray) -> np.ndarray:
        """Each community's weight for a need in age group `a`: its residents of the group times its multiplier."""
        return self._by_community[a][2] * f

    def _weighted(self, a: int, weight: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` residents of age group `a`: a community in proportion to its weight, then a resident of it at random."""
        order, first, counts = self._by_community[a]
        cum = np.cumsum(weight)
        c = np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)
        pos = first[c] + np.minimum((rng.random(n) * counts[c]).astype(np.int64), counts[c] - 1)
        return order[pos]

    def _time_of_day(self, k: int, u: np.ndarray) -> np.ndarray:
        """Times within the day (fraction of a day) by inverse CDF of need k's hourly profile."""
        cdf = self.hour_cdf[k]
        if cdf is None:
            return u
        hour = np.minimum(np.searchsorted(cdf, u, side="right") - 1, 23)
        t = (hour + (u - cdf[hour]) / (cdf[hour + 1] - cdf[hour])) / 24.0
        return np.minimum(t, _LAST_INSTANT)  # rounding must not carry a need into the next day

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


def hourly_cdf(weights) -> np.ndarray:
    """The cumulative share of a day's arrivals at each hour boundary: 25 values from 0 to 1."""
    w = np.asarray(weights, dtype=float)
    cdf = np.concatenate([[0.0], np.cumsum(w / w.sum())])
    cdf[-1] = 1.0
    return cdf


def _mean_one(shape: np.ndarray) -> float:
    """The scale that makes a year's day factors average 1 (0 when the need never arises that year)."""
    total = float(shape.sum())
    return len(shape) / total if total > 0 else 0.0
