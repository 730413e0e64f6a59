"""Grids that adjust and households that change on an imported district's polygons (ODD 7.39).

A synthetic territory's grids are rectangles, split by bisection and merged as lists of rectangles
(sim/territory.py `split_tiles`). An imported district's grids are polygons (km, the district file's
projected frame): here a grid splits by the same rule, a straight cut across the longer side of its
bounding box at the median of its present households, the polygon clipped on either side of the cut;
two grids merge into the union of their polygons; two grids are adjacent when their outlines share a
boundary of positive length (within `ADJACENCY_TOLERANCE_KM`, as at import). New households are
placed inside the community polygons, not just their bounding boxes.

Needs shapely (the `gis` extra); the scenario loader refuses changes and reviews on an imported
district without it (one line, exit 2).
"""

from __future__ import annotations

import importlib.util
from functools import reduce

import numpy as np

from .geo_place import ADJACENCY_TOLERANCE_KM, rings, sample_inside

GIS_MISSING = 'shapely is not installed: install the gis extra (pip install -e ".[gis]")'


def have_shapely() -> bool:
    return importlib.util.find_spec("shapely") is not None


def polygon_of(owner_rings: list[np.ndarray]):
    """An owner's outline from its closed rings: exteriors, holes and parts are not labelled in the
    district file, so the rings combine by the even-odd rule (a hole inside an exterior cuts it out)."""
    import shapely

    shapes = [shapely.make_valid(shapely.Polygon(r)) for r in owner_rings if len(r) >= 4]
    if not shapes:
        return shapely.Polygon()
    return _polygonal(reduce(lambda a, b: a.symmetric_difference(b), shapes))


def _polygonal(geom):
    """Only the areas of a geometry (a clip can leave lines or points where it grazes a vertex)."""
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def cut_polygon(poly, xy: np.ndarray, members: np.ndarray, counted: np.ndarray):
    """Split a grid polygon holding households `members` by the rectangle rule (sim/territory.py
    `split_tiles`): across the longer side of its bounding box at the median of the households `counted`
    (those present). Returns (low members, high members, low polygon, high polygon), or None when no
    cut separates the households or a side would hold no area."""
    import shapely

    from ..territory import median_cut   # here: sim.territory imports this package

    x0, y0, x1, y1 = poly.bounds
    line = median_cut(xy, counted, (x0, y0), (x1, y1))
    if line is None:
        return None
    axis, cut = line
    pad = 1.0 + max(x1 - x0, y1 - y0)
    lo_box = [x0 - pad, y0 - pad, x1 + pad, y1 + pad]
    hi_box = list(lo_box)
    lo_box[2 + axis], hi_box[axis] = cut, cut
    low_poly = _polygonal(poly.intersection(shapely.box(*lo_box)))
    high_poly = _polygonal(poly.intersection(shapely.box(*hi_box)))
    if low_poly.is_empty or high_poly.is_empty:
        return None
    low = xy[members, axis] <= cut
    return members[low], members[~low], low_poly, high_poly


def touch(a, b, tol: float = ADJACENCY_TOLERANCE_KM) -> bool:
    """Whether two outlines share a boundary of positive length (not just a corner), within `tol` km."""
    return a.distance(b) <= tol and a.boundary.intersection(b.buffer(tol)).length > 2 * tol


def bounds_of(poly) -> np.ndarray:
    """A polygon's bounding box as one 'tile' row (xmin, ymin, xmax, ymax) for the review's tile lists."""
    return np.array([poly.bounds], dtype=float)


