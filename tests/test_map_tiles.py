"""The map's data per tile of the view, for registers too large to embed in the page: the groups and buurten in
a tile (public properties only, simplified to about a pixel), counts when zoomed out, cacheable per change."""

import json
import math

import pytest
import shapely
from helpers import register_pending
from shapely.geometry import shape

from geo_registry.spatial.map_tiles import SHAPES_FROM_ZOOM, TileOutOfRange, TileSource, pixel_degrees, tile_bounds


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    """The z/x/y of the tile that holds (lat, lon)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_tile_bounds_follow_the_web_map_scheme():
    west, south, east, north = tile_bounds(0, 0, 0)
    assert (west, east) == (-180, 180) and north == pytest.approx(85.0511, abs=1e-4) and south == -north
    z, x, y = tile_of(52.2565, 5.2270, 14)
    west, south, east, north = tile_bounds(z, x, y)
    assert west <= 5.2270 < east and south <= 52.2565 < north
    for bad in [(20, 0, 0), (3, 8, 0), (3, 0, -1), (-1, 0, 0)]:
        with pytest.raises(TileOutOfRange):
            tile_bounds(*bad)


class Area:
    """A group-like object: an id, a name and an area."""

    def __init__(self, id, name, area):
        self.id, self.name, self.area, self.is_example = id, name, area, False


def test_a_tile_holds_the_shapes_that_reach_into_it_simplified_to_a_pixel(buurten):
    wiggly = shapely.Polygon(
        [(5.22 + 0.01 * i / 400, 52.25 + 0.00001 * (i % 2)) for i in range(400)] + [(5.23, 52.26), (5.22, 52.26)]
    )
    far = Area(2, "Elders", shapely.box(6.0, 53.0, 6.01, 53.01))
    source = TileSource([Area(1, "Wiebel <b>", wiggly), far], buurten, lambda g: {"id": g.id, "name": g.name})
    z, x, y = tile_of(52.255, 5.225, 14)
    features = json.loads(source.tile(z, x, y))["features"]
    groups = [f for f in features if f["properties"]["kind"] == "group"]
    assert [g["properties"]["name"] for g in groups] == ["Wiebel <b>"]  # text as it is; the map shows it as text
    simplified = shape(groups[0]["geometry"])
    # 402 corners, most of them wiggles of 1 m: far fewer, yet nowhere more than a pixel from the real border.
    assert len(simplified.exterior.coords) < 20 and simplified.is_valid
    assert simplified.hausdorff_distance(wiggly) <= pixel_degrees(14) * 1.5
    names = {f["properties"]["name"] for f in features if f["properties"]["kind"] == "buurt"}
    box = shapely.box(*tile_bounds(z, x, y))
    assert names == {b.name for b in buurten if b.geometry.intersects(box)} and names


def test_zoomed_out_a_tile_counts_its_groups_instead(buurten):
    groups = [Area(n, f"G{n}", shapely.box(5.20 + n * 0.001, 52.24, 5.2005 + n * 0.001, 52.2405)) for n in range(30)]
    source = TileSource(groups, buurten, lambda g: {"id": g.id, "name": g.name})
    z, x, y = tile_of(52.24, 5.21, SHAPES_FROM_ZOOM - 4)
    features = json.loads(source.tile(z, x, y))["features"]
    assert {f["properties"]["kind"] for f in features} == {"count"}
    assert sum(f["properties"]["count"] for f in features) == 30
    far = json.loads(source.tile(*tile_of(40.0, -3.0, SHAPES_FROM_ZOOM - 4)))["features"]
    assert far == []


def test_the_tile_endpoint_is_public_safe_cacheable_and_follows_changes(examples_app, places):
    client = examples_app.test_client()
    z, x, y = tile_of(*places["postiljon"], 14)
    url = f"/kaart/tegels/{z}/{x}/{y}.json"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/geo+json"
    assert "Set-Cookie" not in first.headers and first.headers["Cache-Control"] == "public, max-age=60"
    body = first.get_data(as_text=True)
    assert "Voorbeeld" in body and "@" not in body and "beheerder" not in body  # no contact details
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    group_id = register_pending(examples_app)
    assert "Nieuwe groep" not in client.get(url).get_data(as_text=True)  # not public before review
    with examples_app.app_context():
        from geo_registry.domain import actions
        from geo_registry.mail.delivery import Message
        from geo_registry.web import services as app_services

        actions.review(
            app_services.current().store,
            group_id,
            "test",
            True,
            "",
            lambda group: Message("test", "nina@voorbeeld.invalid", "s", "b"),
        )
        app_services.current().registry.invalidate()  # as the approving process does at once
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and "Nieuwe groep" in after.get_data(as_text=True)
    for bad in ["/kaart/tegels/25/0/0.json", f"/kaart/tegels/3/{2**3}/0.json"]:
        assert client.get(bad).status_code == 404


def test_a_register_too_large_to_embed_keeps_its_pages_small(tmp_path):
    from helpers import make_app

    for limit, embedded in ((3000, True), (0, False)):
        app = make_app(tmp_path / str(limit), MAP_EMBED_LIMIT=limit)
        assert "4 toegevoegd" in app.test_cli_runner().invoke(args=["load-examples"]).output
        client = app.test_client()
        for path in ("/", "/groep-aanmelden/"):
            html = client.get(path).get_data(as_text=True)
            assert ("Voorbeeld: Buurtapp Brink en Centrum" in html) is embedded, (limit, path)
            assert ("GeoRegistry.loadTiles" in html) is not embedded, (limit, path)
            assert ('"Postiljon"' in html) is embedded, (limit, path)  # the buurten too
