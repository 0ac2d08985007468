"""The yearly confirmation round, end to end with the test SMTP server."""

import re
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login

from geo_registry.domain.tokens import make_token
from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.both_databases  # the confirmation round and proposed changes, on SQLite and PostgreSQL

BEHEERDER = "beheerder1@voorbeeld.invalid"


def age_group(app, group_id, days):
    """Pretend the group was last confirmed `days` ago."""
    stamp = (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()
    with app.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET last_confirmed_at = :t WHERE id = :id"), {"t": stamp, "id": group_id})
    return stamp


def group(app, group_id):
    with app.app_context():
        from geo_registry.web import services as app_services

        return app_services.current().store.get(group_id)


def round_(app):
    result = app.test_cli_runner().invoke(args=["confirmation-round"])
    assert result.exit_code == 0, result.output
    return result.output


def renewal_path(app, address=BEHEERDER):
    body = app.smtp.to(address)[-1].get_content()
    return re.search(r"http://localhost(/beheerder/\S+)", body).group(1)


@pytest.fixture
def due(mail_app):
    """Group 1 last confirmed 400 days ago; the others recently."""
    age_group(mail_app, 1, 400)
    return mail_app


def test_round_mails_only_due_groups_and_never_twice(due):
    assert "1 beheerder(s) gemaild: 1 verstuurd" in round_(due)
    [mail] = due.smtp.to(BEHEERDER)
    assert mail["Subject"] == "Is Voorbeeld: Buurtapp Brink en Centrum nog actief?"
    assert "0 beheerder(s) gemaild" in round_(due)
    assert len(due.smtp.messages) == 1
    assert group(due, 1).reminder_sent_at is not None


def test_the_renewal_page_lets_the_beheerder_mail_the_municipality_in_one_tap(due):
    """'Does the group no longer exist? Let us know': the address is a mail link, in both languages."""
    round_(due)
    path = renewal_path(due)
    contact = app_settings.of(due).CONTACT_EMAIL
    for query, sentence in (("", "Laat het ons weten via "), ("?lang=en", "Let us know at ")):
        page = due.test_client().get(path + query).get_data(as_text=True)
        assert f'{sentence}<a href="mailto:{contact}">{contact}</a>.' in page, query


def test_link_confirms_and_still_opens_the_page_after(due):
    """Confirming is one use of the personal link, not its last: the page still opens, and the round is done."""
    round_(due)
    path = renewal_path(due)
    client = due.test_client()
    assert "uw beheerderspagina" in client.get(path).get_data(as_text=True)
    before = group(due, 1).last_confirmed_at
    response = client.post(path + "/bevestigen", data={"csrf_token": csrf_token(client, path)})
    assert "nog actief is" in response.get_data(as_text=True)
    assert path in response.get_data(as_text=True)  # the way back to the beheerder's page
    assert group(due, 1).last_confirmed_at > before
    again = client.get(path)
    assert again.status_code == 200 and "uw beheerderspagina" in again.get_data(as_text=True)
    assert "0 beheerder(s) gemaild" in round_(due)


def test_expired_link_is_refused(due):
    stamp = group(due, 1).last_confirmed_at
    old = make_token("test", "renewal", {"g": 1, "c": stamp.isoformat()}, issued_at=int(time.time()) - 426 * 86400)
    response = due.test_client().get(f"/beheerder/{old}")
    assert response.status_code == 400 and "verlopen" in response.get_data(as_text=True)


def test_a_link_names_its_confirmation_as_an_instant_so_links_sent_as_text_stay_valid(due):
    """The link carries the last confirmation as ISO text (as links sent while times were stored as text did);
    it is compared as an instant: the same moment in any spelling opens the page, another moment does not."""
    stamp = group(due, 1).last_confirmed_at
    assert stamp.utcoffset() == timedelta(0)
    spellings = {
        stamp.isoformat(): 200,  # as every link sent so far carries it: '2025-11-02T10:00:00+00:00'
        stamp.astimezone(timezone(timedelta(hours=1))).isoformat(): 200,
        stamp.replace(tzinfo=None).isoformat() + "Z": 200,
        (stamp + timedelta(seconds=1)).isoformat(): 400,
        "geen tijd": 400,
    }
    for text, status in spellings.items():
        token = make_token(due.config["SECRET_KEY"], "renewal", {"g": 1, "c": text})
        assert due.test_client().get(f"/beheerder/{token}").status_code == status, text


def test_handover_to_a_new_beheerder_who_confirms(due):
    round_(due)
    path = renewal_path(due)
    client = due.test_client()
    bad = client.post(
        path + "/overdragen",
        data={"csrf_token": csrf_token(client, path), "nieuwe_naam": "Nico", "nieuw_email": "geen-adres"},
    )
    assert bad.status_code == 400 and "geldig e-mailadres" in bad.get_data(as_text=True)
    client.post(
        path + "/overdragen",
        data={
            "csrf_token": csrf_token(client, path),
            "nieuwe_naam": "Nico Nieuw",
            "nieuw_email": "nico@voorbeeld.invalid",
        },
    )
    assert group(due, 1).beheerder_email == BEHEERDER  # nothing changes before Nico confirms
    accept = re.search(
        r"http://localhost(/beheerder/overdracht/\S+)", due.smtp.to("nico@voorbeeld.invalid")[0].get_content()
    ).group(1)
    assert "Ik neem het beheer over" in client.get(accept).get_data(as_text=True)
    client.post(accept, data={"csrf_token": csrf_token(client, accept)})
    taken = group(due, 1)
    assert (taken.beheerder_name, taken.beheerder_email) == ("Nico Nieuw", "nico@voorbeeld.invalid")
    assert client.get(accept).status_code == 400  # used
    with due.extensions["geo_registry.engine"].connect() as conn:
        assert (
            conn.execute(sa.text("SELECT detail FROM audit_log WHERE action = 'overgedragen'")).scalar_one()
            == "Nico Nieuw"
        )


def readable_forms(token: str) -> str:
    """Every way a link's token can be read without a key: as it is, and each dot-separated part and the whole
    decoded from URL-safe base64 (signed links are base64 JSON; itsdangerous compresses with zlib behind a dot)."""
    import base64
    import zlib

    forms = [token]
    for part in [token] + token.split("."):
        try:
            raw = base64.urlsafe_b64decode(part.lstrip(".") + "=" * (-len(part.lstrip(".")) % 4))
        except ValueError:
            continue
        forms.append(raw.decode("latin-1"))
        try:
            forms.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            pass
    return "\n".join(forms)


def test_a_handover_link_does_not_show_the_new_beheerders_name_or_address(due):
    """The link is mailed, may sit in a mail server's or proxy's log and in a browser's history: it still opens the
    handover, but nobody who sees it can read whom it is for."""
    round_(due)
    path = renewal_path(due)
    client = due.test_client()
    client.post(
        path + "/overdragen",
        data={
            "csrf_token": csrf_token(client, path),
            "nieuwe_naam": "Nico Nieuwenhuis",
            "nieuw_email": "nico.nieuwenhuis@voorbeeld.invalid",
        },
    )
    accept = re.search(
        r"http://localhost(/beheerder/overdracht/\S+)",
        due.smtp.to("nico.nieuwenhuis@voorbeeld.invalid")[0].get_content(),
    ).group(1)
    readable = readable_forms(accept.rsplit("/", 1)[1])
    assert "nieuwenhuis" not in readable.lower() and "voorbeeld" not in readable.lower()
    assert "Nico Nieuwenhuis" in client.get(accept).get_data(as_text=True)  # the page itself still greets Nico
    # the reader of forms would have found them in a signed link
    signed = make_token("test", "handover", {"n": "Nico Nieuwenhuis", "e": "nico.nieuwenhuis@voorbeeld.invalid"})
    assert "Nico Nieuwenhuis" in readable_forms(signed)


def test_proposed_change_goes_to_staff_review(due, staff_user):
    round_(due)
    path = renewal_path(due)
    client = due.test_client()
    change = path + "/wijzigen"
    client.post(
        change,
        data={
            "csrf_token": csrf_token(client, change),
            "naam": "Brink-app (nieuw)",
            "beheerder_naam": "Voorbeeldbeheerder 1",
            "mobiel": "",
            "toelichting": "",
            "buurten": "BU04170320",
        },
    )
    assert group(due, 1).name == "Voorbeeld: Buurtapp Brink en Centrum"  # not before review
    assert "Brink-app (nieuw)" not in client.get("/api/groups.geojson").get_data(as_text=True)
    staff = due.test_client()
    login(staff, *staff_user)
    index = staff.get("/beheer/").get_data(as_text=True)
    assert "Voorgestelde wijzigingen (1)" in index
    page = staff.get("/beheer/groep/1").get_data(as_text=True)
    change_id = re.search(r"/beheer/wijziging/(\d+)/beoordelen", page).group(1)
    staff.post(
        f"/beheer/wijziging/{change_id}/beoordelen",
        data={"csrf_token": csrf_token(staff, "/beheer/groep/1"), "besluit": "goedkeuren", "groep": "1"},
    )
    changed = group(due, 1)
    assert changed.name == "Brink-app (nieuw)"
    assert "Brink-app (nieuw)" in client.get("/api/groups.geojson").get_data(as_text=True)
    assert any("goedgekeurd" in m["Subject"] for m in due.smtp.to(BEHEERDER))


def test_staff_see_overdue_groups_and_can_remind(due, staff_user):
    staff = due.test_client()
    login(staff, *staff_user)
    index = staff.get("/beheer/").get_data(as_text=True)
    overdue = re.search(r'<ul id="niet-bevestigd">(.*?)</ul>', index, re.S).group(1)
    assert "Voorbeeld: Buurtapp Brink en Centrum" in overdue and "Omloop" not in overdue
    staff.post("/beheer/groep/1/herinnering", data={"csrf_token": csrf_token(staff, "/beheer/groep/1")})
    assert len(due.smtp.to(BEHEERDER)) == 1
    assert "0 beheerder(s) gemaild" in round_(due)  # the staff reminder counts for this round


def test_the_round_deletes_stale_registrations(mail_app):
    from helpers import register_pending

    from geo_registry.domain.groups import Group, GroupStatus
    from geo_registry.web import services as app_services

    with mail_app.app_context():
        store = app_services.current().store
        area = store.get(1).area
        unconfirmed = store.add(
            Group(None, "Nooit bevestigd", area, "N", "n@voorbeeld.invalid", status=GroupStatus.PENDING_EMAIL)
        )
        fresh = store.add(
            Group(None, "Net aangemeld", area, "N", "n@voorbeeld.invalid", status=GroupStatus.PENDING_EMAIL)
        )
    rejected = register_pending(mail_app, "Afgewezen groep")
    with mail_app.extensions["geo_registry.engine"].begin() as conn:
        old = (datetime.now(UTC) - timedelta(days=40)).replace(microsecond=0).isoformat()
        older = (datetime.now(UTC) - timedelta(days=400)).replace(microsecond=0).isoformat()
        conn.execute(sa.text("UPDATE groups SET created_at = :t WHERE id = :id"), {"t": old, "id": unconfirmed})
        conn.execute(
            sa.text("UPDATE groups SET status = 'rejected', reviewed_at = :t WHERE id = :id"),
            {"t": older, "id": rejected},
        )
    assert "2 verouderde aanmelding(en) verwijderd" in round_(mail_app)
    assert group(mail_app, unconfirmed) is None and group(mail_app, rejected) is None
    assert group(mail_app, fresh) is not None and group(mail_app, 1) is not None


def test_handover_mails_are_limited_per_client_and_per_link(due):
    round_(due)
    path = renewal_path(due)

    def hand_over(client, n):
        return client.post(
            path + "/overdragen",
            data={
                "csrf_token": csrf_token(client, path),
                "nieuwe_naam": f"Nico {n}",
                "nieuw_email": f"nico{n}@voorbeeld.invalid",
            },
        )

    first = due.test_client()
    assert [hand_over(first, n).status_code for n in range(3)] == [200, 200, 200]
    refused = hand_over(first, 3)
    assert refused.status_code == 429 and "te vaak" in refused.get_data(as_text=True)
    elsewhere = due.test_client()  # another visitor (another address) with the same personal link
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert hand_over(elsewhere, 4).status_code == 429
    assert [len(due.smtp.to(f"nico{n}@voorbeeld.invalid")) for n in range(5)] == [1, 1, 1, 0, 0]
