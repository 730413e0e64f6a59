"""`govsim district import`: its arguments (the work is in sim/district/boundaries.py)."""

from __future__ import annotations

from pathlib import Path

from .. import options


def add_import_parser(dsub) -> None:
    """Registers `govsim district import` on the `district` sub-parsers."""
    p = dsub.add_parser("import", help="community (and grid) boundaries in: a scenario with the real district",
                        description="Reads GeoJSON, Shapefile (also zipped) or GeoPackage boundaries (needs the "
                                    "optional extra: pip install \"govsim[gis]\") and writes a scenario that "
                                    "`govsim run` uses without it.")
    p.add_argument("boundaries", type=Path, help="community polygons: .geojson, .shp, .zip or .gpkg")
    p.add_argument("--out", type=Path, required=True, help="the scenario folder to write, e.g. scenarios/NAME/")
    p.add_argument("--grids", metavar="GRID_LAYER",
                   help="grid polygons: a file, or a layer of the boundaries' GeoPackage (default: grids made by "
                        "bisection inside each community, grid.households_per_grid of the base scenario)")
    p.add_argument("--layer", help="the communities' layer of a GeoPackage (default: its first layer)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--households-field", metavar="F", help="the field holding each community's households")
    how.add_argument("--density", metavar="D", type=options.positive_float,
                     help="residents per km² (default: territory.density_per_km2 of the base scenario)")
    p.add_argument("--type-field", metavar="T", help="the field holding each community's type (社区/村)")
    p.add_argument("--name-field", metavar="N", help="the field holding each community's (and grid's) name")
    p.add_argument("--encoding", help="text encoding of a shapefile without .cpg, e.g. gbk")
    shift = p.add_mutually_exclusive_group()
    shift.add_argument("--from-gcj02", dest="from_offset", action="store_const", const="gcj02",
                       help="the coordinates come from Amap/高德 or Tencent (GCJ-02): convert to WGS84")
    shift.add_argument("--from-bd09", dest="from_offset", action="store_const", const="bd09",
                       help="the coordinates come from Baidu/百度 (BD-09): convert to WGS84")
    p.add_argument("--extends", type=Path, default=Path("scenarios/baseline.toml"),
                   help="the base scenario the written one extends (default scenarios/baseline.toml)")
    p.add_argument("--seed", type=options.nonneg_int, default=0, help="seed for placing households (default 0)")
    p.add_argument("--force", action="store_true", help="replace a non-empty --out folder")
    p.set_defaults(func=cmd_import)


def cmd_import(args) -> int:
    from .boundaries import ImportOptions, import_district

    opts = ImportOptions(boundaries=args.boundaries, out=args.out, grids=args.grids, layer=args.layer,
                         households_field=args.households_field, density=args.density, type_field=args.type_field,
                         name_field=args.name_field, encoding=args.encoding, from_offset=args.from_offset,
                         extends=args.extends, seed=args.seed, force=args.force)
    out = import_district(opts)
    print(f"wrote {out}/scenario.toml, district.npz and import_report.md; run it with: govsim run "
          f"{out}/scenario.toml")
    return 0
