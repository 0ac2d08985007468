"""The staff area: accounts, login, review, editing, exports and the audit log."""

import csv
import io
import json
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, register_pending

from geo_registry.web import settings as app_settings

STAFF_URLS = [
    "/beheer/",
    "/beheer/groep/1",
    "/beheer/groep/1/bewerken",
    "/beheer/groep/1/verwijderen",
    "/beheer/export/beheerders.csv",
    "/beheer/export/gebieden.geojson",
    "/beheer/logboek",
    "/beheer/e-mail",
]


@pytest.fixture
def web(mail_app, staff_user):
    client = mail_app.test_client()
    assert login(client, *staff_user).status_code == 302
    return client


def engine_of(app):
    return app.extensions["geo_registry.engine"]


def group(app, group_id):
    with app.app_context():
        from geo_registry.web import services as app_services

        return app_services.current().store.get(group_id)


def form_post(client, page_url, action_url, **data):
    return client.post(action_url, data={"csrf_token": csrf_token(client, page_url), **data})


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_need_a_login(mail_app, url):
    response = mail_app.test_client().get(url)
    assert response.status_code == 302 and "/beheer/inloggen" in response.headers["Location"]


@pytest.mark.both_databases
def test_create_staff_refuses_weak_or_duplicate_and_hashes(mail_app, staff_user):
    runner = mail_app.test_cli_runner()
    assert "minstens 12 tekens" in runner.invoke(args=["create-staff", "kort", "--password", "kort"]).output
    assert "bestaat al" in runner.invoke(args=["create-staff", "Medewerker", "--password", "z7-kwik-brug-olm"]).output
    with engine_of(mail_app).connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM staff")).scalar_one()
    assert stored.startswith("scrypt:") and staff_user[1] not in stored


