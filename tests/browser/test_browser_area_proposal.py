"""Issue 22 #5 in Chromium: a staff member reviewing a proposed area sees the current area (dashed, unfilled) and the
proposed one (solid, filled) together on a map fitted to both, the legend, and the comparison in words above the
"Wijziging doorvoeren" button, at 1280 px and on a 390 px phone, in Dutch and English, with nothing axe objects to."""

import pytest
import shapely
from staff_login import log_in
from test_browser_accessibility import axe

from geo_registry.domain import renewal
from geo_registry.domain.groups import Group
from geo_registry.web import services as app_services

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
APPLY = {"nl": "Wijziging doorvoeren", "en": "Apply change"}


def proposing_group(app) -> int:
    """Zwarte Berg's group, whose beheerder proposes Zwarte Berg + Steenbergen (picked, rounded by the editor)."""
    with app.app_context():
        store = app_services.current().store
        by_name = {b.name: b.geometry for b in app_services.current().buurten}
        group_id = store.add(Group(None, "Zwarte Berg Waakt", by_name["Zwarte Berg"], "Bea", "bea@voorbeeld.invalid"))
        proposed = shapely.set_precision(shapely.union(by_name["Zwarte Berg"], by_name["Steenbergen"]), 1e-6)
        renewal.propose_change(store, group_id, {"area": proposed})
    return group_id


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_old_and_new_area_are_shown_together_before_the_decision(
    browser, live_server, mail_app, staff_user, size, lang
):
    group_id = proposing_group(mail_app)
    viewport = SIZES[size]
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="nl-NL", is_mobile=size == "phone")
    page = context.new_page()
    page.goto(f"/taal/{lang}")
    log_in(page, staff_user)
    page.goto(f"/beheer/groep/{group_id}")
    page.wait_for_load_state("load")
    frame = page.locator(".map-frame").bounding_box()
    current = page.locator("path.leaflet-interactive[stroke-dasharray='8 6']")
    proposed = page.locator("path.leaflet-interactive[fill='#ffbf47']")
    assert current.count() == 1 and proposed.count() == 1
    for area in (current, proposed):  # both in view, and the map opened close on them (not zoomed out)
        box = area.bounding_box()
        assert frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, size
        assert frame["y"] - 1 <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"] + 1, size
    box = proposed.bounding_box()
    assert box["width"] > frame["width"] * 0.5 or box["height"] > frame["height"] * 0.5, (box, frame)
    button = page.get_by_role("button", name=APPLY[lang]).bounding_box()
    words = page.locator(".proposal-compare").bounding_box()
    assert page.locator("#legenda-gebied").is_visible() and words["y"] + words["height"] <= button["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    bad = [
        (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in axe(page) if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    context.close()
