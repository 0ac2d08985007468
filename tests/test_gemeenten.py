"""Several municipalities in one register: Laren, Blaricum and Eemnes (the BEL Combinatie) served together."""

import csv
import io
import json
import re
import time

import geopandas as gpd
import pytest
import shapely
from fakes import FakeLocatieserver, pdok_doc
from helpers import CBS, csrf_token, login, make_app

from geo_registry.domain.groups import Group
from geo_registry.web import services as app_services

BEL = "GM0417,GM0376,GM0317"
FILES = {"GM0417": "laren", "GM0376": "blaricum", "GM0317": "eemnes"}


def cbs_point(gemeentecode: str, name: str) -> tuple[float, float]:
    """(lat, lon) of a point inside the named buurt, taken from the official CBS file (RD New) itself."""
    frame = gpd.read_file(CBS / f"{FILES[gemeentecode]}_buurten_2025_rd.geojson").to_crs("EPSG:4326")
    point = frame[frame["statnaam"] == name].geometry.iloc[0].representative_point()
    return point.y, point.x


def buurt_area(app, *codes):
    """The union of the named buurten of the running app, as a group's area."""
    with app.app_context():
        return shapely.union_all([b.geometry for b in app_services.current().buurten if b.code in codes])


def add_group(app, name, area) -> int:
    """Put an active group straight into the register."""
    with app.app_context():
        return app_services.current().store.add(Group(None, name, area, "Bea Beheer", "bea@voorbeeld.invalid"))


@pytest.fixture
def bel_app(tmp_path, db_url):
    """An app serving the three BEL municipalities from the shipped buurten file, with a group in each."""
    app = make_app(tmp_path, DATABASE_URL=db_url, GEMEENTEN=BEL, CONTACT_EMAIL_GM0317="eemnes@voorbeeld.invalid")
    add_group(app, "Buurtapp Centrum Laren", buurt_area(app, "BU04170320"))
    add_group(app, "Blaricum-Dorp Alert", buurt_area(app, "BU03760102"))
    add_group(app, "Eemnes Noordbuurt Let Op", buurt_area(app, "BU03170217"))
    return app


@pytest.mark.both_databases
@pytest.mark.parametrize(
    "code, buurt, group, gemeente",
    [
        ("GM0417", "Laren-Centrum", "Buurtapp Centrum Laren", "Laren"),
        ("GM0376", "Blaricum-Dorp", "Blaricum-Dorp Alert", "Blaricum"),
        ("GM0317", "Noordbuurt", "Eemnes Noordbuurt Let Op", "Eemnes"),
    ],
)
def test_a_point_in_each_municipality_gets_its_group_and_names_the_municipality(bel_app, code, buurt, group, gemeente):
    lat, lon = cbs_point(code, buurt)
    page = bel_app.test_client().get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)
    assert "niet in" not in page
    assert f'<span class="label">Gemeente:</span> {gemeente}</p>' in page
    assert buurt in page and group in page
    assert bel_app.test_client().get(f"/api/v1/lookup?lat={lat}&lon={lon}").get_json()["in_gemeente"] is True


def test_a_point_outside_all_three_is_outside_and_the_answer_names_all_three(bel_app):
    page = bel_app.test_client().get("/antwoord?lat=52.2550&lon=6.1600").get_data(as_text=True)  # Deventer
    assert "Dit punt ligt niet in Blaricum, Eemnes of Laren." in page
    english = bel_app.test_client().get("/antwoord?lat=52.2550&lon=6.1600&lang=en").get_data(as_text=True)
    assert "This point is not in Blaricum, Eemnes or Laren." in english


