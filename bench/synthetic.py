"""Seeded synthetic data at Laren's size and at national size, for the benchmark (and its smoke test)."""

from __future__ import annotations

import numpy as np
import shapely

from geo_registry.core.geometry import RD_NEW, WGS84, transformer
from geo_registry.domain.groups import Group
from geo_registry.spatial.buurten import Buurt

# The Netherlands' land area, roughly, in RD New metres.
NL_BOUNDS = (13_000, 306_000, 278_000, 620_000)


def _to_wgs84(geoms):
    return shapely.transform(np.asarray(geoms, dtype=object), transformer(RD_NEW, WGS84).transform, interleaved=False)


def blob(rng, x, y, radius, vertices):
    """An irregular closed shape around (x, y), like a drawn group area, with `vertices` corners."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    radii = radius * rng.uniform(0.6, 1.0, vertices)
    ring = np.column_stack([x + radii * np.cos(angles), y + radii * np.sin(angles)])
    return shapely.make_valid(shapely.Polygon(ring))


def neighbourhoods(rng, count, bounds=NL_BOUNDS, vertex_spacing=60.0) -> list[Buurt]:
    """Voronoi cells over bounds, densified to realistic vertex counts (tens to hundreds)."""
    minx, miny, maxx, maxy = bounds
    seeds = shapely.multipoints(np.column_stack([rng.uniform(minx, maxx, count), rng.uniform(miny, maxy, count)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=shapely.box(*bounds)))
    cells = shapely.intersection(cells, shapely.box(*bounds))
    # Cells of national size are ~1.5 km across: one vertex every `vertex_spacing` metres.
    spacing = np.sqrt(shapely.area(cells)) / 25 if vertex_spacing is None else vertex_spacing
    cells = shapely.segmentize(cells, spacing)
    wgs = _to_wgs84(cells)
    return [Buurt(f"BU{i:08d}", f"Buurt {i}", f"WK{i // 10:06d}", "GM9999", geom) for i, geom in enumerate(wgs)]


def group_areas(rng, count, bounds, radius=(150, 700), vertices=(20, 120), first_id=1) -> list[Group]:
    """Irregular group areas scattered over bounds (RD), as beheerders draw them."""
    minx, miny, maxx, maxy = bounds
    shapes = [
        blob(rng, rng.uniform(minx, maxx), rng.uniform(miny, maxy), rng.uniform(*radius), int(rng.integers(*vertices)))
        for _ in range(count)
    ]
    wgs = _to_wgs84(shapes)
    return [
        Group(first_id + i, f"Groep {first_id + i}", geom, "Beheerder", f"b{i}@voorbeeld.invalid")
        for i, geom in enumerate(wgs)
    ]


def points_in(rng, count, bounds) -> tuple[np.ndarray, np.ndarray]:
    """Random points in bounds (RD) as WGS84 (lon, lat) arrays."""
    minx, miny, maxx, maxy = bounds
    return transformer(RD_NEW, WGS84).transform(rng.uniform(minx, maxx, count), rng.uniform(miny, maxy, count))


def laren_bounds(buurten) -> tuple[float, float, float, float]:
    """Laren's bounds in RD New."""
    union = shapely.union_all([w.geometry for w in buurten])
    return shapely.transform(union, transformer(WGS84, RD_NEW).transform, interleaved=False).bounds
