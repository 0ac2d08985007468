"""Checking a group's area: the same rules whether it was drawn, picked as buurten or uploaded."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core import formats, text
from geo_registry.core.errors import BadInput
from geo_registry.core.geometry import (
    WGS84,
    area_m2,
    geojson_crs,
    geojson_features,
    is_polygonal,
    load_geojson,
    reproject,
    to_rd,
)
from geo_registry.core.text import _

MIN_AREA_M2 = 2_000  # a few houses with their gardens
MAX_VERTICES = 5_000
# Repairing a border costs GEOS far more than linear time in its self-crossings (a 151-point star, 20 kB of
# GeoJSON, took 47 s; 501 points over 3 minutes), so a border that crosses itself more often is refused
# before any repair is tried. A hand-drawn bow-tie crosses once.
MAX_CROSSINGS = 50


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
    """Write a whole number as the reader's language does: 12.345 in Dutch, 12,345 in English."""
    return formats.number(round(value), text.language())


def polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    """Return only the polygons of geom (None when it has none)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts)


def parse_geojson_area(data) -> BaseGeometry:
    """Read a Polygon, MultiPolygon, Feature or FeatureCollection (text or mapping) as one area."""
    try:
        data = load_geojson(data) if isinstance(data, (bytes, str)) else data
        if not isinstance(data, dict):
            raise ValueError(_("Het bestand is geen geldig GeoJSON."))
        crs = geojson_crs(data)
        if data.get("type") == "FeatureCollection":
            geometries = [f.get("geometry") for f in geojson_features(data) if isinstance(f, dict)]
        elif data.get("type") == "Feature":
            geometries = [data.get("geometry")]
        else:
            geometries = [data]
    except ValueError as error:
        raise AreaRefused(str(error)) from None
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
        raise AreaRefused(
            _("Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen %(kind)s.", kind=", ".join(kinds))
        )
    try:
        shapes = [reproject(s, crs, WGS84) for s in shapes]
    except Exception:
        raise AreaRefused(_("Het coördinatenstelsel %(crs)s van het bestand is onbekend.", crs=crs)) from None
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):  # also refuses NaN
        raise AreaRefused(_("De coördinaten zijn geen lengte- en breedtegraden (WGS84)."))
    return shapes[0] if len(shapes) == 1 else shapely.geometrycollections(shapes)


def area_from_buurten(codes, buurten) -> BaseGeometry:
    """Return the union of the chosen buurten."""
    by_code = {w.code: w for w in buurten}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise AreaRefused(_("Kies buurten uit de lijst."))
    return shapely.union_all([by_code[c].geometry for c in codes])


def combine_areas(parts: list[BaseGeometry]) -> BaseGeometry | None:
    """Return the parts (drawn, picked, uploaded) as one collection, unrepaired, for check_area to judge."""
    # make_valid() here would 'repair' a hole equal to its shell into a whole square before the checks see it.
    flat = [
        p for part in parts for p in (shapely.get_parts(part) if part.geom_type == "GeometryCollection" else [part])
    ]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else shapely.geometrycollections(flat)


def _repair(geom: BaseGeometry, notes: list[str]) -> BaseGeometry:
    """Return geom made valid where the meaning is unambiguous; refuse the rest, saying what is wrong."""
    if geom.geom_type in ("GeometryCollection", "MultiPolygon"):
        parts = list(shapely.get_parts(geom))
        if geom.geom_type == "MultiPolygon" and not geom.is_valid and all(p.is_valid for p in parts):
            notes.append(
                _("Delen van het gebied overlapten elkaar of raakten elkaar over een lijn; ze zijn samengevoegd.")
            )
        # Separate parts (drawn, picked, uploaded, or the polygons of one file) together cover their union.
        return shapely.union_all([_repair(part, notes) for part in parts])
    if geom.is_valid:  # duplicate points and either ring orientation are valid already
        return geom
    shell = _repaired_shell(shapely.Polygon(geom.exterior), notes)
    holes = [_checked_hole(shapely.Polygon(ring), shell) for ring in geom.interiors]
    if not holes:
        return shell
    all_holes = shapely.union_all(holes)
    if all_holes.covers(shell):
        raise AreaRefused(_nothing_left())
    if sum(hole.area for hole in holes) - all_holes.area > 1e-9 * all_holes.area:
        raise AreaRefused(_("Twee gaten in het gebied overlappen elkaar of liggen in elkaar. Teken elk gat één keer."))
    rest = polygonal_part(shell.difference(all_holes))
    if rest is None:
        raise AreaRefused(_nothing_left())
    return rest


def _nothing_left() -> str:
    """The refusal for holes that take away the whole area (translated when it is raised)."""
    return _("Een gat in het gebied is even groot als het gebied zelf (of groter): er blijft niets over.")


def _repaired_shell(shell: BaseGeometry, notes: list[str]) -> BaseGeometry:
    """Return the outer ring's area; only a border that crosses itself like a bow-tie is repaired."""
    if shell.is_valid:
        return shell
    if self_crossings(shell.exterior, MAX_CROSSINGS) > MAX_CROSSINGS:
        raise AreaRefused(
            _(
                "De buitenrand van het gebied kruist zichzelf te vaak (meer dan %(max)d keer). Teken "
                "het gebied opnieuw.",
                max=MAX_CROSSINGS,
            )
        )
    linework = shapely.make_valid(shell, method="linework")
    polygons = polygonal_part(linework)
    if polygons is None:
        raise AreaRefused(_("De buitenrand van het gebied omsluit geen vlak. Teken het gebied opnieuw."))
    lost = shapely.difference(linework, polygons)
    if not lost.is_empty and lost.length > 1e-6:  # more than ~10 cm of border that encloses nothing
        raise AreaRefused(
            _("De buitenrand van het gebied gaat ergens heen en terug over dezelfde lijn. Teken het gebied opnieuw.")
        )
    # Where the border runs around a part twice, 'inside' could mean either; a bow-tie reads the same both ways.
    union = polygonal_part(shapely.make_valid(shell, method="structure"))
    if union is None or shapely.symmetric_difference(polygons, union).area > 1e-9 * polygons.area:
        raise AreaRefused(
            _(
                "De buitenrand van het gebied kruist zichzelf zo dat niet duidelijk is wat binnen "
                "ligt: een deel wordt twee keer omrand. Teken het gebied opnieuw."
            )
        )
    notes.append(_("De vorm kruiste zichzelf; die is hersteld. Controleer het gebied op de kaart."))
    return polygons


