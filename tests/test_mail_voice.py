"""Mail that carries no stranger's words and speaks for the right municipality (issue 22, points 15 and 16), read
as it arrives at the test SMTP server after the worker's delivery job."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from types import SimpleNamespace

import pytest
import shapely
import sqlalchemy as sa
from helpers import csrf_token, make_app
from sites import wire_smtp

from geo_registry.domain.actions import send_messages
from geo_registry.domain.groups import Group
from geo_registry.web import services as app_services
from geo_registry.web.mailing import mail_message

EVIL = "Klik op http://evil.example/ om uw DigiD te bevestigen"
# What a reader could follow: the link, the host, and the instruction's words.
EVIL_PARTS = ("http://evil.example", "evil.example", "DigiD", "Klik op", "bevestigen,")
BEL = "GM0417,GM0376,GM0317"
BLARICUM_MAIL, BLARICUM_PHONE = "blaricum@voorbeeld.invalid", "035 751 32 00"
DEFAULT_MAIL = "veiligheid@belcombinatie.nl"


def whole(message) -> str:
    """Everything a reader sees of a message: its headers and its text."""
    return "\n".join(f"{k}: {v}" for k, v in message.items()) + "\n" + message.get_content()


def assert_no_stranger(message) -> None:
    """The message carries none of EVIL's words, not in a header nor in the text."""
    text = whole(message)
    for part in EVIL_PARTS:
        assert part not in text, (part, text)


def register(client, name: str, beheerder: str, email: str, buurt: str = "BU04170324") -> None:
    """Register a group through the public form."""
    answer = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": name,
            "beheerder_naam": beheerder,
            "email": email,
            "buurten": buurt,
            "actie": "aanmelden",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)


def join(client, group_id: int, name: str, email: str) -> None:
    """Ask to join a group through the public form."""
    path = f"/groep/{group_id}/aanmelden"
    data = {"csrf_token": csrf_token(client, path), "naam": name, "mobiel": "06 12345678", "email": email}
    answer = client.post(path, data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)


def renewal_path(app, address: str, group_id: int) -> str:
    """The personal link of the yearly round, for a group made due for it."""
    stamp = (datetime.now(UTC) - timedelta(days=400)).replace(microsecond=0).isoformat()
    with app.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET last_confirmed_at = :t WHERE id = :id"), {"t": stamp, "id": group_id})
    result = app.test_cli_runner().invoke(args=["confirmation-round"])
    assert result.exit_code == 0 and "1 verstuurd" in result.output, result.output
    bodies = [m.get_content() for m in app.smtp.to(address)]
    return next(m.group(1) for b in bodies if (m := re.search(r"http://localhost(/beheerder/[^/\s]+)\s", b)))


def hand_over(app, path: str, name: str, email: str) -> None:
    """Hand the group over through the renewal page."""
    client = app.test_client()
    data = {"csrf_token": csrf_token(client, path), "nieuwe_naam": name, "nieuw_email": email}
    assert client.post(path + "/overdragen", data=data).status_code == 200


# Point 15 ---------------------------------------------------------------------------------------------------------


def test_the_registration_confirmation_carries_no_typed_name(mail_app):
    register(mail_app.test_client(), EVIL, EVIL, "slachtoffer@voorbeeld.invalid")
    [mail] = mail_app.smtp.to("slachtoffer@voorbeeld.invalid")
    assert_no_stranger(mail)
    assert mail["Subject"] == "Bevestig uw e-mailadres voor de aanmelding van een WhatsApp-buurtpreventiegroep"
    assert "Beste aanmelder," in mail.get_content() and "/groep-aanmelden/bevestigen/" in mail.get_content()


