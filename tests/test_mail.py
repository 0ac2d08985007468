"""E-mail without an SMTP server: every message lands as a file in the outbox folder."""
import email
import re
from email import policy

from helpers import csrf_token, make_app

from geo_registry.web.mailing import mail_worker


def test_without_smtp_messages_are_written_to_the_outbox(tmp_path):
    outbox = tmp_path / "uitgaand"
    app = make_app(tmp_path, MAIL_OUTBOX=str(outbox), PUBLIC_URL="https://buurtapp.example")
    app.test_cli_runner().invoke(args=["load-examples"])
    client = app.test_client()
    response = client.post("/groep/1/aanmelden", data={
        "csrf_token": csrf_token(client, "/groep/1/aanmelden"), "naam": "Olga Outbox", "mobiel": "0612345678",
        "email": "olga@voorbeeld.invalid"})
    assert response.status_code == 302
    assert mail_worker(app).flush()
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    messages = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    to_beheerder = next(m for m in messages if m["To"] == "beheerder1@voorbeeld.invalid")
    assert to_beheerder["Reply-To"] == "olga@voorbeeld.invalid" and "Olga Outbox" in to_beheerder.get_content()
    with app.app_context():
        from geo_registry import app_services
        assert app_services.current().mailer.pending() == []  # handed over: nothing kept in the database


def test_registration_link_in_the_outbox_uses_the_public_url(tmp_path):
    outbox = tmp_path / "uitgaand"
    app = make_app(tmp_path, MAIL_OUTBOX=str(outbox), PUBLIC_URL="https://buurtapp.example")
    client = app.test_client()
    client.post("/groep-aanmelden/", data={
        "csrf_token": csrf_token(client, "/groep-aanmelden/"), "naam": "Outboxgroep", "beheerder_naam": "B",
        "email": "b@voorbeeld.invalid", "buurten": "BU04170324", "actie": "aanmelden"})
    assert mail_worker(app).flush()
    [file] = outbox.glob("*.eml")
    body = email.message_from_bytes(file.read_bytes(), policy=policy.default).get_content()
    assert re.search(r"https://buurtapp\.example/groep-aanmelden/bevestigen/\S+", body)
    assert "localhost" not in body  # never the Host header the request came with


def test_a_failed_message_waits_longer_each_time_but_never_more_than_an_hour():
    """1, 2, 4, ... minutes after the 1st, 2nd, 3rd failed attempt, and from the 7th on an hour."""
    from datetime import timedelta

    from geo_registry.mail import retry_delay

    assert [retry_delay(n) for n in range(0, 9)] == [timedelta(minutes=m) for m in (1, 1, 2, 4, 8, 16, 32, 60, 60)]
