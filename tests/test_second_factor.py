"""The second factor of local staff accounts (TOTP): enrolment at the first login with no way around it, a code
at every login that counts once, single-use recovery codes, secrets a database dump does not give away, the reset,
and an upgraded database whose accounts enrol at their next login. On SQLite and PostgreSQL."""

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, make_app, migrate, totp_code, totp_secret
from werkzeug.security import generate_password_hash

from geo_registry.domain import second_factor
from geo_registry.domain.staff import audit_entries, find_staff
from geo_registry.store.tables import staff, staff_recovery_codes
from geo_registry.web import services as app_services

pytestmark = pytest.mark.both_databases


def engine_of(app):
    with app.app_context():
        return app_services.current().store.engine


def password_step(client, user, next_url: str = ""):
    """The first step of a login: the password; return the answer (a redirect to the second factor)."""
    token = csrf_token(client, "/beheer/inloggen")
    data = {"csrf_token": token, "gebruikersnaam": user[0], "wachtwoord": user[1], "next": next_url}
    return client.post("/beheer/inloggen", data=data)


def post_code(client, path: str, code: str, **extra):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "code": code, **extra})


def enrolment_page_secret(client) -> str:
    page = client.get("/beheer/tweede-factor").get_data(as_text=True)
    return re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def test_first_login_enrols_with_no_way_around_it(mail_app, staff_user):
    client = mail_app.test_client()
    answer = password_step(client, staff_user, "/beheer/dekking")
    assert answer.status_code == 302 and answer.location == "/beheer/tweede-factor"
    # Every staff page sends the visitor back to the enrolment, and nothing there opens.
    for path in ("/beheer/", "/beheer/dekking", "/beheer/wachtwoord", "/beheer/logboek", "/beheer/code/opnieuw"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.location == "/beheer/tweede-factor", path
    assert client.get("/beheer/code").location == "/beheer/tweede-factor"
    page = client.get("/beheer/tweede-factor").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page and 'aria-label="QR-code' in page
    secret = enrolment_page_secret(client)
    assert client.get("/beheer/tweede-factor").get_data(as_text=True).count("<svg") == 1
    assert enrolment_page_secret(client) == secret  # a reload shows the same secret
    wrong = post_code(client, "/beheer/tweede-factor", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 400 and "Deze code klopt niet" in wrong.get_data(as_text=True)
    assert client.get("/beheer/").location == "/beheer/tweede-factor"
    done = post_code(client, "/beheer/tweede-factor", pyotp.TOTP(secret).now())
    text = done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})</code></li>", text)
    assert done.status_code == 200 and len(set(codes)) == 10
    assert 'href="/beheer/dekking"' in text  # on to the page the login was for
    assert client.get("/beheer/dekking").status_code == 200
    entries = [e["action"] for e in audit_entries(engine_of(mail_app))]
    assert "tweede factor ingesteld" in entries


def test_the_stored_secret_and_recovery_codes_give_nothing_away(mail_app, staff_user):
    client = mail_app.test_client()
    password_step(client, staff_user)
    secret = enrolment_page_secret(client)
    text = post_code(client, "/beheer/tweede-factor", pyotp.TOTP(secret).now()).get_data(as_text=True)
    codes = re.findall(r"<code>([2-9A-Z-]{14})</code>", text)
    with engine_of(mail_app).connect() as conn:
        dump = "\n".join(
            str(value)
            for table in (staff, staff_recovery_codes)
            for row in conn.execute(sa.select(table))
            for value in row
        )
    assert secret not in dump and secret.lower() not in dump
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump
    # Without the app's secret key the stored secret cannot be opened.
    with engine_of(mail_app).connect() as conn:
        sealed = conn.execute(sa.select(staff.c.totp_secret)).scalar_one()
    assert second_factor._open(mail_app.secret_key, sealed) == secret
    assert second_factor._open("een-andere-sleutel", sealed) is None


