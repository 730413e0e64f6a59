"""Residents (居民): report needs, choose a channel, rate closed cases."""

from __future__ import annotations

import mesa

from ..cases import APP, HOTLINE, IN_PERSON
from ..satisfaction import update_after_case


class Resident(mesa.Agent):
    """A resident of a household. Never stepped: acts only when a need or a case concerns them."""

    # Registered volunteers get their own values (sim/emergency.py); everyone else shares these.
    volunteer = False
    motivation = 0.0   # intrinsic motivation to volunteer, 0-1
    days_served = 0

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
        """Update satisfaction, expectation and trust after a case; return the 好差评 grade (1-5)."""
        return update_after_case(self, performance, rating_noise, p)
