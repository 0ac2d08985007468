"""The typed settings: each type parsed, each refusal naming the variable, unknown variables reported, the order
default < environment < test mapping, and docs/configuration.md in step with the code."""

import logging
from pathlib import Path

import pytest
from helpers import make_app

from geo_registry.core.config import ROOT
from geo_registry.core.errors import StartupRefused
from geo_registry.core.settings import Settings, load, markdown
from geo_registry.core.settings_doc import REGENERATE
from geo_registry.spatial.gemeenten import served_from_config
from geo_registry.web import settings as app_settings


def from_environment(tmp_path, **variables) -> Settings:
    """The settings an app in tmp_path starts with under these GEO_REGISTRY_* variables."""
    return load(tmp_path, {f"GEO_REGISTRY_{name}": value for name, value in variables.items()}).settings


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("MAIL_PORT", "587", 587),
        ("MAIL_PORT", " 2525 ", 2525),
        ("MAX_CONTENT_LENGTH", "1_000_000", 1_000_000),
        ("PDOK_TIMEOUT", "2.5", 2.5),
        ("MAIL_TIMEOUT", "3", 3.0),
        ("MAIL_TLS", "StartTLS", "starttls"),
        ("MAIL_OUTBOX", "/srv/uit", Path("/srv/uit")),
        ("GEMEENTENAAM", "Blaricum", "Blaricum"),
        ("GEMEENTENAAM", '"Eemnes"', "Eemnes"),  # a JSON string, as Flask read the environment before
        ("CONTACT_PHONE", "14035", "14035"),  # text stays text, even when it looks like a number
    ],
)
def test_each_type_is_parsed_from_the_environment(tmp_path, name, text, value):
    parsed = getattr(from_environment(tmp_path, **{name: text}), name)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("False", False), ("1", True), ("0", False), ("YES", True), ("no", False)]
    + [("ja", True), ("Nee", False), ("JA", True), (" nee ", False)],
)
def test_yes_no_settings_read_english_and_dutch_in_any_case(tmp_path, text, value):
    assert from_environment(tmp_path, TRUST_PROXY=text).TRUST_PROXY is value
    assert from_environment(tmp_path, SESSION_COOKIE_SECURE=text).SESSION_COOKIE_SECURE is value


def test_empty_numbers_yes_no_paths_and_choices_mean_the_default_and_empty_text_is_empty(tmp_path):
    settings = from_environment(
        tmp_path, MAIL_PORT="", PDOK_TIMEOUT=" ", TRUST_PROXY="", MAIL_TLS="", EXAMPLES_FILE="", PDOK_URL=""
    )
    assert (settings.MAIL_PORT, settings.PDOK_TIMEOUT, settings.TRUST_PROXY, settings.MAIL_TLS) == (
        25,
        3.0,
        False,
        "none",
    )
    assert settings.EXAMPLES_FILE == ROOT / "data" / "voorbeeldgroepen.geojson"
    assert settings.PDOK_URL == ""  # empty turns the Locatieserver off
    assert from_environment(tmp_path, BUURTEN_CACHE="").BUURTEN_CACHE is None  # no copy
    assert from_environment(tmp_path).BUURTEN_CACHE == tmp_path / "cache"


def test_defaults_in_the_instance_folder_follow_the_app(tmp_path):
    settings = from_environment(tmp_path)
    assert settings.DATABASE_URL == f"sqlite:///{tmp_path / 'geo_registry.sqlite3'}"
    assert settings.MAIL_OUTBOX == tmp_path / "outbox"


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("MAIL_PORT", "vijf", "is geen geheel getal"),
        ("CONFIRM_MAX_AGE_HOURS", "2.5", "is geen geheel getal"),
        ("PDOK_TIMEOUT", "snel", "is geen getal"),
        ("PDOK_TIMEOUT", "nan", "moet een getal van 0 of meer zijn"),
        ("JOIN_LIMIT", "-1", "moet een getal van 0 of meer zijn"),
        ("TRUST_PROXY", "misschien", "is geen ja/nee-waarde"),
        ("MAIL_TLS", "tls", "is niet een van none, starttls, ssl"),
    ],
)
def test_a_value_that_does_not_parse_stops_the_start_naming_the_variable_and_an_example(tmp_path, name, text, problem):
    with pytest.raises(StartupRefused) as refused:
        from_environment(tmp_path, **{name: text})
    message = str(refused.value)
    assert message.startswith(f"GEO_REGISTRY_{name}={text.strip()!r}: {problem}")
    assert f"(bijvoorbeeld GEO_REGISTRY_{name}=" in message


def test_a_wrong_type_in_the_test_mapping_is_refused_too(tmp_path):
    with pytest.raises(StartupRefused, match="GEO_REGISTRY_MEMBER_LIMIT=True: is geen geheel getal"):
        make_app(tmp_path, MEMBER_LIMIT=True)


