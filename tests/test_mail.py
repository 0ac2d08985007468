"""How e-mail leaves (geo_registry/mail/delivery.py): without an SMTP server every message lands as a file in the outbox
folder; with one, against real servers on 127.0.0.1, the MAIL_* settings as an operator writes them, an encrypted
connection (STARTTLS or implicit TLS) only to a server whose certificate is trusted, the login, and a mail server
that never answers given up after MAIL_TIMEOUT."""

from __future__ import annotations

import email
import re
import threading
import time
from datetime import UTC, datetime
from email import policy
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.smtp import AuthResult
from fakes import SilentSMTP, _SMTPHandler, _tracking_controller
from helpers import csrf_token, make_app
from servers import self_signed_certificate

from geo_registry.core.settings import load
from geo_registry.mail.delivery import Mailer, MailSettings, Message, queue
from geo_registry.worker.runner import run_job


def test_without_smtp_messages_are_written_to_the_outbox(tmp_path):
    outbox = tmp_path / "uitgaand"
    app = make_app(tmp_path, MAIL_OUTBOX=str(outbox), PUBLIC_URL="https://buurtapp.example")
    app.test_cli_runner().invoke(args=["load-examples"])
    client = app.test_client()
    response = client.post(
        "/groep/1/aanmelden",
        data={
            "csrf_token": csrf_token(client, "/groep/1/aanmelden"),
            "naam": "Olga Outbox",
            "mobiel": "0612345678",
            "email": "olga@voorbeeld.invalid",
        },
    )
    assert response.status_code == 302
    assert run_job(app, "mail-delivery").count == 2  # the worker's delivery job, as the worker process runs it
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    messages = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    to_beheerder = next(m for m in messages if m["To"] == "beheerder1@voorbeeld.invalid")
    assert to_beheerder["Reply-To"] == "olga@voorbeeld.invalid" and "Olga Outbox" in to_beheerder.get_content()
    with app.app_context():
        from geo_registry.web import services as app_services

        assert app_services.current().mailer.pending() == []  # handed over: nothing kept in the database


def test_registration_link_in_the_outbox_uses_the_public_url(tmp_path):
    outbox = tmp_path / "uitgaand"
    app = make_app(tmp_path, MAIL_OUTBOX=str(outbox), PUBLIC_URL="https://buurtapp.example")
    client = app.test_client()
    client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": "Outboxgroep",
            "beheerder_naam": "B",
            "email": "b@voorbeeld.invalid",
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
    )
    assert run_job(app, "mail-delivery").count == 1
    [file] = outbox.glob("*.eml")
    body = email.message_from_bytes(file.read_bytes(), policy=policy.default).get_content()
    assert re.search(r"https://buurtapp\.example/groep-aanmelden/bevestigen/\S+", body)
    assert "localhost" not in body  # never the Host header the request came with


def test_a_failed_message_waits_longer_each_time_but_never_more_than_an_hour():
    """1, 2, 4, ... minutes after the 1st, 2nd, 3rd failed attempt, and from the 7th on an hour."""
    from datetime import timedelta

    from geo_registry.mail.delivery import retry_delay

    assert [retry_delay(n) for n in range(0, 9)] == [timedelta(minutes=m) for m in (1, 1, 2, 4, 8, 16, 32, 60, 60)]


GOOD = Message("aanmelding-lid", "bo@voorbeeld.invalid", "Aanmelding", "Hallo")
USER, PASSWORD = "buurtpreventie", "geheim-wachtwoord-1"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (certificate file, key file)."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


