"""`govsim district import`: a planner's boundaries in, a scenario the model runs out.

Reads communities (and optionally grids) from GeoJSON, Shapefile or GeoPackage, checks them,
projects them to km in the UTM zone of the district's centroid, places households inside the
polygons, and writes into --out (atomically: a temporary folder moved into place):
- `scenario.toml`: extends a base scenario, names the district file, sets residents and the
  territory values consistent with the district;
- `district.npz`: everything the run needs, in plain arrays (sim/district/geo_file.py), so that
  `govsim run`, the dashboard and `govsim animate` need no geopandas;
- `import_report.md`: what was read, how it was converted, gaps, coverage of grids (无缝覆盖).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..scenario import ScenarioError, is_safe_name, load, name_from_file
from ..streams import Streams
from . import geo_check, geo_place, geo_read
from .geo_file import District, write_district
from .geo_read import DistrictError
from .geo_report import write_report


@dataclass(frozen=True)
class ImportOptions:
    boundaries: Path
    out: Path
    grids: str | None = None
    layer: str | None = None
    households_field: str | None = None
    density: float | None = None
    type_field: str | None = None
    name_field: str | None = None
    encoding: str | None = None
    from_offset: str | None = None     # "gcj02" or "bd09"
    extends: Path = Path("scenarios/baseline.toml")
    seed: int = 0
    force: bool = False


@dataclass
class Layer:
    """A layer read and checked: its features' names, types and km geometries."""

    path: Path
    names: list[str]
    types: list[str]
    geoms: list
    table: object           # the GeoDataFrame, for other fields


def import_district(opts: ImportOptions) -> Path:
    """Import and write; returns the --out folder. DistrictError (exit 2) for bad input."""
    geo_read.require_gis()
    _check_out(opts.out, opts.force)
    base = _base_scenario(opts.extends)
    found = geo_check.Findings()
    comms_gdf = _read(opts.boundaries, opts.layer, opts, "community")
    grids_gdf = _read_grids(opts) if opts.grids else None
    epsg, origin = _projection(comms_gdf, opts, found)
    comms = _layer(comms_gdf, opts.boundaries, opts, epsg, origin, "community")
    geo_check.check_overlaps(comms.geoms, comms.names, comms.path)
    geo_check.find_gaps(comms.geoms, comms.names, found)
    counts = _households(comms, opts, base)
    rng = Streams(opts.seed).district
    if grids_gdf is not None:
        grids = _layer(grids_gdf, _grid_path(opts), opts, epsg, origin, "grid")
        district = _with_grid_layer(rng, comms, grids, counts, base, found)
    else:
        district = _with_bisected_grids(rng, comms, counts, base, found)
    district = District(**{**district.__dict__, "crs": f"EPSG:{epsg}"})
    _write(opts, district, comms, base, found)
    return opts.out


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise DistrictError(f"--out {out}: a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise DistrictError(f"--out {out}: the folder exists and is not empty; choose another or add --force to "
                            "replace it")


def _base_scenario(path: Path):
    try:
        return load(path)
    except ScenarioError as exc:
        raise DistrictError(f"--extends: {exc}") from None


PLURAL = {"community": "communities", "grid": "grids"}


def _read(path: Path, layer: str | None, opts: ImportOptions, kind: str):
    """A layer read and checked (encoding, CRS, shapes), in WGS84 when it came from Amap/Baidu."""
    if layer is None and path.suffix.lower() == ".gpkg" and path.exists():
        layer = (geo_read.layers_of(path) or [None])[0]   # the first layer: the communities
    gdf = geo_read.read_layer(path, layer, opts.encoding, PLURAL[kind])
    geo_read.check_encoding(gdf, path, opts.encoding)
    geo_read.check_crs(gdf, path, PLURAL[kind])
    names = _names(gdf, path, opts.name_field, kind)
    geo_check.check_shapes(list(gdf.geometry.values), names, path, kind)
    return geo_read.unshift(gdf, opts.from_offset, path)


def _grid_path(opts: ImportOptions) -> Path:
    """--grids: a file, or a layer of the boundaries' GeoPackage."""
    given = Path(opts.grids)
    return given if given.exists() or opts.boundaries.suffix.lower() != ".gpkg" else opts.boundaries


def _read_grids(opts: ImportOptions):
    path = _grid_path(opts)
    layer = None if path != opts.boundaries else opts.grids
    if layer is not None and layer not in geo_read.layers_of(path):
        raise DistrictError(f"--grids {opts.grids}: neither a file nor a layer of {path} (its layers: "
                            f"{', '.join(geo_read.layers_of(path))})")
    return _read(path, layer, opts, "grid")


