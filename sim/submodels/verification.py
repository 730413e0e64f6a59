"""Resolution, verification and rating (ODD 7.10–7.11; 核查-结案-评价)."""

from __future__ import annotations

from .. import schedule as ev
from ..cases import APP, RESOLVED, U_RATING
from ..satisfaction import performance
from .base import Submodel


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