def test_an_address_in_blaricum_from_pdok_gets_blaricums_group(tmp_path, db_url):
    lat, lon = 52.2790, 5.2480  # Torenlaan, Blaricum: in buurt Blaricum-Dorp
    docs = [pdok_doc("Torenlaan", 5, "1261AA", "Blaricum", lat, lon, gemeentenaam="Blaricum", gemeentecode="0376")]
    with FakeLocatieserver(docs) as pdok:
        laren = make_app(tmp_path / "laren", PDOK_URL=pdok.url, DATABASE_URL=f"sqlite:///{tmp_path / 'l.db'}")
        before = laren.test_client().get("/?postcode=1261AA&huisnummer=5").get_data(as_text=True)
        assert "Dit adres ligt in de gemeente Blaricum, niet in Laren." in before  # Laren alone: outside
        app = make_app(tmp_path, PDOK_URL=pdok.url, DATABASE_URL=db_url, GEMEENTEN=BEL)
        add_group(app, "Blaricum-Dorp Alert", buurt_area(app, "BU03760102"))
        page = app.test_client().get("/?postcode=1261AA&huisnummer=5").get_data(as_text=True)
        asked = pdok.requests[-1][1]
    assert "Torenlaan 5" in page
    assert "Blaricum-Dorp Alert" in page and '<span class="label">Gemeente:</span> Blaricum</p>' in page
    assert "niet in" not in page
    assert sorted(asked["bq"]) == ["gemeentecode:0317^2", "gemeentecode:0376^2", "gemeentecode:0417^2"]


def test_a_group_without_one_in_eemnes_gets_eemnes_own_contact(bel_app):
    lat, lon = cbs_point("GM0317", "Zuidbuurt")  # no group there
    page = bel_app.test_client().get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)
    assert "Er is nog geen WhatsApp-groep op deze plek." in page  # a point on the map, not an address
    assert "mailto:eemnes@voorbeeld.invalid" in page and "veiligheid@belcombinatie.nl" not in page
    lat, lon = cbs_point("GM0376", "Crailo")
    page = bel_app.test_client().get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)
    assert "mailto:veiligheid@belcombinatie.nl" in page  # BEL's by default


def test_titles_name_the_deployment_and_a_setting_names_it_otherwise(bel_app, tmp_path):
    page = bel_app.test_client().get("/").get_data(as_text=True)
    assert "– Gemeenten Blaricum, Eemnes en Laren</title>" in page
    assert "In Blaricum, Eemnes en Laren houden bewoners" in page
    named = make_app(tmp_path / "b", GEMEENTEN=BEL, REGIO_NAAM="BEL Combinatie")
    assert "– BEL Combinatie</title>" in named.test_client().get("/overzicht").get_data(as_text=True)


def test_overview_and_map_legend_are_grouped_per_municipality(bel_app):
    page = bel_app.test_client().get("/overzicht").get_data(as_text=True)
    headings = [
        page.index(f'<h2 id="gemeente-{code}">{name}</h2>')
        for code, name in (("GM0376", "Blaricum"), ("GM0317", "Eemnes"), ("GM0417", "Laren"))
    ]
    assert headings == sorted(headings)  # by name
    assert "Blaricum, Eemnes en Laren hebben samen 29 buurten." in page
    eemnes = page[headings[1] : headings[2]]
    assert "Noordbuurt" in eemnes and "Eemnes Noordbuurt Let Op" in eemnes and "Blaricum-Dorp" not in eemnes
    assert "10 buurten, 1 WhatsApp-groep." in eemnes
    home = bel_app.test_client().get("/").get_data(as_text=True)
    legend = home[home.index('id="legenda-GM0317"') : home.index('id="legenda-GM0417"')]
    assert "Eemnes Noordbuurt Let Op" in legend and "Blaricum-Dorp Alert" not in legend


def staff_client(app):
    """A test client logged in as a staff member."""
    runner = app.test_cli_runner()
    assert "aangemaakt" in runner.invoke(args=["create-staff", "bel", "--password", "lang-genoeg-wachtwoord"]).output
    client = app.test_client()
    login(client, "bel", "lang-genoeg-wachtwoord")
    return client


