"""Accounts of the municipality's identity provider on the accounts pages (issue 20): the functioneel-beheerder
makes a colleague's account beforehand (the name the provider gives, the municipalities), which the colleague's
first sign-in takes up, its roles from the provider's claim; and a sensitive change by a provider account whose
sign-in is older than SECOND_FACTOR_FRESH_MINUTES goes through the provider's login again (prompt=login), not
to a code it does not have. Against the real provider the tests start; on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from helpers import csrf_token, make_app
from oidc_provider import provider_round_trip, sign_in
from test_gemeenten import BEL

from geo_registry.domain import oidc as oidc_accounts
from geo_registry.domain.audit import audit_entries
from geo_registry.domain.roles import BELEIDSMEDEWERKER, INZAGE, roles_of
from geo_registry.domain.staff import find_staff
from geo_registry.store.tables import staff

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]  # starts node with the provider once per process


@pytest.fixture
def oidc_app(tmp_path, db_url, oidc_provider):
    """The three-municipality app that signs staff in through the test provider, with 'fien' its administrator."""
    app = make_app(tmp_path, DATABASE_URL=db_url, GEMEENTEN=BEL, **oidc_provider.settings())
    oidc_provider.set_user("fien", ["gr-admin"])
    return app


def engine_of(app):
    return app.extensions["geo_registry.engine"]


def admin(app):
    client = app.test_client()
    assert sign_in(client, "fien").status_code == 302
    return client


def test_a_colleague_made_beforehand_is_taken_up_at_the_first_sign_in_with_its_municipalities(oidc_app, oidc_provider):
    engine = engine_of(oidc_app)
    fien = admin(oidc_app)
    page = fien.get("/beheer/accounts").get_data(as_text=True)
    assert "Account klaarzetten" in page and 'id="vooraf-gemeente-GM0376"' in page
    token = csrf_token(fien, "/beheer/accounts")
    made = fien.post(
        "/beheer/accounts/vooraf",
        data={"csrf_token": token, "oidc_naam": "Gijs@Blaricum.invalid", "rol": [INZAGE], "gemeente": ["GM0376"]},
    )
    assert made.status_code == 302 and "staat klaar" in fien.get("/beheer/accounts").get_data(as_text=True)
    gijs_id = find_staff(engine, "gijs@blaricum.invalid")["id"]
    bad = fien.post("/beheer/accounts/vooraf", data={"csrf_token": token, "oidc_naam": "a b", "rol": [INZAGE]})
    assert bad.status_code == 400 and "zonder spaties" in bad.get_data(as_text=True)
    # The provider knows the colleague as "gijs" with that e-mail address, and as a policy officer.
    oidc_provider.set_user("gijs", ["gr-beleid"], email="gijs@blaricum.invalid")
    gijs = oidc_app.test_client()
    assert sign_in(gijs, "gijs").status_code == 302
    with engine.connect() as conn:
        row = conn.execute(sa.select(staff).where(staff.c.id == gijs_id)).mappings().one()
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 2  # no second account
    assert (row["oidc_issuer"], row["oidc_subject"], row["password_hash"]) == (oidc_provider.issuer, "gijs", "")
    access = roles_of(engine, gijs_id)
    assert access.roles == {BELEIDSMEDEWERKER} and access.gemeenten == {"GM0376"}  # roles from the claim
    actions = [(e["actor"], e["action"]) for e in audit_entries(engine)]
    assert ("fien", "medewerker vooraf aangemaakt") in actions
    assert ("Gijs@Blaricum.invalid", oidc_accounts.TAKEN_UP) in actions


def test_without_a_provider_there_is_no_account_made_beforehand(tmp_path, db_url):
    from helpers import login

    from geo_registry.domain.roles import FUNCTIONEEL_BEHEERDER
    from geo_registry.domain.staff import create_staff

    app = make_app(tmp_path, DATABASE_URL=db_url)
    create_staff(engine_of(app), "fb", "lang-genoeg-wachtwoord", [FUNCTIONEEL_BEHEERDER])
    client = app.test_client()
    login(client, "fb", "lang-genoeg-wachtwoord")
    assert "Account klaarzetten" not in client.get("/beheer/accounts").get_data(as_text=True)
    token = csrf_token(client, "/beheer/accounts")
    answer = client.post("/beheer/accounts/vooraf", data={"csrf_token": token, "oidc_naam": "x", "rol": [INZAGE]})
    assert answer.status_code == 404


def test_a_provider_account_with_a_stale_sign_in_signs_in_at_the_provider_again(oidc_app, oidc_provider):
    engine = engine_of(oidc_app)
    fien = admin(oidc_app)
    oidc_provider.set_user("henk", ["gr-inzage"])
    assert sign_in(oidc_app.test_client(), "henk").status_code == 302
    henk_id = find_staff(engine, "henk")["id"]
    page = f"/beheer/accounts/{henk_id}"
    assert fien.get(page).status_code == 200  # fresh just after the sign-in at the provider
    token = csrf_token(fien, page)
    with fien.session_transaction() as session:
        session["second_factor_at"] = time.time() - 11 * 60
    asked = fien.post(f"{page}/rollen", data={"csrf_token": token, "rol": [BELEIDSMEDEWERKER]})
    assert asked.location == f"/beheer/code/opnieuw?next={page}"
    again = fien.get(asked.location)
    assert again.status_code == 302 and urlsplit(again.location).path == "/beheer/oidc/inloggen"  # no code page
    to_provider = fien.get(again.location)
    authorization = parse_qs(urlsplit(to_provider.location).query)
    assert authorization["prompt"] == ["login"]  # the provider asks again, its own second factor included
    assert roles_of(engine, henk_id).roles == {INZAGE}  # nothing changed meanwhile
    callback = urlsplit(provider_round_trip(to_provider.location, "fien"))
    back = fien.get(f"{callback.path}?{callback.query}")
    assert back.status_code == 302 and back.location == page
    changed = fien.post(f"{page}/rollen", data={"csrf_token": csrf_token(fien, page), "rol": [BELEIDSMEDEWERKER]})
    assert changed.location == page and roles_of(engine, henk_id).roles == {BELEIDSMEDEWERKER}


def test_with_the_provider_alone_there_is_no_invitation_by_e_mail(tmp_path, db_url, oidc_provider):
    app = make_app(tmp_path, DATABASE_URL=db_url, LOCAL_LOGIN=False, **oidc_provider.settings())
    oidc_provider.set_user("fien", ["gr-admin"])
    fien = admin(app)
    page = fien.get("/beheer/accounts").get_data(as_text=True)
    assert "Account klaarzetten" in page and "Uitnodiging versturen" not in page
    token = csrf_token(fien, "/beheer/accounts")
    data = {"csrf_token": token, "gebruikersnaam": "x", "email": "x@voorbeeld.invalid", "rol": [INZAGE]}
    assert fien.post("/beheer/accounts/uitnodigen", data=data).status_code == 404
