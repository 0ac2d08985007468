"""Signing in to a local staff account: the password policy (length, common passwords, guessable patterns, not the
username), the per-account back-off that many client addresses together cannot get around (with one e-mail to the
holder, an audit entry and a flag on the staff overview, and no lock-out), and the session's idle time and maximum.
On SQLite and PostgreSQL where the database takes part."""

import time
from datetime import UTC, datetime, timedelta
from mailbox import wait_for_mail

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, make_app, totp_code

from geo_registry.domain import login_backoff
from geo_registry.domain.passwords import check_password
from geo_registry.domain.staff import audit_entries
from geo_registry.store.tables import mail_outbox, staff
from geo_registry.web import services as app_services
from geo_registry.worker.runner import run_job

HOLDER = "medewerker@gemeente.invalid"


def engine_of(app):
    with app.app_context():
        return app_services.current().store.engine


@pytest.mark.parametrize(
    "password, reason",
    [
        ("aaaaaaaaaaaa", "te makkelijk te raden"),
        ("password1234", "veelgebruikte wachtwoorden"),
        ("1234567890ab", "te makkelijk te raden"),
        ("qwertyuiop12", "veelgebruikte wachtwoorden"),
        ("iloveyou1234", "te makkelijk te raden"),
        ("Password2026", "te makkelijk te raden"),
        ("Laren1234567", "te makkelijk te raden"),
        ("kort-wachtw", "minstens 12 tekens"),
        ("baspetersen-thuis", "gebruikersnaam"),
    ],
)
def test_the_policy_refuses_weak_passwords(password, reason):
    with pytest.raises(ValueError, match=reason):
        check_password(password, "BasPetersen", 12)


def test_the_policy_refuses_a_password_from_the_list_of_common_ones():
    with pytest.raises(ValueError, match="veelgebruikte wachtwoorden"):
        check_password("1qaz2wsx3edc", "", 12)
    with pytest.raises(ValueError, match="veelgebruikte wachtwoorden"):
        check_password("PASSWORD1234", "", 12)  # in any case


@pytest.mark.parametrize("password", ["paard-batterij-nietje-correct", "Laren heeft 3 brinken en een hei"])
def test_the_policy_accepts_a_sentence_of_a_few_words(password):
    check_password(password, "anna", 12)


def test_a_long_password_is_judged_by_its_start():
    check_password("Zh8!" + "q7@Lm" * 100_000, "anna", 12)  # zxcvbn itself refuses more than 72 characters
    with pytest.raises(ValueError, match="te makkelijk te raden"):
        check_password("a" * 500_000, "anna", 12)


def test_create_staff_refuses_the_issues_weak_passwords(app):
    for weak in ("aaaaaaaaaaaa", "password1234"):
        result = app.test_cli_runner().invoke(args=["create-staff", "weakuser", "--password", weak])
        assert result.exit_code != 0 and "aangemaakt" not in result.output, result.output
        assert "te makkelijk te raden" in result.output or "veelgebruikte wachtwoorden" in result.output
    result = app.test_cli_runner().invoke(
        args=["set-password", "weakuser", "--password", "paard-batterij-nietje-correct"]
    )
    assert "Geen medewerker" in result.output


def test_the_password_page_states_the_policy_and_refuses_in_english(mail_app, staff_user):
    client = mail_app.test_client()
    login(client, *staff_user)
    page = client.get("/beheer/wachtwoord").get_data(as_text=True)
    assert "Minstens 12 tekens. Geen veelgebruikt wachtwoord" in page
    english = client.get("/beheer/wachtwoord?lang=en").get_data(as_text=True)
    assert "At least 12 characters" in english
    token = csrf_token(client, "/beheer/wachtwoord?lang=en")
    data = {"csrf_token": token, "huidig": staff_user[1], "nieuw": "password1234", "herhaal": "password1234"}
    answer = client.post("/beheer/wachtwoord?lang=en", data=data)
    assert answer.status_code == 400 and "on a list of commonly used passwords" in answer.get_data(as_text=True)


def test_the_wait_grows_and_is_capped():
    assert [login_backoff.wait_after(n) for n in range(0, 9)] == [0, 0, 0, 0, 0, 0, 2, 4, 8]
    assert login_backoff.wait_after(14) == 512 and login_backoff.wait_after(15) == 900
    assert login_backoff.wait_after(40) == 900 and login_backoff.wait_after(40, cap_seconds=60) == 60


@pytest.fixture
def proxied_app(tmp_path, db_url, smtp):
    """An app behind a trusted reverse proxy (each client's address in X-Forwarded-For), mailing the test SMTP
    server, with one local staff account that has an e-mail address and a second factor."""
    app = make_app(
        tmp_path,
        DATABASE_URL=db_url,
        TRUST_PROXY=True,
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=smtp.port,
        PUBLIC_URL="http://localhost",
    )
    command = ["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord", "--email", HOLDER]
    assert "aangemaakt" in app.test_cli_runner().invoke(args=command).output
    totp_code(app, "medewerker")  # enrols the account
    app.smtp = smtp
    return app


def guess(app, address: str, password: str):
    client = app.test_client()
    headers = {"X-Forwarded-For": address}
    page = client.get("/beheer/inloggen", headers=headers).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    data = {"csrf_token": token, "gebruikersnaam": "Medewerker", "wachtwoord": password}
    return client.post("/beheer/inloggen", data=data, headers=headers)


