"""Names on the maps are text: a group or buurt named like HTML shows that name and runs nothing, on every map
page and in both languages, whether the group was imported, registered and approved, or renamed by a change."""

import json

import pytest
from helpers import WIJKEN_FILE, inside, make_app, register_pending, served
from leaflet_map import map_point
from staff_login import log_in

pytestmark = pytest.mark.browser

# Each payload runs its script when it is parsed as HTML (the image /x does not exist, so onerror fires).
IMPORTED = "Zwarte Berg <img src=x onerror=\"window.__xss='import'\"></script><script>window.__xss=1</script>"
REGISTERED = "Rijksweg <img src=x onerror=\"window.__xss='register'\">"
RENAMED = "Oostereng <img src=x onerror=\"window.__xss='rename'\">"
BUURT = "Postiljon <img src=x onerror=\"window.__xss='buurt'\">"
STAFF = ("medewerker", "lang-genoeg-wachtwoord")
LABELS = {
    "nl": {"group": "WhatsApp-groep", "buurt": "Buurt"},
    "en": {"group": "WhatsApp group", "buurt": "Neighbourhood"},
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, browser):
    """A served app whose buurt Postiljon and three groups (imported; registered and approved; renamed by an
    approved change) carry HTML."""
    folder = tmp_path_factory.mktemp("xss")
    buurten = json.loads(WIJKEN_FILE.read_text(encoding="utf-8"))
    shape = {f["properties"]["name"]: f["geometry"] for f in buurten["features"]}
    for feature in buurten["features"]:
        if feature["properties"]["name"] == "Postiljon":
            feature["properties"]["name"] = BUURT
    (folder / "wijken.geojson").write_text(json.dumps(buurten), encoding="utf-8")
    groups = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": shape[buurt],
                "properties": {"name": name, "beheerder_name": "X", "beheerder_email": f"{n}@voorbeeld.invalid"},
            }
            for n, (buurt, name) in enumerate([("Zwarte Berg", IMPORTED), ("Oostereng", "Oostereng Waakt")])
        ],
    }
    (folder / "groups.geojson").write_text(json.dumps(groups), encoding="utf-8")
    app = make_app(folder, WIJKEN_FILE=str(folder / "wijken.geojson"), LOGIN_LIMIT=1000)
    runner = app.test_cli_runner()
    assert "4 toegevoegd" in runner.invoke(args=["load-examples"]).output
    assert "2 toegevoegd" in runner.invoke(args=["import-groups", str(folder / "groups.geojson")]).output
    assert "aangemaakt" in runner.invoke(args=["create-staff", STAFF[0], "--password", STAFF[1]]).output
    registered = register_pending(app, REGISTERED, ("BU04170325",))  # Rijksweg-Noord
    with app.app_context():  # the beheerder of Oostereng Waakt proposes a new name (as through the renewal form)
        from geo_registry.domain import renewal
        from geo_registry.web import services as app_services

        renewal.propose_change(app_services.current().store, 6, {"name": RENAMED})
    with served(app) as url:
        context = browser.new_context(base_url=url, locale="nl-NL")
        page = context.new_page()
        log_in(page, STAFF)
        page.goto(f"/beheer/groep/{registered}")
        page.get_by_role("button", name="Goedkeuren").click()
        page.get_by_text("actief").first.wait_for()
        page.goto("/beheer/groep/6")
        page.get_by_role("button", name="Wijziging doorvoeren").click()
        page.get_by_role("heading", name=RENAMED).wait_for()
        state = context.storage_state()
        context.close()
        from geo_registry.spatial.buurten import load_buurten

        yield {"url": url, "state": state, "wijken": load_buurten(folder / "wijken.geojson"), "registered": registered}


def hover_tooltip(page, lat, lon) -> str:
    """Move the mouse to (lat, lon) on the map and return the text of the tooltip that opens."""
    page.mouse.move(0, 0)
    page.locator(".leaflet-tooltip-pane .leaflet-tooltip").wait_for(state="detached")
    page.locator(".folium-map").scroll_into_view_if_needed()
    # Centre the point on every page; a map still zooming to its first view would undo it, so until it holds.
    page.wait_for_function(
        """([lat, lon]) => {
        const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
        const centre = map.getCenter();
        if (!map._animatingZoom && Math.abs(centre.lat - lat) < 1e-4 && Math.abs(centre.lng - lon) < 1e-4) {
            return true;
        }
        map.setView([lat, lon], 15, {animate: false});
        return false;
    }""",
        arg=[lat, lon],
    )
    x, y = map_point(page, lat, lon)
    # A map that loads its shapes per tile draws them a moment after the view moved; the mouse must arrive over
    # a drawn shape, or no tooltip opens until it moves again.
    page.wait_for_function(
        """([x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return hit !== null && hit.classList.contains("leaflet-interactive");
    }""",
        arg=[x, y],
    )
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip-pane .leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.locator("img, script").count() == 0, tooltip.inner_html()
    return tooltip.inner_text()


def points(hostile):
    """Points inside the imported group, the registered group and the (group-free) hostile buurt."""
    buurten = hostile["wijken"]
    return {
        "import": inside(buurten, "Zwarte Berg"),
        "register": inside(buurten, "Rijksweg-Noord"),
        "rename": inside(buurten, "Oostereng"),
        "buurt": inside(buurten, BUURT),
    }


def open_map(hostile, browser, path, lang, staff=False):
    """Open path in lang (logged in for staff pages), wait for the map, and return the page."""
    context = browser.new_context(
        base_url=hostile["url"], locale="nl-NL", storage_state=hostile["state"] if staff else None
    )
    page = context.new_page()
    page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    return page


def assert_no_script_ran(page):
    """Nothing the names carry ran, and no image from them reached the page."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") is None
    assert page.locator(".folium-map img[src='x']").count() == 0


MAP_PAGES = [("/", False), ("/groep-aanmelden/", False), ("/beheer/groep/1", True), ("/beheer/groep/1/bewerken", True)]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path,staff", MAP_PAGES)
def test_group_and_buurt_names_on_a_map_are_text(hostile, browser, path, staff, lang):
    page = open_map(hostile, browser, path, lang, staff)
    spot = points(hostile)
    words = LABELS[lang]
    for key, name in (("import", IMPORTED), ("register", REGISTERED), ("rename", RENAMED)):
        text = hover_tooltip(page, *spot[key])
        assert name in text and words["group"] in text, (key, text)
    text = hover_tooltip(page, *spot["buurt"])
    assert BUURT in text and words["buurt"] in text, text
    assert_no_script_ran(page)
    page.context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_popup_of_a_group_shows_its_name_as_text(hostile, browser, lang):
    page = open_map(hostile, browser, "/", lang)
    page.mouse.click(*map_point(page, *points(hostile)["import"]))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert IMPORTED in popup.inner_text() and popup.locator("img, script").count() == 0
    assert_no_script_ran(page)
    page.context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_own_group_page_and_coverage_map_run_no_names(hostile, browser, lang):
    page = open_map(hostile, browser, "/beheer/groep/5", lang, staff=True)  # the imported group itself
    assert IMPORTED in page.locator("h1").inner_text()
    assert BUURT in hover_tooltip(page, *points(hostile)["buurt"])
    assert_no_script_ran(page)
    page.goto(f"/beheer/dekking?lang={lang}")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    text = hover_tooltip(page, *points(hostile)["buurt"])
    assert BUURT in text and LABELS[lang]["buurt"] in text, text
    assert_no_script_ran(page)
    page.context.close()