class TlsSMTP:
    """A real SMTP server on 127.0.0.1 that speaks only over TLS (mode "starttls": STARTTLS required before
    anything else; mode "ssl": TLS from the first byte) and accepts mail only after a login as USER."""

    def __init__(self, mode: str, cert, key):
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.fail, self.logins, self._messages = False, [], []
        self.settle = lambda: None
        # Implicit TLS: aiosmtpd does not count the wrapped connection as TLS for AUTH, so it cannot also
        # require the login there; the test checks the login that arrived instead.
        tls = (
            {"tls_context": context, "require_starttls": True, "auth_required": True}
            if mode == "starttls"
            else {"ssl_context": context, "auth_require_tls": False}
        )
        self.controller = _tracking_controller(
            _SMTPHandler(self), hostname="127.0.0.1", authenticator=self._authenticate, **tls
        )

    @property
    def port(self) -> int:
        """The port the server listens on (once started)."""
        return self.controller.port

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=(auth_data.login.decode(), auth_data.password.decode()) == (USER, PASSWORD))

    @property
    def messages(self):
        """The messages that arrived."""
        return self._messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def send_one(engine, settings: MailSettings) -> tuple[tuple[int, int], list]:
    """Queue one message and deliver it with these settings; return (sent, failed) and the failures."""
    with engine.begin() as conn:
        queue(conn, GOOD)
    failures: list = []
    return Mailer(engine, settings).deliver(failures=failures), failures


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_mail_goes_encrypted_and_logged_in_to_a_trusted_server(sqlite_register, certificate, monkeypatch, mode):
    """MAIL_TLS=starttls or ssl: the message reaches a server that speaks only TLS, after the configured login."""
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the operator's trust store: this server's certificate
    with TlsSMTP(mode, cert, key) as server:
        settings = MailSettings(host="127.0.0.1", port=server.port, tls=mode, user=USER, password=PASSWORD, timeout=10)
        result, failures = send_one(sqlite_register, settings)
        assert (result, failures) == ((1, 0), [])
        assert server.logins == [(USER, PASSWORD)]
        assert [m["To"] for m in server.messages] == [GOOD.recipient]


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_no_password_or_mail_goes_to_a_server_whose_certificate_is_not_trusted(sqlite_register, certificate, mode):
    """A certificate the machine does not trust (a server in between): the login and the message are not sent;
    the message stays queued for a later attempt, and the reason names the certificate."""
    cert, key = certificate
    with TlsSMTP(mode, cert, key) as server:
        settings = MailSettings(host="127.0.0.1", port=server.port, tls=mode, user=USER, password=PASSWORD, timeout=10)
        result, failures = send_one(sqlite_register, settings)
        assert result == (0, 1) and not failures[0].permanent and "certificate" in failures[0].reason
        assert server.logins == [] and server.messages == []
    assert len(Mailer(sqlite_register, MailSettings()).pending()) == 1


@pytest.mark.parametrize("mode", ["none", "starttls", "ssl"])
def test_a_mail_server_that_never_answers_is_given_up_after_the_timeout(sqlite_register, mode):
    """A server that accepts the connection and then says nothing: after MAIL_TIMEOUT the attempt fails, the
    message waits for a retry and the worker is free again (it is not held for ever)."""
    outcome = {}
    with SilentSMTP() as silent:
        settings = MailSettings(host="127.0.0.1", port=silent.port, tls=mode, timeout=0.5)
        attempt = threading.Thread(
            target=lambda: outcome.update(result=send_one(sqlite_register, settings)), daemon=True
        )
        attempt.start()
        attempt.join(30)  # a bound far beyond the 0.5 s asked for, not a measure of speed
        assert not attempt.is_alive(), "the delivery attempt is still waiting for the silent server"
    (result, [failure]) = outcome["result"]
    assert result == (0, 1) and not failure.permanent
    [waiting] = Mailer(sqlite_register, MailSettings()).pending()
    assert waiting["attempts"] == 1 and waiting["next_attempt_at"]


@pytest.fixture
def dutch_clock(monkeypatch):
    """The server's local time is Dutch time (as on the municipality's server), not UTC."""
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_outbox_folder_is_made_with_its_parents_and_keeps_every_message_in_order(
    sqlite_register, tmp_path, dutch_clock
):
    """Without an SMTP server each message becomes its own .eml file, also in a folder that does not exist yet,
    named by the UTC time it was queued (also on a server set to Dutch time, whose clock jumps back an hour in
    October), its number and a digest of its own Message-ID, so that the folder lists them in the order queued."""
    outbox = tmp_path / "var" / "geo" / "uit"
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    with sqlite_register.begin() as conn:
        ids = [queue(conn, GOOD), queue(conn, GOOD)]
    assert Mailer(sqlite_register, MailSettings(outbox=str(outbox))).deliver() == (2, 0)
    after = datetime.now(UTC).replace(tzinfo=None)
    names = sorted(path.name for path in outbox.iterdir())
    assert [name.split("-")[1] for name in names] == [f"{i:06d}" for i in ids]
    assert all(re.fullmatch(r"\d{8}T\d{6}-\d{6}-[0-9a-f]{12}\.eml", name) for name in names), names
    assert all(before <= datetime.strptime(name.partition("-")[0], "%Y%m%dT%H%M%S") <= after for name in names)


