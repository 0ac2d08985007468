"""The access log in a real browser (issue 20): at 320 pixels, by keyboard alone, the functioneel-beheerder
filters it by account, pages through it, and axe finds nothing in Dutch or English."""

from datetime import UTC, datetime, timedelta

import pytest
from by_keyboard import tab_to
from staff_login import log_in
from test_browser_accessibility import axe

from geo_registry.domain import access_log

pytestmark = pytest.mark.browser


def test_the_access_log_by_keyboard_at_320_pixels_in_both_languages(browser, live_server, mail_app, staff_user):
    engine = mail_app.extensions["geo_registry.engine"]
    now = datetime.now(UTC)
    for i in range(55):
        record = access_log.record
        record(engine, 9, "wijkagent", access_log.GROUP, 1 + i % 4, "10.0.0.9", now - timedelta(hours=i))
    record(engine, 9, "<b>nep</b>", access_log.BEHEERDERS_CSV, None, "10.0.0.8", now)
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": 320, "height": 640})
    page = context.new_page()
    log_in(page, staff_user, "/beheer/toegangslog")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.locator("td", has_text="<b>nep</b>").count() == 1  # shown as text
    tab_to(page, "#account")
    page.keyboard.type("wijkagent")
    tab_to(page, "form.narrow button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "55 regels gevonden" in page.locator(".staff-content").inner_text()
    tab_to(page, "a[rel=next]", limit=200)  # past the 50 rows, each with its group link
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Pagina 2 van 2" in page.locator(".staff-content").inner_text()
    assert "account=wijkagent" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    found = [(v["id"], v["impact"]) for v in axe(page) if v["impact"] in ("serious", "critical")]
    page.goto("/taal/en")
    page.goto("/beheer/toegangslog?groep=2")
    assert "entries found" in page.locator(".staff-content").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    found += [(v["id"], v["impact"]) for v in axe(page) if v["impact"] in ("serious", "critical")]
    context.close()
    assert found == []
