"""Model units: the clock runs in days. The scenario's values are converted here, once."""

from __future__ import annotations

import numpy as np

from .satisfaction import grade_cuts
from .scenario import Scenario

HOURS, MINUTES = 1 / 24.0, 1 / 1440.0   # in days


class Rules:
    """The scenario's values converted to model units (days, km/day), read on hot paths."""

    def __init__(self, s: Scenario, hh_xy: np.ndarray, sat_sum: list[float]):
        v = s.values
        self.triage = v["worker.triage_minutes"] * MINUTES
        self.record = v["burden.record_minutes_per_case"] * MINUTES
        self.speed = v["worker.speed_kmh"] * 24.0
        self.visit_rate = v["worker.visit_share"] * 24.0 * 60.0 / v["worker.visit_minutes"]  # per proactive day
        self.on_site = [n.on_site for n in s.needs]
        self.hh_xy = hh_xy.tolist()  # [x, y] per household as Python floats (hot path: travel)
        self.w_disconfirm = v["satisfaction.weight_disconfirmation"]
        self.memory = v["satisfaction.memory"]
        self.expect_adapt = v["satisfaction.expectation_adapt"]
        self.trust_adapt = v["satisfaction.trust_adapt"]
        self.grade_cuts = grade_cuts(v)
        self.sat_sum = sat_sum  # running sums of latent satisfaction: [others, elderly]
