"""The form classes: what each form reads from a post, whatever a hostile client sends in it."""

import io

import pytest
from helpers import csrf_token, login


def as_file(content: bytes = b"x"):
    return (io.BytesIO(content), "bestand.txt")


@pytest.fixture
def staff(mail_app, staff_user):
    client = mail_app.test_client()
    login(client, *staff_user)
    return client


def test_a_file_sent_under_a_text_fields_name_is_not_text(mail_app, staff):
    """Uploads reach only the upload field: a 400 that names the empty field, never a 500."""
    change_page = "/beheer/groep/1/bewerken"
    pages = [
        (mail_app.test_client(), "/groep-aanmelden/", "/groep-aanmelden/", "naam", "Vul de naam van de groep in."),
        (staff, change_page, change_page, "beheerder_naam", "Vul de naam van de beheerder in."),
        (mail_app.test_client(), "/groep/1/aanmelden", "/groep/1/aanmelden", "email", "Vul een e-mailadres in."),
    ]
    for client, page, action, name, message in pages:
        data = {
            "csrf_token": csrf_token(client, page),
            name: as_file(),
            "gebied_getekend": as_file(b"{}"),
            "buurten": as_file(b"BU04170324"),
            "actie": "controleren",
        }
        response = client.post(action, data=data, content_type="multipart/form-data")
        assert response.status_code == 400, (action, response.status_code)
        assert message in response.get_data(as_text=True), action
    assert mail_app.smtp.messages == []
