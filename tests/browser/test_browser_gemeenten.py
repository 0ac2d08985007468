"""What a resident of Eemnes sees when one register serves Laren, Blaricum and Eemnes, on a desktop and a phone."""

import pytest
from fakes import FakeLocatieserver, pdok_doc
from helpers import make_app, served
from leaflet_map import map_point
from staff_login import log_in
from test_gemeenten import BEL, add_group, buurt_area, cbs_point

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def bel_server(tmp_path):
    """The three municipalities served, a group in Eemnes' Noordbuurt, and an Eemnes address at the fake PDOK."""
    lat, lon = cbs_point("GM0317", "Noordbuurt")
    docs = [pdok_doc("Wakkerendijk", 100, "3755DE", "Eemnes", lat, lon, gemeentenaam="Eemnes", gemeentecode="0317")]
    with FakeLocatieserver(docs) as pdok:
        app = make_app(tmp_path, GEMEENTEN=BEL, PDOK_URL=pdok.url, PDOK_TIMEOUT=1.0)
        add_group(app, "Eemnes Noordbuurt Let Op", buurt_area(app, "BU03170217"))
        add_group(app, "Buurtapp Centrum Laren", buurt_area(app, "BU04170320"))
        app.test_cli_runner().invoke(args=["create-staff", "bel", "--password", "lang-genoeg-wachtwoord"])
        with served(app) as url:
            yield url, (lat, lon)


@pytest.mark.parametrize("size", SIZES)
def test_an_eemnes_address_and_map_point_show_the_eemnes_group_and_name_eemnes(browser, bel_server, size):
    url, (lat, lon) = bel_server
    context = browser.new_context(viewport=SIZES[size], locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(url + "/")
        page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
        assert page.title().endswith("– Gemeenten Blaricum, Eemnes en Laren")
        answer = page.locator("#antwoord-inhoud")
        # A click on the map in Eemnes (Zuidbuurt, no group there) names Eemnes.
        page.locator("#kaart").scroll_into_view_if_needed()
        page.mouse.click(*map_point(page, *cbs_point("GM0317", "Zuidbuurt")))
        answer.get_by_text("Gekozen punt op de kaart").wait_for()
        answer.get_by_text("Zuidbuurt").wait_for()
        assert "Gemeente: Eemnes" in answer.inner_text()
        assert "Er is nog geen WhatsApp-groep op deze plek." in answer.inner_text()
        # An address in Eemnes, found at the Locatieserver, gets the Eemnes group.
        page.fill("#postcode", "3755 DE")
        page.fill("#huisnummer", "100")
        page.locator("form", has=page.locator("#postcode")).get_by_role("button", name="Zoek groep").click()
        answer.get_by_text("Wakkerendijk 100").wait_for()
        text = answer.inner_text()
        assert "Gemeente: Eemnes" in text and "Noordbuurt" in text and "Eemnes Noordbuurt Let Op" in text
        assert "niet in" not in text
        assert answer.get_by_text("Gemeente: Eemnes").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_pages_that_differ_with_three_municipalities_have_no_serious_axe_violations(browser, bel_server, lang):
    from test_browser_accessibility import axe

    url, (lat, lon) = bel_server
    context = browser.new_context(base_url=url, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(f"/taal/{lang}")
        found = []
        for path in ("/", f"/?lat={lat}&lon={lon}", "/?lat=52.2550&lon=6.1600", "/overzicht"):
            page.goto(path)
            page.wait_for_load_state("load")
            found += [(path, v["id"]) for v in axe(page) if v["impact"] in ("serious", "critical")]
        log_in(page, ("bel", "lang-genoeg-wachtwoord"))
        for path in ("/beheer/dekking", "/beheer/dekking?gemeente=GM0376"):
            page.goto(path)
            page.wait_for_load_state("load")
            assert page.locator("select#gemeente").is_visible()
            found += [(path, v["id"]) for v in axe(page) if v["impact"] in ("serious", "critical")]
        assert found == []
    finally:
        context.close()
