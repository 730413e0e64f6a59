"""GovernanceModel: builds the world, owns the clock, runs the closed loop.

`model.step()` advances one day of `model.time` (Mesa's clock, in days);
`model.run_for(n)` / `model.run_until(t)` advance several. Inside a day the
closed loop runs on the event heap described in `sim/schedule.py`; the event
handlers below are the loop's submodels, in the order a case meets them.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network
from scipy.special import ndtri

from . import schedule as ev
from .agents import Committee, GridWorker, Resident, Township
from .emergency import EmergencyManager
from .cases import (APP, COMMITTEE, COUNTY, GRID, HOTLINE, IN_PERSON, IN_SERVICE, IN_TRANSIT, LATENT, PATROL,
                    QUEUED, RESOLVED, ABANDONED, VISIT, Case, Desk)
from .outcomes import DayRecorder
from .params import LEVELS, URGENCY
from .satisfaction import performance, survey
from .scenario import Scenario
from .streams import ExponentialDraws, Streams
from .territory import build_territory, households_of

# Columns of each case's uniforms (common random numbers, drawn with the day's needs).
U_REPORT, U_APP, U_OFFLINE, U_DELAY, U_PATIENCE, U_RATING = range(6)
N_CASE_U = 8  # + level and effort, consumed at creation
URGENCY_NAMES = tuple(URGENCY)
HOURS, MINUTES = 1 / 24.0, 1 / 1440.0


class Rules:
    """The scenario's values converted to model units (days, km/day), read on hot paths."""

    def __init__(self, s: Scenario, hh_xy: np.ndarray, sat_sum: list[float]):
        v = s.values
        self.triage = v["worker.triage_minutes"] * MINUTES
        self.record = v["burden.record_minutes_per_case"] * MINUTES
        self.speed = v["worker.speed_kmh"] * 24.0
        self.on_site = [n.on_site for n in s.needs]
        self.hh_xy = hh_xy.tolist()  # [x, y] per household as Python floats (hot path: travel)
        self.w_disconfirm = v["satisfaction.weight_disconfirmation"]
        self.memory = v["satisfaction.memory"]
        self.expect_adapt = v["satisfaction.expectation_adapt"]
        self.trust_adapt = v["satisfaction.trust_adapt"]
        self.sat_sum = sat_sum  # running sums of latent satisfaction: [others, elderly]


