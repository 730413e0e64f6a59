"""Resolution, verification and rating (ODD 7.10–7.11; 核查-结案-评价)."""

from __future__ import annotations

import numpy as np

from .. import schedule as ev
from ..cases import APP, RESOLVED, U_RATING
from ..params import URGENCY
from ..satisfaction import GRADE_NAMES, performance
from .base import Submodel, ratio
from .summary_stats import breakdowns


class Verification(Submodel):
    """A resolved case is verified after a delay; the resident rates it and updates their views."""

    name = "verification"
    params = ("case.verify_hours",)

    def __init__(self, model) -> None:
        super().__init__(model)
        self.verify_mean = model.rules.verify_mean

    def handlers(self):
        return {ev.VERIFY: self.on_verify}

    def resolve(self, case, level: int) -> None:
        now = self.events.now
        case.status = RESOLVED
        case.t_resolve = now
        case.resolved_level = level
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
        case.t_verify = self.events.now
        perf = performance(case.t_resolve - case.t_report, case.deadline)
        case.grade = grade = case.resident.experience(perf, case.u[U_RATING], self.model.rules)
        if case.channel <= APP:  # the resident's own report (not a discovery)
            case.resident.last_report_resolved = True
        rec = self.model.recorder
        rec.ratings += 1
        rec.good += grade >= 3

    def case_summary(self, w) -> dict[str, float]:
        """Resolution time (report to resolution, h) by need, urgency, the level that resolved it
        and age; the resolution rate; the on-time rates (`on_time_rates`); the 好差评 ratings."""
        out: dict[str, float] = {}
        resolution = (w.t_resolve - w.t_report) * 24
        breakdowns("resolution_time_h", resolution, w, self.model.needs, w.resolved_level, out)
        resolved = w.status == RESOLVED
        out["rates.resolution"] = ratio(resolved.sum(), (~np.isnan(w.t_report)).sum())
        out.update(on_time_rates(w, self.events.now, self.model.needs))
        out.update(self._ratings(w))
        return out

    @staticmethod
    def _ratings(w) -> dict[str, float]:
        out: dict[str, float] = {}
        rated = w.grade > 0
        g = w.grade[rated]
        out["ratings.n"] = float(len(g))
        out["ratings.satisfaction_rate"] = ratio((g >= 3).sum(), len(g))
        out["ratings.bad_rate"] = ratio((g <= 2).sum(), len(g))
        for i, name in enumerate(GRADE_NAMES):
            out[f"ratings.share.{name}"] = ratio((g == i + 1).sum(), len(g))
        for flag, name in ((True, "elderly"), (False, "other")):
            gg = w.grade[rated & (w.elderly == flag)]
            out[f"ratings.satisfaction_rate_{name}"] = ratio((gg >= 3).sum(), len(gg))
        out["ratings.elderly_gap"] = out["ratings.satisfaction_rate_other"] - out["ratings.satisfaction_rate_elderly"]
        return out


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
