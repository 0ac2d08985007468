"""Slivers are no coverage: an area made of picked buurten (Zwarte Berg + Steenbergen), sent back by the map
editor with its coordinates rounded to 6 decimals, overlaps Laren-Centrum, Laren-Natuurgebied and Rijksweg-Noord
by a few square metres along the shared edges. Those overlaps count nowhere a count is shown."""

from __future__ import annotations

import csv
import io
import re

import pytest
import shapely
from helpers import login, make_app

from geo_registry.domain.areas import find_overlaps
from geo_registry.domain.groups import Group
from geo_registry.spatial.coverage import Sliver, compute_coverage
from geo_registry.spatial.register import Registry
from geo_registry.web import services as app_services

ZWARTE_BERG, STEENBERGEN, CENTRUM = "BU04170329", "BU04170327", "BU04170320"
TOUCHED = ("Laren-Centrum", "Laren-Natuurgebied", "Rijksweg-Noord")


def picked_area(buurten):
    """Zwarte Berg + Steenbergen as the map editor sends them back: rounded to 6 decimals (about 0.1 m)."""
    union = shapely.union_all([b.geometry for b in buurten if b.code in (ZWARTE_BERG, STEENBERGEN)])
    return shapely.set_precision(union, 1e-6)


@pytest.fixture(scope="module")
def area(buurten):
    return picked_area(buurten)


def figures(buurten, area, sliver=None):
    from geo_registry.spatial.coverage import BuurtenRD

    group = Group(1, "Zwarte Berg en Steenbergen", area, "b", "b@voorbeeld.invalid")
    return {c.buurt.name: c for c in compute_coverage(buurten, [group], base=BuurtenRD(buurten, sliver))}


def test_the_edges_of_picked_buurten_do_not_count_as_coverage(buurten, area):
    found = figures(buurten, area)
    for name in TOUCHED:
        assert found[name].groups == [] and found[name].covered_m2 == 0 and found[name].status[0] == "geen", name
        assert found[name].uncovered.equals(next(b for b in buurten if b.name == name).geometry)
    assert [g.name for g, _ in found["Zwarte Berg"].groups] == ["Zwarte Berg en Steenbergen"]
    assert found["Steenbergen"].status[0] == "heel" and found["Zwarte Berg"].status[0] == "heel"


def test_without_a_threshold_the_same_edges_would_count(buurten, area):
    """The fixture really has slivers: with no threshold, each touched buurt gets the group (a few m²)."""
    found = figures(buurten, area, Sliver(max_m2=0, max_share=0))
    for name in TOUCHED:
        assert 0 < found[name].covered_m2 < 20 and len(found[name].groups) == 1, name
        assert found[name].status[0] == "deels"


@pytest.mark.parametrize(
    "m2, share, sliver",
    [(99, 0.009, True), (101, 0.009, False), (99, 0.011, False), (0.5, 0.0, True), (100, 0.001, False)],
)
def test_a_sliver_is_small_in_area_and_in_share(m2, share, sliver):
    assert bool(Sliver()(m2, share)) is sliver


def test_a_real_overlap_of_a_few_gardens_still_counts(buurten):
    """300 m² in Laren-Centrum (0.05% of it) is above the area bound: it counts, though its share is tiny."""
    centrum = next(b for b in buurten if b.code == CENTRUM)
    point = centrum.geometry.representative_point()
    small = shapely.box(point.x, point.y, point.x + 0.00025, point.y + 0.00015)  # about 17 x 17 m
    group = Group(2, "Tuinen", small, "b", "b@voorbeeld.invalid")
    [item] = [c for c in compute_coverage(buurten, [group]) if c.buurt.code == CENTRUM]
    assert [g.name for g, _ in item.groups] == ["Tuinen"] and item.status[0] == "deels"


