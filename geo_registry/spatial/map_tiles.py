"""The map's data one tile of the view at a time (z/x/y in the usual web-map tile scheme), for registers too
large to embed in the page (national size: 13,000 buurten, 20,000 groups). Zoomed in, a tile holds the groups
and buurten whose shapes reach into it, simplified to about a pixel at that zoom and with coordinates rounded
to match; zoomed out, where thousands of shapes would be specks, it holds how many groups lie in each part of
the tile instead. Made once per tile per snapshot (so once per change), from a spatial index."""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import mapping

from geo_registry.spatial import public

TILE_PIXELS = 256
MAX_ZOOM = 19
SHAPES_FROM_ZOOM = 13  # from here a tile holds shapes (a 1280x800 view is then ~25 km wide); below, counts
COUNT_CELLS = 4  # zoomed out: a tile is counted in 4 x 4 parts (a count every 64 pixels)
CACHED_TILES = 4096


class TileOutOfRange(ValueError):
    """z/x/y names no tile of the web-map tile scheme."""


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) in degrees of tile z/x/y (Web Mercator tiling, as Leaflet uses)."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise TileOutOfRange(f"{z}/{x}/{y}")
    n = 2**z

    def latitude(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, latitude(y + 1), (x + 1) / n * 360 - 180, latitude(y)


def pixel_degrees(z: int, latitude: float = 52.0) -> float:
    """The size of one screen pixel at zoom z, in degrees (the smaller of longitude and latitude)."""
    return 360 / (2**z * TILE_PIXELS) * math.cos(math.radians(latitude))


class TileSource:
    """Makes the tiles of one snapshot's groups and buurten, with their public properties (spatial.public;
    group_properties(group) may give fewer, as a benchmark or test of the tiling does)."""

    def __init__(self, groups, buurten, group_properties: Callable[[object], dict] = public.group_properties):
        self.groups, self.buurten = list(groups), list(buurten)
        self.group_properties = group_properties
        self.group_tree = shapely.STRtree([g.area for g in self.groups])
        self.buurt_tree = shapely.STRtree([b.geometry for b in self.buurten])
        self.group_points = (
            shapely.get_coordinates(shapely.point_on_surface([g.area for g in self.groups])) if self.groups else None
        )
        self._tiles: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The GeoJSON FeatureCollection of tile z/x/y, as UTF-8 JSON (made once, then kept)."""
        key = (z, x, y)
        with self._lock:
            if key in self._tiles:
                self._tiles.move_to_end(key)
                return self._tiles[key]
        body = json.dumps(self.collection(z, x, y), separators=(",", ":"), ensure_ascii=False).encode()
        with self._lock:
            self._tiles[key] = body
            while len(self._tiles) > CACHED_TILES:
                self._tiles.popitem(last=False)
        return body

    def collection(self, z: int, x: int, y: int) -> dict:
        """The features of tile z/x/y: shapes zoomed in, counts zoomed out."""
        bounds = tile_bounds(z, x, y)
        features = self._shapes(z, bounds) if z >= SHAPES_FROM_ZOOM else self._counts(bounds, f"{z}/{x}/{y}")
        return {"type": "FeatureCollection", "features": features}

    def _shapes(self, z: int, bounds) -> list[dict]:
        box = shapely.box(*bounds)
        tolerance = pixel_degrees(z)
        digits = max(5, min(7, math.ceil(-math.log10(tolerance / 4))))
        features = []
        for index in self.group_tree.query(box, predicate="intersects"):
            group = self.groups[index]
            features.append(
                _feature(
                    group.area, tolerance, digits, f"g{group.id}", {"kind": "group", **self.group_properties(group)}
                )
            )
        for index in self.buurt_tree.query(box, predicate="intersects"):
            buurt = self.buurten[index]
            features.append(
                _feature(
                    buurt.geometry,
                    tolerance,
                    digits,
                    f"b{buurt.code}",
                    {"kind": "buurt", **public.buurt_properties(buurt)},
                )
            )
        return [feature for feature in features if feature["geometry"]["coordinates"]]

    def _counts(self, bounds, tile: str) -> list[dict]:
        if self.group_points is None:
            return []
        west, south, east, north = bounds
        lon, lat = self.group_points[:, 0], self.group_points[:, 1]
        inside = (lon >= west) & (lon < east) & (lat >= south) & (lat < north)
        lon, lat = lon[inside], lat[inside]
        columns = ((lon - west) / (east - west) * COUNT_CELLS).astype(int).clip(0, COUNT_CELLS - 1)
        rows = ((lat - south) / (north - south) * COUNT_CELLS).astype(int).clip(0, COUNT_CELLS - 1)
        cells = rows * COUNT_CELLS + columns
        cell_count = COUNT_CELLS * COUNT_CELLS
        counts = np.bincount(cells, minlength=cell_count)
        lon_sums = np.bincount(cells, weights=lon, minlength=cell_count)
        lat_sums = np.bincount(cells, weights=lat, minlength=cell_count)
        features = []
        for cell in np.flatnonzero(counts):
            centre = [round(float(lon_sums[cell] / counts[cell]), 5), round(float(lat_sums[cell] / counts[cell]), 5)]
            features.append(
                {
                    "type": "Feature",
                    "id": f"n{tile}/{int(cell)}",
                    "geometry": {"type": "Point", "coordinates": centre},
                    "properties": {"kind": "count", "count": int(counts[cell])},
                }
            )
        return features


def _feature(geometry, tolerance: float, digits: int, feature_id: str, properties: dict) -> dict:
    """One shape simplified to about a pixel (topology kept, so it stays a valid area), rounded to digits."""
    simpler = shapely.set_precision(geometry.simplify(tolerance, preserve_topology=True), 10**-digits)
    return {"type": "Feature", "id": feature_id, "geometry": mapping(simpler), "properties": properties}
