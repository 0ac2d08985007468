"""The NLGov REST API Design Rules (Logius, ADR 2.x), checked rule by rule on the app served over HTTP,
plus HTTP caching as HTTP means it (ETag, If-None-Match, no session)."""

import re
from email.utils import parsedate_to_datetime

import pytest
import requests

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
# One GET per operation of the OpenAPI document, with parameters that give a 200.
EXAMPLES = {
    "/lookup": "?lat=52.2557&lon=5.2276",
    "/suggest": "?q=Brink",
    "/collections/{collectionId}": "",
    "/collections/{collectionId}/items": "?limit=2",
    "/collections/{collectionId}/items/{featureId}": "",
}
# The unversioned paths of before, and what they are now.
LEGACY = [
    "/api/ping",
    "/api/lookup?lat=52.2557&lon=5.2276",
    "/api/suggest?q=Brink",
    "/api/groups.geojson",
    "/api/wijken.geojson",
    "/api/openapi.json",
]


def get(url, **kwargs):
    return requests.get(url, timeout=10, allow_redirects=False, **kwargs)


@pytest.fixture
def spec(live_url):
    return get(f"{live_url}/api/v1/openapi.json").json()


def operation_urls(spec) -> list[str]:
    """Every documented operation as a URL that answers 200."""
    base = spec["servers"][0]["url"]
    urls = []
    for path in spec["paths"]:
        concrete = path.replace("{collectionId}", "buurten").replace("{featureId}", "BU04170320")
        urls.append(base + concrete + EXAMPLES.get(path, ""))
    return urls


def every_kind_of_api_response(live_url, spec) -> list[requests.Response]:
    """200s of every operation, a 304, 400, 404 (also for a trailing slash), 409, an OPTIONS and the old paths."""
    responses = [get(url) for url in operation_urls(spec)]
    tag = get(f"{live_url}/api/v1/groups-geojson").headers["ETag"]
    responses.append(get(f"{live_url}/api/v1/groups-geojson", headers={"If-None-Match": tag}))
    for path in (
        "/lookup?lat=x&lon=1",
        "/nergens",
        "/collections/",
        "/lookup?postcode=1251KV&huisnummer=14",
        "/collections/groups/items?bbox=1",
    ):
        responses.append(get(f"{live_url}/api/v1{path}"))
    responses.append(requests.options(f"{live_url}/api/v1/lookup", timeout=10))
    responses += [get(live_url + path) for path in LEGACY]
    assert {r.status_code for r in responses} >= {200, 304, 400, 404, 409}
    return responses


def test_core_uri_version(live_url, spec):
    """/core/uri-version: the base path holds the major version only, as 'v' plus a number."""
    [server] = spec["servers"]
    assert server["url"] == f"{live_url}/api/v1"
    assert re.search(r"/v(\d+)$", server["url"]).group(1) == spec["info"]["version"].split(".")[0]
    for url in operation_urls(spec):
        assert get(url).status_code == 200, url


def test_core_semver(spec):
    """/core/semver: info.version is a semantic version."""
    assert SEMVER.match(spec["info"]["version"])


def test_core_version_header(live_url, spec):
    """/core/version-header: every API response, errors and 304 included, has API-Version (the full version)."""
    for response in every_kind_of_api_response(live_url, spec):
        assert response.headers.get("API-Version") == spec["info"]["version"], (response.url, response.status_code)


def test_core_doc_openapi_and_publish_openapi(live_url):
    """/core/doc-openapi, /core/publish-openapi: an OpenAPI 3 document in JSON at <base>/openapi.json, open to
    anyone without logging in, readable from any origin (CORS); valid (see test_openapi for the validator)."""
    response = get(f"{live_url}/api/v1/openapi.json", headers={"Origin": "https://ander.example"})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json()["openapi"].startswith("3.") and response.json()["paths"]


def test_core_doc_openapi_contact(spec):
    """/core/doc-openapi-contact: the document says whom to contact."""
    assert spec["info"]["contact"]["name"] and spec["info"]["contact"]["url"]


def test_core_no_trailing_slash(live_url, spec):
    """/core/no-trailing-slash: no path ends in a slash, and asking with one gives 404, never a redirect. The root
    resource is exempt (ADR 2.2): the landing page answers at /api/v1 and /api/v1/ alike (OGC /req/core/root-op)."""
    assert not [path for path in spec["paths"] if path.endswith("/") and path != "/"]
    assert not spec["servers"][0]["url"].endswith("/")
    assert get(f"{live_url}/api/v1/").json() == get(f"{live_url}/api/v1").json()
    for url in operation_urls(spec):
        if url.endswith("/api/v1/"):
            continue
        path, _, query = url.partition("?")
        response = get(f"{path}/" + (f"?{query}" if query else ""))
        assert response.status_code == 404, url
        assert response.headers["Content-Type"] == "application/problem+json"


def test_core_error_handling_problem_details(live_url, spec):
    """/core/error-handling/problem-details: every 4xx is application/problem+json (RFC 9457) with type,
    title, status and detail; the project's code, field and candidates are extensions."""
    errors = [r for r in every_kind_of_api_response(live_url, spec) if r.status_code >= 400 and "/api/v1" in r.url]
    assert len(errors) >= 5
    for response in errors:
        assert response.headers["Content-Type"] == "application/problem+json", response.url
        problem = response.json()
        assert problem["status"] == response.status_code and problem["title"] and problem["detail"]
        assert problem["type"] == "about:blank" and problem["code"]
    ambiguous = get(f"{live_url}/api/v1/lookup?postcode=1251KV&huisnummer=14").json()
    assert ambiguous["code"] == "ambiguous" and len(ambiguous["candidates"]) == 2
    assert get(f"{live_url}/api/v1/lookup?lat=x&lon=1").json()["field"] == "lat"
    english = get(f"{live_url}/api/v1/lookup?lat=x&lon=1", headers={"Accept-Language": "en"}).json()
    assert english["detail"] == "'lat' must be a number, for example 52.25."


