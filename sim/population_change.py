"""Households that change during a run (ODD 7.39): `[[territory.changes]]` entries of a scenario.

Three kinds of change, each placed in an area (a community, a box or a point with a radius, in km):

- `estate`: a new estate fills; `households` new households move in one by one, evenly spread over
  `duration_days` from `day`. They are placed at the start (own stream, `placement`), so the
  territory's arrays keep one size, and are absent until they move in.
- `demolition`: an old block is cleared; `households` households of the area (those nearest a
  point drawn in it) leave over `duration_days` from `day`. Their open cases are kept to their end
  (a demolished household's case is still served, verified and rated): no case is lost.
- `migrants`: from `day` on, a `share` of the area's households is away most of the year and home
  around the Spring Festival (春节), from population.migrant_days_before days before it to
  population.migrant_days_after days after.

A household that is absent makes no needs and is not visited. A household joins the grid whose
area contains it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

CHANGES_KEY = "territory.changes"
KINDS = ("estate", "demolition", "migrants")
CHANGE_FIELDS = ("kind", "day", "duration_days", "households", "share", "community", "box", "point", "radius_km")
NEVER = np.iinfo(np.int64).max // 4   # a day that never comes


@dataclass(frozen=True)
class ChangeDef:
    """One [[territory.changes]] entry, validated."""

    kind: str
    day: int = 0
    duration_days: int = 0
    households: int = 0
    share: float = 0.0
    community: int | None = None
    box: tuple[float, float, float, float] | None = None
    point: tuple[float, float] | None = None
    radius_km: float = 0.3

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in CHANGE_FIELDS if getattr(self, k) is not None}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


# ------------------------------------------------------------------------------------ validation
def check_changes(file, table: Any, values: Mapping[str, Any]) -> tuple[ChangeDef, ...]:
    """The scenario's [[territory.changes]] as `ChangeDef`s; `ScenarioError` for a bad entry."""
    from .scenario import ScenarioError
    from .territory import community_count, footprint_of

    if not isinstance(table, list) or not all(isinstance(e, dict) for e in table):
        raise ScenarioError(file, "territory.changes", table, "a list of tables [[territory.changes]]")
    if table and values["territory.district_file"]:
        _need_shapely(file, "territory.changes", "(with territory.district_file)", "households changing inside "
                      "an imported district's polygons")
    width, height = footprint_of(values) if table else (0.0, 0.0)
    n_comm = community_count(values) if table else 0
    changes = tuple(_check_change(file, f"territory.changes[{i}]", e, values, width, height, n_comm)
                    for i, e in enumerate(table))
    if changes and values["territory.district_file"]:
        _check_in_district(file, changes, values)
    return changes


def _need_shapely(file, key: str, value, what: str) -> None:
    """Polygons are cut and tested with shapely (the gis extra): without it, a clear refusal."""
    from .district.geo_regrid import GIS_MISSING, have_shapely
    from .scenario import ScenarioError

    if not have_shapely():
        raise ScenarioError(file, key, value, f"{what} needs shapely; {GIS_MISSING}")


def _check_in_district(file, changes: tuple[ChangeDef, ...], values) -> None:
    """On an imported district a box or a point's disc must overlap a community polygon: the district's
    frame (km, from 0) is its bounding box, which holds land outside every community."""
    from .district.geo_regrid import area_in_district
    from .scenario import ScenarioError
    from .territory import district_of

    d = district_of(values)
    for i, c in enumerate(changes):
        if c.box is not None and not area_in_district(d, box=c.box):
            raise ScenarioError(file, f"territory.changes[{i}].box", list(c.box),
                                "a box overlapping a community of the imported district (km in its frame)")
        if c.point is not None and not area_in_district(d, point=c.point, radius_km=c.radius_km):
            raise ScenarioError(file, f"territory.changes[{i}].point", list(c.point),
                                "a point whose radius_km reaches a community of the imported district")


def check_regrid(file, values: Mapping[str, Any]) -> None:
    """Re-partitioning bisects rectangles, or an imported district's polygons (with shapely)."""
    from .scenario import ScenarioError

    if values["grids.review_interval_days"] and values["territory.district_file"]:
        _need_shapely(file, "grids.review_interval_days", values["grids.review_interval_days"],
                      "splitting and merging an imported district's grid polygons")
    if values["grids.review_interval_days"] and values["grids.merge_below"] >= values["grids.split_above"] / 2:
        raise ScenarioError(file, "grids.merge_below", values["grids.merge_below"],
                            f"less than half of grids.split_above ({values['grids.split_above']}): the halves of "
                            "a grid just split would merge again at once")


