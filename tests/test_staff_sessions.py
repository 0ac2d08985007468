"""Staff sessions end for real: logout, disabling an account and a new password make old cookies worthless; and
the staff accounts' promises (geo_registry/domain/staff.py) called directly, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from helpers import REAL_PASSWORD_HASH_METHOD, csrf_token, login

from geo_registry.domain import staff as staff_module
from geo_registry.domain.roles import BELEIDSMEDEWERKER
from geo_registry.domain.staff import (
    UnknownStaff,
    audit,
    audit_entries,
    authenticate,
    check_password,
    create_staff,
    end_sessions,
    find_staff,
    get_staff,
    list_staff,
    session_id,
    set_active,
    set_password,
    staff_for_session,
)
from geo_registry.store.db import make_engine, upgrade

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


def another_administrator(app) -> None:
    """A second functioneel-beheerder: the last active one cannot be disabled (tests/test_roles.py)."""
    assert cli(app, "create-staff", "beheerder", "--password", NEW_PASSWORD).exit_code == 0


def test_disabling_an_account_ends_its_sessions_and_logins(mail_app, staff_user):
    captured = logged_in_cookie(mail_app, staff_user)
    another_administrator(mail_app)
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
    another_administrator(mail_app)
    cli(mail_app, "disable-staff", "medewerker")
    cli(mail_app, "enable-staff", "medewerker")
    with mail_app.extensions["geo_registry.engine"].connect() as conn:
        rows = conn.execute(sa.text("SELECT action, detail FROM audit_log ORDER BY id")).all()
    assert [tuple(r) for r in rows][-2:] == [
        ("medewerker uitgeschakeld", "medewerker"),
        ("medewerker ingeschakeld", "medewerker"),
    ]


def change_password(client, current, new, repeat=None):
    token = csrf_token(client, "/beheer/wachtwoord")
    return client.post(
        "/beheer/wachtwoord",
        data={"csrf_token": token, "huidig": current, "nieuw": new, "herhaal": new if repeat is None else repeat},
    )


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


# staff.py's promises called directly (not through a page or a command): names are unique in any case, passwords
# are long and stored only as scrypt hashes, a login works only for an active account with its own password, every
# change of an account ends its sessions, and the audit log records who did what.
PASSWORD = "een-lang-wachtwoord"  # 19 characters
OTHER = "nog-een-lang-wachtwoord"


@pytest.fixture
def engine(db_url):
    """A fresh register database with the current schema (SQLite, and PostgreSQL in the full suite)."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def stored(engine, staff_id: int) -> dict:
    """The staff row as stored."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM staff WHERE id = :i"), {"i": staff_id}).mappings().one())


def test_a_password_needs_twelve_characters():
    """Eleven characters (or none) are refused with the rule in the message; twelve are enough (when they are not
    a common password or pattern: tests/test_login_limits.py)."""
    for short in ("", None, "z7-kwik-brg"):
        with pytest.raises(ValueError, match="minstens 12 tekens"):
            check_password(short)
    check_password("z7-kwik-brug")


def test_create_staff_stores_the_trimmed_name_and_only_a_scrypt_hash(engine):
    """The name is stored without surrounding spaces; the password only as a scrypt hash; the id is returned."""
    staff_id = create_staff(engine, "  Anna  ", PASSWORD)
    row = stored(engine, staff_id)
    assert row["username"] == "Anna" and row["active"] == 1 and row["session_version"] == 0
    assert row["password_hash"].startswith("scrypt:") and PASSWORD not in row["password_hash"]
    assert row["created_at"]
    assert create_staff(engine, "a" * 64, PASSWORD) != staff_id  # 64 characters is the longest name


BAD_NAME = "Geef een gebruikersnaam van 1 tot 64 tekens."
SHORT_PASSWORD = "Het wachtwoord moet minstens 12 tekens hebben."


@pytest.mark.parametrize(
    "name, password, message",
    [
        ("", PASSWORD, BAD_NAME),
        ("   ", PASSWORD, BAD_NAME),
        (None, PASSWORD, BAD_NAME),
        ("a" * 65, PASSWORD, BAD_NAME),
        ("Bert", "x" * 11, SHORT_PASSWORD),
        ("ANNA", PASSWORD, "Er bestaat al een medewerker 'ANNA'."),
    ],
)
def test_create_staff_refuses_a_bad_name_a_short_password_or_a_name_taken_in_any_case(engine, name, password, message):
    """Each refusal says why, in the one plain sentence the command prints as it is, and adds no account."""
    create_staff(engine, "anna", PASSWORD)
    with pytest.raises(ValueError) as refusal:
        create_staff(engine, name, password)
    assert str(refusal.value) == message
    assert [s["username"] for s in list_staff(engine)] == ["anna"]


def test_only_an_active_account_with_its_own_password_logs_in(engine):
    """The name in any case and with spaces; the wrong password, an unknown name, nothing at all or a disabled
    account give None (not an error)."""
    staff_id = create_staff(engine, "Anna", PASSWORD)
    create_staff(engine, "Bert", OTHER)
    assert authenticate(engine, " anna ", PASSWORD) == {
        "id": staff_id,
        "username": "Anna",
        "session_version": 0,
        "local": True,
    }
    for name, password in (
        ("Anna", OTHER),
        ("Anna", ""),
        ("Anna", None),
        ("Carla", PASSWORD),
        (None, None),
        ("", PASSWORD),
    ):
        assert authenticate(engine, name, password) is None
    set_active(engine, "anna", False, actor="admin")
    assert authenticate(engine, "Anna", PASSWORD) is None


def test_a_session_id_is_valid_until_the_accounts_sessions_end(engine):
    """A session carries 'id:version'; ending the sessions of one account makes its id worthless, not another's."""
    anna, bert = create_staff(engine, "Anna", PASSWORD), create_staff(engine, "Bert", OTHER)
    anna_session = session_id(authenticate(engine, "Anna", PASSWORD))
    bert_session = session_id(authenticate(engine, "Bert", OTHER))
    assert anna_session == f"{anna}:0"
    assert staff_for_session(engine, anna_session) == {
        "id": anna,
        "username": "Anna",
        "session_version": 0,
        "local": True,
    }
    end_sessions(engine, anna)
    assert staff_for_session(engine, anna_session) is None
    assert (
        staff_for_session(engine, f"{anna}:1")
        == get_staff(engine, anna)
        == {"id": anna, "username": "Anna", "session_version": 1, "local": True}
    )
    assert staff_for_session(engine, bert_session) == {
        "id": bert,
        "username": "Bert",
        "session_version": 0,
        "local": True,
    }