def test_a_code_counts_once_and_a_recovery_code_once(mail_app, staff_user):
    app = mail_app
    secret = totp_secret(app, staff_user[0])  # enrolled
    engine = engine_of(app)
    account = find_staff(engine, staff_user[0])
    now = datetime.now(UTC)
    code = pyotp.TOTP(secret).at(now + timedelta(seconds=30))  # the next step's code: not used by the enrolment
    assert second_factor.verify(engine, app.secret_key, account["id"], code, now)
    assert not second_factor.verify(engine, app.secret_key, account["id"], code, now)  # replayed in its window
    # The same through the login page: a code an eavesdropper saw is refused at another login.
    first = app.test_client()
    password_step(first, staff_user)
    code = totp_code(app, staff_user[0])
    assert post_code(first, "/beheer/code", code).status_code == 302
    second = app.test_client()
    password_step(second, staff_user)
    replayed = post_code(second, "/beheer/code", code)
    assert replayed.status_code == 401 and "al gebruikt" in replayed.get_data(as_text=True)
    assert second.get("/beheer/").status_code == 302
    # A recovery code instead of a code: once, in any case and with or without its hyphens.
    with engine.begin() as conn:
        conn.execute(sa.delete(staff_recovery_codes))
    recovery = second_factor.new_recovery_code()
    with engine.begin() as conn:
        conn.execute(
            staff_recovery_codes.insert().values(
                staff_id=account["id"], code_hash=second_factor._hash_code(second_factor._normal_code(recovery))
            )
        )
    third = app.test_client()
    password_step(third, staff_user)
    assert post_code(third, "/beheer/code", recovery.replace("-", " ").lower()).status_code == 302
    assert third.get("/beheer/").status_code == 200
    assert second_factor.recovery_codes_left(engine, account["id"]) == 0
    fourth = app.test_client()
    password_step(fourth, staff_user)
    assert post_code(fourth, "/beheer/code", recovery).status_code == 401
    assert "herstelcode gebruikt" in [e["action"] for e in audit_entries(engine)]


def test_without_the_password_step_the_code_page_leads_to_the_login(mail_app, staff_user):
    client = mail_app.test_client()
    assert client.get("/beheer/code").location == "/beheer/inloggen"
    assert client.get("/beheer/tweede-factor").location == "/beheer/inloggen"
    token = csrf_token(client, "/beheer/inloggen")
    answer = client.post("/beheer/code", data={"csrf_token": token, "code": totp_code(mail_app, staff_user[0])})
    assert answer.location == "/beheer/inloggen" and client.get("/beheer/").status_code == 302


def test_reset_second_factor_ends_sessions_and_enrols_again(mail_app, staff_user):
    client = mail_app.test_client()
    assert login(client, *staff_user).status_code == 302
    assert client.get("/beheer/").status_code == 200
    result = mail_app.test_cli_runner().invoke(args=["reset-second-factor", "MEDEWERKER"])
    assert "Tweede factor van 'medewerker' gewist" in result.output, result.output
    assert client.get("/beheer/").status_code == 302  # the session ended
    assert password_step(client, staff_user).location == "/beheer/tweede-factor"
    engine = engine_of(mail_app)
    entry = audit_entries(engine)[0]
    assert (entry["actor"], entry["action"], entry["detail"]) == ("opdrachtregel", "tweede factor gewist", "medewerker")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(staff_recovery_codes)).scalar_one() == 0
    unknown = mail_app.test_cli_runner().invoke(args=["reset-second-factor", "niemand"])
    assert unknown.exit_code != 0 and "Geen medewerker 'niemand'" in unknown.output


@pytest.fixture
def database_at_0012(request, tmp_path, db_url):
    """An empty database of the test's kind, migrated up to revision 0012 (before the second factor)."""
    from alembic import command

    from geo_registry.store.db import make_engine

    url = db_url if db_url.startswith("sqlite") else request.getfixturevalue("empty_postgresql_url")
    engine = make_engine(url)
    migrate(engine, command.upgrade, "0012")
    yield url, engine
    engine.dispose()


