"""Nothing a client puts in the Host header ends up in an answer: not in a redirect, not in the API document
(a shared cache would keep such an answer for everyone)."""
import pytest

FORGED = "evil.example"


@pytest.mark.parametrize("path", ["/beheer", "/informatie", "/groep-aanmelden", "/static//css/site.css",
                                  "/vendor/leaflet//leaflet.js"])
def test_the_sites_own_redirects_stay_on_the_site_whatever_the_host_header(client, path):
    # Before: 308 Location: http://evil.example/beheer/ (Werkzeug builds it from the Host header).
    response = client.get(path, headers={"Host": FORGED})
    assert 300 <= response.status_code < 400
    location = response.headers["Location"]
    assert FORGED not in location and location.startswith("/") and not location.startswith("//")


def test_the_api_document_names_the_configured_site(app, client):
    # Before: "servers": [{"url": "http://evil.example"}].
    spec = client.get("/api/openapi.json", headers={"Host": FORGED}).get_json()
    assert spec["servers"] == [{"url": app.config["PUBLIC_URL"].rstrip("/") + "/api/v1"}]
    assert FORGED not in client.get("/api/docs", headers={"Host": FORGED}).get_data(as_text=True)
