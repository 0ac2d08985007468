"""How long a staff login lasts, as the browser is told: the session's maximum (SESSION_MAX_HOURS, 10 hours), also
across a browser restart, and no longer (tests/test_login_limits.py: the server ends it then as well)."""

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

from helpers import login


def session_cookie(response):
    """The session cookie the response sets (its attributes as the browser reads them)."""
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        if "session" in cookie:
            return cookie["session"]
    raise AssertionError("no session cookie set")


def test_a_staff_login_is_kept_for_the_session_maximum_and_no_longer(mail_app, staff_user):
    response = login(mail_app.test_client(), *staff_user)
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert cookie["expires"], "a browser-session cookie: closing the browser would end the working day's login"
    expires = datetime.strptime(cookie["expires"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    left = expires - datetime.now(UTC)
    assert timedelta(hours=9, minutes=55) < left <= timedelta(hours=10, minutes=1)
