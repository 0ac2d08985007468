"""The neighbourhood importer: CBS GeoJSON and WijkBuurtkaart GeoPackage into wijken.geojson."""

import json

import geopandas as gpd
import pytest
from helpers import CBS, WIJKEN_FILE
from shapely.geometry import Point, Polygon, box

from geo_registry.core.errors import ImportRefused
from geo_registry.spatial.buurten import import_buurten, load_buurten, normalise_gemeentecode

# Areas in hectares as the CBS README lists them for these shapes.
LAREN_HA = {
    "BU04170320": 64.8,
    "BU04170321": 656.8,
    "BU04170322": 50.2,
    "BU04170323": 81.8,
    "BU04170324": 3.9,
    "BU04170325": 76.3,
    "BU04170326": 30.5,
    "BU04170327": 80.3,
    "BU04170328": 91.8,
    "BU04170329": 119.3,
}


def test_real_laren_file_gives_ten_buurten_in_wgs84(tmp_path):
    target = tmp_path / "wijken.geojson"
    assert import_buurten(CBS / "laren_buurten_2025_rd.geojson", "GM0417", target) == 10
    buurten = load_buurten(target)
    assert {w.code for w in buurten} == set(LAREN_HA)
    assert {w.wijkcode for w in buurten} == {"WK041703"}
    assert {w.gemeentecode for w in buurten} == {"GM0417"}
    for buurt in buurten:
        minx, miny, maxx, maxy = buurt.geometry.bounds
        assert 5.1 < minx < maxx < 5.3 and 52.1 < miny < maxy < 52.3  # degrees, not metres
        assert buurt.area_m2 / 10_000 == pytest.approx(LAREN_HA[buurt.code], abs=0.15)
    assert next(w for w in buurten if w.code == "BU04170320").name == "Laren-Centrum"


def test_committed_wijken_file_is_what_the_importer_makes(tmp_path):
    target = tmp_path / "wijken.geojson"
    import_buurten(CBS / "laren_buurten_2025_rd.geojson", "GM0417", target)
    assert json.loads(target.read_text())["features"] == json.loads(WIJKEN_FILE.read_text())["features"]


def test_gemeentecode_filter_picks_one_municipality_from_a_mixed_file(tmp_path):
    frames = [gpd.read_file(CBS / f"{name}_buurten_2025_rd.geojson") for name in ("laren", "blaricum", "eemnes")]
    mixed = tmp_path / "bel.geojson"
    gpd.pd.concat(frames).to_file(mixed, driver="GeoJSON")
    assert import_buurten(mixed, "0376", tmp_path / "blaricum.geojson") == 9
    assert {w.gemeentecode for w in load_buurten(tmp_path / "blaricum.geojson")} == {"GM0376"}
    with pytest.raises(ImportRefused, match="GM0999"):
        import_buurten(mixed, "GM0999", tmp_path / "none.geojson")


def write_gpkg(path, rows, layer="buurten", crs="EPSG:28992"):
    """Write a GeoPackage in CBS's WijkBuurtkaart layout."""
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def buurt(code, name, geom, gemeente="GM0417"):
    return {
        "buurtcode": code,
        "buurtnaam": name,
        "wijkcode": "WK" + code[2:8],
        "gemeentecode": gemeente,
        "gemeentenaam": "Laren" if gemeente == "GM0417" else "Elders",
        "geometry": geom,
    }


def test_wijkbuurtkaart_geopackage_is_filtered_and_reprojected(tmp_path):
    rows = [
        buurt("BU04170001", "West", box(143000, 474000, 143500, 474500)),
        buurt("BU04170002", "Oost", box(143500, 474000, 144000, 474500)),
        buurt("BU03760001", "Elders", box(150000, 474000, 150500, 474500), "GM0376"),
    ]
    source = write_gpkg(tmp_path / "WijkBuurtkaart_2025.gpkg", rows)
    target = tmp_path / "wijken.geojson"
    assert import_buurten(source, "GM0417", target) == 2
    west, oost = load_buurten(target)
    assert (west.name, west.wijkcode, oost.name) == ("West", "WK041700", "Oost")
    assert west.area_m2 == pytest.approx(250_000, rel=1e-3)
    # RD (143000, 474000) lies in Laren at about 52.25 N, 5.21 E.
    assert west.geometry.bounds[0] == pytest.approx(5.21, abs=0.02)
    assert west.geometry.bounds[1] == pytest.approx(52.25, abs=0.02)
    properties = json.loads(target.read_text())["features"][0]["properties"]
    assert properties["gemeentenaam"] == "Laren"


