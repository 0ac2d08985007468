"""The OpenAPI description is served, describes the API, and CORS is open for the public API only."""


def test_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/lookup", "/api/groups.geojson", "/api/wijken.geojson", "/api/suggest",
                                  "/api/ping"}
    lookup = spec["paths"]["/api/lookup"]["get"]
    assert {p["name"] for p in lookup["parameters"]} == {"postcode", "huisnummer", "huisletter", "toevoeging", "q",
                                                         "lat", "lon"}
    assert set(lookup["responses"]) == {"200", "400", "404", "409", "503"}
    assert "beheerder" not in str(spec["components"]["schemas"]["GroupRef"])


def test_docs_page_lists_the_endpoints(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "GET /api/lookup" in page and 'href="/api/openapi.json"' in page


def test_cors_on_the_public_api_only(client, tmp_path):
    response = client.get("/api/wijken.geojson", headers={"Origin": "https://politie.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options("/api/lookup", headers={"Origin": "https://politie.example",
                                                       "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and "GET" in preflight.headers["Access-Control-Allow-Methods"]
    error = client.get("/api/lookup?lat=x&lon=1", headers={"Origin": "https://politie.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"
    for private in ("/beheer/", "/beheer/export/beheerders.csv", "/groep-aanmelden/", "/"):
        assert "Access-Control-Allow-Origin" not in client.get(private).headers