class GovernanceModel(mesa.Model):
    """A township with its communities, grids, grid workers, committees and residents."""

    def __init__(self, scenario: Scenario, seed: int = 0):
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.mesa)
        mesa_step = self.step  # Mesa's step: advance the clock one day (running our daily step on the way)

        def step() -> None:
            mesa_step()
            self.events.drain(self.time)  # after a fractional run_for, the clock ends mid-day

        self.step = step
        self.delay = ExponentialDraws(self.streams.delays)
        self.spec = scenario
        self.seed = int(seed)
        v = scenario.values
        self.needs = scenario.needs
        self.events = ev.EventQueue()
        for kind, handler in ((ev.NEED, self._on_need), (ev.REPORT, self._on_report), (ev.ARRIVE, self._on_arrive),
                              (ev.DONE, self._on_done), (ev.COUNTY, self._on_county), (ev.VERIFY, self._on_verify),
                              (ev.ABANDON, self._on_abandon), (ev.LAPSE, self._on_lapse),
                              (ev.DISCOVER, self._on_discover), (ev.SHIFT, self._on_shift),
                              (ev.EM_AFTER, self._on_em_after), (ev.AID_DONE, self._on_aid_done)):
            self.events.on(kind, handler)
        self.calendar = ev.Calendar(v["worker.shift_start_hour"], v["worker.shift_hours"],
                                    v["burden.paperwork_hours_per_day"], v["worker.workdays_per_week"])
        self._build_territory(v)
        self._build_population(v)
        self.rules = Rules(scenario, self.territory.hh_xy, self.sat_sum)
        self._build_organisation(v)
        self._set_case_constants(v)
        self.emergency = EmergencyManager(self)
        self.mutual_aid_need = self.emergency.mutual_aid_need
        self.events.check_handlers()
        self.cases: list[Case] = []
        self.created = self.resolved = self.abandoned = self.lapsed = self.reported = 0
        self.discovered_visit = self.discovered_patrol = 0
        self.open_cases = 0
        self.open_area = 0.0       # integral of open cases over time (Little's law)
        self._open_t = 0.0
        self.surveys: list[dict] = []
        self.recorder = DayRecorder(self)
        always = self.calendar.always_on
        self.office_duty = self.grid_duty = always
        self.shift_end = math.inf if always else 0.0
        if always:
            for w in self.workers:
                w.start_proactive(0.0)
        self._plan_day(0)

    # ------------------------------------------------------------------ world
    def _build_territory(self, v) -> None:
        households = households_of(v)
        self.territory = build_territory(
            self.streams.space, households, v["territory.density_per_km2"] / v["territory.household_size"],
            v["territory.households_per_block"], v["territory.households_per_community"],
            v["grid.households_per_grid"])

    def _build_population(self, v) -> None:
        """Residents: one per household first, the rest spread at random; ages, access, trust."""
        t = self.territory
        n = int(v["territory.residents"])
        rng = self.streams.population
        extra = rng.integers(t.n_households, size=max(0, n - t.n_households))
        household = np.concatenate([np.arange(min(n, t.n_households)), extra])
        u_age, u_digital = rng.random(n), rng.random(n)
        z_trust, z_sat = rng.standard_normal(n), rng.standard_normal(n)
        elderly = u_age < v["population.share_elderly"]
        digital = u_digital < np.where(elderly, v["population.digital_elderly"], v["population.digital_other"])
        trust = np.clip(v["population.trust_mean"] + v["population.trust_sd"] * z_trust, 0.0, 1.0)
        sat = np.clip(v["satisfaction.initial_mean"] + v["satisfaction.initial_sd"] * z_sat, 0.0, 1.0)
        expect = v["satisfaction.initial_expectation"]
        self.residents = [Resident(self, int(h), bool(e), bool(d), float(tr), float(s), expect)
                          for h, e, d, tr, s in zip(household.tolist(), elderly.tolist(), digital.tolist(),
                                                    trust.tolist(), sat.tolist())]
        self.resident_household = household
        self.resident_elderly = elderly
        self.by_age = (np.flatnonzero(~elderly), np.flatnonzero(elderly))
        self.sat_sum = [float(sat[~elderly].sum()), float(sat[elderly].sum())]

    def _build_organisation(self, v) -> None:
        """Grid network (mesa.discrete_space), grid desks and workers, committees, the township."""
        t = self.territory
        centres = t.grid_centres()
        self.grid_offices = centres.tolist()
        graph = nx.Graph()
        graph.add_nodes_from(range(t.n_grids))
        graph.add_edges_from(t.grid_adjacency())
        self.grid_space = Network(graph, random=self.random, layout={g: centres[g] for g in range(t.n_grids)})
        per_grid = v["grid.workers_per_grid"]
        self.grid_desks, self.workers = [], []
        self.hh_round_index = np.zeros(t.n_households, dtype=np.int64)
        self.hh_round_worker = np.zeros(t.n_households, dtype=np.int64)
        for g in range(t.n_grids):
            desk = Desk(GRID, g)
            order = t.grid_households[g]
            for j in range(per_grid):
                mine = order[j::per_grid]
                self.hh_round_index[mine] = np.arange(len(mine))
                self.hh_round_worker[mine] = j
                w = GridWorker(self, g, desk, self.grid_space[g], centres[g], mine)
                desk.servers.append(w)
                desk.idle.append(w)
                self.workers.append(w)
            self.grid_desks.append(desk)
        self.hh_round_index_l = self.hh_round_index.tolist()   # Python ints for the discovery loop
        self.hh_round_worker_l = self.hh_round_worker.tolist()
        first_grid = {}
        for g, c in enumerate(t.grid_community.tolist()):
            first_grid.setdefault(c, g)
        self.committees = [Committee(self, c, v["committee.staff"], self.grid_space[first_grid[c]])
                           for c in range(t.n_communities)]
        township_staff = max(1, round(v["township.staff_per_10k"] * v["territory.residents"] / 10_000))
        self.township = Township(self, township_staff)
        self.latent_visit = [dict() for _ in range(t.n_grids)]   # grid -> {case id: case}
        self.latent_patrol = [dict() for _ in range(t.n_grids)]
        grid_hh = np.array([len(h) for h in t.grid_households], dtype=float)
        visit_share = v["worker.visit_share"]
        self.visit_rate = visit_share * 24.0 * 60.0 / v["worker.visit_minutes"]  # visits per proactive day
        self.visit_share = visit_share
        # Patrol finds a given latent need at a rate inversely proportional to the grid's size.
        self.patrol_rate = (v["worker.patrol_detect_per_hour"] * 24.0 * (1.0 - visit_share)
                            * 400.0 / grid_hh).tolist()
        kinds = {n.discovery for n in self.spec.needs}
        # Discovery is planned only if some need can be found, and someone can find it.
        self.discovery_on = ("visit" in kinds and self.visit_rate > 0) or (
            "patrol" in kinds and v["worker.patrol_detect_per_hour"] > 0 and visit_share < 1)

    def _set_case_constants(self, v) -> None:
        needs = self.needs
        self.daily_rate = np.array([[n.rate_other, n.rate_elderly] for n in needs]) / 365.0
        self.need_level = [LEVELS.index(n.level) for n in needs]
        self.need_devolvable = [n.devolvable for n in needs]
        self.need_urgency = [URGENCY_NAMES.index(n.urgency) for n in needs]
        self.need_deadline = [n.deadline_hours * HOURS for n in needs]
        self.need_discovery = [n.discovery for n in needs]
        self.need_report_prob = [n.report_prob for n in needs]
        self.decentralisation = v["policy.decentralisation"]
        self.app_adoption = v["policy.app_adoption"]
        self.hotline_share = v["reporting.hotline_share"]
        self.trust_effect = v["reporting.trust_effect"]
        self.resolved_boost = v["reporting.resolved_boost"]
        self.report_delay = {IN_PERSON: v["reporting.delay_in_person_hours"] * HOURS,
                             HOTLINE: v["reporting.delay_hotline_hours"] * HOURS,
                             APP: v["reporting.delay_app_hours"] * HOURS}
        self.lapse_mean = v["reporting.latent_lapse_days"]
        self.dispatch_mean = v["township.dispatch_hours"] * HOURS
        window = 1.0 - self.decentralisation * v["policy.one_window_reduction"]
        self.handoff_mean = (v["handoff.grid_to_committee_hours"] * HOURS * window,
                             v["handoff.committee_to_township_hours"] * HOURS * window)
        self.county_mean = v["handoff.county_days"]
        self.patience_factor = v["case.patience_factor"] if v["case.abandonment"] else math.inf
        self.verify_mean = v["case.verify_hours"] * HOURS
        self.on_call = v["worker.on_call_urgent"]
        self.rating_noise = v["satisfaction.rating_noise"]
        self.unmet_performance = v["satisfaction.unmet_performance"]

    # --------------------------------------------------------------- the clock
    def run_for(self, duration: float) -> None:
        """Advance `duration` days; a fractional end runs the events due by then."""
        super().run_for(duration)
        self.events.drain(self.time)

    def run_until(self, end_time: float) -> None:
        super().run_until(end_time)
        self.events.drain(self.time)

    def step(self) -> None:
        """One day: run the day's events, record the day, survey if due, plan the next day."""
        self.events.drain(self.time)
        day = int(round(self.time))
        self.recorder.close_day(day - 1)
        interval = self.spec["survey.interval_days"]
        if day % interval == 0:
            self._run_survey(day)
        self._plan_day(day)

    def _plan_day(self, day: int) -> None:
        for t, phase in self.calendar.shift_events(day):
            self.events.push(t, ev.SHIFT, phase)
        self._draw_needs(day)

    def _draw_needs(self, day: int) -> None:
        """Poisson arrivals per need type and age group; each case gets its own uniforms."""
        rng = self.streams.needs
        times, who, kind = [], [], []
        for k in range(len(self.needs)):
            for a, members in enumerate(self.by_age):
                lam = self.daily_rate[k, a] * len(members)
                n = int(rng.poisson(lam)) if lam > 0 else 0
                if n:
                    times.append(day + rng.random(n))
                    who.append(members[rng.integers(len(members), size=n)])
                    kind.append(np.full(n, k))
        if not times:
            return
        t, r, k = np.concatenate(times), np.concatenate(who), np.concatenate(kind)
        order = np.argsort(t, kind="stable")
        t, r, k = t[order], r[order], k[order]
        u = self.streams.case.random((len(t), N_CASE_U))
        levels = self._levels(k, u[:, 6])
        efforts = self._efforts(k, u[:, 7])
        u[:, U_RATING] = ndtri(np.clip(u[:, U_RATING], 1e-12, 1 - 1e-12)) * self.rating_noise
        hh = self.resident_household[r]
        grid = self.territory.hh_grid[hh]
        comm = self.territory.hh_community[hh]
        cases, residents = self.cases, self.residents
        urg, dl = self.need_urgency, self.need_deadline
        first = len(cases)
        tl = t.tolist()
        for cid, ti, ri, ki, hi, gi, ci, lv, ef, ui in zip(
                range(first, first + len(tl)), tl, r.tolist(), k.tolist(), hh.tolist(), grid.tolist(),
                comm.tolist(), levels.tolist(), efforts.tolist(), u[:, :6].tolist()):
            cases.append(Case(cid, ki, residents[ri], hi, gi, ci, lv, urg[ki], dl[ki], ef, ti, ui))
        self.events.set_arrivals(tl, cases[first:])

    def _levels(self, k: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Resolving level after decentralisation hands a share of devolvable items down one level."""
        base = np.array(self.need_level)[k]
        devolve = np.array(self.need_devolvable)[k] & (u < self.decentralisation) & (base > GRID)
        return base - devolve

    def _efforts(self, k: np.ndarray, u: np.ndarray) -> np.ndarray:
        out = np.empty(len(k))
        u = np.clip(u, 1e-12, 1 - 1e-12)
        for j, need in enumerate(self.needs):
            m = k == j
            mean = need.effort_hours * HOURS
            if need.effort_dist == "exponential":
                out[m] = -mean * np.log1p(-u[m])
            else:
                s2 = math.log1p(need.effort_cv ** 2)
                out[m] = np.exp(math.log(mean) - s2 / 2 + math.sqrt(s2) * ndtri(u[m]))
        return out

    # ------------------------------------------------------- the closed loop
    def _on_need(self, case: Case, _) -> None:
        """A need arises: the resident reports it after a delay, or it stays latent until
        discovered or it lapses."""
        now = self.events.now
        self.created += 1
        self._open_change(now, +1)
        r, u = case.resident, case.u
        p = r.report_probability(self.need_report_prob[case.need], self.trust_effect, self.resolved_boost)
        if u[U_REPORT] < p:
            case.channel = r.choose_channel(u[U_APP], u[U_OFFLINE], self.app_adoption, self.hotline_share)
            delay = self.report_delay[case.channel]
            if delay:
                self.events.push(now - delay * math.log1p(-u[U_DELAY]), ev.REPORT, case)
            else:
                self._on_report(case, None)
        else:
            self.events.push(now - self.lapse_mean * math.log1p(-u[U_DELAY]), ev.LAPSE, case)
        kind = self.need_discovery[case.need]
        if kind != "none":
            (self.latent_visit if kind == "visit" else self.latent_patrol)[case.grid][case.id] = case
            if self.discovery_on:
                self._offer_discovery(case)

    def _on_report(self, case: Case, _) -> None:
        """The resident's report reaches the system: in person to the grid worker, by app straight
        to the level with authority (platform routing), by 12345 through the dispatch centre."""
        if case.status != LATENT:
            return  # discovered first
        now = self.events.now
        if self.need_discovery[case.need] != "none":
            self._leave_latent(case)
        self._open(case, now)
        if case.channel == IN_PERSON:
            self._arrive(case, self.grid_desks[case.grid])
        elif case.channel == APP:
            self._arrive(case, self._desk(Township.dispatch_level(case), case))
        else:
            case.status = IN_TRANSIT
            self.events.push(now + self.delay(self.dispatch_mean), ev.ARRIVE, case,
                             self._desk(Township.dispatch_level(case), case))

    def _open(self, case: Case, now: float) -> None:
        case.t_report = now
        self.reported += 1
        if self.patience_factor < math.inf:
            patience = -self.patience_factor * case.deadline * math.log1p(-case.u[U_PATIENCE])
            self.events.push(now + patience, ev.ABANDON, case)

    def _desk(self, level: int, case: Case) -> Desk:
        if level == GRID:
            return self.grid_desks[case.grid]
        if level == COMMITTEE:
            return self.committees[case.community].desk
        return self.township.desk

    def _on_arrive(self, case: Case, desk: Desk) -> None:
        self._arrive(case, desk)

    def _arrive(self, case: Case, desk: Desk) -> None:
        case.t_in[desk.level] = self.events.now
        if (case.need == self.mutual_aid_need and desk.level == COMMITTEE == case.level and self.office_duty
                and self.emergency.offer_mutual_aid(case)):
            self._accept(case, self.events.now)
            case.status = IN_SERVICE
            return
        case.status = QUEUED
        if desk.idle and not desk.queue and (self.grid_duty if desk.level == GRID else self.office_duty):
            self._start(desk.idle.pop(), case)  # a free server on duty takes it at once
            return
        desk.put(case)
        self._try_start(desk)

    def _try_start(self, desk: Desk) -> None:
        """Free servers take waiting cases by urgency, then report time; off duty, only urgent
        cases are taken (on call, as overtime)."""
        on_duty = self.grid_duty if desk.level == GRID else self.office_duty
        while desk.idle:
            if not on_duty and not (self.on_call and desk.peek_urgency() == 0):
                return
            case = desk.pop()
            if case is None:
                return
            self._start(desk.idle.pop(), case)

    def _start(self, server, case: Case) -> None:
        now = self.events.now
        if case.t_accept != case.t_accept:  # NaN: first acceptance is the first response
            self._accept(case, now)
        case.status = IN_SERVICE
        if server.desk.level == GRID and server.idle_since == server.idle_since:
            server.stop_proactive(now, self.visit_rate, self.visit_share)
        server.case = case
        server.busy_since = now
        # Work started within the shift (paperwork hours included) is overtime only past its end.
        server.overtime_from = self.shift_end if self.office_duty else now
        self.events.push(now + server.service_time(case, case.level == server.desk.level, self.rules),
                         ev.DONE, server, case)

    def _accept(self, case: Case, now: float) -> None:
        case.t_accept = now
        rec = self.recorder
        rec.resp_sum += now - case.t_report
        rec.resp_n += 1

    def _on_aid_done(self, case: Case, volunteer) -> None:
        self.emergency.aid_open -= 1
        self._resolve(case, COMMITTEE)

    def _on_done(self, server, case: Case) -> None:
        """A server finishes: the case is resolved at this level or handed up one level."""
        now = self.events.now
        desk = server.desk
        server.case_hours += (now - server.busy_since) * 24.0
        server.overtime_hours += max(0.0, now - server.overtime_from) * 24.0
        server.case = None
        if case.level == desk.level:
            self._resolve(case, desk.level)
        else:
            self._hand_up(case, desk.level)
        if server.reassign is not None:  # booked for emergency duty while on this case
            self.emergency.reassigned(server)
            self._try_start(desk)
            return
        desk.idle.append(server)
        if desk.level == GRID and self.grid_duty:
            server.start_proactive(now)
        self._try_start(desk)
        if desk.level == GRID and server.case is None and self.grid_duty and self.discovery_on:
            self._schedule_discovery(server)

    def _hand_up(self, case: Case, level: int) -> None:
        now = self.events.now
        case.status = IN_TRANSIT
        nxt = level + 1
        if nxt == COUNTY:
            case.t_in[COUNTY] = now
            self.events.push(now + self.delay(self.county_mean), ev.COUNTY, case)
        else:
            self.events.push(now + self.delay(self.handoff_mean[level]), ev.ARRIVE, case, self._desk(nxt, case))

    def _on_county(self, case: Case, _) -> None:
        self._resolve(case, COUNTY)

    def _resolve(self, case: Case, level: int) -> None:
        now = self.events.now
        case.status = RESOLVED
        case.t_resolve = now
        case.resolved_level = level
        self.resolved += 1
        self._open_change(now, -1)
        rec = self.recorder
        rec.res_sum += now - case.t_report
        rec.res_n += 1
        if self.verify_mean:
            self.events.push(now + self.delay(self.verify_mean), ev.VERIFY, case)
        else:
            self._on_verify(case, None)

    def _on_verify(self, case: Case, _) -> None:
        """Verification and rating (核查-结案-评价): the resident rates the closed case."""
        case.t_verify = self.events.now
        perf = performance(case.t_resolve - case.t_report, case.deadline)
        case.grade = grade = case.resident.experience(perf, case.u[U_RATING], self.rules)
        if case.channel <= APP:  # the resident's own report (not a discovery)
            case.resident.last_report_resolved = True
        rec = self.recorder
        rec.ratings += 1
        rec.good += grade >= 3

    def _on_abandon(self, case: Case, _) -> None:
        if case.status != QUEUED:
            return  # patience only runs out while waiting in a queue
        case.status = ABANDONED
        case.t_abandon = self.events.now
        self.abandoned += 1
        self._open_change(self.events.now, -1)
        case.resident.last_report_resolved = False
        case.resident.experience(0.0, 0.0, self.rules)  # not rated on the 好差评 scale: no grade kept

    def _on_lapse(self, case: Case, _) -> None:
        if case.status != LATENT:
            return
        self._leave_latent(case)
        case.status = ABANDONED
        case.lapsed = True
        case.t_abandon = self.events.now
        self.abandoned += 1
        self.lapsed += 1
        self._open_change(self.events.now, -1)
        case.resident.experience(self.unmet_performance, 0.0, self.rules)

    # ----------------------------------------------------- proactive discovery
    def _leave_latent(self, case: Case) -> None:
        kind = self.need_discovery[case.need]
        if kind != "none":
            (self.latent_visit if kind == "visit" else self.latent_patrol)[case.grid].pop(case.id, None)

    def _offer_discovery(self, case: Case) -> None:
        """A new latent need in a grid: an idle worker may now find it sooner than planned."""
        if not self.grid_duty:
            return
        for w in self.grid_desks[case.grid].idle:
            if w.case is None and w.idle_since == w.idle_since:
                self._schedule_discovery(w)

    def _schedule_discovery(self, w: GridWorker) -> None:
        """Plan the worker's next discovery: the nearest latent need in its visiting round, or
        a patrol find (exponential, memoryless), whichever comes first, if before the shift ends."""
        now = self.events.now
        w.stop_proactive(now, self.visit_rate, self.visit_share)
        w.start_proactive(now)
        best, target = math.inf, None
        if self.visit_rate > 0.0:
            slot = w.desk.servers.index(w) if len(w.desk.servers) > 1 else 0
            rw, ri = self.hh_round_worker_l, self.hh_round_index_l
            for case in self.latent_visit[w.grid].values():
                hh = case.household
                if rw[hh] == slot:
                    dt = w.time_to_visit(ri[hh], self.visit_rate)
                    if dt < best:
                        best, target = dt, case
        n_patrol = len(self.latent_patrol[w.grid])
        rate = self.patrol_rate[w.grid] * n_patrol
        if rate > 0.0:
            dt = self.streams.discovery.exponential(1.0 / rate)
            if dt < best:
                best, target = dt, None
        if now + best < self.shift_end:
            self.events.push(now + best, ev.DISCOVER, w, (w.version, target))

    def _on_discover(self, w: GridWorker, plan) -> None:
        version, target = plan
        if version != w.version or w.case is not None:
            return  # superseded
        if target is None:  # a patrol find: which latent public-space need
            pool = self.latent_patrol[w.grid]
            if pool:
                keys = list(pool)
                target = pool[keys[int(self.streams.discovery.integers(len(keys)))]]
        if target is None or target.status != LATENT:
            self._schedule_discovery(w)
            return
        now = self.events.now
        w.stop_proactive(now, self.visit_rate, self.visit_share)
        by_visit = self.need_discovery[target.need] == "visit"
        if by_visit:
            w.round_pos = float((self.hh_round_index_l[target.household] + 1) % len(w.round))
            self.discovered_visit += 1
        else:
            self.discovered_patrol += 1
        self._leave_latent(target)
        target.channel = VISIT if by_visit else PATROL
        self._open(target, now)
        target.t_in[GRID] = now
        w.x, w.y = self.rules.hh_xy[target.household]
        w.desk.idle.remove(w)
        self._start(w, target)

    # ------------------------------------------------------------ the shift
    def _on_shift(self, phase: int, _) -> None:
        now = self.events.now
        if phase == ev.OFFICES_OPEN:
            self.office_duty = True
            self.shift_end = now + self.calendar.length
            for w in self.workers:
                if w.case is None and w.em_desk is None:
                    w.back_to_office()
            for c in self.committees:
                self._try_start(c.desk)
            self._try_start(self.township.desk)
        elif phase == ev.GRID_ON_DUTY:
            self.grid_duty = True
            for desk in self.grid_desks:
                for w in desk.idle:
                    w.start_proactive(now)
                self._try_start(desk)
                if self.discovery_on:
                    for w in desk.idle:
                        self._schedule_discovery(w)
        else:
            self.office_duty = self.grid_duty = False
            for desk in self.grid_desks:
                for w in desk.idle:
                    w.stop_proactive(now, self.visit_rate, self.visit_share)

    # ------------------------------------------------------- emergency hooks
    def rejoin_routine(self, server, desk: Desk) -> None:
        """A server back from emergency duty picks up routine work where it stands."""
        if desk.level == GRID and self.grid_duty:
            server.start_proactive(self.events.now)
        self._try_start(desk)
        if desk.level == GRID and server.case is None and self.grid_duty and self.discovery_on:
            self._schedule_discovery(server)

    def residents_of(self, households) -> list[Resident]:
        wanted = np.zeros(self.territory.n_households, dtype=bool)
        wanted[households] = True
        return [self.residents[i] for i in np.flatnonzero(wanted[self.resident_household])]

    def start_emergency(self, name: str, after_days: float = 0.0):
        """Start the scenario's emergency `name` now (or after a delay): for live demonstrations."""
        d = next((e for e in self.spec.emergencies if e.name == name), None)
        if d is None:
            raise KeyError(f"no emergency {name!r} in scenario {self.spec.name}; it has: "
                           + ", ".join(e.name for e in self.spec.emergencies))
        return self.emergency.schedule(d, self.events.now + after_days)

    def _on_em_after(self, em, _) -> None:
        em.satisfaction["after"] = self.latent_satisfaction_mean

    # ------------------------------------------------------------ bookkeeping
    def _open_change(self, now: float, delta: int) -> None:
        self.open_area += self.open_cases * (now - self._open_t)
        self._open_t = now
        self.open_cases += delta

    def open_area_at(self, t: float) -> float:
        """The integral of open cases from 0 to t (t at or after the last change), read-only."""
        return self.open_area + self.open_cases * (t - self._open_t)

    def _run_survey(self, day: int) -> None:
        sat = np.fromiter((r.satisfaction for r in self.residents), float, len(self.residents))
        n = max(1, round(self.spec["survey.sample_share"] * len(sat)))
        result = survey(self.streams.survey, sat, n, self.rating_noise)
        result["day"] = day
        self.surveys.append(result)
        self.recorder.survey = result

    @property
    def latent_satisfaction_mean(self) -> float:
        return (self.sat_sum[0] + self.sat_sum[1]) / max(1, len(self.residents))


__all__ = ["GovernanceModel"]
