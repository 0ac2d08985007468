"""'Tell me when a group starts here' as a resident meets it in a real browser: on a 390x844 phone and at
1280x800, from the address lookup and from a click on the map."""

from mailbox import link_in, wait_for_mail

import pytest
from leaflet_map import map_point

pytestmark = pytest.mark.browser
RESIDENT = "wacht.browser@voorbeeld.invalid"
CONSENT = (
    "We bewaren uw e-mailadres en adres alleen om u één keer te mailen als hier een groep start; daarna wissen we ze."
)


def no_sideways_scroll(page) -> bool:
    """Nothing of the page sticks out to the right (the page cannot be scrolled sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def inside_the_screen(page, locator) -> bool:
    """The element lies within the screen's width."""
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)])
def test_a_resident_without_a_group_asks_for_a_message_and_confirms(browser, live_server, mail_app, size):
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto("/?postcode=1251PT&huisnummer=3#antwoord")
    offer = page.locator(".waiting-offer")
    offer.scroll_into_view_if_needed()
    assert offer.get_by_role("heading", name="Bericht als hier een groep start?").is_visible()
    field = offer.get_by_label("Uw e-mailadres")
    assert field.is_visible() and inside_the_screen(page, field)
    assert CONSENT in offer.inner_text()
    assert offer.get_by_role("link", name="Privacyverklaring").get_attribute("href") == "/informatie/privacy"
    button = offer.get_by_role("button", name="Stuur mij een e-mail")
    assert inside_the_screen(page, button) and button.bounding_box()["height"] >= 44
    assert no_sideways_scroll(page)

    field.fill("geen-adres")
    button.click()
    page.wait_for_load_state("load")
    error = page.locator("#email-fout")
    assert error.is_visible() and "geldig e-mailadres" in error.inner_text()
    assert "Postiljonlaan 3, 1251 PT Laren" in page.locator("main").inner_text()
    assert no_sideways_scroll(page)

    address = f"{size[0]}.{RESIDENT}"
    page.get_by_label("Uw e-mailadres").fill(address)
    page.get_by_role("button", name="Stuur mij een e-mail").click()
    page.get_by_role("heading", name="Bijna klaar: bevestig uw e-mailadres").wait_for()
    assert no_sideways_scroll(page)

    page.goto(link_in(wait_for_mail(mail_app.smtp, address)[-1], "/wachtlijst/bevestigen/"))
    assert "Postiljonlaan 3, 1251 PT Laren" in page.locator("main").inner_text()
    page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
    page.get_by_role("heading", name="Dank u, u staat op de lijst").wait_for()
    assert no_sideways_scroll(page)
    context.close()


def test_the_offer_in_an_answer_to_a_map_click_works_too(browser, live_server, mail_app, places):
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    page.mouse.click(*map_point(page, *places["postiljon"]))
    offer = page.locator("#antwoord-inhoud .waiting-offer")
    offer.wait_for()
    offer.get_by_label("Uw e-mailadres").fill(RESIDENT)
    offer.get_by_role("button", name="Stuur mij een e-mail").click()
    page.get_by_role("heading", name="Bijna klaar: bevestig uw e-mailadres").wait_for()
    body = wait_for_mail(mail_app.smtp, RESIDENT)[-1].get_content()
    assert "het punt op de kaart dat u koos (52." in body
    context.close()
