"""OGC API Features Part 2 (CRS by reference): the collections in RD New (EPSG:28992), ETRS89 (EPSG:4258), WGS 84
by EPSG URI and CRS84; coordinates to the millimetre against pyproj, each CRS's own axis order, a bbox in any of
them (bbox-crs), the Content-Crs header, the CRS lists and the conformance class; an unknown CRS is a 400."""

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from geo_registry.web import settings as app_settings

ROOT = "/api/v1"
SITE = "https://buurtpreventie.example.nl"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
ETRS89 = "http://www.opengis.net/def/crs/EPSG/0/4258"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"
MM = 0.001  # a millimetre in RD New's metres
MM_IN_DEGREES = 0.001 / 111_000  # a millimetre of latitude (a degree of longitude is shorter here: stricter)


@pytest.fixture
def api(examples_app):
    app_settings.change(examples_app, PUBLIC_URL=SITE)
    return examples_app.test_client()


def links(body) -> dict:
    return {link["rel"]: link for link in body["links"]}


def expected_coordinates(feature: dict, epsg: str) -> np.ndarray:
    """The feature's CRS84 coordinates transformed by pyproj itself, in the target CRS's own axis order."""
    transformer = Transformer.from_crs("OGC:CRS84", epsg)  # not always_xy: EPSG's axis order, as OGC asks
    lon_lat = shapely.get_coordinates(shape(feature["geometry"]))
    return np.column_stack(transformer.transform(lon_lat[:, 0], lon_lat[:, 1]))


def items(api, collection: str, **query) -> dict:
    response = api.get(f"{ROOT}/collections/{collection}/items", query_string={"limit": 1000, **query})
    assert response.status_code == 200, response.get_json()
    return response


