"""Deliberation (议事协商) and residents' self-governance (ODD 7.36).

Collective issues of the scenario's catalogue (`[collective.NAME]`, `scenario.CollectiveType`: a lift,
parking, renovation of an old estate, property fees, public space, village collective matters) arise
in the communities and wait for a meeting. Each committee holds meetings at the lever's frequency, in
the lever's format: the standing council (居民议事会), a small invited forum (座谈会) or a public hearing
(听证会); formats differ in who attends, staff hours, how far positions move and the legitimacy of the
outcome. A meeting takes the township's priority issues (协商重点) first, then the oldest open ones,
costs committee staff and grid workers hours (issued as fixed-time tasks at their desks,
`Tasks.issue`), and is attended by residents by age, trust and stake. Positions are drawn by group
benefit (and, for a lift, by floor) and move toward the participants' mean in discussion; the issue's
rule decides (a majority of participants, the owners' rules of Civil Code art. 278, the villagers'
meeting of the Organic Law of Villagers' Committees art. 22, or its representatives' meeting, art.
25-26). A village body is convened for the agenda's village matters, at a cost in committee hours
(the session and the notice of each member); households or representatives away working do not come.
An agreement becomes a project that is
implemented after its duration: those affected and those who agreed it gain trust and satisfaction.
An issue clearly rejected is dropped; one still open after its urgency festers: its affected
residents lose trust and its households raise extra needs (disputes) until it is agreed, or until it
lapses (搁置): still open `lapse_days` after it was raised, residents give up on it.

The steady start (`start_at_equilibrium`): before day 0 a pre-history raises issues from its own
stream and holds the meetings of that window in a dry mode (same agenda, attendance and rule; no
staff time, no effects on residents, no counts), so the run starts with the open issues, festering
flags and projects under way that the process leaves after a long run.

Every issue is in exactly one state: waiting, festering, agreed (a project under way), implemented,
dropped or lapsed. Per-resident work happens only at meetings and at a project's end, vectorised.
"""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
from scipy.special import ndtri

from .. import schedule as ev
from ..cases import FESTERING_CASE_IDS, N_CASE_U, U_RATING, U_ROUTE, Case
from ..dates import year_workdays
from ..population_change import NEVER, spring_festival
from ..streams import DELIBERATION_STREAMS
from ..territory import household_floors
from ..units import HOURS
from .base import Submodel, ratio

WAITING, FESTERING, AGREED, IMPLEMENTED, DROPPED, LAPSED = range(6)
STATES = ("waiting", "festering", "agreed", "implemented", "dropped", "lapsed")
OPEN = (WAITING, FESTERING)
# Civil Code art. 278: owners of two thirds of the area and in number take part; then more than half
# (ordinary matters) or three quarters (items 6-8: maintenance funds raised, rebuilding, common parts' use).
# Both counts (owners, and their homes' area) must reach the share.
OWNERS_TAKING_PART = 2.0 / 3.0
# Organic Law of Villagers' Committees (2018) art. 22: a villagers' meeting needs more than half of the
# adult villagers or the representatives of two thirds of the households (the form used here), and
# decides by more than half of those present.
HOUSEHOLDS_TAKING_PART = 2.0 / 3.0
# Art. 26: a villagers' representative meeting needs more than two thirds of its members present and
# decides by more than half of those present. The committee's members (at most a fifth of the members,
# art. 25) are left out of both counts: the representatives alone make the quorum and the vote.
REPRESENTATIVES_TAKING_PART = 2.0 / 3.0
VILLAGE_RULES = ("villagers_meeting", "village_representatives")


def passes(rule: str, approval: float) -> bool:
    """Approval among those taking part: at least three quarters, or more than half."""
    return approval >= 0.75 if rule == "owners_three_quarters" else approval > 0.5


def village_quorum(rule: str, taking_part: int, members: int) -> bool:
    """A village body's quorum: the households represented at a villagers' meeting (art. 22) or the
    representatives present at a representatives' meeting (art. 26), against two thirds of its members."""
    share = REPRESENTATIVES_TAKING_PART if rule == "village_representatives" else HOUSEHOLDS_TAKING_PART
    return members > 0 and taking_part >= share * members - 1e-9


def representative_groups(households: np.ndarray, per: int) -> list[np.ndarray]:
    """A village's households (in order: neighbours together) in groups of about `per`, one
    representative each (art. 25: one per five to fifteen households)."""
    if not len(households):
        return []
    return np.array_split(households, math.ceil(len(households) / per))


def women_seats(representatives: int, share: float) -> int:
    """Seats held by women: at least `share` of them (art. 25: one third), rounded up."""
    return min(representatives, math.ceil(share * representatives - 1e-9))


def priority_names(value: str) -> set[str]:
    """The township's priority issue types (协商重点), from the comma-separated lever."""
    return {n.strip() for n in value.split(",") if n.strip()}


class Issue:
    """One collective issue of a community."""

    __slots__ = ("id", "type", "community", "t_raise", "households", "owners", "state", "t_agree", "t_done",
                 "votes", "participants", "priority", "t_lapse", "t_discussed")

    def __init__(self, iid: int, type_index: int, community: int, t: float, households: np.ndarray,
                 owners: np.ndarray):
        self.id = iid
        self.type = type_index
        self.community = community
        self.t_raise = t
        self.households = households   # affected households (sorted)
        self.owners = owners           # the affected households that own their home: art. 278's electorate
        self.state = WAITING
        self.t_agree = math.nan
        self.t_done = math.nan
        self.votes = 0                 # meetings that discussed it without agreement
        self.participants = np.empty(0, dtype=np.int64)   # who attended the meeting that agreed it
        self.priority = False          # a type the township named as a consultation priority (协商重点)
        self.t_lapse = math.nan        # when residents gave up on it (搁置), if it lapsed
        self.t_discussed = -math.inf   # the last meeting that discussed it (never: -inf, so first in line)