@pytest.mark.both_databases
def test_a_group_across_the_laren_blaricum_border_counts_for_both(tmp_path, db_url):
    app = make_app(tmp_path, DATABASE_URL=db_url, GEMEENTEN=BEL)
    add_group(app, "Grensgroep", buurt_area(app, "BU04170322", "BU03760102"))  # Laren's Omloop + Blaricum-Dorp
    client = staff_client(app)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/beheer/export/dekking.csv").get_data(as_text=True).lstrip("\ufeff")), delimiter=";"
        )
    )
    by_code = {row["buurtcode"]: row for row in rows}
    assert len(rows) == 29
    assert (by_code["BU04170322"]["gemeente"], by_code["BU04170322"]["groepen"]) == ("Laren", "1")
    assert (by_code["BU03760102"]["gemeente"], by_code["BU03760102"]["groepen"]) == ("Blaricum", "1")
    assert float(by_code["BU03760102"]["gedekt_pct"].replace(",", ".")) > 99  # Dutch decimal comma
    blaricum = client.get("/beheer/dekking?gemeente=GM0376").get_data(as_text=True)
    start = blaricum.index('id="dekking"')  # the coverage table, whatever classes it has
    table = blaricum[start : blaricum.index("</table>", start)]
    assert "Dekking in Blaricum." in blaricum and "Blaricum-Dorp" in table and "Omloop" not in table
    only = client.get("/beheer/export/dekking.csv?gemeente=GM0417").get_data(as_text=True)
    assert "Omloop" in only and "Blaricum-Dorp" not in only
    overview = client.get("/overzicht").get_data(as_text=True)
    assert overview.count("Grensgroep</strong>") == 2  # under Blaricum and under Laren


def test_an_unknown_municipality_on_the_coverage_page_is_a_clear_400(bel_app):
    client = staff_client(bel_app)
    response = client.get("/beheer/dekking?gemeente=GM0363")
    assert response.status_code == 400
    assert "Onbekende gemeente. Kies uit: Blaricum, Eemnes of Laren." in response.get_data(as_text=True)


def test_import_wijken_beside_a_running_register_shows_the_new_buurten_without_restart(tmp_path):
    wijken = tmp_path / "wijken.geojson"
    settings = {"GEMEENTEN": BEL, "WIJKEN_FILE": str(wijken)}
    command = make_app(tmp_path, **settings).test_cli_runner()  # another process's command, as from a shell
    result = command.invoke(
        args=["import-wijken", str(CBS / "laren_buurten_2025_rd.geojson"), "--gemeentecode", "GM0417"]
    )
    assert result.exit_code == 0, result.output
    running = make_app(tmp_path, **settings)
    client = running.test_client()
    assert "Blaricum-Dorp" not in client.get("/overzicht").get_data(as_text=True)
    result = command.invoke(
        args=["import-wijken", str(CBS / "blaricum_buurten_2025_rd.geojson"), "--gemeentecode", "GM0376"]
    )
    assert result.exit_code == 0 and "9 buurten van GM0376" in result.output, result.output
    time.sleep(0.3)  # past the register's recheck (a quarter of a second)
    page = client.get("/overzicht").get_data(as_text=True)
    assert "Blaricum-Dorp" in page and "Laren-Centrum" in page  # added, Laren kept
    lat, lon = cbs_point("GM0376", "Crailo")
    assert "Gemeente:</span> Blaricum" in client.get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)


def test_import_wijken_takes_several_codes_or_all_of_a_file(tmp_path):
    mixed = tmp_path / "bel_rd.geojson"
    gpd.pd.concat([gpd.read_file(CBS / f"{name}_buurten_2025_rd.geojson") for name in FILES.values()]).to_file(
        mixed, driver="GeoJSON"
    )
    app = make_app(tmp_path, GEMEENTEN=BEL, WIJKEN_FILE=str(tmp_path / "w.geojson"))
    result = app.test_cli_runner().invoke(
        args=["import-wijken", str(mixed), "--gemeentecode", "GM0376", "--gemeentecode", "GM0317"]
    )
    assert result.exit_code == 0 and "19 buurten van GM0376, GM0317" in result.output, result.output
    codes = {f["properties"]["gemeentecode"] for f in json.loads((tmp_path / "w.geojson").read_text())["features"]}
    assert codes == {"GM0376", "GM0317"}
    result = app.test_cli_runner().invoke(
        args=["import-wijken", str(mixed), "--alle", "--out", str(tmp_path / "alle.geojson")]
    )
    assert result.exit_code == 0 and "29 buurten van alle gemeenten" in result.output, result.output


def test_the_shipped_bel_file_is_what_the_importer_makes_of_the_three_cbs_files(tmp_path):
    from geo_registry.core.config import ROOT
    from geo_registry.spatial.buurten import import_buurten

    target = tmp_path / "bel.geojson"
    for code, name in FILES.items():
        import_buurten(CBS / f"{name}_buurten_2025_rd.geojson", code, target)
    shipped = json.loads((ROOT / "data" / "bel_wijken.geojson").read_text())["features"]
    assert json.loads(target.read_text())["features"] == shipped and len(shipped) == 29