def _check_change(file, where: str, entry: dict, values, width: float, height: float, n_comm: int) -> ChangeDef:
    from .scenario import ScenarioError

    def bad(key: str, allowed: str):
        return ScenarioError(file, f"{where}.{key}", entry.get(key), allowed)

    for key in entry:
        if key not in CHANGE_FIELDS:
            raise bad(key, "unknown field; allowed: " + ", ".join(CHANGE_FIELDS))
    kind = entry.get("kind")
    if kind not in KINDS:
        raise bad("kind", "one of " + ", ".join(f"'{k}'" for k in KINDS))
    # A change after the run's end never happens (runs are often shortened with --days): not an error.
    day = _int(entry.get("day", 0), 0, 36_500, bad("day", "a whole day from 0 to 36500"))
    duration = _int(entry.get("duration_days", 0), 0, 36_500, bad("duration_days", "a whole number of days from 0 to 36500"))
    households = share = 0
    if kind == "migrants":
        share = _number(entry.get("share"), 0.0, 1.0, bad("share", "a share from 0 to 1 (required for migrants)"))
    else:
        households = _int(entry.get("households"), 1, 1_000_000, bad("households", "a whole number of households "
                                                                     "from 1 to 1000000 (required)"))
    places = [k for k in ("community", "box", "point") if k in entry]
    if len(places) > 1 or (not places and kind != "migrants"):
        raise ScenarioError(file, where, sorted(entry), "exactly one of community, box or point (the area; "
                                                       "migrants may name none: the whole territory)")
    community = box = point = None
    if "community" in entry:
        community = _int(entry["community"], 0, n_comm - 1, bad("community", f"a community index from 0 to {n_comm - 1}"))
    if "box" in entry:
        box = _box(entry["box"], width, height, bad("box", f"[xmin, ymin, xmax, ymax] in km inside the "
                                                           f"territory (0-{width:.3g} × 0-{height:.3g}), min < max"))
    if "point" in entry:
        point = _point(entry["point"], width, height, bad("point", f"[x, y] in km inside the territory "
                                                                   f"(0-{width:.3g} × 0-{height:.3g})"))
    radius = _number(entry.get("radius_km", 0.3), 1e-3, 100.0, bad("radius_km", "a radius in km from 0.001 to 100"))
    return ChangeDef(kind, day, duration, households, share, community, box, point, radius)


def _int(value, low: int, high: int, error) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or float(value) != int(value) or not low <= value <= high:
        raise error
    return int(value)


def _number(value, low: float, high: float, error) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise error
    return float(value)


def _point(value, width: float, height: float, error) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise error
    x, y = (_number(v, 0.0, size, error) for v, size in zip(value, (width, height)))
    return x, y


def _box(value, width: float, height: float, error) -> tuple[float, float, float, float]:
    if not isinstance(value, list) or len(value) != 4:
        raise error
    x0, y0, x1, y1 = (_number(v, 0.0, size, error) for v, size in zip(value, (width, height, width, height)))
    if not (x0 < x1 and y0 < y1):
        raise error
    return x0, y0, x1, y1


# ------------------------------------------------------------------------------------ the calendar
@lru_cache(maxsize=None)
def spring_festival(year: int) -> dt.date:
    """The first day of the Spring Festival (春节, lunar new year) of `year`."""
    import holidays

    days = holidays.China(years=year, language="en_US")
    return min(d for d, name in days.items() if "Spring Festival" in name)


def home_days(dates, days: int, before: int, after: int) -> np.ndarray:
    """Per run day 0..days: whether it falls within a Spring Festival's window (migrants at home)."""
    first, last = dates.date(0), dates.date(days)
    home = np.zeros(days + 1, dtype=bool)
    for year in range(first.year - 1, last.year + 2):
        sf = (spring_festival(year) - first).days
        home[max(0, sf - before):max(0, min(days + 1, sf + after + 1))] = True
    return home


# ------------------------------------------------------------------------------------ who is where
@dataclass
class HouseholdSchedule:
    """Per household: the day it moves in (0: present from the start), the day it leaves (NEVER: it
    stays), and from which day it is a migrant (NEVER: it is not); `home` says, per day, whether
    migrants are home. `added` and `removed` count the households that change."""

    join: np.ndarray
    leave: np.ndarray
    migrant_from: np.ndarray
    home: np.ndarray
    added: int = 0
    removed: int = 0

    def present(self, day: int) -> np.ndarray:
        at_home = bool(self.home[min(day, len(self.home) - 1)])
        away = (self.migrant_from <= day) & (not at_home)
        return (self.join <= day) & (day < self.leave) & ~away


