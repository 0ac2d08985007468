"""The request path does only the work a response needs (issue 11): the security headers are prepared once per
app, and each header is sent once."""

from helpers import make_app

from geo_registry.web import headers
from geo_registry.web import settings as app_settings


def test_the_security_headers_are_prepared_once_per_app(tmp_path, monkeypatch):
    made = []

    def counted(config, nonce=None):
        made.append(nonce)
        return policy(config, nonce)

    policy = headers.content_security_policy
    monkeypatch.setattr(headers, "content_security_policy", counted)
    client = make_app(tmp_path, TILES="pdok").test_client()
    pages = [client.get(url) for url in ("/", "/api/ping", "/overzicht", "/bestaat-niet", "/")]
    assert len(made) == 1
    nonces = [
        page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        for page in pages
        if "'nonce-" in page.headers["Content-Security-Policy"]
    ]
    assert len(nonces) >= 2 and len(set(nonces)) == len(nonces)  # each page still its own nonce
    config = app_settings.of(client.application)
    for page in pages:
        sent = page.headers["Content-Security-Policy"]
        nonce = sent.split("'nonce-")[1].split("'")[0] if "'nonce-" in sent else None
        assert sent == policy(config, nonce)
        assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"


def test_each_prepared_header_is_sent_exactly_once(tmp_path):
    """Headers added at once rather than set one by one still appear once each: on a page, an API answer, a 304,
    an error, a redirect and an OPTIONS answer."""
    client = make_app(tmp_path).test_client()
    lookup = client.get("/api/v1/lookup?lat=52.25&lon=5.22")
    answers = [
        client.get("/"),
        client.get("/api/v1/ping"),
        lookup,
        client.get("/bestaat-niet"),
        client.get("/api/v1/lookup?lat=abc&lon=5"),
        client.get("/beheer"),
        client.options("/api/v1/ping"),
        client.get("/api/v1/lookup?lat=52.25&lon=5.22", headers={"If-None-Match": lookup.headers["ETag"]}),
        client.get("/api/ping"),
    ]
    assert answers[-2].status_code == 304
    once = [
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
    ]
    api_once = once + [
        "API-Version",
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
    ]
    for answer in answers:
        is_api = answer.request.path.startswith("/api/")
        for name in api_once if is_api else once:
            assert len(answer.headers.getlist(name)) == 1, (answer.request.path, name, answer.headers)
    for answer in (lookup, answers[-2]):
        assert answer.headers.getlist("ETag") == [lookup.headers["ETag"]] and lookup.headers["ETag"].startswith('W/"')
        assert answer.headers.getlist("Cache-Control") == ["no-cache"]