@pytest.mark.parametrize(
    "geom, message",
    [
        (Point(143000, 474000), "BU04170002 \\(Fout\\) is geen vlak"),
        (
            Polygon([(143000, 474000), (143500, 474500), (143500, 474000), (143000, 474500)]),
            "BU04170002 \\(Fout\\) heeft een ongeldige vorm",
        ),
        (box(143400, 474000, 143900, 474500), "BU04170001 \\(Goed\\) overlapt buurt BU04170002 \\(Fout\\)"),
    ],
)
def test_bad_shapes_are_refused_naming_the_feature(tmp_path, geom, message):
    rows = [buurt("BU04170001", "Goed", box(142500, 474000, 143000, 474500)), buurt("BU04170002", "Fout", geom)]
    if "overlapt" in message:
        rows[0]["geometry"] = box(143000, 474000, 143500, 474500)
    source = write_gpkg(tmp_path / "wbk.gpkg", rows)
    target = tmp_path / "wijken.geojson"
    with pytest.raises(ImportRefused, match=message):
        import_buurten(source, "GM0417", target)
    assert not target.exists()  # nothing half-written


def test_buurten_that_only_touch_are_accepted(tmp_path):
    rows = [
        buurt("BU04170001", "A", box(143000, 474000, 143500, 474500)),
        buurt("BU04170002", "B", box(143500, 474000, 144000, 474500)),
    ]
    assert import_buurten(write_gpkg(tmp_path / "t.gpkg", rows), "GM0417", tmp_path / "w.geojson") == 2


def test_a_file_without_cbs_fields_or_buurten_layer_is_refused(tmp_path):
    other = gpd.GeoDataFrame({"naam": ["x"], "geometry": [box(0, 0, 1, 1)]}, crs="EPSG:28992")
    other.to_file(tmp_path / "other.geojson", driver="GeoJSON")
    with pytest.raises(ImportRefused, match="velden"):
        import_buurten(tmp_path / "other.geojson", "GM0417", tmp_path / "w.geojson")
    other.to_file(tmp_path / "other.gpkg", layer="wegen", driver="GPKG")
    with pytest.raises(ImportRefused, match="laag 'buurten'"):
        import_buurten(tmp_path / "other.gpkg", "GM0417", tmp_path / "w.geojson")
    with pytest.raises(ImportRefused, match="niet gevonden"):
        import_buurten(tmp_path / "missing.geojson", "GM0417", tmp_path / "w.geojson")


@pytest.mark.parametrize(
    "raw, expected", [("GM0417", "GM0417"), ("417", "GM0417"), ("0417", "GM0417"), ("gm0376", "GM0376")]
)
def test_gemeentecode_forms(raw, expected):
    assert normalise_gemeentecode(raw) == expected


def test_cli_import_wijken_writes_the_configured_file(tmp_path):
    from helpers import make_app

    target = tmp_path / "mijn_wijken.geojson"
    app = make_app(tmp_path, WIJKEN_FILE=str(target))
    result = app.test_cli_runner().invoke(args=["import-wijken", str(CBS / "laren_buurten_2025_rd.geojson")])
    assert result.exit_code == 0, result.output
    assert "10 buurten van GM0417" in result.output
    assert len(load_buurten(target)) == 10
    bad = app.test_cli_runner().invoke(args=["import-wijken", str(tmp_path / "nope.geojson")])
    assert bad.exit_code == 1 and "niet gevonden" in bad.output
