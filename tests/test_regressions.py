"""Promises that small deliberate bugs once broke without any test noticing (the named mutants of the issue
"Tests that catch regressions"): CSRF on every form, signed links that expire and work for one purpose only,
no beheerder address in a resident's mail in any language, and the coverage classes' boundaries."""

import json
import time
from datetime import UTC, datetime, timedelta
from mailbox import link_in, wait_for_mail

import pytest
import shapely
import sqlalchemy as sa
from helpers import csrf_token, login, make_app

from geo_registry.core.geometry import area_m2
from geo_registry.domain.tokens import make_sealed_token, make_token, read_sealed_token, read_token

BEHEERDER = "beheerder1@voorbeeld.invalid"
RESIDENT = "bewoner@voorbeeld.invalid"
JOIN = "/groep/1/aanmelden"
JOIN_DATA = {"naam": "Bea Bewoner", "mobiel": "0612345678", "email": RESIDENT, "straat": "Brink", "huisnummer": "12"}


def renewal_path(app) -> str:
    """Make group 1 due (last confirmed 400 days ago), run the yearly round and return the mailed link's path."""
    stamp = (datetime.now(UTC) - timedelta(days=400)).replace(microsecond=0).isoformat()
    with app.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET last_confirmed_at = :t WHERE id = 1"), {"t": stamp})
    result = app.test_cli_runner().invoke(args=["confirmation-round"])
    assert result.exit_code == 0, result.output
    return link_in(wait_for_mail(app.smtp, BEHEERDER)[-1], "/beheerder/")


def handover_path(app, client, renewal: str, new_email="nico@voorbeeld.invalid") -> str:
    """Hand group 1 over through the yearly link; return the path of the link the new beheerder is mailed."""
    response = client.post(
        renewal + "/overdragen",
        data={"csrf_token": csrf_token(client, renewal), "nieuwe_naam": "Nico Nieuw", "nieuw_email": new_email},
    )
    assert response.status_code == 200
    return link_in(wait_for_mail(app.smtp, new_email)[-1], "/beheerder/overdracht/")


def registration_confirm_path(app, client, email="rita@voorbeeld.invalid") -> str:
    """Register a group through the form; return the path of the confirmation link mailed to the beheerder."""
    response = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": "Regressiegroep",
            "beheerder_naam": "Rita",
            "email": email,
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return link_in(wait_for_mail(app.smtp, email)[-1], "/groep-aanmelden/bevestigen/")


