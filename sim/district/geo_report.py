"""The import report (import_report.md in --out): what was read, how it was converted, the checks'
findings (gaps, holes, grid coverage 无缝覆盖) and the district's communities."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .geo_check import M2_PER_KM2


def write_report(path: Path, opts, district, comms, found) -> None:
    lines = [f"# District import: {opts.out.name}", "",
             f"- Boundaries: `{opts.boundaries}`" + (f", layer `{opts.layer}`" if opts.layer else ""),
             f"- Grids: `{opts.grids}`" if opts.grids else
             "- Grids: none given; made by bisection of each community's households (grid.households_per_grid "
             "of the base scenario), clipped to the community",
             f"- Declared CRS: {comms.table.crs.to_string()}; distances and areas in {district.crs} (UTM), km",
             f"- Text encoding: {opts.encoding or 'as declared by the file'}",
             f"- Offset coordinates: {_offset(opts)}",
             f"- Households: {_households_rule(opts)}; placed with seed {opts.seed}",
             f"- Scenario: `scenario.toml` extends `{opts.extends}`", "",
             f"{district.n_communities} communities, {district.n_grids} grids, {len(district.hh_xy):,} households; "
             f"extent {district.width:.2f} × {district.height:.2f} km.", ""]
    lines += _warnings(found) + _gaps(found) + _communities(district, comms, found)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _offset(opts) -> str:
    if opts.from_offset:
        return f"converted from {opts.from_offset.upper()} to WGS84 (--from-{opts.from_offset})"
    return "none converted"


def _households_rule(opts) -> str:
    if opts.households_field:
        return f"per community from field `{opts.households_field}`"
    if opts.density is not None:
        return f"density {opts.density:g} residents/km² × area / household size"
    return "the base scenario's territory.density_per_km2 × area / household size"


def _warnings(found) -> list[str]:
    if not found.warnings:
        return []
    return ["## Warnings", "", *[f"- {w}" for w in found.warnings], ""]


def _gaps(found) -> list[str]:
    lines = ["## Gaps between communities", ""]
    if not found.gaps and not found.holes:
        return [*lines, "None found: neighbouring communities meet along their boundaries.", ""]
    lines += [f"- gap between {a!r} and {b!r}: {area:,.0f} m²" for a, b, area in found.gaps]
    lines += [f"- hole enclosed by {', '.join(map(repr, around))}: {area:,.0f} m²" for around, area in found.holes]
    lines += ["", "Households are placed only inside communities: nobody lives in a gap. Close gaps in the "
              "boundaries if they are digitising errors.", ""]
    return lines


def _communities(district, comms, found) -> list[str]:
    lines = ["## Communities and grid coverage (无缝覆盖)", "",
             "| # | community | type | area km² | households | grids | grid cover | grid overlap m² |",
             "|---:|---|---|---:|---:|---:|---:|---:|"]
    hh = np.bincount(district.hh_community, minlength=district.n_communities)
    grids = np.bincount(district.grid_community, minlength=district.n_communities)
    for c, geom in enumerate(comms.geoms):
        share, overlap = found.coverage[c]
        lines.append(f"| {c} | {comms.names[c]} | {comms.types[c]} | {geom.area:.3f} | {hh[c]:,} | {grids[c]} | "
                     f"{share:.1%} | {overlap:,.0f} |")
    short = [comms.names[c] for c, (share, _) in enumerate(found.coverage) if share < 0.999]
    lines += ["", "Grid cover: the share of the community's area inside its grids (100%: seamless); households "
              "are placed only where grids are. " + (f"Not seamless: {', '.join(short)}." if short else
                                                     "Every community is covered seamlessly."),
              f"Total area {sum(g.area for g in comms.geoms):.3f} km² ({sum(g.area for g in comms.geoms) * M2_PER_KM2:,.0f} m²)."]
    return lines
