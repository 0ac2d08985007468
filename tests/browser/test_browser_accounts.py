"""Staff accounts in a real browser (issue 20): the functioneel-beheerder invites a colleague by keyboard alone at
320 pixels, and the colleague sets a password through the link in the e-mail."""

from mailbox import link_in, wait_for_mail
from urllib.parse import urlsplit

import pytest
from by_keyboard import tab_to
from staff_login import log_in

pytestmark = pytest.mark.browser

INVITEE = "collega@voorbeeld.invalid"
NEW = "een-heel-ander-wachtwoord"


def test_inviting_a_colleague_by_keyboard_at_320_pixels(browser, live_server, mail_app, staff_user):
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": 320, "height": 640})
    page = context.new_page()
    log_in(page, staff_user, "/beheer/accounts")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    tab_to(page, "#gebruikersnaam")
    page.keyboard.type("collega")
    page.keyboard.press("Tab")
    page.keyboard.type(INVITEE)
    tab_to(page, "#rol-inzage")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='uitnodigen'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert INVITEE in page.locator(".notice").inner_text()
    assert page.locator("td", has_text="collega").count() == 1
    link = link_in(wait_for_mail(mail_app.smtp, INVITEE)[-1], "/beheer/uitnodiging/")
    colleague = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    colleague.goto(link + "?lang=en")
    assert "Choose a password" in colleague.locator("h1").inner_text()
    colleague.fill("#nieuw", NEW)
    colleague.fill("#herhaal", NEW)
    with colleague.expect_navigation():
        colleague.press("#herhaal", "Enter")
    # Signed in, on the groups (inzage reads them), still in the language the invitation's link asked for.
    assert urlsplit(colleague.url).path == "/beheer/" and urlsplit(colleague.url).query == "lang=en"
    assert "Welcome, collega" in colleague.locator(".notice").inner_text()
    colleague.context.close()
    context.close()
