"""Territory: household positions, communities and the grid partition (网格).

Households sit in residential blocks clustered around neighbourhood centres
inside a rectangular footprint (km). Communities and grids are made by
recursive bisection along the longer side, splitting by household count:
every piece is an axis-aligned rectangle, so grids are contiguous, disjoint,
cover their community exactly (无缝覆盖、界限清晰), and hold nearly equal
numbers of households for any grid size.

An imported district (`territory.district_file`, written by `govsim district import`) brings its
own households, community and grid polygons and grid adjacency: `territory_from_district` builds
the same `Territory` from it, drawing nothing (no geopandas needed to run it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .district.geo_file import District, read_district


@dataclass
class Territory:
    width: float                    # km
    height: float                   # km
    hh_xy: np.ndarray               # (households, 2) positions in km
    hh_community: np.ndarray        # community index per household
    hh_grid: np.ndarray             # grid index per household
    grid_community: np.ndarray      # community index per grid
    grid_bounds: np.ndarray         # (grids, 4): xmin, ymin, xmax, ymax
    community_bounds: np.ndarray    # (communities, 4)
    grid_households: list[np.ndarray]  # households of each grid, in visiting order
    # An imported district: real outlines (closed rings per grid / community, km) and the grid
    # adjacency computed at import; None for a synthetic territory (rectangles).
    grid_rings: list[list[np.ndarray]] | None = None
    community_rings: list[list[np.ndarray]] | None = None
    adjacency: np.ndarray | None = None
    community_names: tuple[str, ...] = ()
    community_types: tuple[str, ...] = ()   # an imported district's type field, as written (sim/community_types.py maps it)

    @property
    def n_households(self) -> int:
        return len(self.hh_xy)

    @property
    def n_grids(self) -> int:
        return len(self.grid_bounds)

    @property
    def n_communities(self) -> int:
        return len(self.community_bounds)

    def grid_centres(self) -> np.ndarray:
        """Each grid's office: the household nearest the mean position of its households."""
        out = np.empty((self.n_grids, 2))
        for g, hh in enumerate(self.grid_households):
            pts = self.hh_xy[hh]
            nearest = np.argmin(((pts - pts.mean(axis=0)) ** 2).sum(axis=1))
            out[g] = pts[nearest]
        return out

    def grid_outlines(self) -> list[list[np.ndarray]]:
        """Each grid's outline as closed rings (km): its polygon, or its rectangle."""
        return self.grid_rings if self.grid_rings is not None else _rectangle_rings(self.grid_bounds)

    def community_outlines(self) -> list[list[np.ndarray]]:
        return self.community_rings if self.community_rings is not None else _rectangle_rings(self.community_bounds)

    def grid_adjacency(self) -> list[tuple[int, int]]:
        """Pairs of grids whose outlines share a boundary segment of positive length (an imported
        district's pairs were found at import, from the polygons)."""
        if self.adjacency is not None:
            return [(int(i), int(j)) for i, j in self.adjacency]
        b = self.grid_bounds
        eps = 1e-9 * max(self.width, self.height)
        pairs = []
        for i in range(self.n_grids - 1):
            o = b[i + 1:]
            x_overlap = np.minimum(b[i, 2], o[:, 2]) - np.maximum(b[i, 0], o[:, 0])
            y_overlap = np.minimum(b[i, 3], o[:, 3]) - np.maximum(b[i, 1], o[:, 1])
            touch_x = (np.abs(b[i, 2] - o[:, 0]) < eps) | (np.abs(o[:, 2] - b[i, 0]) < eps)
            touch_y = (np.abs(b[i, 3] - o[:, 1]) < eps) | (np.abs(o[:, 3] - b[i, 1]) < eps)
            adjacent = (touch_x & (y_overlap > eps)) | (touch_y & (x_overlap > eps))
            pairs.extend((i, i + 1 + int(j)) for j in np.flatnonzero(adjacent))
        return pairs


