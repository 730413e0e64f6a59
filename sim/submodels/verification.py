"""Closure, the follow-up call, reopening and rating (ODD 7.10–7.11; 办结-回访-重办-评价)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import schedule as ev
from ..case_log import CALLED, CLOSED, RATED, REOPENED, RESIDENT
from ..cases import (APP, IN_SERVICE, IN_TRANSIT, MADE_CASE_IDS, MADE_ID_BITS, NAN, NOT_SOLVED, QUEUED, RESOLVED,
                     SOLVED, SOLVED_UNKNOWN, U_RATING)
from ..params import URGENCY
from ..satisfaction import GRADE_NAMES, performance
from .base import Submodel, ratio
from .summary_stats import breakdowns

GOLDEN = 0.6180339887498949  # rotates a case's uniform for its next closure (a low-discrepancy step)


class CaseDraws:
    """Uniforms indexed by case id, laid out in case-id order from one stream: a case's draw does not
    depend on the order in which events happen, so two scenarios run with one seed give a case the
    same draw (common random numbers). The r-th use of a column by the same case is rotated by
    r × the golden ratio, mod 1. Cases made during the run (ids from `MADE_CASE_IDS`, one band of ids
    per maker) draw from `made(band)`, a generator per band, so that they never shift the arrivals'
    draws nor each other's."""

    def __init__(self, rng: np.random.Generator, columns: int, block: int = 4096,
                 made: Callable[[int], np.random.Generator] | None = None):
        self.rng, self.columns, self.block = rng, columns, block
        self.blocks: list[np.ndarray] = []   # 16 bytes a case: cheap over a long run
        self.made = made
        self.bands: dict[int, CaseDraws] = {}

    def __call__(self, case_id: int, column: int, use: int = 0) -> float:
        if case_id >= MADE_CASE_IDS:
            band = case_id >> MADE_ID_BITS
            draws = self.bands.get(band)
            if draws is None:
                draws = self.bands[band] = CaseDraws(self.made(band), self.columns, self.block)
            return draws(case_id & (MADE_CASE_IDS - 1), column, use)
        b, i = divmod(case_id, self.block)
        while b >= len(self.blocks):
            self.blocks.append(self.rng.random((self.block, self.columns)))
        return (float(self.blocks[b][i, column]) + use * GOLDEN) % 1.0


