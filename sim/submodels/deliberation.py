"""Deliberation (议事协商) and residents' self-governance (ODD 7.36).

Collective issues of the scenario's catalogue (`[collective.NAME]`, `scenario.CollectiveType`: a lift,
parking, renovation of an old estate, property fees, public space) arise in the communities and wait
for a meeting. Each committee holds deliberation meetings (居民议事会) at the lever's frequency; a
meeting takes the oldest open issues, costs committee staff and grid workers hours (issued as
fixed-time tasks at their desks, `Tasks.issue`), and is attended by the council's members and, with
public attendance (列席), by other residents by age, trust and stake. Positions are drawn by group
benefit and move toward the participants' mean in discussion; the issue's rule decides (a majority of
participants, or the owners' rules of Civil Code art. 278). An agreement becomes a project that is
implemented after its duration: those affected and those who agreed it gain trust and satisfaction.
An issue clearly rejected is dropped; one still open after its urgency festers: its affected
residents lose trust and its households raise extra needs (disputes) until it is agreed.

Every issue is in exactly one state: waiting, festering, agreed (a project under way), implemented
or dropped. Per-resident work happens only at meetings and at a project's end, vectorised.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from .. import schedule as ev
from ..cases import FESTERING_CASE_IDS, N_CASE_U, U_RATING, U_ROUTE, Case
from ..streams import DELIBERATION_STREAMS
from ..units import HOURS
from .base import Submodel, ratio

WAITING, FESTERING, AGREED, IMPLEMENTED, DROPPED = range(5)
STATES = ("waiting", "festering", "agreed", "implemented", "dropped")
OPEN = (WAITING, FESTERING)
# Civil Code art. 278: owners of two thirds of the area and in number take part; then more than half
# (ordinary matters) or three quarters (items 6-8: maintenance funds raised, rebuilding, common parts' use).
OWNERS_TAKING_PART = 2.0 / 3.0


def passes(rule: str, approval: float) -> bool:
    """Approval among those taking part: at least three quarters, or more than half."""
    return approval >= 0.75 if rule == "owners_three_quarters" else approval > 0.5


class Issue:
    """One collective issue of a community."""

    __slots__ = ("id", "type", "community", "t_raise", "households", "owners", "state", "t_agree", "t_done",
                 "votes", "participants")

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
        "deputy_project_speedup", "deputy_trust_gain"))

    def __init__(self, model) -> None:
        super().__init__(model)
        m, p = model, self.p
        self.types = m.spec.collective
        self.RAISE, self.MEETING, self.FESTER, self.DONE = (self.events.new_kind(k) for k in (
            "issue_raised", "deliberation_meeting", "issue_festers", "project_done"))
        self.rng = {name: m.streams.child("deliberation", k) for k, name in enumerate(DELIBERATION_STREAMS)}
        t = m.territory
        n = t.n_communities
        self.households = [np.flatnonzero(t.hh_community == c) for c in range(n)]
        self.grids = [np.flatnonzero(t.grid_community == c).tolist() for c in range(n)]
        resident_community = t.hh_community[m.resident_household]
        self.members = [np.flatnonzero(resident_community == c) for c in range(n)]
        self.renter = self.rng["council"].random(t.n_households) < p["deliberation.renter_share"]
        self.resident_renter = self.renter[m.resident_household]
        self.in_council = np.zeros(len(m.residents), dtype=bool)
        self.council = [self._choose_council(c) for c in range(n)]
        self.attended = np.zeros(len(m.residents), dtype=np.int32)   # meetings attended, per resident
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
        self.complaint_cases: list[Case] = []   # the festering issues' extra needs, planned a day ahead
        self.project_cost = 0.0
        self.agree_days: list[float] = []

    def _discussion_shift(self) -> float:
        """How far discussion moves positions toward the room's mean; facilitation closes part of the
        rest, saturating in its budget."""
        p = self.p
        shift, budget = p["deliberation.discussion_shift"], p["deliberation.facilitation_cny_per_meeting"]
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

    def handlers(self):
        return {self.RAISE: self.on_raise, self.MEETING: self.on_meeting, self.FESTER: self.on_fester,
                self.DONE: self.on_done}

    def link(self) -> None:
        self.tasks = self.model.tasks
        self.arrivals = self.model.arrivals
        self.kind = self.tasks.add_kind("deliberation_meeting")

    # ------------------------------------------------------------ the day
    def plan_day(self, day: int) -> None:
        self._raise_issues(day)
        self._festering_needs(day)
        self._schedule_meetings(day)

    def _raise_issues(self, day: int) -> None:
        """The day's new issues, per type and community; drawn whatever the levers (common random numbers)."""
        rng = self.rng["issues"]
        for k, ty in enumerate(self.types):
            counts = rng.poisson(ty.rate_per_year / 365.0, size=len(self.households))
            for c in np.flatnonzero(counts).tolist():
                for _ in range(int(counts[c])):
                    hh = self.households[c]
                    affected = hh[rng.random(len(hh)) < ty.affected_share]
                    issue = Issue(len(self.issues), k, c, day + float(rng.random()), affected,
                                  affected[~self.renter[affected]])
                    self.issues.append(issue)
                    self.events.push(issue.t_raise, self.RAISE, issue)

    def _schedule_meetings(self, day: int) -> None:
        """A meeting due by the end of a working day is held that day, ending with the shift."""
        cal = self.model.calendar
        if self.interval == math.inf or not cal.is_workday(day):
            return
        hours = self.p["deliberation.meeting_hours"] * HOURS
        t = day + 0.5 if cal.always_on else day + max(cal.start, cal.start + cal.length - hours)
        for c, due in enumerate(self.next_meeting):
            if due < day + 1:
                self.next_meeting[c] = due + self.interval
                self.events.push(t, self.MEETING, c)

    # ------------------------------------------------------------ issues
    def on_raise(self, issue: Issue, _) -> None:
        self.open[issue.community].append(issue)
        self.events.push(issue.t_raise + self.types[issue.type].urgency_days, self.FESTER, issue)

    def on_fester(self, issue: Issue, _) -> None:
        """Still open past its urgency: the affected residents lose trust."""
        if issue.state != WAITING:
            return
        issue.state = FESTERING
        loss = self.p["deliberation.festering_trust_loss"]
        residents = self.model.residents
        for i in self._affected_residents(issue).tolist():
            r = residents[i]
            r.trust = max(0.0, r.trust - loss)

    def _affected_residents(self, issue: Issue) -> np.ndarray:
        members = self.members[issue.community]
        return members[np.isin(self.model.resident_household[members], issue.households)]

    # ------------------------------------------------------------ meetings
    def on_meeting(self, c: int, _) -> None:
        agenda = self.open[c][:self.p["deliberation.agenda_size"]]
        if not agenda:   # nothing to discuss: no meeting, no staff time
            return
        now = self.events.now
        self.meetings += 1
        self._staff_time(c, now)
        present = self._attendance(c, agenda)
        self.attended[present] += 1
        deputy = self._deputy_attends()
        if deputy:
            gain = self.p["deliberation.deputy_trust_gain"]
            for i in present.tolist():
                r = self.model.residents[i]
                r.trust = min(1.0, r.trust + gain)
        for issue in agenda:
            self._decide(issue, present, now, deputy)
        self.open[c] = [i for i in self.open[c] if i.state in OPEN]

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
        hours = self.p["deliberation.meeting_hours"] * HOURS
        m = self.model
        for _ in range(self.p["deliberation.committee_staff_per_meeting"]):
            self.tasks.issue(self.kind, m.committees[c].desk, now, hours)
        for g in self.grids[c]:
            for _ in range(self.p["deliberation.grid_workers_per_meeting"]):
                self.tasks.issue(self.kind, m.grid_desks[g], now, hours)

    def _attendance(self, c: int, agenda: list[Issue]) -> np.ndarray:
        """Who attends: council members present, and with public attendance other residents by age,
        trust and stake (affected by an issue on the agenda)."""
        p, m, rng = self.p, self.model, self.rng["meetings"]
        council = self.council[c]
        present = council[rng.random(len(council)) < p["deliberation.council_attendance"]]
        if not p["deliberation.public_attendance"]:
            return present
        members = self.members[c]
        stake = np.isin(m.resident_household[members], np.concatenate([i.households for i in agenda]))
        base = np.where(m.resident_elderly[members], p["deliberation.public_attend_elderly"],
                        p["deliberation.public_attend_other"])
        trust = np.fromiter((m.residents[i].trust for i in members.tolist()), float, len(members))
        prob = base * (1.0 + p["deliberation.trust_effect"] * (trust - 0.5)) * np.where(
            stake, p["deliberation.stake_factor"], 1.0)
        public = members[(rng.random(len(members)) < prob) & ~self.in_council[members]]
        return np.concatenate([present, public])

    def _positions(self, issue: Issue, who: np.ndarray) -> np.ndarray:
        """Residents' positions on the issue (above 0: for), drawn around their group's benefit."""
        ty, m = self.types[issue.type], self.model
        hh = m.resident_household[who]
        affected = np.isin(hh, issue.households)
        own = np.where(self.renter[hh], ty.benefit_renter,
                       np.where(m.resident_elderly[who], ty.benefit_elderly, ty.benefit_other))
        mean = np.where(affected, own, ty.benefit_unaffected)
        return mean + self.p["deliberation.position_sd"] * self.rng["meetings"].standard_normal(len(who))

    def _decide(self, issue: Issue, present: np.ndarray, now: float, deputy: bool) -> None:
        """Discussion, then the issue's rule: agreed, dropped (approval below drop_below), or open."""
        pos = self._positions(issue, present)
        if len(pos):
            pos = pos + self.shift * (pos.mean() - pos)
        rule = self.types[issue.type].rule
        if rule != "majority" and not len(issue.owners):   # no owner affected: nobody may decide it
            issue.state = DROPPED
            return
        if rule == "majority":
            taking_part, yes, quorum = len(pos), int((pos > 0).sum()), len(pos) > 0
        else:
            taking_part, yes, quorum = self._owners_vote(issue, present, pos)
        approval = ratio(yes, taking_part)
        if quorum and passes(rule, approval):
            self._agree(issue, present, now, deputy)
        elif taking_part and approval < self.p["deliberation.drop_below"]:
            issue.state = DROPPED
        else:
            issue.votes += 1

    def _owners_vote(self, issue: Issue, present: np.ndarray, pos: np.ndarray) -> tuple[int, int, bool]:
        """Art. 278: the affected owner households vote, through a member at the meeting (after the
        discussion) or by a written ballot collected afterwards (each household's first resident)."""
        owners = issue.owners
        hh = self.model.resident_household[present]
        at_meeting = np.isin(hh, owners)
        voice = dict(zip(hh[at_meeting].tolist(), (pos[at_meeting] > 0).tolist()))   # one vote a household
        absent = owners[~np.isin(owners, hh)]
        reached = absent[self.rng["meetings"].random(len(absent)) < self.p["deliberation.ballot_reach"]]
        ballots = self._positions(issue, reached) > 0   # household h's first resident is resident h
        taking_part = len(voice) + len(reached)
        yes = sum(voice.values()) + int(ballots.sum())
        return taking_part, yes, taking_part >= OWNERS_TAKING_PART * len(owners) - 1e-9

    def _agree(self, issue: Issue, present: np.ndarray, now: float, deputy: bool) -> None:
        issue.state = AGREED
        issue.t_agree = now
        issue.participants = present
        self.agree_days.append(now - issue.t_raise)
        days = self.types[issue.type].project_days
        if deputy:
            days *= 1.0 - self.p["deliberation.deputy_project_speedup"]
        self.events.push(now + days, self.DONE, issue)

    def on_done(self, issue: Issue, _) -> None:
        """The project is implemented: those affected and those who agreed it gain trust and satisfaction."""
        issue.state = IMPLEMENTED
        issue.t_done = self.events.now
        self.project_cost += self.types[issue.type].cost_cny
        m = self.model
        gain_t, gain_s = self.p["deliberation.trust_gain"], self.p["deliberation.satisfaction_gain"]
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

    def state_counts(self) -> dict[str, int]:
        """Issues raised by now, by state."""
        now = self.events.now
        counts = dict.fromkeys(STATES, 0)
        for i in self.issues:
            if i.t_raise <= now:
                counts[STATES[i.state]] += 1
        return counts

    @property
    def complaints(self) -> int:
        """The festering issues' extra needs that have arisen by now."""
        now = self.events.now
        return sum(1 for c in self.complaint_cases if c.t_arise <= now)

    def summary(self) -> dict[str, float]:
        counts = self.state_counts()
        out = {"deliberation.issues_raised": float(sum(counts.values())),
               "deliberation.meetings": float(self.meetings),
               "deliberation.agreements": float(len(self.agree_days)),
               "deliberation.days_to_agreement": float(np.mean(self.agree_days)) if self.agree_days else math.nan,
               "deliberation.projects_implemented": float(counts["implemented"]),
               "deliberation.projects_under_way": float(counts["agreed"]),
               "deliberation.issues_waiting": float(counts["waiting"]),
               "deliberation.issues_festering": float(counts["festering"]),
               "deliberation.issues_dropped": float(counts["dropped"]),
               "deliberation.festering_complaints": float(self.complaints),
               "deliberation.project_cost_cny": self.project_cost,
               "deliberation.deputy_meetings": float(self.deputy_meetings),
               "deliberation.facilitation_cost_cny": self.cost_cny()}
        self._participation(out)
        return out

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
