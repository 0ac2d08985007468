"""The second factor in real Chromium: enrolment at the first login (the QR code read back with a real decoder,
the secret read as text, the code typed from pyotp), a later login with the code and one with a recovery code,
all by keyboard alone at 320 px, with axe finding nothing serious, in Dutch and in English."""

import io
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import zxingcpp
from by_keyboard import tab_to
from PIL import Image
from test_browser_accessibility import axe

pytestmark = pytest.mark.browser

PAGE_NAMES = {
    "nl": ("Tweede factor instellen", "Uw herstelcodes", "Code uit uw app"),
    "en": ("Set up a second factor", "Your recovery codes", "Code from your app"),
}


def clean(page, label: str) -> None:
    """No serious or critical axe finding and no sideways scrolling at 320 px on this page."""
    bad = [(v["id"], v["impact"]) for v in axe(page) if v["impact"] in ("serious", "critical")]
    assert bad == [], (label, bad)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, label


def password_by_keyboard(page, user) -> None:
    page.goto("/beheer/")  # a staff page sends its visitor to the login form
    tab_to(page, "#gebruikersnaam")
    page.keyboard.type(user[0])
    page.keyboard.press("Tab")
    page.keyboard.type(user[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")


def code_by_keyboard(page, code: str) -> None:
    tab_to(page, "#code")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_enrol_and_log_in_by_keyboard_at_320_pixels(browser, live_server, staff_user, lang):
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"/taal/{lang}")
    enrol_title, codes_title, code_title = PAGE_NAMES[lang]
    password_by_keyboard(page, staff_user)
    assert urlsplit(page.url).path == "/beheer/tweede-factor"
    assert page.locator("h1").inner_text() == enrol_title
    clean(page, "enrolment")
    page.goto("/beheer/dekking")  # no way around it
    assert urlsplit(page.url).path == "/beheer/tweede-factor"
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    # The QR code the app drew says the same secret, for this account, to an authenticator app.
    qr = page.locator(".totp-qr-box svg")
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))]
    assert len(found) == 1 and found[0].startswith("otpauth://totp/")
    assert parse_qs(urlsplit(found[0]).query)["secret"] == [secret] and "medewerker" in found[0]
    enrolled_step = int(time.time()) // 30
    code_by_keyboard(page, pyotp.TOTP(secret).at(enrolled_step * 30))
    assert page.locator("h1").inner_text() == codes_title
    codes = page.locator("#herstelcodes code").all_inner_texts()
    assert len(codes) == 10
    clean(page, "recovery codes")
    tab_to(page, "#verder")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/beheer/"
    # Log out and in again: now the code page, with a recovery code (the app's code of this step is used).
    page.locator("form[action='/beheer/uitloggen'] button").click()
    page.wait_for_url("**/beheer/inloggen")
    password_by_keyboard(page, staff_user)
    assert urlsplit(page.url).path == "/beheer/code"
    assert page.locator("h1").inner_text() == code_title
    clean(page, "code")
    code_by_keyboard(page, codes[0])
    assert urlsplit(page.url).path == "/beheer/"
    # And once more with the app's code of a later step, typed as a person would.
    page.locator("form[action='/beheer/uitloggen'] button").click()
    page.wait_for_url("**/beheer/inloggen")
    password_by_keyboard(page, staff_user)
    # The code of the enrolment's step counted already; a phone whose clock runs a little ahead shows the next one.
    code_by_keyboard(page, pyotp.TOTP(secret).at(max(enrolled_step + 1, int(time.time()) // 30) * 30))
    assert urlsplit(page.url).path == "/beheer/"
    context.close()