def test_laren_alone_looks_as_it_always_did(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    lat, lon = cbs_point("GM0376", "Crailo")
    answer = client.get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)
    assert "Dit punt ligt in de gemeente Blaricum, niet in Laren." in answer  # named, its site linked
    assert 'href="https://www.blaricum.nl"' in answer
    home = client.get("/").get_data(as_text=True)
    assert "– Gemeente Laren</title>" in home and "legenda-GM" not in home
    overview = client.get("/overzicht").get_data(as_text=True)
    assert "Laren heeft 10 buurten." in overview and 'id="gemeente-' not in overview
    lat, lon = cbs_point("GM0417", "Postiljon")
    assert "Gemeente:" not in client.get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)


def register_check(app, area: dict):
    """Post the registration form's 'check' step with a drawn area; return the response."""
    client = app.test_client()
    data = {
        "csrf_token": csrf_token(client, "/groep-aanmelden/"),
        "naam": "Grens",
        "beheerder_naam": "Bea",
        "email": "bea@voorbeeld.invalid",
        "actie": "controleren",
        "gebied_getekend": json.dumps(area),
    }
    return client.post("/groep-aanmelden/", data=data, content_type="multipart/form-data")


def box_feature(minx, miny, maxx, maxy) -> dict:
    """A drawn rectangle as the form sends it."""
    return {
        "type": "Feature",
        "properties": {},
        "geometry": shapely.geometry.mapping(shapely.box(minx, miny, maxx, maxy)),
    }


def test_an_area_across_a_border_is_allowed_and_one_outside_all_three_is_refused_naming_them(bel_app):
    lat_l, lon_l = cbs_point("GM0417", "Omloop")
    lat_b, lon_b = cbs_point("GM0376", "Blaricum-Dorp")
    across = register_check(
        bel_app, box_feature(min(lon_l, lon_b), min(lat_l, lat_b), max(lon_l, lon_b) + 0.001, max(lat_l, lat_b) + 0.001)
    )
    assert across.status_code == 200, across.get_data(as_text=True)
    assert "weggelaten" not in across.get_data(as_text=True)  # nothing clipped: both sides are served
    outside = register_check(bel_app, box_feature(6.15, 52.25, 6.16, 52.26))  # Deventer
    assert outside.status_code == 400
    assert "Het gebied ligt helemaal buiten Blaricum, Eemnes en Laren." in outside.get_data(as_text=True)


@pytest.mark.slow
def test_a_mistyped_municipality_setting_stops_the_start_with_its_reason(tmp_path):
    from test_startup_errors import start

    done = start(GEMEENTEN="GM0417,Blaricum", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
    assert done.stderr.startswith("Fout: GEO_REGISTRY_GEMEENTEN: ongeldige gemeentecode: 'Blaricum'")


def test_a_groups_poster_names_the_municipality_its_area_lies_in(bel_app):
    client = bel_app.test_client()
    for group_id, gemeente in ((1, "Laren"), (2, "Blaricum"), (3, "Eemnes")):
        page = client.get(f"/groep/{group_id}/poster").get_data(as_text=True)
        assert f"Gemeente {gemeente}</p>" in page, (group_id, gemeente)
    across = add_group(bel_app, "Grensgroep", buurt_area(bel_app, "BU04170320", "BU03760102"))
    page = client.get(f"/groep/{across}/poster").get_data(as_text=True)
    # It counts for both: it speaks for the region (no REGIO_NAAM here: the two names), not for one of them.
    assert re.search(r"· (Blaricum / Laren|Laren / Blaricum)</p>", page)


def test_the_api_names_the_municipality_of_the_point(bel_app):
    client = bel_app.test_client()
    for gemeentecode, buurt in (("GM0417", "Postiljon"), ("GM0376", "Crailo"), ("GM0317", "Zuidbuurt")):
        lat, lon = cbs_point(gemeentecode, buurt)
        answer = client.get(f"/api/v1/lookup?lat={lat}&lon={lon}").get_json()
        assert answer["gemeentecode"] == gemeentecode and answer["in_gemeente"] is True, buurt
    assert client.get("/api/v1/lookup?lat=52.2550&lon=6.1600").get_json()["gemeentecode"] is None  # Deventer