class PolygonGrids:
    """The grid polygons of an imported district during a run: the review splits and merges them, and
    the territory's rings (what the map draws) follow. A retired grid (merged away) has no rings."""

    def __init__(self, territory) -> None:
        self.t = territory
        self.shapes = [polygon_of(rs) for rs in territory.grid_rings]

    def split(self, g: int, members: np.ndarray, counted: np.ndarray):
        """Cut grid g; the high side becomes grid len(shapes). Returns what `split_tiles` returns (the
        halves' bounding boxes as their tiles), or None when no cut separates the households."""
        cut = cut_polygon(self.shapes[g], self.t.hh_xy, members, counted)
        if cut is None:
            return None
        low, high, low_poly, high_poly = cut
        self.shapes[g] = low_poly
        self.shapes.append(high_poly)
        self.t.grid_rings[g] = rings(low_poly)
        self.t.grid_rings.append(rings(high_poly))
        return low, high, bounds_of(low_poly), bounds_of(high_poly)

    def touch(self, g: int, h: int) -> bool:
        return touch(self.shapes[g], self.shapes[h])

    def merge(self, g: int, h: int) -> None:
        """Grid g joins grid h: h's outline becomes the union of both."""
        import shapely

        self.shapes[h] = _polygonal(shapely.union_all([self.shapes[h], self.shapes[g]]))
        self.shapes[g] = shapely.Polygon()
        self.t.grid_rings[h] = rings(self.shapes[h])
        self.t.grid_rings[g] = []


# ------------------------------------------------------------------------------ households in polygons
def district_shape(territory):
    """The district's area: the union of its community polygons."""
    import shapely

    return shapely.union_all([polygon_of(rs) for rs in territory.community_rings])


def area_shape(territory, change):
    """The area of a change inside the district: a community's polygon, or a box or a point's disc cut
    to the district; the whole district when the change names no area."""
    import shapely

    if change.community is not None:
        return polygon_of(territory.community_rings[change.community])
    if change.box is not None:
        return _polygonal(district_shape(territory).intersection(shapely.box(*change.box)))
    if change.point is not None:
        disc = shapely.Point(change.point).buffer(change.radius_km, quad_segs=32)
        return _polygonal(district_shape(territory).intersection(disc))
    return district_shape(territory)


def estate_positions(rng: np.random.Generator, territory, change, radius: float) -> np.ndarray:
    """A new estate's households inside its area: in a community, around a centre drawn inside the
    polygon (spread `radius` km, as a synthetic estate); in a box or a disc, uniform in its part of the
    district. A position that falls outside the area is drawn again inside it."""
    import shapely

    region, n = area_shape(territory, change), change.households
    if change.community is None:
        return sample_inside(rng, region, n)
    centre = sample_inside(rng, region, 1)[0]
    xy = centre + rng.normal(0.0, radius / 2.0, size=(n, 2))
    outside = ~shapely.contains_xy(region, xy[:, 0], xy[:, 1])
    if outside.any():
        xy[outside] = sample_inside(rng, region, int(outside.sum()))
    return xy


def area_mask(territory, change, xy: np.ndarray) -> np.ndarray:
    """Which positions lie in the change's area (a community: its households' community polygon)."""
    import shapely

    region = area_shape(territory, change)
    return shapely.intersects_xy(region, xy[:, 0], xy[:, 1])


def locate_grids(territory, xy: np.ndarray) -> np.ndarray:
    """The grid (active: with rings) containing each position; a position in no grid (on a seam, in a
    gap the import tolerated) joins the nearest one."""
    import shapely

    shapes = [polygon_of(rs) if rs else None for rs in territory.grid_rings]
    live = [g for g, s in enumerate(shapes) if s is not None and not s.is_empty]
    points = shapely.points(xy)
    distance = np.array([shapely.distance(shapes[g], points) for g in live]).reshape(len(live), len(xy))
    return np.array(live, dtype=np.int64)[np.argmin(distance, axis=0)]


def area_in_district(district, box=None, point=None, radius_km: float = 0.0) -> bool:
    """Whether a box or a point's disc (km) overlaps a community of the imported district (validation)."""
    import shapely

    whole = shapely.union_all([polygon_of(rs) for rs in district.community_rings])
    area = shapely.box(*box) if box is not None else shapely.Point(point).buffer(radius_km, quad_segs=32)
    return whole.intersection(area).area > 0
