"""The public JSON API: lookups and the public shapes. Never any private field."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import services
from ..errors import BadInput
from ..text import _
from .maps import groups_collection, wijken_collection

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.after_app_request
def allow_any_origin(response):
    """The public API is read-only and holds nothing private: any site may use it (CORS)."""
    if not request.path.startswith("/api/"):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.get("/ping")
def ping():
    """A liveness probe that touches nothing (also the benchmark's trivial endpoint)."""
    return jsonify({"status": "ok"})


@bp.get("/lookup")
def lookup():
    """Answer which neighbourhood and groups hold an address or a point."""
    lookup_service = services.current().lookup
    args = request.args
    if "lat" in args or "lon" in args:
        answer = lookup_service.at_point(args.get("lat"), args.get("lon"))
    else:
        query = lookup_service.query_from_args(args)
        if query is None:
            raise BadInput(_("Geef postcode en huisnummer, of q (een adres), of lat en lon."))
        answer = lookup_service.at_address(query)
    return jsonify(answer.to_public())


@bp.get("/suggest")
def suggest():
    """Return addresses that start like q, for autocomplete."""
    text = (request.args.get("q") or "").strip()[:100]
    return jsonify({"suggestions": services.current().lookup.addresses.suggest(text) if text else []})


@bp.get("/groups.geojson")
def groups_geojson():
    """The active groups' areas with public properties."""
    snapshot = services.current().registry.snapshot()
    return _geojson(groups_collection(snapshot.groups))


@bp.get("/wijken.geojson")
def wijken_geojson():
    """The municipality's neighbourhoods."""
    return _geojson(wijken_collection(services.current().wijken))


def _geojson(collection: dict):
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response
