"""Issue 9 #12 in a real browser, on a desktop and on a phone: after approving, the message at the top of the page
says what happened and who was e-mailed; a rejection without a reason is shown at the reason field."""

import pytest
from test_browser_staff_phone import LONG_BEHEERDER, LONG_EMAIL, LONG_NAME, PHONE, log_in, long_pending_group

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
def test_reject_without_reason_then_approve(browser, live_server, mail_app, staff_user, viewport):
    pending = long_pending_group(mail_app)
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="nl-NL")
    page = context.new_page()
    log_in(page, staff_user)
    page.goto(f"/beheer/groep/{pending}")
    page.fill("#reden", "   ")
    page.get_by_role("button", name="Afwijzen").click()
    reason = page.get_by_label("Reden of opmerking (verplicht bij afwijzen; de beheerder krijgt die te lezen)")
    assert reason.get_attribute("aria-invalid") == "true"
    error = page.locator("#reden-fout")
    assert error.is_visible() and "Geef een reden voor de afwijzing" in error.inner_text()
    assert reason.evaluate("e => e.getAttribute('aria-describedby') === 'reden-fout'")
    page.get_by_role("link", name="Geef een reden voor de afwijzing; de beheerder krijgt die te lezen.").click()
    assert reason.evaluate("e => document.activeElement === e")  # the summary leads to the field
    page.get_by_role("button", name="Goedkeuren").click()
    message = page.get_by_role("status")
    assert message.is_visible() and message.bounding_box()["y"] < viewport["height"]  # seen without scrolling
    text = " ".join(message.inner_text().split())
    assert f"Groep ‘{LONG_NAME}’ is goedgekeurd" in text and f"{LONG_BEHEERDER} ({LONG_EMAIL})" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()