def build_territory(
    rng: np.random.Generator,
    households: int,
    density_hh_per_km2: float,
    households_per_block: int,
    households_per_community: int,
    households_per_grid: int,
) -> Territory:
    width, height = _footprint(households / density_hh_per_km2)
    xy = _place_households(rng, households, households_per_block, width, height)
    n_comm = max(1, round(households / households_per_community))
    comm_parts = bisect(xy, np.arange(households), np.array([0.0, 0.0, width, height]), n_comm)

    hh_community = np.empty(households, dtype=np.int64)
    hh_grid = np.empty(households, dtype=np.int64)
    grid_bounds, grid_community, grid_households, comm_bounds = [], [], [], []
    for c, (members, cb) in enumerate(comm_parts):
        hh_community[members] = c
        comm_bounds.append(cb)
        n_grids = max(1, round(len(members) / households_per_grid))
        for hh, gb in bisect(xy, members, cb, n_grids):
            hh_grid[hh] = len(grid_bounds)
            grid_bounds.append(gb)
            grid_community.append(c)
            grid_households.append(_visiting_order(xy, hh))
    return Territory(width, height, xy, hh_community, hh_grid, np.array(grid_community),
                     np.array(grid_bounds), np.array(comm_bounds), grid_households)


def territory_from_district(path) -> Territory:
    """The territory of an imported district (sim/district/geo_file.py): households, communities,
    grids and adjacency as imported; grids visited in the same serpentine order as a synthetic one."""
    d = read_district(path)
    grid_households = [_visiting_order(d.hh_xy, hh) for hh in _members(d.hh_grid, d.n_grids)]
    # Copies of what a run changes (grids that split and merge, ODD 7.39): the district is cached.
    return Territory(d.width, d.height, d.hh_xy.copy(), d.hh_community.copy(), d.hh_grid.copy(),
                     d.grid_community.copy(), _ring_bounds(d.grid_rings), _ring_bounds(d.community_rings),
                     grid_households, [list(rs) for rs in d.grid_rings], d.community_rings, d.grid_adjacency,
                     d.community_names,
                     d.community_types)


def _members(index: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(index, kind="stable")
    return np.split(order, np.cumsum(np.bincount(index, minlength=n))[:-1])


def _ring_bounds(rings_of: list[list[np.ndarray]]) -> np.ndarray:
    """Each owner's bounding box (xmin, ymin, xmax, ymax) over its rings."""
    return np.array([[*np.concatenate(rs).min(axis=0), *np.concatenate(rs).max(axis=0)] for rs in rings_of])


def _rectangle_rings(bounds: np.ndarray) -> list[list[np.ndarray]]:
    return [[np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])] for x0, y0, x1, y1 in bounds]


def district_of(values) -> District | None:
    """The imported district a scenario names (`territory.district_file`), or None (synthetic)."""
    path = values.get("territory.district_file", "")
    return read_district(path) if path else None


def household_floors(rng: np.random.Generator, households: int, storeys: int) -> np.ndarray:
    """Each household's floor (1 = ground) in a walk-up of `storeys` storeys, each floor equally likely
    (one flat per floor and stairwell): drawn from its own stream, so the territory's draws stay as they were."""
    return rng.integers(1, storeys + 1, size=households)


def households_of(values) -> int:
    if (d := district_of(values)) is not None:
        return len(d.hh_xy)
    return max(1, round(values["territory.residents"] / values["territory.household_size"]))


def footprint_of(values) -> tuple[float, float]:
    """The territory's width and height (km) for a scenario's values (known before building)."""
    if (d := district_of(values)) is not None:
        return d.width, d.height
    from .community_types import household_density   # it reads the territory's community count

    return _footprint(households_of(values) / household_density(values))


def community_count(values) -> int:
    if (d := district_of(values)) is not None:
        return d.n_communities
    return max(1, round(households_of(values) / values["territory.households_per_community"]))


