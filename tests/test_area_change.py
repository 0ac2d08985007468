"""Changing a group's area (issue 22, point 3): the form shows the current area as ticked buurten and a drawing,
and what is ticked and drawn when it is sent is the proposed area: one more buurt ticked adds it, one unticked
removes it, nothing touched proposes nothing."""

import html
import json
import re

import pytest
import shapely
from helpers import csrf_token
from test_renewal import age_group, renewal_path, round_

from geo_registry.core.geometry import to_rd

pytestmark = pytest.mark.both_databases

BRINK, NOORD, EXTRA = "BU04170320", "BU04170324", "BU04170321"


def buurten(app, *codes):
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.web import services as app_services

    with app.app_context():
        return area_from_buurten(list(codes), app_services.current().buurten)


@pytest.fixture
def made_of_buurten(mail_app):
    """Group 1's area is two whole buurten (picked at registration); the round has mailed its personal link."""
    from geo_registry.domain.actions import update_group
    from geo_registry.web import services as app_services

    with mail_app.app_context(), app_services.current().store.transaction() as conn:
        update_group(conn, 1, area=buurten(mail_app, BRINK, NOORD))
    age_group(mail_app, 1, 400)
    round_(mail_app)
    return mail_app, renewal_path(mail_app) + "/wijzigen"


def ticked(page: str) -> set[str]:
    return set(re.findall(r'name="buurten" value="(BU\d+)" checked', page))


def drawn(page: str) -> str:
    return html.unescape(re.search(r'id="gebied_getekend" name="gebied_getekend" value="([^"]*)"', page).group(1))


def send(app, path, codes, drawing=None):
    """Send the change form as the page gives it, with codes ticked (and drawing, or the page's own drawing)."""
    client = app.test_client()
    if drawing is None:
        drawing = drawn(client.get(path).get_data(as_text=True))
    data = {
        "csrf_token": csrf_token(client, path),
        "naam": "Voorbeeld: Buurtapp Brink en Centrum",
        "beheerder_naam": "Voorbeeldbeheerder 1",
        "mobiel": "",
        "toelichting": "",
        "buurten": list(codes),
        "gebied_getekend": drawing,
    }
    assert client.post(path, data=data).status_code == 200
    from geo_registry.domain.renewal import pending_changes
    from geo_registry.web import services as app_services

    with app.app_context():
        waiting = pending_changes(app_services.current().store, 1)
    return (
        shapely.geometry.shape(waiting[-1]["payload"]["area"]) if waiting and "area" in waiting[-1]["payload"] else None
    )


def same_area(a, b) -> bool:
    return to_rd(a).symmetric_difference(to_rd(b)).area < 1.0  # m²


def test_the_form_shows_the_current_buurten_ticked_and_says_what_it_does(made_of_buurten):
    app, path = made_of_buurten
    page = app.test_client().get(path).get_data(as_text=True)
    assert ticked(page) == {BRINK, NOORD} and drawn(page) == ""
    assert "vervangen" not in page and "vink een buurt uit om die weg te halen" in page
    english = app.test_client().get(path + "?lang=en").get_data(as_text=True)
    assert "replace" not in english.lower() and "untick a neighbourhood to remove it" in english


def test_ticking_one_more_buurt_proposes_the_current_area_and_that_buurt(made_of_buurten):
    app, path = made_of_buurten
    assert same_area(send(app, path, [BRINK, NOORD, EXTRA]), buurten(app, BRINK, NOORD, EXTRA))


def test_a_buurt_ticked_after_unticking_the_current_ones_is_the_whole_new_area(made_of_buurten):
    app, path = made_of_buurten
    assert same_area(send(app, path, [EXTRA]), buurten(app, EXTRA))


def test_unticking_a_buurt_removes_it(made_of_buurten):
    app, path = made_of_buurten
    assert same_area(send(app, path, [BRINK]), buurten(app, BRINK))


def test_sending_the_current_area_untouched_proposes_no_area(made_of_buurten):
    app, path = made_of_buurten
    assert send(app, path, [BRINK, NOORD]) is None


def test_a_drawn_area_stays_drawn_and_a_ticked_buurt_is_added_to_it(mail_app):
    """Group 1 of the examples was drawn by hand: nothing is ticked, the drawing is the current area."""
    age_group(mail_app, 1, 400)
    round_(mail_app)
    path = renewal_path(mail_app) + "/wijzigen"
    page = mail_app.test_client().get(path).get_data(as_text=True)
    drawing = drawn(page)
    assert ticked(page) == set() and json.loads(drawing)
    from geo_registry.web import services as app_services

    with mail_app.app_context():
        current = app_services.current().store.get(1).area
    assert same_area(send(mail_app, path, [EXTRA]), current.union(buurten(mail_app, EXTRA)))
