"""A group's fields are cleaned and checked the same way whichever way they arrive: the registration form, the
staff's edit, import-groups and the copy to PostgreSQL (issue 22, point 17)."""

from __future__ import annotations

import json

import pytest
import shapely
import sqlalchemy as sa
from helpers import csrf_token, login

from geo_registry.domain.groups import Group
from geo_registry.web import services as app_services

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[5.220, 52.252], [5.226, 52.252], [5.226, 52.256], [5.220, 52.256], [5.220, 52.252]]],
}
# (the import's property, the form's field, a value both must refuse, words of the form's message)
HOSTILE = [
    ("description", "toelichting", "Een toelichting met een NUL\x00 erin", "stuurtekens"),
    ("description", "toelichting", "Escape \x1b[31mrood", "stuurtekens"),
    ("description", "toelichting", "x" * 501, "hoogstens 500"),
    ("name", "naam", "Groep\x00Brink", "stuurtekens"),
    ("name", "naam", "G" * 121, "hoogstens 120"),
    ("beheerder_name", "beheerder_naam", "Jan\x07", "stuurtekens"),
    ("beheerder_phone", "mobiel", "bel maar naar het gemeentehuis", "mobiel nummer"),
    ("beheerder_phone", "mobiel", "020 1234567", "mobiel nummer"),
]
VALID = {"name": "Goed", "beheerder_name": "Jan", "beheerder_email": "jan@voorbeeld.invalid"}


def feature(**props) -> dict:
    """A group feature: VALID with these properties over it."""
    return {"type": "Feature", "properties": {**VALID, **props}, "geometry": SQUARE}


def import_file(app, tmp_path, features: list[dict]):
    """Run import-groups on a file of these features; return the command's result."""
    path = tmp_path / "groepen.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import-groups", str(path)])


def stored(app) -> dict:
    """The stored groups by name."""
    with app.app_context():
        return {g.name: g for g in app_services.current().store.list()}


@pytest.mark.both_databases
def test_import_refuses_each_bad_row_naming_row_and_field_and_imports_the_rest(app, tmp_path):
    features = [feature(name="Eerste", beheerder_phone="06 12 34 56 78", description="  Gewoon.  ")]
    features += [feature(**{"name": f"Fout {n}", prop: value}) for n, (prop, _f, value, _w) in enumerate(HOSTILE)]
    features.append(feature(name="Laatste"))
    result = import_file(app, tmp_path, features)
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "Traceback" not in result.output and "DataError" not in result.output
    lines = result.output.splitlines()
    for number, (prop, _field, _value, _words) in enumerate(HOSTILE, start=2):
        [line] = [line for line in lines if line.startswith(f"feature {number} (")]
        assert f"geweigerd: de eigenschap '{prop}': " in line, line
    assert lines[-1] == f"2 toegevoegd, {len(HOSTILE)} geweigerd"
    groups = stored(app)
    assert set(groups) == {"Eerste", "Laatste"}
    # Cleaned as the form cleans: the mobile number in one form, the description without the spaces around it.
    assert groups["Eerste"].beheerder_phone == "+31612345678" and groups["Eerste"].description == "Gewoon."


@pytest.mark.both_databases
def test_a_nul_in_description_on_its_own_leaves_the_valid_groups_of_the_file_imported(app, tmp_path):
    result = import_file(
        app, tmp_path, [feature(name="Voor"), feature(name="Kapot", description="a\x00b"), feature(name="Na")]
    )
    assert result.exit_code == 0, result.output
    assert "feature 2 ('Kapot'): geweigerd: de eigenschap 'description': " in result.output
    assert set(stored(app)) == {"Voor", "Na"}


@pytest.mark.parametrize("prop, field, value, words", HOSTILE)
def test_the_registration_form_refuses_what_the_import_refuses(client, prop, field, value, words):
    form = {"naam": "Goed", "beheerder_naam": "Jan", "email": "jan@voorbeeld.invalid", "buurten": "BU04170324"}
    answer = client.post(
        "/groep-aanmelden/",
        data={"csrf_token": csrf_token(client, "/groep-aanmelden/"), **form, field: value, "actie": "controleren"},
    )
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)


def test_the_staff_edit_refuses_what_the_import_refuses(mail_app, staff_user):
    web = mail_app.test_client()
    assert login(web, *staff_user).status_code == 302
    page = "/beheer/groep/1/bewerken"
    before = stored(mail_app)
    details = {
        "naam": "Brink",
        "beheerder_naam": "Jan",
        "email": "jan@voorbeeld.invalid",
        "mobiel": "",
        "toelichting": "",
    }
    for _prop, field, value, words in HOSTILE:
        answer = web.post(page, data={"csrf_token": csrf_token(web, page), **details, field: value})
        assert answer.status_code == 400 and words in answer.get_data(as_text=True), (field, value)
    assert {name: g.description for name, g in stored(mail_app).items()} == {
        name: g.description for name, g in before.items()
    }


def test_copy_to_postgresql_refuses_a_nul_naming_table_row_and_column_and_copies_nothing(app, empty_postgresql_url):
    # A NUL stored before these checks (SQLite keeps one): the copy names it instead of a psycopg traceback.
    with app.app_context():
        store = app_services.current().store
        good = store.add(Group(None, "Goed", shapely.box(5.220, 52.252, 5.226, 52.256), "Jan", "jan@voorbeeld.invalid"))
        bad = store.add(Group(None, "Kapot", shapely.box(5.220, 52.252, 5.226, 52.256), "Jan", "jan@voorbeeld.invalid"))
    with app.extensions["geo_registry.engine"].begin() as conn:
        conn.execute(sa.text("UPDATE groups SET description = :d WHERE id = :id"), {"d": "a\x00b", "id": bad})
    result = app.test_cli_runner().invoke(args=["copy-to-postgresql", "--target", empty_postgresql_url])
    assert result.exit_code == 1, result.output
    assert f"tabel groups, rij {bad}, kolom description" in result.output and "NUL" in result.output
    assert f"rij {good}," not in result.output
    assert "Traceback" not in result.output and "DataError" not in result.output
    target = sa.create_engine(empty_postgresql_url)
    try:
        with target.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM groups")).scalar_one() == 0  # rolled back
    finally:
        target.dispose()
