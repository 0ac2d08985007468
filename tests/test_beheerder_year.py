"""The beheerder's year (issue 22, points 1, 2 and 4): a personal link from the approval on, a link that survives its
own use but not a handover, and a handover that tells the old beheerder, the municipality and the new beheerder."""

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, register_pending
from test_renewal import BEHEERDER, age_group, group, renewal_path, round_

from geo_registry.domain.tokens import make_sealed_token
from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.both_databases

NICO = "nico@voorbeeld.invalid"


def link_in(mail, prefix="/beheerder/") -> str:
    """The path of the first link under prefix in a mail."""
    return re.search(rf"http://localhost({re.escape(prefix)}[^\s/]+)", mail.get_content()).group(1)


def until_in(mail) -> datetime:
    """The date a personal link works until, as the mail states it (Dutch)."""
    return re.search(r"werkt tot en met (\d+ \w+ \d{4})", mail.get_content()).group(1)


def approve(app, staff_user, group_id):
    staff = app.test_client()
    login(staff, *staff_user)
    page = f"/beheer/groep/{group_id}"
    answer = staff.post(
        page + "/beoordelen", data={"csrf_token": csrf_token(staff, page), "besluit": "goedkeuren", "reden": ""}
    )
    assert answer.status_code == 302


def hand_over(app, client, path, name="Nico Nieuw", email=NICO):
    return client.post(
        path + "/overdragen", data={"csrf_token": csrf_token(client, path), "nieuwe_naam": name, "nieuw_email": email}
    )


@pytest.fixture
def due(mail_app):
    age_group(mail_app, 1, 400)
    return mail_app


def test_the_approval_mail_gives_the_beheerder_their_own_page(mail_app, staff_user):
    """Point 1: right after approval, not a year later, the beheerder can confirm, change or hand over."""
    group_id = register_pending(mail_app)
    approve(mail_app, staff_user, group_id)
    mail = mail_app.smtp.to("nina@voorbeeld.invalid")[-1]
    assert "goedgekeurd" in mail.get_content()
    path = link_in(mail)
    until = until_in(mail)
    expected = datetime.now(UTC) + timedelta(days=425)
    assert str(expected.year) in until and until.split()[1] in ("december", "januari", "februari")
    page = mail_app.test_client().get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nieuwe groep: uw beheerderspagina" in text
    for action in ("/bevestigen", "/wijzigen", "/overdragen"):
        assert path + action in text
    assert f"werkt tot en met {until}" in text
    english = mail_app.test_client().get(path + "?lang=en").get_data(as_text=True)
    assert "your administrator" in english.lower() and "also after you have done something" in english


def propose(client, path, **fields):
    change = path + "/wijzigen"
    data = {
        "csrf_token": csrf_token(client, change),
        "naam": "Voorbeeld: Buurtapp Brink en Centrum",
        "beheerder_naam": "Voorbeeldbeheerder 1",
        "mobiel": "",
        "toelichting": "",
        **fields,
    }
    return client.post(change, data=data)


def test_after_a_proposed_change_the_same_link_shows_it_waiting_and_can_hand_over(due):
    """Point 2: proposing a change is not the link's last use; the page says a change awaits review, a second
    proposal replaces the first, and the beheerder can still hand the group over."""
    round_(due)
    path = renewal_path(due)
    client = due.test_client()
    assert "wacht op beoordeling" not in client.get(path).get_data(as_text=True)
    assert "naar de gemeente gestuurd" in propose(client, path, toelichting="Eerste versie").get_data(as_text=True)
    page = client.get(path)
    assert page.status_code == 200 and "wacht op beoordeling" in page.get_data(as_text=True)
    propose(client, path, toelichting="Tweede versie")
    with due.extensions["geo_registry.engine"].connect() as conn:
        payloads = conn.execute(sa.text("SELECT payload FROM group_changes WHERE group_id = 1")).scalars().all()
    assert len(payloads) == 1 and "Tweede versie" in payloads[0]
    assert hand_over(due, client, path).status_code == 200
    assert len(due.smtp.to(NICO)) == 1


def take_over(app, client, phone=""):
    accept = link_in(app.smtp.to(NICO)[-1], "/beheerder/overdracht/")
    return accept, client.post(accept, data={"csrf_token": csrf_token(client, accept), "mobiel": phone})