def test_conformance_declares_crs_by_reference(api):
    conforms = api.get(f"{ROOT}/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms


def test_every_collection_lists_its_crs_and_its_storage_crs(api):
    body = api.get(f"{ROOT}/collections").get_json()
    assert {CRS84, RD, ETRS89} <= set(body["crs"])  # the global list of Part 2
    for collection in body["collections"]:
        assert collection["crs"][0] == CRS84 and {CRS84, RD, ETRS89, WGS84} <= set(collection["crs"])
        assert collection["storageCrs"] == CRS84 and collection["storageCrs"] in collection["crs"]
        single = api.get(f"{ROOT}/collections/{collection['id']}").get_json()
        assert single["crs"] == collection["crs"] and single["storageCrs"] == CRS84


@pytest.mark.parametrize("collection", ["groups", "buurten"])
def test_rd_new_coordinates_agree_with_pyproj_to_the_millimetre(api, collection):
    plain = items(api, collection).get_json()["features"]
    response = items(api, collection, crs=RD)
    assert response.headers["Content-Crs"] == f"<{RD}>"
    features = response.get_json()["features"]
    assert [f["id"] for f in features] == [f["id"] for f in plain] and len(features) in (4, 10)
    for ours, original in zip(features, plain):
        got = shapely.get_coordinates(shape(ours["geometry"]))
        want = expected_coordinates(original, "EPSG:28992")
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= MM
        assert 130_000 < got[:, 0].min() and got[:, 0].max() < 160_000  # x (east) first: Laren in metres
        assert 460_000 < got[:, 1].min() and got[:, 1].max() < 490_000
        assert ours["properties"] == original["properties"]


@pytest.mark.parametrize("crs, epsg", [(ETRS89, "EPSG:4258"), (WGS84, "EPSG:4326")])
def test_etrs89_and_wgs84_by_epsg_uri_are_latitude_first(api, crs, epsg):
    plain = items(api, "buurten").get_json()["features"]
    response = items(api, "buurten", crs=crs)
    assert response.headers["Content-Crs"] == f"<{crs}>"
    for ours, original in zip(response.get_json()["features"], plain):
        got = shapely.get_coordinates(shape(ours["geometry"]))
        assert 52.2 < got[:, 0].min() and got[:, 0].max() < 52.3  # latitude first (EPSG's axis order)
        assert 5.1 < got[:, 1].min() and got[:, 1].max() < 5.3
        assert np.abs(got - expected_coordinates(original, epsg)).max() <= MM_IN_DEGREES


def test_crs84_is_the_default_and_says_so(api):
    for query in ({}, {"crs": CRS84}):
        response = items(api, "groups", **query)
        assert response.headers["Content-Crs"] == f"<{CRS84}>"
        lon, lat = shapely.get_coordinates(shape(response.get_json()["features"][0]["geometry"]))[0]
        assert 5.1 < lon < 5.3 and 52.2 < lat < 52.3
    assert "Content-Crs" in api.get(f"{ROOT}/collections/groups/items").headers["Access-Control-Expose-Headers"]


def test_a_single_item_in_rd_new(api):
    listed = {f["id"]: f for f in items(api, "groups", crs=RD).get_json()["features"]}
    response = api.get(f"{ROOT}/collections/groups/items/2", query_string={"crs": RD})
    assert response.status_code == 200 and response.headers["Content-Crs"] == f"<{RD}>"
    body = response.get_json()
    assert body["geometry"] == listed[2]["geometry"]
    assert links(body)["self"]["href"] == f"{SITE}/api/v1/collections/groups/items/2?crs={RD}"
    plain = api.get(f"{ROOT}/collections/groups/items/2")
    assert plain.headers["Content-Crs"] == f"<{CRS84}>" and plain.get_json()["geometry"] != body["geometry"]


def test_paging_in_rd_new_keeps_the_crs_in_the_next_links(api):
    url, seen = f"{ROOT}/collections/buurten/items?limit=4&crs={RD}", []
    while url:
        response = api.get(url)
        assert response.headers["Content-Crs"] == f"<{RD}>"
        body = response.get_json()
        seen += [f["id"] for f in body["features"]]
        assert all(shapely.get_coordinates(shape(f["geometry"]))[0][0] > 1000 for f in body["features"])
        url = links(body).get("next", {}).get("href")
    assert len(seen) == len(set(seen)) == 10


def rd_shapes(api) -> dict:
    return {f["id"]: shape(f["geometry"]) for f in items(api, "groups", crs=RD).get_json()["features"]}


def test_bbox_in_rd_new_returns_exactly_the_groups_whose_shape_meets_the_box(api):
    groups = rd_shapes(api)
    everything = shapely.union_all(list(groups.values()))
    x, y = groups[1].representative_point().coords[0]
    boxes = [(x - 250, y - 250, x + 250, y + 250), (100_000, 400_000, 110_000, 410_000)]
    for area in groups.values():  # inside a group's bounding box, clear of every shape: a box-only filter fails
        gap = area.envelope.difference(everything.buffer(30))
        if not gap.is_empty:
            gx, gy = gap.representative_point().coords[0]
            boxes.append((gx - 5, gy - 5, gx + 5, gy + 5))
            break
    assert len(boxes) == 3
    for box in boxes:
        for crs in (RD, CRS84):  # the answer in RD New or in CRS84: the same groups
            body = items(api, "groups", bbox=",".join(map(str, box)), **{"bbox-crs": RD, "crs": crs}).get_json()
            expected = {gid for gid, area in groups.items() if area.intersects(shapely.box(*box))}
            assert {f["id"] for f in body["features"]} == expected, (box, crs)
            assert body["numberMatched"] == len(expected)
            if body["features"]:
                assert f"bbox-crs={RD}" in links(body)["self"]["href"]
    assert 0 < len({gid for gid, a in groups.items() if a.intersects(shapely.box(*boxes[0]))}) < len(groups)


def test_bbox_in_etrs89_is_latitude_first(api):
    everything = items(api, "buurten", bbox="52.2,5.1,52.3,5.3", **{"bbox-crs": ETRS89}).get_json()
    assert everything["numberMatched"] == 10
    # The same numbers read as longitude first lie in the Indian Ocean, not in Laren.
    swapped = items(api, "buurten", bbox="5.1,52.2,5.3,52.3", **{"bbox-crs": ETRS89}).get_json()
    assert swapped["numberMatched"] == 0


@pytest.mark.parametrize(
    "query, field",
    [
        ({"crs": "EPSG:28992"}, "crs"),
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, "crs"),
        ({"crs": "<script>alert(1)</script>"}, "crs"),
        ({"crs": ""}, "crs"),
        ({"bbox-crs": "urn:ogc:def:crs:EPSG::28992", "bbox": "1,2,3,4"}, "bbox-crs"),
        ({"bbox-crs": RD, "bbox": "150000,480000,140000,470000"}, "bbox"),  # max before min
        ({"bbox-crs": RD, "bbox": "1,2,3"}, "bbox"),
        ({"bbox-crs": RD, "bbox": "1,2,3,inf"}, "bbox"),
    ],
)
def test_an_unknown_crs_or_a_bad_box_is_a_400_naming_the_parameter(api, query, field):
    response = api.get(f"{ROOT}/collections/groups/items", query_string=query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["field"] == field and problem["code"] == "bad_input"
    if field == "crs":
        assert RD in problem["detail"] and "<script>" not in problem["detail"]


def test_the_crs_messages_are_in_english_too(api):
    headers = {"Accept-Language": "en"}
    detail = api.get(f"{ROOT}/collections/groups/items?crs=EPSG:28992", headers=headers).get_json()["detail"]
    assert detail.startswith("'crs' can only be one of these coordinate reference systems:") and RD in detail
    bad_box = api.get(
        f"{ROOT}/collections/groups/items", query_string={"bbox": "1,2", "bbox-crs": ETRS89}, headers=headers
    )
    assert "latitude, longitude" in bad_box.get_json()["detail"]
    single = api.get(f"{ROOT}/collections/groups/items/1?crs=nope", headers=headers)
    assert single.status_code == 400 and single.get_json()["field"] == "crs"


def test_a_change_of_the_register_reaches_every_crs_and_the_transformers_are_made_once(api, examples_app):
    from geo_registry.spatial import crs as served_crs
    from geo_registry.web import services as app_services

    before = served_crs._from_storage.cache_info()
    assert 1 in {f["id"] for f in items(api, "groups", crs=RD).get_json()["features"]}
    items(api, "groups", crs=ETRS89)
    with examples_app.app_context():
        app_services.current().store.set_status(1, "inactive")
    # A new snapshot: its features are transformed again, with the transformers already made.
    assert 1 not in {f["id"] for f in items(api, "groups", crs=RD).get_json()["features"]}
    assert 1 not in {f["id"] for f in items(api, "groups", crs=ETRS89).get_json()["features"]}
    assert api.get(f"{ROOT}/collections/groups/items/1", query_string={"crs": RD}).status_code == 404
    after = served_crs._from_storage.cache_info()
    assert after.misses - before.misses <= 2 and after.hits > before.hits
