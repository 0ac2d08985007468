"""Wiping a colleague's lost second factor in a real browser (issue 20): the functioneel-beheerder does it by
keyboard alone at 320 pixels, the colleague's open session ends, and the colleague enrols a new one at the next
login."""

from urllib.parse import urlsplit

import pytest
from by_keyboard import tab_to
from staff_login import enrol, log_in
from test_browser_accessibility import axe

from geo_registry.domain.roles import INZAGE
from geo_registry.domain.staff import create_staff

pytestmark = pytest.mark.browser

PASSWORD = "lang-genoeg-wachtwoord"
NARROW = {"width": 320, "height": 640}


def test_wiping_a_colleagues_second_factor_by_keyboard_at_320_pixels(browser, live_server, mail_app, staff_user):
    colleague_id = create_staff(mail_app.extensions["geo_registry.engine"], "collega", PASSWORD, [INZAGE])
    theirs = browser.new_context(base_url=live_server, locale="nl-NL", viewport=NARROW).new_page()
    log_in(theirs, ("collega", PASSWORD))  # enrols the first second factor on the way
    assert urlsplit(theirs.url).path == "/beheer/"
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport=NARROW)
    page = context.new_page()
    log_in(page, staff_user, f"/beheer/accounts/{colleague_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    for lang in ("en", "nl"):  # the page with the button, in both languages: axe finds nothing
        page.goto(f"/beheer/accounts/{colleague_id}?lang={lang}")
        assert axe(page) == [], lang
    assert "Tweede factor wissen" in page.content()
    # The form's action may carry the page's ?lang= (links keep an asked language), so match its path only.
    tab_to(page, f"form[action*='/accounts/{colleague_id}/tweede-factor'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "is gewist" in page.locator(".notice").inner_text()
    theirs.goto("/beheer/")
    assert urlsplit(theirs.url).path == "/beheer/inloggen"  # the colleague's session ended
    theirs.fill("#gebruikersnaam", "collega")
    theirs.fill("#wachtwoord", PASSWORD)
    with theirs.expect_navigation():
        theirs.press("#wachtwoord", "Enter")
    assert urlsplit(theirs.url).path == "/beheer/tweede-factor"  # a new second factor first
    assert theirs.evaluate("document.documentElement.scrollWidth") <= 320
    assert len(enrol(theirs, "collega")) == 10
    theirs.context.close()
    context.close()
