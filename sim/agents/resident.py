"""Residents (居民): report needs, choose a channel, rate closed cases, hear the neighbours."""

from __future__ import annotations

import mesa

from ..cases import APP, HOTLINE, IN_PERSON
from ..satisfaction import grade_of, score_of


class Resident(mesa.Agent):
    """A resident of a household. Never stepped: acts only when a need or a case concerns them."""

    # Registered volunteers get their own values (sim/emergency.py); everyone else shares these.
    volunteer = False
    motivation = 0.0   # intrinsic motivation to volunteer, 0-1
    days_served = 0
    last_score = 0.0   # the score of the resident's latest experience (what they tell the neighbours)

    def __init__(self, model, household: int, elderly: bool, digital: bool,
                 trust: float, satisfaction: float, expectation: float):
        super().__init__(model)
        self.household = household
        self.elderly = elderly
        self.digital = digital
        self.trust = trust
        self.satisfaction = satisfaction  # latent, 0-1
        self.expectation = expectation    # expected performance, 0-1
        self.last_report_resolved = False

    def report_probability(self, base: float, trust_effect: float, resolved_boost: float) -> float:
        """Base chance scaled by trust, and by the FixMyStreet boost after a resolved report."""
        p = base * (1.0 + trust_effect * (self.trust - 0.5))
        if self.last_report_resolved:
            p *= resolved_boost
        return min(max(p, 0.0), 1.0)

    def choose_channel(self, u_app: float, u_offline: float, app_adoption: float, hotline_share: float) -> int:
        """Digital residents use the app with probability app_adoption; everyone else is offline.

        The offline choice uses its own uniform, so residents without digital access choose
        exactly as they would at any level of app adoption (common random numbers).
        """
        if self.digital and u_app < app_adoption:
            return APP
        return HOTLINE if u_offline < hotline_share else IN_PERSON

    def experience(self, performance: float, rating_noise: float, p) -> int:
        """Expectation–disconfirmation after a case: satisfaction and trust move toward the score,
        expectation toward the performance; return the 好差评 grade (1-5) of the score plus noise."""
        self.last_score = score = score_of(performance, self.expectation, p.w_disconfirm)
        old = self.satisfaction
        self.satisfaction = old + p.memory * (score - old)
        self.expectation += p.expect_adapt * (performance - self.expectation)
        self.trust += p.trust_adapt * (score - self.trust)
        p.sat_sum[self.elderly] += self.satisfaction - old
        return grade_of(score + rating_noise, p.grade_cuts)
