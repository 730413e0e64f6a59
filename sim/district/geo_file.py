"""The district file: an imported district in plain arrays (NumPy .npz, no pickled objects).

`govsim district import` writes it; `govsim run`, the dashboard and `govsim animate` read it
through sim/territory.py without geopandas. Coordinates are km in a projected system (the UTM
zone of the district's centroid), shifted so the district's bounding box starts at (0, 0).

Arrays (n households, g grids, c communities):
- `hh_xy` (n, 2) float, `hh_community` (n,) int, `hh_grid` (n,) int
- `grid_community` (g,) int; `grid_adjacency` (k, 2) int: grids sharing a boundary
- `grid_ring_xy` (points, 2), `grid_ring_start` (rings + 1,), `grid_ring_owner` (rings,): each grid's
  outline as closed rings (an exterior, holes, parts of a multipolygon); the same three for communities
- `community_names`, `community_types` (c,) str; `size_km` (2,): width, height
- `format` (1,) int: FORMAT; `crs` (1,) str: the projected system, e.g. "EPSG:32650"
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = 1
_INTS = ("hh_community", "hh_grid", "grid_community", "grid_adjacency", "grid_ring_start", "grid_ring_owner",
         "community_ring_start", "community_ring_owner")
_REQUIRED = ("format", "crs", "size_km", "hh_xy", "grid_ring_xy", "community_ring_xy", "community_names",
             "community_types", *_INTS)


class DistrictFileError(ValueError):
    """A district file that cannot be used: what is wrong with it, in one line."""


@dataclass(frozen=True)
class District:
    """An imported district as the run uses it (km; every index checked against its table)."""

    width: float
    height: float
    hh_xy: np.ndarray
    hh_community: np.ndarray
    hh_grid: np.ndarray
    grid_community: np.ndarray
    grid_adjacency: np.ndarray
    grid_rings: list[list[np.ndarray]]        # per grid: its closed rings, each (points, 2)
    community_rings: list[list[np.ndarray]]
    community_names: tuple[str, ...]
    community_types: tuple[str, ...]
    crs: str

    @property
    def n_grids(self) -> int:
        return len(self.grid_community)

    @property
    def n_communities(self) -> int:
        return len(self.community_names)


def pack_rings(rings_of: list[list[np.ndarray]], prefix: str) -> dict[str, np.ndarray]:
    """Rings per owner (grid or community) as three flat arrays."""
    rings = [(owner, np.asarray(r, dtype=float)) for owner, rs in enumerate(rings_of) for r in rs]
    sizes = [len(r) for _, r in rings]
    return {f"{prefix}_ring_xy": np.concatenate([r for _, r in rings]) if rings else np.empty((0, 2)),
            f"{prefix}_ring_start": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            f"{prefix}_ring_owner": np.array([o for o, _ in rings], dtype=np.int64)}


def write_district(path: Path, d: District) -> None:
    arrays = {"format": np.array([FORMAT]), "crs": np.array([d.crs]), "size_km": np.array([d.width, d.height]),
              "hh_xy": d.hh_xy, "hh_community": d.hh_community, "hh_grid": d.hh_grid,
              "grid_community": d.grid_community, "grid_adjacency": np.asarray(d.grid_adjacency).reshape(-1, 2),
              "community_names": np.array(d.community_names, dtype=str),
              "community_types": np.array(d.community_types, dtype=str),
              **pack_rings(d.grid_rings, "grid"), **pack_rings(d.community_rings, "community")}
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)


_CACHE: dict[tuple[str, int, int], District] = {}


def read_district(path: str | Path) -> District:
    """The district in `path`, checked; DistrictFileError says what is wrong. Cached by path, size
    and modification time (a scenario is validated, then built, often many times)."""
    path = Path(path)
    try:
        st = path.stat()
    except (OSError, ValueError):   # ValueError: a NUL in the path
        raise DistrictFileError(f"no such district file: {path}") from None
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        _CACHE.clear()   # one district at a time is the common case: keep memory flat
        _CACHE[key] = _check(_arrays(path), path)
    return _CACHE[key]


def _arrays(path: Path) -> dict[str, np.ndarray]:
    if path.is_file() and not zipfile.is_zipfile(path):
        raise DistrictFileError(f"{path}: not a readable district file (.npz written by `govsim district "
                                "import`): not an .npz archive")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in _REQUIRED if k not in z.files]
            if missing:
                raise DistrictFileError(f"{path}: not a district file (missing arrays: {', '.join(missing)}); "
                                        "write one with `govsim district import`")
            return {k: z[k] for k in _REQUIRED}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        if isinstance(exc, DistrictFileError):
            raise
        raise DistrictFileError(f"{path}: not a readable district file (.npz written by `govsim district "
                                f"import`): {exc}") from None


def _check(a: dict[str, np.ndarray], path: Path) -> District:
    def bad(what: str) -> DistrictFileError:
        return DistrictFileError(f"{path}: malformed district file: {what}; import the boundaries again")

    if a["format"].shape != (1,) or int(a["format"][0]) != FORMAT:
        raise bad(f"format {a['format'].tolist()}, this version reads format {FORMAT}")
    for k in _INTS:
        if a[k].size and a[k].dtype.kind not in "iu":
            raise bad(f"{k} holds {a[k].dtype}, not integers")
    n, c = len(a["hh_xy"]), len(a["community_names"])
    g = len(a["grid_community"])
    if a["hh_xy"].ndim != 2 or a["hh_xy"].shape[1] != 2 or n == 0 or not np.isfinite(a["hh_xy"]).all():
        raise bad("hh_xy is not a non-empty (households, 2) array of finite km")
    _in_range(bad, a, "hh_community", n, c)
    _in_range(bad, a, "hh_grid", n, g)
    _in_range(bad, a, "grid_community", g, c)
    if len(a["community_types"]) != c or c == 0 or g == 0:
        raise bad("communities, their types and grids must be non-empty and of matching counts")
    if not np.array_equal(a["grid_community"][a["hh_grid"]], a["hh_community"]):
        raise bad("a household's grid belongs to another community than the household")
    if np.bincount(a["hh_grid"], minlength=g).min() == 0:
        raise bad("a grid without households (the model needs at least one household per grid)")
    adjacency = a["grid_adjacency"].reshape(-1, 2)
    if adjacency.size and (adjacency.min() < 0 or adjacency.max() >= g):
        raise bad("grid_adjacency names a grid that does not exist")
    if a["size_km"].shape != (2,) or not np.isfinite(a["size_km"]).all() or a["size_km"].min() < 0:
        raise bad("size_km is not a width and a height in km")
    width, height = (float(x) for x in a["size_km"])
    return District(width, height, a["hh_xy"].astype(float), a["hh_community"].astype(np.int64),
                    a["hh_grid"].astype(np.int64), a["grid_community"].astype(np.int64),
                    adjacency.astype(np.int64), _rings(bad, a, "grid", g), _rings(bad, a, "community", c),
                    tuple(str(s) for s in a["community_names"]), tuple(str(s) for s in a["community_types"]),
                    str(a["crs"][0]))


def _in_range(bad, a, key: str, length: int, limit: int) -> None:
    x = a[key]
    if x.shape != (length,) or (length and (x.min() < 0 or x.max() >= limit)):
        raise bad(f"{key} must hold {length} indices from 0 to {limit - 1}")


def _rings(bad, a, prefix: str, owners: int) -> list[list[np.ndarray]]:
    xy, start, owner = a[f"{prefix}_ring_xy"], a[f"{prefix}_ring_start"], a[f"{prefix}_ring_owner"]
    if xy.ndim != 2 or xy.shape[1:] != (2,) or not np.isfinite(xy).all() or start.ndim != 1:
        raise bad(f"{prefix}_ring_xy is not a (points, 2) array of finite km")
    if (len(start) != len(owner) + 1 or start[0] != 0 or start[-1] != len(xy) or np.any(np.diff(start) < 3)
            or (len(owner) and (owner.min() < 0 or owner.max() >= owners))):
        raise bad(f"{prefix} outlines (ring offsets or owners out of range)")
    out: list[list[np.ndarray]] = [[] for _ in range(owners)]
    for r, o in enumerate(owner.tolist()):
        out[o].append(xy[start[r]:start[r + 1]].astype(float))
    return out