def test_the_join_confirmation_carries_no_typed_name_and_the_beheerder_still_gets_it(mail_app):
    join(mail_app.test_client(), 1, EVIL, "slachtoffer@voorbeeld.invalid")
    [to_resident] = mail_app.smtp.to("slachtoffer@voorbeeld.invalid")
    assert_no_stranger(to_resident)
    assert "Beste bewoner," in to_resident.get_content()
    # The beheerder's address is confirmed: the request itself, with the name as typed, reaches the beheerder.
    [to_beheerder] = mail_app.smtp.to("beheerder1@voorbeeld.invalid")
    assert EVIL in to_beheerder.get_content()


def test_the_handover_mail_carries_no_name_typed_by_the_old_beheerder(mail_app):
    path = renewal_path(mail_app, "beheerder1@voorbeeld.invalid", 1)
    hand_over(mail_app, path, EVIL, "nieuw@voorbeeld.invalid")
    [mail] = mail_app.smtp.to("nieuw@voorbeeld.invalid")
    assert_no_stranger(mail)
    assert "Beste nieuwe beheerder," in mail.get_content() and "/beheerder/overdracht/" in mail.get_content()


def test_an_english_registration_confirmation_carries_no_typed_name_either(mail_app):
    client = mail_app.test_client()
    client.get("/taal/en?next=/")
    register(client, EVIL, EVIL, "victim@voorbeeld.invalid")
    [mail] = mail_app.smtp.to("victim@voorbeeld.invalid")
    assert_no_stranger(mail)
    assert "Dear applicant," in mail.get_content()


# Point 16 ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def bel_mail_app(tmp_path, smtp):
    """The three BEL municipalities, Blaricum with its own contact, mail to the test SMTP server."""
    app = make_app(
        tmp_path,
        GEMEENTEN=BEL,
        CONTACT_EMAIL_GM0376=BLARICUM_MAIL,
        CONTACT_PHONE_GM0376=BLARICUM_PHONE,
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=smtp.port,
        PUBLIC_URL="http://localhost",
    )
    wire_smtp(app, smtp)
    return app


def area(app, *codes):
    """The union of these buurten of the running app."""
    with app.app_context():
        return shapely.union_all([b.geometry for b in app_services.current().buurten if b.code in codes])


def add_group(app, name: str, shape, email: str) -> int:
    """An active group straight in the register."""
    with app.app_context():
        return app_services.current().store.add(Group(None, name, shape, "Bea Beheer", email))


def assert_speaks_for_blaricum(message) -> None:
    """From, signature and contact are Blaricum's; Laren's default contact appears nowhere."""
    name, address = parseaddr(message["From"])
    assert name == "WhatsApp-buurtpreventie Blaricum" and address == "noreply@belcombinatie.nl", message["From"]
    text = message.get_content()
    assert "Blaricum" in text, text
    assert DEFAULT_MAIL not in text and "14 035" not in text, text
    assert "Laren" not in text, text


