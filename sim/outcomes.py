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

from . import community_outcomes, costs
from .cases import CHANNEL_NAMES, PATROL, SOLVED_UNKNOWN, STATUS_NAMES, VISIT
from .params import AGE_GROUPS, LEVELS, URGENCY
from .submodels.base import ratio

# The closed loop's daily columns; submodels append theirs (`Submodel.daily_columns`).
TIMESERIES_COLUMNS = (
    "day", "created", "reported", "resolved", "abandoned", "lapsed", "open", "backlog", "latent",
    "response_mean_h", "resolution_mean_h", "ratings", "satisfaction_rate", "latent_satisfaction",
    "survey_satisfaction_rate", "survey_se",
)

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
        self.texts = {n for s in self.contributors for n, kind in s.daily_columns if kind is str}  # e.g. the date
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
            ratio(self.resp_sum * 24, self.resp_n), ratio(self.res_sum * 24, self.res_n),
            self.ratings, ratio(self.good, self.ratings), m.latent_satisfaction_mean,
            s.get("satisfaction_rate", math.nan), s.get("se", math.nan),
            *(x for s in self.contributors for x in s.day_row()),
        ))
        self.survey = None
        self._reset()

    def columns(self) -> dict[str, np.ndarray]:
        data = np.array(self.rows, dtype=object).reshape(-1, len(self.names))
        return {name: data[:, i].astype(str if name in self.texts else int if name in self.counts else float)
                for i, name in enumerate(self.names)}


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
    # One pass through the loop per column group, so that a row's timestamps follow the loop's order:
    # t_accept .. t_verify are the original work order's (first acceptance, first closure, its
    # follow-up call); t_reopen .. t_last_verify the last reopened work order's (重办: the last
    # reopening, its closure and follow-up call), empty for a case never reopened.
    ("t_resolve", lambda m, c: c.t_first_close),
    ("t_verify", lambda m, c: c.t_first_call),
    ("t_reopen", lambda m, c: c.t_reopen),
    ("t_last_resolve", lambda m, c: c.t_resolve if c.reopened else math.nan),
    ("t_last_verify", lambda m, c: c.t_verify if c.reopened else math.nan),
    ("t_abandon", lambda m, c: c.t_abandon),
    ("resolved_level", lambda m, c: LEVELS[c.resolved_level] if c.resolved_level >= 0 else ""),
    ("grade", lambda m, c: c.grade),
    # solved (解决) as the follow-up call found it: 1 yes, 0 no, "" not yet called (or not closed)
    ("solved", lambda m, c: "" if c.solved == SOLVED_UNKNOWN or c.t_verify != c.t_verify else c.solved),
    ("reopened", lambda m, c: c.reopened),
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
    solved: np.ndarray       # cases.SOLVED / NOT_SOLVED / SOLVED_UNKNOWN, drawn at closure
    reopened: np.ndarray     # times reopened
    t_verify: np.ndarray     # the follow-up call of the last closure
    t_first_close: np.ndarray  # the first closure (t_resolve is the last)
    community: np.ndarray | None = None   # the community of the case's household (None: not needed)

    @classmethod
    def of(cls, model) -> "CaseArrays":
        """One pass over the cases that have arisen."""
        now = model.events.now
        rows = [(c.need, c.resident.elderly, c.resident.digital, c.level, c.urgency, c.resolved_level, c.channel,
                 c.status, c.lapsed, c.deadline, c.t_arise, c.t_report, c.t_accept, c.t_resolve, c.t_abandon,
                 c.grade, c.solved, c.reopened, c.t_verify, c.t_first_close, c.community)
                for c in model.cases if c.t_arise <= now]
        names = list(cls.__dataclass_fields__)
        data = np.array(rows, dtype=float).reshape(-1, len(names))
        kinds = (int, bool, bool, int, int, int, int, int, bool, float, float, float, float, float, float, int,
                 int, int, float, float, int)
        return cls(**{n: data[:, i].astype(k) for i, (n, k) in enumerate(zip(names, kinds))})


# -------------------------------------------------------------------- summary
def response_hours(model) -> np.ndarray:
    """Response times (report to acceptance, hours) of the cases in the summary window that were
    accepted, in case order: the distribution behind response_time_h.*."""
    a = CaseArrays.of(model)
    w = _window(a, a.t_arise >= model.spec.values["sim.warmup_days"])
    response = (w.t_accept - w.t_report) * 24
    return response[~np.isnan(response)]