def _field(gdf, path: Path, field: str, option: str):
    if field not in gdf.columns:
        fields = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise DistrictError(f"{path}: no field {field!r} ({option}); the layer's fields: {fields}")
    return gdf[field]


def _names(gdf, path: Path, name_field: str | None, kind: str) -> list[str]:
    """Features' names from --name-field (grids: when their layer has that field), else their index."""
    if name_field is None or (kind == "grid" and name_field not in gdf.columns):
        return [str(i) for i in range(len(gdf))]
    return ["" if v is None else str(v) for v in _field(gdf, path, name_field, "--name-field").tolist()]


def _projection(gdf, opts: ImportOptions, found) -> tuple[int, np.ndarray]:
    """The UTM zone of the centroid, and the origin (metres) that puts the district near (0, 0)."""
    warning = geo_read.offset_warning(gdf, opts.from_offset)
    if warning:
        found.warnings.append(warning)
        print(f"govsim: note: {warning}", file=sys.stderr)
    epsg = geo_read.utm_epsg(*geo_read.lonlat_centre(gdf))
    return epsg, gdf.to_crs(epsg).total_bounds[:2]


def _layer(gdf, path: Path, opts: ImportOptions, epsg: int, origin: np.ndarray, what: str) -> Layer:
    names = _names(gdf, path, opts.name_field, what)
    if what == "community" and opts.type_field:
        types = ["" if v is None else str(v) for v in _field(gdf, path, opts.type_field, "--type-field").tolist()]
        _check_types(path, names, types, opts.type_field)
    else:
        types = [""] * len(gdf)
    return Layer(path, names, types, list(geo_read.to_km(gdf, epsg, origin)), gdf)


def _check_types(path: Path, names: list[str], types: list[str], field: str) -> None:
    """Every community's type must name a community type (sim/community_types.py), in Chinese or English."""
    from ..community_types import ALLOWED_TEXT, canonical

    for i, value in enumerate(types):
        if canonical(value) is None:
            raise DistrictError(f"{path}: {geo_check.label(names, i, 'community')}: field {field!r} (--type-field) "
                                f"= {value!r}: not a community type; {ALLOWED_TEXT}")


def _households(comms: Layer, opts: ImportOptions, base) -> np.ndarray:
    """Households per community: from --households-field, else by density (residents/km²)."""
    v = base.values
    if opts.households_field is None:
        density = opts.density if opts.density is not None else v["territory.density_per_km2"]
        areas = np.array([g.area for g in comms.geoms])
        return geo_place.households_per_community(areas, density, v["territory.household_size"])
    values = _field(comms.table, comms.path, opts.households_field, "--households-field").tolist()
    out = []
    for i, value in enumerate(values):
        ok = isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value) and value >= 1
        if not ok or float(value) != int(value):
            raise DistrictError(f"{comms.path}: {geo_check.label(comms.names, i, 'community')}: field "
                                f"{opts.households_field!r} = {value!r}; allowed: a whole number of households >= 1")
        out.append(int(value))
    return np.array(out, dtype=np.int64)


def _with_bisected_grids(rng, comms: Layer, counts: np.ndarray, base, found) -> District:
    """Households inside each community; grids by bisection of its households, clipped to it."""
    per_grid, per_block = base.values["grid.households_per_grid"], base.values["territory.households_per_block"]
    xy_parts, grid_geoms, grid_comm, hh_grid_parts = [], [], [], []
    for c, comm in enumerate(comms.geoms):
        xy = geo_place.place_households(rng, comm, int(counts[c]), per_block)
        hh_grid = np.empty(len(xy), dtype=np.int64)
        for hh, geom in geo_place.bisected_grids(xy, np.arange(len(xy)), comm, per_grid):
            hh_grid[hh] = len(grid_geoms)
            grid_geoms.append(geom)
            grid_comm.append(c)
        xy_parts.append(xy)
        hh_grid_parts.append(hh_grid)
        found.coverage.append(geo_check.coverage(comm, [g for g, k in zip(grid_geoms, grid_comm) if k == c]))
    return _district(comms, np.vstack(xy_parts), np.concatenate(hh_grid_parts), grid_geoms, grid_comm)


