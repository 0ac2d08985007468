"""The request log: one line per request with its id, method, URL rule, status and duration, text or JSON; no
postcode, no e-mail address, no form field in it; an unexpected error logged with the id the error page shows."""

import json
import logging
import re

import pytest
from helpers import csrf_token, make_app

LOGGER = "geo_registry.requests"
# Made here, so that the source line a traceback quotes does not hold them.
PRIVATE = "pien.prive@" + "voorbeeld.invalid"
PLACE = "Pien " + "Privé, Brink 12, " + "1251KV Laren"  # a name: no pattern finds it, only leaving values out does


def lines(caplog) -> list[str]:
    """What the request log wrote."""
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


@pytest.fixture
def json_app(tmp_path):
    """An app that logs in JSON."""
    return make_app(tmp_path, LOG_FORMAT="json")


def test_one_json_line_per_request_with_id_method_route_status_and_duration(json_app, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    client = json_app.test_client()
    response = client.get("/api/v1/ping")
    client.get("/niet-bestaand")
    first, second = (json.loads(line) for line in lines(caplog))
    assert first["request_id"] == response.headers["X-Request-ID"]
    assert (first["method"], first["route"], first["status"]) == ("GET", "/api/v1/ping", 200)
    assert 0 <= first["duration_ms"] < 60_000 and first["level"] == "info" and first["time"].endswith("Z")
    assert (second["route"], second["status"]) == ("(unmatched)", 404)
    assert first["request_id"] != second["request_id"]


def test_text_is_the_default(tmp_path, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    response = make_app(tmp_path).test_client().get("/healthz")
    (line,) = lines(caplog)
    assert f"request_id={response.headers['X-Request-ID']} method=GET route=/healthz status=200 duration_ms=" in line


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", True),
        ("Root=1-67891233-abcdef012345678912345678", True),  # an AWS load balancer's trace id
        ("a" * 128, True),
        ("a" * 129, False),
        ("bewoner@voorbeeld.invalid", False),  # no e-mail address reaches the log through the header
        ("twee woorden", False),
        ("<script>alert(1)</script>", False),
        ("", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_and_echoed_any_other_is_replaced(json_app, caplog, given, kept):
    caplog.set_level(logging.INFO, LOGGER)
    response = json_app.test_client().get("/api/v1/ping", headers={"X-Request-ID": given})
    echoed = response.headers["X-Request-ID"]
    assert (echoed == given) is kept
    assert json.loads(lines(caplog)[0])["request_id"] == echoed
    if not kept:
        assert len(echoed) == 32 and echoed.isalnum()


def test_no_postcode_no_email_and_no_form_field_in_the_log(tmp_path, pdok, address_csv, caplog):
    from sites import populated_app

    # Everything any logger writes at the levels a server runs with (urllib3's DEBUG lines name the Locatieserver's
    # URL, postcode included: docs/deployment.md says not to run it at DEBUG).
    caplog.set_level(logging.INFO)
    app = populated_app(tmp_path, pdok, address_csv, LOG_FORMAT="json")
    client = app.test_client()
    client.get("/?postcode=1251KV&huisnummer=12")
    client.get("/api/v1/lookup?postcode=1251PT&huisnummer=3")
    client.get("/api/v1/lookup?postcode=9999ZZ&huisnummer=77")
    client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": "Geheime Groepsnaam",
            "beheerder_naam": "Pien Privé",
            "email": "pien.prive@voorbeeld.invalid",
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
    )
    text = caplog.text
    request_lines = [json.loads(line) for line in lines(caplog)]
    assert {(line["route"], line["method"]) for line in request_lines} >= {
        ("/", "GET"),
        ("/api/v1/lookup", "GET"),
        ("/groep-aanmelden/", "POST"),
    }
    for secret in ("1251", "9999", "1251KV", "pien", "voorbeeld.invalid", "Geheime", "Privé", "huisnummer"):
        assert secret.lower() not in text.lower(), secret


def test_an_unexpected_error_is_logged_with_the_id_the_error_page_shows(json_app, caplog):
    caplog.set_level(logging.INFO, LOGGER)

    def broken():
        raise RuntimeError("stuk")

    json_app.add_url_rule("/stuk", "broken", broken)
    response = json_app.test_client().get("/stuk?postcode=1251KV", headers={"Accept-Language": "en"})
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert f"quote this code: {request_id}" in page and "Traceback" not in page and "RuntimeError" not in page
    error, request = (json.loads(line) for line in lines(caplog))
    assert (error["level"], error["request_id"], error["route"]) == ("error", request_id, "/stuk")
    assert "RuntimeError: stuk" in error["exception"] and "1251KV" not in json.dumps(error)
    assert (request["request_id"], request["status"]) == (request_id, 500)


def test_the_dutch_error_page_shows_the_id_too_and_text_errors_carry_the_traceback(tmp_path, caplog):
    caplog.set_level(logging.INFO, LOGGER)
    app = make_app(tmp_path)

    def broken():
        raise RuntimeError("stuk")

    app.add_url_rule("/stuk", "broken", broken)
    response = app.test_client().get("/stuk")
    assert f"noem dan deze code: {response.headers['X-Request-ID']}" in response.get_data(as_text=True)
    (error,) = [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.ERROR]
    assert f"request_id={response.headers['X-Request-ID']}" in error
    assert "Traceback (most recent call last)" in error and error.endswith("RuntimeError: stuk")


@pytest.mark.both_databases
def test_a_failing_statement_logs_no_value_of_it(tmp_path, db_url, caplog):
    import sqlalchemy as sa

    from geo_registry.store.tables import waiting_residents

    caplog.set_level(logging.INFO)
    app = make_app(tmp_path, DATABASE_URL=db_url)

    def failing_insert():
        with app.extensions["geo_registry.engine"].begin() as conn:  # lat missing: NOT NULL refuses the row
            conn.execute(sa.insert(waiting_residents).values(email=PRIVATE, lat=None, lon=5.2, address_text=PLACE))

    app.add_url_rule("/stuk", "failing_insert", failing_insert)
    response = app.test_client().get("/stuk")
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text  # the error is there, with its statement
    assert "voorbeeld.invalid" not in caplog.text and "1251" not in caplog.text and "Privé" not in caplog.text


def test_a_new_request_id_is_32_lowercase_hex_digits_and_never_repeats(json_app):
    client = json_app.test_client()
    ids = [client.get("/api/v1/ping").headers["X-Request-ID"] for _ in range(200)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", given) for given in ids), ids[:3]
    assert len(set(ids)) == len(ids)
