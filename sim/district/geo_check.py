"""Checks on imported polygons: valid shapes, no overlaps between communities, gaps reported,
grids inside one community each, and how seamlessly (无缝覆盖) the grids cover their community.

Geometries here are shapely polygons in km (sim/district/geo_read.py `to_km`); areas are reported
in m². Tolerances absorb digitising noise, not real overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .geo_read import DistrictError

M2_PER_KM2 = 1e6
OVERLAP_TOLERANCE_M2 = 1.0     # smaller overlaps between communities are digitising noise
GAP_SEARCH_M = 50.0            # neighbours closer than this and not touching leave a gap between them
GAP_TOLERANCE_M2 = 1.0
CROSSING_SHARE = 0.01          # a grid with more than 1% of its area in a second community crosses it
CROSSING_TOLERANCE_M2 = 10.0


@dataclass
class Findings:
    """What the checks found that does not stop the import (written to the import report)."""

    gaps: list[tuple[str, str, float]] = field(default_factory=list)        # (a, b, m²)
    holes: list[tuple[tuple[str, ...], float]] = field(default_factory=list)  # enclosed gaps
    coverage: list[tuple[float, float]] = field(default_factory=list)       # per community: share, overlap m²
    warnings: list[str] = field(default_factory=list)


def label(names: list[str], i: int, what: str) -> str:
    return f"{what} {names[i]!r} (feature {i})" if names[i] != str(i) else f"{what} feature {i}"


def check_shapes(geoms, names: list[str], path, what: str) -> None:
    """Every feature a valid, non-empty polygon or multipolygon; else name it and say what is wrong."""
    import shapely

    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            raise DistrictError(f"{path}: {label(names, i, what)} has no geometry")
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            raise DistrictError(f"{path}: {label(names, i, what)} is a {g.geom_type}; allowed: Polygon or "
                                "MultiPolygon")
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            raise DistrictError(f"{path}: {label(names, i, what)} is not a valid polygon ({reason}): a "
                                "self-intersecting or twisted outline; fix it in a GIS (e.g. QGIS: Fix geometries)")


def _close_pairs(geoms, within_km: float):
    """Index pairs (i < j) of geometries within `within_km` of each other."""
    import shapely

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=within_km)
    keep = left < right
    return list(zip(left[keep].tolist(), right[keep].tolist()))


def check_overlaps(geoms, names: list[str], path) -> None:
    """Communities must not overlap: each household belongs to one."""
    bad = []
    for i, j in _close_pairs(geoms, 0.0):
        area = geoms[i].intersection(geoms[j]).area * M2_PER_KM2
        if area > OVERLAP_TOLERANCE_M2:
            bad.append(f"{label(names, i, 'community')} and {label(names, j, 'community')} overlap by {area:,.0f} m²")
    if bad:
        raise DistrictError(f"{path}: " + "; ".join(bad[:5]) + (f" (and {len(bad) - 5} more)" if len(bad) > 5 else "")
                            + ": communities must not overlap; fix the boundaries")


def find_gaps(geoms, names: list[str], found: Findings) -> None:
    """Gaps between neighbouring communities (a sliver where their boundaries should meet), and holes
    enclosed by the district: reported, not refused (a road or a lake may lie between communities)."""
    import shapely

    d = GAP_SEARCH_M / 1000.0
    union = shapely.union_all(geoms)
    for i, j in _close_pairs(geoms, d):
        # closing (dilate, erode) the pair fills the strip between them; what is left after taking away
        # every community and each one's own closing (its own notches) is the gap between the two
        closed = [shapely.union(g, g.buffer(d, join_style="mitre").buffer(-d, join_style="mitre"))
                  for g in (geoms[i], geoms[j])]
        pair = shapely.union(geoms[i], geoms[j]).buffer(d, join_style="mitre").buffer(-d, join_style="mitre")
        sliver = pair.difference(shapely.union_all([union, *closed]))
        if sliver.area * M2_PER_KM2 > GAP_TOLERANCE_M2:
            found.gaps.append((names[i], names[j], sliver.area * M2_PER_KM2))
    for poly in getattr(union, "geoms", [union]):
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            around = tuple(names[k] for k, g in enumerate(geoms) if g.distance(hole) < 1e-6)
            found.holes.append((around, hole.area * M2_PER_KM2))


def assign_grids(grids, grid_names: list[str], comms, comm_names: list[str], path) -> np.ndarray:
    """Each grid's community: the one containing it. A grid outside every community, or crossing
    into a second one, is refused by name."""
    import shapely

    tree = shapely.STRtree(comms)
    out = np.empty(len(grids), dtype=np.int64)
    for g, geom in enumerate(grids):
        hits = tree.query(geom, predicate="intersects")
        areas = sorted(((geom.intersection(comms[c]).area, int(c)) for c in hits), reverse=True)
        if not areas or areas[0][0] <= 0:
            raise DistrictError(f"{path}: {label(grid_names, g, 'grid')} lies outside every community")
        out[g] = areas[0][1]
        if len(areas) > 1:
            second, c2 = areas[1]
            if second > CROSSING_SHARE * geom.area and second * M2_PER_KM2 > CROSSING_TOLERANCE_M2:
                raise DistrictError(
                    f"{path}: {label(grid_names, g, 'grid')} crosses communities {comm_names[out[g]]!r} and "
                    f"{comm_names[c2]!r} ({second * M2_PER_KM2:,.0f} m², {second / geom.area:.0%} of the grid, in "
                    f"{comm_names[c2]!r}); a grid lies inside one community: split it along the boundary")
    return out


def coverage(comm, grid_geoms) -> tuple[float, float]:
    """Share of a community's area covered by its grids, and the area (m²) where its grids overlap."""
    import shapely

    union = shapely.union_all(grid_geoms)
    share = union.intersection(comm).area / comm.area
    overlap = max(0.0, sum(g.area for g in grid_geoms) - union.area) * M2_PER_KM2
    return float(share), float(overlap)