# The summary's key order (summary.json and the regression baseline keep it): exact keys, or
# prefixes ending in "."; each key goes to the first entry it matches. None stands for every key
# no entry matches, in the order contributed: the submodels' own (emergency.*, volunteers.*, ...).
SUMMARY_ORDER = (
    "cases.created", "cases.resolved", "cases.reopened", "cases.abandoned", "cases.lapsed", "cases.petitioned",
    "cases.open",
    "cases.reported",
    "cases.discovered_by_visit", "cases.discovered_by_patrol", "cases.in_window",
    "volume.requests_per_resident_year",
    "response_time_h.", "resolution_time_h.",
    "rates.closed", "rates.solved", "rates.solved_among_called", "rates.reopened", "rates.resolution",
    "rates.on_time", "rates.on_time.", "rates.on_time_among_resolved", "rates.abandonment",
    "rates.lapse", "rates.reported_or_discovered",
    "rates.discovered_share", "channels.", "reporting_delay_h.",
    "satisfaction.", "ratings.", "equity.", "survey.",
    "workers.", "committee.", "township.", "workload.", "cost.", "littles_law.", "backlog.",
    "by_type.",
    None,
    "routine.", "events.", "population.", "territory.",
)


def summary(model, communities: list | None = None) -> dict[str, float]:
    """The flat summary: dotted metric name -> number (NaN where undefined).

    Each submodel reports the keys of its process: `case_summary(w)` over the cases that arose
    in the window (from `sim.warmup_days`), `summary()` from its own state. The cross-cutting keys
    are computed here: the case books, latent satisfaction and the equity gap, workforce and cost,
    Little's law, the backlog, the routine backlog around an emergency, and the model's size; the
    outcomes by community type (`by_type.*`, sim/community_outcomes.py). A list given as `communities`
    receives the per-community table's rows (community_outcomes.COMMUNITY_COLUMNS)."""
    a = CaseArrays.of(model)
    warm = a.t_arise >= model.spec.values["sim.warmup_days"]
    w = _window(a, warm)
    ts = model.recorder.columns()
    subs = model.submodels.values()
    central: dict[str, float] = {}
    counted = model.residents_at_home(int(model.spec.values["sim.warmup_days"]))   # once: a loop over days
    _case_books(model, warm, central)
    _volume(model, a, warm, central)
    _satisfaction(model, w, counted, central)
    _workforce(model, central)
    _littles_law(model, a, central)
    _backlog(model, ts, central)
    _routine_under_emergency(model, ts, central)
    _scale(model, central)
    people = community_outcomes.resident_arrays(model, counted)
    central.update(community_outcomes.by_type(model, w, people))
    if communities is not None:
        communities.extend(community_outcomes.community_rows(model, w, people))
    return _in_order([central, *(s.case_summary(w) for s in subs), *(s.summary() for s in subs)])


def _in_order(parts: list[dict[str, float]]) -> dict[str, float]:
    """The contributions merged (a key given twice is an error) and ordered by SUMMARY_ORDER."""
    merged: dict[str, float] = {}
    for part in parts:
        for key, value in part.items():
            if key in merged:
                raise ValueError(f"summary key {key!r} is reported twice")
            merged[key] = value
    groups: dict[str | None, list[str]] = {entry: [] for entry in SUMMARY_ORDER}
    for key in merged:
        entry = next((e for e in SUMMARY_ORDER if e is not None and (key == e or e.endswith(".")
                                                                      and key.startswith(e))), None)
        groups[entry].append(key)
    return {key: merged[key] for entry in SUMMARY_ORDER for key in groups[entry]}


def _case_books(model, warm: np.ndarray, out: dict) -> None:
    out["cases.created"] = float(model.created)
    out["cases.resolved"] = float(model.resolved)
    out["cases.abandoned"] = float(model.abandoned)
    out["cases.lapsed"] = float(model.lapsed)
    out["cases.open"] = float(model.open_cases)
    out["cases.reported"] = float(model.reported)
    out["cases.in_window"] = float(warm.sum())


def _volume(model, a: "CaseArrays", warm: np.ndarray, out: dict) -> None:
    """Requests residents reported in the window, per resident and year: the analogue of a hotline's
    annual volume over the population (a hotline also counts enquiries, which the model has not)."""
    days = model.spec.values["sim.days"] - model.spec.values["sim.warmup_days"]
    by_residents = warm & ~np.isnan(a.t_report) & ~np.isin(a.channel, (VISIT, PATROL))
    residents = len(model.residents)
    out["volume.requests_per_resident_year"] = (float(by_residents.sum()) / residents * 365.0 / days
                                                if residents and days > 0 else math.nan)


