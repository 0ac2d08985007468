"""Geometry helpers: WGS84 for storage, RD New (EPSG:28992) for areas and distances."""
from __future__ import annotations

from functools import lru_cache

import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"
POLYGONAL = ("Polygon", "MultiPolygon")


@lru_cache(maxsize=32)
def transformer(source: str, target: str) -> Transformer:
    """Return a cached x/y-ordered transformer between two CRSs."""
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True)


def reproject(geom: BaseGeometry, source: str, target: str) -> BaseGeometry:
    """Return geom transformed from source CRS to target CRS."""
    if CRS.from_user_input(source) == CRS.from_user_input(target):
        return geom
    return shapely.transform(geom, transformer(source, target).transform, interleaved=False)


def to_rd(geom: BaseGeometry) -> BaseGeometry:
    """Return a WGS84 geometry in RD New metres."""
    return reproject(geom, WGS84, RD_NEW)


def area_m2(geom: BaseGeometry) -> float:
    """Return the area of a WGS84 geometry in square metres, measured in RD New."""
    return to_rd(geom).area


def is_polygonal(geom: BaseGeometry | None) -> bool:
    """Tell whether geom is a non-empty Polygon or MultiPolygon."""
    return geom is not None and geom.geom_type in POLYGONAL and not geom.is_empty


def geometry_from_geojson(obj) -> BaseGeometry:
    """Build a shapely geometry from a GeoJSON geometry mapping (raises ValueError when malformed)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise ValueError("geen GeoJSON-geometrie")
    try:
        return shape(obj)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValueError(f"ongeldige coördinaten ({exc})") from exc


def to_geojson_text(geom: BaseGeometry) -> str:
    """Serialise geom as compact GeoJSON text."""
    return shapely.to_geojson(geom)


def to_geojson_mapping(geom: BaseGeometry) -> dict:
    """Return geom as a GeoJSON mapping."""
    return mapping(geom)


def simplify_for_display(geom: BaseGeometry, tolerance_m: float = 2.0) -> BaseGeometry:
    """Return a lighter copy of a WGS84 geometry for drawing; never used for lookups."""
    # ~1 m is 0.00001 degree at Laren's latitude; keep topology so shapes stay valid, and keep
    # 6 decimals (~10 cm), which halves the text a page carries.
    simpler = geom.simplify(tolerance_m * 1e-5, preserve_topology=True)
    return shapely.set_precision(simpler, 1e-6)
