"""The API's HTTP behaviour (issue 23): an ETag per resource, checked only after routing and input checks; the
landing page with and without its slash; the document and the server agreeing on every parameter; bbox as one
value or as one value per number."""

import pytest

ROOT = "/api/v1"
ANY = {"If-None-Match": "*"}


@pytest.fixture
def api(examples_app):
    return examples_app.test_client()


@pytest.fixture
def spec(api):
    return api.get(f"{ROOT}/openapi.json").get_json()


@pytest.mark.parametrize(
    "path, status",
    [
        ("/collections/doesnotexist", 404),
        ("/collections/groups/items/99999", 404),
        ("/collections/doesnotexist/items", 404),
        ("/collections/groups/items?limit=0", 400),
        ("/collections/groups/items?bbox=1", 400),
        ("/lookup?lat=x&lon=5.22", 400),
        ("/groups-geojson?nonsense=1", 400),
        ("/nergens", 404),
    ],
)
def test_if_none_match_star_never_turns_a_missing_resource_or_bad_input_into_a_304(api, path, status):
    # Before: 304 for each (one ETag for every URL, compared before routing and input checks).
    assert api.get(ROOT + path).status_code == status
    response = api.get(ROOT + path, headers=ANY)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert "ETag" not in response.headers


@pytest.mark.parametrize(
    "path", ["", "/collections/groups", "/collections/groups/items/1", "/lookup?lat=52.2557&lon=5.2276"]
)
def test_if_none_match_star_on_a_resource_that_exists_is_a_304(api, path):
    response = api.get(ROOT + path, headers=ANY)
    assert response.status_code == 304 and response.data == b"" and response.headers["ETag"].startswith('W/"')


def test_each_resource_has_its_own_etag(api):
    paths = [
        "/collections/groups",
        "/collections/buurten",
        "/collections/groups/items/1",
        "/collections/groups/items/2",
        "/collections/groups/items?limit=1",
        "/collections/groups/items?limit=2",
        "/groups-geojson",
        "/wijken-geojson",
    ]
    tags = {path: api.get(ROOT + path).headers["ETag"] for path in paths}
    assert len(set(tags.values())) == len(paths)
    for path in paths:
        assert api.get(ROOT + path, headers={"If-None-Match": tags[path]}).status_code == 304, path
        others = ", ".join(tag for other, tag in tags.items() if other != path)
        # Another resource's tag is no proof the client holds this one.
        assert api.get(ROOT + path, headers={"If-None-Match": others}).status_code == 200, path


def test_the_html_and_the_json_of_a_resource_have_different_etags(api):
    as_json = api.get(f"{ROOT}/collections/groups")
    as_html = api.get(f"{ROOT}/collections/groups", headers={"Accept": "text/html"})
    assert as_html.mimetype == "text/html" and as_json.mimetype == "application/json"
    assert as_json.headers["ETag"] != as_html.headers["ETag"]
    again = api.get(
        f"{ROOT}/collections/groups", headers={"Accept": "text/html", "If-None-Match": as_json.headers["ETag"]}
    )
    assert again.status_code == 200 and again.mimetype == "text/html"
    assert "Accept" in as_json.headers["Vary"] and "Accept" in as_html.headers["Vary"]


def test_the_landing_page_answers_with_and_without_its_slash(api):
    # OWSLib adds '/' to the base URL; OGC's /req/core/root-op; ADR 2.2 exempts the root from no-trailing-slash.
    with_slash, without = api.get(f"{ROOT}/"), api.get(ROOT)
    assert with_slash.status_code == without.status_code == 200
    assert with_slash.get_json() == without.get_json()
    assert api.get(f"{ROOT}/collections/").status_code == 404  # other paths keep the rule


def query_parameters(spec, operation: dict) -> list[dict]:
    found = []
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            found.append(parameter)
    return found


def concrete(path: str) -> str:
    return ROOT + path.replace("{collectionId}", "buurten").replace("{featureId}", "BU04170320")


def test_every_operation_refuses_an_unknown_parameter_and_documents_that_400(api, spec):
    # Before: refused on /items, ignored on /, /conformance, /collections, /collections/{id} and /items/{id}.
    for path, item in spec["paths"].items():
        operation = item["get"]
        assert "400" in operation["responses"], path
        response = api.get(concrete(path) + "?nonsense=1")
        assert response.status_code == 400, path
        assert response.get_json()["field"] == "nonsense"


def test_the_deprecated_unversioned_paths_still_ignore_unknown_parameters(api):
    # They answer as before until their sunset (/core/transition-period): a cache-buster kept working there.
    for path in ("/api/groups.geojson", "/api/ping", "/api/lookup?lat=52.2557&lon=5.2276", "/api/suggest?q=Brink"):
        separator = "&" if "?" in path else "?"
        assert api.get(f"{path}{separator}_=1733600000").status_code == 200, path
    assert api.get("/api/v1/groups.geojson?_=1733600000").status_code == 400  # within /api/v1: the same rule