def waiting_confirm_path(app, client, email="wanda@voorbeeld.invalid") -> dict:
    """Ask for a message when a group starts at a place without one; return the signed place and the path of
    the confirmation link mailed to the resident."""
    import re

    answer = client.get("/?postcode=1251PT&huisnummer=3").get_data(as_text=True)
    plek = re.search(r'name="plek" value="([^"]+)"', answer).group(1)
    response = client.post(
        "/wachtlijst/",
        data={"csrf_token": csrf_token(client, "/?postcode=1251PT&huisnummer=3"), "plek": plek, "email": email},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    mail = wait_for_mail(app.smtp, email)[-1]
    return {
        "plek": plek,
        "confirm": link_in(mail, "/wachtlijst/bevestigen/"),
        "withdraw": link_in(mail, "/wachtlijst/afmelden/"),
    }


def aged(path: str, purpose: str, seconds: int) -> str:
    """The same signed link, but issued `seconds` ago (signed again with the test app's secret)."""
    prefix, token = path.rsplit("/", 1)
    read, make = (read_sealed_token, make_sealed_token) if purpose == "handover" else (read_token, make_token)
    payload = read("test", purpose, token, 10**9)
    return f"{prefix}/{make('test', purpose, payload, issued_at=int(time.time()) - seconds)}"


# --- CSRF ------------------------------------------------------------------------------------------------------


def test_join_form_refuses_a_missing_forged_or_foreign_token(mail_app):
    """Mutants: the join form exempted from CSRF; any non-empty token accepted; a token of another session."""
    web, other = mail_app.test_client(), mail_app.test_client()
    csrf_token(web, JOIN)  # this visitor has a session with its own token
    foreign = csrf_token(other, JOIN)
    for token in (None, "", "vervalst-token-0123456789", foreign):
        data = dict(JOIN_DATA) if token is None else {**JOIN_DATA, "csrf_token": token}
        response = web.post(JOIN, data=data)
        assert response.status_code == 400, (token, response.status_code)
    # A genuine request still goes through, and it is the only one the beheerder ever receives.
    assert web.post(JOIN, data={**JOIN_DATA, "csrf_token": csrf_token(web, JOIN)}).status_code == 302
    wait_for_mail(mail_app.smtp, RESIDENT)
    assert len(wait_for_mail(mail_app.smtp, BEHEERDER)) == 1


def test_staff_login_refuses_a_forged_token_even_with_the_right_password(mail_app, staff_user):
    client = mail_app.test_client()
    csrf_token(client, "/beheer/inloggen")
    response = client.post(
        "/beheer/inloggen",
        data={"csrf_token": "vervalst-token-0123456789", "gebruikersnaam": staff_user[0], "wachtwoord": staff_user[1]},
    )
    assert response.status_code == 400
    assert client.get("/beheer/").status_code == 302  # still not logged in
    assert login(client, *staff_user).status_code == 302 and client.get("/beheer/").status_code == 200


def test_registration_and_renewal_refuse_a_forged_token(mail_app):
    client = mail_app.test_client()
    csrf_token(client, "/groep-aanmelden/")
    forged = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": "vervalst-token-0123456789",
            "naam": "Vervalst",
            "beheerder_naam": "V",
            "email": "v@voorbeeld.invalid",
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
    )
    assert forged.status_code == 400
    renewal = renewal_path(mail_app)
    before = client.get(renewal)
    assert before.status_code == 200
    assert client.post(renewal + "/bevestigen", data={"csrf_token": "vervalst-token-0123456789"}).status_code == 400
    assert client.get(renewal).status_code == 200  # the link was not used up: nothing was confirmed
    assert mail_app.smtp.to("v@voorbeeld.invalid") == []


@pytest.fixture
def post_routes(mail_app, staff_user):
    """A logged-in staff client, and for every POST route of the app a path and form data that would succeed."""
    client = mail_app.test_client()
    confirm = registration_confirm_path(mail_app, client)
    renewal = renewal_path(mail_app)
    accept = handover_path(mail_app, client, renewal)
    login(client, *staff_user)
    group = {
        "naam": "Nieuwe naam",
        "beheerder_naam": "B",
        "email": "b@voorbeeld.invalid",
        "mobiel": "",
        "toelichting": "",
    }
    waiting = waiting_confirm_path(mail_app, client)
    routes = {
        "join.submit": (JOIN, JOIN_DATA),
        "subscribe.submit": ("/wachtlijst/", {"plek": waiting["plek"], "email": "w@voorbeeld.invalid"}),
        "subscribe.confirm_post": (waiting["confirm"], {}),
        "subscribe.withdraw_post": (waiting["withdraw"], {}),
        "register.submit": (
            "/groep-aanmelden/",
            {
                "naam": "G",
                "beheerder_naam": "B",
                "email": "g@voorbeeld.invalid",
                "buurten": "BU04170324",
                "actie": "aanmelden",
            },
        ),
        "register.confirm_post": (confirm, {}),
        "renewal.confirm": (renewal + "/bevestigen", {}),
        "renewal.change_post": (renewal + "/wijzigen", {**group, "beheerder_naam": "Voorbeeldbeheerder 1"}),
        "renewal.hand_over": (renewal + "/overdragen", {"nieuwe_naam": "N", "nieuw_email": "n@voorbeeld.invalid"}),
        "renewal.accept_post": (accept, {}),
        "staff.login_post": ("/beheer/inloggen", {"gebruikersnaam": staff_user[0], "wachtwoord": staff_user[1]}),
        "staff.logout": ("/beheer/uitloggen", {}),
        "staff.review": ("/beheer/groep/1/beoordelen", {"besluit": "goedkeuren"}),
        "staff.status": ("/beheer/groep/1/status", {"status": "inactive"}),
        "staff.delete": ("/beheer/groep/2/verwijderen", {"bevestig": "ja"}),
        "staff.edit_post": ("/beheer/groep/1/bewerken", group),
        "staff.outbox_retry": ("/beheer/e-mail", {}),
        "staff.reminder": ("/beheer/groep/1/herinnering", {}),
        "staff.review_change": ("/beheer/wijziging/1/beoordelen", {"besluit": "goedkeuren", "groep": "1"}),
        "account.password_post": (
            "/beheer/wachtwoord",
            {"huidig": staff_user[1], "nieuw": "een-nieuw-wachtwoord", "herhaal": "een-nieuw-wachtwoord"},
        ),
        "accounts.invite": ("/beheer/accounts/uitnodigen", {"gebruikersnaam": "x", "email": "x@voorbeeld.invalid"}),
        "accounts.change_roles": ("/beheer/accounts/1/rollen", {"rol": "inzage"}),
        "accounts.change_status": ("/beheer/accounts/1/status", {"actief": "nee"}),
        "accounts.accept_post": ("/beheer/uitnodiging/x", {"nieuw": "een-nieuw-wachtwoord"}),
        "accounts.provision": ("/beheer/accounts/vooraf", {"gebruikersnaam": "x", "rol": "inzage"}),
        "accounts.reset_second_factor": ("/beheer/accounts/1/tweede-factor", {}),
        "second_factor.enrol_post": ("/beheer/tweede-factor", {"code": "123456"}),
        "second_factor.code_post": ("/beheer/code", {"code": "123456"}),
        "second_factor.recheck_post": ("/beheer/code/opnieuw", {"code": "123456", "next": "/beheer/"}),
    }
    return client, routes