@pytest.mark.parametrize("stored_id", [None, "", "abc", "1", "1:0:0", "1:x", ":0", "999:0"])
def test_a_session_id_that_is_not_one_of_ours_belongs_to_nobody(engine, stored_id):
    """Garbage, a missing part or an unknown account: None, never an error."""
    create_staff(engine, "Anna", PASSWORD)
    assert staff_for_session(engine, stored_id) is None


def test_find_staff_finds_a_disabled_account_in_any_case_and_names_an_unknown_one(engine):
    """The account by name, also when disabled; an unknown name raises UnknownStaff naming it."""
    staff_id = create_staff(engine, "Anna", PASSWORD, [BELEIDSMEDEWERKER])
    set_active(engine, "Anna", False, actor="admin")
    assert find_staff(engine, " ANNA ") == {"id": staff_id, "username": "Anna", "active": 0}
    assert get_staff(engine, staff_id) is None  # a disabled account has no sessions
    with pytest.raises(UnknownStaff, match="Geen medewerker 'Carla'"):
        find_staff(engine, "Carla")
    with pytest.raises(UnknownStaff):
        set_active(engine, "Carla", True, actor="admin")
    with pytest.raises(UnknownStaff):
        set_password(engine, "Carla", OTHER, actor="admin")


def test_disabling_and_enabling_end_sessions_and_are_audited(engine):
    """Each change ends the account's sessions (not another's), says the stored name, and is in the audit log
    with who did it."""
    anna, bert = create_staff(engine, "Anna", PASSWORD), create_staff(engine, "Bert", OTHER)
    assert set_active(engine, "anna", False, actor="admin") == "Anna"
    assert stored(engine, anna)["active"] == 0 and stored(engine, anna)["session_version"] == 1
    assert set_active(engine, "ANNA", True, actor="beheer") == "Anna"
    assert stored(engine, anna)["active"] == 1 and stored(engine, anna)["session_version"] == 2
    assert authenticate(engine, "Anna", PASSWORD)["session_version"] == 2
    assert stored(engine, bert)["session_version"] == 0 and stored(engine, bert)["active"] == 1
    entries = [(e["actor"], e["action"], e["detail"], e["group_id"]) for e in audit_entries(engine)]
    assert entries == [
        ("beheer", "medewerker ingeschakeld", "Anna", None),
        ("admin", "medewerker uitgeschakeld", "Anna", None),
    ]


