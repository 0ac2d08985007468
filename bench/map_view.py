"""Benchmark rows for the map at national size: what one view of the map costs when it loads its tiles
(/kaart/tegels/z/x/y.json, gzip as served), against the anchor of embedding every group and buurt in the page."""

from __future__ import annotations

import gzip
import json
import math
import time

import numpy as np

from geo_registry.spatial.map_tiles import SHAPES_FROM_ZOOM, TileSource
from geo_registry.spatial.public import buurten_collection, groups_collection

VIEW_PIXELS = (1280, 800)


def view_tiles(lat: float, lon: float, z: int) -> list[tuple[int, int, int]]:
    """The tiles a 1280x800 map centred on (lat, lon) at zoom z shows (Leaflet asks for these)."""
    n = 2**z
    cx = (lon + 180) / 360 * n * 256
    cy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n * 256
    width, height = VIEW_PIXELS
    xs = range(int((cx - width / 2) // 256), int((cx + width / 2) // 256) + 1)
    ys = range(int((cy - height / 2) // 256), int((cy + height / 2) // 256) + 1)
    return [(z, x, y) for x in xs for y in ys if 0 <= x < n and 0 <= y < n]


def bench_map_view(row, rng, buurten, groups) -> None:
    """Rows: bytes per view zoomed in and zoomed out (largest of 10 views), against embedding everything."""
    embedded = json.dumps(
        [groups_collection(groups, simplify=True), buurten_collection(buurten)], separators=(",", ":")
    ).encode()
    anchor = len(gzip.compress(embedded, 6))
    source = TileSource(
        groups, buurten, lambda g: {"id": g.id, "name": g.name, "is_example": False, "colour": "#0072B2"}
    )
    centres = [
        (groups[i].area.centroid.y, groups[i].area.centroid.x) for i in rng.choice(len(groups), size=10, replace=False)
    ]
    for label, z in (("widest view with shapes", SHAPES_FROM_ZOOM), ("zoomed out (counts)", 8)):
        sizes, times = [], []
        for lat, lon in centres:
            started = time.perf_counter()
            bodies = [source.tile(*tile) for tile in view_tiles(lat, lon, z)]
            times.append(time.perf_counter() - started)
            sizes.append(sum(len(gzip.compress(body, 6)) for body in bodies))
        worst = max(sizes)
        row(
            f"national: map view {VIEW_PIXELS[0]}x{VIEW_PIXELS[1]}, {label}, zoom {z}: gzip bytes (largest of 10)",
            f"{worst / 1024:.0f} KB vs embedding all {anchor / 1024:.0f} KB (ratio {worst / anchor:.4f}); "
            f"made in {np.median(times) * 1000:.0f} ms (median)",
            "<= 100 KB",
        )
