"""The staff coverage map in a real browser."""

import pytest
from helpers import register_pending
from staff_login import log_in

from geo_registry.spatial.coverage import CLASSES

pytestmark = pytest.mark.browser
UNCOVERED = CLASSES[-1][3]
FULL = CLASSES[0][3]
POSTILJON = "BU04170324"


def wijk_fill(page, code):
    """The fill colour the staff map draws for one buurt."""
    return page.evaluate(
        """(code) => {
        const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
        let fill = null;
        map.eachLayer(l => { if (l.feature && l.feature.properties.kind === 'wijk'
                                 && l.feature.properties.code === code) { fill = l._path.getAttribute('fill'); } });
        return fill;
    }""",
        code,
    )


def test_uncovered_buurt_changes_colour_after_approval(browser, live_server, mail_app, staff_user):
    group_id = register_pending(mail_app, "Postiljon Waakt", ("BU04170324",))
    page = browser.new_context(base_url=live_server, locale="nl-NL").new_page()
    log_in(page, staff_user, "/beheer/dekking")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    assert wijk_fill(page, POSTILJON) == UNCOVERED
    first_row = page.locator("#dekking tbody tr").first.inner_text()
    assert "Nog geen groep" in first_row  # least covered first
    page.goto(f"/beheer/groep/{group_id}")
    page.get_by_role("button", name="Goedkeuren").click()
    page.goto("/beheer/dekking")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    assert wijk_fill(page, POSTILJON) == FULL
    assert "Helemaal gedekt" in page.locator("#dekking tr", has_text="Postiljon").inner_text()
    page.context.close()
