"""The map's data per tile of the view (/kaart/tegels/z/x/y.json), for maps of registers too large to embed:
public properties only (spatial.public), made once per tile per change, cacheable (ETag from the register's
version)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from geo_registry.spatial.map_tiles import TileOutOfRange, TileSource, tile_bounds
from geo_registry.web import services as app_services

bp = Blueprint("tiles", __name__, url_prefix="/kaart/tegels")


@bp.get("/<int:z>/<int:x>/<int:y>.json")
def tile(z: int, x: int, y: int):
    """One tile of the map's groups and buurten as GeoJSON."""
    try:
        tile_bounds(z, x, y)
    except TileOutOfRange:
        abort(404)
    snapshot = app_services.current().registry.snapshot()
    etag = f"{snapshot.version}-{z}-{x}-{y}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        source = snapshot.cached("map_tiles", lambda: TileSource(snapshot.groups, snapshot.buurten))
        response = Response(source.tile(z, x, y), mimetype="application/geo+json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
