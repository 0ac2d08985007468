"""OGC API Features (Part 1, Core, GeoJSON) at /api/v1: landing page, conformance, collections, items with
bbox, limit and next links, single items; public properties only; clear 400/404 for hostile input."""

import pytest
import shapely
from helpers import PRIVATE_EMAILS
from shapely.geometry import shape

from geo_registry.web import settings as app_settings

ROOT = "/api/v1"
SITE = "https://buurtpreventie.example.nl"  # PUBLIC_URL: the links name the site, not the Host a client sent


@pytest.fixture
def api(examples_app):
    app_settings.change(examples_app, PUBLIC_URL=SITE)
    return examples_app.test_client()


def links(body) -> dict:
    """The first link of each relation (the JSON one, where an HTML alternative follows it)."""
    found: dict = {}
    for link in body["links"]:
        found.setdefault(link["rel"], link)
    return found


def test_landing_page_links_to_the_definition_conformance_and_collections(api):
    response = api.get(ROOT)
    assert response.status_code == 200 and response.mimetype == "application/json"
    rels = links(response.get_json())
    assert rels["service-desc"]["href"] == f"{SITE}/api/v1/openapi.json"
    assert rels["conformance"]["href"] == f"{SITE}/api/v1/conformance"
    assert rels["data"]["href"] == f"{SITE}/api/v1/collections"
    assert api.get(rels["service-desc"]["href"]).status_code == 200


def test_conformance_declares_core_and_geojson(api):
    conforms = api.get(f"{ROOT}/conformance").get_json()["conformsTo"]
    assert {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    } <= set(conforms)


def test_collections_are_the_groups_and_the_buurten(api):
    body = api.get(f"{ROOT}/collections").get_json()
    assert [c["id"] for c in body["collections"]] == ["groups", "buurten"]
    for collection in body["collections"]:
        rels = links(collection)
        assert rels["items"]["href"] == f"{SITE}/api/v1/collections/{collection['id']}/items"
        assert rels["items"]["type"] == "application/geo+json"
        minx, miny, maxx, maxy = collection["extent"]["spatial"]["bbox"][0]
        assert 5.1 < minx < maxx < 5.3 and 52.2 < miny < maxy < 52.3  # Laren, in CRS84 (lon, lat)
        assert api.get(f"{ROOT}/collections/{collection['id']}").get_json()["id"] == collection["id"]


def test_items_are_the_features_of_the_download_with_public_properties_only(api):
    response = api.get(f"{ROOT}/collections/groups/items")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    download = api.get(f"{ROOT}/groups.geojson").get_json()["features"]
    assert sorted(body["features"], key=lambda f: f["id"]) == sorted(download, key=lambda f: f["id"])
    assert body["numberMatched"] == body["numberReturned"] == 4 and "next" not in links(body)
    text = response.get_data(as_text=True)
    assert not [secret for secret in PRIVATE_EMAILS + ["Voorbeeldbeheerder"] if secret in text]


def test_next_links_page_through_every_buurt_once(api):
    url, seen, pages = f"{ROOT}/collections/buurten/items?limit=3", [], 0
    while url:
        body = api.get(url).get_json()
        assert body["numberMatched"] == 10 and body["numberReturned"] == len(body["features"]) <= 3
        seen += [f["id"] for f in body["features"]]
        url = links(body).get("next", {}).get("href")
        pages += 1
    assert pages == 4 and sorted(seen) == seen and len(set(seen)) == 10
    assert set(seen) == {f["id"] for f in api.get(f"{ROOT}/wijken.geojson").get_json()["features"]}


