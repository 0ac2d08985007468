"""OGC API Features without HTTP: the collections, the bbox/limit/offset parameters and one page of items."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core.errors import BadInput, GeoRegistryError
from geo_registry.core.text import N_, _

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Far more than the register will ever hold; keeps a hostile offset from meaning anything odd.
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class Collection:
    """One feature collection: GeoJSON features (sorted by id) and their shapes, in the same order."""

    id: str
    title: str
    description: str
    features: list[dict]
    shapes: list[BaseGeometry] = field(repr=False)

    def extent(self) -> list[float] | None:
        """The bounding box (CRS84) of all features, or None when there are none."""
        if not self.shapes:
            return None
        return [float(v) for v in shapely.total_bounds(np.array(self.shapes, dtype=object))]

    def find(self, feature_id: str) -> dict | None:
        """Return the feature whose id, as text, is feature_id."""
        return next((f for f in self.features if str(f["id"]) == feature_id), None)

    def matching(self, bbox: tuple[float, float, float, float] | None) -> list[dict]:
        """The features whose geometry intersects bbox (all of them without one), in id order."""
        if bbox is None:
            return list(self.features)
        area = bbox_shape(bbox)
        hits = shapely.intersects(np.array(self.shapes, dtype=object), area) if self.shapes else []
        return [feature for feature, hit in zip(self.features, hits) if hit]


def bbox_shape(bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """The area of a CRS84 bbox; one whose west edge lies east of its east edge crosses the antimeridian."""
    minx, miny, maxx, maxy = bbox
    if minx <= maxx:
        return shapely.box(minx, miny, maxx, maxy)
    return shapely.union(shapely.box(minx, miny, 180, maxy), shapely.box(-180, miny, maxx, maxy))


def bbox_text(values: list[str]) -> str:
    """The bbox's numbers as one comma-separated text, whether it came as one value or as one value per number; a
    mix of the two forms is refused."""
    if len(values) > 1 and any("," in value for value in values):
        raise BadInput(
            _("Geef 'bbox' één keer met komma's, of elk getal als eigen 'bbox' (zonder komma's)."), field="bbox"
        )
    return ",".join(values)


def parse_bbox(values: list[str]) -> tuple[float, float, float, float] | None:
    """Read bbox=minx,miny,maxx,maxy (or the 6-number 3D form) in CRS84, given as one comma-separated value or as
    one value per number (bbox=5.2&bbox=52.2&..., as some generated clients send an array); None when absent."""
    if not values:
        return None
    parts = bbox_text(values).split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise BadInput(
            _("'bbox' moet 4 getallen zijn, gescheiden door komma's: west,zuid,oost,noord (lengte- en breedtegraad)."),
            field="bbox",
        )
    if len(numbers) == 6:  # minx, miny, minz, maxx, maxy, maxz: the heights do not matter in a flat register
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if miny > maxy:
        raise BadInput(
            _("In 'bbox' moet de zuidgrens (2e getal) kleiner zijn dan de noordgrens (4e getal)."), field="bbox"
        )
    return minx, miny, maxx, maxy


def parse_count(text: str | None, name: str, default: int, lowest: int, highest: int) -> int:
    """Read a whole-number parameter; above `highest` it is lowered to `highest`, as OGC API Features asks."""
    if text is None:
        return default
    value = text.strip()
    number = lowest - 1
    if value.isascii() and value.isdigit():
        digits = value.lstrip("0") or "0"
        # Python refuses int() of very long digit strings; anything this long is above `highest` anyway.
        number = int(digits) if len(digits) <= 12 else highest + 1
    if number < lowest:
        raise BadInput(
            _("'%(name)s' moet een geheel getal zijn van minstens %(lowest)d.", name=name, lowest=lowest), field=name
        )
    return min(number, highest)


@dataclass(frozen=True)
class Page:
    """One page of a collection's items: the features, how many matched, and the next page's offset."""

    features: list[dict]
    matched: int
    next_offset: int | None


def page(collection: Collection, bbox, limit: int, offset: int) -> Page:
    """Return the features from offset, at most limit of them, among those that intersect bbox."""
    return page_of(collection.matching(bbox), limit, offset)


def page_of(matching: list[dict], limit: int, offset: int) -> Page:
    """Return the matching features from offset, at most limit of them."""
    chosen = matching[offset : offset + limit]
    following = offset + limit if offset + limit < len(matching) else None
    return Page(chosen, len(matching), following)


class UnknownResource(GeoRegistryError):
    """A collection or feature that the register does not have."""

    status = 404
    code = "not_found"
    default_message = N_("Dit staat niet in het register.")


def _instant(text: str) -> datetime | None:
    """The time text names (a date alone is its midnight, a time without offset is UTC), or None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_datetime(text: str | None) -> None:
    """Refuse a datetime that is neither an RFC 3339 time nor an interval of two ('..' or nothing for an open
    end, not both), as OGC API Features asks; every feature matches a valid one (none has a time of its own)."""
    if text is None:
        return
    ends = text.split("/")
    moments = [_instant(end) for end in ends]
    instants = [moment is not None for moment in moments]
    open_ends = [end in ("", "..") for end in ends]
    valid = (
        instants == [True]
        if len(ends) == 1
        else (len(ends) == 2 and any(instants) and all(i or o for i, o in zip(instants, open_ends)))
    )
    if valid and len(moments) == 2 and moments[0] and moments[1] and moments[0] > moments[1]:
        raise BadInput(_("In 'datetime' moet het begin (voor de '/') niet na het einde liggen."), field="datetime")
    if not valid:
        raise BadInput(
            _(
                "'datetime' moet een tijdstip zijn (RFC 3339, bijvoorbeeld 2026-01-31T12:00:00Z) of twee, "
                "gescheiden door '/', met '..' voor een open einde."
            ),
            field="datetime",
        )


def check_parameters(args, allowed: tuple[str, ...]) -> None:
    """Refuse a query parameter the operation does not know, so a typo never silently returns everything."""
    for name in args:
        if name not in allowed:
            raise BadInput(
                _(
                    "Onbekende parameter '%(name)s'. Toegestaan: %(allowed)s.",
                    name=name[:40],
                    allowed=", ".join(allowed),
                ),
                field=name[:40],
            )
