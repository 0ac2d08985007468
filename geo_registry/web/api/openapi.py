"""The OpenAPI 3.0 description of the public API at /api/v1/openapi.json (checked by openapi-spec-validator,
and kept true by a schemathesis test)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from geo_registry.web import settings
from geo_registry.web.api.http import API_ROOT, API_VERSION, LEGACY_ROOT, accepts, by_register_version
from geo_registry.web.api.openapi_schemas import HEADERS, PARAMETERS, schemas
from geo_registry.web.urls import api_server_url

bp = Blueprint("openapi", __name__)

ERROR_TEXTS = {
    400: "Invalid input (detail says why, field names the parameter)",
    404: "Not found",
    409: "Several addresses match: pick one of candidates",
    503: "The address service is unreachable; a point lookup still works",
}
VERSION_HEADER = {"API-Version": {"$ref": "#/components/headers/API-Version"}}
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
CACHED_HEADERS = {**VERSION_HEADER, "ETag": {"$ref": "#/components/headers/ETag"}}


def _query(name, description, schema, example=None):
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        parameter["example"] = example
    return parameter


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _errors(*codes) -> dict:
    return {
        str(code): {
            "description": ERROR_TEXTS[code],
            "headers": VERSION_HEADER,
            "content": {"application/problem+json": {"schema": _ref("schemas", "Problem")}},
        }
        for code in codes
    }


HTML_PAGE = {"text/html": {"schema": {"type": "string", "description": "The same resource as a web page"}}}


def _get(
    summary: str,
    schema: dict,
    *errors: int,
    kind: str = "application/json",
    cached: bool = False,
    html: bool = False,
    parameters: list | None = None,
    description: str | None = None,
    operation_id: str,
) -> dict:
    """A GET operation: its 200 answer (also as HTML when html), its errors (always 400: every operation refuses
    a parameter it does not know), the lang parameter, and (when cached) its ETag and 304. Public: no security."""
    content = {kind: {"schema": schema}, **(HTML_PAGE if html else {})}
    responses = {
        "200": {"description": "OK", "headers": CACHED_HEADERS if cached else VERSION_HEADER, "content": content}
    }
    params = list(parameters or []) + [_ref("parameters", "lang")]
    if cached:
        responses["304"] = {
            "description": "Not Modified: the resource has not changed since the ETag sent",
            "headers": CACHED_HEADERS,
        }
        params.append(_ref("parameters", "ifNoneMatch"))
    responses.update(_errors(*sorted({400, *errors})))
    operation = {"operationId": operation_id, "summary": summary, "security": [], "responses": responses}
    if description:
        operation["description"] = description
    operation["parameters"] = params
    return {"get": operation}


LOOKUP_PARAMETERS = [
    _query(
        "postcode",
        "Dutch postcode, 4 digits and 2 letters",
        {"type": "string", "pattern": "^\\s*[0-9]{4}\\s*[A-Za-z]{2}\\s*$"},
        "1251KV",
    ),
    _query("huisnummer", "House number, a whole number from 1", {"type": "string"}, "12"),
    _query("huisletter", "House letter", {"type": "string"}),
    _query("toevoeging", "House number addition", {"type": "string"}),
    _query("q", "Free text address, e.g. 'Brink 12 Laren'", {"type": "string"}),
    _query("lat", "Latitude (WGS84)", {"type": "string"}, "52.2557"),
    _query("lon", "Longitude (WGS84)", {"type": "string"}, "5.2276"),
]
OGC_DOCUMENT = [_ref("parameters", "fDocument")]
ONE_FILE = "All in one file. The path with '.geojson' (before kebab-case path segments) still answers the same "


def paths() -> dict:
    """The operations, relative to the server URL (which ends in the major version)."""
    features, geojson = _ref("schemas", "FeatureCollection"), "application/geo+json"
    collection = _ref("parameters", "collectionId")
    operations = {
        "/": _get(
            "The landing page (OGC API): links to the definition, conformance and collections",
            _ref("schemas", "LandingPage"),
            cached=True,
            html=True,
            parameters=OGC_DOCUMENT,
            operation_id="landingPage",
            description="Also at the server URL itself, without the slash.",
        ),
        "/lookup": _get(
            "The buurt and the groups at an address or a point",
            _ref("schemas", "Lookup"),
            404,
            409,
            503,
            parameters=LOOKUP_PARAMETERS,
            operation_id="lookup",
            description="Give postcode and huisnummer (optionally huisletter, toevoeging), or q (free "
            "text), or lat and lon (WGS84). A point lookup carries an ETag.",
        ),
        "/suggest": _get(
            "Address suggestions for autocomplete",
            {
                "type": "object",
                "required": ["suggestions"],
                "properties": {"suggestions": {"type": "array", "items": {"type": "string"}}},
            },
            parameters=[_query("q", "What was typed so far", {"type": "string"}, "Brin")],
            operation_id="suggest",
            description="400 for a parameter given twice or one it does not know.",
        ),
        "/groups-geojson": _get(
            "Active groups' areas (public properties only), all in one file",
            _ref("schemas", "GroupFeatureCollection"),
            kind=geojson,
            cached=True,
            operation_id="groupsGeojson",
            description=ONE_FILE + "until its sunset (Deprecation, Sunset and Link headers).",
        ),
        "/wijken-geojson": _get(
            "The municipality's buurten, all in one file",
            _ref("schemas", "BuurtFeatureCollection"),
            kind=geojson,
            cached=True,
            operation_id="buurtenGeojson",
            description=ONE_FILE + "until its sunset (Deprecation, Sunset and Link headers).",
        ),
        "/ping": _get(
            "Liveness probe", {"type": "object", "properties": {"status": {"type": "string"}}}, operation_id="ping"
        ),
        "/openapi.json": _get(
            "This OpenAPI document", {"type": "object"}, cached=True, operation_id="openapi", kind=OPENAPI_TYPE
        ),
        "/conformance": _get(
            "OGC API conformance classes",
            _ref("schemas", "Conformance"),
            cached=True,
            html=True,
            parameters=OGC_DOCUMENT,
            operation_id="conformance",
        ),
        "/collections": _get(
            "The feature collections: groups and buurten",
            _ref("schemas", "Collections"),
            cached=True,
            html=True,
            parameters=OGC_DOCUMENT,
            operation_id="collections",
        ),
        "/collections/{collectionId}": _get(
            "One feature collection",
            _ref("schemas", "Collection"),
            404,
            cached=True,
            html=True,
            parameters=[collection, *OGC_DOCUMENT],
            operation_id="collection",
        ),
        "/collections/{collectionId}/items": _get(
            "A collection's features, a page at a time (follow the next link)",
            features,
            404,
            kind=geojson,
            cached=True,
            html=True,
            operation_id="items",
            parameters=[collection]
            + [_ref("parameters", name) for name in ("bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "f")],
        ),
        "/collections/{collectionId}/items/{featureId}": _get(
            "One feature",
            _ref("schemas", "Feature"),
            400,
            404,
            kind=geojson,
            cached=True,
            html=True,
            operation_id="item",
            parameters=[
                collection,
                _ref("parameters", "featureId"),
                _ref("parameters", "crs"),
                _ref("parameters", "f"),
            ],
        ),
    }
    for path in ("/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"):
        answer = operations[path]["get"]["responses"]["200"]
        answer["headers"] = {**answer["headers"], "Content-Crs": _ref("headers", "Content-Crs")}
    return operations


def spec(root_url: str, contact_email: str | None = None) -> dict:
    """Return the OpenAPI document for the app served at root_url (no trailing slash)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "WhatsApp-buurtpreventie register – public API",
            "version": API_VERSION,
            "description": "Which WhatsApp group covers an address or a point, and the groups and buurten as "
            "OGC API Features (landing page at the server URL, with or without a trailing slash; every "
            "OGC resource also as a web page with f=html or Accept: text/html). Read-only, open to every "
            "origin (CORS). Never contains a beheerder's name, e-mail address or phone number. Errors are "
            f"RFC 9457 problem details. The unversioned paths under {LEGACY_ROOT}/ are deprecated, and so "
            "are /groups.geojson and /wijken.geojson (now /groups-geojson and /wijken-geojson).",
            "contact": {
                "name": "Gemeente Laren, openbare orde en veiligheid",
                "url": root_url + "/informatie/",
                **({"email": contact_email} if contact_email else {}),
            },
            "license": {
                "name": "Buurtgrenzen: CBS / Kadaster, CC BY 4.0",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": root_url + API_ROOT}],
        "security": [],  # public: no authentication at all
        "paths": paths(),
        "components": {"schemas": schemas(), "headers": HEADERS, "parameters": PARAMETERS},
    }


@bp.get(API_ROOT + "/openapi.json")
@by_register_version
@accepts("lang")
def openapi():
    """Serve the OpenAPI document."""
    # The configured address, never the Host header a client sent (which would plant another server in it).
    response = jsonify(spec(api_server_url(settings.current()), settings.current().CONTACT_EMAIL))
    response.headers["Content-Type"] = OPENAPI_TYPE
    return response


bp.add_url_rule(LEGACY_ROOT + "/openapi.json", "legacy_openapi", openapi, methods=["GET"])


@bp.get(LEGACY_ROOT + "/docs")
def docs():
    """A human-readable list of the API's endpoints."""
    operations = []
    for path, item in paths().items():
        operation = item["get"]
        params = [
            PARAMETERS[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in operation.get("parameters", [])
        ]
        operations.append(
            {
                "path": API_ROOT + path,
                "summary": operation["summary"],
                "description": operation.get("description", ""),
                "parameters": [p for p in params if p["in"] != "header"],
            }
        )
    return render_template("api/docs.html", operations=operations)
