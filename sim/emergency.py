"""Emergencies and the routine↔emergency switch (常态化管理和应急管理动态衔接).

An emergency strikes a footprint (a circle or named communities) at its onset.
It is detected — by sensors (智能感知), residents' calls or a grid worker on duty,
whichever is first — and the township activates emergency command after a
delay that a contingency plan (应急预案) shortens and county approval lengthens
(decentralisation removes that wait). After a switching delay, a share of the
affected grids' workers and committees' staff move to emergency desks, workers
of unaffected neighbouring grids are lent (协调联动), and registered volunteers
are called each morning. Every affected household gets a welfare contact,
vulnerable households first; a contact may uncover a follow-up need (supplies,
evacuation, medical help, heating repair) by the emergency's type and severity.
Routine work meanwhile goes on with the staff left, by urgency. When the
emergency ends, open tasks are counted unmet, volunteers go home, and switched
staff return to routine work after a recovery period.

Emergency tasks are not routine cases: they queue at their own desks and are
reported under `emergency.*`; routine outcomes keep their meaning.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from . import schedule as ev
from .dates import in_season, parse_month_day, year_days
from .params import EMERGENCY_TYPES, FOLLOW_UPS, follow_up_keys, type_key
from .agents.server import Server
from .satisfaction import performance
from .scenario import EmergencyDef
from .streams import EMERGENCY_STREAMS
from .submodels.base import Submodel, ratio
from .units import HOURS, MINUTES


class TaskStatus(IntEnum):
    """An emergency task's state (not a case's: those are `cases.QUEUED`, ...)."""

    QUEUED = 0
    IN_SERVICE = 1
    DONE = 2
    UNMET = 3


VULNERABLE_CONTACT, FOLLOW_UP, CONTACT = range(3)  # task priority


class Task:
    __slots__ = ("id", "emergency", "household", "grid", "kind", "priority", "t_created", "status",
                 "minutes", "staff_only", "t_start", "t_done")

    def __init__(self, tid, emergency, household, grid, kind, priority, t, minutes, staff_only):
        self.id = tid
        self.emergency = emergency
        self.household = household
        self.grid = grid
        self.kind = kind              # "contact" or a follow-up kind
        self.priority = priority
        self.t_created = t
        self.status = TaskStatus.QUEUED
        self.minutes = minutes
        self.staff_only = staff_only
        self.t_start = math.nan
        self.t_done = math.nan


class EmergencyDesk:
    """Two priority queues: tasks anyone may do, and tasks for staff only (volunteers skip them)."""

    __slots__ = ("grid", "anyone", "staff", "servers", "idle")

    def __init__(self, grid: int):
        self.grid = grid
        self.anyone: list[tuple] = []
        self.staff: list[tuple] = []
        self.servers: list = []
        self.idle: list = []

    def put(self, task: Task) -> None:
        heapq.heappush(self.staff if task.staff_only else self.anyone, (task.priority, task.t_created, task.id, task))

    def pop_for(self, is_staff: bool) -> Task | None:
        queues = (self.anyone, self.staff) if is_staff else (self.anyone,)
        best = None
        for q in queues:
            while q and q[0][3].status != TaskStatus.QUEUED:
                heapq.heappop(q)
            if q and (best is None or q[0] < best[0]):
                best = (q[0], q)
        if best is None:
            return None
        return heapq.heappop(best[1])[3]

    def open_tasks(self) -> list[Task]:
        return [t for _, _, _, t in (*self.anyone, *self.staff) if t.status == TaskStatus.QUEUED]


class VolunteerShift(Server):
    """A resident volunteering for a few hours: a server at their home grid's emergency desk."""

    __slots__ = ("resident", "desk", "em_desk", "speed", "x", "y", "until", "task", "busy_since", "hours")
    is_staff = False

    def __init__(self, resident, desk, xy, until, speed):
        self.resident = resident
        self.desk = self.em_desk = desk
        self.speed = speed
        self.x, self.y = xy
        self.until = until
        self.task = None
        self.busy_since = 0.0
        self.hours = 0.0

    def book_task(self, hours: float, emergency, overtime: bool) -> None:
        self.hours += hours
        emergency.volunteer_hours += hours

    def off_shift(self, now: float) -> bool:
        return now >= self.until


