"""The OGC API's web pages in Chromium, as a person browses them: a browser's own Accept header gives the page,
axe-core finds nothing serious in Dutch or English, each fits a 320 px wide screen, and the keyboard alone goes
from the landing page to a feature."""

import pytest
from test_browser_accessibility import axe

pytestmark = pytest.mark.browser

PATHS = [
    "/api/v1",
    "/api/v1/conformance",
    "/api/v1/collections",
    "/api/v1/collections/groups",
    "/api/v1/collections/groups/items",
    "/api/v1/collections/buurten/items?limit=4&offset=4",
    "/api/v1/collections/groups/items/1",
]


@pytest.fixture
def context(browser, live_server):
    """A browser context per language and screen width, opened on demand and closed at the end."""
    opened = []

    def make(lang: str, width: int):
        made = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800}, locale=lang)
        opened.append(made)
        return made.new_page()

    yield make
    for made in opened:
        made.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_web_pages_have_no_serious_violations_and_reflow_at_320_pixels(context, lang):
    wide, narrow = context(lang, 1280), context(lang, 320)
    for path in PATHS:
        response = wide.goto(path)  # no f=html: Chromium's Accept asks for text/html
        assert response.status == 200 and response.headers["content-type"].startswith("text/html"), path
        assert wide.locator("html").get_attribute("lang") == lang, path
        found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in axe(wide)]
        assert [v for v in found if v[1] in ("serious", "critical")] == [], (path, found)
        narrow.goto(path)
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_the_keyboard_alone_goes_from_the_landing_page_to_a_feature(context):
    page = context("en", 1280)
    page.goto("/api/v1")
    for name, expected in (("The collections", "/api/v1/collections"), ("The features", "/items"), ("1", "/items/1")):
        for _ in range(60):  # Tab until the link has focus, then Enter, as a keyboard user does
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.tagName + '|' + document.activeElement.textContent")
            if focused.split("|", 1)[1].strip().startswith(name) and focused.startswith("A"):
                break
        else:
            pytest.fail(f"no link {name!r} reached by Tab on {page.url}")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert expected in page.url
    assert page.locator("h1").inner_text() == "Feature 1"
