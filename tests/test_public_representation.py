"""One public representation of a group and a buurt (spatial.public), used by every public channel: no channel
shows a beheerder's e-mail address, phone number or name, and one that would, because a private field was added
to the representation, is caught; the OpenAPI document names exactly the fields the API emits."""

import json
import math

import pytest
from helpers import inside, login

from geo_registry.domain.groups import PUBLIC_FIELDS
from geo_registry.spatial import public

EMAIL, PHONE, NAME = "geheim.adres@voorbeeld.invalid", "+31687654321", "Geheime Gerda"
# The phone as it may be written anywhere: +31687654321, 0687654321, 06 87654321, 06-87654321 all hold this.
SECRETS = (EMAIL, NAME, "87654321")
GROUP_NAME = "Privacyproef Postiljon"
STAFF = ("medewerker", "lang-genoeg-wachtwoord")


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    """The z/x/y of the web-map tile that holds (lat, lon)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture
def register(lookup_app, buurten):
    """lookup_app (the example groups, addresses) with one more active group, over Postiljon, whose beheerder has a
    known e-mail address and phone number; and a staff account. Returns (app, group id)."""
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.domain.groups import Group, GroupStatus
    from geo_registry.web import services as app_services

    with lookup_app.app_context():
        store = app_services.current().store
        area = area_from_buurten([b.code for b in buurten if b.name == "Postiljon"], buurten)
        group = Group(None, GROUP_NAME, area, NAME, EMAIL, PHONE, "Voor de Postiljonlaan", GroupStatus.ACTIVE)
        group_id = store.add(group)
    result = lookup_app.test_cli_runner().invoke(args=["create-staff", STAFF[0], "--password", STAFF[1]])
    assert "aangemaakt" in result.output, result.output
    return lookup_app, group_id


def nearby_point(client, buurten) -> tuple[float, float]:
    """A point in a buurt that no group covers, with the test's group among the groups nearby."""
    for buurt in buurten:
        lat, lon = inside(buurten, buurt.name)
        answer = client.get(f"/api/v1/lookup?lat={lat}&lon={lon}").get_json()
        if GROUP_NAME in [g["name"] for g in answer["nearby_groups"]]:
            return lat, lon
    raise AssertionError("no buurt near the test group without a group of its own")


def channels(app, group_id: int, buurten) -> dict[str, str]:
    """Every public channel that shows the group (and the staff export of public properties), by name: the body
    a visitor (or a client of the API) gets."""
    client = app.test_client()
    lat, lon = inside(buurten, "Postiljon")
    near_lat, near_lon = nearby_point(client, buurten)
    z, x, y = tile_of(lat, lon, 14)
    urls = {
        "home page (embedded map)": "/",
        "home page with an answer": f"/?lat={lat}&lon={lon}",
        "answer fragment": f"/antwoord?lat={lat}&lon={lon}",
        "overview": "/overzicht",
        "join page": f"/groep/{group_id}/aanmelden",
        "poster": f"/groep/{group_id}/poster",
        "map tile": f"/kaart/tegels/{z}/{x}/{y}.json",
        "api groups": "/api/v1/groups.geojson",
        "api groups (unversioned)": "/api/groups.geojson",
        "api buurten": "/api/v1/wijken.geojson",
        "api lookup (point)": f"/api/v1/lookup?lat={lat}&lon={lon}",
        "api lookup (address)": "/api/v1/lookup?postcode=1251PT&huisnummer=3",
        "api lookup (nearby)": f"/api/v1/lookup?lat={near_lat}&lon={near_lon}",
        "ogc landing": "/api/v1",
        "ogc collections": "/api/v1/collections",
        "ogc groups": "/api/v1/collections/groups",
        "ogc group items": "/api/v1/collections/groups/items",
        "ogc group item": f"/api/v1/collections/groups/items/{group_id}",
        "ogc buurt items": "/api/v1/collections/buurten/items",
        "openapi": "/api/v1/openapi.json",
    }
    bodies = {}
    for channel, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (channel, response.status_code)
        bodies[channel] = response.get_data(as_text=True)
    staff = app.test_client()
    login(staff, *STAFF)
    export = staff.get("/beheer/export/gebieden.geojson")
    assert export.status_code == 200
    bodies["staff export of the areas"] = export.get_data(as_text=True)
    return bodies


def leaks(bodies: dict[str, str]) -> dict[str, list[str]]:
    """The channels whose body holds one of the beheerder's details, with the details found."""
    found = {channel: [s for s in SECRETS if s in body] for channel, body in bodies.items()}
    return {channel: secrets for channel, secrets in found.items() if secrets}


