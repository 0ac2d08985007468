"""The OpenAPI description: valid for the version it declares (checked by an independent validator), served
at the versioned root, describing the API; and CORS is open for the public API only."""

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from geo_registry.web import settings as app_settings


def test_openapi_document_is_valid_for_the_version_it_declares(client):
    """openapi-spec-validator picks the validator from the document's own `openapi` field (3.0 or 3.1)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    validate(spec)  # raises on any error; before, it found 3 schema errors (Address, Features, Lookup)


def test_the_validator_does_catch_3_1_constructs_in_a_3_0_document(client):
    """The check above is not vacuous: a 3.1 type array in this 3.0 document is refused."""
    spec = client.get("/api/v1/openapi.json").get_json()
    spec["components"]["schemas"]["Address"]["properties"]["huisletter"] = {"type": ["string", "null"]}
    with pytest.raises(OpenAPIValidationError):
        validate(spec)


def test_openapi_document_describes_the_api(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["servers"] == [{"url": app_settings.of(app).PUBLIC_URL + "/api/v1"}]  # the configured site, not Host
    assert set(spec["paths"]) == {
        "/",
        "/lookup",
        "/groups-geojson",
        "/wijken-geojson",
        "/suggest",
        "/ping",
        "/openapi.json",
        "/conformance",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
    }
    lookup = spec["paths"]["/lookup"]["get"]
    assert {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in lookup["parameters"]} == {
        "postcode",
        "huisnummer",
        "huisletter",
        "toevoeging",
        "q",
        "lat",
        "lon",
        "lang",
    }
    assert set(lookup["responses"]) == {"200", "400", "404", "409", "503"}
    assert "application/problem+json" in lookup["responses"]["400"]["content"]
    assert "beheerder" not in str(spec["components"]["schemas"]["GroupRef"])


def test_docs_page_lists_the_endpoints(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "GET /api/v1/lookup" in page and 'href="/api/v1/openapi.json"' in page
    assert "GET /api/v1/collections/{collectionId}/items" in page and "<code>bbox</code>" in page


def test_cors_on_the_public_api_only(client, tmp_path):
    response = client.get("/api/v1/wijken.geojson", headers={"Origin": "https://politie.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/api/v1/lookup", headers={"Origin": "https://politie.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200 and "GET" in preflight.headers["Access-Control-Allow-Methods"]
    error = client.get("/api/v1/lookup?lat=x&lon=1", headers={"Origin": "https://politie.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"
    for private in ("/beheer/", "/beheer/export/beheerders.csv", "/groep-aanmelden/", "/"):
        assert "Access-Control-Allow-Origin" not in client.get(private).headers


def test_openapi_document_describes_the_crs_parameters_and_header(client):
    """OGC API Features Part 2: crs on items and on one item, bbox-crs on items, Content-Crs on their answers."""
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["components"]["parameters"]

    def names(path):
        refs = spec["paths"][path]["get"]["parameters"]
        return {parameters[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"] for p in refs}

    rd = "http://www.opengis.net/def/crs/EPSG/0/28992"
    assert {"crs", "bbox-crs", "bbox"} <= names("/collections/{collectionId}/items")
    assert "crs" in names("/collections/{collectionId}/items/{featureId}")
    for name in ("crs", "bbox-crs"):
        schema = parameters[name]["schema"]
        assert rd in schema["enum"] and schema["default"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    for path in ("/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"):
        responses = spec["paths"][path]["get"]["responses"]
        assert "Content-Crs" in responses["200"]["headers"] and "400" in responses
    assert f"<{rd}>" in spec["components"]["headers"]["Content-Crs"]["schema"]["enum"]
    assert "storageCrs" in spec["components"]["schemas"]["Collection"]["properties"]
    validate(spec)