def test_every_documented_parameter_is_known_to_the_server(api, spec):
    values = {"f": "json", "lang": "en", "bbox": "5.1,52.2,5.3,52.3", "limit": "2", "offset": "1"}
    values |= {"datetime": "2026-01-01T00:00:00Z/..", "q": "Brink", "lat": "52.2557", "lon": "5.2276"}
    for path, item in spec["paths"].items():
        for parameter in query_parameters(spec, item["get"]):
            name = parameter["name"]
            response = api.get(concrete(path), query_string={name: values.get(name, "1")})
            problem = response.get_json(silent=True) or {}
            assert "Onbekende parameter" not in problem.get("detail", ""), (path, name)


def test_a_limit_above_1000_is_lowered_as_the_document_says(api, spec):
    limit = spec["components"]["parameters"]["limit"]
    assert "maximum" not in limit["schema"] and "counts as 1000" in limit["description"]
    response = api.get(f"{ROOT}/collections/buurten/items?limit=1001")
    assert response.status_code == 200
    self_link = next(link for link in response.get_json()["links"] if link["rel"] == "self")
    assert "limit=1000" in self_link["href"]


def test_an_empty_datetime_is_refused_as_the_document_says(api, spec):
    assert spec["components"]["parameters"]["datetime"]["schema"]["minLength"] == 1
    response = api.get(f"{ROOT}/collections/groups/items?datetime=")
    assert response.status_code == 400 and response.get_json()["field"] == "datetime"


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-01T00:00:00Z/2026-01-01T00:00:00Z",
        "2026-02-01/2026-01-31",
        "2026-01-01T12:00:00+01:00/2026-01-01T10:00:00Z",
    ],
)
def test_a_reversed_datetime_interval_is_a_400(api, value):
    # Before: 200 with every feature.
    response = api.get(f"{ROOT}/collections/groups/items", query_string={"datetime": value})
    assert response.status_code == 400 and response.get_json()["field"] == "datetime"
    english = api.get(f"{ROOT}/collections/groups/items", query_string={"datetime": value, "lang": "en"})
    assert "must not lie after the end" in english.get_json()["detail"]


def test_an_interval_of_one_instant_is_not_reversed(api):
    response = api.get(f"{ROOT}/collections/groups/items?datetime=2026-01-01T00:00:00Z/2026-01-01T01:00:00%2B01:00")
    assert response.status_code == 200


def test_suggest_documents_its_400_for_a_repeated_parameter(api, spec):
    assert "400" in spec["paths"]["/suggest"]["get"]["responses"]
    assert api.get(f"{ROOT}/suggest?q=Brink&q=Zevenend").status_code == 400


def test_the_error_for_lon_gives_a_longitude_as_its_example(api):
    for query in ("lat=52.2557", "lat=52.2557&lon=oost"):
        problem = api.get(f"{ROOT}/lookup?{query}", headers={"Accept-Language": "en"}).get_json()
        assert problem["field"] == "lon" and problem["detail"] == "'lon' must be a number, for example 5.22."
    problem = api.get(f"{ROOT}/lookup?lat=noord&lon=5.22", headers={"Accept-Language": "en"}).get_json()
    assert problem["detail"] == "'lat' must be a number, for example 52.25."


def ids(response) -> list:
    assert response.status_code == 200, response.get_json()
    return [feature["id"] for feature in response.get_json()["features"]]


@pytest.mark.parametrize(
    "box", [(5.2, 52.2, 5.3, 52.3), (5.226, 52.254, 5.228, 52.256), (5.1, 52.2, -10, 5.3, 52.3, 100)]
)
def test_bbox_as_one_value_or_one_value_per_number_gives_the_same_features(api, box):
    items = f"{ROOT}/collections/buurten/items"
    one = api.get(items, query_string={"bbox": ",".join(map(str, box))})
    repeated = api.get(items, query_string=[("bbox", str(number)) for number in box])
    assert ids(one) == ids(repeated) and ids(one)
    links = {link["rel"]: link["href"] for link in repeated.get_json()["links"]}
    for rel in ("self", "alternate"):  # written back in the one-value form
        assert "bbox=" + ",".join(map(str, box)) in links[rel], rel


@pytest.mark.parametrize(
    "pairs",
    [
        [("bbox", "5.2,52.2"), ("bbox", "5.3,52.3")],  # which numbers belong together would be a guess
        [("bbox", "5.2"), ("bbox", "52.2"), ("bbox", "5.3")],
        [("bbox", "5.2"), ("bbox", "52.3"), ("bbox", "5.3"), ("bbox", "52.2")],  # south above north
    ],
)
def test_a_repeated_bbox_must_be_four_or_six_numbers(api, pairs):
    response = api.get(f"{ROOT}/collections/buurten/items", query_string=pairs)
    assert response.status_code == 400 and response.get_json()["field"] == "bbox"


def test_other_parameters_given_twice_are_still_refused(api):
    response = api.get(f"{ROOT}/collections/buurten/items?limit=1&limit=2")
    assert response.status_code == 400 and response.get_json()["field"] == "limit"


def test_every_operation_declares_it_is_public_and_documents_a_4xx(spec):
    # Redocly's recommended rules: security declared (here: none, the API is public) and a 4xx on every operation.
    assert spec["security"] == []
    for path, item in spec["paths"].items():
        assert item["get"]["security"] == [], path
        assert [code for code in item["get"]["responses"] if code.startswith("4")], path