def area_mask(territory, change: ChangeDef, xy: np.ndarray) -> np.ndarray:
    """Which of the positions `xy` lie in the change's area (all of them when it names none)."""
    if territory.community_rings is not None and (change.community is not None or change.box is not None):
        from .district.geo_regrid import area_mask as polygon_mask   # inside the polygons, not their boxes

        return polygon_mask(territory, change, xy)
    if change.community is not None:
        x0, y0, x1, y1 = territory.community_bounds[change.community]
    elif change.box is not None:
        x0, y0, x1, y1 = change.box
    elif change.point is not None:
        return np.hypot(xy[:, 0] - change.point[0], xy[:, 1] - change.point[1]) <= change.radius_km
    else:
        return np.ones(len(xy), dtype=bool)
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


def estate_positions(rng: np.random.Generator, territory, change: ChangeDef, radius: float) -> np.ndarray:
    """Positions (km) of a new estate's households: around a centre drawn in a community, inside a box,
    or within a point's radius; always inside the territory."""
    if territory.community_rings is not None:   # an imported district: inside its polygons
        from .district.geo_regrid import estate_positions as in_polygons

        return in_polygons(rng, territory, change, radius)
    n = change.households
    if change.box is not None:
        x0, y0, x1, y1 = change.box
        return rng.uniform((x0, y0), (x1, y1), size=(n, 2))
    if change.point is not None:
        angle, r = rng.uniform(0, 2 * np.pi, n), change.radius_km * np.sqrt(rng.random(n))
        xy = np.asarray(change.point) + np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        bounds = np.array([0.0, 0.0, territory.width, territory.height])
    else:
        bounds = territory.community_bounds[change.community]
        lo, hi = bounds[:2], bounds[2:]
        centre = rng.uniform(lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo))
        xy = centre + rng.normal(0.0, radius / 2.0, size=(n, 2))
    eps = 1e-6 * max(territory.width, territory.height)
    return np.clip(xy, bounds[:2] + eps, bounds[2:] - eps)


def spread_days(change: ChangeDef, n: int) -> np.ndarray:
    """The days on which the n households of a gradual change move (in order), evenly over its duration."""
    return change.day + (np.arange(n) * change.duration_days) // max(1, n)


# ------------------------------------------------------------------------------------ at build time
def plan_changes(model, v) -> HouseholdSchedule:
    """Place the new estates' households and their residents (stream `placement`), choose who leaves and
    who migrates, and return the schedule of who is present when."""
    from .territory import add_households

    t, rng, changes = model.territory, model.streams.placement, model.spec.changes
    days = int(v["sim.days"])
    n0 = t.n_households
    join_parts = [np.zeros(n0, dtype=np.int64)]
    for c in (c for c in changes if c.kind == "estate"):
        new = add_households(t, estate_positions(rng, t, c, v["territory.estate_radius_km"]))
        _add_residents(model, rng, new, v)
        join_parts.append(spread_days(c, len(new)))
    join = np.concatenate(join_parts)
    leave = np.full(t.n_households, NEVER, dtype=np.int64)
    migrant_from = np.full(t.n_households, NEVER, dtype=np.int64)
    removed = 0
    for c in changes:
        if c.kind == "demolition":
            removed += _demolish(rng, t, c, join, leave)
        elif c.kind == "migrants":
            _migrate(rng, t, c, migrant_from)
    home = home_days(model.calendar.dates, days + 1, v["population.migrant_days_before"],
                     v["population.migrant_days_after"])
    return HouseholdSchedule(join, leave, migrant_from, home, t.n_households - n0, removed)


def _demolish(rng, t, c: ChangeDef, join: np.ndarray, leave: np.ndarray) -> int:
    """The block cleared: the households of the area nearest a household drawn in it leave, nearest first."""
    standing = np.flatnonzero(area_mask(t, c, t.hh_xy) & (join <= c.day) & (leave == NEVER))
    if not len(standing):
        return 0
    centre = t.hh_xy[standing[int(rng.integers(len(standing)))]]
    d = np.hypot(*(t.hh_xy[standing] - centre).T)
    chosen = standing[np.argsort(d, kind="stable")[:c.households]]
    leave[chosen] = spread_days(c, len(chosen))
    return len(chosen)


def _migrate(rng, t, c: ChangeDef, migrant_from: np.ndarray) -> None:
    """A share of the area's households are migrants from the change's day on."""
    chosen = area_mask(t, c, t.hh_xy) & (rng.random(t.n_households) < c.share)
    migrant_from[chosen] = np.minimum(migrant_from[chosen], c.day)


def _add_residents(model, rng, households: np.ndarray, v) -> None:
    """Residents of new households: the household size on average, then drawn as the population is at
    set-up (`GovernanceModel.add_residents`: ages, digital access and trust from the type of the
    community the estate is in, latent satisfaction), from stream `placement`."""
    size = v["territory.household_size"]
    counts = np.floor(size).astype(int) + (rng.random(len(households)) < size - np.floor(size))
    model.add_residents(rng, np.repeat(households, np.maximum(1, counts)))
