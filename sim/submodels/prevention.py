"""Safe communities (平安建设): collective prevention (群防群治、联防联治) of hazards (ODD 7.38).

A hazard is a case of a need type with `harm_days` in the catalogue. Found before its time to harm
(an exponential draw by case id) — reported by its resident, discovered by a grid worker, or found by
a patrol volunteer or an inspection — it counts as found before harm; not found by then, it causes an
incident: the household's residents fare badly, and the incident is an urgent case of its own. Three
kinds of prevention find hazards sooner: volunteers' patrols (治安巡逻), grid workers' safety
inspections (安全隐患排查, tasks at the grid desk) and township inspections of businesses chosen at
random, whose published results lower the businesses' hazard rates (双随机、一公开).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from scipy.special import ndtri

from .. import schedule as ev
from ..cases import (IN_PERSON, LATENT, MADE_ID_BITS, PATROL, U_DELAY, U_RATING, U_REPORT, URGENT, VISIT,
                     Case)
from ..params import URGENCY
from ..units import HOURS
from .base import Submodel, ratio
from .verification import CaseDraws

# Bands of case ids (cases.MADE_ID_BITS) for the cases made here: 1 and 2 are mediation's and deliberation's.
BUSINESS_CASE_IDS = 3 << MADE_ID_BITS   # band 3: hazards that businesses give rise to
INCIDENT_CASE_IDS = 4 << MADE_ID_BITS   # band 4: incidents caused by hazards nobody found
FINDERS = ("resident", "grid_worker", "patrol_volunteer", "inspection", "business_inspection")
RESIDENT, GRID_WORKER, VOLUNTEER, INSPECTION, BUSINESS_INSPECTION = range(len(FINDERS))
HARM_U, PATROL_U = 0, 1    # a hazard's uniforms by case id: its time to harm, the volunteers' finding time
NEW_CASE_U = 9             # a made case's uniforms: the case's seven, level, effort
# The purposes of `Streams.child("prevention", k)`; new ones are appended.
HAZARD_DRAWS, PATROLLERS, INSPECTIONS, BUSINESSES, INCIDENTS = range(5)
MADE_KEY = 100             # per-case draws of made hazards: Streams.made("prevention", MADE_KEY)


class Hazard:
    """What prevention keeps of one hazard: when it would cause harm, who found it, whether it did."""

    __slots__ = ("case", "t_harm", "finder", "harmed", "business")

    def __init__(self, case, t_harm: float, business: int) -> None:
        self.case, self.t_harm, self.business = case, t_harm, business
        self.finder = -1       # set when a patrol volunteer or an inspection found it (else read the channel)
        self.harmed = False


class Prevention(Submodel):
    """Harm from hazards nobody found; volunteers' patrols, grid workers' inspections, and random
    inspections of businesses with published results."""

    name = "prevention"
    params = ("safety.incident_performance", "safety.patrol_volunteers_per_grid", "safety.patrol_hours_per_week",
              "safety.volunteer_patrol_efficiency", "safety.patrol_stipend_cny_per_hour",
              "safety.inspections_per_grid_month", "safety.inspection_hours", "safety.inspection_find_share",
              "safety.business_hazard_need", "safety.businesses_per_grid", "safety.business_hazard_rate",
              "safety.business_inspection_share", "safety.business_inspection_hours",
              "safety.business_inspection_find_share", "safety.inspection_results_published",
              "safety.publication_compliance_effect", "worker.patrol_detect_per_hour",
              "worker.patrol_reference_households", "volunteer.points_per_hour", "demand.scale", "sim.warmup_days")

    def __init__(self, model) -> None:
        super().__init__(model)
        p, needs, streams = self.p, model.needs, model.streams
        self.harm_days = [n.harm_days for n in needs]
        self.patrollable = [n.discovery == "patrol" for n in needs]
        names = [n.name for n in needs]
        need = p["safety.business_hazard_need"]
        self.business_need = names.index(need) if need else -1
        n_grids = model.territory.n_grids
        self.n_business = p["safety.businesses_per_grid"] * n_grids if self.business_need >= 0 else 0
        self.compliance = np.ones(self.n_business)   # each business's hazard rate relative to the base
        # Each business's grid: safety.businesses_per_grid in each grid at the start; they move with the
        # area when grids split or merge (ODD 7.39), so their number is conserved.
        self.business_grid = np.arange(self.n_business) // max(1, int(p["safety.businesses_per_grid"]))
        self.draws = _case_draws(streams)
        self.rng = {k: streams.child("prevention", k) for k in (PATROLLERS, INSPECTIONS, BUSINESSES, INCIDENTS)}
        self.hazards: dict[int, Hazard] = {}
        self.pool: list[dict[int, Hazard]] = [{} for _ in range(n_grids)]   # latent, not harmed: by grid
        self.by_business: dict[int, dict[int, Hazard]] = {}
        self.business_at: dict[int, int] = {}   # a business hazard's case id -> its business
        self.seen = 0                  # model.cases before this index are checked for hazards
        self.business_cases = self.incident_cases = 0
        self.inspected = {"grid": 0, "business": 0}
        self.HARM, self.FIND = self.events.new_kind("hazard_harm"), self.events.new_kind("volunteer_patrol_find")

    def handlers(self):
        return {self.HARM: self.on_harm, self.FIND: self.on_patrol_find}

    def link(self) -> None:
        m, p = self.model, self.p
        self.tasks, self.report, self.heard = m.tasks, m.dispatch.on_report, m.survey.heard
        self.patrol_rate, self.patrollers, self.patrol_hours = self._patrols(m)
        self.grid_kind = m.tasks.add_kind("safety_inspection") if p["safety.inspections_per_grid_month"] else -1
        self.business_kind = (m.tasks.add_kind("business_inspection")
                              if self.n_business and p["safety.business_inspection_share"] else -1)

    def _patrols(self, m) -> tuple[list[float], int, list[float]]:
        """Each grid's patrol volunteers, drawn at random from its registered volunteers: the rate a day
        at which their patrols find a given latent hazard, how many patrol, and their hours a day (each
        volunteer's asked hours times its chance to answer a call, ODD 7.26)."""
        p, n = self.p, self.p["safety.patrol_volunteers_per_grid"]
        if not n:
            return [0.0] * m.territory.n_grids, 0, [0.0] * m.territory.n_grids
        rng, answer = self.rng[PATROLLERS], m.volunteers.answer_probability
        hours, count = [], 0
        for pool in m.volunteers.by_grid:
            chosen = rng.permutation(len(pool))[:n].tolist()
            count += len(chosen)
            hours.append(sum(answer(pool[i]) for i in chosen) * p["safety.patrol_hours_per_week"] / 7.0)
        grid_hh = [len(h) for h in m.territory.grid_households]
        per_hour = (p["worker.patrol_detect_per_hour"] * p["safety.volunteer_patrol_efficiency"]
                    * p["worker.patrol_reference_households"])
        return [h * per_hour / max(1, g) for h, g in zip(hours, grid_hh)], count, hours

    # ------------------------------------------------------------------ the day
    def plan_day(self, day: int) -> None:
        self._business_hazards(day)
        self._watch_new_cases()
        if self.model.calendar.is_workday(day):
            self._grid_inspections(day)
            self._business_inspections(day)

    def _watch_new_cases(self) -> None:
        """Every new case of a need type with harm_days (not an incident) is a hazard: when it would
        cause harm, and when the grid's patrol volunteers would find it."""
        cases, now = self.model.cases, self.events.now
        for case in cases[self.seen:]:
            mean = self.harm_days[case.need]
            if mean <= 0 or INCIDENT_CASE_IDS <= case.id < INCIDENT_CASE_IDS + (1 << MADE_ID_BITS):
                continue
            t_harm = case.t_arise - mean * math.log1p(-self.draws(case.id, HARM_U))
            h = self.hazards[case.id] = Hazard(case, t_harm, self._business_of(case))
            self.pool[case.grid][case.id] = h
            if h.business >= 0:
                self.by_business.setdefault(h.business, {})[case.id] = h
            self.events.push(max(t_harm, now), self.HARM, h)
            rate = self.patrol_rate[case.grid] if self.patrollable[case.need] else 0.0
            if rate > 0:
                t_find = case.t_arise - math.log1p(-self.draws(case.id, PATROL_U)) / rate
                if t_find < t_harm:
                    self.events.push(max(t_find, now), self.FIND, h)
        self.seen = len(cases)

    def _business_of(self, case) -> int:
        return self.business_at.get(case.id, -1) if self.n_business else -1

    # ------------------------------------------------------------------ finding and harm
    def on_patrol_find(self, h: Hazard, _) -> None:
        self._found(h, VOLUNTEER)

    def _found(self, h: Hazard, finder: int) -> None:
        """A patrol volunteer or an inspector found a latent hazard: it is reported in person at the
        grid (a lapsed one, which its resident stopped noticing, is found no more)."""
        case = h.case
        if case.status != LATENT or h.harmed or not math.isnan(case.t_report) or case.t_arise > self.events.now:
            return   # already known, lapsed or harmed; or due to arise later today
        h.finder = finder
        self._forget(h)
        case.channel = IN_PERSON
        self.report(case, None)

    def _forget(self, h: Hazard) -> None:
        self.pool[h.case.grid].pop(h.case.id, None)
        if h.business >= 0:
            self.by_business.get(h.business, {}).pop(h.case.id, None)

    def on_harm(self, h: Hazard, _) -> None:
        """Nobody found the hazard in time: an incident, felt by the household's residents, and an
        urgent case of its own."""
        self._forget(h)
        if not math.isnan(h.case.t_report):
            return
        h.harmed = True
        m, case = self.model, h.case
        perf = self.p["safety.incident_performance"]
        for r in m.residents_of([case.household]):
            r.experience(perf, 0.0, m.rules)
            self.heard(case.community, perf, r.last_score)
        self._incident_case(case)

    def _incident_case(self, hazard) -> None:
        """The incident: reported at once (a call to 110/119), urgent, at the hazard's household."""
        u = self.rng[INCIDENTS].random((1, NEW_CASE_U))
        u[0, U_REPORT] = u[0, U_DELAY] = 0.0
        self._make_case(INCIDENT_CASE_IDS + self.incident_cases, hazard.need, hazard.resident, hazard.household,
                        self.events.now, u, urgent=True)
        self.incident_cases += 1

    def _make_case(self, cid: int, k: int, resident, household: int, t: float, u: np.ndarray, urgent=False) -> Case:
        m, a = self.model, self.model.arrivals
        level = int(a._levels(np.array([k]), u[:, 7])[0])
        effort = float(a._efforts(np.array([k]), u[:, 8])[0])
        u[0, U_RATING] = ndtri(min(max(u[0, U_RATING], 1e-12), 1 - 1e-12)) * m.spec.values["satisfaction.rating_noise"]
        urgency, deadline = (URGENT, URGENCY["urgent"] * HOURS) if urgent else (a.urgency[k], a.deadline[k])
        terr = m.territory
        case = Case(cid, k, resident, household, int(terr.hh_grid[household]), int(terr.hh_community[household]),
                    level, urgency, deadline, effort, t, u[0, :7].tolist())
        m.cases.append(case)
        self.events.push(t, ev.NEED, case)
        return case

    # ------------------------------------------------------------------ businesses
    def _business_hazards(self, day: int) -> None:
        """The businesses' hazards of the day, drawn at the base rate and kept in proportion to each
        business's compliance, so that publication removes hazards without shifting other draws."""
        if not self.n_business:
            return
        p, rng, m = self.p, self.rng[BUSINESSES], self.model
        lam = p["safety.business_hazard_rate"] * p["demand.scale"] / 365.0
        counts = rng.poisson(lam, self.n_business)
        for b in np.repeat(np.arange(self.n_business), counts).tolist():
            t, keep, pick = rng.random(3)
            u = rng.random((1, NEW_CASE_U))
            if keep >= self.compliance[b]:
                continue
            households = m.territory.grid_households[self.business_grid[b]]
            hh = int(households[int(pick * len(households))])
            resident = m.residents[hh] if hh < len(m.residents) else m.residents[int(pick * len(m.residents))]
            cid = BUSINESS_CASE_IDS + self.business_cases
            self.business_cases += 1
            self.business_at[cid] = b
            self._make_case(cid, self.business_need, resident, hh, day + t, u)

    def hand_over_businesses(self, old: int, new: int, share: float) -> None:
        """Grids re-partitioned (ODD 7.39): `share` of grid `old`'s businesses (rounded; the last ones)
        now lie in grid `new`; a merged grid hands over all of its businesses."""
        mine = np.flatnonzero(self.business_grid == old)
        k = int(round(share * len(mine)))
        if k:
            self.business_grid[mine[len(mine) - k:]] = new

    def businesses_by_grid(self) -> np.ndarray:
        return np.bincount(self.business_grid, minlength=len(self.pool))

    # ------------------------------------------------------------------ inspections
    def _grid_inspections(self, day: int) -> None:
        """Grid workers' safety inspections: tasks at the active grids' desks (the tasks' list: a merged
        grid's goes, a new one's comes, ODD 7.39), at random times in the day's hours."""
        freq = self.p["safety.inspections_per_grid_month"]
        if not freq:
            return
        rng = self.rng[INSPECTIONS]
        lam = freq * 12.0 / self.tasks.workdays_per_year
        desks = self.tasks.desks["grid_worker"]
        counts = rng.poisson(lam, len(desks))
        hours = self.p["safety.inspection_hours"] * HOURS
        for i in np.repeat(np.arange(len(counts)), counts).tolist():
            desk = desks[i]
            self.tasks.issue(self.grid_kind, desk, self._task_time(day, True, rng.random()),
                             hours, when_done=partial(self._inspected, "grid", desk.index))

    def _business_inspections(self, day: int) -> None:
        """双随机: businesses drawn at random, inspected by the township's staff (tasks at its desk)."""
        share = self.p["safety.business_inspection_share"]
        if not self.n_business or not share:
            return
        rng = self.rng[INSPECTIONS]
        n = int(rng.poisson(self.n_business * share / self.tasks.workdays_per_year))
        hours = self.p["safety.business_inspection_hours"] * HOURS
        for b in rng.integers(self.n_business, size=n).tolist():
            self.tasks.issue(self.business_kind, self.model.township.desk,
                             self._task_time(day, False, rng.random()), hours,
                             when_done=partial(self._inspected, "business", b))

    def _task_time(self, day: int, grid: bool, u: float) -> float:
        cal = self.model.calendar
        if cal.always_on:
            return day + u
        start = day + cal.start + (cal.paperwork if grid else 0.0)
        return start + u * max(0.0, cal.length - (cal.paperwork if grid else 0.0))

    def _inspected(self, what: str, where: int, _task=None) -> None:
        """An inspection finished: each latent hazard it covers is found with a chance; a business's
        published result lowers its hazard rate (compliance)."""
        p, rng = self.p, self.rng[INSPECTIONS]
        self.inspected[what] += 1
        if what == "grid":
            pool, share, finder = self.pool[where], p["safety.inspection_find_share"], INSPECTION
        else:
            pool, share, finder = self.by_business.get(where, {}), p["safety.business_inspection_find_share"], \
                BUSINESS_INSPECTION
            if p["safety.inspection_results_published"]:
                self.compliance[where] *= 1.0 - p["safety.publication_compliance_effect"]
        for h in list(pool.values()):
            if h.case.status == LATENT and rng.random() < share:
                self._found(h, finder)

    # ------------------------------------------------------------------ outcomes
    def state(self, h: Hazard, now: float) -> str:
        """Where a hazard stands at `now`: found (before harm), harmed, or latent — exactly one."""
        t_report = h.case.t_report
        if t_report <= min(h.t_harm, now):
            return "found"
        return "harmed" if h.harmed else "latent"

    def finder_of(self, h: Hazard) -> int:
        if h.finder >= 0:
            return h.finder
        return GRID_WORKER if h.case.channel in (VISIT, PATROL) else RESIDENT

    def patrol_hours_per_year(self) -> float:
        return sum(self.patrol_hours) * 365.0

    def cost_cny(self) -> float:
        """The patrol volunteers' allowance over the run (in `cost.staff_cny`)."""
        return self.patrol_hours_per_year() * self.events.now / 365.0 * self.p["safety.patrol_stipend_cny_per_hour"]

    def summary(self) -> dict[str, float]:
        """Over the hazards that arose in the summary window: how many (per 10,000 residents a year),
        found before harm (count, share of those that ended, by whom), incidents; the prevention's inputs."""
        p, m, now = self.p, self.model, self.events.now
        warm = p["sim.warmup_days"]
        window = [h for h in self.hazards.values() if warm <= h.case.t_arise <= now]
        states = [self.state(h, now) for h in window]
        found = [h for h, s in zip(window, states) if s == "found"]
        harmed = states.count("harmed")
        per_10k_year = 10_000 / len(m.residents) / (max(now - warm, 1e-9) / 365.0)
        out = {"safety.hazards_arising": float(len(window)),
               "safety.hazards_per_10k": len(window) * per_10k_year,
               "safety.business_hazards": float(sum(h.business >= 0 for h in window)),
               "safety.hazards_found_before_harm": float(len(found)),
               "safety.found_before_harm_share": ratio(len(found), len(found) + harmed),
               "safety.incidents": float(harmed), "safety.incidents_per_10k": harmed * per_10k_year,
               "safety.hazards_latent_at_end": float(states.count("latent"))}
        by = [self.finder_of(h) for h in found]
        for i, name in enumerate(FINDERS):
            out[f"safety.found_by.{name}"] = float(by.count(i))
        years = max(now, 1e-9) / 365.0
        out["safety.patrol_volunteers"] = float(self.patrollers)
        out["safety.patrol_hours_per_year"] = self.patrol_hours_per_year()
        out["safety.patrol_points_per_year"] = self.patrol_hours_per_year() * p["volunteer.points_per_hour"]
        out["safety.patrol_cost_cny_per_year"] = self.cost_cny() / years
        out["safety.inspections_per_year"] = self.inspected["grid"] / years
        out["safety.business_inspections_per_year"] = self.inspected["business"] / years
        out["safety.business_hazard_rate_mean"] = (float(self.compliance.mean()) * p["safety.business_hazard_rate"]
                                                   if self.n_business else math.nan)
        return out


def _case_draws(streams) -> CaseDraws:
    """A hazard's uniforms by case id; hazards made during the run draw from child streams per band."""
    return CaseDraws(streams.child("prevention", HAZARD_DRAWS), 2, made=streams.made("prevention", MADE_KEY))