def test_a_handover_tells_everyone_and_moves_the_personal_link(due):
    """Point 4 and the link's end: the old beheerder and the municipality get a mail; the new beheerder's last
    page links their own page and the poster, and a mail brings the same link; the old link stops."""
    with due.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET beheerder_phone = '+31611111111' WHERE id = 1"))
    round_(due)
    old_path = renewal_path(due)
    client = due.test_client()
    hand_over(due, client, old_path)
    accept, done = take_over(due, client, phone="06 22 33 44 55")
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "U bent nu de beheerder" in text
    own = re.search(r'href="(/beheerder/[^"/]+)" id="eigen-pagina"', text).group(1)
    assert own != old_path and 'href="/groep/1/poster' in text
    taken = group(due, 1)
    assert (taken.beheerder_email, taken.beheerder_phone) == (NICO, "+31622334455")
    # the old link stops, the new one opens the page, and the handover link is used
    gone = client.get(old_path)
    assert gone.status_code == 400 and "vorige beheerder" in gone.get_data(as_text=True)
    assert client.get(own).status_code == 200
    assert client.get(accept).status_code == 400
    contact = app_settings.of(due).CONTACT_EMAIL
    [old_mail], [staff_mail] = due.smtp.to(BEHEERDER)[1:], due.smtp.to(contact)
    assert "Nico Nieuw is nu beheerder" in old_mail["Subject"]
    assert "mobiele nummer zijn uit de gegevens" in old_mail.get_content()
    staff_text = staff_mail.get_content()
    assert BEHEERDER in staff_text and NICO in staff_text and "+31622334455" in staff_text
    welcome = due.smtp.to(NICO)[-1]
    assert welcome["Subject"].startswith("U bent nu beheerder") and link_in(welcome) == own
    assert "/groep/1/poster" in welcome.get_content()


def test_the_new_beheerder_gives_a_number_checked_as_at_registration_or_none(due):
    """The old beheerder's number is not kept for the new one; a wrong number is refused, nothing taken over."""
    with due.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET beheerder_phone = '+31611111111' WHERE id = 1"))
    round_(due)
    client = due.test_client()
    hand_over(due, client, renewal_path(due))
    accept = link_in(due.smtp.to(NICO)[-1], "/beheerder/overdracht/")
    page = client.get(accept).get_data(as_text=True)
    assert "vorige beheerder wordt niet bewaard" in page and 'name="mobiel"' in page
    _, refused = take_over(due, client, phone="020 123 4567")
    assert refused.status_code == 400 and "mobiel" in refused.get_data(as_text=True).lower()
    assert group(due, 1).beheerder_email == BEHEERDER
    _, done = take_over(due, client, phone="")
    assert done.status_code == 200
    assert (group(due, 1).beheerder_email, group(due, 1).beheerder_phone) == (NICO, None)


def test_a_beheerder_cannot_hand_over_to_their_own_address(due):
    round_(due)
    client = due.test_client()
    refused = hand_over(due, client, renewal_path(due), email=BEHEERDER.upper())
    assert refused.status_code == 400 and "huidige beheerder" in refused.get_data(as_text=True)


def test_staff_changing_the_beheerders_address_ends_the_old_link(due):
    round_(due)
    path = renewal_path(due)
    with due.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET beheerder_email = 'ander@voorbeeld.invalid' WHERE id = 1"))
    assert due.test_client().get(path).status_code == 400


def test_a_handover_link_sent_before_this_release_still_works_once(due):
    """Handover links in flight when this was deployed named the last confirmation; they still open."""
    stamp = group(due, 1).last_confirmed_at.isoformat()
    token = make_sealed_token(
        "test", "handover", {"g": 1, "n": "Nico", "e": NICO, "c": stamp}, issued_at=int(time.time())
    )
    assert due.test_client().get(f"/beheerder/overdracht/{token}").status_code == 200


def test_a_double_click_on_taking_over_hands_over_once_and_mails_once(due, monkeypatch):
    """Two posts of the same handover link at once (a double click) both pass the link check: only the first
    hands over; the second is refused and sends nothing, also when it read the group before the first wrote."""
    from geo_registry.domain import renewal
    from geo_registry.domain.actions import ActionRefused
    from geo_registry.web import services

    with due.app_context():
        store = services.current().store
    before = store.get(1)
    new = {"name": "Nico Nieuw", "email": NICO, "phone": None}
    mails = lambda old, after: []  # noqa: E731 - the count of writes is what matters here
    renewal.hand_over(store, 1, new, messages=mails, from_email=before.beheerder_email)
    with pytest.raises(ActionRefused):  # the second click, read after the first wrote
        renewal.hand_over(store, 1, {**new, "email": "ander@voorbeeld.invalid"}, from_email=before.beheerder_email)
    monkeypatch.setattr(store, "get", lambda group_id: before)  # read before the first click wrote
    with pytest.raises(ActionRefused):
        renewal.hand_over(store, 1, {**new, "email": "ander@voorbeeld.invalid"}, from_email=before.beheerder_email)
    monkeypatch.undo()
    assert store.get(1).beheerder_email == NICO