def test_an_upgraded_database_asks_todays_accounts_to_enrol(tmp_path, database_at_0012, smtp):
    url, engine = database_at_0012
    with engine.begin() as conn:  # an account as today's create-staff makes it
        conn.execute(
            sa.text(
                "INSERT INTO staff (username, password_hash, active, created_at, session_version)"
                " VALUES ('anna', :hash, 1, :at, 3)"
            ),
            {"hash": generate_password_hash("een-lang-wachtwoord", method="scrypt"), "at": "2026-11-01T09:00:00+00:00"},
        )
    app = make_app(tmp_path, migrated=False, DATABASE_URL=url, MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port)
    client = app.test_client()
    answer = password_step(client, ("anna", "een-lang-wachtwoord"))
    assert answer.location == "/beheer/tweede-factor"
    assert client.get("/beheer/").location == "/beheer/tweede-factor"
    secret = enrolment_page_secret(client)
    assert post_code(client, "/beheer/tweede-factor", pyotp.TOTP(secret).now()).status_code == 200
    assert client.get("/beheer/").status_code == 200
    with engine.connect() as conn:  # the sessions of before ended with the upgrade
        assert conn.execute(sa.text("SELECT session_version FROM staff")).scalar_one() == 4


def test_a_stale_second_factor_is_asked_again_on_the_password_page(mail_app, staff_user):
    client = mail_app.test_client()
    assert login(client, *staff_user).status_code == 302
    assert client.get("/beheer/wachtwoord").status_code == 200
    with client.session_transaction() as session:
        session["second_factor_at"] = time.time() - 11 * 60
    asked = client.get("/beheer/wachtwoord")
    assert asked.status_code == 302 and asked.location == "/beheer/code/opnieuw?next=/beheer/wachtwoord"
    assert client.get("/beheer/").status_code == 200  # other pages go on
    token = csrf_token(client, "/beheer/")
    posted = client.post("/beheer/wachtwoord", data={"csrf_token": token, "huidig": staff_user[1]})
    assert posted.location == "/beheer/code/opnieuw?next=/beheer/wachtwoord"  # nothing changed without the code
    page = client.get(asked.location).get_data(as_text=True)
    assert "opnieuw" in page and 'name="next" value="/beheer/wachtwoord"' in page
    wrong = post_code(client, "/beheer/code/opnieuw", "12345x", next="/beheer/wachtwoord")
    assert wrong.status_code == 401
    back = post_code(client, "/beheer/code/opnieuw", totp_code(mail_app, staff_user[0]), next="/beheer/wachtwoord")
    assert back.status_code == 302 and back.location == "/beheer/wachtwoord"
    assert client.get("/beheer/wachtwoord").status_code == 200


def test_the_second_factor_pages_are_english_in_english(mail_app, staff_user):
    from visible_text import dutch_messages, untranslated, visible_lines

    pages = {}
    for lang in ("nl", "en"):
        client = mail_app.test_client()
        client.get(f"/taal/{lang}")
        password_step(client, staff_user)
        enrol = client.get("/beheer/tweede-factor").get_data(as_text=True)
        secret = enrolment_page_secret(client)
        wrong = post_code(client, "/beheer/tweede-factor", "abcdef").get_data(as_text=True)
        codes = post_code(client, "/beheer/tweede-factor", totp_code_of(secret)).get_data(as_text=True)
        client.post("/beheer/uitloggen", data={"csrf_token": csrf_token(client, "/beheer/")})
        password_step(client, staff_user)
        code = post_code(client, "/beheer/code", "abcdef").get_data(as_text=True)
        pages[lang] = {"enrol": enrol, "wrong": wrong, "codes": codes, "code": code}
        with engine_of(mail_app).begin() as conn:  # the other language enrols afresh
            conn.execute(sa.delete(staff_recovery_codes))
            conn.execute(staff.update().values(totp_secret=None, totp_enrolled_at=None, totp_last_step=None))
    catalogue = dutch_messages()
    for name, html in pages["en"].items():
        found = untranslated(visible_lines(html), visible_lines(pages["nl"][name]), {"medewerker"}, catalogue)
        # The secret and the recovery codes are the same in both languages only by chance of the test: left out.
        found = [f for f in found if not re.search(r"'[A-Z2-9 -]{14,}'", f)]
        assert found == [], (name, found)


def totp_code_of(secret: str) -> str:
    return pyotp.TOTP(secret).now()
