"""A register too large to embed in the page (here forced with MAP_EMBED_LIMIT=0): the map loads the groups and
buurten of the tiles in view, shows names as text, answers clicks as ever, and zoomed out shows counts."""

import json

import pytest
import requests
import shapely
from helpers import WIJKEN_FILE, inside, make_app, served
from leaflet_map import map_point
from shapely.geometry import shape
from test_browser_map_xss import IMPORTED, assert_no_script_ran, hover_tooltip

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tiled(tmp_path_factory):
    """A served app that loads its map per tile, with the examples and a group whose name is HTML."""
    folder = tmp_path_factory.mktemp("tiles")
    shapes = {
        f["properties"]["name"]: f["geometry"] for f in json.loads(WIJKEN_FILE.read_text(encoding="utf-8"))["features"]
    }
    (folder / "groups.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": shapes["Zwarte Berg"],
                        "properties": {
                            "name": IMPORTED,
                            "beheerder_name": "X",
                            "beheerder_email": "x@voorbeeld.invalid",
                        },
                    }
                ],
            }
        )
    )
    app = make_app(folder, MAP_EMBED_LIMIT=0)
    runner = app.test_cli_runner()
    assert "4 toegevoegd" in runner.invoke(args=["load-examples"]).output
    assert "1 toegevoegd" in runner.invoke(args=["import-groups", str(folder / "groups.geojson")]).output
    from geo_registry.spatial.buurten import load_buurten

    with served(app) as url:
        yield {"url": url, "buurten": load_buurten(WIJKEN_FILE)}


MAP = "window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"


def open_home(tiled, browser, lang="nl", zoom=14):
    """The home page, its map at zoom (13 and closer: shapes; further out: counts) with its tiles drawn."""
    page = browser.new_context(base_url=tiled["url"], locale="nl-NL").new_page()
    page.goto(f"/?lang={lang}")
    page.wait_for_load_state("networkidle")
    page.evaluate(f"() => {MAP}.setView({MAP}.getCenter(), {zoom}, {{animate: false}})")
    page.wait_for_selector(".leaflet-tileBuurten-pane path" if zoom >= 13 else ".tile-count", state="attached")
    page.wait_for_load_state("networkidle")
    return page


def in_view(page, shapes) -> int:
    """How many of shapes reach into the tiles the map's view needs (whole tiles, so a little beyond the view)."""
    west, south, east, north = page.evaluate(f"""() => {{
        const map = {MAP}, b = map.getPixelBounds(), z = map.getZoom(), t = 256;
        const nw = map.unproject([Math.floor(b.min.x / t) * t, Math.floor(b.min.y / t) * t], z);
        const se = map.unproject([(Math.floor(b.max.x / t) + 1) * t, (Math.floor(b.max.y / t) + 1) * t], z);
        return [nw.lng, se.lat, se.lng, nw.lat];
    }}""")
    return sum(1 for shape in shapes if shape.intersects(shapely.box(west, south, east, north)))


def test_the_page_carries_no_shapes_and_the_map_loads_those_in_view(tiled, browser):
    html = requests.get(tiled["url"] + "/", timeout=30).text
    assert "Zwarte Berg <img" not in html and "Voorbeeld: Buurtapp" not in html  # nothing embedded
    page = open_home(tiled, browser)
    # Each buurt and group in view drawn once, though many reach into several tiles.
    expected = in_view(page, [b.geometry for b in tiled["buurten"]])
    assert expected >= 5
    drawn = (
        "() => [document.querySelectorAll('.leaflet-tileBuurten-pane path').length,"
        " document.querySelectorAll('.leaflet-overlay-pane path').length]"
    )
    groups = requests.get(tiled["url"] + "/api/v1/groups.geojson", timeout=30).json()["features"]
    wanted = [expected, in_view(page, [shape(g["geometry"]) for g in groups])]
    page.wait_for_function(f"() => ({drawn})().join() === '{wanted[0]},{wanted[1]}'", timeout=10_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(drawn) == wanted  # and no more once every tile has arrived: none drawn twice
    text = hover_tooltip(page, *inside(tiled["buurten"], "Zwarte Berg"))
    assert IMPORTED in text and "WhatsApp-groep" in text
    page.mouse.click(*map_point(page, *inside(tiled["buurten"], "Zwarte Berg")))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert IMPORTED in popup.inner_text() and popup.locator("img, script").count() == 0
    page.locator("#antwoord-inhoud .group-list").wait_for()  # the click is answered as on an embedded map
    assert IMPORTED in page.locator("#antwoord-inhoud").inner_text()
    assert_no_script_ran(page)
    page.context.close()


def test_zoomed_out_the_map_counts_the_groups_and_a_count_zooms_in(tiled, browser):
    page = open_home(tiled, browser, "en", zoom=9)
    badges = page.locator(".tile-count")
    assert sum(int(badge.inner_text()) for badge in badges.all()) == 5
    assert badges.first.get_attribute("title") == "5 groups"
    assert page.locator(".leaflet-overlay-pane path").count() == 0  # no specks of shapes
    badges.first.click()
    page.wait_for_function(f"() => {MAP}.getZoom() === 11")
    page.context.close()
