"""The public forms that send e-mail cannot be used to flood one mailbox from many client addresses (a botnet,
or clients in many networks): the waiting list mails a stranger's
address at most JOIN_LIMIT times a day, a resident's join confirmation likewise, and one group's beheerder gets
at most JOIN_GROUP_LIMIT join requests an hour, whoever sends them."""

import pytest
from helpers import csrf_token
from test_subscribe import subscribe

from geo_registry.web import settings as app_settings

STRANGER = "vreemde@voorbeeld.invalid"
BEHEERDER = "beheerder1@voorbeeld.invalid"
JOIN = "/groep/1/aanmelden"


def clients(app, count):
    """count clients, each from its own address."""
    made = []
    for i in range(count):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:{i + 1:x}::1"  # each in its own /64
        made.append(client)
    return made


def join(client, email="bewoner@voorbeeld.invalid", **fields):
    data = {
        "csrf_token": csrf_token(client, JOIN),
        "naam": "Bea Bewoner",
        "mobiel": "06-12345678",
        "email": email,
        "straat": "Brink",
        "huisnummer": "12",
        **fields,
    }
    return client.post(JOIN, data=data)


def test_the_waiting_list_mails_one_address_a_limited_number_of_times_from_any_number_of_clients(mail_app):
    app_settings.change(mail_app, JOIN_LIMIT=2)
    answers = [subscribe(client, email=STRANGER).status_code for client in clients(mail_app, 5)]
    assert answers == [302, 302, 429, 429, 429]
    mail_app.smtp.settle()
    assert len(mail_app.smtp.to(STRANGER)) == 2
    # The same address in other letters, or with a +tag (which most providers deliver to the same mailbox),
    # is the same mailbox.
    assert subscribe(clients(mail_app, 6)[-1], email=STRANGER.upper()).status_code == 429
    assert subscribe(clients(mail_app, 7)[-1], email=STRANGER.replace("@", "+1@")).status_code == 429
    # Others can still subscribe.
    assert subscribe(clients(mail_app, 8)[-1], email="ander@voorbeeld.invalid").status_code == 302


def test_a_refused_flood_is_told_in_the_visitors_language(mail_app):
    app_settings.change(mail_app, JOIN_LIMIT=1)
    first, second = clients(mail_app, 2)
    assert subscribe(first, email=STRANGER).status_code == 302
    second.get("/taal/en")
    response = subscribe(second, email=STRANGER)
    assert response.status_code == 429 and "already been mailed often today" in response.get_data(as_text=True)
    dutch = subscribe(clients(mail_app, 3)[-1], email=STRANGER)
    assert dutch.status_code == 429 and "vandaag al vaak gemaild" in dutch.get_data(as_text=True)


def test_join_confirmations_to_one_address_are_limited_from_any_number_of_clients(mail_app):
    app_settings.change(mail_app, JOIN_LIMIT=2)
    answers = [join(client, email=STRANGER).status_code for client in clients(mail_app, 4)]
    assert answers == [302, 302, 429, 429]
    mail_app.smtp.settle()
    assert len(mail_app.smtp.to(STRANGER)) == 2


@pytest.mark.parametrize("limit", [3])
def test_one_beheerder_gets_a_limited_number_of_join_requests_an_hour_from_any_number_of_clients(mail_app, limit):
    app_settings.change(mail_app, JOIN_GROUP_LIMIT=limit)
    answers = [
        join(client, email=f"bewoner{i}@voorbeeld.invalid").status_code
        for i, client in enumerate(clients(mail_app, limit + 2))
    ]
    assert answers == [302] * limit + [429, 429]
    mail_app.smtp.settle()
    assert len(mail_app.smtp.to(BEHEERDER)) == limit
    # Another group's beheerder is not affected.
    other = clients(mail_app, limit + 3)[-1]
    url = "/groep/2/aanmelden"
    response = other.post(
        url,
        data={
            "csrf_token": csrf_token(other, url),
            "naam": "Bea",
            "mobiel": "06-12345678",
            "straat": "Brink",
            "email": "bewoner@voorbeeld.invalid",
            "huisnummer": "1",
        },
    )
    assert response.status_code == 302


def test_the_join_group_limit_is_a_setting_with_a_default():
    from geo_registry.core.settings import Settings

    assert Settings.JOIN_GROUP_LIMIT >= 10


def test_registrations_mail_one_address_a_limited_number_of_times_from_any_number_of_clients(mail_app):
    """A registration mails its confirmation link, with the group's name as the subject, to the address typed:
    without a limit per address, many clients could send a stranger any number of them."""
    import test_register

    app_settings.change(mail_app, REGISTER_LIMIT=2)
    answers = [
        test_register.post(client, email=STRANGER, buurten="BU04170324").status_code for client in clients(mail_app, 4)
    ]
    assert answers == [302, 302, 429, 429]
    mail_app.smtp.settle()
    assert len(mail_app.smtp.to(STRANGER)) == 2
