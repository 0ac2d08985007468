"""Importing a BAG extract into the local address table, and looking addresses up in it."""

import csv

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo_registry.core.errors import AddressAmbiguous, AddressNotFound, ImportRefused
from geo_registry.core.geometry import RD_NEW, WGS84, transformer
from geo_registry.lookup import AddressQuery
from geo_registry.lookup.address_import import import_addresses
from geo_registry.lookup.local import LocalAddressSource
from geo_registry.store.db import make_engine, upgrade

pytestmark = pytest.mark.both_databases  # the address table and its answers, on SQLite and PostgreSQL


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    return engine


def test_csv_with_lat_lon(engine, address_csv, places):
    report = import_addresses(engine, address_csv)
    assert (report.imported, report.refused) == (5, [])
    local = LocalAddressSource(engine)
    found = local.find(AddressQuery.from_fields("1251 kv", "12"))
    assert (found.straat, found.postcode, found.woonplaats, found.source) == ("Brink", "1251KV", "Laren", "lokaal")
    assert (found.lat, found.lon) == pytest.approx(places["centrum"])
    assert local.find(AddressQuery.from_fields("1251KV", "14", "b")).house == "14B"
    with pytest.raises(AddressAmbiguous) as caught:
        local.find(AddressQuery.from_fields("1251KV", "14"))
    assert [c.house for c in caught.value.candidates] == ["14A", "14B"]
    with pytest.raises(AddressNotFound):
        local.find(AddressQuery.from_fields("1251KV", "99"))


def test_free_text_in_the_local_table(engine, address_csv):
    import_addresses(engine, address_csv)
    local = LocalAddressSource(engine)
    assert local.find(AddressQuery.from_text("brink 12 laren")).house == "12"
    assert local.find(AddressQuery.from_text("Postiljonlaan 3")).postcode == "1251PT"
    with pytest.raises(AddressNotFound):
        local.find(AddressQuery.from_text("Brink 12 Blaricum"))


def test_suggestions_from_the_local_table(engine, address_csv):
    import_addresses(engine, address_csv)
    assert LocalAddressSource(engine).suggest("Brin") == [
        "Brink 12, 1251 KV Laren",
        "Brink 14A, 1251 KV Laren",
        "Brink 14B, 1251 KV Laren",
    ]
    assert LocalAddressSource(engine).suggest("brink 14") == ["Brink 14A, 1251 KV Laren", "Brink 14B, 1251 KV Laren"]
    assert LocalAddressSource(engine).suggest("br") == []


def test_every_address_as_points_and_streets_for_coverage(engine, address_csv, address_rows):
    """Coverage counts addresses by their points (longitude first) and the street overview groups them by
    street; an empty table has neither (coverage by area only)."""
    local = LocalAddressSource(engine)
    assert local.points() is None and local.streets() is None
    import_addresses(engine, address_csv)
    expected = sorted((row["openbare_ruimte"], round(row["lon"], 6), round(row["lat"], 6)) for row in address_rows)
    lon, lat = local.points()
    assert sorted((round(x, 6), round(y, 6)) for x, y in zip(lon, lat)) == [(x, y) for _, x, y in expected]
    names, lon, lat = local.streets()
    assert sorted((name, round(x, 6), round(y, 6)) for name, x, y in zip(names, lon, lat)) == expected


def test_suggestions_from_three_characters_and_for_streets_of_several_words(engine, tmp_path, address_rows):
    rows = [*address_rows, {**address_rows[0], "openbare_ruimte": "Sint Janstraat", "huisnummer": "4"}]
    path = tmp_path / "adressen.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import_addresses(engine, path)
    local = LocalAddressSource(engine)
    assert local.suggest("bri")[:1] == ["Brink 12, 1251 KV Laren"]
    assert local.suggest("Sint Jan") == local.suggest("sint-jans 4") == ["Sint Janstraat 4, 1251 KV Laren"]


def test_csv_with_rd_coordinates_and_bad_rows(engine, tmp_path):
    x, y = 143600.0, 474200.0
    path = tmp_path / "bag_rd.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            ["postcode", "huisnummer", "huisletter", "toevoeging", "openbareruimtenaam", "woonplaatsnaam", "x", "y"]
        )
        writer.writerow(["1251AB", "7", "", "", "Naarderstraat", "Laren", x, y])
        writer.writerow(["12AB", "8", "", "", "Naarderstraat", "Laren", x, y])
        writer.writerow(["1251AB", "nul", "", "", "Naarderstraat", "Laren", x, y])
        writer.writerow(["1251AB", "9", "", "", "Naarderstraat", "Laren", "", ""])
    report = import_addresses(engine, path)
    assert report.imported == 1
    assert report.refused == [
        "regel 3: postcode '12AB' is ongeldig",
        "regel 4: huisnummer 'nul' is ongeldig",
        "regel 5: coördinaten ontbreken of zijn ongeldig",
    ]
    found = LocalAddressSource(engine).find(AddressQuery.from_fields("1251AB", "7"))
    lon, lat = transformer(RD_NEW, WGS84).transform(x, y)
    assert (found.lat, found.lon) == pytest.approx((lat, lon))


def test_geopackage_with_points(engine, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "postcode": ["1251KV"],
            "huisnummer": [3],
            "huisletter": [None],
            "huisnummertoevoeging": ["2"],
            "openbare_ruimte": ["Brink"],
            "woonplaats": ["Laren"],
            "geometry": [Point(143600, 474200)],
        },
        crs="EPSG:28992",
    )
    path = tmp_path / "bag.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    assert import_addresses(engine, path).imported == 1
    found = LocalAddressSource(engine).find(AddressQuery.from_fields("1251KV", "3", "", "2"))
    assert found.house == "3-2" and 52.2 < found.lat < 52.3 and 5.2 < found.lon < 5.25


def test_a_failed_import_keeps_the_old_table(engine, address_csv, tmp_path):
    import_addresses(engine, address_csv)
    bad = tmp_path / "leeg.csv"
    bad.write_text("postcode,huisnummer,straat,woonplaats,lat,lon\nfout,0,,,,\n")
    with pytest.raises(ImportRefused, match="geen enkel bruikbaar adres"):
        import_addresses(engine, bad)
    wrong = tmp_path / "kolommen.csv"
    wrong.write_text("pc,nr\n1251KV,1\n")
    with pytest.raises(ImportRefused, match="mist de kolom"):
        import_addresses(engine, wrong)
    assert LocalAddressSource(engine).count() == 5


def test_cli_import_addresses(runner, address_csv):
    result = runner.invoke(args=["import-addresses", str(address_csv)])
    assert result.exit_code == 0 and "5 adressen geïmporteerd, 0 regels geweigerd" in result.output
    result = runner.invoke(args=["import-addresses", str(address_csv.parent / "nope.csv")])
    assert result.exit_code == 1 and "niet gevonden" in result.output
