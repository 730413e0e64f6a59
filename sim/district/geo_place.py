"""Households inside the imported polygons, grids made by bisection where none are given, grid
adjacency from shared boundaries, and outlines as rings for the district file.

Households cluster in residential blocks as in a synthetic territory (sim/territory.py): block
centres uniform inside the community, households around them, every point kept inside its
polygon. The generator is the `district` stream of sim/streams.py, seeded by --seed.
"""

from __future__ import annotations

import numpy as np

from ..territory import bisect

ADJACENCY_TOLERANCE_KM = 0.001   # grids within 1 m of each other along a boundary are neighbours
_MAX_TRIES = 200


def sample_inside(rng: np.random.Generator, region, n: int) -> np.ndarray:
    """`n` points uniform inside a polygon (rejection in its bounding box)."""
    import shapely

    x0, y0, x1, y1 = region.bounds
    share = max(region.area / max((x1 - x0) * (y1 - y0), 1e-12), 1e-3)
    out = np.empty((0, 2))
    for _ in range(_MAX_TRIES):
        if len(out) >= n:
            break
        m = int((n - len(out)) / share * 1.2) + 8
        pts = rng.uniform((x0, y0), (x1, y1), size=(m, 2))
        out = np.vstack([out, pts[shapely.contains_xy(region, pts[:, 0], pts[:, 1])]])
    if len(out) < n:
        raise ValueError("a polygon too thin to place households in")
    return out[:n]


def place_households(rng: np.random.Generator, region, n: int, per_block: int) -> np.ndarray:
    """`n` households in blocks of `per_block` around block centres inside `region` (km)."""
    import shapely

    n_blocks = max(1, -(-n // per_block))
    centres = sample_inside(rng, region, n_blocks)
    block_radius = 0.02 + 0.001 * np.sqrt(per_block)  # km: a building or courtyard, as synthetic
    xy = centres[np.arange(n) // per_block] + rng.normal(0, block_radius, size=(n, 2))
    outside = ~shapely.contains_xy(region, xy[:, 0], xy[:, 1])
    if outside.any():   # near an edge: a point of the polygon instead of one outside it
        xy[outside] = sample_inside(rng, region, int(outside.sum()))
    return xy


def households_per_community(areas_km2: np.ndarray, density: float, household_size: float) -> np.ndarray:
    """Households from a density (residents/km²): residents × area / household size, at least one."""
    return np.maximum(1, np.round(density * areas_km2 / household_size)).astype(np.int64)


def bisected_grids(xy: np.ndarray, members: np.ndarray, comm, households_per_grid: int):
    """Grids inside a community without a grid layer: the synthetic territory's bisection of its
    households (sim/territory.py `bisect`) in the polygon's bounding box, each rectangle clipped to
    the polygon. Yields (households, grid polygon)."""
    import shapely

    k = max(1, round(len(members) / households_per_grid))
    for hh, box in bisect(xy, members, np.array(comm.bounds, dtype=float), k):
        yield hh, shapely.box(*box).intersection(comm)


def grid_of_households(xy: np.ndarray, grids: list) -> np.ndarray:
    """The grid containing each household (the first, where grids overlap); -1 outside every grid."""
    import shapely

    out = np.full(len(xy), -1, dtype=np.int64)
    for g in range(len(grids) - 1, -1, -1):   # in reverse, so the first containing grid wins
        out[shapely.contains_xy(grids[g], xy[:, 0], xy[:, 1])] = g
    return out


def adjacency(grids: list) -> np.ndarray:
    """Pairs of grids whose outlines share a boundary of positive length (not just a corner)."""
    import shapely

    tol = ADJACENCY_TOLERANCE_KM
    tree = shapely.STRtree(grids)
    left, right = tree.query(grids, predicate="dwithin", distance=tol)
    pairs = [(i, j) for i, j in zip(left.tolist(), right.tolist()) if i < j
             and grids[i].boundary.intersection(grids[j].buffer(tol)).length > 2 * tol]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def rings(geom) -> list[np.ndarray]:
    """A polygon's or multipolygon's rings (exteriors and holes), closed, as (points, 2) arrays."""
    out = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        out.append(np.asarray(poly.exterior.coords)[:, :2])
        out.extend(np.asarray(r.coords)[:, :2] for r in poly.interiors)
    return out
