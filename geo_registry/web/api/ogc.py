"""OGC API Features (Part 1, Core, GeoJSON; Part 2, CRS by reference) for the active groups and the buurten,
under /api/v1.

Written small rather than with pygeoapi: two read-only collections held in memory per register snapshot
need no provider plugins, configuration file or second app, and keep the app's own error handling,
headers and caching."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, request

from geo_registry.core.text import _
from geo_registry.spatial import public
from geo_registry.spatial.crs import (
    CONFORMANCE_CRS,
    STORAGE_CRS,
    URIS,
    check_crs,
    content_crs,
    crs_page,
    in_crs,
    parse_bbox_in,
)
from geo_registry.spatial.features import (
    CRS84,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    Collection,
    UnknownResource,
    check_datetime,
    parse_count,
)
from geo_registry.web.api.encodings import GEOJSON, HTML, JSON, answer, html_link, link
from geo_registry.web.api.http import API_ROOT, accepts, by_register_version, current_snapshot
from geo_registry.web.api.openapi import OPENAPI_TYPE
from geo_registry.web.urls import api_url

bp = Blueprint("features", __name__, url_prefix=API_ROOT)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    CONFORMANCE_CRS,
]
# The query parameters of each kind of resource (the OpenAPI document lists the same: openapi.py).
# f=json or f=geojson is what some OGC clients send for features; lang chooses the language (nl, en).
DOCUMENT_PARAMETERS = ("f", "lang")
DOCUMENT_FORMATS = ("json",)
FEATURE_FORMATS = ("json", "geojson")
ITEM_PARAMETERS = ("bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "f", "lang")
FEATURE_PARAMETERS = ("crs", "f", "lang")


def collections() -> dict[str, Collection]:
    """The collections of the current snapshot, built once per change of the register."""
    snapshot = current_snapshot()
    return snapshot.cached("ogc-collections", lambda: _build(snapshot))


def _build(snapshot) -> dict[str, Collection]:
    groups = sorted(snapshot.groups, key=lambda group: group.id)
    buurten = sorted(snapshot.buurten, key=lambda buurt: buurt.code)
    return {
        "groups": Collection(
            "groups",
            "WhatsApp-buurtpreventiegroepen",
            "The active neighbourhood WhatsApp groups and their areas (public properties only).",
            [public.group_feature(group) for group in groups],
            [group.area for group in groups],
        ),
        "buurten": Collection(
            "buurten",
            "Buurten (CBS)",
            "The municipality's neighbourhoods (CBS buurten, CC BY 4.0).",
            [public.buurt_feature(buurt) for buurt in buurten],
            [buurt.geometry for buurt in buurten],
        ),
    }


def collections_in(uri: str) -> dict[str, Collection]:
    """The collections with their coordinates in the served CRS uri, transformed once per change of the register."""
    if uri == CRS84:
        return collections()
    snapshot = current_snapshot()
    return snapshot.cached(
        ("ogc-collections", uri), lambda: {key: in_crs(found, uri) for key, found in collections().items()}
    )


def _collection(collection_id: str) -> Collection:
    found = collections().get(collection_id)
    if found is None:
        raise UnknownResource(_("Er is geen collectie '%(id)s'.", id=collection_id[:100]))
    return found


def _features(body: dict, crs: str, page: str):
    """Answer features (JSON or the page), saying the coordinates' CRS (OGC API Features Part 2)."""
    response = answer(body, GEOJSON, FEATURE_FORMATS, page)
    response.headers["Content-Crs"] = content_crs(crs)
    return response


@bp.get("/")  # OGC's /req/core/root-op; clients such as OWSLib add the slash (ADR 2.2 exempts the root)
@bp.get("")  # registered first: the links name the landing page without its slash
@by_register_version
@accepts(*DOCUMENT_PARAMETERS)
def landing():
    """The landing page: what this API offers and where."""
    body = {
        "title": "WhatsApp-buurtpreventie register",
        "description": "Neighbourhood WhatsApp groups and buurten as OGC API Features; also address lookups.",
        "links": [
            link(api_url(".landing"), "self", JSON, "This document"),
            html_link(),
            link(api_url("openapi.openapi"), "service-desc", OPENAPI_TYPE, "The API definition (OpenAPI 3.0)"),
            link(api_url("openapi.docs"), "service-doc", HTML, "The API documentation"),
            link(api_url(".conformance"), "conformance", JSON, "Conformance classes"),
            link(api_url(".collection_list"), "data", JSON, "The collections"),
        ],
    }
    return answer(body, JSON, DOCUMENT_FORMATS, "landing")


