"""A question to the API means one thing: a parameter given twice is refused (which value counts would be a
guess, and a cache or filter in front of the API may read the other one), and so is a datetime that is no time."""

import pytest


@pytest.fixture
def api(examples_app):
    return examples_app.test_client()


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/lookup?lat=52.2557&lat=0&lon=5.2272",  # before: 200, the answer for the first lat
        "/api/v1/lookup?postcode=1251AB&postcode=1251AC&huisnummer=1",
        "/api/v1/collections/groups/items?limit=1&limit=1000",  # before: 200 with limit=1
        "/api/v1/suggest?q=Brink&q=Zevenend",
        "/api/lookup?lat=52.2557&lon=5.2272&lon=5.3",  # the old paths too
    ],
)
def test_a_parameter_given_twice_is_a_400_that_names_it(api, query):
    response = api.get(query)
    assert response.status_code == 400
    body = response.get_json()
    detail = body.get("detail") or body["error"]["message"]
    assert "meer dan één keer" in detail


def test_a_parameter_given_twice_is_refused_in_english_too(api):
    response = api.get("/api/v1/lookup?lat=52.2557&lat=0&lon=5.2272", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "more than once" in response.get_json()["detail"]


@pytest.mark.parametrize(
    "value", ["x", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z/x", "../..", "/", "yesterday/.."]
)
def test_a_datetime_that_is_no_time_or_interval_is_a_400(api, value):
    # Before: 200 with every feature (OGC API Features asks a 400 for a parameter with an invalid value).
    response = api.get("/api/v1/collections/groups/items", query_string={"datetime": value})
    assert response.status_code == 400 and response.get_json()["field"] == "datetime"


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-31T12:00:00Z",
        "2026-01-31T12:00:00+01:00",
        "2026-01-31",
        "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z",
        "../2026-02-01T00:00:00Z",
        "2026-01-01T00:00:00Z/..",
        "2026-01-01T00:00:00Z/",
    ],
)
def test_a_datetime_or_interval_matches_every_group(api, value):
    response = api.get("/api/v1/collections/groups/items", query_string={"datetime": value})
    assert response.status_code == 200 and response.get_json()["numberMatched"] == 4