def test_every_post_route_refuses_a_request_without_token(mail_app, post_routes):
    """A new form cannot slip out of CSRF protection: every POST route of the URL map is listed and refused."""
    client, routes = post_routes
    posted = {rule.endpoint for rule in mail_app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted == set(routes), f"add the new POST routes here: {sorted(posted ^ set(routes))}"
    names = {g["properties"]["name"] for g in client.get("/api/groups.geojson").get_json()["features"]}
    for endpoint, (path, data) in routes.items():
        response = client.post(path, data=data)
        assert response.status_code == 400, (endpoint, response.status_code)
    assert client.get("/beheer/").status_code == 200  # still logged in: logout without token did nothing
    assert {g["properties"]["name"] for g in client.get("/api/groups.geojson").get_json()["features"]} == names


# --- signed links ----------------------------------------------------------------------------------------------


def test_handover_link_expires_after_the_confirmation_period(mail_app):
    """Mutant: a handover link that never expires (48 hours, GEO_REGISTRY_CONFIRM_MAX_AGE_HOURS)."""
    client = mail_app.test_client()
    accept = handover_path(mail_app, client, renewal_path(mail_app))
    expired = aged(accept, "handover", 49 * 3600)
    page = client.get(expired)
    assert page.status_code == 400 and "verlopen" in page.get_data(as_text=True)
    assert client.post(expired, data={"csrf_token": csrf_token(client, JOIN)}).status_code == 400
    assert group_email(mail_app, 1) == BEHEERDER  # not handed over
    still_valid = aged(accept, "handover", 47 * 3600)
    assert client.get(still_valid).status_code == 200


def test_renewal_link_works_for_its_whole_period(mail_app):
    """A personal link works a year and the time to answer the next round's e-mail (365 + 60 days)."""
    client = mail_app.test_client()
    renewal = renewal_path(mail_app)
    assert client.get(aged(renewal, "renewal", 424 * 86400)).status_code == 200
    assert client.get(aged(renewal, "renewal", 426 * 86400)).status_code == 400


def group_email(app, group_id):
    """The beheerder's address of a group as staff would see it."""
    with app.extensions["geo_registry.engine"].connect() as conn:
        return conn.execute(sa.text("SELECT beheerder_email FROM groups WHERE id = :i"), {"i": group_id}).scalar()


def test_a_link_works_only_for_its_own_purpose(mail_app):
    """Mutant: one signing salt for every kind of link. A handover link opened as a yearly link would let the
    invited person confirm or change the group before taking it over; a confirmation link must not do either."""
    client = mail_app.test_client()
    confirm = registration_confirm_path(mail_app, client)
    renewal = renewal_path(mail_app)
    accept = handover_path(mail_app, client, renewal)
    confirm_token, renewal_token, accept_token = (p.rsplit("/", 1)[1] for p in (confirm, renewal, accept))
    misused = [
        f"/beheerder/{accept_token}",
        f"/beheerder/{confirm_token}",
        f"/beheerder/overdracht/{renewal_token}",
        f"/beheerder/overdracht/{confirm_token}",
        f"/groep-aanmelden/bevestigen/{renewal_token}",
        f"/groep-aanmelden/bevestigen/{accept_token}",
    ]
    for path in misused:
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert "niet geldig" in response.get_data(as_text=True), path
    for path in (confirm, renewal, accept):  # each works where it belongs
        assert client.get(path).status_code == 200, path


# --- mail privacy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_residents_confirmation_never_holds_the_beheerders_details(mail_app, lang):
    """Mutant: the beheerder's e-mail address put into the English confirmation mail."""
    web = mail_app.test_client()
    web.get(f"/taal/{lang}")
    assert web.post(JOIN, data={**JOIN_DATA, "csrf_token": csrf_token(web, JOIN)}).status_code == 302
    [to_resident] = wait_for_mail(mail_app.smtp, RESIDENT)
    [to_beheerder] = wait_for_mail(mail_app.smtp, BEHEERDER)
    assert to_beheerder["Reply-To"] == RESIDENT
    expected = {"nl": "doorgestuurd", "en": "forwarded"}[lang]
    assert expected in to_resident["Subject"]
    everything = to_resident.as_string() + to_resident.get_content()
    for secret in (BEHEERDER, "Voorbeeldbeheerder", "beheerder1", "voorbeeld.invalid>"):
        assert secret not in everything, (lang, secret)


# --- coverage classes ------------------------------------------------------------------------------------------


def half_of(buurt, share):
    """The western part of buurt whose area (in RD New) is `share` of the buurt's, found by bisection."""
    minx, miny, maxx, maxy = buurt.bounds
    low, high, total = minx, maxx, area_m2(buurt)
    for _ in range(60):
        middle = (low + high) / 2
        part = buurt.intersection(shapely.box(minx - 1, miny - 1, middle, maxy + 1))
        low, high = (middle, high) if area_m2(part) / total < share else (low, middle)
    return buurt.intersection(shapely.box(minx - 1, miny - 1, high, maxy + 1))


@pytest.mark.parametrize(
    "share, words, not_words",
    [
        (0.52, "Grotendeels gedekt", "Deels gedekt"),
        (0.48, "Deels gedekt", "Grotendeels gedekt"),
        (0.993, "Grotendeels gedekt", "Helemaal gedekt"),
    ],
)
def test_coverage_class_boundaries_as_residents_and_staff_read_them(tmp_path, buurten, share, words, not_words):
    """Mutant: the class boundary moved from 50% to 55%. 'Half or more' is light green, 99.5% or more green."""
    buurt = next(w for w in buurten if w.name == "Postiljon")
    area = half_of(buurt.geometry, share)
    path = tmp_path / "groep.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": shapely.geometry.mapping(area),
                        "properties": {
                            "name": "Halve Postiljon",
                            "beheerder_name": "H",
                            "beheerder_email": "h@voorbeeld.invalid",
                        },
                    }
                ],
            }
        )
    )
    app = make_app(tmp_path)
    assert "1 toegevoegd" in app.test_cli_runner().invoke(args=["import-groups", str(path)]).output
    html = app.test_client().get("/overzicht").get_data(as_text=True)
    item = html.split(f'id="buurt-{buurt.code}"', 1)[1].split("</li>", 1)[0]
    assert f"<strong>{words}</strong>" in item and f"<strong>{not_words}</strong>" not in item
    assert f"ongeveer {round(share * 100)}%" in item


@pytest.mark.parametrize(
    "share, key", [(0.995, "heel"), (0.99499, "groot"), (0.5, "groot"), (0.49999, "deels"), (1e-6, "deels")]
)
def test_coverage_class_exactly_at_the_boundaries(share, key):
    from geo_registry.spatial.coverage import coverage_class

    assert coverage_class(share)[0] == key
