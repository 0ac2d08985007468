"""Settings: defaults, then GEO_REGISTRY_* environment, then the test mapping."""

from geo_registry import create_app
from geo_registry.web import settings as app_settings


def test_environment_overrides_defaults_and_test_config_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("GEO_REGISTRY_TILES", "none")
    monkeypatch.setenv("GEO_REGISTRY_PDOK_URL", "")
    monkeypatch.setenv("GEO_REGISTRY_GEMEENTENAAM", "Blaricum")
    app = create_app({"SECRET_KEY": "x", "GEMEENTENAAM": "Eemnes"})
    assert app_settings.of(app).DATABASE_URL.endswith("env.sqlite3")
    assert (tmp_path / "env.sqlite3").exists()
    assert app_settings.of(app).TILES == "none" and app_settings.of(app).PDOK_URL == ""
    assert app_settings.of(app).GEMEENTENAAM == "Eemnes"
    assert app_settings.of(app).GEMEENTECODE == "GM0417"  # the default municipality


def test_municipality_is_a_setting(tmp_path):
    from helpers import DATA, make_app

    app = make_app(tmp_path, GEMEENTENAAM="Proefdorp", WIJKEN_FILE=str(DATA / "tiny_buurten.geojson"))
    page = app.test_client().get("/overzicht").get_data(as_text=True)
    assert "Proefdorp heeft 2 buurten" in page and "West" in page and "Oost" in page
    answer = app.test_client().get("/api/lookup?lat=52.255&lon=5.205").get_json()
    assert answer["wijk"]["name"] == "West"


def test_missing_wijken_file_is_a_clear_error(tmp_path):
    from helpers import make_app

    app = make_app(tmp_path, WIJKEN_FILE=str(tmp_path / "geen.geojson"))
    response = app.test_client().get("/overzicht")
    assert response.status_code == 500 and "buurtenbestand ontbreekt" in response.get_data(as_text=True)