def _orientation(p, q, r):
    """The sign of the turn p -> q -> r (positive left, negative right, zero in line), element-wise."""
    return np.sign(
        (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])
    )


def self_crossings(ring, limit: int, chunk: int = 128) -> int:
    """Count the pairs of segments of ring that cross or touch, other than neighbours, in linear memory and
    at most quadratic time; stop counting soon after more than limit are found."""
    xy = np.asarray(ring.coords)[:, :2]
    xy = xy[np.r_[True, np.any(xy[1:] != xy[:-1], axis=1)]]  # a repeated point is no segment
    starts, ends = xy[:-1], xy[1:]
    count = len(starts)
    low, high = np.minimum(starts, ends), np.maximum(starts, ends)
    found = 0
    for first in range(0, count, chunk):
        rows = np.arange(first, min(first + chunk, count))
        # Only segments whose box meets this run's box can meet it: few, for a shape drawn by hand.
        near = np.flatnonzero(np.all((low <= high[rows].max(axis=0)) & (high >= low[rows].min(axis=0)), axis=1))
        r, c = rows[:, None], near[None]
        meets = (
            np.all((low[r] <= high[c]) & (low[c] <= high[r]), axis=2)
            & (_orientation(starts[r], ends[r], starts[c]) * _orientation(starts[r], ends[r], ends[c]) <= 0)
            & (_orientation(starts[c], ends[c], starts[r]) * _orientation(starts[c], ends[c], ends[r]) <= 0)
        )
        gap = np.abs(r - c)
        meets &= (gap > 1) & (gap < count - 1)  # neighbours share a point; the first and last close the ring
        found += int(meets.sum())  # every pair is seen twice, (i, j) and (j, i)
        if found > 2 * limit:
            break
    # A pair across two runs is seen once when counting stops early: rounding up still says "more than limit".
    return (found + 1) // 2


def _checked_hole(hole: BaseGeometry, shell: BaseGeometry) -> BaseGeometry:
    """Return a hole that lies inside its shell; refuse one outside it, across it, or taking it all."""
    if not hole.is_valid:
        raise AreaRefused(_("Een gat in het gebied kruist zichzelf of heeft geen oppervlakte."))
    # One DE-9IM matrix (shell against hole) answers every question, fast on a prepared shell:
    # interior/boundary/exterior of the shell (rows) against those of the hole (columns).
    shapely.prepare(shell)
    ii, _ib, ie, _bi, bb, be, ei, eb, _ee = shell.relate(hole)
    if ie == "F" and be == "F":  # no part of the shell lies outside the hole
        raise AreaRefused(_nothing_left())
    if ii == "F":
        raise AreaRefused(
            _(
                "Een gat ligt buiten de buitenrand van het gebied. Een gat moet binnen het gebied "
                "liggen; teken een los stuk als een eigen vlak."
            )
        )
    if ei != "F" or eb != "F":  # part of the hole lies outside the shell
        raise AreaRefused(
            _("De rand van een gat kruist de buitenrand van het gebied. Een gat moet binnen het gebied liggen.")
        )
    if bb == "1":
        raise AreaRefused(
            _(
                "Een gat raakt de buitenrand van het gebied over een stuk lijn. Teken de buitenrand "
                "om het gat heen, of laat het gat binnen het gebied liggen."
            )
        )
    return hole


