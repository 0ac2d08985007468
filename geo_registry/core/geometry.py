"""Geometry helpers: WGS84 for storage, RD New (EPSG:28992) for areas and distances."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo_registry.core.text import _

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"
POLYGONAL = ("Polygon", "MultiPolygon")
# A FeatureCollection of GeometryCollections of MultiPolygons nests 10 deep; deeper input only serves to
# exhaust the parser's stack (JSON nested 1,000 deep is a RecursionError, not a ValueError).
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
OPENING, CLOSING = np.frombuffer(b"[{", dtype=np.uint8), np.frombuffer(b"]}", dtype=np.uint8)


@lru_cache(maxsize=32)
def transformer(source: str, target: str) -> Transformer:
    """Return a cached x/y-ordered transformer between two CRSs."""
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True)


@lru_cache(maxsize=32)
def same_crs(source: str, target: str) -> bool:
    """Tell whether two CRS names mean the same CRS (kept: an import asks once per feature)."""
    return CRS.from_user_input(source) == CRS.from_user_input(target)


def reproject(geom: BaseGeometry, source: str, target: str) -> BaseGeometry:
    """Return geom transformed from source CRS to target CRS."""
    if same_crs(source, target):
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


def json_depth(text: str) -> int:
    """Return how deeply the arrays and objects of JSON text nest (brackets inside strings do not count)."""
    # Counted as bytes with numpy: an import of 20,000 groups is tens of megabytes, a Python loop over every
    # bracket took seconds.
    data = np.frombuffer(_JSON_STRING.sub("", text).encode("utf-8"), dtype=np.uint8)
    steps = np.isin(data, OPENING).astype(np.int64) - np.isin(data, CLOSING)
    return int(np.cumsum(steps).max(initial=0))


def load_geojson(data) -> dict:
    """Parse GeoJSON text or bytes into a mapping; raise ValueError with a plain-language reason."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else str(data)
    except UnicodeDecodeError:
        raise ValueError(_("Het bestand is geen geldig GeoJSON.")) from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(
            _(
                "Het bestand is te diep genest (meer dan %(max)d niveaus); GeoJSON heeft er maar een paar nodig.",
                max=MAX_JSON_DEPTH,
            )
        )
    try:
        obj = json.loads(text)
    except ValueError:
        raise ValueError(_("Het bestand is geen geldig GeoJSON.")) from None
    if not isinstance(obj, dict):
        raise ValueError(_("Het bestand is geen geldig GeoJSON."))
    return obj


def geojson_crs(obj: dict) -> str:
    """Return the CRS a (legacy) GeoJSON crs member names, WGS84 when there is none (ValueError when malformed)."""
    crs = obj.get("crs")
    if not crs:  # absent, null or empty: GeoJSON's default
        return WGS84
    name = crs.get("properties") if isinstance(crs, dict) else None
    name = name.get("name") if isinstance(name, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            _(
                "Het bestand is geen geldig GeoJSON: 'crs' moet de naam van een coördinatenstelsel "
                "geven, zoals EPSG:28992."
            )
        )
    return name.strip()


def geojson_features(obj: dict) -> list:
    """Return the features of a FeatureCollection (ValueError when 'features' is not a list)."""
    features = obj.get("features")
    if not isinstance(features, list):
        raise ValueError(_("Het bestand is geen geldig GeoJSON: 'features' moet een lijst zijn."))
    return features