def test_core_error_handling_invalid_input(spec):
    """/core/error-handling/invalid-input: every operation with query parameters documents its 400."""
    for path, item in spec["paths"].items():
        params = [p for p in item["get"].get("parameters", []) if "$ref" in p or p["in"] == "query"]
        queries = [
            p
            for p in params
            if p.get("in") == "query"
            or p.get("$ref", "").split("/")[-1] in ("bbox", "limit", "offset", "datetime", "f")
        ]
        if queries:  # every operation refuses a parameter given twice or one it does not know
            assert "400" in item["get"]["responses"], path


def test_core_transition_period_and_deprecation_schedule(live_url):
    """/core/transition-period, /core/deprecation-schedule: the old unversioned paths still answer, the same as
    their /api/v1 successors, announcing their deprecation and sunset date and naming the successor."""
    for path in LEGACY:
        old = get(live_url + path)
        assert old.status_code == 200, path
        deprecated = int(re.fullmatch(r"@(\d+)", old.headers["Deprecation"]).group(1))  # RFC 9745
        sunset = parsedate_to_datetime(old.headers["Sunset"])  # RFC 8594
        assert sunset.timestamp() > deprecated
        successor = re.fullmatch(r'<([^>]+)>; rel="successor-version"', old.headers["Link"]).group(1)
        assert successor == "/api/v1" + path.removeprefix("/api").split("?")[0].replace(".geojson", "-geojson")
        new = get(live_url + successor + path.partition("?")[1] + path.partition("?")[2])
        assert new.status_code == 200 and "Deprecation" not in new.headers
        assert new.content == old.content or path.endswith("openapi.json")


def test_core_path_segments_kebab_case_and_the_renamed_paths(live_url, spec):
    """/core/path-segments-kebab-case: the one-file downloads are /groups-geojson and /wijken-geojson; the
    /api/v1 paths with '.geojson' answer the same until their sunset, deprecated, naming their successor."""
    for old, new in (("groups.geojson", "groups-geojson"), ("wijken.geojson", "wijken-geojson")):
        assert f"/{new}" in spec["paths"] and f"/{old}" not in spec["paths"]
        before, after = get(f"{live_url}/api/v1/{old}"), get(f"{live_url}/api/v1/{new}")
        assert before.status_code == after.status_code == 200 and before.content == after.content
        assert "Deprecation" not in after.headers and "Sunset" not in after.headers
        assert re.fullmatch(r"@\d+", before.headers["Deprecation"])
        assert parsedate_to_datetime(before.headers["Sunset"]).timestamp() > int(before.headers["Deprecation"][1:])
        assert before.headers["Link"] == f'</api/v1/{new}>; rel="successor-version"'


def test_core_stateless_no_session_for_the_api(live_url, spec):
    """/core/stateless: the API opens no session. A visitor's cookies (session, language) are ignored: no
    Set-Cookie, no Vary: Cookie, and the language comes from Accept-Language only."""
    with requests.Session() as site:  # closed at the end: no connection outlives the server
        site.get(f"{live_url}/beheer/inloggen", timeout=10)  # the login form opens a session
        site.get(f"{live_url}/taal/en", timeout=10, allow_redirects=False)
        assert {"session", "taal"} <= set(site.cookies.keys())
        for url in operation_urls(spec) + [f"{live_url}/api/v1/lookup?lat=x&lon=1"]:
            response = site.get(url, timeout=10)
            assert "Set-Cookie" not in response.headers, url
            assert "cookie" not in response.headers.get("Vary", "").lower(), url
        error = site.get(f"{live_url}/api/v1/lookup?lat=x&lon=1", timeout=10)
        assert error.json()["detail"].startswith("'lat' moet")  # not English, although the cookie says so


def test_transport_cors(live_url, spec):
    """/core/transport-security (CORS part), as before: any origin may read, without credentials."""
    for url in operation_urls(spec):
        response = get(url, headers={"Origin": "https://politie.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "API-Version" in response.headers["Access-Control-Expose-Headers"]


def test_etag_from_the_register_version_and_304(live_url, lookup_app, spec):
    """Caching the way HTTP means it: an ETag, 304 on If-None-Match while nothing changed, a new ETag and
    the new data once the register changes."""
    cached = [url for url in operation_urls(spec) if "suggest" not in url and "ping" not in url]
    tags = {}
    for url in cached:
        first = get(url)
        tags[url] = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "no-cache"
        again = get(url, headers={"If-None-Match": tags[url]})
        assert again.status_code == 304 and again.content == b"", url
        assert again.headers["ETag"] == tags[url]
    url = f"{live_url}/api/v1/groups-geojson"
    old_tag = get(url).headers["ETag"]
    from geo_registry.web import services as app_services

    with lookup_app.app_context():  # the same store as the server's, so its registry hears of it at once
        app_services.current().store.set_status(1, "inactive")
    fresh = get(url, headers={"If-None-Match": old_tag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != old_tag
    assert 1 not in {f["id"] for f in fresh.json()["features"]}
