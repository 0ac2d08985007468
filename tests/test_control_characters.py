"""Control characters (NUL, escape, bell, ...) typed or pasted into a form's text field: a clear 400 that names
the field, in the visitor's language, on SQLite and PostgreSQL alike (PostgreSQL cannot store a NUL at all, so
it used to be a 500 there, or a join request silently lost in the mail queue); nothing stored, nothing sent.
Tabs and line breaks in a message stay allowed."""

import pytest
import sqlalchemy as sa
import test_register
from helpers import csrf_token

JOIN = "/groep/1/aanmelden"
BEHEERDER = "beheerder1@voorbeeld.invalid"


def join(client, **fields):
    data = {
        "csrf_token": csrf_token(client, JOIN),
        "naam": "Bea Bewoner",
        "mobiel": "06-12345678",
        "email": "bewoner@voorbeeld.invalid",
        "straat": "Brink",
        "huisnummer": "12",
        **fields,
    }
    return client.post(JOIN, data=data)


def rows(app, table):
    with app.extensions["geo_registry.engine"].connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.mark.both_databases
@pytest.mark.parametrize("field", ["naam", "straat", "huisnummer", "bericht"])
@pytest.mark.parametrize("text", ["Br\x00ink", "rood\x1b[31m", "bel\x07"])
def test_a_join_request_with_control_characters_is_refused_clearly(mail_app, field, text):
    client = mail_app.test_client()
    response = join(client, **{field: text})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "tekens die hier niet kunnen" in body and 'aria-invalid="true"' in body
    assert rows(mail_app, "mail_outbox") == 0
    mail_app.smtp.settle()
    assert mail_app.smtp.to(BEHEERDER) == []


def test_the_refusal_is_in_english_for_an_english_visitor(mail_app):
    client = mail_app.test_client()
    client.get("/taal/en")
    response = join(client, bericht="a\x00b")
    assert response.status_code == 400 and "characters that cannot be used here" in response.get_data(as_text=True)


def test_line_breaks_and_tabs_in_a_message_stay_allowed(mail_app):
    client = mail_app.test_client()
    assert join(client, bericht="Goedemiddag,\r\n\r\n\tIk woon op de hoek.").status_code == 302


@pytest.mark.both_databases
def test_a_registration_with_a_nul_in_the_group_name_is_refused_clearly(mail_app):
    client = mail_app.test_client()
    response = test_register.post(client, naam="Buurt\x00app", buurten="BU04170324")
    assert response.status_code == 400 and "tekens die hier niet kunnen" in response.get_data(as_text=True)
    assert rows(mail_app, "groups") == 4  # the examples only


def test_a_join_link_with_control_characters_prefills_only_the_text(mail_app):
    """The answer's 'grow the group' link carries the address; a tampered link must not put control characters
    into the form (the resident would be refused for something they never typed)."""
    client = mail_app.test_client()
    page = client.get(JOIN + "?uitbreiden=1&straat=Br%00ink%1b&huisnummer=1%07").get_data(as_text=True)
    assert "\x00" not in page and "\x1b" not in page and "\x07" not in page
    assert "uitbreiden naar Brink 1?" in page
