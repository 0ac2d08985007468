"""A group's poster in Chromium: printed it is exactly one A4 page with nothing cut off, and its QR code, read back
from the screen and from the print layout with a real decoder (zxing-cpp), is the group's join link."""

import io
import unicodedata

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from geo_registry.domain.areas import area_from_buurten
from geo_registry.domain.groups import Group
from geo_registry.web import services as app_services

pytestmark = pytest.mark.browser
# mail_app's PUBLIC_URL is http://localhost: the link on a poster is the site's public address, not the test server's.
JOIN = "http://localhost/groep/{}/aanmelden"
A4_POINTS = (595.3, 841.9)  # 210 x 297 mm (Chromium rounds A4 to 8.27 x 11.7 inch)
LONG_NAME = ("Buurtpreventie Rijksweg-Zuid, Oostereng en Postiljon " * 3)[:120]
LONG_WORD = "Buurtpreventie" + "X" * 106  # 120 characters and nowhere to break a line


@pytest.fixture
def long_named(mail_app) -> list[int]:
    """Two approved groups with names of the longest length allowed (with and without spaces), each with an area
    over three buurten."""
    with mail_app.app_context():
        services = app_services.current()
        area = area_from_buurten(["BU04170323", "BU04170324", "BU04170326"], services.buurten)
        return [
            services.store.add(Group(None, name, area, "Lange Naam", "lang@voorbeeld.invalid"))
            for name in (LONG_NAME, LONG_WORD)
        ]


def decoded(locator) -> list[str]:
    """The texts of the QR codes in a screenshot of the element."""
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())))]


def pages_of(pdf: bytes) -> list:
    """The pages of a PDF."""
    return PdfReader(io.BytesIO(pdf)).pages


def open_poster(browser, live_server, group_id, width=1280, height=800, locale="nl-NL"):
    """A page showing the poster of group_id."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, base_url=live_server, locale=locale, device_scale_factor=2
    )
    page = context.new_page()
    response = page.goto(f"/groep/{group_id}/poster")
    assert response.status == 200
    return page


def test_the_poster_prints_on_exactly_one_a4_page_with_nothing_cut_off(browser, live_server, long_named):
    for group_id, name, locale in (
        (1, "Voorbeeld: Buurtapp Brink en Centrum", "nl-NL"),
        (long_named[0], LONG_NAME, "en-GB"),
        (long_named[1], LONG_WORD, "nl-NL"),
    ):
        page = open_poster(browser, live_server, group_id, locale=locale)
        emergency = (
            "In an emergency: always call 112 first"
            if locale == "en-GB"
            else "Bij een spoedeisende situatie: bel altijd eerst 112"
        )
        # As Playwright prints (A4 asked for) and as a person's print dialog does (the page's own @page size).
        for pdf in (page.pdf(format="A4"), page.pdf(prefer_css_page_size=True)):
            pages = pages_of(pdf)
            assert len(pages) == 1, (name, len(pages))
            assert [float(v) for v in pages[0].mediabox.upper_right] == pytest.approx(A4_POINTS, abs=1.5)
            text = " ".join(unicodedata.normalize("NFKC", pages[0].extract_text()).split())  # "ﬁ" is "fi"
            assert emergency in text
            assert f"localhost/groep/{group_id}/aanmelden" in text.replace(" ", "")
            assert "Kaart en adres zoeken" not in text and "Map and address lookup" not in text  # the site's menu
        # In the print layout, the last lines lie inside the poster's A4 box: none is hidden by its overflow.
        page.emulate_media(media="print")
        poster = page.locator(".poster").bounding_box()
        for part in (".poster h1", ".poster-area", ".poster-qr-code", ".poster-112", ".poster-contact"):
            box = page.locator(part).bounding_box()
            assert box["height"] > 0 and box["y"] + box["height"] <= poster["y"] + poster["height"] + 0.5, part
        assert page.locator(".poster-area").bounding_box()["height"] > 150  # the map shrank, but is still a map
        page.context.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_the_qr_code_reads_as_the_join_link(browser, live_server, width, height):
    page = open_poster(browser, live_server, 1, width, height)
    link = page.locator(".poster-link a")
    assert link.get_attribute("href") == JOIN.format(1)
    assert decoded(page.locator(".poster-qr")) == [JOIN.format(1)]
    page.emulate_media(media="print")
    assert decoded(page.locator(".poster-qr")) == [JOIN.format(1)]
    page.context.close()


def test_the_poster_on_a_phone_and_in_english(browser, live_server):
    page = open_poster(browser, live_server, 1, 390, 844, locale="en-GB")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.get_by_role("heading", name="Voorbeeld: Buurtapp Brink en Centrum").wait_for()
    page.get_by_role("img", name="Map of the area of Voorbeeld: Buurtapp Brink en Centrum").wait_for()
    page.get_by_text("In an emergency: always call 112 first").wait_for()
    assert page.get_by_role("button", name="Print a poster").is_visible()  # the script shows it
    for part in (".poster-area", ".poster-qr-code", ".poster-link"):
        box = page.locator(part).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, part
    page.context.close()
