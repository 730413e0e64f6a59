"""Safe communities (平安建设): the mediation chain for disputes (ODD 7.37).

A dispute that a server finishes at the grid, the committee or the township is a mediation attempt:
settled (closed as any case, then the follow-up call), or handed up one level; failure at the
township sends it out of the loop to the court or a petition (信访). Disputes that end unsolved may
arise again at the same household, more severe. Only disputes pass through here: other cases cost
one comparison of their need type.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from .. import schedule as ev
from ..agents.committee import staff_desk
from ..case_log import HANDED_UP, PETITIONED as LOG_PETITIONED
from ..cases import COMMITTEE, IN_TRANSIT, MADE_CASE_IDS, PETITIONED, RESOLVED, SOLVED, TOWNSHIP, U_RATING, Case, Desk
from .base import Submodel, ratio
from .summary_stats import stats
from .verification import CaseDraws

LEVEL_NAMES = ("grid", "committee", "township")
ATTEMPTED, SETTLED, ESCALATED, ARISEN = range(4)   # a dispute's record: levels tried and settled (bit masks),
#                                                   hand-ups, when it arose
NEW_CASE_U = 9   # a recurring dispute's uniforms: the case's six, routing, level, effort


class Mediation(Submodel):
    """The mediation chain grid → committee (人民调解) → township (司法所、综治中心) → court or
    petition, with full-time mediators, legal advisers, conventions and recurrence as levers."""

    name = "safety"
    params = ("safety.dispute_need", "safety.success_grid", "safety.success_committee", "safety.success_township",
              "safety.severity_effect", "safety.lateness_effect", "safety.relationship_effect",
              "safety.legal_adviser", "safety.legal_adviser_effect", "safety.mediators_per_committee",
              "safety.mediator_annual_cost_cny", "safety.convention", "safety.convention_reduction",
              "safety.recurrence_share", "safety.recurrence_days", "safety.recurrence_severity_step",
              "satisfaction.unmet_performance", "sim.warmup_days")

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.p
        need = p["safety.dispute_need"]
        self.need = [n.name for n in model.needs].index(need) if need else -1
        adviser = p["safety.legal_adviser_effect"] if p["safety.legal_adviser"] else 0.0
        self.base = (p["safety.success_grid"], p["safety.success_committee"] + adviser,
                     p["safety.success_township"] + adviser)
        streams = model.streams   # draws by case id; recurring disputes (made ids) from child streams
        self.severity_draws = CaseDraws(streams.dispute_severity, 1, made=streams.made("dispute_severity", 1))
        self.outcome_draws = CaseDraws(streams.mediation, len(LEVEL_NAMES), made=streams.made("mediation", 1))
        self.recur_draws = CaseDraws(streams.dispute_recurrence, 2 + NEW_CASE_U,
                                     made=streams.made("dispute_recurrence", 1))
        self.severity: dict[int, float] = {}   # a recurring dispute's raised severity, by case id
        self.records: dict[int, list] = {}     # by case id: [levels attempted, levels settled, hand-ups, t_arise]
        self.repeats: list[Case] = []          # the disputes that arose again (made ids, in order)
        self.petitions = 0                     # over the whole run (the window's are in the summary)
        mediators = p["safety.mediators_per_committee"] if self.need >= 0 else 0
        # Full-time mediators work a desk of their own beside the committee's: it takes the disputes.
        self.desks: list[Desk] = [staff_desk(Desk(COMMITTEE, c.community), mediators, model.rules.speed)
                                  for c in model.committees] if mediators else []
        self.open_kind = self.events.new_kind("mediation_desks_open")

    def handlers(self):
        return {self.open_kind: self.on_open}

    def link(self) -> None:
        m = self.model
        self.service, self.dispatch, self.arrivals = m.service, m.dispatch, m.arrivals
        self.heard = m.survey.heard
        if self.need >= 0 and self.p["safety.convention"]:   # 村规民约: fewer disputes arise
            self.arrivals.daily_rate[self.need] *= 1.0 - self.p["safety.convention_reduction"]

    def plan_day(self, day: int) -> None:
        """The mediation desks open with the offices (after the offices' own opening: pushed later)."""
        if self.desks:
            for t, phase in self.model.calendar.shift_events(day):
                if phase == ev.OFFICES_OPEN:
                    self.events.push(t, self.open_kind)

    def on_open(self, *_) -> None:
        for desk in self.desks:
            self.service.try_start(desk)

    def desk_for(self, case) -> Desk | None:
        """The committee-level desk of a dispute: its community's mediation desk, if there are mediators."""
        return self.desks[case.community] if self.desks else None

    # ------------------------------------------------------------------ the chain
    def severity_of(self, case) -> float:
        """The dispute's severity, 0-1: a uniform draw by case id, or raised for one that recurs."""
        s = self.severity.get(case.id)
        return self.severity_draws(case.id, 0) if s is None else s

    def chance(self, case, level: int, now: float) -> float:
        """The chance an attempt at `level` settles the dispute: the level's base (with the legal
        adviser), less for severity above 0.5 and for time elapsed since the report (a whole
        deadline at most), more for the resident's trust above 0.5."""
        p = self.p
        late = min(1.0, (now - case.t_report) / case.deadline)
        x = (self.base[level] - p["safety.severity_effect"] * (self.severity_of(case) - 0.5)
             - p["safety.lateness_effect"] * late + p["safety.relationship_effect"] * (case.resident.trust - 0.5))
        return min(1.0, max(0.0, x))

    def mediate(self, server, case, level: int) -> None:
        """A mediation attempt at `level` (a server finished the dispute): settled → closed there;
        else up one level, or, from the township, out of the loop to the court or a petition."""
        now = self.events.now
        rec = self.records.get(case.id)
        if rec is None:
            rec = self.records[case.id] = [0, 0, 0, case.t_arise]
        rec[ATTEMPTED] |= 1 << level
        if self.outcome_draws(case.id, level, case.reopened) < self.chance(case, level, now):
            rec[SETTLED] |= 1 << level
            self.service.close(server, case, level)
        elif level >= TOWNSHIP:
            self.petition(case, now)
        else:
            rec[ESCALATED] += 1
            case.status = IN_TRANSIT
            self.case_log.add(case, HANDED_UP, now, level)
            d = self.dispatch
            self.events.push(now + d.delay(d.handoff_mean[level]), ev.ARRIVE, case, d.desk_for(level + 1, case))

    def petition(self, case, now: float) -> None:
        """The dispute leaves the loop: not closed, not solved; the resident's need is unmet, and
        rated so (as an abandonment is), and the dispute may arise again."""
        m = self.model
        case.status = PETITIONED
        case.t_abandon = now
        self.petitions += 1
        m.open_change(now, -1)
        r = case.resident
        r.last_report_resolved = False
        unmet = self.p["satisfaction.unmet_performance"]
        case.grade = grade = r.experience(unmet, case.u[U_RATING], m.rules)
        self.case_log.add(case, LOG_PETITIONED, now, TOWNSHIP, 0, extra=grade)
        self.heard(case.community, unmet, r.last_score)
        rec = m.recorder
        rec.ratings += 1
        rec.good += grade >= 3
        self.recur(case, now)

    def recur(self, case, now: float) -> None:
        """An unsolved dispute (petitioned, or closed and found unsolved) arises again at the same
        household with chance `safety.recurrence_share`, after an exponential delay, more severe."""
        p, draw = self.p, self.recur_draws
        if draw(case.id, 0) >= p["safety.recurrence_share"]:
            return
        t = now - p["safety.recurrence_days"] * math.log1p(-draw(case.id, 1))
        u = np.array([[draw(case.id, 2 + j) for j in range(NEW_CASE_U)]])
        a, k = self.arrivals, self.need
        level = int(a._levels(np.array([k]), u[:, 7])[0])
        effort = float(a._efforts(np.array([k]), u[:, 8])[0])
        u[0, U_RATING] = ndtri(min(max(u[0, U_RATING], 1e-12), 1 - 1e-12)) * self.model.spec.values[
            "satisfaction.rating_noise"]
        new = Case(MADE_CASE_IDS + len(self.repeats), k, case.resident, case.household, case.grid, case.community, level,
                   a.urgency[k], a.deadline[k], effort, t, u[0, :7].tolist())
        self.model.cases.append(new)
        self.severity[new.id] = min(1.0, self.severity_of(case) + p["safety.recurrence_severity_step"])
        self.repeats.append(new)
        self.events.push(t, ev.NEED, new)

    # ------------------------------------------------------------------ outcomes
    def cost_cny(self) -> float:
        """The full-time mediators' pay over the run (also counted in `cost.staff_cny`)."""
        mediators = sum(len(d.servers) for d in self.desks)
        return mediators * self.p["safety.mediator_annual_cost_cny"] * self.events.now / 365.0

    def summary(self) -> dict[str, float]:
        """化解率 by level over the disputes of the summary window: the share of disputes that reached
        a level (a mediation attempt there) settled there; hand-ups; repeat disputes; mediators. And
        `cases.petitioned`, over the whole run as the other `cases.*` books (created = resolved +
        abandoned + petitioned + open)."""
        if self.need < 0:
            return {"cases.petitioned": 0.0}
        warm, now = self.p["sim.warmup_days"], self.events.now
        window = [r for r in self.records.values() if warm <= r[ARISEN] <= now]
        out: dict[str, float] = {"cases.petitioned": float(self.petitions)}
        for level, name in enumerate(LEVEL_NAMES):
            reached = sum(r[ATTEMPTED] >> level & 1 for r in window)
            settled = sum(r[SETTLED] >> level & 1 for r in window)
            out[f"safety.reached.{name}"] = float(reached)
            out[f"safety.settled.{name}"] = float(settled)
            out[f"safety.resolution_rate.{name}"] = ratio(settled, reached)
        # The community's mediation network (grid and committee: 调解小组 and 调委会), the published rate's scope
        community = sum(bool(r[ATTEMPTED] & 3) for r in window)
        out["safety.resolution_rate.community"] = ratio(sum(bool(r[SETTLED] & 3) for r in window), community)
        out["safety.escalations"] = float(sum(r[ESCALATED] for r in window))
        out["safety.repeat_disputes"] = float(sum(warm <= c.t_arise <= now for c in self.repeats))
        mediators = [s for d in self.desks for s in d.servers]
        years = max(now, 1e-9) / 365.0
        out["safety.mediators"] = float(len(mediators))
        out["safety.mediator_case_hours_per_year"] = ratio(sum(s.case_hours for s in mediators), len(mediators) * years)
        out["safety.cost_cny_per_year"] = self.cost_cny() / years
        return out

    def case_summary(self, w) -> dict[str, float]:
        """Over the disputes arising in the window: how many (and per 10,000 residents a year), how
        they ended (settled and found solved, petitioned: also per 10,000 residents a year), and the
        time from report to settlement (h)."""
        if self.need < 0:
            return {}
        m = self.model
        dispute = w.need == self.need
        reported = dispute & ~np.isnan(w.t_report)
        years = max(self.events.now - self.p["sim.warmup_days"], 1e-9) / 365.0
        per_10k_year = 10_000 / len(m.residents) / years
        petitions = (dispute & (w.status == PETITIONED)).sum()
        closed = dispute & (w.status == RESOLVED)
        out = {"safety.disputes": float(dispute.sum()), "safety.disputes_per_10k": dispute.sum() * per_10k_year,
               "safety.disputes_reported": float(reported.sum()),
               "safety.petitions": float(petitions), "safety.petitions_per_10k": petitions * per_10k_year,
               "safety.petition_share": ratio(petitions, reported.sum()),
               "safety.closed_share": ratio(closed.sum(), reported.sum()),
               "safety.solved_share": ratio((closed & (w.solved == SOLVED)).sum(), reported.sum())}
        stats("safety.resolution_time_h", ((w.t_first_close - w.t_report) * 24)[closed], out)
        return out

    # ------------------------------------------------------------------ read-only views (the dashboard's map)
    def open_by_level(self, cases=None) -> dict[str, list[int]]:
        """The households of the disputes open now, by the level mediating them (`LEVEL_NAMES`): the
        level of the desk whose queue the dispute last joined (on its way up, the level it left).
        `cases`: the cases to look at (default every case; the map passes those it knows may be open)."""
        from ..cases import LATENT

        out: dict[str, list[int]] = {name: [] for name in LEVEL_NAMES}
        if self.need < 0:
            return out
        now = self.events.now
        for c in self.model.cases if cases is None else cases:
            if c.need == self.need and LATENT < c.status < RESOLVED and c.t_arise <= now and c.desk is not None:
                out[LEVEL_NAMES[min(c.desk.level, TOWNSHIP)]].append(c.household)
        return out

    def petitions_since(self, t: float, cases=None) -> list[int]:
        """The households of the disputes that left the loop as a petition (信访) at or after time `t`."""
        if self.need < 0:
            return []
        return [c.household for c in (self.model.cases if cases is None else cases)
                if c.status == PETITIONED and c.need == self.need and t <= c.t_abandon <= self.events.now]