def check_area(
    geom: BaseGeometry | None,
    gemeente: BaseGeometry,
    groups=(),
    gemeentenaam: str = "de gemeente",
    exclude_group_id: int | None = None,
    min_m2: float = MIN_AREA_M2,
    max_vertices: int = MAX_VERTICES,
) -> CheckedArea:
    """Check, repair and clip an area; raise AreaRefused with a plain-language reason."""
    if geom is None or geom.is_empty:
        raise AreaRefused(_("Geef het gebied van de groep: teken het op de kaart, kies buurten of upload een bestand."))
    # Not polygonal_part(): the union of parts not yet repaired can fail (two bow-ties gave a TopologyException).
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection") or not any(
        part.geom_type == "Polygon" and not part.is_empty for part in shapely.get_parts(geom)
    ):
        raise AreaRefused(
            _("Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen %(kind)s.", kind=geom.geom_type)
        )
    vertices = shapely.get_num_coordinates(geom)
    if vertices > max_vertices:
        raise AreaRefused(
            _(
                "Het gebied heeft te veel hoekpunten (%(count)d; hoogstens %(max)d). Vereenvoudig de vorm.",
                count=vertices,
                max=max_vertices,
            )
        )
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
        notes.append(
            _(
                "Het deel buiten %(name)s (%(m2)s m²) is weggelaten.",
                name=gemeentenaam,
                m2=whole_number(total_m2 - clipped_m2),
            )
        )
    if clipped_m2 < min_m2:
        raise AreaRefused(
            _(
                "Het gebied is te klein (%(m2)s m²; minstens %(min)s m², een paar huizen).",
                m2=whole_number(clipped_m2),
                min=whole_number(min_m2),
            )
        )
    notes = list(dict.fromkeys(notes))  # once each, however many parts were repaired (notes go into the cookie)
    return CheckedArea(clipped, clipped_m2, notes, find_overlaps(clipped, clipped_m2, groups, exclude_group_id))


def find_overlaps(geom: BaseGeometry, geom_m2: float, groups, exclude_group_id=None, sliver=None) -> list[Overlap]:
    """Return the existing groups that share more than a square metre with geom, largest first; sliver(m2,
    share of geom) says which overlaps are too small to count as well (spatial.coverage.Sliver)."""
    overlaps = []
    for group in groups:
        if group.id == exclude_group_id or not group.area.intersects(geom):
            continue
        shared = area_m2(group.area.intersection(geom))
        if shared > 1 and not (sliver and sliver(shared, shared / geom_m2)):
            overlaps.append(Overlap(group.id, group.name, shared, shared / geom_m2))
    return sorted(overlaps, key=lambda o: -o.m2)


# A buurt counts as part of an area when this share of it lies inside (a border moved by rounding still counts).
WHOLE_BUURT_SHARE = 0.999
# What is left of an area outside its whole buurten, thinner than this (metres), is the seam between them.
SEAM_M = 1.0


def split_into_buurten(area: BaseGeometry, buurten) -> tuple[list[str], BaseGeometry | None]:
    """Return the codes of the buurten lying wholly in area, and the rest of area outside them (None when
    nothing is left but seams): ticked and drawn together, the two give the area again, so a form showing the
    current area that way proposes exactly what is ticked and drawn."""
    inside = to_rd(area)
    whole = [
        b
        for b in buurten
        if inside.intersects(rd := to_rd(b.geometry))
        and rd.area > 0
        and inside.intersection(rd).area >= WHOLE_BUURT_SHARE * rd.area
    ]
    if not whole:
        return [], area
    rest = shapely.difference(area, shapely.union_all([b.geometry for b in whole]))
    polygons = None if rest.is_empty else polygonal_part(rest)
    parts = [] if polygons is None else shapely.get_parts(polygons)
    kept = [part for part in parts if not to_rd(part).buffer(-SEAM_M / 2).is_empty]
    return [b.code for b in whole], (shapely.union_all(kept) if kept else None)
