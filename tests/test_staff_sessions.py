"""Staff sessions end for real: logout, disabling an account and a new password make old cookies worthless."""
import pytest
import sqlalchemy as sa

from helpers import csrf_token, login

pytestmark = pytest.mark.both_databases  # sessions end through the database, on SQLite and PostgreSQL

NEW_PASSWORD = "een-ander-lang-wachtwoord"


def logged_in_cookie(app, staff_user) -> str:
    """Log in with a fresh client and return the session cookie an attacker could have captured."""
    client = app.test_client()
    assert login(client, *staff_user).status_code == 302
    assert client.get("/beheer/").status_code == 200
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """Open the staff area with a captured session cookie in a client of its own."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/beheer/")


def assert_login_page(response):
    assert response.status_code == 302 and response.headers["Location"].startswith("/beheer/inloggen")


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_a_cookie_captured_before_logout_is_worthless_after_it(mail_app, staff_user):
    client = mail_app.test_client()
    assert login(client, *staff_user).status_code == 302
    captured = client.get_cookie("session").value
    assert replay(mail_app, captured).status_code == 200
    token = csrf_token(client, "/beheer/")
    assert_login_page(client.post("/beheer/uitloggen", data={"csrf_token": token}))
    assert_login_page(client.get("/beheer/"))
    assert_login_page(replay(mail_app, captured))
    assert login(client, *staff_user).status_code == 302  # logging in again works
    assert client.get("/beheer/").status_code == 200


def test_disabling_an_account_ends_its_sessions_and_logins(mail_app, staff_user):
    captured = logged_in_cookie(mail_app, staff_user)
    result = cli(mail_app, "disable-staff", "MEDEWERKER")
    assert result.exit_code == 0 and "uitgeschakeld" in result.output
    assert_login_page(replay(mail_app, captured))
    refused = login(mail_app.test_client(), *staff_user)
    assert refused.status_code == 401 and "klopt niet" in refused.get_data(as_text=True)
    assert "medewerker" in cli(mail_app, "list-staff").output and "uitgeschakeld" in cli(mail_app, "list-staff").output
    result = cli(mail_app, "enable-staff", "medewerker")
    assert result.exit_code == 0 and "ingeschakeld" in result.output
    assert_login_page(replay(mail_app, captured))  # enabling again does not revive the old cookie
    assert login(mail_app.test_client(), *staff_user).status_code == 302


def test_a_new_password_ends_earlier_sessions(mail_app, staff_user):
    captured = logged_in_cookie(mail_app, staff_user)
    result = cli(mail_app, "set-password", "medewerker", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0 and "gewijzigd" in result.output, result.output
    assert_login_page(replay(mail_app, captured))
    assert login(mail_app.test_client(), *staff_user).status_code == 401
    assert login(mail_app.test_client(), staff_user[0], NEW_PASSWORD).status_code == 302


def test_set_password_asks_twice_and_refuses_short_or_different(mail_app, staff_user):
    short = cli(mail_app, "set-password", "medewerker", input="kort\nkort\n")
    assert short.exit_code == 1 and "minstens 12 tekens" in short.output
    different = cli(mail_app, "set-password", "medewerker", input=f"{NEW_PASSWORD}\niets-anders-lang\n")
    assert different.exit_code != 0
    assert login(mail_app.test_client(), *staff_user).status_code == 302  # nothing changed


@pytest.mark.parametrize("command", ["disable-staff", "enable-staff", "set-password"])
def test_staff_commands_refuse_an_unknown_name(mail_app, staff_user, command):
    result = cli(mail_app, command, "onbekend", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 1 and "Geen medewerker 'onbekend'" in result.output


def test_list_staff_shows_names_and_state_but_no_hashes(mail_app, staff_user):
    cli(mail_app, "create-staff", "tweede", "--password", NEW_PASSWORD)
    cli(mail_app, "disable-staff", "tweede")
    lines = cli(mail_app, "list-staff").output.splitlines()
    assert any("medewerker" in line and "actief" in line for line in lines)
    assert any("tweede" in line and "uitgeschakeld" in line for line in lines)
    assert "scrypt" not in "".join(lines)


def test_account_changes_are_in_the_audit_log(mail_app, staff_user):
    cli(mail_app, "disable-staff", "medewerker")
    cli(mail_app, "enable-staff", "medewerker")
    with mail_app.extensions["geo_registry.engine"].connect() as conn:
        rows = conn.execute(sa.text("SELECT action, detail FROM audit_log ORDER BY id")).all()
    assert [tuple(r) for r in rows][-2:] == [("medewerker uitgeschakeld", "medewerker"),
                                              ("medewerker ingeschakeld", "medewerker")]


def change_password(client, current, new, repeat=None):
    token = csrf_token(client, "/beheer/wachtwoord")
    return client.post("/beheer/wachtwoord", data={"csrf_token": token, "huidig": current, "nieuw": new,
                                                   "herhaal": new if repeat is None else repeat})


def test_staff_change_their_own_password_and_other_sessions_end(mail_app, staff_user):
    other_device = logged_in_cookie(mail_app, staff_user)
    client = mail_app.test_client()
    login(client, *staff_user)
    wrong = change_password(client, "niet-het-wachtwoord", NEW_PASSWORD)
    assert wrong.status_code == 400 and "huidige wachtwoord klopt niet" in wrong.get_data(as_text=True)
    short = change_password(client, staff_user[1], "kort")
    assert short.status_code == 400 and "minstens 12 tekens" in short.get_data(as_text=True)
    differ = change_password(client, staff_user[1], NEW_PASSWORD, "iets-anders-lang")
    assert differ.status_code == 400 and "niet hetzelfde" in differ.get_data(as_text=True)
    assert replay(mail_app, other_device).status_code == 200  # nothing changed yet
    done = change_password(client, staff_user[1], NEW_PASSWORD)
    assert done.status_code == 302
    assert "wachtwoord is gewijzigd" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get("/beheer/").status_code == 200  # this session goes on
    assert_login_page(replay(mail_app, other_device))
    assert login(mail_app.test_client(), staff_user[0], NEW_PASSWORD).status_code == 302


def test_password_page_needs_a_login_and_is_in_english_too(mail_app, staff_user):
    assert_login_page(mail_app.test_client().get("/beheer/wachtwoord"))
    client = mail_app.test_client()
    login(client, *staff_user)
    page = client.get("/beheer/wachtwoord?lang=en").get_data(as_text=True)
    assert "Change password" in page and "Current password" in page


def test_set_password_names_an_unknown_account_before_asking_for_a_password(mail_app, staff_user):
    result = cli(mail_app, "set-password", "onbekend", input="")
    assert result.exit_code == 1 and "Geen medewerker 'onbekend'" in result.output
    assert "wachtwoord" not in result.output.lower()


def test_a_session_used_from_another_browser_must_log_in_again_for_the_password_page(mail_app, staff_user):
    captured = logged_in_cookie(mail_app, staff_user)
    client = mail_app.test_client()
    client.set_cookie("session", captured)
    assert client.get("/beheer/wachtwoord").status_code == 200
    elsewhere = mail_app.test_client()
    elsewhere.set_cookie("session", captured)
    assert_login_page(elsewhere.get("/beheer/wachtwoord", headers={"User-Agent": "Ander/1.0"}))
