"""Hostile input is normal input: a clear 4xx in the visitor's language, never a server error."""

import html
import io
import json
import re

import pytest
from helpers import csrf_token, login

URL = "/groep-aanmelden/"
HUGE = "99999999999999999999999"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[5.200, 52.248], [5.203, 52.248], [5.203, 52.250], [5.200, 52.250], [5.200, 52.248]]],
}


def collection(**members):
    """A FeatureCollection of one good square, with the given top-level members."""
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": SQUARE}],
            **members,
        }
    )


def nested_collections(depth):
    """A GeometryCollection nested depth deep around the square."""
    return '{"type":"GeometryCollection","geometries":[' * depth + json.dumps(SQUARE) + "]}" * depth


# (file content, the Dutch message, the English message)
BAD_FILES = [
    (
        collection(crs="EPSG:4326"),
        "'crs' moet de naam van een coördinatenstelsel geven",
        "'crs' must give the name of a coordinate reference system",
    ),
    (
        collection(crs=[1, 2]),
        "'crs' moet de naam van een coördinatenstelsel geven",
        "'crs' must give the name of a coordinate reference system",
    ),
    (
        collection(crs={"properties": "x"}),
        "'crs' moet de naam van een coördinatenstelsel geven",
        "'crs' must give the name of a coordinate reference system",
    ),
    (
        json.dumps({"type": "FeatureCollection", "features": 5}),
        "'features' moet een lijst zijn",
        "'features' must be a list",
    ),
    ("[" * 1000 + "]" * 1000, "te diep genest", "nested too deeply"),
    ('{"a":' * 1000 + "1" + "}" * 1000, "te diep genest", "nested too deeply"),
    (nested_collections(500), "te diep genest", "nested too deeply"),
]


def page(response):
    return html.unescape(response.get_data(as_text=True))


def alert(response):
    """The text of the page's error message."""
    match = re.search(r'role="alert"[^>]*>(?:\s*<p>)?(.*?)</', page(response), re.S)
    return " ".join(match.group(1).split()) if match else ""


def register(client, lang="nl", **fields):
    data = {
        "csrf_token": csrf_token(client, URL),
        "naam": "Buurtapp Test",
        "beheerder_naam": "Beheerder",
        "email": "b@voorbeeld.invalid",
        "actie": "controleren",
        **fields,
    }
    return client.post(f"{URL}?lang={lang}", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    "body, dutch, english",
    BAD_FILES,
    ids=[
        "crs-text",
        "crs-list",
        "crs-properties-text",
        "features-number",
        "arrays-1000-deep",
        "objects-1000-deep",
        "collections-500-deep",
    ],
)
def test_a_malformed_upload_or_drawing_gets_a_400_naming_the_problem(client, body, dutch, english, lang):
    expected = dutch if lang == "nl" else english
    upload = register(client, lang, gebied_bestand=(io.BytesIO(body.encode()), "gebied.geojson"))
    assert upload.status_code == 400 and expected in page(upload)
    drawn = register(client, lang, gebied_getekend=body)
    assert drawn.status_code == 400 and expected in page(drawn)


def test_a_crs_that_names_a_system_is_still_read(client):
    response = register(client, gebied_getekend=collection(crs={"type": "name", "properties": {"name": "EPSG:4326"}}))
    assert response.status_code == 200 and "gebied_getekend" in page(response)


