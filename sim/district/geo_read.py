"""Reading boundary layers (GeoJSON, Shapefile, zipped Shapefile, GeoPackage) through geopandas,
and bringing them to km in the UTM zone of the district's centroid.

geopandas is an optional extra (`pip install "govsim[gis]"`): imported only here and only when
`govsim district import` runs; without it the command stops with exit status 2 and says how to
install it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..options import OptionError
from . import geo_coords

INSTALL = ('govsim district import needs the optional GIS packages geopandas, pyogrio, shapely and pyproj: '
           'pip install "govsim[gis]" (in a source checkout: .venv/bin/pip install -e ".[gis]")')
FORMATS = "GeoJSON (.geojson/.json), Shapefile (.shp, or a .zip holding one) or GeoPackage (.gpkg)"


class DistrictError(OptionError):
    """Boundaries that cannot be imported: one line naming the file, the feature and what is wrong
    (exit status 2)."""


def require_gis():
    """geopandas, or DistrictError saying how to install the extra."""
    try:
        import geopandas
        import pyogrio  # noqa: F401  (the reader geopandas uses here)
        import pyproj  # noqa: F401
        import shapely  # noqa: F401
    except ImportError as exc:
        raise DistrictError(f"{INSTALL} (missing: {exc.name})") from None
    return geopandas


def read_layer(path: Path, layer: str | None, encoding: str | None, what: str):
    """One layer as a GeoDataFrame; DistrictError for a missing, unreadable or empty layer."""
    gpd = require_gis()
    if not path.exists():
        raise DistrictError(f"{path}: no such file ({what}); allowed: {FORMATS}")
    options = {"encoding": encoding} if encoding else {}
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio", **options)
    except Exception as exc:  # pyogrio's errors are many kinds; all mean "cannot read this input"
        raise DistrictError(f"{path}: cannot read the {what}{f' (layer {layer!r})' if layer else ''}: "
                            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; allowed: "
                            f"{FORMATS}") from None
    if len(gdf) == 0:
        raise DistrictError(f"{path}: the {what} layer is empty (no features)")
    return gdf


def layers_of(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception:
        return []


def is_shapefile(path: Path) -> bool:
    return path.suffix.lower() in (".shp", ".zip")


def has_cpg(path: Path) -> bool:
    """Whether a shapefile says its text encoding (a .cpg file beside it, or inside its zip)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            return any(n.lower().endswith(".cpg") for n in z.namelist())
    return any(p.suffix.lower() == ".cpg" and p.stem == path.stem for p in path.parent.iterdir())


def garbled(texts) -> str | None:
    """A text that looks like GBK read as Latin-1 (e.g. 'ÉçÇø' for 社区), or None."""
    for text in texts:
        if not isinstance(text, str) or not any("\u00a0" <= ch <= "\u00ff" for ch in text):
            continue
        try:
            fixed = text.encode("latin-1").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if any("\u4e00" <= ch <= "\u9fff" for ch in fixed):
            return text
    return None


def check_encoding(gdf, path: Path, encoding: str | None) -> None:
    """Shapefiles without a .cpg are read as Latin-1: Chinese names then come out garbled."""
    if encoding or not is_shapefile(path):
        return
    texts = [*map(str, gdf.columns)]
    for column in gdf.columns:
        if gdf[column].dtype == object and column != gdf.geometry.name:
            texts += [v for v in gdf[column].head(200).tolist() if isinstance(v, str)]
    sample = garbled(texts)
    if sample is not None:
        cpg = "has no .cpg file saying its encoding" if not has_cpg(path) else "declares an encoding in its .cpg"
        raise DistrictError(f"{path}: attribute names or values look garbled (e.g. {sample!r} reads as "
                            f"{sample.encode('latin-1').decode('gbk')!r} in GBK): the shapefile {cpg}; "
                            "run again with --encoding gbk")


def utm_epsg(lon: float, lat: float) -> int:
    """The WGS84 UTM zone holding (lon, lat): 326NN north of the equator, 327NN south."""
    zone = int(np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60))
    return (32600 if lat >= 0 else 32700) + zone


def check_crs(gdf, path: Path, what: str) -> None:
    """A CRS that is declared and plausible for the coordinates; DistrictError otherwise."""
    if gdf.crs is None:
        raise DistrictError(f"{path}: the {what} have no coordinate reference system (a shapefile needs its "
                            ".prj; allowed: a declared CRS, e.g. EPSG:4326 WGS84 or EPSG:4490 CGCS2000)")
    x0, y0, x1, y1 = gdf.total_bounds
    degrees_like = -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90
    if gdf.crs.is_geographic and not degrees_like:
        raise DistrictError(f"{path}: the {what} declare {gdf.crs.to_string()} (degrees) but their coordinates "
                            f"span x {x0:.0f} to {x1:.0f}, y {y0:.0f} to {y1:.0f}: not longitudes/latitudes; the "
                            "declared CRS is wrong (projected metres?)")
    if not gdf.crs.is_geographic and degrees_like and max(x1 - x0, y1 - y0) < 5:
        raise DistrictError(f"{path}: the {what} declare the projected {gdf.crs.to_string()} but their coordinates "
                            f"(x {x0:.4f} to {x1:.4f}, y {y0:.4f} to {y1:.4f}) look like degrees: the declared "
                            "CRS is wrong (EPSG:4326 or EPSG:4490?)")


def lonlat_centre(gdf) -> tuple[float, float]:
    x0, y0, x1, y1 = gdf.to_crs(4326).total_bounds if not gdf.crs.is_geographic else gdf.total_bounds
    return 0.5 * (x0 + x1), 0.5 * (y0 + y1)


def unshift(gdf, source: str | None, path: Path):
    """Coordinates taken from Amap (GCJ-02) or Baidu (BD-09) back to WGS84 (--from-gcj02/--from-bd09)."""
    if source is None:
        return gdf
    if not gdf.crs.is_geographic:
        raise DistrictError(f"{path}: --from-{source} converts longitudes/latitudes, but the input declares the "
                            f"projected {gdf.crs.to_string()}")
    import shapely

    out = gdf.copy()
    out.geometry = shapely.transform(gdf.geometry.values, geo_coords.to_wgs84(source))
    return out.set_crs(4326, allow_override=True)


def offset_warning(gdf, source: str | None) -> str | None:
    """What to say when longitudes/latitudes inside China may come from Amap or Baidu (we cannot know)."""
    if source is not None or not gdf.crs.is_geographic:
        return None
    lon, lat = lonlat_centre(gdf)
    if not geo_coords.in_china(lon, lat):
        return None
    return (f"the coordinates declare {gdf.crs.to_string()} and lie inside China ({lon:.4f}, {lat:.4f}): if they "
            "were taken from Amap/高德 (GCJ-02) or Baidu/百度 (BD-09) maps they are offset by about 100-500 m; "
            "if so, import again with --from-gcj02 or --from-bd09")


def to_km(gdf, epsg: int, origin: np.ndarray):
    """Geometries in km of UTM zone `epsg`, shifted by `origin` (metres) to start near (0, 0)."""
    import shapely

    metres = gdf.to_crs(epsg)
    return shapely.transform(metres.geometry.values, lambda xy: (xy - origin) / 1000.0)
