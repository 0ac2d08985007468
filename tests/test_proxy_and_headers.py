"""Behind a trusted reverse proxy the site sees each visitor's own address and scheme (rate limits per visitor,
Secure cookies over HTTPS); without one, a forged X-Forwarded-For changes nothing. Every answer keeps the
browser from leaking a personal link to another site and from using the camera, microphone or location."""

import pytest
from helpers import csrf_token, make_app

STAFF = ("medewerker", "lang-genoeg-wachtwoord")


def staff_app(tmp_path, **config):
    app = make_app(tmp_path, **config)
    result = app.test_cli_runner().invoke(args=["create-staff", STAFF[0], "--password", STAFF[1]])
    assert "aangemaakt" in result.output, result.output
    return app


def wrong_login(client, forwarded_for: str):
    """A failed login from forwarded_for, under a name no account has: the per-client limit counts it, and no
    account's own back-off (domain/login_backoff.py) gets in the way of what these tests count."""
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_token(client, "/beheer/inloggen")
    return client.post(
        "/beheer/inloggen",
        headers=headers,
        data={"csrf_token": token, "gebruikersnaam": "niemand-van-ons", "wachtwoord": "fout-wachtwoord"},
    )


def test_behind_a_trusted_proxy_each_visitor_has_their_own_login_limit(tmp_path):
    app = staff_app(tmp_path, TRUST_PROXY=True)
    guesser, colleague = app.test_client(), app.test_client()
    for _ in range(5):
        assert wrong_login(guesser, "198.51.100.9").status_code == 401
    assert wrong_login(guesser, "198.51.100.9").status_code == 429
    # Another visitor behind the same proxy is not locked out by the guesser.
    assert wrong_login(colleague, "203.0.113.20").status_code == 401


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(tmp_path):
    app = staff_app(tmp_path)
    client = app.test_client()
    for attempt in range(5):
        assert wrong_login(client, f"203.0.113.{attempt}").status_code == 401
    assert wrong_login(client, "203.0.113.99").status_code == 429


def test_behind_a_trusted_tls_proxy_the_session_cookie_is_secure(tmp_path):
    app = staff_app(tmp_path, TRUST_PROXY=True)
    response = app.test_client().get("/beheer/inloggen", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]
    plain = app.test_client().get("/beheer/inloggen")
    assert "Secure" not in plain.headers["Set-Cookie"]


def test_forwarded_headers_count_only_from_the_proxys_own_addresses(tmp_path):
    app = staff_app(tmp_path, TRUST_PROXY=True, PROXY_ADDRESSES="10.0.0.5, 192.168.0.0/16")
    outsider = app.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "198.51.100.77"  # not the proxy: its forged addresses are ignored
    for attempt in range(5):
        assert wrong_login(outsider, f"203.0.113.{attempt}").status_code == 401
    assert wrong_login(outsider, "203.0.113.99").status_code == 429
    forged = outsider.get("/beheer/inloggen", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in forged.headers["Set-Cookie"]
    for proxy in ("10.0.0.5", "192.168.4.1", "::ffff:10.0.0.5"):  # an address, a network, IPv4 on a dual stack
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = proxy
        assert wrong_login(client, f"198.51.100.{len(proxy)}").status_code == 401, proxy
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = proxy
        secure = browser.get("/beheer/inloggen", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in secure.headers["Set-Cookie"], proxy


@pytest.mark.parametrize("path", ["/", "/beheer/inloggen", "/api/ping", "/groep-aanmelden/"])
def test_no_page_leaks_its_address_to_other_sites_or_asks_for_camera_or_location(app, path):
    headers = app.test_client().get(path).headers
    assert headers["Referrer-Policy"] == "same-origin"
    permissions = {item.strip() for item in headers["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()"} <= permissions
    policy = {part.strip() for part in headers["Content-Security-Policy"].split(";")}
    # Only this site by default; no plugins, no form posting to another site, no <base> that would redirect links.
    assert {
        "default-src 'self'",
        "object-src 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    } <= policy


def test_the_secure_cookie_setting_holds_even_when_the_proxy_does_not_say_https(tmp_path):
    # A site served over HTTPS through a proxy that is not trusted (or says nothing): the setting decides.
    app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    assert "Secure" in app.test_client().get("/beheer/inloggen").headers["Set-Cookie"]


def test_a_stricter_samesite_setting_is_kept(tmp_path):
    app = make_app(tmp_path, SESSION_COOKIE_SAMESITE="Strict")
    assert "SameSite=Strict" in app.test_client().get("/beheer/inloggen").headers["Set-Cookie"]
    assert (
        "SameSite=Lax" in make_app(tmp_path / "standaard").test_client().get("/beheer/inloggen").headers["Set-Cookie"]
    )


def test_behind_a_trusted_proxy_links_name_the_site_as_the_visitor_asked_for_it(tmp_path):
    """The proxy connects to the app at an internal address; the API's links (the OGC landing page) name the
    public host and scheme the visitor used, as the proxy reports them."""
    from geo_registry.web.api.ogc import API_ROOT

    app = make_app(tmp_path, TRUST_PROXY=True)
    answer = app.test_client().get(
        API_ROOT,
        base_url="http://127.0.0.1:8000",
        headers={"X-Forwarded-Host": "buurtpreventie.laren.nl", "X-Forwarded-Proto": "https"},
    )
    assert answer.status_code == 200
    links = [link["href"] for link in answer.get_json()["links"]]
    assert links and all(href.startswith("https://buurtpreventie.laren.nl/") for href in links), links
