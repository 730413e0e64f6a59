"""Writes the inputs of the worked example "Your own district" (README), from the repository root:

    .venv/bin/python examples/district/make_example.py

Everything here is made up; nothing is real personal data. Fixed seeds: the same files, byte for byte.

- communities.geojson: nine communities of a made-up street office (街道) in Jinan (about 117.05°E,
  36.66°N; UTM zone 50N; inside the heating zone) in CGCS2000 (EPSG:4490), on a 5 x 2 lattice whose
  shared vertices are jittered so that no outline is a rectangle; the village spans two cells.
  Fields: 名称 (name), 类型 (type: old_estate, commercial_estate, urban_village, work_unit, village),
  户数 (households).
- tickets_12345.csv: a 12345-style ticket log of the district over 2025 (UTF-8): 工单编号, 受理时间,
  办结时间, 诉求类别, 来源渠道, 纬度, 经度. Daytime hours, heating tickets only in the heating season
  (15 November to 15 March), one category (交通) that the mapping leaves out on purpose.
- mapping.toml: the log's categories -> need types of the baseline catalogue.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from sim.district.tickets_synth import synthetic_log  # noqa: E402

LON0, LAT0, DX, DY = 117.050, 36.660, 0.008, 0.0065
# vertex (i, j) of the 6 x 3 lattice, jittered (degrees) so that outlines are not rectangles
JITTER = {(1, 0): (0.0005, 0), (2, 0): (-0.0004, 0), (3, 0): (0.0003, 0), (4, 0): (-0.0005, 0),
          (0, 1): (0, 0.0004), (1, 1): (0.0006, -0.0005), (2, 1): (-0.0004, 0.0003), (3, 1): (0.0005, 0.0004),
          (4, 1): (-0.0003, -0.0004), (5, 1): (0, 0.0003), (1, 2): (-0.0003, 0), (2, 2): (0.0004, 0),
          (3, 2): (-0.0002, 0)}
# name, type (the community-type keys), households, lattice cells
COMMUNITIES = [
    ("趵泉社区", "old_estate", 2100, [(0, 0)]),
    ("柳荫社区", "old_estate", 1800, [(1, 0)]),
    ("锦屏社区", "commercial_estate", 2400, [(2, 0)]),
    ("和园社区", "commercial_estate", 2600, [(3, 0)]),
    ("机床厂社区", "work_unit", 1500, [(4, 0)]),
    ("南坡社区", "urban_village", 1300, [(0, 1)]),
    ("文华社区", "commercial_estate", 2200, [(1, 1)]),
    ("泉畔社区", "old_estate", 1700, [(2, 1)]),
    ("东庄村", "village", 600, [(3, 1), (4, 1)]),
]
RESIDENTS = 42_444            # the households above x 2.62 persons (territory.household_size)
# 12345 categories, tickets per resident-year over the whole year (heating: its season only)
RATES = {"物业维修": 0.012, "噪音扰民": 0.006, "道路设施": 0.004, "环境卫生": 0.008, "水电气": 0.006, "交通": 0.003}
HEATING_RATE = 0.012
HEATING_SEASON = ("2025-03-16", "2025-11-15")   # tickets between these dates are dropped
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 8, 9, 10, 10, 9, 8, 8, 7, 6, 4, 2, 1]
MAPPING = {"供暖": "heating", "物业维修": "repair", "噪音扰民": "dispute", "道路设施": "repair",
           "环境卫生": "sanitation", "水电气": "utilities"}


def vertex(i: int, j: int) -> tuple[float, float]:
    dx, dy = JITTER.get((i, j), (0, 0))
    return round(LON0 + i * DX + dx, 6), round(LAT0 + j * DY + dy, 6)


def outline(cells: list[tuple[int, int]]) -> list[list[float]]:
    """The closed ring (counter-clockwise) around one cell or a horizontal run of cells."""
    (i0, j), i1 = cells[0], cells[-1][0] + 1
    bottom = [vertex(i, j) for i in range(i0, i1 + 1)]
    top = [vertex(i, j + 1) for i in range(i1, i0 - 1, -1)]
    ring = bottom + top
    return [list(p) for p in ring + [ring[0]]]


def geojson() -> str:
    features = [{"type": "Feature", "properties": {"名称": name, "类型": kind, "户数": households},
                 "geometry": {"type": "Polygon", "coordinates": [outline(cells)]}}
                for name, kind, households, cells in COMMUNITIES]
    doc = {"type": "FeatureCollection", "name": "communities",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}, "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def tickets():
    """The log: the year's categories, plus heating in its season; positions inside the district."""
    import pandas as pd

    year = synthetic_log(RATES, RESIDENTS, "2025-01-01", 365, seed=2025, hourly=HOURLY, resolution=(3.2, 1.1))
    heat = synthetic_log({"供暖": HEATING_RATE * 365 / 120}, RESIDENTS, "2025-01-01", 365, seed=2026,
                         hourly=HOURLY, resolution=(2.3, 0.9))
    off_season = heat["受理时间"].between(HEATING_SEASON[0], HEATING_SEASON[1])
    log = pd.concat([year, heat[~off_season]]).sort_values("受理时间", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(12345)
    log["纬度"] = np.round(LAT0 + rng.random(len(log)) * 2 * DY, 5)
    log["经度"] = np.round(LON0 + rng.random(len(log)) * 5 * DX, 5)
    log.insert(0, "工单编号", [f"JN2025{k + 1:06d}" for k in range(len(log))])
    return log


def mapping_toml() -> str:
    lines = ["# 12345 categories (诉求类别) -> need types of the baseline catalogue (govsim params lists them).",
             "# 交通 (traffic) is left out on purpose: the model has no such need, and its rows are listed as",
             "# an unmapped category.", "[categories]"]
    return "\n".join(lines + [f'"{k}" = "{v}"' for k, v in MAPPING.items()]) + "\n"


def main(out: Path = HERE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "communities.geojson").write_text(geojson(), encoding="utf-8")
    tickets().to_csv(out / "tickets_12345.csv", index=False, encoding="utf-8", lineterminator="\n")
    (out / "mapping.toml").write_text(mapping_toml(), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