def test_login_cookie_flags_and_logout(mail_app, staff_user):
    client = mail_app.test_client()
    response = login(client, *staff_user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/beheer/").status_code == 200
    form_post(client, "/beheer/", "/beheer/uitloggen")
    assert client.get("/beheer/").status_code == 302
    secure = mail_app.test_client()
    csrf = csrf_token(secure, "https://localhost/beheer/inloggen")
    # Over HTTPS Flask-WTF also wants the Referer of this site (browsers send it: Referrer-Policy same-origin).
    response = secure.post(
        "https://localhost/beheer/inloggen",
        data={"csrf_token": csrf, "gebruikersnaam": staff_user[0], "wachtwoord": staff_user[1]},
        headers={"Referer": "https://localhost/beheer/inloggen"},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_rate_limit(mail_app, staff_user):
    client = mail_app.test_client()
    for _ in range(5):
        response = login(client, staff_user[0], "fout-wachtwoord")
        assert response.status_code == 401 and "klopt niet" in response.get_data(as_text=True)
    response = login(client, *staff_user)
    assert response.status_code == 429  # even the right password waits now


def test_login_redirects_only_inside_beheer(mail_app, staff_user):
    client = mail_app.test_client()
    response = login(client, *staff_user, next_url="https://evil.example/")  # the password, then the code
    assert response.headers["Location"] == "/beheer/"
    response = login(mail_app.test_client(), *staff_user, next_url="/beheer/dekking")
    assert response.headers["Location"] == "/beheer/dekking"


@pytest.mark.both_databases
def test_approve_makes_the_group_public_and_mails_the_beheerder(web, mail_app, places):
    group_id = register_pending(mail_app)
    index = web.get("/beheer/").get_data(as_text=True)
    assert "Wacht op beoordeling (1)" in index and "Nieuwe groep" in index
    detail = web.get(f"/beheer/groep/{group_id}").get_data(as_text=True)
    assert "nina@voorbeeld.invalid" in detail and "Goedkeuren" in detail
    form_post(web, f"/beheer/groep/{group_id}", f"/beheer/groep/{group_id}/beoordelen", besluit="goedkeuren")
    assert group(mail_app, group_id).status == "active"
    [mail] = [m for m in mail_app.smtp.to("nina@voorbeeld.invalid") if "overzicht" in m["Subject"]]
    # The beheerder's next steps: the group's page to share, and its poster; both open.
    links = re.findall(r"https?://\S+", mail.get_content())
    join, poster = (
        next(link for link in links if link.endswith(end))
        for end in (f"/groep/{group_id}/aanmelden", f"/groep/{group_id}/poster")
    )
    for link in (join, poster):
        assert web.get(urlsplit(link).path).status_code == 200, link
    lat, lon = places["postiljon"]
    answer = web.get(f"/api/lookup?lat={lat}&lon={lon}").get_json()
    assert [g["name"] for g in answer["groups"]] == ["Nieuwe groep"]


@pytest.mark.both_databases
def test_reject_needs_a_reason_which_the_beheerder_reads(web, mail_app):
    group_id = register_pending(mail_app)
    refused = form_post(web, f"/beheer/groep/{group_id}", f"/beheer/groep/{group_id}/beoordelen", besluit="afwijzen")
    assert group(mail_app, group_id).status == "pending_review"
    assert refused.status_code == 400 and "Geef een reden" in refused.get_data(as_text=True)
    form_post(
        web,
        f"/beheer/groep/{group_id}",
        f"/beheer/groep/{group_id}/beoordelen",
        besluit="afwijzen",
        reden="Dit gebied heeft al een groep.",
    )
    assert group(mail_app, group_id).status == "rejected"
    [mail] = [m for m in mail_app.smtp.to("nina@voorbeeld.invalid") if "niet goedgekeurd" in m["Subject"]]
    assert "Dit gebied heeft al een groep." in mail.get_content()


@pytest.mark.both_databases
def test_edit_details_and_area(web, mail_app):
    page = "/beheer/groep/1/bewerken"
    response = form_post(
        web,
        page,
        page,
        naam="Brink-app",
        beheerder_naam="Nieuwe Beheerder",
        email="nieuw@voorbeeld.invalid",
        mobiel="",
        toelichting="",
        buurten="BU04170329",
    )
    assert response.status_code == 302
    edited = group(mail_app, 1)
    assert (edited.name, edited.beheerder_email) == ("Brink-app", "nieuw@voorbeeld.invalid")
    assert edited.area.equals(next(w.geometry for w in _wijken(mail_app) if w.code == "BU04170329"))
    bad = form_post(web, page, page, naam="", beheerder_naam="x", email="x", gebied_getekend="{kapot")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Vul de naam van de groep in." in html and "geen geldig GeoJSON" in html
    assert group(mail_app, 1).name == "Brink-app"


def _wijken(app):
    with app.app_context():
        from geo_registry.web import services as app_services

        return app_services.current().buurten


@pytest.mark.both_databases
def test_deactivate_reactivate_and_delete(web, mail_app):
    form_post(web, "/beheer/groep/2", "/beheer/groep/2/status", status="inactive")
    assert "Voorbeeld: Zevenend-Oost Alert" not in web.get("/api/groups.geojson").get_data(as_text=True)
    form_post(web, "/beheer/groep/2", "/beheer/groep/2/status", status="active")
    assert "Voorbeeld: Zevenend-Oost Alert" in web.get("/api/groups.geojson").get_data(as_text=True)
    assert "Ja, verwijder" in web.get("/beheer/groep/2/verwijderen").get_data(as_text=True)
    form_post(web, "/beheer/groep/2/verwijderen", "/beheer/groep/2/verwijderen")  # no confirmation: nothing
    assert group(mail_app, 2) is not None
    form_post(web, "/beheer/groep/2/verwijderen", "/beheer/groep/2/verwijderen", bevestig="ja")
    assert group(mail_app, 2) is None


@pytest.mark.both_databases
def test_exports(web):
    response = web.get("/beheer/export/beheerders.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 4 and {r["email"] for r in rows} == {f"beheerder{i}@voorbeeld.invalid" for i in range(1, 5)}
    areas = json.loads(web.get("/beheer/export/gebieden.geojson").get_data(as_text=True))
    assert len(areas["features"]) == 4


@pytest.mark.both_databases
def test_audit_log_records_and_cannot_be_changed(web, mail_app):
    form_post(web, "/beheer/groep/3", "/beheer/groep/3/status", status="inactive")
    log = web.get("/beheer/logboek").get_data(as_text=True)
    assert re.search(r"<td[^>]*>medewerker</td><td[^>]*>gedeactiveerd</td><td[^>]*>Voorbeeld: [^<]+ \(#3\)</td>", log)
    with engine_of(mail_app).begin() as conn:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text("UPDATE audit_log SET actor = 'iemand anders'"))
    with engine_of(mail_app).begin() as conn:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text("DELETE FROM audit_log"))


@pytest.mark.both_databases
def test_a_failure_halfway_leaves_nothing_written(mail_app):
    from geo_registry.domain import actions
    from geo_registry.web import services as app_services

    group_id = register_pending(mail_app)
    with mail_app.app_context():
        store = app_services.current().store
        with engine_of(mail_app).connect() as conn:
            entries_before = conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one()

        def broken_message(_group):
            raise RuntimeError("template kapot")

        with pytest.raises(RuntimeError):
            actions.review(store, group_id, "medewerker", True, "", broken_message)
        assert store.get(group_id).status == "pending_review"
        with engine_of(mail_app).connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one() == entries_before


@pytest.mark.both_databases
def test_unsent_mail_is_visible_and_can_be_retried(web, mail_app):
    mail_app.smtp.fail = True
    group_id = register_pending(mail_app)
    form_post(web, f"/beheer/groep/{group_id}", f"/beheer/groep/{group_id}/beoordelen", besluit="goedkeuren")
    mail_app.smtp.settle()  # the worker has tried, and failed
    outbox = web.get("/beheer/e-mail").get_data(as_text=True)
    assert "nina@voorbeeld.invalid" in outbox and "451" in outbox and "Wacht op een nieuwe poging" in outbox
    mail_app.smtp.fail = False
    form_post(web, "/beheer/e-mail", "/beheer/e-mail")  # retry: the waiting messages are due again
    mail_app.smtp.settle()
    assert "Alle e-mail is verstuurd" in web.get("/beheer/e-mail").get_data(as_text=True)
    assert mail_app.smtp.to("nina@voorbeeld.invalid")


@pytest.mark.both_databases
def test_coverage_page_and_exports(web):
    page = web.get("/beheer/dekking").get_data(as_text=True)
    rows = re.findall(r'<tr class="status-(\w+)"><th scope="row"[^>]*>([^<]+)</th>', page)
    assert len(rows) == 10 and rows[0][0] == "geen"  # least covered first
    assert "Adressen zonder groep" in page  # the address table is loaded in this app
    table = list(
        csv.DictReader(
            io.StringIO(web.get("/beheer/export/dekking.csv").get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
        )
    )
    assert len(table) == 10
    postiljon = next(r for r in table if r["buurt"] == "Postiljon")
    assert (postiljon["gedekt_pct"], postiljon["adressen"], postiljon["adressen_zonder_groep"]) == ("0,0", "1", "1")
    gaps = json.loads(web.get("/beheer/export/onbedekt.geojson").get_data(as_text=True))["features"]
    assert {f["properties"]["name"] for f in gaps} >= {"Postiljon", "Zwarte Berg"}
    assert all(f["properties"]["onbedekt_m2"] > 0 for f in gaps)


@pytest.mark.both_databases
def test_group_larger_than_the_member_limit_is_flagged(web, mail_app):
    app_settings.change(mail_app, MEMBER_LIMIT=1)
    detail = web.get("/beheer/groep/1").get_data(as_text=True)
    assert re.search(r"Adressen in het gebied</dt><dd>3", detail)  # Brink 12, 14A, 14B
    assert 'id="te-groot"' in detail and "maximum van 1 lid van" in detail
    assert "meer dan 1: overweeg te splitsen" in web.get("/beheer/").get_data(as_text=True)
    app_settings.change(mail_app, MEMBER_LIMIT=1024)
    assert 'id="te-groot"' not in web.get("/beheer/groep/1").get_data(as_text=True)