def test_a_new_password_replaces_the_old_one_and_ends_sessions(engine):
    """Only the new password logs in; the returned account carries the new session version; audited."""
    anna, bert = create_staff(engine, "Anna", PASSWORD), create_staff(engine, "Bert", OTHER)
    account = set_password(engine, "anna", OTHER, actor="admin")
    assert account == {"id": anna, "username": "Anna", "active": 1, "session_version": 1}
    assert authenticate(engine, "Anna", PASSWORD) is None
    assert authenticate(engine, "Anna", OTHER)["session_version"] == 1
    assert stored(engine, anna)["password_hash"].startswith("scrypt:")
    assert stored(engine, bert)["session_version"] == 0 and authenticate(engine, "Bert", OTHER)
    [entry] = audit_entries(engine)
    assert (entry["actor"], entry["action"], entry["detail"]) == ("admin", "wachtwoord gewijzigd", "Anna")
    with pytest.raises(ValueError, match="minstens 12 tekens"):
        set_password(engine, "Anna", "x" * 11, actor="admin")
    assert authenticate(engine, "Anna", OTHER) and stored(engine, anna)["session_version"] == 1


def test_the_staff_list_is_by_name_in_any_case_without_password_hashes(engine):
    """Name, active and created, sorted by name regardless of capitals; never a hash."""
    for name in ("bert", "Anna", "carla"):
        create_staff(engine, name, PASSWORD)
    set_active(engine, "carla", False, actor="admin")
    listed = list_staff(engine)
    assert [(s["username"], s["active"]) for s in listed] == [("Anna", 1), ("bert", 1), ("carla", 0)]
    fields = {
        "id",
        "username",
        "active",
        "created_at",
        "local",
        "enrolled",
        "failed_logins",
        "last_failed_at",
        "access",
    }
    assert all(set(s) == fields and s["created_at"] for s in listed)


def test_the_audit_log_keeps_every_field_and_shows_the_newest_first_up_to_the_limit(engine):
    """An entry records when, who, what, which group (id and name) and the detail; the list is newest first."""
    with engine.begin() as conn:
        audit(conn, "admin", "goedgekeurd", group_id=7, group_name="Groep Zeven", detail="eerste")
        audit(conn, "beheer", "afgewezen")
    newest, oldest = audit_entries(engine)
    assert (oldest["actor"], oldest["action"], oldest["group_id"], oldest["group_name"], oldest["detail"]) == (
        "admin",
        "goedgekeurd",
        7,
        "Groep Zeven",
        "eerste",
    )
    assert (newest["actor"], newest["action"], newest["group_id"], newest["group_name"], newest["detail"]) == (
        "beheer",
        "afgewezen",
        None,
        None,
        None,
    )
    assert oldest["at"] and newest["id"] > oldest["id"]
    assert [e["action"] for e in audit_entries(engine, limit=1)] == ["afgewezen"]
    with engine.begin() as conn:
        for number in range(501):
            audit(conn, "admin", f"stap {number}")
    assert len(audit_entries(engine)) == 500  # the default page of the log


def test_passwords_are_stored_at_werkzeugs_full_scrypt_cost(engine, monkeypatch):
    # The tests hash at a lower cost (tests/conftest.py); the app's own method must be scrypt at n=2**15 or more.
    monkeypatch.setattr(staff_module, "PASSWORD_HASH_METHOD", REAL_PASSWORD_HASH_METHOD)
    staff_id = create_staff(engine, "volle-kosten", PASSWORD)
    method, _salt, _hash = stored(engine, staff_id)["password_hash"].split("$")
    name, n, r, p = method.split(":")
    assert name == "scrypt" and int(n) >= 2**15 and (int(r), int(p)) == (8, 1)