class Deliberation(Submodel):
    """Raises collective issues, holds the committees' meetings, decides, implements or lets fester."""

    name = "deliberation"
    params = tuple(f"deliberation.{k}" for k in (
        "meetings_per_month", "public_attendance", "elderly_quota", "renter_quota", "council_size",
        "council_weight_elderly", "council_weight_renter", "renter_share", "council_attendance",
        "public_attend_elderly", "public_attend_other", "stake_factor", "trust_effect", "position_sd",
        "discussion_shift", "ballot_reach", "drop_below", "agenda_size", "meeting_hours",
        "committee_staff_per_meeting", "grid_workers_per_meeting", "trust_gain", "satisfaction_gain",
        "festering_trust_loss", "festering_need", "festering_needs_per_household_year",
        "facilitation_cny_per_meeting", "facilitation_effect", "facilitation_half_cny", "deputy_share",
        "deputy_project_speedup", "deputy_trust_gain", "meeting_format", "forum_size", "forum_affected_share",
        "hearing_affected_attend", "hours_factor_forum", "hours_factor_hearing", "shift_factor_forum",
        "shift_factor_hearing", "legitimacy_forum", "legitimacy_hearing", "priority_issues",
        "priority_project_speedup", "walkup_storeys", "villagers_meeting_reach", "lapse_days",
        "start_at_equilibrium", "households_per_representative", "representative_women_share",
        "representative_attendance", "representative_pull", "assembly_hours", "notice_minutes_per_member",
        "villagers_meeting_timing")) + ("sim.warmup_days", "population.migrant_days_before",
                                        "population.migrant_days_after")

    def __init__(self, model) -> None:
        super().__init__(model)
        m, p = model, self.p
        self.types = m.spec.collective
        self.RAISE, self.MEETING, self.FESTER, self.DONE, self.LAPSE, self.VILLAGERS = (
            self.events.new_kind(k) for k in ("issue_raised", "deliberation_meeting", "issue_festers",
                                              "project_done", "issue_lapses", "villagers_meeting"))
        self.rng = {name: m.streams.child("deliberation", k) for k, name in enumerate(DELIBERATION_STREAMS)}
        t = m.territory
        n = t.n_communities
        self.households = [np.flatnonzero(t.hh_community == c) for c in range(n)]
        self.grids = [np.flatnonzero(t.grid_community == c).tolist() for c in range(n)]
        resident_community = t.hh_community[m.resident_household]
        self.members = [np.flatnonzero(resident_community == c) for c in range(n)]
        prof = m.community_profiles   # renters and issue rates by community type (sim/community_types.py)
        self.renter = self.rng["council"].random(t.n_households) < prof.renter_share[t.hh_community]
        self.issue_factor = prof.issue_factor
        self.storeys = p["deliberation.walkup_storeys"]
        self.floor = household_floors(m.streams.floors, t.n_households, self.storeys)
        self.area = np.ones(t.n_households)   # each home's area: equal (art. 278 counts area and owners)
        self.resident_renter = self.renter[m.resident_household]
        self.in_council = np.zeros(len(m.residents), dtype=bool)
        self.council = [self._choose_council(c) for c in range(n)]
        self.attended = np.zeros(len(m.residents), dtype=np.int32)   # meetings attended in the window
        self.rep_groups, self.reps, self.rep_women = self._elect_representatives()
        self.assembly_log: list[tuple[float, str, float]] = []   # per village body convened: time, rule, committee hours
        self.quorum_log: list[tuple[float, str, bool, bool]] = []  # per vote of a village body: time, rule, quorum, agreed
        self.warm = p["sim.warmup_days"]
        self.format = p["deliberation.meeting_format"]
        self.priority = {k for k, ty in enumerate(self.types) if ty.name in priority_names(p["deliberation.priority_issues"])}
        self.meeting_log: list[tuple[float, bool, int]] = []   # per meeting: time, a deputy there, attendees with a stake
        self.floor_votes: list[tuple[int, bool]] = []         # (floor, for) of each vote on a floor-dependent issue
        self.issues: list[Issue] = []
        self.open: list[list[Issue]] = [[] for _ in range(n)]        # waiting or festering, oldest first
        rate = p["deliberation.meetings_per_month"]
        self.interval = 365.0 / (12.0 * rate) if rate > 0 else math.inf
        self.next_meeting = [self.interval * (c + 0.5) / n for c in range(n)]   # staggered across communities
        names = [nd.name for nd in m.needs]
        need = p["deliberation.festering_need"]
        self.need = names.index(need) if need in names else -1   # validated when there is a catalogue
        self.meetings = self.deputy_meetings = 0
        self.shift = self._discussion_shift()
        self.hours = p["deliberation.meeting_hours"] * HOURS * self._by_format("hours_factor")
        self.legitimacy = self._by_format("legitimacy")
        self.complaint_cases: list[Case] = []   # the festering issues' extra needs, planned a day ahead
        self.project_cost = 0.0
        self.agree_days: list[float] = []
        self.project_log: list[tuple[float, float]] = []   # per implemented project: time, cost
        self.lapse_days = p["deliberation.lapse_days"]
        self.festival_wait = self._festival_villages()
        self.festivals = self._festival_days() if m.household_schedule is not None and self.types else []
        self.villagers_days = ({d for d in map(self._festival_meeting_day, self.festivals) if d is not None}
                               if self.festival_wait.any() else set())
        self.dry: list | None = None   # the pre-history's own event heap while it runs (dry mode)
        self.dry_now = 0.0

    def _by_format(self, name: str) -> float:
        """The format's factor `deliberation.NAME_FORMAT` (1 for the council, the reference)."""
        return 1.0 if self.format == "council" else self.p[f"deliberation.{name}_{self.format}"]

    def _discussion_shift(self) -> float:
        """How far discussion moves positions toward the room's mean; facilitation closes part of the
        rest, saturating in its budget."""
        p = self.p
        shift = min(1.0, p["deliberation.discussion_shift"] * self._by_format("shift_factor"))
        budget = p["deliberation.facilitation_cny_per_meeting"]
        gain = p["deliberation.facilitation_effect"] * budget / (budget + p["deliberation.facilitation_half_cny"])
        return shift + (1.0 - shift) * gain

    def _choose_council(self, c: int) -> np.ndarray:
        """The council's members: first the quotas' seats (elderly, renters) at random within the
        group, then the open seats weighted by availability (the elderly more, renters less)."""
        p, rng = self.p, self.rng["council"]
        members = self.members[c]
        size = min(p["deliberation.council_size"], len(members))
        elderly = self.model.resident_elderly[members]
        renter = self.resident_renter[members]
        taken = np.zeros(len(members), dtype=bool)
        for group, quota in ((elderly, p["deliberation.elderly_quota"]), (renter, p["deliberation.renter_quota"])):
            want = math.ceil(quota * size - 1e-9) - int((taken & group).sum())
            pool = np.flatnonzero(group & ~taken)
            k = max(0, min(want, len(pool), size - int(taken.sum())))
            taken[rng.choice(pool, size=k, replace=False)] = True
        w = (np.where(elderly, p["deliberation.council_weight_elderly"], 1.0)
             * np.where(renter, p["deliberation.council_weight_renter"], 1.0))
        pool = np.flatnonzero(~taken)
        k = min(size - int(taken.sum()), len(pool))
        weights = w[pool]
        nonzero = int((weights > 0).sum())
        if nonzero < k:   # too few residents with a positive weight: the rest at random
            weights = np.ones(len(pool))
        taken[rng.choice(pool, size=k, replace=False, p=weights / weights.sum() if k else None)] = True
        chosen = members[taken]
        self.in_council[chosen] = True
        return chosen

    def _elect_representatives(self) -> tuple[list, list, list]:
        """The villages' representatives (村民代表, art. 25), when a collective type uses their meeting:
        per community, the groups of households, the representative of each (the head, first resident,
        of one of the group's households, drawn among those not away working when there are any) and
        which seats women hold (women_seats, drawn among the representatives)."""
        n = self.model.territory.n_communities
        if not any(ty.rule == "village_representatives" for ty in self.types):
            return [[] for _ in range(n)], [np.empty(0, dtype=np.int64)] * n, [np.empty(0, dtype=bool)] * n
        p, rng, sched = self.p, self.rng["representatives"], self.model.household_schedule
        staying = (np.ones(self.model.territory.n_households, dtype=bool) if sched is None
                   else sched.migrant_from >= NEVER)
        groups, reps, women = [], [], []
        for c in range(n):
            g = representative_groups(self.households[c], p["deliberation.households_per_representative"])
            pools = [h[staying[h]] if staying[h].any() else h for h in g]
            u = rng.random(len(g))
            chosen = np.array([pool[int(x * len(pool))] for pool, x in zip(pools, u.tolist())], dtype=np.int64)
            w = np.zeros(len(g), dtype=bool)
            w[rng.choice(len(g), size=women_seats(len(g), p["deliberation.representative_women_share"]),
                         replace=False)] = True
            groups.append(g)
            reps.append(chosen)
            women.append(w)
        return groups, reps, women

    def _festival_villages(self) -> np.ndarray:
        """Per community: whether its villagers' meeting waits for the Spring Festival (timing
        "festival", a collective type reserved to that meeting, and households of the village away
        working some time in the run)."""
        n, sched = self.model.territory.n_communities, self.model.household_schedule
        if (self.p["deliberation.villagers_meeting_timing"] != "festival" or sched is None
                or not any(ty.rule == "villagers_meeting" for ty in self.types)):
            return np.zeros(n, dtype=bool)
        return np.array([bool((sched.migrant_from[h] < NEVER).any()) for h in self.households], dtype=bool)

    def _festival_days(self) -> list[int]:
        """The first day (run days, day 0 = the start date) of each Spring Festival from the
        pre-history's start to after the run."""
        dates = self.model.calendar.dates
        years = range(dates.date(-self._prehistory_days()).year - 1, dates.date(len(dates)).year + 2)
        return [(spring_festival(y) - dates.start).days for y in years]

    def _prehistory_days(self) -> int:
        """The pre-history's look-back: twice the lapse time plus the longest project (see _prehistory)."""
        return math.ceil(2.0 * self.lapse_days + max((ty.project_days for ty in self.types), default=0.0))

    def _migrants_home(self, day: int) -> bool:
        """Whether `day` falls in a Spring Festival's window, when the migrants are home (ODD 7.39)."""
        before, after = self.p["population.migrant_days_before"], self.p["population.migrant_days_after"]
        return any(sf - before <= day <= sf + after for sf in self.festivals)

    def _festival_meeting_day(self, sf: int) -> int | None:
        """The villagers' meeting of the festival starting on day `sf`: the committee's first working day
        from the festival on, while the migrants are still home (None if there is none)."""
        for day in range(sf, sf + self.p["population.migrant_days_after"] + 1):
            if self._committee_workday(day):
                return day
        return None

    def _committee_workday(self, day: int) -> bool:
        """A working day of the committees: the run's calendar, or before day 0 the official one."""
        if day >= 0:
            return self.model.calendar.is_workday(day)
        date = self.model.calendar.dates.date(day)
        return bool(year_workdays(date.year)[0][date.timetuple().tm_yday - 1])

    def _at_home(self, hh: np.ndarray, now: float) -> np.ndarray:
        """Which of the households `hh` are at home on the day of `now` (not away working, moved in,
        not gone); everyone without household changes. Before day 0 (the pre-history) the households
        of day 0, the migrants among them home only in a festival's window."""
        sched = self.model.household_schedule
        if sched is None:
            return np.ones(len(hh), dtype=bool)
        day = math.floor(now)
        if day >= 0:
            return sched.present(day)[hh]
        there = (sched.join[hh] <= 0) & (sched.leave[hh] > 0)
        return there & ((sched.migrant_from[hh] > 0) | self._migrants_home(day))

    def handlers(self):
        return {self.RAISE: self.on_raise, self.MEETING: self.on_meeting, self.FESTER: self.on_fester,
                self.DONE: self.on_done, self.LAPSE: self.on_lapse, self.VILLAGERS: self.on_villagers_meeting}

    def link(self) -> None:
        self.tasks = self.model.tasks
        self.arrivals = self.model.arrivals
        self.kind = self.tasks.add_kind("deliberation_meeting")
        if self.p["deliberation.start_at_equilibrium"] and self.types:
            self._prehistory()

    def _now(self) -> float:
        return self.dry_now if self.dry is not None else self.events.now

    def _at(self, t: float, kind: int, a) -> None:
        """An event of this submodel: on the pre-history's own heap while it runs and `t` is before
        day 0, on the model's otherwise."""
        if self.dry is not None and t < 0:
            heapq.heappush(self.dry, (t, next(self._dry_seq), kind, a))
        else:
            self.events.push(t, kind, a)

    # ------------------------------------------------------------ the steady start
    def _prehistory(self) -> None:
        """Issues raised over the look-back window before day 0, from their own stream, and that window's
        meetings held dry: the same agenda, attendance and rule, drawn from the pre-history's stream; no
        staff time, no effect on residents, no counts. The window is twice the lapse time plus the
        longest project: the first lapse time fills the empty stock, the rest lets the agendas forget
        that start, and nothing older can still be open or under way at day 0. What is still open,
        festering or under way at day 0 carries on in the run with its normal effects; events due from
        day 0 on go to the model."""
        first = -self._prehistory_days()
        rng = self.rng["prehistory"]
        self.dry, self._dry_seq = [], itertools.count()
        for day in range(first, 0):
            for issue in self._raise_issues(day, rng):
                self._at(issue.t_raise, self.RAISE, issue)
        for c, due in enumerate(self.next_meeting):
            t = due - self.interval
            while t >= first:
                self._at(t, self.MEETING, c)
                t -= self.interval
        for day in range(first, 0):
            self._schedule_villagers_meetings(day)
        run_rngs, self.rng = self.rng, {**self.rng, "meetings": rng}
        handlers = self.handlers()
        while self.dry:
            self.dry_now, _, kind, a = heapq.heappop(self.dry)
            handlers[kind](a, None)
        self.rng, self.dry, self.dry_now = run_rngs, None, 0.0

    # ------------------------------------------------------------ the day
    def plan_day(self, day: int) -> None:
        for issue in self._raise_issues(day, self.rng["issues"]):
            self.events.push(issue.t_raise, self.RAISE, issue)
        self._festering_needs(day)
        self._schedule_meetings(day)
        self._schedule_villagers_meetings(day)

    def _raise_issues(self, day: int, rng: np.random.Generator) -> list[Issue]:
        """The day's new issues, per type and community; drawn whatever the levers (common random numbers)."""
        new = []
        for k, ty in enumerate(self.types):
            factor = self.issue_factor[k]
            if ty.rate_per_year == 0 or not factor.any():   # off (village matters in a city): draws nothing
                continue
            lam = ty.rate_per_year / 365.0
            counts = (rng.poisson(lam, size=len(self.households)) if (factor == 1.0).all()
                      else rng.poisson(lam * factor))
            for c in np.flatnonzero(counts).tolist():
                for _ in range(int(counts[c])):
                    hh = self.households[c]
                    affected = hh[rng.random(len(hh)) < ty.affected_share]
                    issue = Issue(len(self.issues), k, c, day + float(rng.random()), affected,
                                  affected[~self.renter[affected]])
                    issue.priority = k in self.priority
                    self.issues.append(issue)
                    new.append(issue)
        return new

    def _schedule_meetings(self, day: int) -> None:
        """A meeting due by the end of a working day is held that day, ending with the shift."""
        if self.interval == math.inf or not self.model.calendar.is_workday(day):
            return
        t = self._meeting_time(day)
        for c, due in enumerate(self.next_meeting):
            if due < day + 1:
                self.next_meeting[c] = due + self.interval
                self.events.push(t, self.MEETING, c)

    def _meeting_time(self, day: int) -> float:
        """When a meeting of `day` starts: so that it ends with the shift (midday round the clock)."""
        cal = self.model.calendar
        return day + 0.5 if cal.always_on else day + max(cal.start, cal.start + cal.length - self.hours)

    def _schedule_villagers_meetings(self, day: int) -> None:
        """The villages whose villagers' meeting waits for the festival convene it on the festival's
        meeting day (on the pre-history's heap before day 0)."""
        if day not in self.villagers_days:
            return
        for c in np.flatnonzero(self.festival_wait).tolist():
            self._at(self._meeting_time(day), self.VILLAGERS, c)

    # ------------------------------------------------------------ issues
    def on_raise(self, issue: Issue, _) -> None:
        self.open[issue.community].append(issue)
        self._at(issue.t_raise + self.types[issue.type].urgency_days, self.FESTER, issue)
        self._at(issue.t_raise + self.lapse_days, self.LAPSE, issue)

    def on_fester(self, issue: Issue, _) -> None:
        """Still open past its urgency: the affected residents lose trust."""
        if issue.state != WAITING:
            return
        issue.state = FESTERING
        self._grievance(issue)

    def on_lapse(self, issue: Issue, _) -> None:
        """Still open `lapse_days` after it was raised: residents give up on it (搁置). It leaves the open
        list and raises no more needs. The grievance costs trust once: at festering, or here if the issue
        lapses before its urgency ran out."""
        if issue.state not in OPEN:
            return
        if issue.state == WAITING:
            self._grievance(issue)
        issue.state = LAPSED
        issue.t_lapse = self._now()
        self.open[issue.community] = [i for i in self.open[issue.community] if i is not issue]

    def _grievance(self, issue: Issue) -> None:
        """An unresolved issue's one-off loss of trust among its affected residents (none in the pre-history)."""
        if self.dry is not None:
            return
        loss = self.p["deliberation.festering_trust_loss"]
        residents = self.model.residents
        for i in self._affected_residents(issue).tolist():
            r = residents[i]
            r.trust = max(0.0, r.trust - loss)

    def _affected_residents(self, issue: Issue) -> np.ndarray:
        members = self.members[issue.community]
        return members[np.isin(self.model.resident_household[members], issue.households)]

    # ------------------------------------------------------------ meetings
    def _agenda(self, c: int) -> list[Issue]:
        """The township's priorities first (协商重点), then the issues never discussed, oldest first, then
        those discussed before, longest since their last discussion first: an issue that failed its vote
        goes to the back of the line rather than holding a place on every agenda until it lapses."""
        waiting = self.festival_wait[c]   # the villagers' meeting's matters wait for the festival
        line = sorted((i for i in self.open[c] if not (waiting and self._reserved(i))),
                      key=lambda i: (not i.priority, i.t_discussed))   # stable: oldest first
        return line[:self.p["deliberation.agenda_size"]]

    def _reserved(self, issue: Issue) -> bool:
        return self.types[issue.type].rule == "villagers_meeting"

    def on_meeting(self, c: int, _) -> None:
        self._hold(c, self._agenda(c))

    def on_villagers_meeting(self, c: int, _) -> None:
        """The festival's villagers' meeting: the matters reserved to it, in the agenda's order."""
        line = sorted((i for i in self.open[c] if self._reserved(i)), key=lambda i: (not i.priority, i.t_discussed))
        self._hold(c, line[:self.p["deliberation.agenda_size"]])

    def _hold(self, c: int, agenda: list[Issue]) -> None:
        """A meeting of community c on `agenda`: attendance, the village bodies convened, the decisions."""
        if not agenda:   # nothing to discuss: no meeting, no staff time
            return
        if self.dry is not None:   # the pre-history: decisions only
            present = self._attendance(c, agenda)
            reps = self._convene(c, agenda, self.dry_now)
            for issue in agenda:
                self._decide(issue, present, self.dry_now, False, reps)
            self.open[c] = [i for i in self.open[c] if i.state in OPEN]
            return
        now = self.events.now
        self.meetings += 1
        self._staff_time(c, now)
        present = self._attendance(c, agenda)
        reps = self._convene(c, agenda, now)
        deputy = self._deputy_attends()
        if now >= self.warm:
            self.attended[present] += 1
            stake = np.isin(self.model.resident_household[present], np.concatenate([i.households for i in agenda]))
            self.meeting_log.append((now, deputy, int(stake.sum())))
        if deputy:
            gain = self.p["deliberation.deputy_trust_gain"]
            for i in present.tolist():
                r = self.model.residents[i]
                r.trust = min(1.0, r.trust + gain)
        for issue in agenda:
            self._decide(issue, present, now, deputy, reps)
        self.open[c] = [i for i in self.open[c] if i.state in OPEN]

    def _convene(self, c: int, agenda: list[Issue], now: float) -> np.ndarray:
        """The village bodies the agenda's village matters need, convened the same day: their committee
        time (outside the pre-history) and, for a representatives' meeting, which representatives come
        (indices into the village's list): those at home, each with representative_attendance."""
        rules = sorted({self.types[i.type].rule for i in agenda} & set(VILLAGE_RULES))
        came = np.empty(0, dtype=np.int64)
        for rule in rules:
            if rule == "village_representatives":
                reps = self.reps[c]
                attend = self.rng["meetings"].random(len(reps)) < self.p["deliberation.representative_attendance"]
                came = np.flatnonzero(self._at_home(reps, now) & attend)
                if self.dry is None and now >= self.warm:
                    self.attended[reps[came]] += 1
            members = len(self.reps[c]) if rule == "village_representatives" else len(self.households[c])
            if self.dry is None:
                self._assembly_time(c, rule, members, now)
        return came

    def _assembly_time(self, c: int, rule: str, members: int, now: float) -> None:
        """A village body's committee time, as fixed-time tasks: each committee member at the meeting sits
        the session and shares the notice of every member of the body (households or representatives)."""
        p = self.p
        staff = p["deliberation.committee_staff_per_meeting"]
        if not staff:
            return
        hours = p["deliberation.assembly_hours"] + p["deliberation.notice_minutes_per_member"] * members / 60.0 / staff
        for _ in range(staff):
            self.tasks.issue(self.kind, self.model.committees[c].desk, now, hours * HOURS)
        if now >= self.warm:
            self.assembly_log.append((now, rule, hours * staff))

    def _deputy_attends(self) -> bool:
        """Deputies attend `deputy_share` of the meetings, evenly in turn (no random draw); participants of
        a meeting with a deputy gain trust."""
        share = self.p["deliberation.deputy_share"]
        if math.floor(self.meetings * share + 1e-9) == math.floor((self.meetings - 1) * share + 1e-9):
            return False
        self.deputy_meetings += 1
        return True

    def _staff_time(self, c: int, now: float) -> None:
        """The meeting's hours for committee staff and the community's grid workers, as fixed-time tasks."""
        hours = self.hours
        m = self.model
        for _ in range(self.p["deliberation.committee_staff_per_meeting"]):
            self.tasks.issue(self.kind, m.committees[c].desk, now, hours)
        for g in self.grids[c]:
            for _ in range(self.p["deliberation.grid_workers_per_meeting"]):
                self.tasks.issue(self.kind, m.grid_desks[g], now, hours)

    def _attendance(self, c: int, agenda: list[Issue]) -> np.ndarray:
        """Who attends, by the meeting's format: the council (and the public with public attendance);
        a forum's invited few; a hearing's council, public and invited affected households."""
        if self.format == "forum":
            return self._forum(c, agenda)
        p, rng = self.p, self.rng["meetings"]
        council = self.council[c]
        present = council[rng.random(len(council)) < p["deliberation.council_attendance"]]
        if self.format == "council" and not p["deliberation.public_attendance"]:
            return present
        present = np.concatenate([present, self._public(c, agenda)])
        if self.format == "hearing":   # each affected household invited: one member comes, or none
            hh = np.unique(np.concatenate([i.households for i in agenda]))
            come = hh[rng.random(len(hh)) < p["deliberation.hearing_affected_attend"]]
            present = np.union1d(present, come)   # household h's first resident is resident h
        return present

    def _forum(self, c: int, agenda: list[Issue]) -> np.ndarray:
        """A 座谈会: forum_size invitations, forum_affected_share of them to affected residents and the
        rest to council members, drawn at random; each invitee attends as a council member does."""
        p, rng = self.p, self.rng["meetings"]
        size = p["deliberation.forum_size"]
        affected = np.setdiff1d(np.unique(np.concatenate([i.households for i in agenda])), self.council[c])
        k = min(len(affected), round(size * p["deliberation.forum_affected_share"]))
        invited = np.concatenate([rng.choice(affected, size=k, replace=False),
                                  rng.choice(self.council[c], size=min(size - k, len(self.council[c])), replace=False)])
        return invited[rng.random(len(invited)) < p["deliberation.council_attendance"]]

    def _public(self, c: int, agenda: list[Issue]) -> np.ndarray:
        """The public (列席): residents beyond the council, by age, trust and stake (affected by an
        issue on the agenda)."""
        p, m, rng = self.p, self.model, self.rng["meetings"]
        members = self.members[c]
        stake = np.isin(m.resident_household[members], np.concatenate([i.households for i in agenda]))
        base = np.where(m.resident_elderly[members], p["deliberation.public_attend_elderly"],
                        p["deliberation.public_attend_other"])
        trust = np.fromiter((m.residents[i].trust for i in members.tolist()), float, len(members))
        prob = base * (1.0 + p["deliberation.trust_effect"] * (trust - 0.5)) * np.where(
            stake, p["deliberation.stake_factor"], 1.0)
        return members[(rng.random(len(members)) < prob) & ~self.in_council[members]]

    def _positions(self, issue: Issue, who: np.ndarray) -> np.ndarray:
        """Residents' positions on the issue (above 0: for), drawn around their group's benefit."""
        ty, m = self.types[issue.type], self.model
        hh = m.resident_household[who]
        affected = np.isin(hh, issue.households)
        own = np.where(self.renter[hh], ty.benefit_renter,
                       np.where(m.resident_elderly[who], ty.benefit_elderly, ty.benefit_other))
        if ty.floor_gradient and self.storeys > 1:   # ground floor −gradient … top floor +gradient
            own = own + ty.floor_gradient * (2.0 * (self.floor[hh] - 1) / (self.storeys - 1) - 1.0)
        mean = np.where(affected, own, ty.benefit_unaffected)
        return mean + self.p["deliberation.position_sd"] * self.rng["meetings"].standard_normal(len(who))

    def _decide(self, issue: Issue, present: np.ndarray, now: float, deputy: bool, reps: np.ndarray) -> None:
        """Discussion, then the issue's rule: agreed, dropped (approval below drop_below), or open.
        `reps`: the representatives at the village's representatives' meeting (indices)."""
        issue.t_discussed = now
        pos = self._positions(issue, present)
        if len(pos):
            pos = pos + self.shift * (pos.mean() - pos)
        rule = self.types[issue.type].rule
        electorate = issue.households if rule in VILLAGE_RULES else issue.owners
        if rule != "majority" and not len(electorate):   # nobody entitled affected: nobody may decide it
            issue.state = DROPPED
            return
        if rule == "majority":
            taking_part, yes, quorum = len(pos), int((pos > 0).sum()), len(pos) > 0
        elif rule == "village_representatives":
            taking_part, yes, quorum = self._representatives_vote(issue, reps)
        else:
            taking_part, yes, quorum = self._households_vote(issue, electorate, present, pos)
        approval = ratio(yes, taking_part)
        if rule in VILLAGE_RULES and self.dry is None and now >= self.warm:
            self.quorum_log.append((now, rule, quorum, quorum and passes(rule, approval)))
        if quorum and passes(rule, approval):
            self._agree(issue, present, now, deputy)
        elif taking_part and approval < self.p["deliberation.drop_below"]:
            issue.state = DROPPED
        else:
            issue.votes += 1

    def _households_vote(self, issue: Issue, electorate: np.ndarray, present: np.ndarray,
                         pos: np.ndarray) -> tuple[int, int, bool]:
        """One vote a household of the electorate, through a member at the meeting (after the
        discussion) or afterwards (each household's first resident): art. 278's owners by written
        ballot (书面征求意见), counted by owners and by area, or a villagers' meeting's household
        representatives (户代表, art. 22). Returns (taking part, for, quorum reached); with equal areas
        the area shares equal the head counts, and approval is checked on the head count."""
        villagers = self.types[issue.type].rule == "villagers_meeting"
        hh = self.model.resident_household[present]
        at_meeting = np.isin(hh, electorate)
        voice = dict(zip(hh[at_meeting].tolist(), (pos[at_meeting] > 0).tolist()))
        absent = electorate[~np.isin(electorate, hh)]
        if villagers:   # a household away working sends nobody to the villagers' meeting
            absent = absent[self._at_home(absent, self._now())]
        reach = self.p["deliberation.villagers_meeting_reach" if villagers else "deliberation.ballot_reach"]
        reached = absent[self.rng["meetings"].random(len(absent)) < reach]
        ballots = self._positions(issue, reached) > 0   # household h's first resident is resident h
        voters = np.concatenate([np.fromiter(voice, np.int64, len(voice)), reached])
        votes = np.concatenate([np.fromiter(voice.values(), bool, len(voice)), ballots])
        in_window = self.dry is None and self.events.now >= self.warm
        if self.types[issue.type].floor_gradient and in_window:   # the window's votes
            self.floor_votes.extend(zip(self.floor[voters].tolist(), votes.tolist()))
        if villagers:
            if in_window:   # the household representatives who came took part in a meeting
                self.attended[reached] += 1
            return len(voters), int(votes.sum()), village_quorum("villagers_meeting", len(voters), len(electorate))
        area, total = self.area[voters], self.area[electorate].sum()
        quorum = (len(voters) >= OWNERS_TAKING_PART * len(electorate) - 1e-9
                  and area.sum() >= OWNERS_TAKING_PART * total - 1e-9)
        return len(voters), int(votes.sum()), quorum

    def _representatives_vote(self, issue: Issue, came: np.ndarray) -> tuple[int, int, bool]:
        """The representatives' meeting (art. 26): each representative present votes a position pulled
        from their own toward the average of the households they represent (their first residents),
        after the representatives' own discussion. Returns (present, for, quorum: two thirds of the
        village's representatives present)."""
        reps, groups = self.reps[issue.community], self.rep_groups[issue.community]
        if not len(came):
            return 0, 0, False
        own = self._positions(issue, reps[came])
        sizes = np.array([len(groups[k]) for k in came.tolist()])
        heard = self._positions(issue, np.concatenate([groups[k] for k in came.tolist()]))
        mean = np.add.reduceat(heard, np.concatenate([[0], np.cumsum(sizes)[:-1]])) / sizes
        pull = self.p["deliberation.representative_pull"]
        pos = (1.0 - pull) * own + pull * mean
        pos = pos + self.shift * (pos.mean() - pos)
        return len(came), int((pos > 0).sum()), village_quorum("village_representatives", len(came), len(reps))

    def _agree(self, issue: Issue, present: np.ndarray, now: float, deputy: bool) -> None:
        issue.state = AGREED
        issue.t_agree = now
        issue.participants = present
        self.agree_days.append(now - issue.t_raise)
        days = self.types[issue.type].project_days
        if deputy:
            days *= 1.0 - self.p["deliberation.deputy_project_speedup"]
        if issue.priority:   # the township co-funds its priorities
            days *= 1.0 - self.p["deliberation.priority_project_speedup"]
        self._at(now + days, self.DONE, issue)

    def on_done(self, issue: Issue, _) -> None:
        """The project is implemented: those affected and those who agreed it gain trust and satisfaction."""
        issue.state = IMPLEMENTED
        issue.t_done = self._now()
        if self.dry is not None:   # finished before day 0: no effect on the run
            return
        self.project_cost += self.types[issue.type].cost_cny
        self.project_log.append((issue.t_done, self.types[issue.type].cost_cny))
        m = self.model
        gain_t = self.p["deliberation.trust_gain"] * self.legitimacy
        gain_s = self.p["deliberation.satisfaction_gain"] * self.legitimacy
        who = np.union1d(self._affected_residents(issue), issue.participants)
        for i in who.tolist():
            r = m.residents[i]
            r.trust = min(1.0, r.trust + gain_t)
            old = r.satisfaction
            r.satisfaction = min(1.0, old + gain_s)
            m.sat_sum[r.elderly] += r.satisfaction - old

    # ------------------------------------------------------------ festering
    def _festering_needs(self, day: int) -> None:
        """Extra needs (disputes, complaints) of the festering issues' households, drawn for the day."""
        rate = self.p["deliberation.festering_needs_per_household_year"] / 365.0
        festering = [i for c in self.open for i in c if i.state == FESTERING]
        if self.need < 0 or not rate or not festering:
            return
        rng = self.rng["festering"]
        counts = rng.poisson(np.array([len(i.households) for i in festering]) * rate)
        if not counts.sum():
            return
        hh = np.concatenate([i.households[rng.integers(len(i.households), size=k)]
                             for i, k in zip(festering, counts.tolist()) if k])
        self._add_cases(day, hh, rng)

    def _add_cases(self, day: int, hh: np.ndarray, rng: np.random.Generator) -> None:
        """Cases of the festering need for households `hh` (each household's first resident), drawn as
        the day's arrivals are (`NeedArrivals`), from this submodel's own stream."""
        m, arr, k = self.model, self.arrivals, self.need
        n = len(hh)
        t = day + arr._time_of_day(k, rng.random(n))
        order = np.argsort(t, kind="stable")
        t, hh = t[order], hh[order]
        kind = np.full(n, k)
        u = rng.random((n, N_CASE_U))
        levels, efforts = arr._levels(kind, u[:, 6]), arr._efforts(kind, u[:, 7])
        u[:, U_RATING] = ndtri(np.clip(u[:, U_RATING], 1e-12, 1 - 1e-12)) * arr.p["satisfaction.rating_noise"]
        u[:, U_ROUTE] = rng.random(n)
        terr = m.territory
        for ti, hi, lv, ef, ui in zip(t.tolist(), hh.tolist(), levels.tolist(), efforts.tolist(),
                                      u[:, :U_ROUTE + 1].tolist()):
            case = Case(FESTERING_CASE_IDS + len(self.complaint_cases), k, m.residents[hi], hi, int(terr.hh_grid[hi]), int(terr.hh_community[hi]),
                        lv, arr.urgency[k], arr.deadline[k], ef, ti, ui)
            m.cases.append(case)
            self.complaint_cases.append(case)
            self.events.push(ti, ev.NEED, case)

    # ------------------------------------------------------------ outcomes
    def cost_cny(self) -> float:
        """The facilitation budget spent (meetings held × budget per meeting), in cost.staff_cny."""
        return self.meetings * self.p["deliberation.facilitation_cny_per_meeting"]

    def state_counts(self, since: float = -math.inf) -> dict[str, int]:
        """Issues raised by now (and from `since` on), by state."""
        now = self.events.now
        counts = dict.fromkeys(STATES, 0)
        for i in self.issues:
            if since <= i.t_raise <= now:
                counts[STATES[i.state]] += 1
        return counts

    @property
    def complaints(self) -> int:
        """The festering issues' extra needs that have arisen by now."""
        now = self.events.now
        return sum(1 for c in self.complaint_cases if c.t_arise <= now)

    def summary(self) -> dict[str, float]:
        """Over the summary window (from sim.warmup_days), as every other outcome: the issues raised in
        it and their state at the end (issues_raised = waiting + festering + under way + implemented +
        dropped + lapsed); the meetings held, complaints arisen, projects finished and residents taking part in it."""
        warm, now = self.warm, self.events.now
        counts = self.state_counts(since=warm)
        cohort = [i for i in self.issues if warm <= i.t_raise <= now]
        meetings = [m for m in self.meeting_log if m[0] <= now]
        out = {"deliberation.issues_raised": float(sum(counts.values())),
               "deliberation.meetings": float(len(meetings)),
               "deliberation.projects_implemented": float(counts["implemented"]),
               "deliberation.projects_under_way": float(counts["agreed"]),
               "deliberation.issues_waiting": float(counts["waiting"]),
               "deliberation.issues_festering": float(counts["festering"]),
               "deliberation.issues_dropped": float(counts["dropped"]),
               "deliberation.issues_lapsed": float(counts["lapsed"]),
               "deliberation.festering_complaints": float(sum(warm <= c.t_arise <= now for c in self.complaint_cases)),
               "deliberation.project_cost_cny": float(sum(c for t, c in self.project_log if warm <= t <= now)),
               "deliberation.deputy_meetings": float(sum(d for _, d, _ in meetings)),
               "deliberation.facilitation_cost_cny": len(meetings) * self.p["deliberation.facilitation_cny_per_meeting"],
               "deliberation.affected_attendees_per_meeting": ratio(sum(k for *_, k in meetings), len(meetings))}
        self._agreements(cohort, out)
        self._village_bodies(out)
        self._floor_approval(out)
        self._participation(out)
        return out

    def _agreements(self, cohort: list[Issue], out: dict) -> None:
        """Agreements among the window's issues and the days to them: all, the township's priorities
        and the other issues, and by type."""
        groups = {"": cohort, ".priority": [i for i in cohort if i.priority],
                  ".other": [i for i in cohort if not i.priority]}
        for k, ty in enumerate(self.types):
            groups[f".by_type.{ty.name}"] = [i for i in cohort if i.type == k]
        for suffix, issues in groups.items():
            days = [i.t_agree - i.t_raise for i in issues if i.state in (AGREED, IMPLEMENTED)]
            out["deliberation.agreements" + suffix] = float(len(days))
            out["deliberation.days_to_agreement" + suffix] = float(np.mean(days)) if days else math.nan

    def _village_bodies(self, out: dict) -> None:
        """The window's villagers' and representatives' meetings: how many were convened, the share of
        their votes that reached the quorum, the matters they agreed (whenever raised), the committee
        hours they took; the representatives."""
        now = self.events.now
        for rule in VILLAGE_RULES:
            votes = [q for t, r, q, _ in self.quorum_log if r == rule and t <= now]
            out[f"deliberation.assemblies.{rule}"] = float(sum(1 for t, r, _ in self.assembly_log if r == rule and t <= now))
            out[f"deliberation.quorum_rate.{rule}"] = ratio(sum(votes), len(votes))
            out[f"deliberation.assembly_agreements.{rule}"] = float(sum(
                a for t, r, _, a in self.quorum_log if r == rule and t <= now))
        out["deliberation.assembly_committee_hours"] = float(sum(h for t, _, h in self.assembly_log if t <= now))
        out["deliberation.representatives"] = float(sum(len(r) for r in self.reps))
        out["deliberation.representatives_women"] = float(sum(int(w.sum()) for w in self.rep_women))

    def _floor_approval(self, out: dict) -> None:
        """Share for, among the votes on floor-dependent issues (加装电梯), of the lower third of the
        walk-up's floors and of the upper third."""
        votes = np.array(self.floor_votes, dtype=float).reshape(-1, 2)
        third = max(1, self.storeys // 3)
        for name, band in (("ground_floors", votes[:, 0] <= third),
                           ("upper_floors", votes[:, 0] > self.storeys - third)):
            out[f"deliberation.approval.{name}"] = float(votes[band, 1].mean()) if band.any() else math.nan

    def _participation(self, out: dict) -> None:
        """Share of residents who attended at least one meeting, overall and by group; trust and
        latent satisfaction of participants against non-participants."""
        m = self.model
        took_part = self.attended > 0
        groups = {"": np.ones(len(took_part), dtype=bool), ".elderly": m.resident_elderly,
                  ".other": ~m.resident_elderly, ".renter": self.resident_renter, ".owner": ~self.resident_renter}
        for suffix, g in groups.items():
            out["deliberation.participation_rate" + suffix] = ratio(int((took_part & g).sum()), int(g.sum()))
        trust = np.fromiter((r.trust for r in m.residents), float, len(m.residents))
        sat = np.fromiter((r.satisfaction for r in m.residents), float, len(m.residents))
        for name, values in (("trust", trust), ("satisfaction", sat)):
            out[f"deliberation.{name}_participants"] = float(values[took_part].mean()) if took_part.any() else math.nan
            out[f"deliberation.{name}_non_participants"] = (float(values[~took_part].mean())
                                                            if (~took_part).any() else math.nan)

    # ------------------------------------------------------------ read-only views (the dashboard's map)
    def meetings_on(self, day: int) -> list[int]:
        """The communities that held a meeting on `day` (an empty agenda holds none), read from the
        staff time the meetings issued. Tasks are appended as they are made and a task is never
        issued for a time before it is made, so the scan from the end stops at the first task of an
        earlier day: the cost is the tasks of `day` and later, not the run's."""
        m = self.model
        community = {id(c.desk): k for k, c in enumerate(m.committees)}
        community.update({id(d): int(m.territory.grid_community[g]) for g, d in enumerate(m.grid_desks)})
        held = set()
        for a in reversed(self.tasks.assignments):
            if a.t_issue < day:
                break
            if a.type == self.kind and a.t_issue < day + 1:
                held.add(community[id(a.desk)])
        return sorted(held)