class Verification(Submodel):
    """A closed case is solved or not (the chance of not rises when it is closed late); the follow-up
    call after a delay learns which. Solved: the resident rates the speed. Unsolved: the case is
    reopened at the level that closed it, with a chance, or the need stays unmet and is rated so."""

    name = "verification"
    params = ("case.verify_hours", "case.unsolved_share", "case.unsolved_late", "case.reopen_share",
              "worker.overload_unsolved",
              "satisfaction.unmet_performance")

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.p
        self.verify_mean = model.rules.verify_mean
        self.unsolved_share, self.unsolved_late = p["case.unsolved_share"], p["case.unsolved_late"]
        self.overload_unsolved = p["worker.overload_unsolved"]
        # Whether a closure can be unsolved at all (not in the M/M/c reduction, which sets all three to 0).
        self.may_fail = bool(self.unsolved_share or self.unsolved_late or self.overload_unsolved)
        self.reopen_share = p["case.reopen_share"]
        self.unmet = p["satisfaction.unmet_performance"]
        # columns: unsolved?, reopened?; cases made during the run from a child (1 is the steady start's)
        self.draws = CaseDraws(model.streams.follow_up, 2, made=model.streams.made("follow_up", 2))
        self.reopenings = 0

    def handlers(self):
        return {ev.VERIFY: self.on_verify}

    def link(self) -> None:
        m = self.model
        self.arrive, self.desk_for = m.service.arrive, m.dispatch.desk_for
        self.heard = m.survey.heard
        safety = m.submodels.get("safety")   # an unsolved dispute may arise again (ODD 7.37)
        self.mediated = safety.need if safety is not None else -1
        self.recur = safety.recur if safety is not None else None

    def unsolved_chance(self, case, now: float, strain: float = 0.0) -> float:
        """`case.unsolved_share`, plus `case.unsolved_late` × (1 − 1/x) when closed x > 1 times its
        deadline after the report (after the reopening, for a reopened case): rushed closure; plus
        `worker.overload_unsolved` × the closing server's strain (0-1): tired work."""
        start = case.t_report if case.t_reopen != case.t_reopen else case.t_reopen
        x = (now - start) / case.deadline
        late = self.unsolved_late * (1.0 - 1.0 / x) if x > 1.0 else 0.0
        return min(1.0, self.unsolved_share + late + self.overload_unsolved * strain)

    def resolve(self, case, level: int, strain: float = 0.0) -> None:
        """The case is closed (办结) at `level` by a server under `strain` (its overtime this month
        over the cap, at most 1): solved or not is drawn now, learned at the follow-up call."""
        now = self.events.now
        case.status = RESOLVED
        case.t_resolve = now
        if case.reopened == 0:
            case.t_first_close = now
        case.resolved_level = level
        self.case_log.add(case, CLOSED, now, level)
        # The draws are indexed by case, not consumed in order: skipping one when the chance is 0
        # leaves every other case's draw as it was.
        if self.may_fail:
            chance = self.unsolved_chance(case, now, strain)
            unsolved = chance > 0.0 and self.draws(case.id, 0, case.reopened) < chance
        else:
            unsolved = False
        case.solved = NOT_SOLVED if unsolved else SOLVED
        m = self.model
        m.resolved += 1
        m.open_change(now, -1)
        rec = m.recorder
        rec.res_sum += now - case.t_report
        rec.res_n += 1
        if self.verify_mean:
            self.events.push(now + m.delay(self.verify_mean), ev.VERIFY, case)
        else:
            self.on_verify(case, None)

    def on_verify(self, case, _) -> None:
        """The follow-up call (回访): reopen an unsolved case, with a chance, or the resident rates it."""
        case.t_verify = self.events.now
        if case.reopened == 0:
            case.t_first_call = case.t_verify
        solved = case.solved == SOLVED
        self.case_log.add(case, CALLED, case.t_verify, extra=solved)
        if not solved and self.draws(case.id, 1, case.reopened) < self.reopen_share:
            self.reopen(case)
            return
        perf = performance(case.t_resolve - case.t_report, case.deadline) if solved else self.unmet
        r = case.resident
        case.grade = grade = r.experience(perf, case.u[U_RATING], self.model.rules)
        self.case_log.add(case, RATED, case.t_verify, RESIDENT, case.household, extra=grade)
        self.heard(case.community, perf, r.last_score)
        if case.channel <= APP:  # the resident's own report (not a discovery)
            r.last_report_resolved = solved
        rec = self.model.recorder
        rec.ratings += 1
        rec.good += grade >= 3
        if not solved and case.need == self.mediated:
            self.recur(case, case.t_verify)

    def reopen(self, case) -> None:
        """重办: back to the level that closed it, as a reopened work order whose deadline runs from now."""
        now = self.events.now
        level = case.resolved_level
        case.reopened += 1
        case.t_reopen = now
        self.case_log.add(case, REOPENED, now, level)
        case.t_resolve = case.t_verify = NAN
        case.resolved_level = -1
        case.solved = SOLVED_UNKNOWN
        self.reopenings += 1
        m = self.model
        m.resolved -= 1
        m.open_change(now, +1)
        first_arrival = case.t_in[level]
        self.arrive(case, self.desk_for(level, case))  # the desk that closed it, county departments too
        case.t_in[level] = first_arrival  # `t_in` keeps the first arrival at each level

    def summary(self) -> dict[str, float]:
        """Reopenings (重办) over the whole run."""
        return {"cases.reopened": float(self.reopenings)}

    def case_summary(self, w) -> dict[str, float]:
        """Resolution time of closed cases (report to the first closure, the original work order's
        办结; rework after a reopening shows in the solved, reopened and on-time rates) by need,
        urgency, the level that closed it and age; the closed, solved and reopened rates
        (`closure_rates`); the on-time rates (`on_time_rates`); the 好差评 ratings."""
        out: dict[str, float] = {}
        resolution = np.where(w.status == RESOLVED, w.t_first_close - w.t_report, np.nan) * 24
        breakdowns("resolution_time_h", resolution, w, self.model.needs, w.resolved_level, out)
        out.update(closure_rates(w))
        out.update(on_time_rates(w, self.events.now, self.model.needs))
        out.update(ratings(w, self.events.now))
        return out


def closure_rates(w) -> dict[str, float]:
    """Over the reported cases of the window `w`: `rates.closed` (办结率: closed), `rates.resolution`
    (the same number under its former name), `rates.solved` (解决率: closed and found solved by the
    follow-up call; closed but not yet called counts as not solved), `rates.reopened` (reopened at
    least once); and `rates.solved_among_called`, solved among the closed cases already called."""
    reported = (~np.isnan(w.t_report)).sum()
    closed = w.status == RESOLVED
    called = closed & ~np.isnan(w.t_verify)
    solved = called & (w.solved == SOLVED)
    return {"rates.closed": ratio(closed.sum(), reported), "rates.resolution": ratio(closed.sum(), reported),
            "rates.solved": ratio(solved.sum(), reported),
            "rates.solved_among_called": ratio(solved.sum(), called.sum()),
            "rates.reopened": ratio((w.reopened > 0).sum(), reported)}