@bp.get("/conformance")
@by_register_version
@accepts(*DOCUMENT_PARAMETERS)
def conformance():
    """The OGC conformance classes this API implements."""
    body = {
        "conformsTo": CONFORMANCE,
        "links": [link(api_url(".conformance"), "self", JSON, "Conformance classes"), html_link()],
    }
    return answer(body, JSON, DOCUMENT_FORMATS, "conformance")


def _describe(collection: Collection) -> dict:
    body: dict[str, object] = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": URIS,
        "storageCrs": STORAGE_CRS,
        "links": [
            link(api_url(".collection", collection_id=collection.id), "self", JSON, collection.title),
            link(api_url(".collection", collection_id=collection.id, f="html"), "alternate", HTML, collection.title),
            link(api_url(".items", collection_id=collection.id), "items", GEOJSON, f"{collection.title} (GeoJSON)"),
            link(api_url(".items", collection_id=collection.id, f="html"), "items", HTML, f"{collection.title} (HTML)"),
        ],
    }
    extent = collection.extent()
    if extent:
        body["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return body


@bp.get("/collections")
@by_register_version
@accepts(*DOCUMENT_PARAMETERS)
def collection_list():
    """Every collection with its description."""
    body = {
        "links": [link(api_url(".collection_list"), "self", JSON, "The collections"), html_link()],
        "crs": URIS,  # every CRS any collection is served in (Part 2's global list)
        "collections": [_describe(c) for c in collections().values()],
    }
    return answer(body, JSON, DOCUMENT_FORMATS, "collections")


@bp.get("/collections/<collection_id>")
@by_register_version
@accepts(*DOCUMENT_PARAMETERS)
def collection(collection_id: str):
    """One collection's description."""
    return answer(_describe(_collection(collection_id)), JSON, DOCUMENT_FORMATS, "collection")


def _page_link(found: Collection, rel: str, title: str, **query) -> dict:
    return link(api_url(".items", collection_id=found.id, **query), rel, GEOJSON, title)


@bp.get("/collections/<collection_id>/items")
@by_register_version
@accepts(*ITEM_PARAMETERS)
def items(collection_id: str):
    """A page of a collection's features, optionally those intersecting bbox."""
    found = _collection(collection_id)
    args = request.args
    crs, bbox_crs = check_crs(args.get("crs"), "crs"), check_crs(args.get("bbox-crs"), "bbox-crs")
    bbox = parse_bbox_in(args.getlist("bbox"), bbox_crs)
    limit = parse_count(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = parse_count(args.get("offset"), "offset", 0, 0, MAX_OFFSET)
    check_datetime(args.get("datetime"))  # a valid one matches every feature: none has a time of its own
    result = crs_page(collections_in(bbox_crs)[found.id], collections_in(crs)[found.id], bbox, bbox_crs, limit, offset)
    query: dict[str, str] = {name: args[name] for name in ("bbox-crs", "crs", "datetime") if name in args}
    if bbox is not None:
        query["bbox"] = ",".join(args.getlist("bbox"))  # the next link in the one-value form, whichever came
    links = [
        _page_link(found, "self", "This page", limit=limit, offset=offset, **query),
        html_link(),
        link(api_url(".collection", collection_id=found.id), "collection", JSON, found.title),
    ]
    if offset > 0:
        links.append(_page_link(found, "prev", "Previous page", limit=limit, offset=max(offset - limit, 0), **query))
    if result.next_offset is not None:
        links.append(_page_link(found, "next", "Next page", limit=limit, offset=result.next_offset, **query))
    body = {
        "type": "FeatureCollection",
        "features": result.features,
        "numberMatched": result.matched,
        "numberReturned": len(result.features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    return _features(body, crs, "items")


@bp.get("/collections/<collection_id>/items/<feature_id>")
@by_register_version
@accepts(*FEATURE_PARAMETERS)
def item(collection_id: str, feature_id: str):
    """One feature."""
    found = _collection(collection_id)
    crs = check_crs(request.args.get("crs"), "crs")
    feature = collections_in(crs)[found.id].find(feature_id)
    if feature is None:
        raise UnknownResource(
            _("Collectie '%(collection)s' heeft geen item '%(id)s'.", collection=found.id, id=feature_id[:100])
        )
    links = [
        link(
            api_url(".item", collection_id=found.id, feature_id=feature_id, **_crs_query(crs)),
            "self",
            GEOJSON,
            "This feature",
        ),
        html_link(),
        link(api_url(".collection", collection_id=found.id), "collection", JSON, found.title),
    ]
    return _features({**feature, "links": links}, crs, "item")


def _crs_query(crs: str) -> dict[str, str]:
    """The crs parameter of a link: none for the default CRS84."""
    return {} if crs == CRS84 else {"crs": crs}
