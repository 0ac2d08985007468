"""Issue 22, the resident's points in a real browser at a phone's and a desktop's size: an address just outside
Laren (named, linked, shown in context), the postcode as people type it, the asked language kept on the way."""

import re

import pytest

from geo_registry.core.config import ROOT

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
FIND_MAP = "window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"


@pytest.fixture(params=sorted(SIZES))
def sized(request, browser, live_server):
    """A page at a phone's or a desktop's size, on the live server."""
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport=SIZES[request.param])
    yield context.new_page()
    context.close()


def serious_axe_findings(page) -> list:
    """axe-core's serious and critical WCAG 2.1 A/AA findings on the page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_address_in_blaricum_is_named_linked_and_shown_with_laren_around_it(sized, lang):
    sized.goto(f"/?postcode=1261AA&huisnummer=5&lang={lang}")
    sized.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    answer = sized.locator("#antwoord-inhoud")
    site = answer.get_by_role("link", name="blaricum" if lang == "nl" else "Blaricum")
    assert site.first.get_attribute("href") == "https://www.blaricum.nl"
    text = answer.inner_text()
    assert ("Hetzelfde team helpt ook in Blaricum" if lang == "nl" else "The same team helps in Blaricum") in text
    assert "veiligheid@belcombinatie.nl" in text
    # The map: the marker with Laren's buurten in view and Blaricum's outline drawn, not a lone marker.
    view = sized.evaluate(f"""() => {{
        const map = {FIND_MAP}, bounds = map.getBounds();
        let marker = null, laren = 0, outline = 0;
        map.eachLayer(l => {{
            if (l instanceof L.Marker && !(l.options.icon instanceof L.DivIcon)) marker = l.getLatLng();
            if (l instanceof L.Path && l.options.color === "#6b3fa0") outline += 1;
            const larens = l instanceof L.Path && l.getBounds && l.options.color !== "#6b3fa0";
            if (larens && bounds.contains(l.getBounds())) laren += 1;
        }});
        return {{marker: marker && bounds.contains(marker), laren: laren, outline: outline, zoom: map.getZoom()}};
    }}""")
    assert view["marker"] and view["outline"] >= 1 and view["laren"] >= 5 and view["zoom"] < 16, view
    assert serious_axe_findings(sized) == []


def test_postcode_typed_with_spaces_and_a_hyphen_is_kept_whole_and_found(sized):
    sized.goto("/")
    sized.fill("#postcode", "1251 - k v")
    assert sized.input_value("#postcode") == "1251 - k v"  # no maxlength cut it short
    sized.fill("#huisnummer", "12")
    sized.press("#huisnummer", "Enter")
    sized.locator("#antwoord-inhoud").get_by_text("Brink 12, 1251 KV Laren").wait_for()


def test_english_stays_on_the_way_to_ask_a_group_to_extend(sized):
    sized.goto("/?postcode=1251PT&huisnummer=3&lang=en")
    sized.locator("#antwoord-inhoud").get_by_role("link", name="Ask whether").first.click()
    sized.wait_for_load_state("load")
    assert sized.evaluate("document.documentElement.lang") == "en"
    assert "lang=en" in sized.url
    assert serious_axe_findings(sized) == []


@pytest.mark.parametrize("group_id", [1, 2, 3, 4])
def test_poster_names_do_not_overlap_as_chromium_draws_them(sized, group_id):
    sized.goto(f"/groep/{group_id}/poster")
    # The buurt names and the scale bar's label.
    boxes = sized.evaluate("""() => [...document.querySelectorAll('svg.poster-area text')].map(t => {
        const b = t.getBBox(); return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height]; })""")
    assert boxes, "the poster names the buurten"
    for i, (name, x1, y1, x2, y2) in enumerate(boxes):
        for other, u1, v1, u2, v2 in boxes[i + 1 :]:
            assert x2 <= u1 or u2 <= x1 or y2 <= v1 or v2 <= y1, (name, other)


def test_over_the_registration_limit_the_form_keeps_what_was_typed(sized, mail_app):
    from geo_registry.web import settings as app_settings

    app_settings.change(mail_app, REGISTER_LIMIT=1)
    for attempt in (1, 2):
        sized.goto("/groep-aanmelden/?lang=en")
        sized.fill("#naam", f"Postiljon Alert {attempt}")
        sized.fill("#beheerder_naam", "Kees")
        sized.fill("#email", f"kees{attempt}@voorbeeld.invalid")
        sized.get_by_label("Postiljon").check()
        with sized.expect_navigation():
            sized.get_by_role("button", name="Register a group").click()
    summary = sized.locator("#foutmeldingen")
    assert re.search(r"You can send this registration in \d+ minutes", summary.inner_text())
    assert sized.evaluate("document.activeElement.id") == "foutmeldingen"
    assert (
        sized.input_value("#naam") == "Postiljon Alert 2" and sized.input_value("#email") == "kees2@voorbeeld.invalid"
    )
    assert sized.get_by_label("Postiljon").is_checked()
    assert serious_axe_findings(sized) == []


def test_a_map_click_names_the_nearest_address(sized, places):
    from leaflet_map import map_point

    sized.goto("/")
    sized.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    lat, lon = places["postiljon"]
    sized.locator("#kaart").scroll_into_view_if_needed()
    sized.evaluate(f"{FIND_MAP}.setView([{lat}, {lon}], 17, {{animate: false}})")
    sized.mouse.click(*map_point(sized, lat + 0.0001, lon))
    answer = sized.locator("#antwoord-inhoud")
    answer.get_by_text("bij Postiljonlaan 3, 1251 PT Laren").wait_for()
    assert "52." not in answer.inner_text().split("Gekozen punt op de kaart:")[1][:30]  # no coordinates