def test_bbox_returns_exactly_the_groups_whose_shape_intersects_it(api):
    groups = {f["id"]: shape(f["geometry"]) for f in api.get(f"{ROOT}/groups.geojson").get_json()["features"]}
    everything = shapely.union_all(list(groups.values()))
    boxes = [(5.2, 52.2, 5.3, 52.3), (5.0, 52.0, 5.1, 52.1)]
    x, y = groups[1].representative_point().coords[0]
    boxes.append((x - 0.002, y - 0.002, x + 0.002, y + 0.002))
    for area in groups.values():  # inside a group's bounding box, yet clear of every group's shape
        gap = area.envelope.difference(everything.buffer(0.0005))
        if not gap.is_empty:
            gx, gy = gap.representative_point().coords[0]
            boxes.append((gx - 0.0001, gy - 0.0001, gx + 0.0001, gy + 0.0001))
            break
    assert len(boxes) == 4
    for box in boxes:
        found = api.get(f"{ROOT}/collections/groups/items", query_string={"bbox": ",".join(map(str, box))})
        expected = {gid for gid, area in groups.items() if area.intersects(shapely.box(*box))}
        assert {f["id"] for f in found.get_json()["features"]} == expected, box


def test_bbox_in_its_3d_form_and_across_the_antimeridian(api):
    flat = api.get(f"{ROOT}/collections/buurten/items?bbox=5.1,52.2,5.3,52.3").get_json()
    solid = api.get(f"{ROOT}/collections/buurten/items?bbox=5.1,52.2,-10,5.3,52.3,100").get_json()
    assert flat["numberMatched"] == solid["numberMatched"] == 10
    # West edge east of the east edge: the box wraps round the globe and still holds Laren.
    assert api.get(f"{ROOT}/collections/buurten/items?bbox=170,52.2,5.3,52.3").get_json()["numberMatched"] == 10
    assert api.get(f"{ROOT}/collections/buurten/items?bbox=170,52.2,5.0,52.3").get_json()["numberMatched"] == 0


def test_a_single_item_and_its_links(api):
    body = api.get(f"{ROOT}/collections/buurten/items/BU04170320").get_json()
    assert body["type"] == "Feature" and body["properties"]["name"] == "Laren-Centrum"
    assert links(body)["collection"]["href"] == f"{SITE}/api/v1/collections/buurten"
    group = api.get(f"{ROOT}/collections/groups/items/1").get_json()
    assert set(group["properties"]) == {"id", "name", "is_example", "colour"}


def test_a_deactivated_group_leaves_the_collection(api, examples_app):
    from geo_registry.web import services as app_services

    with examples_app.app_context():
        app_services.current().store.set_status(1, "inactive")
    assert api.get(f"{ROOT}/collections/groups/items/1").status_code == 404
    assert 1 not in {f["id"] for f in api.get(f"{ROOT}/collections/groups/items").get_json()["features"]}


@pytest.mark.parametrize("limit", ["100000", "9" * 5000])
def test_a_limit_above_the_maximum_is_lowered_not_refused(api, limit):
    body = api.get(f"{ROOT}/collections/buurten/items?limit={limit}").get_json()
    assert body["numberReturned"] == 10 and "limit=1000" in links(body)["self"]["href"]


def test_long_runs_of_zeros_are_just_numbers(api):
    body = api.get(f"{ROOT}/collections/buurten/items?limit={'0' * 5000}2&offset={'0' * 5000}&f=json").get_json()
    assert [f["id"] for f in body["features"]] == ["BU04170320", "BU04170321"]
    assert api.get(f"{ROOT}/collections/buurten/items?offset={'9' * 5000}").get_json()["features"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=1,2,3,nan", "bbox"),
        ("bbox=5,53,6,52", "bbox"),
        ("bbox=1,2,3,4,5", "bbox"),
        ("bbox=", "bbox"),
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=１０", "limit"),
        ("offset=-5", "offset"),
        ("bbx=1,2,3,4", "bbx"),
        ("f=xml", "f"),
        ("limit=" + "0" * 5000, "limit"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(api, query, field):
    response = api.get(f"{ROOT}/collections/groups/items?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["field"] == field and problem["code"] == "bad_input" and problem["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/collections/nope",
        "/collections/nope/items",
        "/collections/groups/items/999",
        "/collections/buurten/items/BU0000",
        "/collections/groups/items/1%27%3B--",
    ],
)
def test_what_does_not_exist_is_a_404_problem(api, path):
    response = api.get(ROOT + path)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404 and response.get_json()["detail"]