def _with_grid_layer(rng, comms: Layer, grids: Layer, counts: np.ndarray, base, found) -> District:
    """Grids as given: each in the community containing it; a community's households shared among its
    grids in proportion to the area they cover, at least one each."""
    per_block = base.values["territory.households_per_block"]
    grid_comm = geo_check.assign_grids(grids.geoms, grids.names, comms.geoms, comms.names, grids.path)
    xy_parts, hh_grid_parts = [], []
    for c, comm in enumerate(comms.geoms):
        mine = np.flatnonzero(grid_comm == c)
        if not len(mine):
            raise DistrictError(f"{grids.path}: {geo_check.label(comms.names, c, 'community')} holds no grid of "
                                "the grid layer; every community needs at least one")
        found.coverage.append(geo_check.coverage(comm, [grids.geoms[g] for g in mine]))
        parts = [grids.geoms[g].intersection(comm) for g in mine]
        shares = _shares(int(counts[c]), np.array([p.area for p in parts]), comms.names[c])
        for g, part, n in zip(mine, parts, shares):
            xy_parts.append(geo_place.place_households(rng, part, int(n), per_block))
            hh_grid_parts.append(np.full(int(n), g, dtype=np.int64))
    return _district(comms, np.vstack(xy_parts), np.concatenate(hh_grid_parts), grids.geoms, grid_comm.tolist())


def _shares(n: int, areas: np.ndarray, name: str) -> np.ndarray:
    """`n` households over grids in proportion to `areas` (largest remainders), at least one each."""
    if n < len(areas):
        raise DistrictError(f"community {name!r} has {n} households but {len(areas)} grids: each grid needs at "
                            "least one household")
    exact = (n - len(areas)) * areas / areas.sum()
    out = np.floor(exact).astype(np.int64)
    out[np.argsort(-(exact - out), kind="stable")[: n - len(areas) - out.sum()]] += 1
    return out + 1


def _district(comms: Layer, xy: np.ndarray, hh_grid: np.ndarray, grid_geoms: list, grid_comm: list) -> District:
    grid_comm = np.asarray(grid_comm, dtype=np.int64)
    comm_rings = [geo_place.rings(g) for g in comms.geoms]
    lo = np.concatenate([np.concatenate(r) for r in comm_rings]).min(axis=0)
    hi = np.concatenate([np.concatenate(r) for r in comm_rings]).max(axis=0)

    def shift(rs):
        return [r - lo for r in rs]

    return District(float(hi[0] - lo[0]), float(hi[1] - lo[1]), xy - lo, grid_comm[hh_grid], hh_grid, grid_comm,
                    geo_place.adjacency(grid_geoms), [shift(geo_place.rings(g)) for g in grid_geoms],
                    [shift(r) for r in comm_rings], tuple(comms.names), tuple(comms.types), "")


def scenario_text(name: str, extends: str, district: District, comm_area_km2: float, base, source: Path) -> str:
    """The scenario TOML: extends the base, names the district file, territory values to match."""
    v = base.values
    households = len(district.hh_xy)
    residents = int(round(households * v["territory.household_size"]))
    per_comm = int(np.clip(round(households / district.n_communities), 50, 1_000_000))
    density = float(np.clip(residents / comm_area_km2, 50.0, 100_000.0))
    lines = [f"# Imported by `govsim district import` from {source.name}: {district.n_communities} communities, "
             f"{district.n_grids} grids, {households:,} households (see import_report.md).",
             f"name = {json.dumps(name, ensure_ascii=False)}",
             f"description = {json.dumps(f'District imported from {source.name}', ensure_ascii=False)}",
             f"extends = {json.dumps(extends, ensure_ascii=False)}", "", "[territory]",
             'district_file = "district.npz"',
             f"residents = {residents}   # households x territory.household_size",
             f"households_per_community = {per_comm}   # the district's mean (for reference: it no longer "
             "shapes the territory)",
             f"density_per_km2 = {density:.1f}   # residents / the communities' area", ""]
    return "\n".join(lines)


def _write(opts: ImportOptions, district: District, comms: Layer, base, found) -> None:
    out = opts.out.resolve()
    name = opts.out.name if is_safe_name(opts.out.name) else name_from_file(opts.out.name)
    extends = Path(os.path.relpath(opts.extends.resolve(), out)).as_posix()
    area = sum(g.area for g in comms.geoms)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_district(tmp / "district.npz", district)
        (tmp / "scenario.toml").write_text(scenario_text(name, extends, district, area, base, opts.boundaries),
                                           encoding="utf-8")
        load(tmp / "scenario.toml")   # what `govsim run` will read: it must load
        write_report(tmp / "import_report.md", opts, district, comms, found)
        tmp.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