def test_overlaps_between_groups_leave_out_slivers(buurten, area):
    from geo_registry.core.geometry import area_m2

    centrum = Group(3, "Centrum", next(b for b in buurten if b.code == CENTRUM).geometry, "b", "b@voorbeeld.invalid")
    assert [o.group_name for o in find_overlaps(area, area_m2(area), [centrum])] == ["Centrum"]  # a few m²
    assert find_overlaps(area, area_m2(area), [centrum], sliver=Sliver()) == []


def add_group(app, name, area) -> int:
    """Put an active group straight into the register."""
    with app.app_context():
        return app_services.current().store.add(Group(None, name, area, "Bea Beheer", "bea@voorbeeld.invalid"))


def staff_client(app):
    """A test client logged in as a staff member."""
    runner = app.test_cli_runner()
    assert "aangemaakt" in runner.invoke(args=["create-staff", "bel", "--password", "lang-genoeg-wachtwoord"]).output
    client = app.test_client()
    login(client, "bel", "lang-genoeg-wachtwoord")
    return client


def _sliver_app(tmp_path, db_url, **overrides):
    app = make_app(tmp_path, DATABASE_URL=db_url, **overrides)
    with app.app_context():
        buurten = app_services.current().buurten
    add_group(app, "Buurtapp Centrum", shapely.union_all([b.geometry for b in buurten if b.code == CENTRUM]))
    add_group(app, "Zwarte Berg en Steenbergen", picked_area(buurten))
    return app


def _centrum_counts(app) -> tuple[list[str], str, str, str]:
    """Laren-Centrum as each page shows it: the overview's groups, the coverage CSV's count, the coverage row."""
    client = staff_client(app)
    overview = client.get("/overzicht").get_data(as_text=True)
    item = overview[overview.index(f'id="buurt-{CENTRUM}"') :]
    item = item[: item.index("</li>\n  \n  <li") if "</li>\n  \n  <li" in item else len(item)]
    listed = re.findall(r"<strong>([^<]+)</strong>", item.split('class="group-list"')[1].split("</ul>")[0])
    rows = list(csv.reader(io.StringIO(client.get("/beheer/export/dekking.csv").get_data(as_text=True)), delimiter=";"))
    count = next(row for row in rows if row[0] == CENTRUM)[5]
    page = client.get("/beheer/dekking").get_data(as_text=True)
    row = re.search(r"<th scope=\"row\"[^>]*>Laren-Centrum</th>.*?</tr>", page, re.S)
    assert row
    return listed, count, row.group(0), page


@pytest.mark.both_databases
def test_laren_centrum_has_one_group_on_every_page(tmp_path, db_url):
    listed, count, row, page = _centrum_counts(_sliver_app(tmp_path, db_url))
    assert "kleiner dan 100 m² én kleiner dan 1% van de buurt telt nergens mee" in page  # the threshold is stated
    assert listed == ["Buurtapp Centrum"]
    assert count == "1"
    assert 'data-label="Groepen">1</td>' in row


def test_the_threshold_is_the_setting(tmp_path):
    """With SLIVER_M2 0 the edge counts again: the pages follow the setting, not a constant of their own."""
    app = _sliver_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", SLIVER_M2=0)
    listed, count, row, _page = _centrum_counts(app)
    assert listed == ["Buurtapp Centrum", "Zwarte Berg en Steenbergen"]
    assert count == "2" and 'data-label="Groepen">2</td>' in row


def test_a_registry_hands_its_threshold_to_every_snapshot(buurten, area):
    class Store:
        def on_change(self, callback):
            pass

        def version(self):
            return 1

        def list(self):
            return [Group(1, "Zwarte Berg en Steenbergen", area, "b", "b@voorbeeld.invalid")]

    strict = Registry(buurten, Store(), sliver=Sliver(0, 0)).snapshot().coverage_by_code()
    default = Registry(buurten, Store()).snapshot().coverage_by_code()
    assert len(strict[CENTRUM].groups) == 1 and default[CENTRUM].groups == []
