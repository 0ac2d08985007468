"""Issue 9 #14: every staff page works on a 390 px phone: nothing is wider than the screen, and a long name,
e-mail address or phone number is shown whole (wrapped), not cut off."""

import pytest
from pages import staff_visits
from staff_login import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LONG_NAME = "Buurtpreventie Zevenend-Noord en de Oude Naarderweg tot aan de Eemnesserweg"
LONG_BEHEERDER = "Maria-Theresia van Oldenbarnevelt-Hoogstraten"
LONG_EMAIL = "maria.theresia.van.oldenbarnevelt.hoogstraten@gemeentelijke-buurtpreventie-voorbeeld.invalid"


def long_pending_group(app) -> int:
    """A registration awaiting review whose name, beheerder and e-mail address are long (as people's are)."""
    from geo_registry.domain import actions
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.domain.groups import Group
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services as app_services

    with app.app_context():
        store = app_services.current().store
        area = area_from_buurten(["BU04170324"], app_services.current().buurten)
        group = Group(
            None,
            LONG_NAME,
            area,
            LONG_BEHEERDER,
            LONG_EMAIL,
            "+31612345678",
            "Wij letten op elkaar in de straten rond het Postiljonpad en de Zevenenderweg.",
        )
        group_id, _ = actions.register(store, group, lambda gid: Message("test", LONG_EMAIL, "Bevestig", "b"))
        actions.confirm_email(store, group_id)
    return group_id


def too_wide(page):
    """The page's width in CSS pixels and the outermost elements that stick out, when it is wider than the
    phone's screen; else 0."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return 0
    return width, page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > limit
                     && !(e.parentElement.getBoundingClientRect().right > limit))
        .map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''))
        .slice(0, 5)""",
        PHONE["width"],
    )


# A table wider than the phone scrolls inside its own box, which says what it holds and can be scrolled with
# the keyboard (WCAG 2.1.1): a region with a name, in the tab order.
UNLABELLED_SCROLLERS = """() => [...document.querySelectorAll('table')].map(t => t.parentElement)
    .filter(box => box.scrollWidth > box.clientWidth)
    .filter(box => !(box.getAttribute('role') === 'region' && box.tabIndex === 0
                     && (box.getAttribute('aria-label') || box.getAttribute('aria-labelledby'))))
    .map(box => box.querySelector('caption') ? box.querySelector('caption').textContent : box.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_staff_page_fits_a_390px_phone(browser, live_server, mail_app, staff_user, lang):
    pending = long_pending_group(mail_app)
    mail_app.smtp.fail = True  # a message waits in the outbox, with its long address and error
    mail_app.smtp.settle()
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="nl-NL", is_mobile=True)
    page = context.new_page()
    page.goto(f"/taal/{lang}")
    page.goto("/beheer/inloggen")
    wide, unlabelled = {"/beheer/inloggen": too_wide(page)}, {}
    log_in(page, staff_user)
    for visit in staff_visits(pending):
        page.goto(visit.path)
        page.wait_for_load_state("load")
        wide[visit.path] = too_wide(page)
        unlabelled[visit.path] = page.evaluate(UNLABELLED_SCROLLERS)
    context.close()
    assert {path: width for path, width in wide.items() if width} == {}
    assert {path: boxes for path, boxes in unlabelled.items() if boxes} == {}


def test_the_group_page_shows_long_contact_details_whole_on_a_phone(browser, live_server, mail_app, staff_user):
    pending = long_pending_group(mail_app)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="nl-NL", is_mobile=True)
    page = context.new_page()
    log_in(page, staff_user)
    page.goto(f"/beheer/groep/{pending}")
    for text in (LONG_NAME, LONG_BEHEERDER, LONG_EMAIL, "06 12345678"):  # stored as +31612345678
        shown = page.get_by_text(text, exact=True).first
        box = shown.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (text, box)
        # Nothing hidden inside its own box either (cut off by overflow: hidden or ellipsis).
        assert shown.evaluate("e => e.scrollWidth <= e.clientWidth"), text
    context.close()
