"""Privacy: after real registrations, no public page, page source or API response holds a beheerder's details."""

import re

import pytest
from helpers import csrf_token, inside, login

SECRETS = {"email": "geheim.adres@voorbeeld.invalid", "mobiel": "0687654321", "beheerder_naam": "Geheime Gerda"}


@pytest.fixture
def registered(mail_app, staff_user):
    """A group registered through the form, confirmed and approved; returns the client and group id."""
    client = mail_app.test_client()
    response = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": "Privacytest Rijksweg",
            "beheerder_naam": SECRETS["beheerder_naam"],
            "email": SECRETS["email"],
            "mobiel": SECRETS["mobiel"],
            "buurten": ["BU04170325", "BU04170326"],
            "actie": "aanmelden",
        },
    )
    assert response.status_code == 302
    link = re.search(r"http://localhost(\S+)", mail_app.smtp.to(SECRETS["email"])[0].get_content()).group(1)
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    staff = mail_app.test_client()
    login(staff, *staff_user)
    group_id = int(
        re.search(r"/beheer/groep/(\d+)\">Privacytest", staff.get("/beheer/").get_data(as_text=True)).group(1)
    )
    staff.post(
        f"/beheer/groep/{group_id}/beoordelen",
        data={"csrf_token": csrf_token(staff, f"/beheer/groep/{group_id}"), "besluit": "goedkeuren"},
    )
    return mail_app.test_client(), group_id


def test_no_public_response_contains_beheerder_details(registered, places, buurten):
    client, group_id = registered
    assert "Privacytest Rijksweg" in client.get("/api/groups.geojson").get_data(as_text=True)
    lat, lon = places["centrum"]
    urls = [
        "/",
        "/overzicht",
        "/groep-aanmelden/",
        f"/groep/{group_id}/aanmelden",
        "/groep/1/aanmelden",
        f"/groep/{group_id}/poster",
        "/api/groups.geojson",
        "/api/wijken.geojson",
        f"/api/lookup?lat={lat}&lon={lon}",
        "/api/lookup?postcode=1251KV&huisnummer=12",
        "/api/suggest?q=Brink",
        "/bestaat-niet",
        "/?postcode=1251PT&huisnummer=3",
    ]
    # A point inside the new group, as a lookup and as the map's answer.
    lat, lon = inside(buurten, "Rijksweg-Zuid")
    in_group = client.get(f"/api/lookup?lat={lat}&lon={lon}").get_json()
    assert [g["name"] for g in in_group["groups"]] == ["Privacytest Rijksweg"]
    urls += [f"/api/lookup?lat={lat}&lon={lon}", f"/antwoord?lat={lat}&lon={lon}", f"/?lat={lat}&lon={lon}"]
    variants = [
        SECRETS["email"],
        SECRETS["beheerder_naam"],
        "87654321",
        "+31687654321",
        "beheerder1@voorbeeld.invalid",
        "Voorbeeldbeheerder",
    ]
    seen_group = False
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        seen_group = seen_group or "Privacytest Rijksweg" in body
        for secret in variants:
            assert secret not in body, (url, secret)
    assert seen_group
