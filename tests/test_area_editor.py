"""Issue 9 #11 without a browser: the edit forms carry the current area, and sending it back unchanged is no change."""

import html
import json
import re

import shapely
from helpers import csrf_token, login
from pages import renewal_path

from geo_registry.web import settings as app_settings


def hidden_area(page: str):
    value = re.search(r'name="gebied_getekend" value="([^"]*)"', page).group(1)
    data = json.loads(html.unescape(value))
    features = data["features"] if data["type"] == "FeatureCollection" else [data]
    return html.unescape(value), shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])


def current(app, group_id):
    from geo_registry.web import services as app_services

    with app.app_context():
        return app_services.current().store.get(group_id)


def test_beheerder_who_sends_the_form_back_untouched_proposes_nothing(mail_app):
    from geo_registry.domain.renewal import pending_changes
    from geo_registry.web import services as app_services

    client = mail_app.test_client()
    path = renewal_path(mail_app, 1) + "/wijzigen"
    page = client.get(path).get_data(as_text=True)
    text, area = hidden_area(page)
    group = current(mail_app, 1)
    assert area.equals_exact(group.area, 1e-9)  # the current area is in the editor's field
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "naam": group.name,
            "beheerder_naam": group.beheerder_name,
            "mobiel": group.beheerder_phone or "",
            "toelichting": group.description or "",
            "gebied_getekend": text,
        },
    )
    assert response.status_code == 200
    assert "nog actief is" in response.get_data(as_text=True)  # confirmed, not "your change was sent"
    with mail_app.app_context():
        assert pending_changes(app_services.current().store, 1) == []


def test_staff_edit_form_carries_the_area_and_a_moved_corner_is_saved(mail_app, staff_user):
    client = mail_app.test_client()
    login(client, *staff_user)
    path = "/beheer/groep/1/bewerken"
    text, area = hidden_area(client.get(path).get_data(as_text=True))
    group = current(mail_app, 1)
    assert area.equals_exact(group.area, 1e-9)
    moved = json.loads(text)
    ring = (moved["geometry"] if moved["type"] == "Feature" else moved["features"][0]["geometry"])["coordinates"][0]
    ring[1] = [ring[1][0] + 0.0005, ring[1][1]]  # about 35 m east
    client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "naam": group.name,
            "beheerder_naam": group.beheerder_name,
            "email": group.beheerder_email,
            "mobiel": group.beheerder_phone or "",
            "toelichting": group.description or "",
            "gebied_getekend": json.dumps(moved),
        },
    )
    assert not current(mail_app, 1).area.equals_exact(group.area, 1e-9)


def test_an_area_too_large_to_send_back_is_not_loaded_and_stays_as_it_is(mail_app):
    client = mail_app.test_client()
    path = renewal_path(mail_app, 1) + "/wijzigen"
    app_settings.change(mail_app, MAX_FORM_MEMORY_SIZE=200)  # smaller than the area's GeoJSON
    page = client.get(path).get_data(as_text=True)
    assert 'name="gebied_getekend" value=""' in page
