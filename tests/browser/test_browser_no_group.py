"""A resident whose address has no group, on a phone and on a desktop: an informational answer whose first action
starts a group here (the form opens with the buurt ticked), and the groups nearby that might grow to include it."""

import pytest

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
ERROR_PINK = "rgb(253, 232, 234)"


@pytest.fixture(params=list(SIZES))
def tab(request, browser, live_server):
    """A page at the given screen size, opened on the map with the no-group answer for Postiljonlaan 3."""
    context = browser.new_context(viewport=SIZES[request.param], locale="nl-NL")
    page = context.new_page()
    page.goto(live_server + "/")
    page.fill("#postcode", "1251PT")
    page.fill("#huisnummer", "3")
    page.press("#huisnummer", "Enter")
    page.locator("#antwoord-inhoud").get_by_text("Er is nog geen WhatsApp-groep voor dit adres").wait_for()
    yield page
    context.close()


def box(locator):
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()


def test_no_group_answer_is_information_and_starts_a_group_with_the_buurt_ticked(tab):
    answer = tab.locator("#antwoord-inhoud")
    notice = answer.locator(".notice-none")
    assert notice.evaluate("e => getComputedStyle(e).backgroundColor") != ERROR_PINK
    assert answer.locator("[role=alert], .notice-error").count() == 0
    start = answer.get_by_role("link", name="Start hier een groep")
    mail = answer.get_by_role("link", name="veiligheid@belcombinatie.nl")
    assert box(start)["y"] < box(mail)["y"]  # the e-mail route comes after, as the fallback
    width = tab.viewport_size["width"]
    assert box(start)["x"] + box(start)["width"] <= width and box(start)["height"] >= 24
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    start.click()
    tab.wait_for_url("**/groep-aanmelden/?buurt=BU04170324")
    assert tab.locator("#buurt-BU04170324").is_checked()
    assert tab.locator("input[name=buurten]:checked").count() == 1


def test_nearby_groups_are_shown_and_one_can_be_asked_to_grow(tab):
    nearby = tab.locator(".nearby-list li")
    assert nearby.count() == 2
    first, second = nearby.nth(0).inner_text(), nearby.nth(1).inner_text()
    assert "Voorbeeld: Zevenend-Oost Alert" in first and "99 m hiervandaan" in first and "dekt uw adres niet" in first
    assert "Voorbeeld: Buurtapp Brink en Centrum" in second and "944 m" in second
    assert nearby.nth(0).is_visible()
    ask = nearby.nth(0).get_by_role("link", name="Vraag of Voorbeeld: Zevenend-Oost Alert kan uitbreiden")
    box(ask)
    ask.click()
    tab.get_by_role("heading", name="Aanmelden bij Voorbeeld: Zevenend-Oost Alert").wait_for()
    assert tab.locator("textarea[name=bericht]").input_value() == (
        "Mijn adres valt buiten het gebied van de groep. Kan de groep uitbreiden naar Postiljonlaan 3?"
    )
    assert tab.locator("input[name=straat]").input_value() == "Postiljonlaan"
    assert tab.locator("input[name=huisnummer]").input_value() == "3"
