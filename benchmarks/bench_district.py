"""Imported districts: the cost of `govsim district import`, and of a run on an imported district
against a synthetic territory of the same size (needs the gis extra).

1. Import of a generated 200-community district (Voronoi cells around random points near Harbin,
   126.6°E 45.75°N, GeoJSON in EPSG:4326, households by the base scenario's density, grids made
   by bisection): wall seconds of `import_district` in-process (geopandas already imported).
2. Runs (`sim.run`, 365 days, the same seed): an imported district of baseline size (10
   communities over 6.25 km², 1,900 households each from a households field: 19,000 households,
   50 grids by bisection) against the synthetic baseline with the same residents, households,
   communities, grids and density, in the same process. Same work apart from the territory: the
   two should cost about the same; the district's build is reading its file instead of drawing
   households.

Usage::

    python benchmarks/bench_district.py [--communities 200] [--repeats 2] [--days 365] [--json out.json]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import _common as C

C.ensure_root_on_path()

import numpy as np  # noqa: E402

import sim  # noqa: E402

LON0, LAT0 = 126.60, 45.75
KM_PER_DEG_LAT = 111.1


def make_district(path: Path, communities: int, area_km2: float, seed: int = 0,
                  households: int | None = None) -> None:
    """A GeoJSON of `communities` Voronoi cells tiling a 3:2 box of `area_km2`, seamless; with
    `households`, a field giving each community that many."""
    import geopandas as gpd
    import shapely

    h_km = float(np.sqrt(area_km2 / 1.5))
    w_deg = 1.5 * h_km / (KM_PER_DEG_LAT * np.cos(np.radians(LAT0)))
    h_deg = h_km / KM_PER_DEG_LAT
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(np.column_stack([LON0 + rng.random(communities) * w_deg,
                                               LAT0 + rng.random(communities) * h_deg]))
    box = shapely.box(LON0, LAT0, LON0 + w_deg, LAT0 + h_deg)
    cells = [c.intersection(box) for c in shapely.voronoi_polygons(pts, extend_to=box).geoms]
    fields = {"name": [f"社区{i + 1:03d}" for i in range(len(cells))]}
    if households is not None:
        fields["households"] = [households] * len(cells)
    gdf = gpd.GeoDataFrame(fields, geometry=cells, crs=4326)
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")


def time_import(tmp: Path, communities: int, area_km2: float, out: str, households: int | None = None):
    from sim.district.boundaries import ImportOptions, import_district
    from sim.district.geo_file import read_district

    source = tmp / f"{out}.geojson"
    make_district(source, communities, area_km2, households=households)
    t0 = time.perf_counter()
    import_district(ImportOptions(boundaries=source, out=tmp / out, name_field="name", extends=C.BASELINE,
                                  households_field=None if households is None else "households"))
    wall = time.perf_counter() - t0
    d = read_district(tmp / out / "district.npz")
    return wall, {"communities": d.n_communities, "grids": d.n_grids, "households": len(d.hh_xy)}


def time_runs(scenario, repeats: int, seed: int, days: int) -> dict:
    walls, builds, events = [], [], set()
    for _ in range(repeats):
        gc.collect()
        out = sim.run(scenario, seed, days=days, case_table=False)
        walls.append(out.wall_s)
        builds.append(out.meta["build_s"])
        events.add(int(out.meta["events"]))
    return {"wall_s": C.median(walls), "build_s": C.median(builds), "events": events.pop(),
            "grids": int(out.summary["territory.grids"]), "households": int(out.summary["population.households"])}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--communities", type=int, default=200)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json")
    a = p.parse_args(argv)
    import geopandas  # noqa: F401  (imported before timing)

    res: dict = {"machine": C.machine_info()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wall, size = time_import(tmp, a.communities, a.communities * 0.3, "big")
        res["import"] = {"wall_s": wall, **size}
        wall, size = time_import(tmp, 10, 6.25, "same", households=1_900)
        res["import_small"] = {"wall_s": wall, **size}
        district = sim.load_scenario(tmp / "same" / "scenario.toml")
        synthetic = sim.load_scenario(C.BASELINE).with_values(
            {k: district[k] for k in ("territory.residents", "territory.households_per_community",
                                      "territory.density_per_km2")})
        runs = {"run_district": [], "run_synthetic": []}
        for _ in range(a.repeats):   # interleaved, so a change in the machine's load hits both
            runs["run_district"].append(time_runs(district, 1, a.seed, a.days))
            runs["run_synthetic"].append(time_runs(synthetic, 1, a.seed, a.days))
        for key, rs in runs.items():
            res[key] = {**rs[0], "wall_s": C.median([r["wall_s"] for r in rs]),
                        "build_s": C.median([r["build_s"] for r in rs]), "walls": [r["wall_s"] for r in rs]}
    print(report(res, a))
    C.write_json(a.json, res)
    return res


def report(res: dict, a) -> str:
    i, s = res["import"], res["import_small"]
    rows = [(f"import, {i['communities']} communities", i["households"], i["grids"], i["wall_s"], ""),
            (f"import, {s['communities']} communities", s["households"], s["grids"], s["wall_s"], "")]
    for key, what in (("run_district", "run, imported district"), ("run_synthetic", "run, synthetic territory")):
        r = res[key]
        rows.append((f"{what} ({a.days} days, {r['events']:,} events)", r["households"], r["grids"], r["wall_s"],
                     r["build_s"]))
    m = res["machine"]
    return (C.md_table(("what", "households", "grids", "wall s", "build s"), rows)
            + f"\n\nmachine: {m.get('cpu', '')}, {m.get('cores', '')} cores; median of {a.repeats} runs, seed {a.seed}")


if __name__ == "__main__":
    main()
