"""A need arises; the decision to report, the channel; lapse of unreported needs (ODD 7.5, 7.6, 7.13)."""

from __future__ import annotations

import math

import numpy as np

from .. import schedule as ev
from ..case_log import LAPSED, RESIDENT
from ..cases import (ABANDONED, APP, CHANNEL_NAMES, HOTLINE, IN_PERSON, LATENT, PATROL, U_APP, U_DELAY, U_OFFLINE,
                     U_PATIENCE, U_REPORT, VISIT)
from .base import Submodel, ratio
from .summary_stats import stats


class Intake(Submodel):
    """The resident reports a need after a delay, or it stays latent until discovered or it lapses."""

    name = "intake"
    params = ("reporting.trust_effect", "reporting.resolved_boost", "policy.app_adoption", "reporting.hotline_share",
              "reporting.delay_in_person_hours", "reporting.delay_hotline_hours", "reporting.delay_app_hours",
              "reporting.latent_lapse_days", "case.patience_factor", "case.abandonment",
              "satisfaction.unmet_performance")

    def __init__(self, model) -> None:
        super().__init__(model)
        p = self.p
        self.report_prob = [n.report_prob for n in model.needs]
        self.trust_effect = p["reporting.trust_effect"]
        self.resolved_boost = p["reporting.resolved_boost"]
        self.app_adoption = p["policy.app_adoption"]
        self.hotline_share = p["reporting.hotline_share"]
        self.report_delay = dict(zip((IN_PERSON, HOTLINE, APP), model.rules.report_delay))
        self.lapse_mean = p["reporting.latent_lapse_days"]
        self.patience_factor = p["case.patience_factor"] if p["case.abandonment"] else math.inf

    def handlers(self):
        return {ev.NEED: self.on_need, ev.LAPSE: self.on_lapse}

    def link(self) -> None:
        self.route = self.model.dispatch.on_report
        self.discovery = self.model.discovery
        self.heard = self.model.survey.heard
        self.supervision = self.model.supervision

    def on_need(self, case, _) -> None:
        now = self.events.now
        m = self.model
        m.created += 1
        m.open_change(now, +1)
        r, u = case.resident, case.u
        p = r.report_probability(self.report_prob[case.need], self.trust_effect, self.resolved_boost)
        if u[U_REPORT] < p:
            case.channel = r.choose_channel(u[U_APP], u[U_OFFLINE], self.app_adoption, self.hotline_share)
            delay = self.report_delay[case.channel]
            if delay:
                self.events.push(now - delay * math.log1p(-u[U_DELAY]), ev.REPORT, case)
            else:
                self.route(case, None)
        else:
            self.events.push(now - self.lapse_mean * math.log1p(-u[U_DELAY]), ev.LAPSE, case)
        self.discovery.watch(case)

    def open(self, case, now: float) -> None:
        """The case is known to the system from now: its report time, and the resident's patience
        (none for a 12345 ticket: the hotline closes every ticket, so its callers do not abandon)."""
        case.t_report = now
        self.model.reported += 1
        self.supervision.watch(case)
        if self.patience_factor < math.inf and case.channel != HOTLINE:  # a 12345 ticket is always closed
            patience = -self.patience_factor * case.deadline * math.log1p(-case.u[U_PATIENCE])
            self.events.push(now + patience, ev.ABANDON, case)

    def on_lapse(self, case, _) -> None:
        if case.status != LATENT:
            return
        self.discovery.leave_latent(case)
        case.status = ABANDONED
        case.lapsed = True
        case.t_abandon = self.events.now
        self.case_log.add(case, LAPSED, case.t_abandon, RESIDENT, case.household)
        m = self.model
        m.abandoned += 1
        m.lapsed += 1
        m.open_change(self.events.now, -1)
        unmet = self.p["satisfaction.unmet_performance"]
        case.resident.experience(unmet, 0.0, m.rules)
        self.heard(case.community, unmet, case.resident.last_score)

    def case_summary(self, w) -> dict[str, float]:
        """The lapse rate, the share of needs that became known, each channel's share of the
        reports, and the reporting delay of residents' own reports, digital or not."""
        out: dict[str, float] = {}
        reported = ~np.isnan(w.t_report)
        discovered = np.isin(w.channel, (VISIT, PATROL))
        out["rates.lapse"] = ratio(w.lapsed.sum(), len(w.lapsed))
        out["rates.reported_or_discovered"] = ratio(reported.sum(), len(w.lapsed))
        for ch in (IN_PERSON, HOTLINE, APP, VISIT, PATROL):
            out[f"channels.{CHANNEL_NAMES[ch]}"] = ratio((w.channel == ch).sum(), reported.sum())
        self_reported = reported & ~discovered
        delay = (w.t_report - w.t_arise) * 24
        for flag, name in ((True, "digital"), (False, "non_digital")):
            stats(f"reporting_delay_h.{name}", delay[self_reported & (w.digital == flag)], out)
        return out
