"""'Tell me when a group starts here' (issue 9 point 2): a resident without a group leaves an e-mail address,
confirms it, and gets exactly one e-mail with the join link when a group covering the address is approved;
then the request is gone. Unconfirmed requests go after 7 days, unfulfilled ones after a year."""

import re
import time
from datetime import UTC, datetime, timedelta
from mailbox import link_in, wait_for_mail

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, register_pending

NO_GROUP = "/?postcode=1251PT&huisnummer=3"  # Postiljonlaan 3, in Postiljon (BU04170324), where no group is
RESIDENT = "wachtend@voorbeeld.invalid"
NINA = "nina@voorbeeld.invalid"  # the beheerder register_pending registers


def offer(client, url=NO_GROUP) -> dict:
    """The subscribe form's hidden fields on the answer page at url."""
    html = client.get(url).get_data(as_text=True)
    plek = re.search(r'name="plek" value="([^"]+)"', html)
    assert plek, "no offer in the answer"
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1), "plek": plek.group(1)}


def subscribe(client, email=RESIDENT, url=NO_GROUP, **extra):
    """Submit the offer on the answer at url."""
    return client.post("/wachtlijst/", data={**offer(client, url), "email": email, **extra})


def confirm(app, client, email=RESIDENT):
    """Open the confirmation link mailed to email and press its button; return the page."""
    path = link_in(wait_for_mail(app.smtp, email)[-1], "/wachtlijst/bevestigen/")
    page = client.get(path)
    assert page.status_code == 200 and f'action="{path}"' in page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def waiting_rows(app) -> list[dict]:
    with app.extensions["geo_registry.engine"].connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT * FROM waiting_residents ORDER BY id")).mappings()]


def approve(app, staff_user, codes=("BU04170324",), name="Nieuwe groep") -> int:
    """Register a group over the buurten codes and approve it as staff through the review form; return its id."""
    group_id = register_pending(app, name=name, codes=codes)
    client = app.test_client()
    login(client, *staff_user)
    page = f"/beheer/groep/{group_id}"
    response = client.post(page + "/beoordelen", data={"csrf_token": csrf_token(client, page), "besluit": "goedkeuren"})
    assert response.status_code == 302
    wait_for_mail(app.smtp, NINA)
    app.smtp.settle()
    return group_id


@pytest.mark.both_databases
def test_subscribe_confirm_and_one_mail_with_the_join_link_when_a_covering_group_is_approved(mail_app, staff_user):
    client = mail_app.test_client()
    html = client.get(NO_GROUP).get_data(as_text=True)
    assert "We bewaren uw e-mailadres en adres alleen om u één keer te mailen als hier een groep start" in html
    assert 'href="/informatie/privacy"' in html
    response = subscribe(client)
    assert response.status_code == 302
    assert "bevestig uw e-mailadres" in client.get(response.headers["Location"]).get_data(as_text=True)
    [confirmation] = wait_for_mail(mail_app.smtp, RESIDENT)
    assert "Postiljonlaan 3" in confirmation.get_content()
    [row] = waiting_rows(mail_app)
    assert (row["email"], row["address_text"], row["lang"], row["confirmed_at"]) == (
        RESIDENT,
        "Postiljonlaan 3, 1251 PT Laren",
        "nl",
        None,
    )
    assert "op de lijst" in confirm(mail_app, client).get_data(as_text=True)
    assert waiting_rows(mail_app)[0]["confirmed_at"]

    group_id = approve(mail_app, staff_user)
    messages = wait_for_mail(mail_app.smtp, RESIDENT, count=2)
    time.sleep(0.3)
    mail_app.smtp.settle()
    assert len(mail_app.smtp.to(RESIDENT)) == 2  # the confirmation, and exactly one notice
    notice = messages[1]
    assert "Er is nu een WhatsApp-buurtpreventiegroep" in notice["Subject"]
    assert link_in(notice, "/groep/") == f"/groep/{group_id}/aanmelden"
    assert client.get(f"/groep/{group_id}/aanmelden").status_code == 200
    for secret in (NINA, "Nina Nieuw"):  # the beheerder's details are never in a resident's mail
        assert secret not in notice.as_string()
    assert waiting_rows(mail_app) == []  # the resident's address and e-mail are deleted
    [to_beheerder] = mail_app.smtp.to(NINA)[-1:]
    assert "1 bewoner wachtte op een groep in dit gebied" in to_beheerder.get_content()
    assert RESIDENT not in to_beheerder.as_string()


