"""The public JSON API (/api/v1): answers, every error path (as problem details), and no private fields."""

import pytest
from helpers import PRIVATE_EMAILS, make_app


@pytest.fixture
def api(lookup_app):
    return lookup_app.test_client()


def group_names(body):
    return [g["name"] for g in body["groups"]]


@pytest.mark.both_databases
def test_point_inside_an_example_group(api, places):
    lat, lon = places["centrum"]
    response = api.get(f"/api/v1/lookup?lat={lat}&lon={lon}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["in_gemeente"] is True
    assert body["wijk"] == {"code": "BU04170320", "name": "Laren-Centrum"}
    assert group_names(body) == ["Voorbeeld: Buurtapp Brink en Centrum"]
    assert body["point"] == {"lat": lat, "lon": lon} and body["address"] is None
    assert set(body["groups"][0]) == {"id", "name", "is_example"}


@pytest.mark.both_databases
def test_point_without_group_and_point_outside(api, places):
    body = api.get("/api/v1/lookup", query_string=dict(zip(("lat", "lon"), places["postiljon"]))).get_json()
    assert body["wijk"]["name"] == "Postiljon" and body["groups"] == [] and body["in_gemeente"]
    body = api.get("/api/v1/lookup", query_string=dict(zip(("lat", "lon"), places["blaricum"]))).get_json()
    assert body["in_gemeente"] is False and body["wijk"] is None and body["groups"] == []


@pytest.mark.both_databases
def test_postcode_from_the_local_table(api, places):
    body = api.get("/api/v1/lookup?postcode=1251+kv&huisnummer=12").get_json()
    assert body["address"]["weergavenaam"] == "Brink 12, 1251 KV Laren"
    assert group_names(body) == ["Voorbeeld: Buurtapp Brink en Centrum"]
    assert not [r for r in api.application.pdok.requests if r[0] == "free"]  # answered locally


def test_free_text_falls_through_to_pdok_for_an_address_elsewhere(api):
    response = api.get("/api/v1/lookup", query_string={"q": "Brink 12 Deventer"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["address"]["woonplaats"] == "Deventer" and body["in_gemeente"] is False and body["groups"] == []


@pytest.mark.both_databases
def test_ambiguous_address_lists_candidates(api):
    response = api.get("/api/v1/lookup?postcode=1251KV&huisnummer=14")
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    error = response.get_json()
    assert error["code"] == "ambiguous"
    assert [c["weergavenaam"] for c in error["candidates"]] == ["Brink 14A, 1251 KV Laren", "Brink 14B, 1251 KV Laren"]


def test_unknown_address_is_404(api):
    response = api.get("/api/v1/lookup?postcode=9999ZZ&huisnummer=1")
    assert response.status_code == 404
    assert "Controleer de postcode" in response.get_json()["detail"]


def test_trickling_address_service_is_503_within_its_limit(api):
    import time

    api.application.pdok.mode, api.application.pdok.delay = "trickle", 0.1  # PDOK_TIMEOUT is 1 s here
    started = time.monotonic()
    response = api.get("/api/lookup?postcode=9999ZZ&huisnummer=1")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "unavailable"
    # The whole trickled answer takes a minute: ten seconds is many times the limit, and far short of that.
    assert time.monotonic() - started < 10.0


def test_unreachable_service_is_503(api):
    api.application.pdok.mode = "error"
    response = api.get("/api/v1/lookup?postcode=9999ZZ&huisnummer=1")
    assert response.status_code == 503 and response.get_json()["code"] == "unavailable"
    # The local table still answers what it knows.
    assert api.get("/api/v1/lookup?postcode=1251KV&huisnummer=12").status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ("lat=abc&lon=5.2", "lat"),
        ("lat=95&lon=5.2", "lat"),
        ("lat=52.2&lon=200", "lon"),
        ("lat=52.2", "lon"),
        ("lat=nan&lon=5.2", "lat"),
        ("postcode=12&huisnummer=1", "postcode"),
        ("postcode=1251KV&huisnummer=0", "huisnummer"),
        ("postcode=1251KV", "huisnummer"),
        ("q=Brink", "q"),
        ("", None),
    ],
)
def test_bad_input_is_400_with_a_message(api, query, field):
    response = api.get(f"/api/v1/lookup?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    error = response.get_json()
    assert error["code"] == "bad_input" and error["detail"] and error["status"] == 400
    assert error.get("field") == field


@pytest.mark.both_databases
def test_groups_geojson_has_public_fields_only(api):
    response = api.get("/api/v1/groups-geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    features = response.get_json()["features"]
    assert len(features) == 4
    assert all(set(f["properties"]) == {"id", "name", "is_example", "colour"} for f in features)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


def test_wijken_geojson(api):
    features = api.get("/api/v1/wijken-geojson").get_json()["features"]
    assert len(features) == 10
    assert {f["properties"]["wijkcode"] for f in features} == {"WK041703"}


@pytest.mark.both_databases
def test_suggest(api):
    assert api.get("/api/v1/suggest?q=Postil").get_json() == {"suggestions": ["Postiljonlaan 3, 1251 PT Laren"]}
    assert api.get("/api/v1/suggest?q=").get_json() == {"suggestions": []}


def test_unknown_api_path_is_a_problem(api):
    response = api.get("/api/v1/nergens")
    assert response.status_code == 404 and response.get_json()["detail"]


@pytest.mark.both_databases
def test_no_private_data_in_any_public_response(api, places):
    lat, lon = places["centrum"]
    urls = [
        "/",
        "/overzicht",
        f"/?lat={lat}&lon={lon}",
        "/?postcode=1251KV&huisnummer=12",
        f"/antwoord?lat={lat}&lon={lon}",
        "/api/v1/groups-geojson",
        "/api/v1/groups.geojson",
        "/api/v1/wijken-geojson",
        f"/api/v1/lookup?lat={lat}&lon={lon}",
        "/api/v1/lookup?postcode=1251KV&huisnummer=12",
        "/api/v1/lookup?postcode=1251KV&huisnummer=14",
        "/api/v1/suggest?q=Brink",
        "/api/v1/collections/groups/items",
        "/api/v1/collections/groups/items/1",
        "/api/v1/collections/groups",
        "/api/v1/collections/groups/items?f=html",  # the web pages of the OGC API too
        "/api/v1/collections/groups/items/1?f=html",
        "/api/v1/collections/groups?f=html",
    ]
    for url in urls:
        body = api.get(url).get_data(as_text=True)
        for secret in PRIVATE_EMAILS + ["Voorbeeldbeheerder"]:
            assert secret not in body, (url, secret)


def test_no_address_service_configured_still_answers_points(tmp_path, places):
    client = make_app(tmp_path).test_client()
    assert client.get("/api/v1/lookup?postcode=1251KV&huisnummer=12").status_code == 404
    assert client.get("/api/v1/lookup", query_string=dict(zip(("lat", "lon"), places["postiljon"]))).status_code == 200