def test_an_unknown_variable_is_reported_with_the_setting_it_is_closest_to(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="geo_registry.core.settings"):
        settings = from_environment(tmp_path, MAIL_PROT="587", XYZZY="1", WORKERS="2", CONTACT_EMAIL_GM0376="b@x.nl")
    assert settings.MAIL_PORT == 25  # ignored: it is not the setting it resembles
    warnings = [record.getMessage() for record in caplog.records]
    assert "Unknown setting GEO_REGISTRY_MAIL_PROT is ignored; did you mean GEO_REGISTRY_MAIL_PORT?" in warnings
    assert "Unknown setting GEO_REGISTRY_XYZZY is ignored" in warnings
    assert len(warnings) == 2  # WORKERS (read by serve) and a municipality's contact are known


def test_flask_and_extension_keys_pass_to_flask_as_before_and_a_near_miss_is_reported(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("GEO_REGISTRY_WTF_CSRF_TIME_LIMIT", "60")
    monkeypatch.setenv("GEO_REGISTRY_RATELIMIT_STORAGE_URL", "redis://elders:6379")
    with caplog.at_level(logging.WARNING, logger="geo_registry.core.settings"):
        app = make_app(tmp_path)
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 60  # read as JSON, as Flask's from_prefixed_env did
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert any("did you mean GEO_REGISTRY_RATELIMIT_STORAGE_URI?" in r.getMessage() for r in caplog.records)


def test_the_test_mapping_overrides_the_environment_which_overrides_the_default(tmp_path, monkeypatch):
    assert from_environment(tmp_path).MAIL_PORT == 25
    assert from_environment(tmp_path, MAIL_PORT="587").MAIL_PORT == 587
    assert load(tmp_path, {"GEO_REGISTRY_MAIL_PORT": "587"}, {"MAIL_PORT": 2525}).settings.MAIL_PORT == 2525
    monkeypatch.setenv("GEO_REGISTRY_JOIN_LIMIT", "7")
    monkeypatch.setenv("GEO_REGISTRY_MEMBER_LIMIT", "256")
    app = make_app(tmp_path, MEMBER_LIMIT=300)
    assert (app_settings.of(app).JOIN_LIMIT, app_settings.of(app).MEMBER_LIMIT) == (7, 300)


def test_flask_reads_its_keys_from_the_typed_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_REGISTRY_SESSION_COOKIE_SECURE", "ja")
    monkeypatch.setenv("GEO_REGISTRY_MAX_CONTENT_LENGTH", "1000")
    app = make_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["MAX_CONTENT_LENGTH"] == 1000
    assert app.test_client().post("/aanmelden", data="x" * 2000).status_code == 413


def test_derived_settings_are_made_from_the_others(tmp_path):
    assert app_settings.of(make_app(tmp_path)).WIJKEN_FILE == ROOT / "data" / "wijken.geojson"
    bel = make_app(tmp_path, GEMEENTEN="GM0417,GM0376,GM0317")
    assert app_settings.of(bel).WIJKEN_FILE == ROOT / "data" / "bel_wijken.geojson"
    assert app_settings.of(make_app(tmp_path, WIJKEN_FILE="elders.geojson")).WIJKEN_FILE == Path("elders.geojson")


def test_a_municipalitys_own_contact_comes_from_its_variable(tmp_path):
    settings = from_environment(
        tmp_path, GEMEENTEN="GM0417,GM0376", CONTACT_EMAIL="gemeente@bel.invalid", CONTACT_EMAIL_GM0376="b@bel.invalid"
    )
    contacts = {g.code: g.contact_email for g in served_from_config(settings).gemeenten}
    assert contacts == {"GM0417": "gemeente@bel.invalid", "GM0376": "b@bel.invalid"}


def test_a_change_on_a_running_app_is_parsed_and_reaches_flask(tmp_path):
    app = make_app(tmp_path)
    app_settings.change(app, JOIN_LIMIT="3", MAX_FORM_MEMORY_SIZE=200)
    assert app_settings.of(app).JOIN_LIMIT == 3 and app.config["MAX_FORM_MEMORY_SIZE"] == 200
    with pytest.raises(StartupRefused, match="GEO_REGISTRY_JOIN_LIMIT='veel'"):
        app_settings.change(app, JOIN_LIMIT="veel")


def test_the_configuration_document_is_made_from_the_settings():
    document = ROOT / "docs" / "configuration.md"
    assert document.read_text(encoding="utf-8") == markdown(), f"docs/configuration.md is out of date: {REGENERATE}"
    for name in Settings.__dataclass_fields__:
        if name != "CONTACT_PER_GEMEENTE":
            assert f"| `GEO_REGISTRY_{name}` |" in markdown()


def test_pages_read_the_typed_settings_as_settings(tmp_path):
    client = make_app(tmp_path, CONFIRM_MAX_AGE_HOURS="12").test_client()
    with client.session_transaction() as session:  # as a registration leaves it for the page after
        session["registration"] = {"name": "Hoge Naarderweg", "notes": [], "overlaps": []}
    page = client.get("/groep-aanmelden/verstuurd").get_data(as_text=True)
    assert "De link werkt 12 uur." in page