def test_every_mail_of_a_blaricum_group_speaks_for_blaricum(bel_mail_app):
    app, smtp = bel_mail_app, bel_mail_app.smtp
    client = app.test_client()
    register(client, "Blaricum-Dorp Alert", "Bea", "nieuw-blaricum@voorbeeld.invalid", buurt="BU03760102")
    group_id = add_group(app, "Crailo Let Op", area(app, "BU03760102"), "bea@voorbeeld.invalid")
    join(client, group_id, "Bert", "bert@voorbeeld.invalid")
    path = renewal_path(app, "bea@voorbeeld.invalid", group_id)
    hand_over(app, path, "Carla", "carla@voorbeeld.invalid")
    # The staff's and the waiting list's messages, composed as their views compose them.
    with app.test_request_context("/"):
        group = app_services.current().store.get(group_id)
        point = group.area.representative_point()
        waiting = SimpleNamespace(address_text="Dorpsstraat 1, Blaricum", lat=point.y, lon=point.x)
        common = {"group": group, "link": "http://localhost/x", "note": "Prima.", "approve": True}
        messages = [
            mail_message("t", f"{name}@voorbeeld.invalid", name, **common, join_link="j", poster_link="p")
            for name in ("review_approved", "review_rejected", "change_reviewed")
        ]
        messages.append(
            mail_message("t", "wacht@voorbeeld.invalid", "waiting_confirm", waiting=waiting, link="l", days=7)
        )
        messages.append(
            mail_message("t", "gestart@voorbeeld.invalid", "waiting_started", waiting=waiting, group_name="C", link="l")
        )
        send_messages(app_services.current().store.engine, messages)
    addresses = [
        "nieuw-blaricum@voorbeeld.invalid",  # the registration's confirmation
        "bea@voorbeeld.invalid",  # the join request and the yearly round
        "bert@voorbeeld.invalid",  # the join confirmation
        "carla@voorbeeld.invalid",  # the handover
        "review_approved@voorbeeld.invalid",
        "review_rejected@voorbeeld.invalid",
        "change_reviewed@voorbeeld.invalid",
        "wacht@voorbeeld.invalid",
        "gestart@voorbeeld.invalid",
    ]
    for address in addresses:
        received = smtp.to(address)
        assert received, address
        for message in received:
            assert_speaks_for_blaricum(message)
    assert sum(len(smtp.to(a)) for a in addresses) == 10  # bea has two: the join request and the yearly round
    assert BLARICUM_MAIL in smtp.to("bert@voorbeeld.invalid")[0].get_content()


def test_a_blaricum_groups_poster_gives_blaricums_contact(bel_mail_app):
    group_id = add_group(bel_mail_app, "Crailo Let Op", area(bel_mail_app, "BU03760102"), "bea@voorbeeld.invalid")
    page = bel_mail_app.test_client().get(f"/groep/{group_id}/poster").get_data(as_text=True)
    assert "Gemeente Blaricum</p>" in page and BLARICUM_MAIL in page and "035\u00a0751\u00a032\u00a000" in page
    assert DEFAULT_MAIL not in page.split('class="poster"', 1)[1].split("</article>", 1)[0]


def test_a_group_across_two_municipalities_speaks_for_the_region(tmp_path, smtp):
    app = make_app(
        tmp_path,
        GEMEENTEN=BEL,
        REGIO_NAAM="BEL Combinatie",
        CONTACT_EMAIL_GM0376=BLARICUM_MAIL,
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=smtp.port,
        PUBLIC_URL="http://localhost",
    )
    wire_smtp(app, smtp)
    group_id = add_group(app, "Grensgroep", area(app, "BU04170320", "BU03760102"), "grens@voorbeeld.invalid")
    join(app.test_client(), group_id, "Bert", "bert@voorbeeld.invalid")
    [mail] = smtp.to("bert@voorbeeld.invalid")
    assert parseaddr(mail["From"])[0] == "WhatsApp-buurtpreventie BEL Combinatie"
    assert DEFAULT_MAIL in mail.get_content() and BLARICUM_MAIL not in mail.get_content()
    page = app.test_client().get(f"/groep/{group_id}/poster").get_data(as_text=True)
    assert "· BEL Combinatie</p>" in page


def test_with_one_municipality_the_sender_is_mail_sender_as_set(mail_app):
    join(mail_app.test_client(), 1, "Bert", "bert@voorbeeld.invalid")
    [mail] = mail_app.smtp.to("bert@voorbeeld.invalid")
    assert mail["From"] == "WhatsApp-buurtpreventie Laren <noreply@belcombinatie.nl>"
    assert "WhatsApp-buurtpreventie Laren" in mail.get_content() and DEFAULT_MAIL in mail.get_content()


def test_the_page_after_joining_a_blaricum_group_gives_blaricums_contact(bel_mail_app):
    group_id = add_group(bel_mail_app, "Crailo Let Op", area(bel_mail_app, "BU03760102"), "bea@voorbeeld.invalid")
    page = bel_mail_app.test_client().get(f"/groep/{group_id}/aanmelden/verstuurd").get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert f'href="mailto:{BLARICUM_MAIL}"' in main and DEFAULT_MAIL not in main
