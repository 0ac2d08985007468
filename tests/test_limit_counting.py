"""Only a request that was carried out counts against a visitor's limit: submissions silently dropped by the
honeypot (a browser's autofill can fill it, and so can a bot on the same network) leave the people at that
address their full number of joins."""

import pytest
from helpers import csrf_token

from geo_registry.web import settings as app_settings

URL = "/groep/1/aanmelden"
BEHEERDER = "beheerder1@voorbeeld.invalid"


def join(client, **fields):
    data = {
        "csrf_token": csrf_token(client, URL),
        "naam": "Bea Bewoner",
        "mobiel": "06-12345678",
        "email": "bewoner@voorbeeld.invalid",
        "straat": "Brink",
        "huisnummer": "12",
        **fields,
    }
    return client.post(URL, data=data)


def test_honeypot_submissions_do_not_use_up_the_join_limit(mail_app):
    app_settings.change(mail_app, JOIN_LIMIT=2)
    client = mail_app.test_client()
    for _ in range(3):
        assert join(client, website="http://spam.example").status_code == 302
    assert join(client).status_code == 302 and join(client).status_code == 302
    assert join(client).status_code == 429
    assert len(mail_app.smtp.to(BEHEERDER)) == 2


@pytest.mark.slow
def test_the_login_limit_is_a_sliding_window_not_a_quarter_that_resets(mail_app, staff_user, monkeypatch):
    """'5 per 15 minutes' as a person reads it: never 5 guesses, then 5 more a minute later because a fixed
    quarter of an hour happened to end in between."""
    import time

    from helpers import login

    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    client = mail_app.test_client()
    assert login(client, staff_user[0], "fout-wachtwoord").status_code == 401
    clock[0] += 14 * 60
    for _ in range(4):
        assert login(client, staff_user[0], "fout-wachtwoord").status_code == 401
    clock[0] += 2 * 60  # the first guess is now older than 15 minutes; the other four are not
    assert login(client, staff_user[0], "fout-wachtwoord").status_code == 401
    assert login(client, staff_user[0], "fout-wachtwoord").status_code == 429
