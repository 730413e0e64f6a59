"""Synthetic ticket logs with known rates, for tests, fixtures and the benchmark of
`govsim district tickets`: the estimator must recover what made them.

Tickets of each category arrive as a Poisson process with a known rate per resident-year, evenly
over the days (no weekly or seasonal shape) and over the hours by the given weights; each is closed
after a lognormal time. Seeded numpy generator of its own: nothing here touches the model's streams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The columns each schema names its roles, and its time format.
SCHEMAS = {
    "12345": {"created": "受理时间", "closed": "办结时间", "category": "诉求类别", "channel": "来源渠道",
              "lat": "纬度", "lon": "经度", "format": "%Y-%m-%d %H:%M:%S"},
    "nyc311": {"created": "Created Date", "closed": "Closed Date", "category": "Complaint Type",
               "channel": "Open Data Channel Type", "lat": "Latitude", "lon": "Longitude",
               "format": "%m/%d/%Y %I:%M:%S %p"},
}
CHANNELS = {"12345": ("电话", "网络", "微信"), "nyc311": ("PHONE", "ONLINE", "MOBILE")}


def synthetic_log(rates: dict[str, float], residents: float, start: str, days: int, seed: int = 0,
                  schema: str = "12345", hourly=None, resolution=(3.0, 1.0)) -> pd.DataFrame:
    """A log in `schema`: `rates` maps category -> tickets per resident-year; `hourly` 24 weights
    (default flat); `resolution` the (mu, sigma) of log hours to closure."""
    rng = np.random.default_rng(seed)
    cats = list(rates)
    counts = rng.poisson([rates[c] * residents * days / 365.0 for c in cats])
    category = np.repeat(np.array(cats, dtype=object), counts)
    n = len(category)
    w = np.ones(24) if hourly is None else np.asarray(hourly, dtype=float)
    hour = rng.choice(24, size=n, p=w / w.sum())
    seconds = rng.integers(0, days, size=n) * 86400 + hour * 3600 + rng.integers(0, 3600, size=n)
    created = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    closed = created + pd.to_timedelta(np.round(rng.lognormal(*resolution, size=n) * 3600), unit="s")
    order = np.argsort(seconds, kind="stable")
    s = SCHEMAS[schema]
    frame = pd.DataFrame({
        s["created"]: created[order], s["closed"]: closed[order], s["category"]: category[order],
        s["channel"]: rng.choice(np.array(CHANNELS[schema], dtype=object), size=n, p=(0.6, 0.3, 0.1)),
        s["lat"]: np.round(45.75 + rng.normal(0, 0.02, n), 5), s["lon"]: np.round(126.63 + rng.normal(0, 0.02, n), 5),
    })
    for key in ("created", "closed"):
        frame[s[key]] = frame[s[key]].dt.strftime(s["format"])
    return frame
