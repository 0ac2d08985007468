"""A resident asks to join a group: the beheerder gets it by e-mail, and never shows up anywhere public."""

import pytest
from helpers import PRIVATE_EMAILS, csrf_token

from geo_registry.web import settings as app_settings

URL = "/groep/1/aanmelden"
RESIDENT = "bewoner@voorbeeld.invalid"


@pytest.fixture
def web(mail_app):
    return mail_app.test_client()


def post(web, **fields):
    data = {
        "csrf_token": csrf_token(web, URL),
        "naam": "Bea Bewoner",
        "mobiel": "06-12345678",
        "email": RESIDENT,
        "straat": "Brink",
        "huisnummer": "12",
        "bericht": "Ik woon hier sinds kort.",
    }
    data.update(fields)
    return web.post(URL, data={k: v for k, v in data.items() if v is not None})


def outbox_rows(app):
    with app.app_context():
        from geo_registry.web import services as app_services

        return app_services.current().mailer.pending()


def test_join_form_is_reachable_from_answer_and_overview(web):
    assert 'href="/groep/1/aanmelden?straat=Brink&amp;huisnummer=12"' in web.get(
        "/?postcode=1251KV&huisnummer=12"
    ).get_data(as_text=True)
    assert 'href="/groep/1/aanmelden"' in web.get("/overzicht").get_data(as_text=True)
    html = web.get(URL).get_data(as_text=True)
    assert "Aanmelden bij Voorbeeld: Buurtapp Brink en Centrum" in html and 'name="website"' in html


@pytest.mark.both_databases
def test_join_sends_to_beheerder_with_reply_to_and_confirms_to_resident(web, mail_app):
    response = post(web)
    assert response.status_code == 302
    assert "onderweg naar de beheerder" in web.get(response.headers["Location"]).get_data(as_text=True)
    [to_beheerder] = mail_app.smtp.to("beheerder1@voorbeeld.invalid")
    assert to_beheerder["Reply-To"] == RESIDENT
    assert to_beheerder["Subject"].strip() == "Aanmelding voor uw WhatsApp-groep Voorbeeld: Buurtapp Brink en Centrum"
    body = to_beheerder.get_content()
    assert "Bea Bewoner" in body and "+31612345678" in body and "Brink 12" in body and "sinds kort" in body
    [to_resident] = mail_app.smtp.to(RESIDENT)
    assert "doorgestuurd" in to_resident["Subject"]
    everything_to_resident = to_resident.as_string()
    for secret in PRIVATE_EMAILS + ["Voorbeeldbeheerder"]:
        assert secret not in everything_to_resident
    assert outbox_rows(mail_app) == []  # the request is not kept once sent


@pytest.mark.parametrize("number", ["06 1234 5678", "+31 6 12345678", "0031612345678", "(06) 12-34-56-78"])
def test_dutch_mobile_numbers_are_accepted(web, mail_app, number):
    assert post(web, mobiel=number).status_code == 302
    assert "+31612345678" in mail_app.smtp.to("beheerder1@voorbeeld.invalid")[0].get_content()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"mobiel": "020 1234567"}, "Nederlands mobiel nummer"),
        ({"mobiel": "06 1234567"}, "Nederlands mobiel nummer"),
        ({"mobiel": ""}, "Vul uw mobiele nummer in"),
        ({"email": "bewoner-at-voorbeeld"}, "geldig e-mailadres"),
        ({"naam": " "}, "Vul uw naam in."),
        ({"bericht": "x" * 1001}, "te lang (hoogstens 1000 tekens)"),
    ],
)
def test_bad_input_is_explained_and_kept(web, mail_app, fields, message):
    response = post(web, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert 'value="Brink"' in html
    assert fields.get("bericht", "Ik woon hier sinds kort.") in html
    assert mail_app.smtp.messages == []


def test_only_active_groups_take_requests(web, mail_app):
    with mail_app.app_context():
        from geo_registry.web import services as app_services

        app_services.current().store.set_status(1, "inactive")
    assert web.get(URL).status_code == 404
    assert web.get("/groep/999/aanmelden").status_code == 404


def test_csrf_honeypot_and_rate_limit(web, mail_app):
    assert web.post(URL, data={"naam": "x"}).status_code == 400
    assert post(web, website="spam").status_code == 302 and mail_app.smtp.messages == []
    app_settings.change(mail_app, JOIN_LIMIT=2)
    assert post(web).status_code == 302 and post(web).status_code == 302
    response = post(web)
    assert response.status_code == 429 and "te vaak" in response.get_data(as_text=True)
    assert len(mail_app.smtp.to("beheerder1@voorbeeld.invalid")) == 2


@pytest.mark.both_databases
def test_failing_smtp_keeps_the_request_for_staff(web, mail_app):
    mail_app.smtp.fail = True
    response = post(web)
    assert "bewaard" in web.get(response.headers["Location"]).get_data(as_text=True)
    mail_app.smtp.settle()  # the worker has tried
    rows = outbox_rows(mail_app)
    assert sorted(r["kind"] for r in rows) == ["aanmelding-bevestiging", "aanmelding-lid"]
    assert all(r["last_error"] for r in rows)
