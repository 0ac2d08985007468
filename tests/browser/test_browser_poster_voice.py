"""A Blaricum group's poster in Chromium, when one register serves Laren, Blaricum and Eemnes: it names Blaricum
and gives Blaricum's own contact, readable on a desktop and a phone, in Dutch and English (issue 22, point 16)."""

import pytest
from helpers import make_app, served
from test_browser_accessibility import axe
from test_gemeenten import BEL, add_group, buurt_area

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 320, "height": 700}}
BLARICUM_MAIL = "blaricum@voorbeeld.invalid"


@pytest.fixture
def blaricum_poster(tmp_path):
    """The three municipalities served, Blaricum with a contact of its own, and a group in Blaricum-Dorp."""
    app = make_app(tmp_path, GEMEENTEN=BEL, CONTACT_EMAIL_GM0376=BLARICUM_MAIL, CONTACT_PHONE_GM0376="035 751 32 00")
    group_id = add_group(app, "Blaricum-Dorp Alert", buurt_area(app, "BU03760102"))
    with served(app) as url:
        yield f"{url}/groep/{group_id}/poster"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang, gemeente", [("nl", "Gemeente Blaricum"), ("en", "Municipality of Blaricum")])
def test_a_blaricum_poster_names_blaricum_and_its_contact(browser, blaricum_poster, size, lang, gemeente):
    context = browser.new_context(viewport=SIZES[size], locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(blaricum_poster.rsplit("/groep/", 1)[0] + f"/taal/{lang}")
        page.goto(blaricum_poster)
        poster = page.locator("article.poster")
        assert gemeente in poster.locator(".poster-service").inner_text()
        contact = poster.locator(".poster-contact")
        assert (
            BLARICUM_MAIL in contact.inner_text() and "035\u00a0751\u00a032\u00a000" in contact.inner_text()
        )  # kept on one line
        assert "veiligheid@belcombinatie.nl" not in poster.inner_text()
        box = contact.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"]  # readable without scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        assert [v["id"] for v in axe(page) if v["impact"] in ("serious", "critical")] == []
    finally:
        context.close()
