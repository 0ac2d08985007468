"""Behind a trusted reverse proxy under the real server (`geo-registry serve`, gunicorn): the client address and
the scheme the proxy reports reach the app (rate limits per real client, HTTPS detected), and the same headers
from any other client are ignored. Before gunicorn, waitress dropped them: every visitor counted as the proxy."""

from __future__ import annotations

import re

import pytest
import requests
from gunicorn_process import serving
from helpers import make_app

from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.slow  # a server in a process of its own

STAFF = ("medewerker", "lang-genoeg-wachtwoord")
GUESSER, COLLEAGUE = "203.0.113.9", "198.51.100.20"


@pytest.fixture
def staff_database(tmp_path) -> str:
    """The URL of a migrated SQLite database with one staff account."""
    app = make_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["create-staff", STAFF[0], "--password", STAFF[1]])
    assert "aangemaakt" in result.output, result.output
    return app_settings.of(app).DATABASE_URL


def log_in(base: str, password: str, **headers) -> requests.Response:
    """One login through the form, from a new browser, with these request headers."""
    with requests.Session() as browser:
        browser.headers.update(headers)
        page = browser.get(base + "/beheer/inloggen", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "gebruikersnaam": STAFF[0], "wachtwoord": password}
        return browser.post(base + "/beheer/inloggen", data=form, allow_redirects=False, timeout=30)


def test_behind_the_trusted_proxy_each_visitor_has_their_own_limit_and_https_is_seen(tmp_path, staff_database):
    with serving(tmp_path, "--workers", "1", DATABASE_URL=staff_database, TRUST_PROXY="true") as server:
        guesses = [log_in(server.base, "fout-wachtwoord", **{"X-Forwarded-For": GUESSER}) for _ in range(6)]
        assert [guess.status_code for guess in guesses] == [401] * 5 + [429]
        # Before: 429 here too (waitress had dropped the header: the guesser and the colleague were one client).
        colleague = log_in(server.base, STAFF[1], **{"X-Forwarded-For": COLLEAGUE})
        # The password is accepted: on to the second factor (its enrolment, for this new account).
        assert colleague.status_code == 302 and colleague.headers["Location"].endswith("/beheer/tweede-factor")

        https = {"X-Forwarded-For": COLLEAGUE, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "buurtapp.example"}
        page = requests.get(server.base + "/beheer/inloggen", headers=https, timeout=30)
        assert "Secure" in page.headers["Set-Cookie"]
        plain = requests.get(server.base + "/beheer/inloggen", headers={"X-Forwarded-For": COLLEAGUE}, timeout=30)
        assert "Secure" not in plain.headers["Set-Cookie"]
        links = requests.get(server.base + "/api/v1", headers=https, timeout=30).json()["links"]
        assert links and all(link["href"].startswith("https://buurtapp.example/") for link in links)


def test_forwarded_headers_from_a_client_that_is_not_the_proxy_are_ignored(tmp_path, staff_database):
    # The proxy is configured elsewhere (192.0.2.1): this test's own requests come from 127.0.0.1, a client.
    with serving(
        tmp_path, "--workers", "1", DATABASE_URL=staff_database, TRUST_PROXY="true", PROXY_ADDRESSES="192.0.2.1"
    ) as server:
        # A new forged address each time does not make a new client: the 6th is refused, also for the password.
        guesses = [log_in(server.base, "fout-wachtwoord", **{"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(5)]
        assert [guess.status_code for guess in guesses] == [401] * 5
        assert log_in(server.base, STAFF[1], **{"X-Forwarded-For": COLLEAGUE}).status_code == 429

        forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "elders.example"}
        assert "Secure" not in requests.get(server.base + "/api/ping", timeout=30).headers.get("Set-Cookie", "")
        page = requests.get(server.base + "/beheer/inloggen", headers=forged, timeout=30)
        assert "Secure" not in page.headers["Set-Cookie"]
        links = requests.get(server.base + "/api/v1", headers=forged, timeout=30).json()["links"]
        assert links and not any("elders.example" in link["href"] or "https:" in link["href"] for link in links)


def test_a_mistyped_proxy_address_stops_the_start_with_its_reason(tmp_path):
    from geo_registry.core.errors import StartupRefused

    with pytest.raises(StartupRefused, match="GEO_REGISTRY_PROXY_ADDRESSES='10.0.0.300'"):
        make_app(tmp_path, TRUST_PROXY=True, PROXY_ADDRESSES="10.0.0.300")
