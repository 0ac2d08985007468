"""OGC API Features (Part 1, Core, GeoJSON; Part 2, CRS by reference) for the active groups and the buurten,
under /api/v1.

Written small rather than with pygeoapi: two read-only collections held in memory per register snapshot
need no provider plugins, configuration file or second app, and keep the app's own error handling,
headers and caching."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from geo_registry.core.errors import BadInput
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
    check_parameters,
    parse_count,
)
from geo_registry.web.api.http import API_ROOT, by_register_version, current_snapshot
from geo_registry.web.api.openapi import OPENAPI_TYPE
from geo_registry.web.urls import api_url

bp = Blueprint("features", __name__, url_prefix=API_ROOT)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    CONFORMANCE_CRS,
]
JSON, GEOJSON = "application/json", "application/geo+json"
# f=json or f=geojson is what some OGC clients send; the only encoding here is GeoJSON anyway.
ITEM_PARAMETERS = ("bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "f", "lang")


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


def _link(href: str, rel: str, kind: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": kind, "title": title}


def _collection(collection_id: str) -> Collection:
    found = collections().get(collection_id)
    if found is None:
        raise UnknownResource(_("Er is geen collectie '%(id)s'.", id=collection_id[:100]))
    return found


def _geojson(body: dict, crs: str):
    response = jsonify(body)
    response.mimetype = GEOJSON
    response.headers["Content-Crs"] = content_crs(crs)  # OGC API Features Part 2: the coordinates' CRS
    return response


@bp.get("")
@by_register_version
def landing():
    """The landing page: what this API offers and where."""
    return jsonify(
        {
            "title": "WhatsApp-buurtpreventie register",
            "description": "Neighbourhood WhatsApp groups and buurten as OGC API Features; also address lookups.",
            "links": [
                _link(api_url(".landing"), "self", JSON, "This document"),
                _link(api_url("openapi.openapi"), "service-desc", OPENAPI_TYPE, "The API definition (OpenAPI 3.0)"),
                _link(api_url("openapi.docs"), "service-doc", "text/html", "The API documentation"),
                _link(api_url(".conformance"), "conformance", JSON, "Conformance classes"),
                _link(api_url(".collection_list"), "data", JSON, "The collections"),
            ],
        }
    )


@bp.get("/conformance")
@by_register_version
def conformance():
    """The OGC conformance classes this API implements."""
    return jsonify({"conformsTo": CONFORMANCE})


def _describe(collection: Collection) -> dict:
    body: dict[str, object] = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": URIS,
        "storageCrs": STORAGE_CRS,
        "links": [
            _link(api_url(".collection", collection_id=collection.id), "self", JSON, collection.title),
            _link(api_url(".items", collection_id=collection.id), "items", GEOJSON, f"{collection.title} (GeoJSON)"),
        ],
    }
    extent = collection.extent()
    if extent:
        body["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return body


@bp.get("/collections")
@by_register_version
def collection_list():
    """Every collection with its description."""
    return jsonify(
        {
            "links": [_link(api_url(".collection_list"), "self", JSON, "The collections")],
            "crs": URIS,  # every CRS any collection is served in (Part 2's global list)
            "collections": [_describe(c) for c in collections().values()],
        }
    )


@bp.get("/collections/<collection_id>")
@by_register_version
def collection(collection_id: str):
    """One collection's description."""
    return jsonify(_describe(_collection(collection_id)))


@bp.get("/collections/<collection_id>/items")
@by_register_version
def items(collection_id: str):
    """A page of a collection's features, optionally those intersecting bbox."""
    found = _collection(collection_id)
    args = request.args
    check_parameters(args, ITEM_PARAMETERS)
    if args.get("f", "json") not in ("json", "geojson"):
        raise BadInput(_("'f' kan alleen 'json' of 'geojson' zijn."), field="f")
    crs, bbox_crs = check_crs(args.get("crs"), "crs"), check_crs(args.get("bbox-crs"), "bbox-crs")
    bbox = parse_bbox_in(args.get("bbox"), bbox_crs)
    limit = parse_count(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = parse_count(args.get("offset"), "offset", 0, 0, MAX_OFFSET)
    check_datetime(args.get("datetime"))  # a valid one matches every feature: none has a time of its own
    result = crs_page(collections_in(bbox_crs)[found.id], collections_in(crs)[found.id], bbox, bbox_crs, limit, offset)
    query = {name: args[name] for name in ("bbox", "bbox-crs", "crs", "datetime") if name in args}
    links = [
        _link(
            api_url(".items", collection_id=found.id, limit=limit, offset=offset, **query), "self", GEOJSON, "This page"
        ),
        _link(api_url(".collection", collection_id=found.id), "collection", JSON, found.title),
    ]
    if result.next_offset is not None:
        links.append(
            _link(
                api_url(".items", collection_id=found.id, limit=limit, offset=result.next_offset, **query),
                "next",
                GEOJSON,
                "Next page",
            )
        )
    return _geojson(
        {
            "type": "FeatureCollection",
            "features": result.features,
            "numberMatched": result.matched,
            "numberReturned": len(result.features),
            "links": links,
        },
        crs,
    )


@bp.get("/collections/<collection_id>/items/<feature_id>")
@by_register_version
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
        _link(
            api_url(".item", collection_id=found.id, feature_id=feature_id, **_crs_query(crs)),
            "self",
            GEOJSON,
            "This feature",
        ),
        _link(api_url(".collection", collection_id=found.id), "collection", JSON, found.title),
    ]
    return _geojson({**feature, "links": links}, crs)


def _crs_query(crs: str) -> dict[str, str]:
    return {} if crs == CRS84 else {"crs": crs}