def _footprint(area_km2: float) -> tuple[float, float]:
    """A 3:2 rectangle of the given area."""
    height = float(np.sqrt(area_km2 / 1.5))
    return 1.5 * height, height


def _place_households(rng: np.random.Generator, n: int, per_block: int, w: float, h: float) -> np.ndarray:
    """Blocks cluster around neighbourhood centres (70%) or scatter (30%); households cluster in blocks."""
    n_blocks = max(1, -(-n // per_block))
    n_hoods = max(1, n_blocks // 40)
    hoods = rng.uniform((0, 0), (w, h), size=(n_hoods, 2))
    clustered = rng.random(n_blocks) < 0.7
    spread = 0.12 * min(w, h) + 1e-6
    centres = np.where(
        clustered[:, None],
        hoods[rng.integers(n_hoods, size=n_blocks)] + rng.normal(0, spread, size=(n_blocks, 2)),
        rng.uniform((0, 0), (w, h), size=(n_blocks, 2)),
    )
    block = np.arange(n) // per_block
    block_radius = 0.02 + 0.001 * np.sqrt(per_block)  # km: a building or courtyard
    xy = centres[block] + rng.normal(0, block_radius, size=(n, 2))
    # Fold positions back into the footprint by reflection: clipping would pile households on
    # the edges with tied coordinates, and bisection would then cut grids of zero width.
    return np.column_stack([_reflect(xy[:, 0], w), _reflect(xy[:, 1], h)])


def _reflect(x: np.ndarray, size: float) -> np.ndarray:
    x = np.mod(x, 2.0 * size)
    return np.where(x > size, 2.0 * size - x, x)


def bisect(xy: np.ndarray, members: np.ndarray, bounds: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split `members` (inside rectangle `bounds`) into `k` rectangles of near-equal household counts."""
    if k <= 1 or len(members) <= 1:
        return [(members, bounds)]
    k = min(k, len(members))
    x0, y0, x1, y1 = bounds
    axis = 0 if (x1 - x0) >= (y1 - y0) else 1
    order = members[np.argsort(xy[members, axis], kind="stable")]
    k_low = k // 2
    m = min(max(1, round(len(order) * k_low / k)), len(order) - 1)
    cut = 0.5 * (xy[order[m - 1], axis] + xy[order[m], axis])
    low_b, high_b = bounds.copy(), bounds.copy()
    low_b[2 + axis] = cut
    high_b[axis] = cut
    return bisect(xy, order[:m], low_b, k_low) + bisect(xy, order[m:], high_b, k - k_low)


def _visiting_order(xy: np.ndarray, hh: np.ndarray) -> np.ndarray:
    """A serpentine sweep in strips, so consecutive visits are near each other."""
    pts = xy[hh]
    strips = max(1, int(np.sqrt(len(hh) / 20)))
    y_rank = np.argsort(np.argsort(pts[:, 1], kind="stable"), kind="stable")
    strip = y_rank * strips // len(hh)
    x_key = np.where(strip % 2 == 0, pts[:, 0], -pts[:, 0])
    return hh[np.lexsort((x_key, strip))]


# ------------------------------------------------------------- households and grids that change (ODD 7.39)
def locate(t: Territory, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(community, grid) of each position (km): the first grid rectangle that contains it (the
    rectangles tile the footprint, so every position inside it has one); on an imported district,
    the grid polygon that contains it (bounding boxes of polygons overlap)."""
    if t.grid_rings is not None:
        from .district.geo_regrid import locate_grids

        grid = locate_grids(t, xy)
        return t.grid_community[grid], grid
    b = t.grid_bounds
    inside = ((xy[:, None, 0] >= b[None, :, 0]) & (xy[:, None, 0] <= b[None, :, 2])
              & (xy[:, None, 1] >= b[None, :, 1]) & (xy[:, None, 1] <= b[None, :, 3]))
    if not inside.any(axis=1).all():
        raise ValueError("a position lies outside every grid of the territory")
    grid = inside.argmax(axis=1)
    return t.grid_community[grid], grid


def add_households(t: Territory, xy: np.ndarray) -> np.ndarray:
    """Add households at positions `xy` to the grids containing them (their visiting rounds are
    redrawn); return their indices."""
    community, grid = locate(t, xy)
    first = t.n_households
    t.hh_xy = np.vstack([t.hh_xy, xy])
    t.hh_community = np.concatenate([t.hh_community, community])
    t.hh_grid = np.concatenate([t.hh_grid, grid])
    for g in np.unique(grid).tolist():
        t.grid_households[g] = _visiting_order(t.hh_xy, np.flatnonzero(t.hh_grid == g))
    return np.arange(first, t.n_households)


def visiting_order(xy: np.ndarray, hh: np.ndarray) -> np.ndarray:
    """A grid's households in visiting order (the serpentine sweep of a built territory)."""
    return _visiting_order(xy, hh) if len(hh) else hh


def median_cut(xy: np.ndarray, counted: np.ndarray, lo, hi) -> tuple[int, float] | None:
    """The bisection rule of a grid whose area spans lo-hi (xmin, ymin; xmax, ymax): across its longer
    side, at the median of the households `counted` — (axis, coordinate), or None when no cut
    separates them. Rectangle grids (`split_tiles`) and imported polygons (district.geo_regrid) share it."""
    axis = 0 if (hi[0] - lo[0]) >= (hi[1] - lo[1]) else 1
    coord = np.sort(xy[counted, axis])
    if len(coord) < 2:
        return None
    m = len(coord) // 2
    cut = 0.5 * (coord[m - 1] + coord[m])
    return (axis, cut) if coord[0] < cut < coord[-1] else None


def split_tiles(xy: np.ndarray, members: np.ndarray, counted: np.ndarray, tiles: np.ndarray):
    """Bisect a grid (its households `members`, its area the rectangles `tiles`) along the longer side
    of its bounding box, at the median of the households `counted` (those present), as the territory
    is built: (low members, high members, low tiles, high tiles), or None when no cut separates them."""
    line = median_cut(xy, counted, tiles[:, :2].min(axis=0), tiles[:, 2:].max(axis=0))
    if line is None:
        return None
    axis, cut = line
    low = xy[members, axis] <= cut
    low_tiles, high_tiles = [], []
    for tile in tiles:
        if tile[2 + axis] <= cut:
            low_tiles.append(tile)
        elif tile[axis] >= cut:
            high_tiles.append(tile)
        else:
            a, b = tile.copy(), tile.copy()
            a[2 + axis], b[axis] = cut, cut
            low_tiles.append(a)
            high_tiles.append(b)
    return members[low], members[~low], np.array(low_tiles), np.array(high_tiles)


def tiles_touch(a: np.ndarray, b: np.ndarray, eps: float) -> bool:
    """Whether two sets of rectangles share a boundary segment of positive length."""
    for r in a:
        x_overlap = np.minimum(r[2], b[:, 2]) - np.maximum(r[0], b[:, 0])
        y_overlap = np.minimum(r[3], b[:, 3]) - np.maximum(r[1], b[:, 1])
        touch_x = (np.abs(r[2] - b[:, 0]) < eps) | (np.abs(b[:, 2] - r[0]) < eps)
        touch_y = (np.abs(r[3] - b[:, 1]) < eps) | (np.abs(b[:, 3] - r[1]) < eps)
        if ((touch_x & (y_overlap > eps)) | (touch_y & (x_overlap > eps))).any():
            return True
    return False


def tiles_bounds(tiles: np.ndarray) -> np.ndarray:
    return np.array([*tiles[:, :2].min(axis=0), *tiles[:, 2:].max(axis=0)])
