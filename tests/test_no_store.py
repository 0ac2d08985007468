"""Pages with a beheerder's or staff member's personal data are never kept by browsers or proxies."""

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, register_pending

from geo_registry.domain.tokens import make_sealed_token, make_token

PHONE = "0612345678"


def tokens(app):
    """Personal links as the e-mails carry them: yearly renewal, handover, e-mail confirmation."""
    from geo_registry.web import services as app_services
    from geo_registry.web.public.beheerder_link import PURPOSE as RENEW
    from geo_registry.web.public.register import PURPOSE
    from geo_registry.web.public.renewal import HANDOVER

    with app.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET beheerder_phone = :p WHERE id = 1"), {"p": PHONE})
    pending = register_pending(app)
    with app.app_context():
        group = app_services.current().store.get(1)
        stamp = (group.last_confirmed_at or group.created_at).isoformat()
    secret = app.config["SECRET_KEY"]
    return {
        "renew": make_token(secret, RENEW, {"g": 1, "c": stamp}),
        "handover": make_sealed_token(
            secret, HANDOVER, {"g": 1, "n": "Nieuwe Beheerder", "e": "nieuw@voorbeeld.invalid", "c": stamp}
        ),
        "confirm": make_token(secret, PURPOSE, {"g": pending, "e": "nina@voorbeeld.invalid"}),
    }


def assert_no_store(response):
    assert "no-store" in response.headers.get("Cache-Control", ""), (response.request.path, response.headers)


@pytest.fixture
def links(mail_app):
    return tokens(mail_app)


def test_the_change_page_with_name_and_phone_is_not_stored(mail_app, links):
    response = mail_app.test_client().get(f"/beheerder/{links['renew']}/wijzigen")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Voorbeeldbeheerder 1" in page and PHONE in page
    assert_no_store(response)


@pytest.mark.parametrize(
    "path",
    [
        "/beheerder/{renew}",
        "/beheerder/{renew}/wijzigen",
        "/beheerder/overdracht/{handover}",
        "/groep-aanmelden/bevestigen/{confirm}",
        "/groep-aanmelden/verstuurd",
        "/beheerder/{renew}-kapot",
        "/beheerder/onbekend/pad",
    ],
)
def test_personal_link_pages_are_not_stored(mail_app, links, path):
    response = mail_app.test_client().get(path.format(**links))
    assert response.status_code < 500
    assert_no_store(response)


def test_answers_to_personal_forms_are_not_stored(mail_app, links):
    client = mail_app.test_client()
    confirmed = client.post(
        f"/groep-aanmelden/bevestigen/{links['confirm']}",
        data={"csrf_token": csrf_token(client, f"/groep-aanmelden/bevestigen/{links['confirm']}")},
    )
    assert confirmed.status_code == 200
    assert_no_store(confirmed)
    page = f"/beheerder/{links['renew']}/wijzigen"
    refused = client.post(
        page, data={"csrf_token": csrf_token(client, page), "naam": "", "beheerder_naam": "Jan", "mobiel": "06 kapot"}
    )
    assert refused.status_code == 400 and "Jan" in refused.get_data(as_text=True)
    assert_no_store(refused)


def test_staff_pages_and_the_login_are_not_stored(mail_app, staff_user):
    client = mail_app.test_client()
    assert_no_store(client.get("/beheer/inloggen"))
    assert_no_store(login(client, *staff_user))
    for path in ["/beheer/", "/beheer/groep/1", "/beheer/export/beheerders.csv", "/beheer/wachtwoord"]:
        response = client.get(path)
        assert response.status_code == 200
        assert_no_store(response)


def test_public_pages_may_still_be_cached(client):
    response = client.get("/informatie/")
    assert "no-store" not in response.headers.get("Cache-Control", "")