@pytest.mark.both_databases
def test_forty_addresses_get_nowhere_near_eighty_guesses_at_one_account(proxied_app):
    answers = [guess(proxied_app, f"198.51.100.{i}", f"gok-nummer-{i}-{n}") for i in range(40) for n in range(2)]
    checked = [a for a in answers if a.status_code == 401]
    waited = [a for a in answers if a.status_code == 429]
    assert len(checked) + len(waited) == 80
    # Five free failures, then each waits 2 s, 4 s, ...: in the time these 80 take, a handful is checked.
    assert len(checked) <= 8, len(checked)
    assert "te vaak zonder succes ingelogd" in waited[0].get_data(as_text=True)
    # The right password during the wait is not even checked: no way to learn it is right.
    assert guess(proxied_app, "203.0.113.9", "lang-genoeg-wachtwoord").status_code == 429
    # The holder hears of it once, the log says so, and the staff overview shows the account.
    run_job(proxied_app, "mail-delivery")  # as the worker process does
    [mail] = wait_for_mail(proxied_app.smtp, HOLDER)
    assert "mislukte aanmeldingen" in mail["Subject"].lower() and "medewerker" in mail.get_content()
    engine = engine_of(proxied_app)
    with engine.connect() as conn:  # queued once, whether sent already or not
        queued = conn.execute(sa.select(sa.func.count()).where(mail_outbox.c.kind == "login_alarm")).scalar_one()
    assert queued + len(proxied_app.smtp.to(HOLDER)) == 1
    assert [e["action"] for e in audit_entries(engine)].count("herhaald mislukte aanmeldingen") == 1
    # No lock-out: once the wait is over, the holder gets in with the password and the code.
    with engine.begin() as conn:
        conn.execute(staff.update().values(last_failed_at=datetime.now(UTC) - timedelta(minutes=16)))
    client = proxied_app.test_client()
    overview = login(client, "medewerker", "lang-genoeg-wachtwoord")
    assert overview.status_code == 302
    assert client.get("/beheer/", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.select(staff.c.failed_logins)).scalar_one() == 0


@pytest.mark.both_databases
def test_the_overview_flags_an_account_under_a_burst(proxied_app):
    engine = engine_of(proxied_app)
    client = proxied_app.test_client()
    login(client, "medewerker", "lang-genoeg-wachtwoord")
    assert "mislukte aanmeldingen op rij" not in client.get("/beheer/").get_data(as_text=True)
    with engine.begin() as conn:
        conn.execute(staff.update().values(failed_logins=7, last_failed_at=datetime.now(UTC)))
    page = client.get("/beheer/").get_data(as_text=True)
    assert "Account medewerker: 7 mislukte aanmeldingen op rij" in page


@pytest.mark.both_databases
def test_wrong_codes_count_for_the_back_off_too(proxied_app):
    engine = engine_of(proxied_app)
    client = proxied_app.test_client()
    token = csrf_token(client, "/beheer/inloggen")
    data = {"csrf_token": token, "gebruikersnaam": "medewerker", "wachtwoord": "lang-genoeg-wachtwoord"}
    assert client.post("/beheer/inloggen", data=data).location == "/beheer/code"
    token = csrf_token(client, "/beheer/code")
    codes = [client.post("/beheer/code", data={"csrf_token": token, "code": f"00000{n}"}) for n in range(4)]
    assert [c.status_code for c in codes] == [401, 401, 401, 401]
    with engine.connect() as conn:
        assert conn.execute(sa.select(staff.c.failed_logins)).scalar_one() == 4


def logged_in(app):
    client = app.test_client()
    assert login(client, "medewerker", "lang-genoeg-wachtwoord").status_code == 302
    return client


def test_a_session_ends_after_the_idle_time(proxied_app):
    client = logged_in(proxied_app)
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 29 * 60
    assert client.get("/beheer/").status_code == 200  # used: the idle time starts again
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31 * 60
    answer = client.get("/beheer/dekking")
    assert answer.status_code == 302 and answer.location == "/beheer/inloggen?next=/beheer/dekking"
    assert "30 minuten niet actief" in client.get(answer.location).get_data(as_text=True)
    assert client.get("/beheer/").status_code == 302


def test_a_session_ends_at_its_maximum_however_busy(proxied_app):
    client = logged_in(proxied_app)
    with client.session_transaction() as session:
        session["started_at"] = time.time() - 10 * 3600 + 60
    assert client.get("/beheer/").status_code == 200
    with client.session_transaction() as session:
        session["started_at"] = time.time() - 10 * 3600 - 60
    answer = client.get("/beheer/")
    assert answer.status_code == 302 and answer.location.startswith("/beheer/inloggen")
    assert "10 uur ingelogd" in client.get(answer.location).get_data(as_text=True)


def test_the_times_are_settings(tmp_path, smtp):
    app = make_app(tmp_path, SESSION_IDLE_MINUTES="5", SESSION_MAX_HOURS="2")
    assert app.permanent_session_lifetime == timedelta(hours=2)
    assert (
        "aangemaakt"
        in app.test_cli_runner()
        .invoke(args=["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"])
        .output
    )
    client = logged_in(app)
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 6 * 60
    assert client.get("/beheer/").status_code == 302
