"""The official NLGov API Design Rules linter (Logius's Spectral ruleset, vendored in nlgov_adr/) and
openapi-spec-validator, run on the OpenAPI document as the app serves it over HTTP: no errors, no warnings."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from openapi_spec_validator import validate

from geo_registry.web import settings as app_settings

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = ROOT / "node_modules" / ".bin" / "spectral"
OFFICIAL = Path(__file__).parent / "nlgov_adr" / "ruleset.yaml"  # Logius's, as vendored
RULESET = Path(__file__).parent / "nlgov_adr" / "project.yaml"  # the official one with OGC's bbox-crs excepted
SITE = "https://buurtpreventie.example.nl"  # a deployment's address: the ADR warns about a server on http://

pytestmark = pytest.mark.slow  # starts Node.js


def spectral(document: dict, tmp_path: Path, ruleset: Path = RULESET) -> list[dict]:
    """Spectral's findings (every severity) for document, with the ADR ruleset."""
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    for source in (OFFICIAL, RULESET):  # beside the document: an exception's file pattern is relative to its ruleset
        shutil.copy(source, tmp_path / source.name)
    result = subprocess.run(
        [str(SPECTRAL), "lint", "--ruleset", str(tmp_path / ruleset.name), "--format", "json", "--quiet", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: findings of severity error
    return json.loads(result.stdout or "[]")


@pytest.fixture
def served_document(live_url, lookup_app):
    app_settings.change(lookup_app, PUBLIC_URL=SITE, CONTACT_EMAIL="oov@laren.example")
    return requests.get(f"{live_url}/api/v1/openapi.json", timeout=10).json()


def test_the_adr_linter_finds_nothing_in_the_served_document(served_document, tmp_path):
    findings = spectral(served_document, tmp_path)
    assert [(f["code"], ".".join(map(str, f["path"])), f["message"]) for f in findings] == []


def test_the_official_ruleset_finds_only_the_parameter_name_ogc_prescribes(served_document, tmp_path):
    findings = spectral(served_document, tmp_path, OFFICIAL)
    assert [(f["code"], ".".join(map(str, f["path"]))) for f in findings] == [
        ("nlgov:query-keys-camel-case", "components.parameters.bbox-crs.name")
    ]


def test_the_linter_does_run_the_adr_rules(served_document, tmp_path):
    # The check above would pass if Spectral read no rules: here it must find what the ADR forbids (the document
    # as it was: a path with a dot, and an operation with parameters that documents no 400).
    before = json.loads(json.dumps(served_document))
    operation = before["paths"].pop("/groups-geojson")
    del operation["get"]["responses"]["400"]
    before["paths"]["/groups.geojson"] = operation
    codes = {f["code"] for f in spectral(before, tmp_path)}
    assert {"nlgov:paths-kebab-case", "nlgov:problem-invalid-input"} <= codes


def test_openapi_spec_validator_is_clean_on_the_served_document(served_document):
    validate(served_document)
