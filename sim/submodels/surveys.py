"""Residents' satisfaction survey (群众满意度调查), word of mouth, and the steady start (ODD 7.16)."""

from __future__ import annotations

import math
from operator import attrgetter

import numpy as np

from ..cases import ABANDONED, APP, IN_SERVICE, IN_TRANSIT, PETITIONED, QUEUED, RESOLVED, SOLVED
from ..satisfaction import GRADE_CUT_KEYS, grade_cuts, survey
from .base import Submodel

VIEWS = ("satisfaction", "expectation")  # what a resident thinks, set at the steady start
OPEN = (QUEUED, IN_SERVICE, IN_TRANSIT)  # reported, not yet closed


class Surveys(Submodel):
    """A random sample of all residents grades the government; the result goes to the day's row.

    Residents hear how their neighbours' cases went: each experience (a case rated at its follow-up
    call, abandoned in a queue, or lapsed unreported) is news in its community. Every
    `satisfaction.word_of_mouth_interval_days` every resident's latent satisfaction moves toward the
    mean score of the news since the last time (word of mouth), so residents without a case of their
    own also follow the service. Halfway through and at the end of the warm-up the residents' views
    are set at the steady state of the service they had then (`settle`)."""

    name = "survey"
    params = ("survey.interval_days", "survey.sample_share", "satisfaction.rating_noise", *GRADE_CUT_KEYS,
              "satisfaction.word_of_mouth_per_day", "satisfaction.word_of_mouth_interval_days",
              "satisfaction.start_at_equilibrium",
              "satisfaction.weight_disconfirmation", "sim.warmup_days")

    def __init__(self, model) -> None:
        super().__init__(model)
        n_comm = model.territory.n_communities
        self.community = model.territory.hh_community[model.resident_household]  # per resident
        self.news_sum = np.zeros(n_comm)   # scores experienced in each community since the last survey
        self.news_n = np.zeros(n_comm)
        self.news_day = 0
        settles = self.p["satisfaction.start_at_equilibrium"] and self.p["sim.warmup_days"] > 0
        self.warm = [[] for _ in range(n_comm)] if settles else None  # performances during the warm-up
        warmup = self.p["sim.warmup_days"]
        self.settle_days = (warmup // 2, warmup) if warmup >= 2 else (warmup,)
        self.warm_from = self.settle_days[0] / 2  # the performances the first settling uses are from here

    def heard(self, community: int, performance: float, score: float) -> None:
        """A resident of `community` experienced `performance` and gave it `score`."""
        self.news_sum[community] += score
        self.news_n[community] += 1
        if self.warm is not None and self.events.now >= self.warm_from:
            self.warm[community].append(performance)

    def end_of_day(self, day: int) -> None:
        if self.warm is not None and day in self.settle_days:
            self.settle(day)
        if day % self.p["satisfaction.word_of_mouth_interval_days"] == 0:
            self.word_of_mouth(day)
        if day % self.p["survey.interval_days"] == 0:
            self.run(day)

    def _views(self, keys: tuple[str, ...] = VIEWS) -> dict[str, np.ndarray]:
        rs = self.model.residents
        return {k: np.array(list(map(attrgetter(k), rs))) for k in keys}

    def _store(self, views: dict[str, np.ndarray], who: np.ndarray) -> None:
        """Write back the views of residents `who` (a boolean mask); refresh the model's sums."""
        rs = self.model.residents
        idx = np.flatnonzero(who).tolist()
        for k, values in views.items():
            for i, v in zip(idx, values[who].tolist()):
                setattr(rs[i], k, v)
        sat, elderly = views["satisfaction"], self.model.resident_elderly
        self.model.sat_sum[:] = [float(sat[~elderly].sum()), float(sat[elderly].sum())]

    def _forget_news(self, day: int) -> None:
        self.news_sum[:] = 0.0
        self.news_n[:] = 0.0
        self.news_day = day

    def word_of_mouth(self, day: int) -> None:
        step = 1.0 - (1.0 - self.p["satisfaction.word_of_mouth_per_day"]) ** (day - self.news_day)
        has_news = self.news_n > 0
        if step > 0 and has_news.any():
            target = np.divide(self.news_sum, self.news_n, out=np.zeros_like(self.news_sum), where=has_news)
            sat = self._views(("satisfaction",))["satisfaction"]
            who = has_news[self.community]
            sat[who] += step * (target[self.community[who]] - sat[who])
            self._store({"satisfaction": sat}, who)
        self._forget_news(day)

    def settle(self, day: int) -> None:
        """The steady start, in two steps: halfway through the warm-up from the cases a community
        experienced in its second quarter, at its end from those of its second half (the start is
        left out: an empty system closes its fast cases first; the second step sees the reporting
        the first one set). With their mean performance p̄: expectation := p̄ (its fixed point);
        latent satisfaction shifted so that its mean is the mean score of those performances rated
        against p̄ (its fixed point), each resident keeping their deviation from the community's
        mean; and whether a resident's last report was solved (`_settle_reports`). Trust keeps its
        initial values: `population.trust_mean` describes the population."""
        w = self.p["satisfaction.weight_disconfirmation"]
        views = self._views()
        who = np.zeros(len(self.community), dtype=bool)
        for c, perfs in enumerate(self.warm):
            if not perfs:
                continue
            p = np.array(perfs)
            p_bar = float(p.mean())
            s_star = float(np.clip(p + w * (p - p_bar), 0.0, 1.0).mean())
            members = self.community == c
            sat = views["satisfaction"]
            sat[members] = np.clip(sat[members] + s_star - sat[members].mean(), 0.0, 1.0)
            views["expectation"][members] = p_bar
            who |= members
        self._store(views, who)
        self._settle_reports(who)
        self.warm = None if day == self.p["sim.warmup_days"] else [[] for _ in self.warm]
        self.warm_from = day
        self._forget_news(day)

    def _overdue_open(self, now: float) -> list:
        """The cases reported since `warm_from` and still open at `now` past their deadline. An open
        case not yet due is left out: it may still close on time."""
        since = self.warm_from
        return [c for c in self.model.cases
                if c.status in OPEN and c.t_report >= since and now - c.t_report > c.deadline]

    def _settle_reports(self, who: np.ndarray) -> None:
        """`last_report_resolved` at its steady state: true with the chance that an own report
        (in person, hotline, app) finished since `warm_from` was found solved, or is still open past
        its deadline (`_overdue_open`: not solved yet; left out, an overloaded service would count
        only the reports that finished, the quick ones). A dispute that left for the court or a
        petition (PETITIONED, at `t_abandon`) finished unsolved, as an abandonment did."""
        half = self.warm_from
        n_comm = len(self.news_n)
        done, solved = np.zeros(n_comm), np.zeros(n_comm)
        for c in self._overdue_open(self.events.now):
            done[c.community] += c.channel <= APP
        for c in self.model.cases:
            if c.channel > APP or c.status not in (RESOLVED, ABANDONED, PETITIONED) or c.lapsed:
                continue
            if (c.t_verify if c.status == RESOLVED else c.t_abandon) >= half:  # NaN (not yet called) is not
                done[c.community] += 1
                solved[c.community] += c.status == RESOLVED and c.solved == SOLVED
        share = np.divide(solved, done, out=np.zeros(n_comm), where=done > 0)[self.community]
        u = self.model.streams.child("follow_up", 1).random(len(self.community))
        residents = self.model.residents
        for i in np.flatnonzero(who & (done > 0)[self.community]).tolist():
            residents[i].last_report_resolved = bool(u[i] < share[i])

    def run(self, day: int) -> None:
        m = self.model
        sat = np.fromiter((r.satisfaction for r in m.residents), float, len(m.residents))
        sat = sat[m.residents_at_home()]   # the survey reaches the residents at home that day
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
