"""Estimates from a ticket log, per need type: rate, hour-of-day profile, rest-day factor, monthly
factors, channel shares and resolution times (`govsim district tickets`).

Rates are tickets per resident-year over the log's period (first to last day with a ticket, whole
days). The hour-of-day profile is each hour's share of the tickets (one added to each hour), as 24
weights of mean 1. The
rest-day factor is tickets per rest day over tickets per working day, with the model's calendar
(sim.dates: weekends, public holidays and 调休 working days). Monthly factors are each calendar
month's tickets per day over the period's; a month the log does not cover gets 1 (and is listed).
Resolution time is closed minus created, in hours, over closed tickets; the lognormal is fitted by
the mean and standard deviation of log hours (tickets closed at once, 0 h, are counted apart).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..dates import year_workdays
from ..scenario import TomlError, read_toml
from .tickets_read import TicketError

DIGITS = 6   # estimates are written to 6 significant digits: the same log gives the same bytes on every machine


def load_mapping(path: str | Path | None, need_names: list[str]) -> dict[str, str]:
    """category -> need type, from a TOML file (`"供暖" = "heating"`, at the top or under
    [categories]) or a CSV file (two columns: category, need). Without a file, a category that is
    the name of a need type maps to it."""
    if path is None:
        return {n: n for n in need_names}
    path = Path(path)
    pairs = _mapping_pairs(path)
    for category, need in pairs.items():
        if need not in need_names:
            raise TicketError(f"{path}: category {category!r} -> {need!r}: not a need type of the catalogue; "
                              "allowed: " + ", ".join(need_names))
    return pairs


def _mapping_pairs(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise TicketError(f"--mapping {str(path)!r}: no such file (a TOML or CSV file: category -> need type)")
    if path.suffix.lower() == ".toml":
        try:
            data = read_toml(path)
        except TomlError as exc:
            raise TicketError(f"{path}: {exc}") from None
        table = data.get("categories", data)
        bad = next(((k, v) for k, v in table.items() if not isinstance(v, str)), None)
        if bad:
            raise TicketError(f"{path}: key {bad[0]!r} = {bad[1]!r}: a need type's name (a string)")
        return {str(k).strip(): v.strip() for k, v in table.items()}
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TicketError(f"{path}: cannot be read as a UTF-8 CSV mapping ({exc})") from None
    if frame.shape[1] != 2:
        raise TicketError(f"{path}: {frame.shape[1]} columns; a mapping CSV has two: category, need")
    return {c.strip(): n.strip() for c, n in frame.itertuples(index=False)}


def period(created: pd.Series) -> tuple[dt.date, dt.date]:
    """The log's period: the first and last day with a ticket."""
    return created.min().date(), created.max().date()


def day_table(start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per day of the period: its working-day flag (the model's calendar) and month."""
    days = pd.date_range(start, end, freq="D")
    work = np.concatenate([year_workdays(y)[0] for y in range(start.year, end.year + 1)])
    offset = (start - dt.date(start.year, 1, 1)).days
    return pd.DataFrame({"workday": work[offset:offset + len(days)], "month": days.month}, index=days)


def estimate(tickets: pd.DataFrame, residents: float) -> dict:
    """Per need type (tickets' column `need`) the estimates, with the period they cover."""
    start, end = period(tickets["created"])
    days = day_table(start, end)
    years = len(days) / 365.25
    out = {"period": {"start": start.isoformat(), "end": end.isoformat(), "days": len(days)},
           "residents": residents, "needs": {}}
    for need, group in tickets.groupby("need", sort=True):
        out["needs"][need] = _need_estimates(group, days, residents, years)
    out["months_not_in_log"] = [m for m in range(1, 13) if m not in set(days["month"])]
    return out


def _need_estimates(group: pd.DataFrame, days: pd.DataFrame, residents: float, years: float) -> dict:
    created = group["created"]
    return {
        "tickets": len(group),
        "rate": _round(len(group) / residents / years),
        "hourly": _hourly(created),
        "rest_day_factor": _rest_day_factor(created, days),
        "monthly": _monthly(created, days),
        "channels": _shares(group["channel"]),
        "resolution": resolution(group),
    }


def _round(x: float) -> float:
    return float(f"{x:.{DIGITS}g}") if math.isfinite(x) else x


def _hourly(created: pd.Series) -> list[float]:
    """Each hour's tickets plus one (a uniform prior: an hour without a ticket in a small log is
    rare, not impossible), as 24 weights of mean 1."""
    counts = np.bincount(created.dt.hour.to_numpy(), minlength=24) + 1.0
    return [_round(x) for x in counts / counts.mean()]


def _rest_day_factor(created: pd.Series, days: pd.DataFrame) -> float:
    """Tickets per rest day over tickets per working day (1 when the period has only one kind)."""
    on = days["workday"].reindex(created.dt.normalize()).to_numpy(dtype=bool)
    n_work, n_rest = int(days["workday"].sum()), int((~days["workday"]).sum())
    if not n_work or not n_rest or not on.sum():
        return 1.0
    return _round(min((~on).sum() / n_rest / (on.sum() / n_work), 10.0))


def _monthly(created: pd.Series, days: pd.DataFrame) -> list[float]:
    """Each month's tickets per day over the period's; 1 for a month outside the period."""
    per_day = len(created) / len(days)
    count = created.dt.month.value_counts()
    span = days["month"].value_counts()
    return [_round(min(count.get(m, 0) / span[m] / per_day, 100.0)) if m in span else 1.0 for m in range(1, 13)]


def _shares(values: pd.Series) -> dict[str, float]:
    counts = values.value_counts()
    return {str(k): _round(v / len(values)) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def resolution(group: pd.DataFrame) -> dict:
    """Resolution time in hours of the closed tickets: quantiles and a lognormal fitted to log hours."""
    hours = ((group["closed"] - group["created"]).dt.total_seconds() / 3600.0).dropna().to_numpy()
    return resolution_of(hours, still_open=int(group["closed"].isna().sum()))


def resolution_of(hours: np.ndarray, still_open: int = 0) -> dict:
    out = {"closed": int(len(hours)), "open": still_open, "closed_at_once": int((hours <= 0).sum())}
    if len(hours):
        out["median_h"] = _round(float(np.median(hours)))
        out["p90_h"] = _round(float(np.quantile(hours, 0.9)))
    positive = np.log(hours[hours > 0])
    if len(positive) >= 2:
        out["lognormal_mu"] = _round(float(positive.mean()))
        out["lognormal_sigma"] = _round(float(positive.std(ddof=1)))
    return out
