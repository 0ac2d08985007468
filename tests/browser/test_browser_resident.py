"""What a resident sees and does in a real browser."""

import re

import pytest
from leaflet_map import map_point

pytestmark = pytest.mark.browser

BUURT_STROKE = "#333333"


def goto(page, path):
    """Open a page of the map and wait until Leaflet has drawn its shapes."""
    page.page.goto(page.base_url + path)
    page.page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")


def paths_by_stroke(page):
    return page.page.eval_on_selector_all(
        ".folium-map path.leaflet-interactive", "els => els.map(e => e.getAttribute('stroke'))"
    )


def test_home_draws_all_buurten_and_groups_from_its_own_origin(page):
    goto(page, "/")
    strokes = paths_by_stroke(page)
    assert strokes.count(BUURT_STROKE) == 10
    group_strokes = [s for s in strokes if s != BUURT_STROKE]
    assert len(group_strokes) == 4 and len(set(group_strokes)) == 4  # each group its own colour
    assert page.page.locator(".legend li").count() == 4 + 4  # boundary, no group, name, marker; 4 groups
    assert "CBS / Kadaster, CC BY 4.0" in page.page.locator(".leaflet-control-attribution").inner_text()
    assert page.foreign_requests() == []
    # Under its content-hashed name (geo_registry/web/assets.py), which browsers keep for a year.
    assert any(re.search(r"/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js$", url) for url in page.requests)


def test_postcode_form_answers_with_the_group(page):
    goto(page, "/")
    page.page.fill("#postcode", "1251 kv")
    page.page.fill("#huisnummer", "12")
    page.page.locator("form", has=page.page.locator("#postcode")).get_by_role("button", name="Zoek groep").click()
    answer = page.page.locator("#antwoord-inhoud")
    answer.get_by_text("Brink 12, 1251 KV Laren").wait_for()
    assert "Voorbeeld: Buurtapp Brink en Centrum" in answer.inner_text()
    assert page.page.locator(".leaflet-marker-icon").count() == 1
    assert page.foreign_requests() == []


def test_postcode_form_says_no_group_yet(page):
    goto(page, "/")
    page.page.fill("#postcode", "1251PT")
    page.page.fill("#huisnummer", "3")
    page.page.press("#huisnummer", "Enter")
    answer = page.page.locator("#antwoord-inhoud")
    answer.get_by_text("Er is nog geen WhatsApp-groep voor dit adres").wait_for()
    assert "veiligheid@belcombinatie.nl" in answer.inner_text()


def test_bad_postcode_message_in_the_browser(page):
    goto(page, "/?postcode=12AB&huisnummer=1")
    field = page.page.locator("#postcode")
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "12AB"
    assert "4 cijfers en 2 letters" in page.page.locator("#postcode-fout").inner_text()


def click_map_at(page, lat, lon):
    page.page.mouse.click(*map_point(page.page, lat, lon))


def test_a_click_on_the_map_answers(page, places):
    goto(page, "/")
    click_map_at(page, *places["centrum"])
    answer = page.page.locator("#antwoord-inhoud")
    answer.get_by_text("Gekozen punt op de kaart").wait_for()
    assert "Laren-Centrum" in answer.inner_text()
    assert "Voorbeeld: Buurtapp Brink en Centrum" in answer.inner_text()
    assert page.page.locator(".leaflet-marker-icon").count() == 1
    assert re.search(r"\?lat=52\.\d+&lon=5\.\d+", page.page.url)
    click_map_at(page, *places["outside_in_view"])
    answer.get_by_text("niet in Laren").wait_for()  # 'Dit punt ligt in de gemeente Blaricum, niet in Laren.'
    assert page.page.locator(".leaflet-marker-icon").count() == 1  # the marker moved
    assert page.foreign_requests() == []


def test_overview_lists_all_buurten(page):
    page.page.goto(page.base_url + "/overzicht")
    items = page.page.locator(".overview-item h2")
    assert items.count() == 10
    assert "Postiljon" in " ".join(items.all_inner_texts())
    assert (
        page.page.locator(".overview-item", has_text="Postiljon")
        .locator(".coverage-status")
        .get_by_text("Nog geen groep")
        .count()
        == 1
    )


def test_phone_width_has_no_sideways_scrolling(browser, live_server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="nl-NL"
    )
    phone = context.new_page()
    phone.goto(live_server + "/")
    phone.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator(".folium-map").bounding_box()["height"] >= 300
    context.close()
