"""Checking a group's area: the same rules whether it was drawn, picked as buurten or uploaded."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import shapely
from shapely.geometry.base import BaseGeometry

from .errors import BadInput
from .geometry import WGS84, area_m2, is_polygonal, reproject
from .text import _

MIN_AREA_M2 = 2_000  # a few houses with their gardens
MAX_VERTICES = 5_000


class AreaRefused(BadInput):
    """The area cannot be used; the message says why in plain Dutch."""

    def __init__(self, message: str):
        super().__init__(message, field="gebied")


@dataclass(frozen=True)
class Overlap:
    """How much a new area shares with an existing group."""

    group_id: int
    group_name: str
    m2: float
    share_of_new: float


@dataclass
class CheckedArea:
    """An area that passed the checks, with what was changed and what it overlaps."""

    geometry: BaseGeometry
    m2: float
    notes: list[str] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)


def whole_number(value: float) -> str:
    """Write a number the Dutch way, with points between thousands: 12.345."""
    return f"{value:,.0f}".replace(",", ".")


def polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    """Return only the polygons of geom (None when it has none)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts)


def parse_geojson_area(data) -> BaseGeometry:
    """Read a Polygon, MultiPolygon, Feature or FeatureCollection (text or mapping) as one area."""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            raise AreaRefused(_("Het bestand is geen geldig GeoJSON.")) from None
    if not isinstance(data, dict):
        raise AreaRefused(_("Het bestand is geen geldig GeoJSON."))
    crs = (((data.get("crs") or {}).get("properties") or {}).get("name")) or WGS84
    if data.get("type") == "FeatureCollection":
        geometries = [f.get("geometry") for f in data.get("features") or [] if isinstance(f, dict)]
    elif data.get("type") == "Feature":
        geometries = [data.get("geometry")]
    else:
        geometries = [data]
    shapes = []
    for geometry in geometries:
        try:
            shapes.append(shapely.geometry.shape(geometry))
        except Exception:  # malformed coordinates come in many exception types
            raise AreaRefused(_("Het gebied in het bestand heeft ongeldige coördinaten.")) from None
    if not shapes:
        raise AreaRefused(_("Er staat geen gebied in het bestand."))
    if any(not is_polygonal(s) for s in shapes):
        kinds = sorted({s.geom_type for s in shapes if not is_polygonal(s)})
        raise AreaRefused(_("Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen %(kind)s.",
                            kind=", ".join(kinds)))
    try:
        shapes = [reproject(s, crs, WGS84) for s in shapes]
    except Exception:
        raise AreaRefused(_("Het coördinatenstelsel %(crs)s van het bestand is onbekend.", crs=crs)) from None
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise AreaRefused(_("De coördinaten zijn geen lengte- en breedtegraden (WGS84)."))
    return shapes[0] if len(shapes) == 1 else shapely.geometrycollections(shapes)


def area_from_wijken(codes, wijken) -> BaseGeometry:
    """Return the union of the chosen buurten."""
    by_code = {w.code: w for w in wijken}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise AreaRefused(_("Kies buurten uit de lijst."))
    return shapely.union_all([by_code[c].geometry for c in codes])


def _repair(geom: BaseGeometry, notes: list[str]) -> BaseGeometry:
    if geom.geom_type == "GeometryCollection":
        parts = [_repair(part, notes) for part in shapely.get_parts(geom)]
        return shapely.union_all(parts)
    if geom.is_valid:
        return geom
    repaired = shapely.make_valid(geom)
    polygons = polygonal_part(repaired)
    # Only when the repair loses nothing but zero-area slivers is it unambiguous.
    lost = shapely.difference(repaired, polygons) if polygons is not None else repaired
    if polygons is None or (not lost.is_empty and lost.length > 1e-6):
        raise AreaRefused(_("De vorm van het gebied is ongeldig (%(reason)s) en niet eenduidig te herstellen. "
                            "Teken het gebied opnieuw.", reason=shapely.is_valid_reason(geom)))
    notes.append(_("De vorm kruiste zichzelf; die is hersteld. Controleer het gebied op de kaart."))
    return polygons


def check_area(geom: BaseGeometry | None, gemeente: BaseGeometry, groups=(), gemeentenaam: str = "de gemeente",
               exclude_group_id: int | None = None, min_m2: float = MIN_AREA_M2,
               max_vertices: int = MAX_VERTICES) -> CheckedArea:
    """Check, repair and clip an area; raise AreaRefused with a plain-language reason."""
    if geom is None or geom.is_empty:
        raise AreaRefused(_("Geef het gebied van de groep: teken het op de kaart, kies buurten of upload een "
                            "bestand."))
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection") or polygonal_part(geom) is None:
        raise AreaRefused(_("Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen %(kind)s.",
                            kind=geom.geom_type))
    vertices = shapely.get_num_coordinates(geom)
    if vertices > max_vertices:
        raise AreaRefused(_("Het gebied heeft te veel hoekpunten (%(count)d; hoogstens %(max)d). "
                            "Vereenvoudig de vorm.", count=vertices, max=max_vertices))
    notes: list[str] = []
    geom = _repair(geom, notes)
    total_m2 = area_m2(geom)
    if total_m2 > area_m2(gemeente) * 1.05:
        raise AreaRefused(_("Het gebied is groter dan heel %(name)s. Kies een kleiner gebied.", name=gemeentenaam))
    if not geom.intersects(gemeente) or area_m2(geom.intersection(gemeente)) < 1:
        raise AreaRefused(_("Het gebied ligt helemaal buiten %(name)s.", name=gemeentenaam))
    clipped = polygonal_part(geom.intersection(gemeente))
    clipped_m2 = area_m2(clipped)
    if total_m2 - clipped_m2 > 1:
        notes.append(_("Het deel buiten %(name)s (%(m2)s m²) is weggelaten.", name=gemeentenaam,
                       m2=whole_number(total_m2 - clipped_m2)))
    if clipped_m2 < min_m2:
        raise AreaRefused(_("Het gebied is te klein (%(m2)s m²; minstens %(min)s m², een paar huizen).",
                            m2=whole_number(clipped_m2), min=whole_number(min_m2)))
    return CheckedArea(clipped, clipped_m2, notes, find_overlaps(clipped, clipped_m2, groups, exclude_group_id))


def find_overlaps(geom: BaseGeometry, geom_m2: float, groups, exclude_group_id=None) -> list[Overlap]:
    """Return the existing groups that share more than a square metre with geom, largest first."""
    overlaps = []
    for group in groups:
        if group.id == exclude_group_id or not group.area.intersects(geom):
            continue
        shared = area_m2(group.area.intersection(geom))
        if shared > 1:
            overlaps.append(Overlap(group.id, group.name, shared, shared / geom_m2))
    return sorted(overlaps, key=lambda o: -o.m2)
