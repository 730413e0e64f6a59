"""Satisfaction: expectation–disconfirmation, 好差评 grades, the survey.

Performance of a case, on 0-1: 1 for instant resolution, 0.5 at the deadline,
falling as 0.5 / lateness after it; `satisfaction.unmet_performance` when the
need stays unmet (closed but not solved and not reopened, or lapsed unreported);
0 when abandoned in a queue. A case's score
is performance plus weighted disconfirmation (performance − expectation),
Van Ryzin (2004). Latent satisfaction and trust move toward the score,
expectation toward the performance (adaptive expectations). The score plus
noise, cut at the four `satisfaction.grade_cut_*` parameters, gives the five-grade 好差评 rating. Each resident applies this to
itself (`Resident.experience`).
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

# The parameters holding the score cut points between grades 1|2|3|4|5 (very dissatisfied ...
# very satisfied); the scenario checks that they increase.
GRADE_CUT_KEYS = tuple(f"satisfaction.grade_cut_{i}" for i in range(1, 5))
GRADE_NAMES = ("very_dissatisfied", "dissatisfied", "basically_satisfied", "satisfied", "very_satisfied")


def performance(resolution_days: float, deadline_days: float) -> float:
    """1 at once, 0.5 at the deadline, 0.5/x when x times the deadline late (x > 1)."""
    x = resolution_days / deadline_days
    return 1.0 - 0.5 * x if x <= 1.0 else 0.5 / x


def score_of(performance: float, expectation: float, w_disconfirm: float) -> float:
    """Performance plus weighted disconfirmation, clipped to 0-1 (Van Ryzin 2004)."""
    return min(max(performance + w_disconfirm * (performance - expectation), 0.0), 1.0)


def grade_cuts(values) -> tuple[float, ...]:
    """The four cut points from a scenario's values (or a submodel's `self.p`)."""
    return tuple(values[key] for key in GRADE_CUT_KEYS)


def grade_of(score: float, cuts: tuple[float, ...]) -> int:
    return 1 + bisect_right(cuts, score)


def survey(rng: np.random.Generator, satisfaction: np.ndarray, sample_size: int, noise_sd: float,
           cuts: tuple[float, ...]) -> dict:
    """Sample residents (all, not only those with cases) and ask them for a grade.

    Returns the satisfaction rate (grades 3-5), its standard error with the finite
    population correction, and a 95% confidence interval.
    """
    n_pop = len(satisfaction)
    n = max(1, min(sample_size, n_pop))
    sample = rng.choice(n_pop, size=n, replace=False)
    answers = satisfaction[sample] + rng.normal(0.0, noise_sd, size=n)
    grades = 1 + np.searchsorted(np.array(cuts), answers, side="right")
    rate = float(np.mean(grades >= 3))
    fpc = math.sqrt((n_pop - n) / (n_pop - 1)) if n_pop > 1 else 0.0
    se = math.sqrt(rate * (1 - rate) / n) * fpc
    return {"n": n, "satisfaction_rate": rate, "se": se,
            "ci_low": max(0.0, rate - 1.96 * se), "ci_high": min(1.0, rate + 1.96 * se),
            "latent_mean": float(np.mean(satisfaction[sample]))}