# The channels that carry the group itself (not only its name): each builds on spatial.public.
CARRY_THE_GROUP = {
    "home page (embedded map)",
    "map tile",
    "api groups",
    "api groups (unversioned)",
    "ogc group items",
    "ogc group item",
    "staff export of the areas",
}
NAME_THE_GROUP = {"api lookup (point)", "api lookup (address)", "api lookup (nearby)"}


def test_no_public_channel_shows_the_beheerders_email_phone_or_name(register, buurten):
    app, group_id = register
    bodies = channels(app, group_id, buurten)
    # Each channel that should show the group does (else the check below would prove nothing about it).
    shown = {channel for channel, body in bodies.items() if GROUP_NAME in body}
    assert CARRY_THE_GROUP | NAME_THE_GROUP | {"poster", "join page", "overview"} <= shown, shown
    assert leaks(bodies) == {}


def test_a_private_field_added_to_the_representation_shows_in_every_channel_that_carries_the_group(
    register, buurten, monkeypatch
):
    """The check above fails when a private field joins the public ones: every channel carries what spatial.public
    defines (a group's properties; a lookup its reference), none defines the fields again."""
    app, group_id = register
    contact = public.PublicField("contact", "beheerder_email", {"type": "string"})
    monkeypatch.setattr(public, "GROUP_FIELDS", (*public.GROUP_FIELDS, contact))
    leaked = leaks(channels(app, group_id, buurten))
    assert CARRY_THE_GROUP | NAME_THE_GROUP <= set(leaked), leaked
    # And the API document then describes it, as it describes every public field.
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "contact" in spec["components"]["schemas"]["GroupProperties"]["properties"]


def test_the_public_fields_are_read_from_fields_whose_change_refreshes_the_map():
    """A change to a field the representation reads must reach every process's snapshot (domain.groups
    PUBLIC_FIELDS bumps the version); the beheerder's details are none of them."""
    sources = {f.source for f in public.GROUP_FIELDS}
    assert sources <= PUBLIC_FIELDS | {"id"}, sources - PUBLIC_FIELDS
    assert not any(source.startswith("beheerder") for source in sources)


JSON_TYPES = {"integer": int, "string": str, "boolean": bool}


def assert_follows(properties: dict, schema: dict, where: str) -> None:
    """properties has exactly the schema's properties, each of the schema's JSON type."""
    assert set(properties) == set(schema["properties"]) == set(schema["required"]), (where, properties)
    for name, value in properties.items():
        expected = JSON_TYPES[schema["properties"][name]["type"]]
        assert isinstance(value, expected) and not (expected is int and isinstance(value, bool)), (where, name)


def test_the_api_document_names_exactly_the_fields_each_channel_emits(register, buurten):
    app, group_id = register
    client = app.test_client()
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    group_schema, buurt_schema = schemas["GroupProperties"], schemas["BuurtProperties"]
    assert {f.name for f in public.GROUP_FIELDS} == set(group_schema["properties"])
    assert {f.name for f in public.BUURT_FIELDS} == set(buurt_schema["properties"])
    for url in ("/api/v1/groups.geojson", "/api/v1/collections/groups/items"):
        for feature in client.get(url).get_json()["features"]:
            assert_follows(feature["properties"], group_schema, url)
    for url in ("/api/v1/wijken.geojson", "/api/v1/collections/buurten/items?limit=1000"):
        for feature in client.get(url).get_json()["features"]:
            assert_follows(feature["properties"], buurt_schema, url)
    item = client.get(f"/api/v1/collections/groups/items/{group_id}").get_json()
    assert_follows(item["properties"], group_schema, "item")
    # The map's tiles carry the same properties, with the kind of feature on top.
    lat, lon = inside(buurten, "Postiljon")
    tile = json.loads(client.get("/kaart/tegels/{}/{}/{}.json".format(*tile_of(lat, lon, 14))).get_data())
    kinds = {"group": group_schema, "buurt": buurt_schema}
    assert {f["properties"]["kind"] for f in tile["features"]} == set(kinds)
    for feature in tile["features"]:
        properties = dict(feature["properties"])
        assert_follows(properties, kinds[properties.pop("kind")], "tile")
    # A lookup names groups and buurten by their references; nearby groups add their distance.
    answer = client.get(f"/api/v1/lookup?lat={lat}&lon={lon}").get_json()
    assert answer["groups"] and answer["wijk"]
    for group in answer["groups"]:
        assert_follows(group, schemas["GroupRef"], "lookup group")
    for buurt in [answer["wijk"], *answer["wijken"]]:
        assert_follows(buurt, schemas["WijkRef"], "lookup buurt")
    nearby = client.get("/api/v1/lookup?lat={}&lon={}".format(*nearby_point(client, buurten))).get_json()
    for group in nearby["nearby_groups"]:
        assert_follows(group, schemas["NearbyGroup"], "nearby group")
