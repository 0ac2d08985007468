"""GDAL's OGC API Features driver (OAPIF, as QGIS uses it) reads both collections from the running app:
exactly the features of the GeoJSON downloads, and with a bbox exactly the groups that intersect it."""

import json
import subprocess
import sys

import pyogrio
import pytest
import shapely
from shapely.geometry import shape

pytestmark = pytest.mark.slow  # GDAL reads the app's API in processes of its own

# GDAL runs in its own process: while it reads it holds the GIL, which would stall the server's thread here.
READER = """
import json, sys
import pyogrio
url, layer, bbox = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
# PAGE_SIZE=3: GDAL must follow the next links to read everything (10 buurten, 4 groups).
frame = pyogrio.read_dataframe("OAPIF:" + url, layer=layer, bbox=tuple(bbox) if bbox else None, PAGE_SIZE="3")
print(frame.to_json())
"""


def gdal_read(url: str, layer: str, bbox=None) -> list[dict]:
    """The features GDAL reads from the layer, as GeoJSON features."""
    result = subprocess.run(
        [sys.executable, "-c", READER, url, layer, json.dumps(bbox)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)["features"]


def by_id(features: list[dict]) -> dict:
    return {str(f["properties"]["id"]): f for f in features}


@pytest.fixture
def downloads(live_url):
    import requests

    return {
        name: requests.get(f"{live_url}/api/v1/{name}.geojson", timeout=10).json()["features"]
        for name in ("groups", "wijken")
    }


def test_gdal_has_the_oapif_driver():
    assert "OAPIF" in pyogrio.list_drivers()


def test_gdal_lists_both_collections(live_url):
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{live_url}/api/v1")}
    assert layers == {"groups", "buurten"}


@pytest.mark.parametrize("layer, download", [("groups", "groups"), ("buurten", "wijken")])
def test_gdal_reads_exactly_the_features_of_the_download(live_url, downloads, layer, download):
    features = gdal_read(f"{live_url}/api/v1", layer)
    read = by_id(features)
    expected = {str(f["id"]): f for f in downloads[download]}
    assert sorted(str(f["properties"]["id"]) for f in features) == sorted(expected)  # each once, none more
    for feature_id, feature in expected.items():
        got = read[feature_id]
        assert {k: got["properties"][k] for k in feature["properties"]} == feature["properties"]
        assert shapely.equals_exact(
            shape(got["geometry"]).normalize(), shape(feature["geometry"]).normalize(), tolerance=1e-9
        )
    if layer == "groups":  # never a beheerder's details, whatever GDAL finds
        assert all(set(f["properties"]) <= {"id", "name", "is_example", "colour"} for f in read.values())


def test_gdal_bbox_query_returns_exactly_the_groups_that_intersect_it(live_url, downloads):
    groups = {str(f["id"]): shape(f["geometry"]) for f in downloads["groups"]}
    areas = shapely.union_all(list(groups.values()))
    # A box around one group's inside point: some groups, not all.
    x, y = next(iter(groups.values())).representative_point().coords[0]
    some = [x - 0.004, y - 0.004, x + 0.004, y + 0.004]
    # A box inside a group's bounding box but clear of every group: a server that filters by bounding
    # boxes (rather than shapes) would answer it with that group.
    empty = None
    for area in groups.values():
        gap = area.envelope.difference(areas.buffer(0.0005))
        if not gap.is_empty:
            gx, gy = gap.representative_point().coords[0]
            empty = [gx - 0.0001, gy - 0.0001, gx + 0.0001, gy + 0.0001]
            break
    assert empty is not None
    for bbox in (some, empty):
        expected = {gid for gid, area in groups.items() if area.intersects(shapely.box(*bbox))}
        assert set(by_id(gdal_read(f"{live_url}/api/v1", "groups", bbox))) == expected
    assert 0 < len({gid for gid, a in groups.items() if a.intersects(shapely.box(*some))}) < len(groups)
