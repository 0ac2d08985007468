"""OGC API Features Part 2 (CRS by reference) without HTTP: the coordinate reference systems the collections are
served in, a collection's features in one of them, and a bbox given in one of them.

The register keeps its shapes in WGS 84 longitude/latitude (CRS84, the storage CRS). Coordinates in another CRS
follow that CRS's own axis order, as Part 2 asks and pygeoapi and ldproxy do: RD New is x (east), y (north);
ETRS89 and WGS 84 by their EPSG URIs are latitude, longitude. Only CRS84 itself is longitude, latitude."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo_registry.core.errors import BadInput
from geo_registry.core.text import N_, _
from geo_registry.spatial.features import CRS84, Collection, Page, bbox_shape, bbox_text, page_of, parse_bbox

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
RD_NEW = EPSG + "28992"
ETRS89 = EPSG + "4258"
WGS84_LATLON = EPSG + "4326"
CONFORMANCE_CRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"


@dataclass(frozen=True)
class ServedCrs:
    """A CRS the collections are served in: its OGC URI, its name for pyproj, its axes in order (for messages)
    and the decimals kept (a millimetre or less)."""

    uri: str
    name: str
    axes: str
    decimals: int


SERVED = (
    ServedCrs(CRS84, "OGC:CRS84", N_("lengtegraad, breedtegraad"), 9),
    ServedCrs(RD_NEW, "EPSG:28992", N_("x (oost), y (noord) in meter"), 3),
    ServedCrs(ETRS89, "EPSG:4258", N_("breedtegraad, lengtegraad"), 9),
    ServedCrs(WGS84_LATLON, "EPSG:4326", N_("breedtegraad, lengtegraad"), 9),
)
STORAGE_CRS = CRS84
URIS = [served.uri for served in SERVED]
_BY_URI = {served.uri: served for served in SERVED}


def content_crs(uri: str) -> str:
    """The Content-Crs header's value for coordinates in uri (the URI in angle brackets, as Part 2 asks)."""
    return f"<{uri}>"


def check_crs(value: str | None, name: str) -> str:
    """The CRS a crs or bbox-crs parameter names (CRS84 when absent); 400 for one not served."""
    if value is None:
        return CRS84
    if value not in _BY_URI:
        raise BadInput(
            _(
                "'%(name)s' kan alleen een van deze coördinatenstelsels zijn: %(supported)s.",
                name=name,
                supported=", ".join(URIS),
            ),
            field=name,
        )
    return value


@cache
def _from_storage(uri: str) -> Transformer:
    # Built once per CRS and kept: pyproj's transformers are safe to share between threads (pyproj >= 3.1).
    # No always_xy: the output follows the target CRS's axis order, which is what Part 2 asks.
    return Transformer.from_crs(CRS.from_user_input("OGC:CRS84"), CRS.from_user_input(_BY_URI[uri].name))


def transform(shapes: list[BaseGeometry], uri: str) -> list[BaseGeometry]:
    """The shapes (CRS84) in the served CRS uri, rounded to its decimals (a millimetre or less)."""
    if uri == CRS84 or not shapes:
        return list(shapes)
    transformer, decimals = _from_storage(uri), _BY_URI[uri].decimals

    def to_target(x, y):
        tx, ty = transformer.transform(x, y)
        return np.round(tx, decimals), np.round(ty, decimals)

    return list(shapely.transform(np.array(shapes, dtype=object), to_target, interleaved=False))


def in_crs(collection: Collection, uri: str) -> Collection:
    """The collection with its features' geometries (and its shapes) in the served CRS uri."""
    if uri == CRS84:
        return collection
    shapes = transform(collection.shapes, uri)
    features = [{**feature, "geometry": mapping(shape)} for feature, shape in zip(collection.features, shapes)]
    return replace(collection, features=features, shapes=shapes)


def parse_bbox_in(values: list[str], uri: str) -> tuple[float, float, float, float] | None:
    """Read bbox (one comma-separated value, or one value per number) in the CRS uri (its corners in that CRS's
    axis order); None when absent."""
    if uri == CRS84 or not values:
        return parse_bbox(values)
    try:
        numbers = [float(part) for part in bbox_text(values).split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # the heights do not matter in a flat register
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if (
        len(numbers) != 4
        or not all(math.isfinite(n) for n in numbers)
        or numbers[0] > numbers[2]
        or numbers[1] > numbers[3]
    ):
        raise BadInput(
            _(
                "'bbox' moet 4 getallen zijn, gescheiden door komma's: eerst de kleinste, dan de grootste "
                "coördinaten in de volgorde van 'bbox-crs' (%(axes)s).",
                axes=_(_BY_URI[uri].axes),
            ),
            field="bbox",
        )
    minx, miny, maxx, maxy = numbers
    return minx, miny, maxx, maxy


def crs_page(filtered: Collection, served: Collection, bbox, bbox_uri: str, limit: int, offset: int) -> Page:
    """A page of served's features (one collection in the answer's CRS) whose shapes in filtered (the same
    collection in bbox_uri, in the same order) intersect bbox; the box is a box in bbox_uri, so the filter is
    exact in the CRS the client chose."""
    if bbox is None:
        return page_of(served.features, limit, offset)
    area = bbox_shape(bbox) if bbox_uri == CRS84 else shapely.box(*bbox)
    hits = shapely.intersects(np.array(filtered.shapes, dtype=object), area) if filtered.shapes else []
    return page_of([feature for feature, hit in zip(served.features, hits) if hit], limit, offset)
