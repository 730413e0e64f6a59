"""China's offset coordinate systems: GCJ-02 (国测局, used by Amap/高德 and Tencent) and BD-09
(Baidu/百度), back to WGS84, with the standard published formulas (Krasovsky ellipsoid constants).

The forward transform WGS84 -> GCJ-02 is the published one; its inverse has no closed form, so
GCJ-02 -> WGS84 iterates the forward transform (a fixed point; under 1e-9 degrees in a few steps).
The offsets are about 100-500 m: enough to put a household in the wrong community.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0                     # Krasovsky 1940 semi-major axis (m), as in the published formulas
_EE = 0.00669342162296594323       # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0     # Baidu's constant


def _lat_shift(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return r


def _lon_shift(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lat = _lat_shift(lon - 105.0, lat - 35.0)
    d_lon = _lon_shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon, lat, iterations: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The WGS84 point whose GCJ-02 image is (lon, lat), by fixed-point iteration."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lon.copy(), lat.copy()
    for _ in range(iterations):
        gx, gy = wgs84_to_gcj02(x, y)
        x, y = x - (gx - lon), y - (gy - lat)
    return x, y


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(lon, dtype=float) - 0.0065, np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def in_china(lon: float, lat: float) -> bool:
    """Roughly mainland China's box: where Amap and Baidu offset their coordinates."""
    return 73.66 <= lon <= 135.05 and 3.86 <= lat <= 53.55


def to_wgs84(source: str):
    """The transform for shapely.transform from an offset system ("gcj02" or "bd09") to WGS84."""
    step = gcj02_to_wgs84 if source == "gcj02" else bd09_to_wgs84

    def transform(xy: np.ndarray) -> np.ndarray:
        x, y = step(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return transform