def test_a_group_elsewhere_sends_nothing_and_the_resident_keeps_waiting(mail_app, staff_user):
    client = mail_app.test_client()
    subscribe(client)
    confirm(mail_app, client)
    approve(mail_app, staff_user, codes=("BU04170325",), name="Rijksweg-Noord Alert")
    assert len(mail_app.smtp.to(RESIDENT)) == 1  # the confirmation only
    assert len(waiting_rows(mail_app)) == 1
    assert "wachtte" not in mail_app.smtp.to(NINA)[-1].get_content()


def test_an_unconfirmed_request_gets_nothing(mail_app, staff_user):
    client = mail_app.test_client()
    assert subscribe(client).status_code == 302
    wait_for_mail(mail_app.smtp, RESIDENT)
    approve(mail_app, staff_user)
    assert len(mail_app.smtp.to(RESIDENT)) == 1  # the confirmation only
    assert [r["confirmed_at"] for r in waiting_rows(mail_app)] == [None]


def test_an_approved_change_that_grows_an_area_tells_the_residents_now_inside(mail_app, staff_user):
    from geo_registry.domain import renewal
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.web import services as app_services

    client = mail_app.test_client()
    subscribe(client)
    confirm(mail_app, client)
    with mail_app.app_context():
        store = app_services.current().store
        grown = store.get(1).area.union(area_from_buurten(["BU04170324"], app_services.current().buurten))
        change_id = renewal.propose_change(store, 1, {"area": grown})
    staff = mail_app.test_client()
    login(staff, *staff_user)
    response = staff.post(
        f"/beheer/wijziging/{change_id}/beoordelen",
        data={"csrf_token": csrf_token(staff, "/beheer/groep/1"), "besluit": "goedkeuren", "groep": "1"},
    )
    assert response.status_code == 302
    notice = wait_for_mail(mail_app.smtp, RESIDENT, count=2)[1]
    assert link_in(notice, "/groep/") == "/groep/1/aanmelden"
    assert "beheerder1@voorbeeld.invalid" not in notice.as_string()
    assert waiting_rows(mail_app) == []


def test_english_resident_gets_english_mails(mail_app, staff_user):
    client = mail_app.test_client()
    client.get("/taal/en?next=/")
    html = client.get(NO_GROUP).get_data(as_text=True)
    assert "We keep your e-mail address and address only" in html
    subscribe(client)
    assert "Please confirm" in wait_for_mail(mail_app.smtp, RESIDENT)[0]["Subject"]
    confirm(mail_app, client)
    approve(mail_app, staff_user)
    notice = wait_for_mail(mail_app.smtp, RESIDENT, count=2)[1]
    assert "There is now a neighbourhood WhatsApp group near you" in notice["Subject"]


# --- hostile input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "wachtend@voorbeeld.invalid\r\nBcc: slachtoffer@voorbeeld.invalid",
        "a,b@voorbeeld.invalid",
        "wächtend@voorbeeld.invalid",
        "geen-adres",
        "",
    ],
)
def test_header_unsafe_or_missing_addresses_are_refused_clearly(mail_app, address):
    client = mail_app.test_client()
    response = subscribe(client, email=address)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Vul een geldig e-mailadres in" in html or "Vul een e-mailadres in" in html
    assert "Postiljonlaan 3" in html and 'name="plek"' in html  # the form again, for this address
    assert waiting_rows(mail_app) == []
    mail_app.smtp.settle()
    assert mail_app.smtp.messages == []


def test_the_same_request_twice_is_stored_once(mail_app):
    client = mail_app.test_client()
    assert subscribe(client).status_code == 302
    assert subscribe(client, email=RESIDENT.upper()).status_code == 302
    assert len(waiting_rows(mail_app)) == 1
    wait_for_mail(mail_app.smtp, RESIDENT, count=2)  # not yet confirmed: the link again
    confirm(mail_app, client)
    assert subscribe(client).status_code == 302
    mail_app.smtp.settle()
    assert len(mail_app.smtp.to(RESIDENT)) == 2  # confirmed: nothing more is sent
    assert len(waiting_rows(mail_app)) == 1


@pytest.mark.parametrize("plek", ["", "vervalst", "eyJsYXQiOjUyLjAsImxvbiI6NS4wLCJhIjoiaGFjayJ9.xx.yy"])
def test_a_forged_or_missing_place_is_refused_clearly(mail_app, plek):
    client = mail_app.test_client()
    response = client.post("/wachtlijst/", data={**offer(client), "plek": plek, "email": RESIDENT})
    assert response.status_code == 400
    assert "Zoek uw adres opnieuw op" in response.get_data(as_text=True)
    assert waiting_rows(mail_app) == []


