"""Outcomes: the daily time series, the per-case table and the flat summary.

Declared the Agents.jl way: the per-case table is a set of (column, how to read
it from a case) pairs, and the summary is computed from that table with numpy.
Durations in outputs are in hours; timestamps in model days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import CHANNEL_NAMES, IN_PERSON, APP, HOTLINE, RESOLVED, ABANDONED, STATUS_NAMES, VISIT, PATROL
from .params import AGE_GROUPS, LEVELS, URGENCY
from .satisfaction import GRADE_NAMES

# The closed loop's daily columns; submodels append theirs (`Submodel.daily_columns`).
TIMESERIES_COLUMNS = (
    "day", "created", "reported", "resolved", "abandoned", "lapsed", "open", "backlog", "latent",
    "response_mean_h", "resolution_mean_h", "ratings", "satisfaction_rate", "latent_satisfaction",
    "survey_satisfaction_rate", "survey_se",
)

# Overtime is paid at this multiple of an hourly cost of annual cost / WORK_HOURS_PER_YEAR
# (250 days of 8 h); both assumptions awaiting their rows in the parameter table.
OVERTIME_PREMIUM, WORK_HOURS_PER_YEAR = 1.5, 2000

COUNT_COLUMNS = {"day", "created", "reported", "resolved", "abandoned", "lapsed", "open", "backlog", "latent",
                 "ratings"}


class DayRecorder:
    """One time-series row per day: flows during the day (created, reported, resolved,
    abandoned, lapsed, ratings, mean response and resolution of the day's cases) and stocks
    at its end (open, backlog = known open cases, latent = not yet reported nor discovered).
    The model increments the daily sums on its hot paths; the flows are differences of the
    model's running totals."""

    def __init__(self, model):
        self.model = model
        self.contributors = [s for s in model.submodels.values() if s.daily_columns]
        self.names = TIMESERIES_COLUMNS + tuple(n for s in self.contributors for n, _ in s.daily_columns)
        self.counts = COUNT_COLUMNS | {n for s in self.contributors for n, kind in s.daily_columns if kind is int}
        self.rows: list[tuple] = []
        self.survey: dict | None = None
        self._totals = (0, 0, 0, 0, 0)
        self._reset()

    def _reset(self) -> None:
        self.resp_sum = self.resp_n = self.res_sum = self.res_n = 0
        self.ratings = self.good = 0

    def close_day(self, day: int) -> None:
        m = self.model
        latent = m.created - m.reported - m.lapsed
        s = self.survey or {}
        totals = (m.created, m.reported, m.resolved, m.abandoned - m.lapsed, m.lapsed)
        flows = tuple(now - before for now, before in zip(totals, self._totals))
        self._totals = totals
        self.rows.append((
            day, *flows, m.open_cases, m.open_cases - latent, latent,
            _ratio(self.resp_sum * 24, self.resp_n), _ratio(self.res_sum * 24, self.res_n),
            self.ratings, _ratio(self.good, self.ratings), m.latent_satisfaction_mean,
            s.get("satisfaction_rate", math.nan), s.get("se", math.nan),
            *(x for s in self.contributors for x in s.day_row()),
        ))
        self.survey = None
        self._reset()

    def columns(self) -> dict[str, np.ndarray]:
        data = np.array(self.rows, dtype=float).reshape(-1, len(self.names))
        return {name: data[:, i].astype(int) if name in self.counts else data[:, i]
                for i, name in enumerate(self.names)}


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


# ---------------------------------------------------------------- case table
CASE_COLUMNS = (
    ("case_id", lambda m, c: c.id),
    ("need", lambda m, c: m.needs[c.need].name),
    ("resident_id", lambda m, c: c.resident.unique_id),
    ("household", lambda m, c: c.household),
    ("grid", lambda m, c: c.grid),
    ("community", lambda m, c: c.community),
    ("age_group", lambda m, c: AGE_GROUPS[c.resident.elderly]),
    ("digital", lambda m, c: int(c.resident.digital)),
    ("authority_level", lambda m, c: LEVELS[c.level]),
    ("urgency", lambda m, c: tuple(URGENCY)[c.urgency]),
    ("deadline_h", lambda m, c: c.deadline * 24),
    ("channel", lambda m, c: CHANNEL_NAMES[c.channel]),
    ("status", lambda m, c: STATUS_NAMES[c.status]),
    ("lapsed", lambda m, c: int(c.lapsed)),
    ("t_arise", lambda m, c: c.t_arise),
    ("t_report", lambda m, c: c.t_report),
    ("t_accept", lambda m, c: c.t_accept),
    ("t_in_grid", lambda m, c: c.t_in[0]),
    ("t_in_committee", lambda m, c: c.t_in[1]),
    ("t_in_township", lambda m, c: c.t_in[2]),
    ("t_in_county", lambda m, c: c.t_in[3]),
    ("t_resolve", lambda m, c: c.t_resolve),
    ("t_verify", lambda m, c: c.t_verify),
    ("t_abandon", lambda m, c: c.t_abandon),
    ("resolved_level", lambda m, c: LEVELS[c.resolved_level] if c.resolved_level >= 0 else ""),
    ("grade", lambda m, c: c.grade),
)


def case_rows(model) -> list[tuple]:
    """One row per case that has arisen, in case order."""
    now = model.events.now
    return [tuple(f(model, c) for _, f in CASE_COLUMNS) for c in model.cases if c.t_arise <= now]


@dataclass
class CaseArrays:
    """The per-case numbers the summary needs, as numpy arrays."""

    need: np.ndarray
    elderly: np.ndarray
    digital: np.ndarray
    level: np.ndarray
    urgency: np.ndarray
    resolved_level: np.ndarray
    channel: np.ndarray
    status: np.ndarray
    lapsed: np.ndarray
    deadline: np.ndarray
    t_arise: np.ndarray
    t_report: np.ndarray
    t_accept: np.ndarray
    t_resolve: np.ndarray
    t_abandon: np.ndarray
    grade: np.ndarray

    @classmethod
    def of(cls, model) -> "CaseArrays":
        """One pass over the cases that have arisen."""
        now = model.events.now
        rows = [(c.need, c.resident.elderly, c.resident.digital, c.level, c.urgency, c.resolved_level, c.channel,
                 c.status, c.lapsed, c.deadline, c.t_arise, c.t_report, c.t_accept, c.t_resolve, c.t_abandon,
                 c.grade) for c in model.cases if c.t_arise <= now]
        data = np.array(rows, dtype=float).reshape(-1, 16)
        names = list(cls.__dataclass_fields__)
        kinds = (int, bool, bool, int, int, int, int, int, bool, float, float, float, float, float, float, int)
        return cls(**{n: data[:, i].astype(k) for i, (n, k) in enumerate(zip(names, kinds))})


# -------------------------------------------------------------------- summary
def response_hours(model) -> np.ndarray:
    """Response times (report to acceptance, hours) of the cases in the summary window that were
    accepted, in case order: the distribution behind response_time_h.*."""
    a = CaseArrays.of(model)
    w = _window(a, a.t_arise >= model.spec.values["sim.warmup_days"])
    response = (w.t_accept - w.t_report) * 24
    return response[~np.isnan(response)]


def _stats(prefix: str, hours: np.ndarray, out: dict[str, float]) -> None:
    x = hours[~np.isnan(hours)]
    out[f"{prefix}.n"] = float(len(x))
    if len(x):
        out[f"{prefix}.mean"] = float(x.mean())
        out[f"{prefix}.median"] = float(np.median(x))
        out[f"{prefix}.p90"] = float(np.percentile(x, 90))
    else:
        out[f"{prefix}.mean"] = out[f"{prefix}.median"] = out[f"{prefix}.p90"] = math.nan


def _breakdowns(name: str, hours: np.ndarray, a: CaseArrays, model, by_level: np.ndarray, out) -> None:
    _stats(name, hours, out)
    for k, need in enumerate(model.needs):
        _stats(f"{name}.by_need.{need.name}", hours[a.need == k], out)
    for u, uname in enumerate(URGENCY):
        _stats(f"{name}.by_urgency.{uname}", hours[a.urgency == u], out)
    for lv, lname in enumerate(LEVELS):
        _stats(f"{name}.by_level.{lname}", hours[by_level == lv], out)
    for g, gname in enumerate(AGE_GROUPS):
        _stats(f"{name}.by_age.{gname}", hours[a.elderly == bool(g)], out)


def summary(model) -> dict[str, float]:
    """The flat summary: dotted metric name -> number (NaN where undefined)."""
    v = model.spec.values
    a = CaseArrays.of(model)
    warm = a.t_arise >= v["sim.warmup_days"]
    out: dict[str, float] = {}
    out["cases.created"] = float(model.created)
    out["cases.resolved"] = float(model.resolved)
    out["cases.abandoned"] = float(model.abandoned)
    out["cases.lapsed"] = float(model.lapsed)
    out["cases.open"] = float(model.open_cases)
    out["cases.reported"] = float(model.reported)
    out["cases.discovered_by_visit"] = float(model.discovered_visit)
    out["cases.discovered_by_patrol"] = float(model.discovered_patrol)
    out["cases.in_window"] = float(warm.sum())

    w = _window(a, warm)
    response = (w.t_accept - w.t_report) * 24
    resolution = (w.t_resolve - w.t_report) * 24
    _breakdowns("response_time_h", response, w, model, w.level, out)
    accepted = response[~np.isnan(response)]
    out["response_time_h.share_waited"] = _ratio((accepted > 1e-9).sum(), len(accepted))
    _breakdowns("resolution_time_h", resolution, w, model, w.resolved_level, out)
    _rates(w, out)
    _satisfaction(model, w, out)
    _workforce(model, out)
    _littles_law(model, a, out)
    ts = model.recorder.columns()
    backlog = ts["backlog"][ts["day"] >= v["sim.warmup_days"]]
    out["backlog.mean"] = float(backlog.mean()) if len(backlog) else math.nan
    out["backlog.max"] = float(backlog.max()) if len(backlog) else math.nan
    out["backlog.end"] = float(ts["backlog"][-1]) if len(ts["backlog"]) else math.nan
    for sub in model.submodels.values():
        out.update(sub.summary())
    _routine_under_emergency(model, ts, out)
    out["events.processed"] = float(model.events.processed)
    out["population.residents"] = float(len(model.residents))
    out["population.households"] = float(model.territory.n_households)
    out["territory.grids"] = float(model.territory.n_grids)
    out["territory.communities"] = float(model.territory.n_communities)
    return out


def _routine_under_emergency(model, ts: dict, out: dict) -> None:
    """Routine backlog before, at its peak during and after the first emergency, and the days
    after its end until the backlog is back within 10% of its level in the week before onset."""
    keys = ("routine.backlog_before", "routine.backlog_peak", "routine.recovery_days")
    ems = sorted((e for e in model.emergency.emergencies if e.onset <= model.events.now), key=lambda e: e.onset)
    for k in keys:
        out[k] = math.nan
    if not ems or not len(ts["day"]):
        return
    e = ems[0]
    day, backlog = ts["day"], ts["backlog"]
    closed = day + 1.0  # row d is the stock at the end of day d
    before = backlog[(closed <= e.onset) & (closed > e.onset - 7)]
    if not len(before):
        return
    base = float(before.mean())
    out["routine.backlog_before"] = base
    out["routine.backlog_peak"] = float(backlog[closed > e.onset].max())
    recovered = np.flatnonzero((closed >= e.end) & (backlog <= 1.1 * base + 1))
    if len(recovered):
        out["routine.recovery_days"] = float(closed[recovered[0]] - e.end)


def _window(a: CaseArrays, keep: np.ndarray) -> CaseArrays:
    return CaseArrays(**{k: getattr(a, k)[keep] for k in a.__dataclass_fields__})


def _rates(w: CaseArrays, out: dict) -> None:
    reported = ~np.isnan(w.t_report)
    resolved = w.status == RESOLVED
    abandoned_q = (w.status == ABANDONED) & ~w.lapsed
    on_time = resolved & ((w.t_resolve - w.t_report) <= w.deadline)
    discovered = np.isin(w.channel, (VISIT, PATROL))
    out["rates.resolution"] = _ratio(resolved.sum(), reported.sum())
    out["rates.on_time"] = _ratio(on_time.sum(), resolved.sum())
    out["rates.abandonment"] = _ratio(abandoned_q.sum(), reported.sum())
    out["rates.lapse"] = _ratio(w.lapsed.sum(), len(w.lapsed))
    out["rates.reported_or_discovered"] = _ratio(reported.sum(), len(w.lapsed))
    out["rates.discovered_share"] = _ratio(discovered.sum(), reported.sum())
    for ch in (IN_PERSON, HOTLINE, APP, VISIT, PATROL):
        out[f"channels.{CHANNEL_NAMES[ch]}"] = _ratio((w.channel == ch).sum(), reported.sum())
    self_reported = reported & ~discovered
    delay = (w.t_report - w.t_arise) * 24
    for flag, name in ((True, "digital"), (False, "non_digital")):
        _stats(f"reporting_delay_h.{name}", delay[self_reported & (w.digital == flag)], out)


def _satisfaction(model, w: CaseArrays, out: dict) -> None:
    sat = np.fromiter((r.satisfaction for r in model.residents), float, len(model.residents))
    elderly = model.resident_elderly
    out["satisfaction.latent_mean"] = float(sat.mean())
    for q in (10, 50, 90):
        out[f"satisfaction.latent_p{q}"] = float(np.percentile(sat, q))
    out["satisfaction.latent_mean_elderly"] = float(sat[elderly].mean()) if elderly.any() else math.nan
    out["satisfaction.latent_mean_other"] = float(sat[~elderly].mean()) if (~elderly).any() else math.nan
    out["satisfaction.elderly_gap"] = out["satisfaction.latent_mean_other"] - out["satisfaction.latent_mean_elderly"]
    rated = w.grade > 0
    g = w.grade[rated]
    out["ratings.n"] = float(len(g))
    out["ratings.satisfaction_rate"] = _ratio((g >= 3).sum(), len(g))
    out["ratings.bad_rate"] = _ratio((g <= 2).sum(), len(g))
    for i, name in enumerate(GRADE_NAMES):
        out[f"ratings.share.{name}"] = _ratio((g == i + 1).sum(), len(g))
    for flag, name in ((True, "elderly"), (False, "other")):
        gg = w.grade[rated & (w.elderly == flag)]
        out[f"ratings.satisfaction_rate_{name}"] = _ratio((gg >= 3).sum(), len(gg))
    out["ratings.elderly_gap"] = out["ratings.satisfaction_rate_other"] - out["ratings.satisfaction_rate_elderly"]
    resp = (w.t_accept - w.t_report) * 24
    out["equity.response_gap_elderly_h"] = float(np.nanmean(resp[w.elderly]) - np.nanmean(resp[~w.elderly])) \
        if np.isfinite(resp[w.elderly]).any() and np.isfinite(resp[~w.elderly]).any() else math.nan
    if model.surveys:
        last = model.surveys[-1]
        for key in ("satisfaction_rate", "se", "ci_low", "ci_high", "n"):
            out[f"survey.{key}"] = float(last[key])
        out["survey.count"] = float(len(model.surveys))
    else:
        for key in ("satisfaction_rate", "se", "ci_low", "ci_high", "n", "count"):
            out[f"survey.{key}"] = math.nan if key != "count" else 0.0


def _workforce(model, out: dict) -> None:
    v = model.spec.values
    days = max(model.time, 1e-9)
    cal = model.calendar
    workdays = days if cal.always_on else sum(cal.is_workday(d) for d in range(int(math.ceil(days))))
    shift_h = v["worker.shift_hours"]
    paper_h = v["burden.paperwork_hours_per_day"]
    ws = model.workers
    out["workers.count"] = float(len(ws))
    duty_h = workdays * (shift_h - paper_h) * len(ws)
    out["workers.utilisation"] = _ratio(sum(w.case_hours for w in ws), duty_h)
    out["workers.paperwork_share"] = paper_h / shift_h
    out["workers.proactive_share"] = _ratio(sum(w.proactive_hours for w in ws), workdays * shift_h * len(ws))
    out["workers.visits_per_worker_day"] = _ratio(sum(w.visits for w in ws), workdays * len(ws))
    ot = sum(w.overtime_hours for w in ws)
    out["workers.overtime_hours_per_worker_year"] = _ratio(ot * 365 / days, len(ws))
    committee = [s for c in model.committees for s in c.desk.servers]
    township = model.township.desk.servers
    for name, staff in (("committee", committee), ("township", township)):
        out[f"{name}.staff"] = float(len(staff))
        out[f"{name}.utilisation"] = _ratio(sum(s.case_hours for s in staff), workdays * shift_h * len(staff))
        out[f"{name}.overtime_hours_per_staff_year"] = _ratio(sum(s.overtime_hours for s in staff) * 365 / days,
                                                              len(staff))
    year = days / 365.0
    cost_w = len(ws) * v["worker.annual_cost_cny"]
    cost_c = len(committee) * v["committee.annual_cost_cny"]
    cost_t = len(township) * v["township.annual_cost_cny"]
    out["cost.overtime_cny"] = OVERTIME_PREMIUM / WORK_HOURS_PER_YEAR * (
        ot * v["worker.annual_cost_cny"]
        + sum(s.overtime_hours for s in committee) * v["committee.annual_cost_cny"]
        + sum(s.overtime_hours for s in township) * v["township.annual_cost_cny"])
    out["cost.staff_cny"] = (cost_w + cost_c + cost_t) * year + out["cost.overtime_cny"]
    out["cost.per_resident_year_cny"] = _ratio(out["cost.staff_cny"] / year, len(model.residents))
    out["cost.per_resolved_case_cny"] = _ratio(out["cost.staff_cny"], model.resolved)


def _littles_law(model, a: CaseArrays, out: dict) -> None:
    """L (time-average open cases, integrated event by event) against λW with W from the
    cases that completed: the steady-state form. The bookkeeping identity with censored
    sojourns is checked in the tests."""
    T = model.events.now
    L = model.open_area_at(T) / T if T > 0 else math.nan
    lam = model.created / T if T > 0 else math.nan
    end = np.fmin(a.t_resolve, a.t_abandon)  # NaN only where neither happened
    done = ~np.isnan(end)
    W = float((end[done] - a.t_arise[done]).mean()) if done.any() else math.nan
    out["littles_law.L"] = L
    out["littles_law.lambda_per_day"] = lam
    out["littles_law.W_days"] = W
    out["littles_law.relative_gap"] = abs(L - lam * W) / L if L else math.nan


@dataclass
class Outcomes:
    """What `sim.run` returns: the summary, the daily series, the per-case table, and timings."""

    summary: dict[str, float]
    timeseries: dict[str, np.ndarray]
    case_columns: tuple[str, ...]
    case_rows: list[tuple]
    wall_s: float
    surveys: list[dict] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    response_h: np.ndarray | None = None  # in-window response times, when run(response_times=True)
