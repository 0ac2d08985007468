"""The functioneel-beheerder resets a colleague's lost second factor on the site, and every change to another
account (roles, municipalities, status, its second factor, an invitation) asks for the second factor again when
it was given longer than SECOND_FACTOR_FRESH_MINUTES ago (issue 20); an invitation not yet taken up does not
count as a functioneel-beheerder for the last-administrator rule. On SQLite and PostgreSQL."""

import time

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, totp_code

from geo_registry.domain import invitations, roles
from geo_registry.domain.roles import BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER, INZAGE
from geo_registry.domain.staff import audit_entries, create_staff, find_staff
from geo_registry.store.tables import staff, staff_recovery_codes

pytestmark = pytest.mark.both_databases

PASSWORD = "lang-genoeg-wachtwoord"


def engine_of(app):
    return app.extensions["geo_registry.engine"]


@pytest.fixture
def admin(mail_app):
    """A client signed in as the functioneel-beheerder 'fb'."""
    create_staff(engine_of(mail_app), "fb", PASSWORD, [FUNCTIONEEL_BEHEERDER])
    client = mail_app.test_client()
    assert login(client, "fb", PASSWORD).status_code == 302
    return client


def post(client, page: str, action: str, **data):
    """Submit a form of page with the session's CSRF token."""
    return client.post(action, data={"csrf_token": csrf_token(client, page), **data})


def enrolled(app, username: str) -> bool:
    with engine_of(app).connect() as conn:
        return (
            conn.execute(sa.select(staff.c.totp_enrolled_at).where(staff.c.username == username)).scalar() is not None
        )


def test_a_colleagues_lost_second_factor_is_reset_on_the_site(mail_app, admin):
    engine = engine_of(mail_app)
    anna_id = create_staff(engine, "anna", PASSWORD, [BELEIDSMEDEWERKER])
    anna = mail_app.test_client()
    assert login(anna, "anna", PASSWORD).status_code == 302 and enrolled(mail_app, "anna")
    assert anna.get("/beheer/").status_code == 200
    page = f"/beheer/accounts/{anna_id}"
    assert "Tweede factor wissen" in admin.get(page).get_data(as_text=True)
    done = post(admin, page, f"{page}/tweede-factor")
    assert done.status_code == 302 and done.location == page
    assert "is gewist" in admin.get(page).get_data(as_text=True)
    assert not enrolled(mail_app, "anna")
    with engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).where(staff_recovery_codes.c.staff_id == anna_id)).scalar()
    assert left == 0
    assert anna.get("/beheer/").status_code == 302  # her session ended
    again = post(anna, "/beheer/inloggen", "/beheer/inloggen", gebruikersnaam="anna", wachtwoord=PASSWORD)
    assert again.location == "/beheer/tweede-factor"  # she enrols a new second factor at the next login
    entry = audit_entries(engine)[0]
    assert (entry["actor"], entry["action"], entry["detail"]) == ("fb", "tweede factor gewist", "anna")


def test_ones_own_second_factor_and_a_provider_accounts_are_not_reset_here(mail_app, admin):
    engine = engine_of(mail_app)
    me = find_staff(engine, "fb")["id"]
    page = f"/beheer/accounts/{me}"
    assert "herstelcode" in admin.get(page).get_data(as_text=True)  # the page says what to do instead
    refused = post(admin, page, f"{page}/tweede-factor")
    assert refused.status_code == 302 and "herstelcode" in admin.get(page).get_data(as_text=True)
    assert enrolled(mail_app, "fb") and admin.get("/beheer/accounts").status_code == 200  # still signed in
    provider_account = invitations.provision(engine, "piet@gemeente.invalid", [INZAGE], [], "fb", ["GM0417"])
    page = f"/beheer/accounts/{provider_account}"
    refused = post(admin, page, f"{page}/tweede-factor")
    assert refused.status_code == 302 and "regelt de gemeente zelf" in admin.get(page).get_data(as_text=True)
    assert [e["action"] for e in audit_entries(engine)].count("tweede factor gewist") == 0


