"""Importing groups from GeoJSON: per-feature reports, refusals, and what is public."""

import json

import pytest

from geo_registry.domain.groups import GroupStore
from geo_registry.spatial.public import group_reference

pytestmark = pytest.mark.both_databases  # the group store and its imports, on SQLite and PostgreSQL


def feature(geometry, **props):
    base = {"name": "Test", "beheerder_name": "Jan", "beheerder_email": "jan@voorbeeld.invalid"}
    base.update(props)
    return {"type": "Feature", "properties": {k: v for k, v in base.items() if v is not None}, "geometry": geometry}


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[5.220, 52.252], [5.226, 52.252], [5.226, 52.256], [5.220, 52.256], [5.220, 52.252]]],
}


def write(tmp_path, features, **extra):
    path = tmp_path / "groepen.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def test_import_reports_each_feature(app, runner, tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[5.22, 52.25], [5.23, 52.26], [5.23, 52.25], [5.22, 52.26], [5.22, 52.25]]],
    }
    far_away = {"type": "Polygon", "coordinates": [[[4.0, 51.0], [4.1, 51.0], [4.1, 51.1], [4.0, 51.0]]]}
    path = write(
        tmp_path,
        [
            feature(SQUARE, name="Goede groep"),
            feature(SQUARE, name=None),
            feature(SQUARE, name="Zonder mail", beheerder_email="geen-adres"),
            feature({"type": "Point", "coordinates": [5.22, 52.25]}, name="Punt"),
            feature(bowtie, name="Strik"),
            feature(far_away, name="Ver weg"),
            feature(SQUARE, name="goede GROEP"),
            feature(SQUARE, name="Zonder beheerder", beheerder_name=None),
        ],
    )
    result = runner.invoke(args=["import-groups", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "feature 1 ('Goede groep'): toegevoegd als groep 1"
    assert "feature 2 (''): geweigerd: de eigenschap 'name' ontbreekt" in lines
    assert "feature 3 ('Zonder mail'): geweigerd: 'beheerder_email' is geen geldig e-mailadres" in lines
    assert "feature 4 ('Punt'): geweigerd: het gebied is geen vlak (Polygon of MultiPolygon) maar Point" in lines
    assert any(
        line.startswith("feature 5 ('Strik'): geweigerd: het gebied is ongeldig: Self-intersection") for line in lines
    )
    assert "feature 6 ('Ver weg'): geweigerd: het gebied ligt helemaal buiten de gemeente" in lines
    assert "feature 7 ('goede GROEP'): geweigerd: er bestaat al een groep met deze naam" in lines
    assert "feature 8 ('Zonder beheerder'): geweigerd: de eigenschap 'beheerder_name' ontbreekt" in lines
    assert lines[-1] == "1 toegevoegd, 7 geweigerd"
    with app.app_context():
        from geo_registry.web import services as app_services

        groups = app_services.current().store.list()
    assert [g.name for g in groups] == ["Goede groep"]
    assert groups[0].beheerder_email == "jan@voorbeeld.invalid" and groups[0].status == "active"


def test_import_reprojects_a_file_in_rd(app, runner, tmp_path):
    rd_square = {
        "type": "Polygon",
        "coordinates": [[[143500, 474100], [143700, 474100], [143700, 474300], [143500, 474300], [143500, 474100]]],
    }
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    result = runner.invoke(args=["import-groups", str(write(tmp_path, [feature(rd_square)], crs=crs))])
    assert "1 toegevoegd" in result.output, result.output
    with app.app_context():
        from geo_registry.web import services as app_services

        group = app_services.current().store.list()[0]
    minx, miny, _, _ = group.area.bounds
    assert 5.2 < minx < 5.25 and 52.2 < miny < 52.3


def test_unreadable_file_is_a_clear_error(runner, tmp_path):
    path = tmp_path / "kapot.geojson"
    path.write_text("{niet json")
    result = runner.invoke(args=["import-groups", str(path)])
    assert result.exit_code == 1 and "geen leesbaar GeoJSON-bestand" in result.output
    path.write_text(json.dumps({"type": "Feature"}))
    assert "geen GeoJSON FeatureCollection" in runner.invoke(args=["import-groups", str(path)]).output


def test_public_fields_never_include_beheerder_details(examples_app):
    with examples_app.app_context():
        from geo_registry.web import services as app_services

        store: GroupStore = app_services.current().store
        for group in store.list():
            public = json.dumps(group_reference(group))
            assert group.beheerder_email not in public and group.beheerder_name not in public


def test_examples_are_flagged_and_not_loaded_by_default(app, runner):
    with app.app_context():
        from geo_registry.web import services as app_services

        assert app_services.current().store.list() == []
    assert "4 toegevoegd" in runner.invoke(args=["load-examples"]).output
    with app.app_context():
        groups = app_services.current().store.list()
    assert len(groups) == 4 and all(g.is_example for g in groups)
    assert all(g.name.startswith("Voorbeeld") for g in groups)