def _backlog(model, ts: dict, out: dict) -> None:
    backlog = ts["backlog"][ts["day"] >= model.spec.values["sim.warmup_days"]]
    out["backlog.mean"] = float(backlog.mean()) if len(backlog) else math.nan
    out["backlog.max"] = float(backlog.max()) if len(backlog) else math.nan
    out["backlog.end"] = float(ts["backlog"][-1]) if len(ts["backlog"]) else math.nan


def _scale(model, out: dict) -> None:
    out["events.processed"] = float(model.events.processed)
    out["population.residents"] = float(len(model.residents))
    out["population.households"] = float(model.territory.n_households)
    regrid = model.submodels.get("regrid")   # grids merged during the run are retired (ODD 7.39)
    out["territory.grids"] = float(regrid.grids_in_use() if regrid is not None else model.territory.n_grids)
    out["territory.communities"] = float(model.territory.n_communities)


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


def _satisfaction(model, w: CaseArrays, counted: np.ndarray, out: dict) -> None:
    """Latent satisfaction over the residents `counted` (at home some day of the window), the equity gap."""
    sat = np.fromiter((r.satisfaction for r in model.residents), float, len(model.residents))[counted]
    elderly = model.resident_elderly[counted]
    out["satisfaction.latent_mean"] = float(sat.mean())
    for q in (10, 50, 90):
        out[f"satisfaction.latent_p{q}"] = float(np.percentile(sat, q))
    out["satisfaction.latent_mean_elderly"] = float(sat[elderly].mean()) if elderly.any() else math.nan
    out["satisfaction.latent_mean_other"] = float(sat[~elderly].mean()) if (~elderly).any() else math.nan
    out["satisfaction.elderly_gap"] = out["satisfaction.latent_mean_other"] - out["satisfaction.latent_mean_elderly"]
    resp = (w.t_accept - w.t_report) * 24
    out["equity.response_gap_elderly_h"] = float(np.nanmean(resp[w.elderly]) - np.nanmean(resp[~w.elderly])) \
        if np.isfinite(resp[w.elderly]).any() and np.isfinite(resp[~w.elderly]).any() else math.nan


def _grid_workers(model, workdays: float, days: float, out: dict) -> None:
    """The grid workers' counts (those employed at the end: a merge frees some, ODD 7.39) and rates (over
    every worker the run has had, each for the share of the run it was employed)."""
    v = model.spec.values
    ws = model.workers
    regrid = model.submodels.get("regrid")
    employed = regrid.workers_in_service() if regrid is not None else ws
    share = regrid.employed_shares() if regrid is not None else [1.0] * len(ws)
    out["workers.count"] = float(len(employed))
    out["workers.part_time"] = float(sum(w.part_time for w in employed))
    staffed = sum(share)   # whole-run equivalents
    full_time = sum(s for w, s in zip(ws, share) if not w.part_time)
    duty_h = workdays * sum(w.day_hours * s for w, s in zip(ws, share))   # on grid duty, after the paperwork
    out["workers.utilisation"] = ratio(sum(w.case_hours for w in ws), duty_h)
    out["workers.paperwork_share"] = (v["burden.paperwork_hours_per_day"] / v["worker.shift_hours"]
                                      if full_time else 0.0)   # part-timers file none
    out["workers.proactive_share"] = ratio(sum(w.proactive_hours for w in ws),
                                           duty_h + workdays * v["burden.paperwork_hours_per_day"] * full_time)
    out["workers.visits_per_worker_day"] = ratio(sum(w.visits for w in ws), workdays * staffed)
    ot = sum(w.overtime_hours for w in ws)
    out["workers.overtime_hours_per_worker_year"] = ratio(ot * 365 / days, staffed)


def _workforce(model, out: dict) -> None:
    v = model.spec.values
    days = max(model.time, 1e-9)
    cal = model.calendar
    workdays = days if cal.always_on else sum(cal.is_workday(d) for d in range(int(math.ceil(days))))
    shift_h = v["worker.shift_hours"]
    _grid_workers(model, workdays, days, out)
    committee = [s for c in model.committees for s in c.desk.servers]
    township = model.township.desk.servers
    county = [s for dept in model.county for s in dept.desk.servers]
    for name, staff in (("committee", committee), ("township", township), ("county", county)):
        out[f"{name}.staff"] = float(len(staff))
        out[f"{name}.utilisation"] = ratio(sum(s.case_hours for s in staff), workdays * shift_h * len(staff))
        out[f"{name}.overtime_hours_per_staff_year"] = ratio(sum(s.overtime_hours for s in staff) * 365 / days,
                                                              len(staff))
    out.update(costs.costs(model))


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
    community_columns: tuple[str, ...] = community_outcomes.COMMUNITY_COLUMNS
    community_rows: list[tuple] = field(default_factory=list)   # one per community (communities.csv)
