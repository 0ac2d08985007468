"""Nothing a client puts in the Host header ends up in an answer: not in a redirect, not in the API document
(a shared cache would keep such an answer for everyone)."""

import pytest

from geo_registry.web import settings as app_settings

FORGED = "evil.example"


@pytest.mark.parametrize(
    "path", ["/beheer", "/informatie", "/groep-aanmelden", "/static//css/site.css", "/vendor/leaflet//leaflet.js"]
)
def test_the_sites_own_redirects_stay_on_the_site_whatever_the_host_header(client, path):
    # Before: 308 Location: http://evil.example/beheer/ (Werkzeug builds it from the Host header).
    response = client.get(path, headers={"Host": FORGED})
    assert 300 <= response.status_code < 400
    location = response.headers["Location"]
    assert FORGED not in location and location.startswith("/") and not location.startswith("//")


def test_the_api_document_names_the_configured_site(app, client):
    # Before: "servers": [{"url": "http://evil.example"}].
    spec = client.get("/api/openapi.json", headers={"Host": FORGED}).get_json()
    assert spec["servers"] == [{"url": app_settings.of(app).PUBLIC_URL.rstrip("/") + "/api/v1"}]
    assert FORGED not in client.get("/api/docs", headers={"Host": FORGED}).get_data(as_text=True)


# Host names Werkzeug cannot read (a label over 63 characters, an empty label): it answers 400 Bad Host, and the
# page saying so must not need the host to be built.
UNREADABLE_HOSTS = ["a" * 64 + ".example", "buurt..example", "." + "b" * 70]


@pytest.mark.parametrize("host", UNREADABLE_HOSTS)
@pytest.mark.parametrize("path", ["/", "/overzicht", "/bestaat-niet", "/beheer/inloggen"])
def test_a_host_header_that_cannot_be_read_gets_the_sites_400_page_not_a_500(client, host, path):
    # Before: 500 "Internal Server Error" (plain text): the error page's url_for had no URL adapter to build with.
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Het verzoek is niet geldig" in page and 'href="/static/css/site.' in page  # the page's own style, by path
    assert host not in page


def test_the_400_page_for_an_unreadable_host_is_in_the_visitors_language(client):
    client.set_cookie("taal", "en")
    response = client.get("/", headers={"Host": UNREADABLE_HOSTS[0], "Accept-Language": "en"})
    assert response.status_code == 400 and "The request is not valid" in response.get_data(as_text=True)


def test_an_unreadable_host_on_a_form_post_or_the_api_is_a_400_too(client):
    assert client.post("/wachtlijst/", headers={"Host": UNREADABLE_HOSTS[1]}).status_code == 400
    answer = client.get("/api/v1/lookup?lat=52.25&lon=5.23", headers={"Host": UNREADABLE_HOSTS[1]})
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1",
        "/api/v1/collections",
        "/api/v1/collections/groups",
        "/api/v1/collections/groups/items?limit=1",
        "/api/v1/collections/groups/items/1",
    ],
)
def test_the_ogc_api_links_name_the_configured_site_whatever_the_host_header(examples_app, path):
    # Before: "links": [{"href": "http://evil.example/api/v1", ...}], served with an ETag that a shared cache
    # revalidates (304) for every later visitor, so the forged links stay in the cache for everyone.
    from geo_registry.web.urls import public_url

    response = examples_app.test_client().get(path, headers={"Host": FORGED})
    assert response.status_code == 200
    hrefs = [link["href"] for link in response.get_json()["links"]]
    assert hrefs and FORGED not in response.get_data(as_text=True)
    assert all(href.startswith(public_url(app_settings.of(examples_app)) + "/api/") for href in hrefs), hrefs
