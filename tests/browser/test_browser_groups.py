"""Registering, confirming, approving and joining groups in a real browser."""

import re

import pytest
from helpers import inside
from leaflet_map import map_point
from playwright.sync_api import expect
from staff_login import log_in

pytestmark = pytest.mark.browser


def confirmation_link(app, address):
    """Return the path of the confirmation link in the last e-mail to address."""
    body = app.smtp.to(address)[-1].get_content()
    return re.search(r"http://localhost(/groep-aanmelden/bevestigen/\S+)", body).group(1)


def approve_as_staff(page, staff_user, group_name):
    """Log in as staff and approve the named registration."""
    log_in(page, staff_user, "/beheer/")
    page.get_by_role("link", name=group_name).first.click()
    page.get_by_role("button", name="Goedkeuren").click()
    page.get_by_text("actief").first.wait_for()


def test_draw_register_confirm_approve_and_find(browser, live_server, mail_app, staff_user, buurten):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.fill("#naam", "Getekende groep Rijksweg")
    page.fill("#beheerder_naam", "Teken Beheerder")
    page.fill("#email", "teken@voorbeeld.invalid")
    lat, lon = inside(buurten, "Rijksweg-Zuid")
    page.locator(".leaflet-draw-draw-polygon").click()
    corners = [
        (lat - 0.0015, lon - 0.0025),
        (lat - 0.0015, lon + 0.0025),
        (lat + 0.0015, lon + 0.0025),
        (lat + 0.0015, lon - 0.0025),
    ]
    for number, corner in enumerate(corners, start=1):
        page.mouse.click(*map_point(page, *corner))
        expect(page.locator(".leaflet-marker-pane .leaflet-editing-icon")).to_have_count(number)
        # Leaflet.Draw then takes no new corner until a 50 ms timer of the page has run: a 60 ms timer set after it
        # runs after it however busy the machine is (a fixed wait here was only likely to be long enough).
        page.evaluate("() => new Promise(done => setTimeout(done, 60))")
    page.mouse.click(*map_point(page, *corners[0]))  # back on the first corner closes the shape
    page.get_by_text("Getekend: 1 deel.").wait_for()
    assert '"Polygon"' in page.input_value("#gebied_getekend")
    page.get_by_role("button", name="Groep aanmelden").click()
    page.get_by_role("heading", name="Bijna klaar: bevestig uw e-mailadres").wait_for()

    page.goto(confirmation_link(mail_app, "teken@voorbeeld.invalid"))
    page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
    page.get_by_text("wacht nu op beoordeling").wait_for()

    approve_as_staff(page, staff_user, "Getekende groep Rijksweg")
    assert any("staat in het overzicht" in m["Subject"] for m in mail_app.smtp.to("teken@voorbeeld.invalid"))

    page.goto("/")
    assert "Getekende groep Rijksweg" in page.locator(".legend").inner_text()
    page.mouse.click(*map_point(page, lat, lon))
    answer = page.locator("#antwoord-inhoud")
    answer.get_by_text("Getekende groep Rijksweg").wait_for()
    assert "Rijksweg-Zuid" in answer.inner_text()
    context.close()


def test_register_by_picking_buurten_without_the_map(browser, live_server, mail_app):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.fill("#naam", "Zonder kaart")
    page.fill("#beheerder_naam", "Kees Keuze")
    page.fill("#email", "keuze@voorbeeld.invalid")
    page.get_by_label("Postiljon").check()
    page.get_by_label("Zwarte Berg").check()
    page.get_by_role("button", name="Groep aanmelden").click()
    page.get_by_role("heading", name="Bijna klaar: bevestig uw e-mailadres").wait_for()
    assert mail_app.smtp.to("keuze@voorbeeld.invalid")
    context.close()


def test_form_errors_keep_what_was_typed(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.fill("#naam", "Half ingevuld")
    page.fill("#email", "geen-adres")
    page.get_by_label("Omloop").check()
    page.get_by_role("button", name="Groep aanmelden").click()
    summary = page.locator("#foutmeldingen")
    summary.wait_for()
    assert "Vul uw naam in." in summary.inner_text() and "geldig e-mailadres" in summary.inner_text()
    assert page.input_value("#naam") == "Half ingevuld" and page.input_value("#email") == "geen-adres"
    assert page.get_by_label("Omloop").is_checked()
    context.close()


def test_join_request_end_to_end(browser, live_server, mail_app, places):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/?postcode=1251KV&huisnummer=12")
    page.get_by_role("link", name="Aanmelden bij deze groep").click()
    # The address just looked up is carried over.
    assert (page.locator("#straat").input_value(), page.locator("#huisnummer").input_value()) == ("Brink", "12")
    page.fill("#naam", "Browser Bewoner")
    page.fill("#mobiel", "06 11122233")
    page.fill("#email", "browser.bewoner@voorbeeld.invalid")
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.get_by_role("heading", name="Uw aanmelding is onderweg naar de beheerder").wait_for()
    [to_beheerder] = mail_app.smtp.to("beheerder1@voorbeeld.invalid")
    assert to_beheerder["Reply-To"] == "browser.bewoner@voorbeeld.invalid"
    assert "+31611122233" in to_beheerder.get_content() and "Adres: Brink 12" in to_beheerder.get_content()
    assert "beheerder1@voorbeeld.invalid" not in page.content()
    context.close()


def test_popup_on_the_map_links_to_the_join_form(browser, live_server, places):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/")
    page.mouse.click(*map_point(page, *places["centrum"]))
    page.locator(".leaflet-popup").get_by_role("link", name="Aanmelden bij deze groep").click()
    page.get_by_role("heading", name="Aanmelden bij Voorbeeld: Buurtapp Brink en Centrum").wait_for()
    context.close()


def test_staff_pages_are_refused_without_login(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/beheer/export/beheerders.csv")
    assert page.url.endswith("/beheer/inloggen?next=/beheer/export/beheerders.csv")
    assert "beheerder1@voorbeeld.invalid" not in page.content()
    context.close()
