"""The beheerder's year in a real browser, on a desktop and a phone, in Dutch and English (issue 22, points 1-4):
the approval mail's link opens the beheerder's page; the change form shows the current buurten ticked and sends
what is ticked; after the change the same link shows it waiting and hands the group over; the new beheerder gives
a mobile number (a wrong one is refused) and their last page links their own page and the poster."""

import re

import pytest
import shapely
from helpers import register_pending
from test_beheerder_year import approve
from test_browser_accessibility import axe

from geo_registry.core.geometry import to_rd

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CURRENT, ADDED = "BU04170324", "BU04170325"
TEXT = {
    "nl": {
        "page": "uw beheerderspagina",
        "until": "werkt tot en met",
        "waiting": "wacht op beoordeling",
        "sent": "naar de gemeente gestuurd",
        "mobile_error": "mobiel",
        "taken": "U bent nu de beheerder",
        "old": "vorige beheerder",
    },
    "en": {
        "page": "your administrator's page",
        "until": "works until",
        "waiting": "waiting for the municipality's review",
        "sent": "has been sent to the municipality",
        "mobile_error": "mobile",
        "taken": "You are now the administrator",
        "old": "previous administrator",
    },
}


def fits(page, size) -> bool:
    """Nothing on the page is wider than the screen, and axe finds nothing (WCAG 2.1 A/AA) on it."""
    found = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in axe(page)]
    assert found == [], (page.url, found)
    return page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def link_in(mail, prefix) -> str:
    return re.search(rf"http://localhost({re.escape(prefix)}[^\s/]+)", mail.get_content()).group(1)


def waiting_area(app, group_id):
    from geo_registry.domain.renewal import pending_changes
    from geo_registry.web import services as app_services

    with app.app_context():
        [change] = pending_changes(app_services.current().store, group_id)
    return shapely.geometry.shape(change["payload"]["area"])


def buurt_union(app, *codes):
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.web import services as app_services

    with app.app_context():
        return area_from_buurten(list(codes), app_services.current().buurten)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_a_beheerder_changes_the_area_then_hands_over_with_the_same_link(
    browser, live_server, mail_app, staff_user, size, lang
):
    text, viewport = TEXT[lang], SIZES[size]
    group_id = register_pending(mail_app, "Postiljon Waakt", codes=(CURRENT,))
    approve(mail_app, staff_user, group_id)
    own = link_in(mail_app.smtp.to("nina@voorbeeld.invalid")[-1], "/beheerder/")
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="nl-NL", is_mobile=size == "phone")
    page = context.new_page()
    page.goto(f"/taal/{lang}")

    # Point 1: the approval mail's link is the beheerder's page, saying how long it works.
    page.goto(own)
    assert text["page"] in page.locator("h1").inner_text()
    assert text["until"] in page.locator("#link-geldig").inner_text() and fits(page, viewport)

    # Point 3: the current buurt is ticked; one more ticked is the current area and that buurt.
    page.locator(f'a[href="{own}/wijzigen"]').click()
    assert page.is_checked(f"#buurt-{CURRENT}") and not page.is_checked(f"#buurt-{ADDED}")
    assert "vervangen" not in page.content() and fits(page, viewport)
    page.check(f"#buurt-{ADDED}")
    page.locator('form[action$="/wijzigen"] button[type=submit]').click()
    page.get_by_text(text["sent"]).wait_for()
    proposed, expected = waiting_area(mail_app, group_id), buurt_union(mail_app, CURRENT, ADDED)
    assert to_rd(proposed).symmetric_difference(to_rd(expected)).area < 1.0

    # Point 2: the same link still opens the page, shows the change waiting, and hands over.
    page.locator("#eigen-pagina").click()
    page.locator("#wijziging-wacht").get_by_text(text["waiting"]).wait_for()
    assert fits(page, viewport)
    page.fill("#nieuwe_naam", "Nico Nieuw")
    page.fill("#nieuw_email", "nico@voorbeeld.invalid")
    page.locator('form[action$="/overdragen"] button[type=submit]').click()
    page.locator("h1").wait_for()
    accept = link_in(mail_app.smtp.to("nico@voorbeeld.invalid")[-1], "/beheerder/overdracht/")

    # Point 4: the new beheerder may give a mobile number, checked as at registration.
    page.goto(accept)
    page.fill("#mobiel", "020 123 4567")
    page.locator("form button[type=submit]").click()
    page.locator("#foutmeldingen").wait_for()
    assert text["mobile_error"] in page.locator("#mobiel-fout").inner_text().lower() and fits(page, viewport)
    page.fill("#mobiel", "06 12345678")
    page.locator("form button[type=submit]").click()
    page.get_by_text(text["taken"]).wait_for()
    assert page.locator(f'a[href="/groep/{group_id}/poster"]').count() == 1 and fits(page, viewport)
    page.locator("#eigen-pagina").click()
    assert text["page"] in page.locator("h1").inner_text()
    assert page.url.rsplit("/", 1)[1].split("?")[0] != own.rsplit("/", 1)[1]
    answer = page.goto(own)
    assert answer.status == 400 and text["old"] in page.content()
    context.close()