def test_unknown_expired_or_used_up_confirmation_links_get_a_clear_400(mail_app, staff_user):
    from geo_registry.domain.tokens import make_token, read_token

    client = mail_app.test_client()
    assert client.get("/wachtlijst/bevestigen/geen-geldige-link").status_code == 400
    subscribe(client)
    path = link_in(wait_for_mail(mail_app.smtp, RESIDENT)[-1], "/wachtlijst/bevestigen/")
    payload = read_token("test", "waiting-confirm", path.rsplit("/", 1)[1], 10**9)
    old = make_token("test", "waiting-confirm", payload, issued_at=int(time.time()) - 8 * 86400)
    expired = client.get("/wachtlijst/bevestigen/" + old)
    assert expired.status_code == 400 and "verlopen" in expired.get_data(as_text=True)
    assert (
        client.post("/wachtlijst/bevestigen/" + old, data={"csrf_token": csrf_token(client, NO_GROUP)}).status_code
        == 400
    )
    assert waiting_rows(mail_app)[0]["confirmed_at"] is None
    with mail_app.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("DELETE FROM waiting_residents"))
    gone = client.get(path)
    assert gone.status_code == 400 and "hoort niet (meer) bij een verzoek" in gone.get_data(as_text=True)


def test_a_place_where_a_group_started_meanwhile_shows_the_group(mail_app):
    client = mail_app.test_client()
    from geo_registry.domain import actions
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services as app_services

    fields = offer(client)  # the page was opened before the group was approved
    group_id = register_pending(mail_app)
    with mail_app.app_context():
        actions.review(
            app_services.current().store, group_id, "medewerker", True, "", lambda group: Message("x", NINA, "s", "b")
        )
    response = client.post("/wachtlijst/", data={**fields, "email": RESIDENT})
    assert response.status_code == 302 and "antwoord" in response.headers["Location"]
    assert "Nieuwe groep" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert waiting_rows(mail_app) == []


# --- purge ---------------------------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_unconfirmed_go_after_7_days_and_unfulfilled_after_a_year(app):
    from geo_registry.domain import subscriptions

    engine = app.extensions["geo_registry.engine"]
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    kept, _ = subscriptions.add(engine, "a@voorbeeld.invalid", 52.25, 5.22, "A 1", "nl", now=start)
    unconfirmed, _ = subscriptions.add(engine, "b@voorbeeld.invalid", 52.25, 5.22, "B 1", "nl", now=start)
    subscriptions.confirm(engine, kept.id, now=start + timedelta(days=1))
    assert subscriptions.purge(engine, start + timedelta(days=6, hours=23)) == 0
    assert subscriptions.purge(engine, start + timedelta(days=7, hours=1)) == 1
    assert subscriptions.get(engine, unconfirmed.id) is None and subscriptions.get(engine, kept.id)
    assert subscriptions.purge(engine, start + timedelta(days=364)) == 0
    assert subscriptions.purge(engine, start + timedelta(days=366)) == 1
    assert subscriptions.get(engine, kept.id) is None


def test_the_yearly_round_and_the_worker_purge(mail_app):
    from geo_registry.domain import subscriptions
    from geo_registry.worker.runner import run_job

    engine = mail_app.extensions["geo_registry.engine"]
    old = datetime.now(UTC) - timedelta(days=8)
    subscriptions.add(engine, "oud@voorbeeld.invalid", 52.25, 5.22, "A 1", "nl", now=old)
    result = mail_app.test_cli_runner().invoke(args=["confirmation-round"])
    assert "1 verlopen verzoek(en)" in result.output and waiting_rows(mail_app) == []
    subscriptions.add(engine, "oud@voorbeeld.invalid", 52.25, 5.22, "A 1", "nl", now=old)
    assert run_job(mail_app, "waiting-list", force=True).count == 1  # the worker's hourly job
    assert waiting_rows(mail_app) == []


# --- staff ---------------------------------------------------------------------------------------------------------


