"""Schemathesis drives the running app from its own OpenAPI document: no server errors, every answer
matches the schema, for any input it generates."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

OPERATIONS = ["/api/lookup", "/api/suggest", "/api/groups.geojson", "/api/wijken.geojson", "/api/ping"]


@pytest.mark.parametrize("path", OPERATIONS)
def test_api_answers_match_the_schema(live_url, path):
    schema = schemathesis.openapi.from_url(f"{live_url}/api/openapi.json")
    operation = schema[path]["GET"]
    seen = []

    # Driven from inside the test, as the schemathesis pytest plugin does not load under pytest 9.
    @given(case=operation.as_strategy())
    @settings(max_examples=80 if path == "/api/lookup" else 25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        # /api/lookup needs one of three sets of parameters (postcode+huisnummer, q, lat+lon), which
        # OpenAPI 3.0 query parameters cannot express: a request the schema allows may rightly get 400.
        # Every other check (no 5xx, documented status, content type, response schema) still runs.
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        seen.append(response.status_code)

    check()
    assert seen and all(status < 500 for status in seen)
    if path == "/api/lookup":
        assert {200, 400} <= set(seen)  # both answers and refusals were exercised
