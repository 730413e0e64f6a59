"""Top-down tasks (上级交办): the work from above that fills staff's days besides cases (ODD 7.32).

Each task type of the scenario's catalogue (`[tasks.NAME]`, `scenario.TaskType`) issues occurrences
on workdays at a desk of its role: every grid desk, every committee, or the township; a grid head's
task (网格长, with `grid.heads`) once per grid, at the committee desk of the grid's community. An occurrence
waits in the desk's queue with the residents' cases and is done by whichever server of the desk is
free, with a priority of its own: a fixed-time task (a meeting, an assessment) comes after urgent
cases and before all others, a flexible one after fast cases and before general ones. A server on a
task is not available for cases; tasks are taken only on duty, never on call. The burden levers cut
them: `burden.forms_reduction` and `burden.assessment_reduction` the share of occurrences of the
types they act on, `burden.shared_data_entry` the hours of data collection.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from ..agents.grid_worker import grid_duty_hours
from ..cases import GRID, IN_SERVICE, QUEUED, RESOLVED
from ..params import TASK_LEVERS
from ..units import HOURS
from .base import Submodel, ratio

# Queue priorities beside the cases' urgency classes (urgent 0, fast 1, general 2, complex 3; a supervised
# case one class higher, at most 0.5, cases.SUPERVISED): a fixed-time task after urgent cases, a
# flexible one after fast cases (and overdue general ones) and before general cases. Never equal to a case's, so a task and a case never tie in the heap.
FIXED_PRIORITY, FLEXIBLE_PRIORITY = 0.25, 1.25
CUT_BY_OCCURRENCE = ("forms", "assessments")   # levers that cut occurrences; data_entry cuts hours
ROLES = ("grid_worker", "committee", "township")
WHO = (*ROLES, "grid_head")   # who a task type names: a grid head is committee staff, so not a role of its own


class Assignment:
    """One occurrence of a top-down task at a desk."""

    __slots__ = ("id", "type", "desk", "priority", "urgency", "t_issue", "deadline", "hours", "left", "status",
                 "t_start", "t_done", "pace", "queued")

    def __init__(self, aid: int, type_index: int, desk, priority: float, t: float, deadline: float, hours: float):
        self.id = aid
        self.type = type_index
        self.desk = desk
        self.priority = priority
        self.urgency = priority       # what `Desk.peek_urgency` reads: never 0, so never taken on call
        self.queued = 0               # put count, as a case's: the desk's queue skips older entries
        self.t_issue = t
        self.deadline = deadline      # days: t_issue + the type's deadline_days
        self.hours = hours            # days of work (model units)
        self.left = hours             # days of work still to do: a task left at the shift's end resumes
        self.pace = 1.0               # the current server's slowing under overload (1 = none)
        self.status = QUEUED
        self.t_start = math.nan
        self.t_done = math.nan


class Tasks(Submodel):
    """Issues the day's top-down tasks, starts them when a server takes one, books their hours."""

    name = "tasks"
    params = ("burden.forms_reduction", "burden.assessment_reduction", "burden.shared_data_entry",
              "worker.shift_hours", "burden.paperwork_hours_per_day", "grid.heads")

    def __init__(self, model) -> None:
        super().__init__(model)
        self.types = model.spec.tasks
        self.ISSUE = self.events.new_kind("task_issue")
        self.DONE = self.events.new_kind("task_finished")
        self.staff = {"grid_worker": [w for w in model.workers if not w.part_time],
                      "part_time": [w for w in model.workers if w.part_time],
                      "committee": [s for c in model.committees for s in c.desk.servers],
                      "township": list(model.township.desk.servers)}
        self.desks = {"grid_worker": list(model.grid_desks), "committee": [c.desk for c in model.committees],
                      "township": [model.township.desk], "grid_head": self._head_desks(model)}
        cal = model.calendar   # a year's tasks fall on its working days (holidays off, 调休 days worked)
        self.workdays_per_year = max(1, sum(cal.is_workday(d) for d in range(365))) if self.types else 1
        self.plans = [self._plan_of(t) for t in self.types]
        # One stream per role: more grids (more grid tasks) leave the committees' and the township's
        # tasks as they were (common random numbers across grid sizes).
        self.rngs = {who: model.streams.child("tasks", i) for i, who in enumerate(WHO)}
        self.assignments: list[Assignment] = []
        self.when_done: dict[int, object] = {}   # assignment id -> what its issuer does when it is finished
        self.drawn = self.cut = self.done = 0
        self.hours_by_type = [0.0] * len(self.types)
        self.names = [t.name for t in self.types]   # the catalogue's, then kinds other submodels add

    def _plan_of(self, t) -> tuple:
        """(desks, expected occurrences per desk per workday, priority, lognormal mu and sigma of the
        hours in days, the share of occurrences cut, the share of hours kept, deadline in days)."""
        p = self.p
        desks = self.desks[t.who]
        per_workday = t.per_month * 12.0 / self.workdays_per_year
        per_worker = t.per == "worker" and t.who != "grid_head"   # a grid has one head
        lam = np.array([per_workday * (self._full_time_equivalents(d) if per_worker else 1) for d in desks])
        sigma2 = math.log1p(t.hours_cv ** 2)
        mu = math.log(t.hours * HOURS) - sigma2 / 2.0
        lever = TASK_LEVERS[t.lever]
        share = p[lever] if lever else 0.0
        cut = share if t.lever in CUT_BY_OCCURRENCE else 0.0
        keep_hours = 1.0 - share if t.lever == "data_entry" else 1.0
        priority = FIXED_PRIORITY if t.timing == "fixed" else FLEXIBLE_PRIORITY
        return desks, lam, priority, mu, math.sqrt(sigma2), cut, keep_hours, t.deadline_days

    def _head_desks(self, model) -> list:
        """With grid heads (网格长), one entry per grid: its community's committee desk, whose staff
        lead its grids; without, none (tasks of grid heads are not issued)."""
        if not self.p["grid.heads"]:
            return []
        return [model.committees[c].desk for c in model.territory.grid_community.tolist()]

    def _full_time_equivalents(self, desk) -> float:
        """A desk's staff for tasks issued per worker: a part-time grid worker counts by its hours."""
        full = grid_duty_hours(self.p)
        return sum(s.day_hours / full if s.part_time else 1.0 for s in desk.servers)

    def handlers(self):
        return {self.ISSUE: self.on_issue, self.DONE: self.on_done}

    def link(self) -> None:
        m = self.model
        self.shift, self.service = m.shift, m.service

    # ------------------------------------------------------------------ issue
    def plan_day(self, day: int) -> None:
        """Draw the day's occurrences of every task type (workdays only), all at full rate so that a
        burden lever removes occurrences without shifting any other draw (common random numbers)."""
        cal = self.model.calendar
        if not self.plans or not cal.is_workday(day):
            return
        for k, (desks, lam, priority, mu, sigma, cut, keep_hours, deadline) in enumerate(self.plans):
            rng = self.rngs[self.types[k].who]
            counts = rng.poisson(lam)
            n = int(counts.sum())
            if not n:
                continue
            u = rng.random((n, 2))   # time in the working window; whether a lever cuts it
            hours = np.exp(mu + sigma * rng.standard_normal(n)) * keep_hours
            where = np.repeat(np.arange(len(desks)), counts)
            self.drawn += n
            for i, (d, h) in enumerate(zip(where.tolist(), hours.tolist())):
                if u[i, 1] < cut:
                    self.cut += 1
                    continue
                t = self._issue_time(day, desks[d].level == GRID, priority == FIXED_PRIORITY, h, u[i, 0])
                a = Assignment(len(self.assignments), k, desks[d], priority, t, t + deadline, h)
                self.assignments.append(a)
                self.events.push(t, self.ISSUE, a)

    def _issue_time(self, day: int, grid: bool, fixed: bool, hours: float, u: float) -> float:
        """Uniform within the desk's hours on duty (grid desks: after the daily paperwork); a fixed
        task is set to end by the shift's end where it fits."""
        cal = self.model.calendar
        if cal.always_on:
            return day + u
        start = day + cal.start + (cal.paperwork if grid else 0.0)
        end = day + cal.start + cal.length
        if fixed:
            end = max(start, end - hours)
        return start + u * (end - start)

    def on_issue(self, a: Assignment, _) -> None:
        self._put(a)
        self.service.try_start(a.desk)

    @staticmethod
    def _put(a: Assignment) -> None:
        """Into the desk's queue, as `Desk.put` puts a case: (priority, time, id, item, put count);
        the id is negative so that it never equals a case's."""
        a.status = QUEUED
        a.queued += 1
        heapq.heappush(a.desk.queue, (a.priority, a.t_issue, -1 - a.id, a, a.queued))

    def _requeue(self, a: Assignment) -> None:
        """Work stopped at the shift's end: the task waits, under its first key, for the next shift."""
        self._put(a)

    def add_kind(self, name: str) -> int:
        """A kind of fixed-time work another submodel issues (a residents' meeting): its index, under
        which its hours are reported (`workload.tasks.hours_by_type.NAME`)."""
        self.names.append(name)
        self.hours_by_type.append(0.0)
        return len(self.names) - 1

    def issue(self, kind: int, desk, t: float, hours: float, when_done=None) -> Assignment:
        """An occurrence of an added kind at `desk` from time `t`: `hours` in days, due within a day.
        `when_done(a)`, if given, is called once the work is finished (an inspection then finds)."""
        a = Assignment(len(self.assignments), kind, desk, FIXED_PRIORITY, t, t + 1.0, hours)
        if when_done is not None:
            self.when_done[a.id] = when_done
        self.assignments.append(a)
        self.events.push(t, self.ISSUE, a)
        return a

    # ------------------------------------------------------------------ work
    def start(self, server, a: Assignment) -> None:
        """A free server on duty takes the task (called by `Service.try_start`)."""
        now = self.events.now
        a.status = IN_SERVICE
        a.t_start = now
        server.pause_proactive(now)
        server.work = a
        server.busy_since = now
        server.overtime_from = self.shift.end if self.shift.office_duty else now
        a.pace = self.service.effort_factor(server, now) if server.ot_month_hours else 1.0
        # Unlike a case, a task is not finished after hours: work stops at the shift's end (a
        # part-timer's: at the end of its hours).
        t, end = a.left * a.pace, min(self.shift.end, server.off_at)
        if self.shift.office_duty and now < end < now + t:
            t = end - now
        self.events.push(now + t, self.DONE, server, a)

    def on_done(self, server, a: Assignment) -> None:
        now = self.events.now
        hours = (now - server.busy_since) * 24.0
        server.task_hours += hours
        server.add_overtime(max(0.0, now - server.overtime_from) * 24.0, now)
        server.work = None
        self.hours_by_type[a.type] += hours
        a.left -= (now - server.busy_since) / a.pace
        if a.left > 1e-9:
            self._requeue(a)
        else:
            a.status = RESOLVED
            a.t_done = now
            self.done += 1
        self.service.free(server)
        follow = self.when_done.pop(a.id, None) if a.status == RESOLVED else None
        if follow is not None:   # after the server is free, as a case found now may go to it
            follow(a)

    # --------------------------------------------------------------- outcomes
    def open_count(self) -> tuple[int, int]:
        """(queued, in service) top-down tasks now."""
        queued = sum(1 for a in self.assignments if a.status == QUEUED and a.t_issue <= self.events.now)
        busy = sum(1 for a in self.assignments if a.status == IN_SERVICE)
        return queued, busy

    def summary(self) -> dict[str, float]:
        now = self.events.now
        issued = [a for a in self.assignments if a.t_issue <= now]
        queued, busy = self.open_count()
        due = [a for a in issued if a.deadline <= now]
        out = {"workload.tasks.drawn": float(self.drawn), "workload.tasks.cut": float(self.cut),
               "workload.tasks.issued": float(len(issued)), "workload.tasks.done": float(self.done),
               "workload.tasks.open": float(queued + busy),
               "workload.tasks.on_time": ratio(sum(1 for a in due if a.t_done <= a.deadline), len(due)),
               "workload.tasks.hours": float(sum(self.hours_by_type)),
               "workload.on_call_refused": float(len(self.service.refused))}
        for name, h in zip(self.names, self.hours_by_type):
            out[f"workload.tasks.hours_by_type.{name}"] = h
        for role in ROLES + (("part_time",) if self.staff["part_time"] else ()):
            self._role_summary(role, out)
        return out

    def _role_summary(self, role: str, out: dict) -> None:
        """Shares of the scheduled working hours (workdays × shift; part-time grid workers: workdays
        × their hours) by kind of work, per role."""
        m, p = self.model, self.p
        staff = self.staff[role]
        days = max(m.time, 1e-9)
        cal = m.calendar
        workdays = days if cal.always_on else sum(cal.is_workday(d) for d in range(int(math.ceil(days))))
        per_day = sum(s.day_hours for s in staff) if role == "part_time" else p["worker.shift_hours"] * len(staff)
        scheduled = workdays * per_day
        case_h = sum(s.case_hours for s in staff)
        task_h = sum(s.task_hours for s in staff)
        paper_h = workdays * p["burden.paperwork_hours_per_day"] * len(staff) if role == "grid_worker" else 0.0
        key = f"workload.{role}."
        out[key + "case_share"] = ratio(case_h, scheduled)
        out[key + "task_share"] = ratio(task_h, scheduled)
        out[key + "paperwork_share"] = ratio(paper_h, scheduled)
        if role in ("grid_worker", "part_time"):
            out[key + "proactive_share"] = ratio(sum(s.proactive_hours for s in staff), scheduled)
        out[key + "utilisation"] = ratio(case_h + task_h + paper_h, scheduled)
        out[key + "overtime_hours_per_year"] = ratio(sum(s.overtime_hours for s in staff) * 365 / days, len(staff))