def test_staff_see_how_many_residents_wait_per_buurt_never_who(mail_app, staff_user):
    for number in (1, 2):
        client = mail_app.test_client()
        subscribe(client, email=f"wacht{number}@voorbeeld.invalid")
        confirm(mail_app, client, email=f"wacht{number}@voorbeeld.invalid")
    subscribe(mail_app.test_client(), email="onbevestigd@voorbeeld.invalid")
    staff = mail_app.test_client()
    login(staff, *staff_user)
    html = staff.get("/beheer/dekking").get_data(as_text=True)
    assert "Bewoners die wachten op een groep" in html
    row = re.search(r"<th scope=\"row\"[^>]*>Postiljon</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-1] == "2"
    assert "wacht1@" not in html and "Postiljonlaan" not in html
    # The coverage map names the number too, in each buurt's tooltip.
    assert re.search(r'"code": "BU04170324"[^}]*"waiting": 2', html)
    assert "Bewoners die wachten op een groep" in html.split("GeoRegistry.bindTextTooltip", 1)[1]
    csv = staff.get("/beheer/export/dekking.csv").get_data(as_text=True)
    header, *rows = csv.splitlines()
    assert header.rstrip().endswith("wachtende_bewoners")
    postiljon = next(r for r in rows if "BU04170324" in r)
    assert postiljon.rstrip().split(";")[-1] == "2"


@pytest.mark.parametrize(
    "lang, promises",
    [
        (
            "nl",
            [
                "binnen 7 dagen, dan wissen we de aanvraag na 7 dagen",
                "wissen we de aanvraag\nna een jaar",
                "zodra die e-mail is verstuurd, wissen we uw e-mailadres en adres",
            ],
        ),
        (
            "en",
            [
                "within 7 days, we delete the request after 7 days",
                "we delete\nthe request after one year",
                "as soon as that e-mail has been sent, we delete your e-mail address and address",
            ],
        ),
    ],
)
def test_the_privacy_statement_says_how_long_waiting_residents_are_kept(lang, promises):
    from geo_registry.core.config import ROOT

    text = (ROOT / "content" / lang / "60-privacy.md").read_text(encoding="utf-8")
    flat = " ".join(text.split())
    for promise in promises:
        assert " ".join(promise.split()) in flat


def test_a_resident_can_come_off_the_list_at_once_with_the_link_in_the_confirmation_mail(mail_app, staff_user):
    client = mail_app.test_client()
    subscribe(client)
    confirm(mail_app, client)
    path = link_in(mail_app.smtp.to(RESIDENT)[-1], "/wachtlijst/afmelden/")
    page = client.get(path)
    assert page.status_code == 200 and "Postiljonlaan 3" in page.get_data(as_text=True)
    assert len(waiting_rows(mail_app)) == 1  # opening the link (as a mail scanner does) changes nothing
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 200 and "niet meer op de lijst" in done.get_data(as_text=True)
    assert waiting_rows(mail_app) == []
    assert client.get(path).status_code == 400  # used up: a clear 400, not a 500
    approve(mail_app, staff_user)
    assert len(mail_app.smtp.to(RESIDENT)) == 1  # no notice after withdrawing


def test_a_reactivated_group_tells_the_residents_in_its_area(mail_app, staff_user):
    client = mail_app.test_client()
    staff = mail_app.test_client()
    login(staff, *staff_user)
    group_id = approve(mail_app, staff_user)
    status = f"/beheer/groep/{group_id}/status"
    staff.post(status, data={"csrf_token": csrf_token(staff, f"/beheer/groep/{group_id}"), "status": "inactive"})
    subscribe(client)  # the group is off the map: no group here
    confirm(mail_app, client)
    staff.post(status, data={"csrf_token": csrf_token(staff, f"/beheer/groep/{group_id}"), "status": "active"})
    notice = wait_for_mail(mail_app.smtp, RESIDENT, count=2)[1]
    assert link_in(notice, "/groep/") == f"/groep/{group_id}/aanmelden"
    assert waiting_rows(mail_app) == []


def test_a_waiting_residents_link_pages_are_not_stored(mail_app):
    client = mail_app.test_client()
    subscribe(client)
    mail = wait_for_mail(mail_app.smtp, RESIDENT)[-1]
    for pattern in ("/wachtlijst/bevestigen/", "/wachtlijst/afmelden/"):
        response = client.get(link_in(mail, pattern))
        assert response.status_code == 200 and "Postiljonlaan 3" in response.get_data(as_text=True)
        assert "no-store" in response.headers.get("Cache-Control", "")


def test_the_links_in_the_confirmation_mail_do_not_carry_the_address(mail_app):
    import base64

    client = mail_app.test_client()
    subscribe(client)
    mail = wait_for_mail(mail_app.smtp, RESIDENT)[-1]
    for pattern in ("/wachtlijst/bevestigen/", "/wachtlijst/afmelden/"):
        token = link_in(mail, pattern).rsplit("/", 1)[1]
        data = token.split(".")[0]
        decoded = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        assert b"wachtend" not in decoded and b"@" not in decoded