@pytest.mark.slow
def test_a_message_in_the_outbox_folder_is_there_whole_or_not_at_all(sqlite_register, tmp_path):
    """Whoever reads the outbox folder (an operator's tool, a test waiting for a link) never finds half a message:
    a large message is watched for as it is written, and every .eml seen has the size it ends with."""
    outbox = tmp_path / "uit"
    with sqlite_register.begin() as conn:
        queue(conn, Message("aanmelding-lid", "bo@voorbeeld.invalid", "Groot", "regel\n" * 3_000_000))  # ~18 MB
    mailer = Mailer(sqlite_register, MailSettings(outbox=str(outbox)))
    writing = threading.Thread(target=mailer.deliver)
    seen = []
    writing.start()
    while writing.is_alive():
        seen += [path.stat().st_size for path in outbox.glob("*.eml")] if outbox.exists() else []
    writing.join()
    [written] = outbox.iterdir()
    assert written.suffix == ".eml" and set(seen) <= {written.stat().st_size}, (len(seen), set(seen))


REQUIRED = {"MAIL_SENDER": "Buurtpreventie <noreply@laren.invalid>", "MAIL_OUTBOX": "/tmp/uit"}


def test_mail_settings_left_empty_mean_the_documented_defaults():
    """An operator's environment file with MAIL_PORT= and the like: port 25, no TLS, no login, 10 s timeout."""
    empty = {"MAIL_HOST": "", "MAIL_PORT": "", "MAIL_TLS": "", "MAIL_USER": "", "MAIL_PASSWORD": "", "MAIL_TIMEOUT": ""}
    expected = MailSettings(
        host="",
        port=25,
        tls="none",
        user="",
        password="",
        sender=REQUIRED["MAIL_SENDER"],
        outbox="/tmp/uit",
        timeout=10.0,
    )
    assert MailSettings.from_settings(load("/tmp", {}, {**empty, **REQUIRED}).settings) == expected
    assert MailSettings.from_settings(load("/tmp", {}, REQUIRED).settings) == expected


def test_mail_settings_are_read_as_written_in_the_environment():
    """Values arrive as text: the port and timeout are read as numbers, the TLS mode in any case."""
    environment = {
        **REQUIRED,
        "MAIL_HOST": "smtp.laren.invalid",
        "MAIL_PORT": "587",
        "MAIL_TLS": "STARTTLS",
        "MAIL_USER": USER,
        "MAIL_PASSWORD": PASSWORD,
        "MAIL_TIMEOUT": "2.5",
    }
    loaded = load("/tmp", {f"GEO_REGISTRY_{name}": value for name, value in environment.items()})
    settings = MailSettings.from_settings(loaded.settings)
    assert settings == MailSettings(
        host="smtp.laren.invalid",
        port=587,
        tls="starttls",
        user=USER,
        password=PASSWORD,
        sender=REQUIRED["MAIL_SENDER"],
        outbox="/tmp/uit",
        timeout=2.5,
    )


def test_a_message_comes_from_the_configured_sender_with_its_date_and_its_own_message_id(
    sqlite_register, tmp_path, dutch_clock
):
    """The headers a mail program and a spam filter need: From is MAIL_SENDER, To and Reply-To as queued, the
    Date the moment it was written (a correct moment, also on a server set to Dutch time), and a Message-ID of
    its own for each message."""
    sender = "Buurtpreventie Laren <noreply@laren.invalid>"
    with sqlite_register.begin() as conn:
        queue(
            conn,
            Message(
                "aanmelding-lid",
                "beheerder@voorbeeld.invalid",
                "Nieuw lid",
                "Hallo",
                reply_to="bewoner@voorbeeld.invalid",
            ),
        )
        queue(conn, GOOD)
    outbox = tmp_path / "uit"
    before = datetime.now(UTC).replace(microsecond=0)
    assert Mailer(sqlite_register, MailSettings(sender=sender, outbox=str(outbox))).deliver() == (2, 0)
    after = datetime.now(UTC)
    first, second = (
        email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(outbox.iterdir())
    )
    assert (first["From"], first["To"], first["Reply-To"], first["Subject"]) == (
        sender,
        "beheerder@voorbeeld.invalid",
        "bewoner@voorbeeld.invalid",
        "Nieuw lid",
    )
    assert second["From"] == sender and second["Reply-To"] is None
    for message in (first, second):
        assert before <= parsedate_to_datetime(message["Date"]) <= after
    assert first["Message-ID"] and second["Message-ID"] and first["Message-ID"] != second["Message-ID"]