@pytest.mark.parametrize("lang, message", [("nl", "Deze pagina bestaat niet."), ("en", "This page does not exist.")])
def test_a_huge_group_number_is_a_404(client, lang, message):
    for url in (f"/groep/{HUGE}/aanmelden", f"/groep/{HUGE}/aanmelden/verstuurd"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 404 and alert(response) == message


def staff_client(app):
    app.test_cli_runner().invoke(args=["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"])
    client = app.test_client()
    assert login(client, "medewerker", "lang-genoeg-wachtwoord").status_code == 302
    return client


def test_every_number_in_a_route_may_be_huge(examples_app):
    """Each route with an <int:...> part answers a number beyond SQLite's range with 404 (was: 500)."""
    client = staff_client(examples_app)
    token = csrf_token(client, "/beheer/")
    rules = [rule for rule in examples_app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) >= 10
    for rule in rules:
        url = re.sub(r"<[^>]+>", HUGE, rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            # GET is 404; werkzeug answers a POST whose number is out of range 405 (another 4xx, fine).
            assert response.status_code in (404, 405) and alert(response), (method, url, response.status_code)


@pytest.mark.parametrize(
    "lang, message", [("nl", "Dit is geen geldig nummer (groep)"), ("en", "This is not a valid number (groep)")]
)
def test_a_change_review_with_a_non_numeric_group_is_a_400(app, lang, message):
    client = staff_client(app)
    for groep in ("abc", HUGE, "١٢", "-1"):
        response = client.post(
            f"/beheer/wijziging/999/beoordelen?lang={lang}",
            data={"csrf_token": csrf_token(client, "/beheer/"), "groep": groep, "besluit": "goedkeuren"},
        )
        assert response.status_code == 400 and message in alert(response), groep


@pytest.mark.parametrize("lang, message", [("nl", "bevat een regeleinde"), ("en", "contains a line break")])
def test_a_next_address_with_a_line_break_is_a_400(app, lang, message):
    client = staff_client(app)
    switch = client.get(f"/taal/{lang}?next=/%0d%0aSet-Cookie:%20x=1&lang={lang}")
    assert switch.status_code == 400 and message in alert(switch) and "x=1" not in switch.headers.get("Set-Cookie", "")
    logged_out = app.test_client()
    form = logged_out.get(f"/beheer/inloggen?lang={lang}&next=/beheer/%0aX")
    assert form.status_code == 400 and message in alert(form)
    posted = logged_out.post(
        f"/beheer/inloggen?lang={lang}",
        data={
            "csrf_token": csrf_token(logged_out, "/beheer/inloggen"),
            "gebruikersnaam": "medewerker",
            "wachtwoord": "lang-genoeg-wachtwoord",
            "next": "/beheer/\r\nLocation: //evil.example",
        },
    )
    assert posted.status_code == 400 and message in alert(posted)


@pytest.mark.parametrize("lang, message", [("nl", "te groot"), ("en", "too large")])
def test_a_body_over_the_limit_is_a_413_in_the_visitors_language(client, lang, message):
    from urllib3 import encode_multipart_formdata

    # Encoded here, so that the test client does not spool the body to a file it never closes.
    body, content_type = encode_multipart_formdata(
        {"csrf_token": csrf_token(client, URL), "gebied_bestand": ("groot.geojson", b"x" * (3 * 1024 * 1024))}
    )
    response = client.post(f"{URL}?lang={lang}", data=body, content_type=content_type)
    assert response.status_code == 413 and message in alert(response)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'--zz\r\nContent-Disposition: form-data; name="naam"\r\n\r\nx', "multipart/form-data; boundary=zz"),
        (b"garbage", "multipart/form-data"),
        (b"\xff\xfe\x00", "application/x-www-form-urlencoded"),
    ],
)
def test_a_malformed_form_body_is_a_4xx_with_a_message(client, body, content_type):
    response = client.post(URL, data=body, content_type=content_type)
    assert 400 <= response.status_code < 500 and alert(response)


@pytest.mark.parametrize(
    "query",
    [
        "lat=abc&lon=5.2",
        "lat=nan&lon=nan",
        "lat=1e999&lon=5",
        "lat=52.25",
        "postcode=1251KV&huisnummer=" + HUGE,
        "q=" + "a" * 5000,
    ],
)
def test_odd_api_lookups_are_400s_with_a_message(client, query):
    response = client.get(f"/api/lookup?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "body, message",
    [
        (collection(crs="EPSG:4326"), "'crs' moet de naam van een coördinatenstelsel geven"),
        (json.dumps({"type": "FeatureCollection", "features": 5}), "'features' moet een lijst zijn"),
        ("[" * 1000 + "]" * 1000, "te diep genest"),
        (collection(crs={"type": "name", "properties": {"name": "EPSG:999999"}}), "EPSG:999999"),
    ],
)
def test_import_groups_refuses_a_malformed_file_with_a_message(app, tmp_path, body, message):
    path = tmp_path / "groepen.geojson"
    path.write_text(body, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-groups", str(path)])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, (AttributeError, TypeError, RecursionError))


def test_import_groups_refuses_a_feature_whose_properties_are_not_an_object(app, tmp_path):
    path = tmp_path / "groepen.geojson"
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": "x", "geometry": SQUARE}]}
        ),
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["import-groups", str(path)])
    assert result.exit_code == 0 and "'properties' is geen object" in result.output


@pytest.mark.parametrize("lang, message", [("nl", "Het verzoek is niet geldig."), ("en", "The request is not valid.")])
def test_a_bare_bad_request_is_explained_in_the_visitors_language(app, lang, message):
    from flask import abort

    app.add_url_rule("/test-bad-request", "bad_request", lambda: abort(400))
    response = app.test_client().get(f"/test-bad-request?lang={lang}")
    assert response.status_code == 400 and alert(response).startswith(message)