def overdue_open(w, end: float) -> np.ndarray:
    """Reported cases still open at `end` (queued, in hand or in transit) whose deadline has passed."""
    open_ = (w.status == QUEUED) | (w.status == IN_SERVICE) | (w.status == IN_TRANSIT)
    return open_ & ~np.isnan(w.t_report) & (w.t_report + w.deadline <= end)


def ratings(w, end: float) -> dict[str, float]:
    """好差评 over every rated case: rated at its follow-up call, solved or not, or at its abandonment
    in a queue; a case still open past its deadline at `end` counts as a bad rating (its resident has
    waited past the deadline with no answer: left out, the rate would count only the cases that got
    through, and rise when service gets worse): the satisfaction rate (grades 3-5), the bad rate, by
    age; each grade's share among the rated. Over the follow-up calls only (the published figure,
    which leaves out the cases that never got through): the satisfaction rate, and among cases closed
    on time, late and unsolved; and the correlation between closed on time and satisfied (phi)."""
    out: dict[str, float] = {}
    rated = w.grade > 0
    g = w.grade[rated]
    overdue = overdue_open(w, end) & ~rated
    out["ratings.n"] = float(len(g))
    out["ratings.overdue_open"] = float(overdue.sum())
    out["ratings.satisfaction_rate"] = ratio((g >= 3).sum(), len(g) + overdue.sum())
    out["ratings.bad_rate"] = ratio((g <= 2).sum() + overdue.sum(), len(g) + overdue.sum())
    for i, name in enumerate(GRADE_NAMES):
        out[f"ratings.share.{name}"] = ratio((g == i + 1).sum(), len(g))
    for flag, name in ((True, "elderly"), (False, "other")):
        gg = w.grade[rated & (w.elderly == flag)]
        late = (overdue & (w.elderly == flag)).sum()
        out[f"ratings.satisfaction_rate_{name}"] = ratio((gg >= 3).sum(), len(gg) + late)
    out["ratings.elderly_gap"] = out["ratings.satisfaction_rate_other"] - out["ratings.satisfaction_rate_elderly"]
    called = rated & (w.status == RESOLVED)
    satisfied = w.grade[called] >= 3
    out["ratings.satisfaction_rate_followed_up"] = ratio(satisfied.sum(), len(satisfied))
    on_time = ((w.t_resolve - w.t_report) <= w.deadline)[called]
    out["ratings.satisfaction_rate_on_time"] = ratio((satisfied & on_time).sum(), on_time.sum())
    out["ratings.satisfaction_rate_late"] = ratio((satisfied & ~on_time).sum(), (~on_time).sum())
    unsolved = w.solved[called] == NOT_SOLVED
    out["ratings.satisfaction_rate_unsolved"] = ratio((satisfied & unsolved).sum(), unsolved.sum())
    out["ratings.on_time_correlation"] = phi(on_time, satisfied)
    return out


def phi(a: np.ndarray, b: np.ndarray) -> float:
    """The correlation of two boolean arrays; NaN when either is constant or empty."""
    if len(a) < 2 or a.all() or not a.any() or b.all() or not b.any():
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def on_time_rates(w, end: float, needs) -> dict[str, float]:
    """`rates.on_time` over every reported case of the window `w` whose deadline (report time plus
    the need's deadline) falls by `end`, the end of the run: on time = resolved within the deadline;
    closed late, still open at the end, or abandoned all count as not on time; cases whose deadline
    falls after `end` are left out (not yet decidable). Also by need and by urgency, and
    `rates.on_time_among_resolved`, the share of resolved cases resolved within the deadline."""
    resolved = w.status == RESOLVED
    on_time = resolved & ((w.t_resolve - w.t_report) <= w.deadline)
    due = ~np.isnan(w.t_report) & (w.t_report + w.deadline <= end)
    out = {"rates.on_time": ratio((on_time & due).sum(), due.sum())}
    for k, need in enumerate(needs):
        d = due & (w.need == k)
        out[f"rates.on_time.by_need.{need.name}"] = ratio((on_time & d).sum(), d.sum())
    for u, uname in enumerate(URGENCY):
        d = due & (w.urgency == u)
        out[f"rates.on_time.by_urgency.{uname}"] = ratio((on_time & d).sum(), d.sum())
    out["rates.on_time_among_resolved"] = ratio(on_time.sum(), resolved.sum())
    return out
