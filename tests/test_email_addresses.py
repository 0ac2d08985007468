"""An e-mail address that would break or garble a mail header is refused where it is typed, with the usual
message; before, these were accepted and went into To and Reply-To as they were."""

import json

import pytest
import sqlalchemy as sa
from helpers import csrf_token

from geo_registry.web import services as app_services

BROKEN = {
    "a\x00b@voorbeeld.nl": "NUL went raw into To and Reply-To",
    "a@voorbeeld.nl,evil.example": "two recipients in one header",
    "a;b@voorbeeld.nl": "a group separator in the header",
    "jöhn@voorbeeld.nl": "To: =?unknown-8bit?q?j=C3=B6hn?=@voorbeeld.nl, a garbled address",
    "john@vöorbeeld.nl": "the domain garbled the same way",
    "a(b)@voorbeeld.nl": "a comment in the address",
}
REFUSED = "Vul een geldig e-mailadres in"


def queued(app) -> int:
    with app.app_context():
        with app_services.current().store.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM mail_outbox")).scalar_one()


@pytest.mark.parametrize("address", list(BROKEN))
def test_a_resident_with_a_header_breaking_address_is_asked_for_a_valid_one(examples_app, address):
    web = examples_app.test_client()
    before = queued(examples_app)
    response = web.post(
        "/groep/1/aanmelden",
        data={
            "csrf_token": csrf_token(web, "/groep/1/aanmelden"),
            "naam": "Bewoner",
            "mobiel": "0612345678",
            "email": address,
        },
    )
    assert response.status_code == 400, BROKEN[address]
    assert REFUSED in response.get_data(as_text=True)
    assert queued(examples_app) == before


@pytest.mark.parametrize("address", list(BROKEN))
def test_a_beheerder_with_a_header_breaking_address_is_asked_for_a_valid_one(client, address):
    response = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": "Groep",
            "beheerder_naam": "B",
            "email": address,
            "buurten": "BU04170324",
            "actie": "controleren",
        },
    )
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)


def test_import_refuses_a_header_breaking_address(app, tmp_path, buurten):
    import shapely.geometry

    area = shapely.geometry.mapping(buurten[0].geometry.representative_point().buffer(0.001))
    features = [
        {
            "type": "Feature",
            "geometry": area,
            "properties": {"name": f"Groep {i}", "beheerder_name": "B", "beheerder_email": address},
        }
        for i, address in enumerate(BROKEN)
    ]
    path = tmp_path / "groepen.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-groups", str(path)])
    assert f"0 toegevoegd, {len(BROKEN)} geweigerd" in result.output, result.output


@pytest.mark.parametrize(
    "address", ["jan.de-vries+buurt@gemeente-laren.nl", "o'brien@voorbeeld.co.uk", "A_B@Sub.Voorbeeld.NL"]
)
def test_ordinary_addresses_are_still_welcome(examples_app, address):
    web = examples_app.test_client()
    response = web.post(
        "/groep/1/aanmelden",
        data={
            "csrf_token": csrf_token(web, "/groep/1/aanmelden"),
            "naam": "Bewoner",
            "mobiel": "0612345678",
            "email": address,
        },
    )
    assert response.status_code == 302
