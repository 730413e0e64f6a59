"""Residents' satisfaction survey (群众满意度调查), at a fixed interval (ODD 7.16)."""

from __future__ import annotations

import math

import numpy as np

from ..satisfaction import GRADE_CUT_KEYS, grade_cuts, survey
from .base import Submodel


class Surveys(Submodel):
    """A random sample of all residents grades the government; the result goes to the day's row."""

    name = "survey"
    params = ("survey.interval_days", "survey.sample_share", "satisfaction.rating_noise", *GRADE_CUT_KEYS)

    def end_of_day(self, day: int) -> None:
        if day % self.p["survey.interval_days"] == 0:
            self.run(day)

    def run(self, day: int) -> None:
        m = self.model
        sat = np.fromiter((r.satisfaction for r in m.residents), float, len(m.residents))
        n = max(1, round(self.p["survey.sample_share"] * len(sat)))
        result = survey(m.streams.survey, sat, n, self.p["satisfaction.rating_noise"], grade_cuts(self.p))
        result["day"] = day
        m.surveys.append(result)
        m.recorder.survey = result

    def summary(self) -> dict[str, float]:
        """The last survey's result and standard error, and how many surveys were held."""
        out: dict[str, float] = {}
        surveys = self.model.surveys
        if surveys:
            last = surveys[-1]
            for key in ("satisfaction_rate", "se", "ci_low", "ci_high", "n"):
                out[f"survey.{key}"] = float(last[key])
            out["survey.count"] = float(len(surveys))
        else:
            for key in ("satisfaction_rate", "se", "ci_low", "ci_high", "n", "count"):
                out[f"survey.{key}"] = math.nan if key != "count" else 0.0
        return out