def make_stale(client) -> None:
    """Let the session's second factor be older than SECOND_FACTOR_FRESH_MINUTES (10 by default)."""
    with client.session_transaction() as session:
        session["second_factor_at"] = time.time() - 11 * 60


def test_changes_to_another_account_ask_for_the_second_factor_again(mail_app, admin):
    engine = engine_of(mail_app)
    anna_id = create_staff(engine, "anna", PASSWORD, [BELEIDSMEDEWERKER])
    login(mail_app.test_client(), "anna", PASSWORD)  # enrolled, so that a reset has something to wipe
    page = f"/beheer/accounts/{anna_id}"
    token = csrf_token(admin, page)
    make_stale(admin)
    asked = f"/beheer/code/opnieuw?next={page}"
    changes = {"rollen": {"rol": [INZAGE]}, "status": {"actief": "nee"}, "tweede-factor": {}}
    for action, data in changes.items():
        answer = admin.post(f"{page}/{action}", data={"csrf_token": token, **data})
        assert answer.status_code == 302 and answer.location == asked, action
    invited = admin.post(
        "/beheer/accounts/uitnodigen",
        data={"csrf_token": token, "gebruikersnaam": "x", "email": "x@voorbeeld.invalid", "rol": [INZAGE]},
    )
    assert invited.location == "/beheer/code/opnieuw?next=/beheer/accounts"
    assert admin.get(page).location == asked  # the account's page, where these forms are, asks first as well
    assert admin.get("/beheer/accounts").status_code == 200  # the list does not
    # Nothing changed without the code.
    assert roles.roles_of(engine, anna_id).roles == {BELEIDSMEDEWERKER}
    assert find_staff(engine, "anna")["active"] and enrolled(mail_app, "anna")
    assert [a for a in (find_staff_or_none(engine, "x"),) if a] == []
    back = post(admin, asked, "/beheer/code/opnieuw", code=totp_code(mail_app, "fb"), next=page)
    assert back.status_code == 302 and back.location == page
    assert post(admin, page, f"{page}/rollen", rol=[INZAGE]).location == page
    assert roles.roles_of(engine, anna_id).roles == {INZAGE}


def find_staff_or_none(engine, username: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(staff.c.id).where(staff.c.username == username)).first()


def test_an_invitation_not_taken_up_is_no_functioneel_beheerder_for_the_last_administrator_rule(mail_app, admin):
    engine = engine_of(mail_app)
    me = find_staff(engine, "fb")["id"]
    page = f"/beheer/accounts/{me}"
    sent = post(admin, "/beheer/accounts", "/beheer/accounts/uitnodigen", gebruikersnaam="nieuw",
                email="nieuw@voorbeeld.invalid", rol=[FUNCTIONEEL_BEHEERDER])  # fmt: skip
    assert sent.status_code == 302
    invitations.provision(engine, "later@gemeente.invalid", [FUNCTIONEEL_BEHEERDER], [], "fb", ["GM0417"])
    post(admin, page, f"{page}/rollen", rol=[INZAGE])
    assert "laatste actieve account" in admin.get(page).get_data(as_text=True)
    post(admin, page, f"{page}/status", actief="nee")
    assert "laatste actieve account" in admin.get(page).get_data(as_text=True)
    assert roles.roles_of(engine, me).roles == {FUNCTIONEEL_BEHEERDER} and find_staff(engine, "fb")["active"]
    # A colleague who can sign in counts: now the role may go.
    create_staff(engine, "tweede", PASSWORD, [FUNCTIONEEL_BEHEERDER])
    assert post(admin, page, f"{page}/rollen", rol=[INZAGE]).status_code == 302
    assert roles.roles_of(engine, me).roles == {INZAGE}
