"""GDAL's OGC API Features driver (as QGIS uses it) reads both collections in RD New (EPSG:28992) and ETRS89
(EPSG:4258) from the running app: every feature once, and each coordinate agrees with pyproj's transformation of
the CRS84 download to the millimetre; a bbox in RD New gives exactly the groups whose shape meets it."""

import json
import subprocess
import sys

import numpy as np
import pytest
import requests
import shapely
from pyproj import Transformer
from shapely.geometry import shape

pytestmark = pytest.mark.slow  # GDAL reads the app's API in processes of its own

# In a process of its own: GDAL holds the GIL while it reads, which would stall the server's thread here.
READER = """
import json, sys
import pyogrio
url, layer, crs, bbox = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
# CRS= is the driver's open option QGIS sets too; PAGE_SIZE=3 makes it follow the next links.
frame = pyogrio.read_dataframe(
    "OAPIF:" + url, layer=layer, bbox=tuple(bbox) if bbox else None, CRS=crs, PAGE_SIZE="3"
)
print(json.dumps({"crs": frame.crs.to_string(), "features": json.loads(frame.to_json())["features"]}))
"""
MM = 0.001
MM_IN_DEGREES = 0.001 / 111_000


def gdal_read(url: str, layer: str, crs: str, bbox=None) -> dict:
    """What GDAL reads of the layer in crs: its CRS and its features as GeoJSON (in GDAL's x/y order)."""
    result = subprocess.run(
        [sys.executable, "-c", READER, url, layer, crs, json.dumps(bbox)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.fixture
def downloads(live_url):
    return {
        layer: {
            str(f["id"]): f for f in requests.get(f"{live_url}/api/v1/{name}.geojson", timeout=10).json()["features"]
        }
        for layer, name in (("groups", "groups"), ("buurten", "wijken"))
    }


def pyproj_xy(feature: dict, epsg: str) -> np.ndarray:
    """The download's CRS84 coordinates transformed by pyproj, as x/y (east, north: GDAL's traditional order)."""
    lon_lat = shapely.get_coordinates(shape(feature["geometry"]))
    x, y = Transformer.from_crs("OGC:CRS84", epsg, always_xy=True).transform(lon_lat[:, 0], lon_lat[:, 1])
    return np.column_stack([x, y])


@pytest.mark.parametrize("crs, tolerance", [("EPSG:28992", MM), ("EPSG:4258", MM_IN_DEGREES)])
@pytest.mark.parametrize("layer", ["groups", "buurten"])
def test_gdal_reads_every_feature_in_rd_new_and_etrs89_to_the_millimetre(live_url, downloads, layer, crs, tolerance):
    read = gdal_read(f"{live_url}/api/v1", layer, crs)
    assert read["crs"] == crs
    features = {str(f["properties"]["id"]): f for f in read["features"]}
    assert sorted(str(f["properties"]["id"]) for f in read["features"]) == sorted(downloads[layer])
    for feature_id, original in downloads[layer].items():
        got = shapely.get_coordinates(shape(features[feature_id]["geometry"]))
        want = pyproj_xy(original, crs)
        assert got.shape == want.shape and np.abs(got - want).max() <= tolerance, feature_id


def test_gdal_bbox_in_rd_new_returns_exactly_the_groups_that_meet_it(live_url, downloads):
    to_rd = Transformer.from_crs("OGC:CRS84", "EPSG:28992", always_xy=True).transform
    groups = {
        gid: shapely.transform(shape(f["geometry"]), to_rd, interleaved=False) for gid, f in downloads["groups"].items()
    }
    x, y = next(iter(groups.values())).representative_point().coords[0]
    box = [x - 300, y - 300, x + 300, y + 300]
    expected = {gid for gid, area in groups.items() if area.intersects(shapely.box(*box))}
    read = gdal_read(f"{live_url}/api/v1", "groups", "EPSG:28992", box)
    assert {str(f["properties"]["id"]) for f in read["features"]} == expected
    assert 0 < len(expected) < len(groups)
