"""Staff accounts on the site (issue 20): the functioneel-beheerder lists accounts, invites a colleague by e-mail
(a signed link that works once), changes roles and municipalities and disables an account; every change is in
the audit log with who made it; the last active functioneel-beheerder stays. On SQLite and PostgreSQL."""

from mailbox import link_in, wait_for_mail

import pytest
from helpers import csrf_token, login

from geo_registry.domain import roles
from geo_registry.domain.roles import BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER, INZAGE, Access
from geo_registry.domain.staff import audit_entries, create_staff, find_staff

pytestmark = pytest.mark.both_databases

PASSWORD = "lang-genoeg-wachtwoord"
NEW = "een-heel-ander-wachtwoord"
INVITEE = "wijkagent@voorbeeld.invalid"


@pytest.fixture
def admin(mail_app):
    """A client signed in as a functioneel-beheerder (only: no group rights)."""
    create_staff(mail_app.extensions["geo_registry.engine"], "fb", PASSWORD, [FUNCTIONEEL_BEHEERDER])
    client = mail_app.test_client()
    response = login(client, "fb", PASSWORD)
    assert response.headers["Location"] == "/beheer/accounts"  # its first page: the accounts, not the groups
    return client


def post(client, page: str, action: str, **data):
    """Submit a form of page with the session's CSRF token."""
    return client.post(action, data={"csrf_token": csrf_token(client, page), **data})


def test_an_invitation_makes_the_account_and_its_link_sets_a_password_once(mail_app, admin):
    engine = mail_app.extensions["geo_registry.engine"]
    sent = post(admin, "/beheer/accounts", "/beheer/accounts/uitnodigen", gebruikersnaam="agent", email=INVITEE,
                rol=[INZAGE])  # fmt: skip
    assert sent.status_code == 302
    assert "wijkagent@voorbeeld.invalid" in admin.get("/beheer/accounts").get_data(as_text=True)  # the message
    staff_id = find_staff(engine, "agent")["id"]
    assert roles.roles_of(engine, staff_id) == Access(frozenset({INZAGE}))
    assert login(mail_app.test_client(), "agent", "").status_code == 401  # no password works before the link
    link = link_in(wait_for_mail(mail_app.smtp, INVITEE)[-1], "/beheer/uitnodiging/")
    colleague = mail_app.test_client()
    page = colleague.get(link)
    assert page.status_code == 200 and "agent" in page.get_data(as_text=True)
    short = post(colleague, link, link, nieuw="kort", herhaal="kort")
    assert short.status_code == 400 and "12 tekens" in short.get_data(as_text=True)
    done = post(colleague, link, link, nieuw=NEW, herhaal=NEW)
    assert done.status_code == 302 and done.headers["Location"] == "/beheer/"
    assert colleague.get("/beheer/").status_code == 200  # signed in, as inzage
    assert colleague.get("/beheer/export/beheerders.csv").status_code == 403
    assert mail_app.test_client().get(link).status_code == 400  # used: the link no longer works
    assert login(mail_app.test_client(), "agent", NEW).status_code == 302
    actions = [(e["actor"], e["action"], e["detail"]) for e in audit_entries(engine)]
    assert ("fb", "medewerker uitgenodigd", "agent: inzage; alle gemeenten") in actions


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"gebruikersnaam": "fb", "email": INVITEE, "rol": [INZAGE]}, "bestaat al"),
        ({"gebruikersnaam": "nieuw", "email": "geen-adres", "rol": [INZAGE]}, "geldig e-mailadres"),
        ({"gebruikersnaam": "nieuw", "email": INVITEE}, "minstens één rol"),
        ({"gebruikersnaam": "<b>x</b> y", "email": INVITEE, "rol": [INZAGE]}, "zonder spaties"),
    ],
)
def test_a_wrong_invitation_is_refused_with_its_reason_and_nothing_is_sent(mail_app, admin, fields, message):
    refused = post(admin, "/beheer/accounts", "/beheer/accounts/uitnodigen", **fields)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and message in text and "<b>x</b>" not in text
    assert [a["username"] for a in find_all(mail_app)] == ["fb"]


def find_all(app):
    from geo_registry.domain.staff import list_staff

    return list_staff(app.extensions["geo_registry.engine"])


def test_roles_are_changed_and_accounts_disabled_on_the_site_with_who_did_it(mail_app, admin):
    engine = mail_app.extensions["geo_registry.engine"]
    anna = create_staff(engine, "anna", PASSWORD, [BELEIDSMEDEWERKER])
    page = f"/beheer/accounts/{anna}"
    assert post(admin, page, f"{page}/rollen", rol=[INZAGE, BELEIDSMEDEWERKER]).status_code == 302
    assert roles.roles_of(engine, anna).roles == {INZAGE, BELEIDSMEDEWERKER}
    assert "opgeslagen" in admin.get(page).get_data(as_text=True)
    assert post(admin, page, f"{page}/status", actief="nee").status_code == 302
    assert find_staff(engine, "anna")["active"] == 0
    assert login(mail_app.test_client(), "anna", PASSWORD).status_code == 401
    assert post(admin, page, f"{page}/status", actief="ja").status_code == 302
    assert find_staff(engine, "anna")["active"] == 1
    log = [(e["actor"], e["action"]) for e in audit_entries(engine)][:3]
    assert log == [("fb", "medewerker ingeschakeld"), ("fb", "medewerker uitgeschakeld"), ("fb", "rollen gewijzigd")]


def test_the_last_functioneel_beheerder_is_told_why_it_cannot_demote_or_disable_itself(mail_app, admin):
    engine = mail_app.extensions["geo_registry.engine"]
    me = find_staff(engine, "fb")["id"]
    page = f"/beheer/accounts/{me}"
    post(admin, page, f"{page}/rollen", rol=[INZAGE])
    assert "laatste actieve account" in admin.get(page).get_data(as_text=True)
    post(admin, page, f"{page}/status", actief="nee")
    assert "laatste actieve account" in admin.get(page).get_data(as_text=True)
    assert roles.roles_of(engine, me).roles == {FUNCTIONEEL_BEHEERDER} and find_staff(engine, "fb")["active"]
    assert admin.get("/beheer/accounts/999999").status_code == 404
