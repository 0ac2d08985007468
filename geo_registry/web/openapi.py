"""The OpenAPI 3 description of the public API (kept true by a schemathesis test)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("openapi", __name__)

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"},
                   "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}}}}}}
ADDRESS = {"type": "object", "required": ["weergavenaam", "straat", "huisnummer", "postcode", "woonplaats", "lat", "lon"],
           "properties": {"weergavenaam": {"type": "string"}, "straat": {"type": "string"},
                          "huisnummer": {"type": "integer"}, "huisletter": {"type": ["string", "null"]},
                          "toevoeging": {"type": ["string", "null"]}, "postcode": {"type": "string"},
                          "woonplaats": {"type": "string"}, "lat": {"type": "number"}, "lon": {"type": "number"}}}
WIJK_REF = {"type": "object", "required": ["code", "name"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
LOOKUP = {"type": "object", "required": ["point", "in_gemeente", "wijk", "wijken", "groups", "address"],
          "additionalProperties": False, "properties": {
              "point": {"type": "object", "required": ["lat", "lon"],
                        "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
              "in_gemeente": {"type": "boolean"},
              "wijk": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/WijkRef"}]},
              "wijken": {"type": "array", "items": {"$ref": "#/components/schemas/WijkRef"}},
              "groups": {"type": "array", "items": {"$ref": "#/components/schemas/GroupRef"}},
              "address": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Address"}]}}}
GROUP_REF = {"type": "object", "required": ["id", "name", "is_example"], "additionalProperties": False,
             "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "is_example": {"type": "boolean"}}}
FEATURES = {"type": "object", "required": ["type", "features"], "properties": {
    "type": {"const": "FeatureCollection"},
    "features": {"type": "array", "items": {"type": "object", "required": ["type", "geometry", "properties"],
                                            "properties": {"type": {"const": "Feature"},
                                                           "geometry": {"type": "object"},
                                                           "properties": {"type": "object"}}}}}}


def _query(name, description, schema, example=None):
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        parameter["example"] = example
    return parameter


def _errors(*codes):
    texts = {400: "Invalid input (the message names the field)", 404: "Address not found",
             409: "Several addresses match: pick one of error.candidates",
             503: "The address service is unreachable; a point lookup still works"}
    return {str(code): {"description": texts[code], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for code in codes}


def spec(server_url: str) -> dict:
    """Return the OpenAPI document."""
    ok = lambda ref, kind="application/json": {"description": "OK", "content": {kind: {"schema": ref}}}  # noqa: E731
    return {
        "openapi": "3.0.3",
        "info": {"title": "WhatsApp-buurtpreventie register – public API", "version": "1.0.0",
                 "description": "Which WhatsApp group covers an address or a point. Read-only, open to every "
                                "origin (CORS). Never contains a beheerder's name, e-mail address or phone number."},
        "servers": [{"url": server_url}],
        "paths": {
            "/api/lookup": {"get": {
                "summary": "The buurt and the groups at an address or a point",
                "description": "Give postcode and huisnummer (optionally huisletter, toevoeging), or q (free "
                               "text), or lat and lon (WGS84).",
                "parameters": [
                    _query("postcode", "Dutch postcode, 4 digits and 2 letters",
                           {"type": "string", "pattern": "^\\s*[0-9]{4}\\s*[A-Za-z]{2}\\s*$"}, "1251KV"),
                    _query("huisnummer", "House number, a whole number from 1", {"type": "string"}, "12"),
                    _query("huisletter", "House letter", {"type": "string"}),
                    _query("toevoeging", "House number addition", {"type": "string"}),
                    _query("q", "Free text address, e.g. 'Brink 12 Laren'", {"type": "string"}),
                    _query("lat", "Latitude (WGS84)", {"type": "string"}, "52.2557"),
                    _query("lon", "Longitude (WGS84)", {"type": "string"}, "5.2276")],
                "responses": {"200": ok({"$ref": "#/components/schemas/Lookup"}), **_errors(400, 404, 409, 503)}}},
            "/api/groups.geojson": {"get": {"summary": "Active groups' areas (public properties only)",
                                            "responses": {"200": ok({"$ref": "#/components/schemas/Features"},
                                                                    "application/geo+json")}}},
            "/api/wijken.geojson": {"get": {"summary": "The municipality's buurten",
                                            "responses": {"200": ok({"$ref": "#/components/schemas/Features"},
                                                                    "application/geo+json")}}},
            "/api/suggest": {"get": {"summary": "Address suggestions for autocomplete",
                                     "parameters": [_query("q", "What was typed so far", {"type": "string"}, "Brin")],
                                     "responses": {"200": ok({"type": "object", "required": ["suggestions"],
                                                              "properties": {"suggestions": {
                                                                  "type": "array", "items": {"type": "string"}}}})}}},
            "/api/ping": {"get": {"summary": "Liveness probe",
                                  "responses": {"200": ok({"type": "object", "properties": {
                                      "status": {"type": "string"}}})}}},
        },
        "components": {"schemas": {"Error": ERROR, "Address": ADDRESS, "WijkRef": WIJK_REF, "Lookup": LOOKUP,
                                   "GroupRef": GROUP_REF, "Features": FEATURES}},
    }


def public_url() -> str:
    """The site's configured address for the document's server (not the Host header a client sent)."""
    return current_app.config["PUBLIC_URL"].rstrip("/")


@bp.get("/api/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return jsonify(spec(public_url()))


@bp.get("/api/docs")
def docs():
    """A human-readable list of the API's endpoints."""
    from flask import render_template

    return render_template("api/docs.html", spec=spec(public_url()))