@dataclass
class Emergency:
    """One occurrence of an emergency definition."""

    index: int
    definition: EmergencyDef
    onset: float
    end: float
    households: np.ndarray                 # affected households
    vulnerable: np.ndarray                 # bool per affected household
    detected: float = math.nan
    detected_by: str = ""
    activated: float = math.nan
    switched: float = math.nan
    contact: dict = field(default_factory=dict)     # household -> time of first contact
    desks: dict = field(default_factory=dict)       # grid -> EmergencyDesk
    tasks: list = field(default_factory=list)
    moved: list = field(default_factory=list)       # (server, home desk) to send back
    volunteer_hours: float = 0.0
    volunteers: set = field(default_factory=set)    # residents who served at least once
    active_volunteers: int = 0
    peak_volunteers: int = 0
    vulnerable_reached: int = 0  # vulnerable households contacted so far
    follow_up_u: dict = field(default_factory=dict)  # household -> its uniforms for follow-up needs
    over: bool = False
    satisfaction: dict = field(default_factory=dict)  # before / during / after
    rng: dict = field(default_factory=dict)  # this occurrence's streams: one per streams.EMERGENCY_STREAMS


class EmergencyManager(Submodel):
    """Schedules emergencies on the model's event queue and runs their submodels, volunteers and
    mutual aid included (ODD 7.20–7.31)."""

    name = "emergency"
    params = ("sim.days", "policy.decentralisation", "population.share_alone_elderly_households",
              "population.share_disabled_households",
              "emergency.sensor_coverage", "emergency.report_delay_hours", "emergency.preparedness",
              "emergency.preparedness_effect", "emergency.activation_hours", "emergency.county_approval_hours",
              "emergency.switch_hours", "emergency.switch_share", "emergency.lend_share",
              "emergency.contact_minutes", "emergency.vulnerable_contact_minutes",
              "emergency.contact_deadline_hours", "emergency.recovery_hours",
              "volunteer.hours_per_day", "volunteer.points_per_hour", "volunteer.cny_per_point",
              "emergency.sensor_detect_hours", "emergency.grid_worker_detect_hours", "emergency.after_window_days",
              "volunteer.call_start_hour", "volunteer.call_end_hour",
              *(type_key(t, k) for t, kinds in EMERGENCY_TYPES.items() for k in kinds),
              *(key for kind in FOLLOW_UPS for key in follow_up_keys(kind)))

    daily_columns = (("emergency_active", int), ("emergency_tasks_open", int), ("vulnerable_reached_share", float),
                     ("active_volunteers", int))

    def __init__(self, model):
        super().__init__(model)
        v = self.p
        self.rng = model.streams.emergency
        self.profiles = self._profiles(v)
        self.emergencies: list[Emergency] = []
        self.task_seq = 0
        self._vulnerable = self._draw_vulnerable(v)
        self.volunteers = model.volunteers  # built before this manager (sim/submodels/__init__.py)
        for d in model.spec.emergencies:
            for onset in self._onsets(d):
                self.schedule(d, onset)

    def handlers(self):
        return {ev.EM_ONSET: self._on_onset, ev.EM_ACTIVATE: self._on_activate, ev.EM_SWITCH: self._on_switch,
                ev.TASK_DONE: self._on_task_done, ev.EM_CALL: self._on_call, ev.EM_END: self._on_end,
                ev.EM_BACK: self._on_back, ev.EM_AFTER: self._on_after}

    # ------------------------------------------------------------- set-up
    def _draw_vulnerable(self, v) -> np.ndarray:
        """Households of an elderly person alone or with a disabled member (own stream: CRN)."""
        rng = self.model.streams.vulnerability
        n = self.model.territory.n_households
        return rng.random(n) < v["population.share_alone_elderly_households"] + v["population.share_disabled_households"]

    def _onsets(self, d: EmergencyDef) -> list[float]:
        if d.onset_day is not None:
            return [d.onset_day]
        days = self.p["sim.days"]
        if d.season_start:
            return self._seasonal_onsets(d, days)
        n = int(self.rng.poisson(d.annual_rate * days / 365.0))
        return sorted(self.rng.uniform(0.0, days, size=n).tolist())

    def _seasonal_onsets(self, d: EmergencyDef, days: int) -> list[float]:
        """Random onsets in the season only: `annual_rate` a year, all in the season's days (a
        cold wave in winter, waterlogging in the rainy season), uniform over the run's season days."""
        dates = self.model.calendar.dates
        dates.ensure(days - 1)
        start, end = parse_month_day(d.season_start), parse_month_day(d.season_end)
        season = np.flatnonzero(in_season(dates.month_day[:days], start, end))
        per_year = max(1, int(in_season(year_days(2025)[1], start, end).sum()))   # a common year's season days
        n = int(self.rng.poisson(d.annual_rate * len(season) / per_year)) if len(season) else 0
        picked = season[self.rng.integers(len(season), size=n)] if n else np.zeros(0)
        return sorted((picked + self.rng.random(n)).tolist())

    def schedule(self, d: EmergencyDef, onset: float) -> Emergency:
        """Plan one occurrence (also what the dashboard's 'emergency now' button calls)."""
        hh = self._footprint(d)
        em = Emergency(len(self.emergencies), d, onset, onset + d.duration_days, hh, self._vulnerable[hh])
        # Separate streams per occurrence and purpose: paying volunteers changes who answers, and
        # must not change when the emergency is detected, what the households need or which
        # neighbouring grids lend their workers.
        em.rng = {purpose: self.model.streams.child("emergency", em.index, k)
                  for k, purpose in enumerate(EMERGENCY_STREAMS)}
        self.emergencies.append(em)
        self.model.events.push(onset, ev.EM_ONSET, em)
        return em

    def _footprint(self, d: EmergencyDef) -> np.ndarray:
        t = self.model.territory
        if d.communities is not None:
            return np.flatnonzero(np.isin(t.hh_community, d.communities))
        dist2 = (t.hh_xy[:, 0] - d.centre_x_km) ** 2 + (t.hh_xy[:, 1] - d.centre_y_km) ** 2
        return np.flatnonzero(dist2 <= d.radius_km ** 2)

    @staticmethod
    def _profiles(v) -> dict[str, tuple[tuple[str, float, float, bool], ...]]:
        """By emergency type: (follow-up kind, chance at severity 1, minutes, staff only) for each
        kind it can uncover, in the order of `params.EMERGENCY_TYPES` (the order of the draws)."""
        out = {}
        for etype, kinds in EMERGENCY_TYPES.items():
            rows = []
            for kind in kinds:
                minutes, who = (v[key] for key in follow_up_keys(kind))
                rows.append((kind, v[type_key(etype, kind)], minutes, who == "staff"))
            out[etype] = tuple(rows)
        return out

    # ------------------------------------------------ onset and activation
    def _on_onset(self, em: Emergency, _) -> None:
        """Detection: the first of sensors, residents' calls and a grid worker on duty."""
        now, v, rng = self.model.events.now, self.p, em.rng["detection"]
        em.satisfaction["before"] = self.model.latent_satisfaction_mean
        candidates = []
        if rng.random() < v["emergency.sensor_coverage"]:
            candidates.append((now + self.model.rules.sensor_detect * rng.random(), "sensor"))
        mean_h = v["emergency.report_delay_hours"] / em.definition.severity
        candidates.append((now + rng.exponential(mean_h * HOURS) if mean_h else now, "residents"))
        if self.model.shift.office_duty:
            candidates.append((now + rng.exponential(self.model.rules.grid_worker_detect), "grid worker"))
        em.detected, em.detected_by = min(candidates)
        self.model.events.push(em.detected + self.activation_delay(), ev.EM_ACTIVATE, em)
        self.model.events.push(em.end, ev.EM_END, em)

    def activation_delay(self) -> float:
        v = self.p
        plan = 1.0 - v["emergency.preparedness_effect"] * v["emergency.preparedness"]
        county = v["emergency.county_approval_hours"] * (1.0 - v["policy.decentralisation"])
        return (v["emergency.activation_hours"] * plan + county) * HOURS

    def _on_activate(self, em: Emergency, _) -> None:
        """Command activated: list every affected household for a welfare contact; call volunteers."""
        if em.over:
            return
        now, v = self.model.events.now, self.p
        em.activated = now
        kinds = self.profiles[em.definition.type]
        u = em.rng["follow_ups"].random((len(em.households), len(kinds))).tolist()
        em.follow_up_u = dict(zip(em.households.tolist(), u))  # by household: independent of contact order
        grids = self.model.territory.hh_grid[em.households]
        for hh, g, vul in zip(em.households.tolist(), grids.tolist(), em.vulnerable.tolist()):
            minutes = v["emergency.vulnerable_contact_minutes"] if vul else v["emergency.contact_minutes"]
            self._add_task(em, hh, g, "contact", VULNERABLE_CONTACT if vul else CONTACT, minutes, False)
        plan = 1.0 - v["emergency.preparedness_effect"] * v["emergency.preparedness"]
        self.model.events.push(now + v["emergency.switch_hours"] * plan * HOURS, ev.EM_SWITCH, em)
        self._schedule_call(em, now)

    def _add_task(self, em, hh, grid, kind, priority, minutes, staff_only) -> Task:
        desk = em.desks.get(grid)
        if desk is None:
            desk = em.desks[grid] = EmergencyDesk(grid)
        task = Task(self.task_seq, em, hh, grid, kind, priority, self.model.events.now, minutes, staff_only)
        self.task_seq += 1
        em.tasks.append(task)
        if em.over:  # uncovered by a contact that finished after the end: nobody will serve it
            task.status = TaskStatus.UNMET
            return task
        desk.put(task)
        self._try_start(desk)
        return task

    # ------------------------------------------------------------ the switch
    def _on_switch(self, em: Emergency, _) -> None:
        """Move a share of affected grids' workers, of affected committees' staff and of township
        staff to the emergency desks, and borrow workers from unaffected neighbouring grids."""
        if em.over:
            return
        model, v = self.model, self.p
        em.switched = model.events.now
        share = v["emergency.switch_share"]
        affected = sorted(em.desks)
        if not affected:  # a footprint with no households: nothing to staff
            return
        for g in affected:
            workers = [w for w in model.grid_desks[g].servers if not w.part_time]  # part-timers keep their hours
            for w in workers[:math.ceil(share * len(workers) - 1e-9)]:
                self._move(em, w, model.grid_desks[g], em.desks[g])
        by_community: dict[int, list[int]] = {}
        for g in affected:
            by_community.setdefault(int(model.territory.grid_community[g]), []).append(g)
        for c, grids in by_community.items():
            staff = list(model.committees[c].desk.servers)
            for i, s in enumerate(staff[:math.ceil(share * len(staff) - 1e-9)]):
                self._move(em, s, model.committees[c].desk, em.desks[grids[i % len(grids)]])
        # Township departments send the same share of their staff, spread over the affected grids.
        staff = list(model.township.desk.servers)
        for i, s in enumerate(staff[:math.ceil(share * len(staff) - 1e-9)]):
            self._move(em, s, model.township.desk, em.desks[affected[i % len(affected)]])
        lend = v["emergency.lend_share"]
        taken = {g for g in affected}
        for g in affected:
            for cell in model.grid_space[g].neighborhood:
                n = cell.coordinate
                if n in taken or n in em.desks:
                    continue
                taken.add(n)
                if em.rng["lending"].random() < lend:
                    for w in [w for w in model.grid_desks[n].servers if not w.part_time]:
                        self._move(em, w, model.grid_desks[n], em.desks[g])

    def _move(self, em: Emergency, server, home, desk: EmergencyDesk) -> None:
        em.moved.append((server, home))
        home.servers.remove(server)
        if server in home.idle:
            home.idle.remove(server)
            self._join(server, desk)
        else:
            server.reassign = desk  # finishes its case first (see Service.on_done)

    def _join(self, server, desk: EmergencyDesk) -> None:
        server.pause_proactive(self.model.events.now)
        server.reassign = None
        server.em_desk = desk
        server.start_from(self.model.grid_offices[desk.grid])
        desk.servers.append(server)
        desk.idle.append(server)
        self._try_start(desk)

    def reassigned(self, server) -> None:
        """Called by the routine loop when a server booked for emergency duty finishes its case."""
        self._join(server, server.reassign)

    # ------------------------------------------------------------- volunteers
    def _schedule_call(self, em: Emergency, now: float) -> None:
        day = math.floor(now)
        start = day + self.model.rules.call_start
        end = day + self.model.rules.call_end
        when = now if now < end and now >= start else (start if now < start else start + 1)
        if when < em.end:
            self.model.events.push(when, ev.EM_CALL, em)

    def _on_call(self, em: Emergency, _) -> None:
        """The committee calls registered volunteers of the affected grids for today's shift."""
        if em.over:
            return
        now, rng = self.model.events.now, em.rng["volunteers"]
        until = min(now + self.model.rules.volunteer_day, em.end)
        xy = self.model.rules.hh_xy
        volunteers = self.volunteers
        active = 0
        for g, desk in em.desks.items():
            for r in volunteers.by_grid[g]:
                if rng.random() < volunteers.answer_probability(r):
                    r.days_served += 1
                    em.volunteers.add(r.unique_id)
                    shift = VolunteerShift(r, desk, xy[r.household], until, volunteers.walk_speed)
                    desk.servers.append(shift)
                    desk.idle.append(shift)
                    active += 1
            self._try_start(desk)
        em.active_volunteers = active
        em.peak_volunteers = max(em.peak_volunteers, active)
        self._schedule_call(em, math.floor(now) + 1 + self.model.rules.call_start)

    # ---------------------------------------------------------------- tasks
    def _try_start(self, desk: EmergencyDesk) -> None:
        now = self.model.events.now
        for server in list(desk.idle):
            if server.off_shift(now):
                self._dismiss(server)
                continue
            if not desk.anyone and (not server.is_staff or not desk.staff):
                if not desk.staff:
                    break  # nothing left for anyone
                continue
            task = desk.pop_for(server.is_staff)
            if task is None:
                continue
            desk.idle.remove(server)
            self._start(server, task)

    def _start(self, server, task: Task) -> None:
        now = self.model.events.now
        task.status = TaskStatus.IN_SERVICE
        task.t_start = now
        hx, hy = self.model.rules.hh_xy[task.household]
        travel = math.hypot(hx - server.x, hy - server.y) / server.speed
        server.x, server.y = hx, hy
        server.task = task
        server.busy_since = now
        self.model.events.push(now + travel + task.minutes * MINUTES, ev.TASK_DONE, server, task)

    def _on_task_done(self, server, task: Task) -> None:
        now = self.model.events.now
        em = task.emergency
        server.book_task((now - server.busy_since) * 24.0, em, overtime=not self.model.shift.office_duty)
        server.task = None
        task.t_done = now
        if task.status == TaskStatus.IN_SERVICE:
            task.status = TaskStatus.DONE
            if task.kind == "contact":
                self._contacted(em, task, now)
        desk = server.em_desk
        if em.over or server.off_shift(now):
            self._release(server, desk)
            return
        desk.idle.append(server)
        self._try_start(desk)

    def _contacted(self, em: Emergency, task: Task, now: float) -> None:
        """First contact: the household may need follow-up help, by type and severity."""
        if task.household not in em.contact:
            em.contact[task.household] = now
            em.vulnerable_reached += task.priority == VULNERABLE_CONTACT
        d = em.definition
        u = em.follow_up_u[task.household]
        for (kind, chance, minutes, staff_only), ui in zip(self.profiles[d.type], u):
            if ui < chance * d.severity:
                self._add_task(em, task.household, task.grid, kind, FOLLOW_UP, minutes, staff_only)

    def _release(self, server, desk: EmergencyDesk) -> None:
        """Off the emergency desk: a volunteer goes home, staff go back to routine work."""
        if server.is_staff:
            self._send_back(server, desk)
        else:
            self._dismiss(server)

    def _dismiss(self, shift: VolunteerShift) -> None:
        desk = shift.desk
        if shift in desk.idle:
            desk.idle.remove(shift)
        if shift in desk.servers:
            desk.servers.remove(shift)

    # -------------------------------------------------------------- the end
    def _on_end(self, em: Emergency, _) -> None:
        """Open tasks are unmet; volunteers go home; staff return after the recovery period."""
        now = self.model.events.now
        em.over = True
        em.satisfaction["during"] = self.model.latent_satisfaction_mean
        self.model.events.push(now + self.p["emergency.after_window_days"], ev.EM_AFTER, em)
        for task in em.tasks:
            if task.status == TaskStatus.QUEUED:
                task.status = TaskStatus.UNMET
        for desk in em.desks.values():
            for server in list(desk.idle):
                self._release(server, desk)
        self._rate(em)
        # staff on routine cases that were booked for emergency duty never leave
        for server, home in em.moved:
            if server.reassign is not None:
                server.reassign = None
                home.servers.append(server)

    def _send_back(self, server, desk: EmergencyDesk) -> None:
        """Leave the emergency desk; back on routine duty after the recovery period."""
        if server in desk.idle:
            desk.idle.remove(server)
        desk.servers.remove(server)
        self.model.events.push(self.model.events.now + self.model.rules.recovery,
                               ev.EM_BACK, server)

    def _on_back(self, server, _) -> None:
        for em in self.emergencies:
            for s, home in em.moved:
                if s is server:
                    server.em_desk = None
                    server.back_to_office()
                    home.servers.append(server)
                    home.idle.append(server)
                    self.model.service.rejoin(server, home)
                    return

    def _on_after(self, em: Emergency, _) -> None:
        em.satisfaction["after"] = self.model.latent_satisfaction_mean

    def _rate(self, em: Emergency) -> None:
        """Residents of affected households judge the response: contact time against the deadline."""
        model = self.model
        deadline = self.model.rules.contact_deadline
        by_household: dict[int, list] = {}
        for r in model.residents_of(em.households):
            by_household.setdefault(r.household, []).append(r)
        for hh, residents in by_household.items():
            t = em.contact.get(hh)
            perf = performance(t - em.onset, deadline) if t is not None else 0.0
            for r in residents:
                r.experience(perf, 0.0, model.rules)

    # ------------------------------------------------------------- outcomes
    def summary(self) -> dict[str, float]:
        out: dict[str, float] = {"emergency.count": float(len(self.emergencies))}
        ems = sorted((e for e in self.emergencies if e.onset <= self.model.events.now), key=lambda e: e.onset)
        deadline = self.p["emergency.contact_deadline_hours"]
        waits, vul_in_time, vul_total, affected, reached = [], 0, 0, 0, 0
        unmet_urgent, tasks_unmet, hours, volunteers, active = 0, 0, 0.0, set(), 0
        for e in ems:
            affected += len(e.households)
            for hh, vul in zip(e.households.tolist(), e.vulnerable.tolist()):
                t = e.contact.get(hh)
                if t is not None:
                    reached += 1
                    waits.append((t - e.onset) * 24.0)
                if vul:
                    vul_total += 1
                    vul_in_time += t is not None and (t - e.onset) * 24.0 <= deadline
            unmet_urgent += sum(1 for t in e.tasks if t.kind != "contact" and t.status == TaskStatus.UNMET)
            tasks_unmet += sum(1 for t in e.tasks if t.status == TaskStatus.UNMET)
            hours += e.volunteer_hours
            volunteers |= e.volunteers
            active = max(active, e.peak_volunteers)
        w = np.array(waits)
        out["emergency.affected_households"] = float(affected)
        out["emergency.reached_households"] = float(reached)
        out["emergency.unreached_households"] = float(affected - reached)
        out["emergency.first_contact_h.mean"] = float(w.mean()) if len(w) else math.nan
        out["emergency.first_contact_h.p90"] = float(np.percentile(w, 90)) if len(w) else math.nan
        out["emergency.first_contact_h.max"] = float(w.max()) if len(w) else math.nan
        out["emergency.vulnerable_households"] = float(vul_total)
        out["emergency.vulnerable_reached_in_deadline"] = ratio(vul_in_time, vul_total)
        out["emergency.unmet_urgent_needs"] = float(unmet_urgent)
        out["emergency.unmet_tasks"] = float(tasks_unmet)
        det = [(e.detected - e.onset) * 24 for e in ems if not math.isnan(e.detected)]
        act = [(e.activated - e.detected) * 24 for e in ems if not math.isnan(e.activated)]
        out["emergency.detection_delay_h"] = float(np.mean(det)) if det else math.nan
        out["emergency.activation_delay_h"] = float(np.mean(act)) if act else math.nan
        vol = self.volunteers
        out["volunteers.registered"] = float(sum(map(len, vol.by_grid)))
        out["volunteers.served"] = float(len(volunteers))
        out["volunteers.peak_active"] = float(active)
        out["volunteers.hours"] = hours
        out["volunteers.mutual_aid_cases"] = float(vol.aid_cases)
        out["volunteers.mutual_aid_hours"] = vol.aid_hours
        price = self.p["volunteer.points_per_hour"] * self.p["volunteer.cny_per_point"]
        cost = hours * price
        out["volunteers.incentive_cost_cny"] = cost  # emergencies only
        out["volunteers.mutual_aid_cost_cny"] = vol.aid_hours * price
        out["emergency.cost_per_household_reached_cny"] = ratio(cost, reached)
        for phase in ("before", "during", "after"):
            vals = [e.satisfaction[phase] for e in ems if phase in e.satisfaction]
            out[f"emergency.satisfaction_{phase}"] = float(np.mean(vals)) if vals else math.nan
        return out

    def day_row(self) -> tuple[int, int, float, int]:
        """For the daily row: emergency under way, open tasks, share of the latest emergency's
        vulnerable households reached so far, volunteers on shift today."""
        now = self.model.events.now
        started = sorted((e for e in self.emergencies if e.onset <= now), key=lambda e: e.onset)
        if not started:
            return 0, 0, math.nan, 0
        active = any(not e.over for e in started)
        open_tasks = sum(len(d.open_tasks()) for e in started if not e.over for d in e.desks.values())
        latest = started[-1]
        n_vulnerable = int(latest.vulnerable.sum())
        reached = latest.vulnerable_reached / n_vulnerable if n_vulnerable else math.nan
        volunteers = latest.active_volunteers if not latest.over else 0
        return int(active), open_tasks, reached, volunteers
