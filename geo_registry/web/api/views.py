"""The public JSON API under /api/v1: lookups and the public shapes. Never any private field.

The same answers stay at the unversioned /api/... paths until their sunset (see api_http)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _
from geo_registry.spatial.public import buurten_collection, groups_collection
from geo_registry.web import services as app_services
from geo_registry.web.api.http import API_ROOT, LEGACY_ROOT, RENAMED, accepts, by_register_version, current_snapshot

bp = Blueprint("api", __name__, url_prefix=API_ROOT)
legacy = Blueprint("api_legacy", __name__, url_prefix=LEGACY_ROOT)


# The query parameters of each operation (the OpenAPI document lists the same: openapi.py); lang chooses the
# language of error messages.
LOOKUP_PARAMETERS = ("postcode", "huisnummer", "huisletter", "toevoeging", "q", "lat", "lon", "lang")


@bp.get("/ping")
@accepts("lang")
def ping():
    """A liveness probe that touches nothing (also the benchmark's trivial endpoint)."""
    return jsonify({"status": "ok"})


@bp.get("/lookup")
@accepts(*LOOKUP_PARAMETERS)
def lookup():
    """Answer which neighbourhood and groups hold an address or a point."""
    args = request.args
    if "lat" in args or "lon" in args:
        return point_lookup()
    lookup_service = app_services.current().lookup
    query = lookup_service.query_from_args(args)
    if query is None:
        raise BadInput(_("Geef postcode en huisnummer, of q (een adres), of lat en lon."))
    # No ETag here: the address may come from the Locatieserver, which the register's version does not cover.
    return jsonify(lookup_service.at_address(query).to_public())


@by_register_version
def point_lookup():
    """Answer for lat/lon: it depends on the register alone, so it can be cached by its version (the answer is
    made from the snapshot whose version is its ETag)."""
    args = request.args
    answer = app_services.current().lookup.at_point(args.get("lat"), args.get("lon"), current_snapshot())
    return jsonify(answer.to_public())


@bp.get("/suggest")
@accepts("q", "lang")
def suggest():
    """Return addresses that start like q, for autocomplete."""
    text = (request.args.get("q") or "").strip()[:100]
    return jsonify({"suggestions": app_services.current().lookup.addresses.suggest(text) if text else []})


@bp.get("/groups-geojson")
@by_register_version
@accepts("lang")
def groups_geojson():
    """The active groups' areas with public properties."""
    return _geojson(groups_collection(current_snapshot().groups))


@bp.get("/wijken-geojson")
@by_register_version
@accepts("lang")
def wijken_geojson():
    """The municipality's neighbourhoods."""
    return _geojson(buurten_collection(current_snapshot().buurten))


def _geojson(collection: dict):
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response


# The paths renamed within /api/v1 answer the same (with Deprecation and Sunset headers: http.api_headers).
RENAMED_VIEWS = {"/groups.geojson": groups_geojson, "/wijken.geojson": wijken_geojson}
for _old in RENAMED:
    bp.add_url_rule(_old, f"{RENAMED_VIEWS[_old].__name__}_renamed", RENAMED_VIEWS[_old], methods=["GET"])

# The unversioned paths of before /api/v1 answer the same (with Deprecation and Sunset headers).
for _rule, _view in (
    ("/ping", ping),
    ("/lookup", lookup),
    ("/suggest", suggest),
    ("/groups.geojson", groups_geojson),
    ("/wijken.geojson", wijken_geojson),
):
    legacy.add_url_rule(_rule, view_func=_view, methods=["GET"])
