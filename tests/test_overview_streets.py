"""The overview without a map tells a resident whether their street is covered (with an address table loaded);
buurt names are the labels, CBS codes only a small aside."""

from __future__ import annotations

import re

import pytest
import shapely

from geo_registry.domain.groups import Group
from geo_registry.spatial.buurten import Buurt
from geo_registry.spatial.streets import street_coverage


def section(page: str, code: str) -> str:
    """The overview's item of one buurt."""
    return page.split(f'id="buurt-{code}"', 1)[1].split("</li>\n  \n  <li", 1)[0]


@pytest.mark.both_databases
def test_overview_lists_each_buurts_streets_and_whether_they_are_covered(lookup_app):
    page = lookup_app.test_client().get("/overzicht").get_data(as_text=True)
    centrum, postiljon = section(page, "BU04170320"), section(page, "BU04170324")
    assert "1 straat in Laren-Centrum" in centrum
    assert "<strong>Brink</strong>: helemaal in het gebied van een groep" in centrum
    assert "1 straat in Postiljon" in postiljon
    assert "<strong>Postiljonlaan</strong>: nog geen groep" in postiljon
    assert "Torenlaan" not in page  # in Blaricum, not in any buurt of Laren
    english = lookup_app.test_client().get("/overzicht?lang=en").get_data(as_text=True)
    assert (
        "<strong>Brink</strong>: entirely in a group&#39;s area" in english
        or "<strong>Brink</strong>: entirely in a group's area" in english
    )


def test_buurt_names_are_the_labels_and_codes_only_an_aside(lookup_app):
    page = lookup_app.test_client().get("/overzicht").get_data(as_text=True)
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert "Postiljon" in headings and not any("BU0417" in h for h in headings)
    assert '<p class="small buurt-code">CBS-buurtcode BU04170324</p>' in page


def test_without_an_address_table_the_overview_points_to_the_address_lookup(examples_app):
    client = examples_app.test_client()
    page = client.get("/overzicht").get_data(as_text=True)
    assert 'Gebruik dan het <a href="/">adres zoeken</a>' in page and "<details" not in page


def test_streets_appear_once_an_address_table_is_imported(examples_app, address_csv):
    client = examples_app.test_client()
    assert "Postiljonlaan" not in client.get("/overzicht").get_data(as_text=True)
    output = examples_app.test_cli_runner().invoke(args=["import-addresses", str(address_csv)]).output
    assert "5 adressen" in output
    assert "<strong>Postiljonlaan</strong>: nog geen groep" in client.get("/overzicht").get_data(as_text=True)


def test_street_coverage_counts_addresses_per_buurt_and_street():
    west, east = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    buurten = [Buurt("BU1", "West", "WK1", "GM1", west), Buurt("BU2", "Oost", "WK1", "GM1", east)]
    group = Group(1, "Groep", shapely.box(0, 0, 0.5, 1), "B", "b@voorbeeld.invalid")
    names = ["Laan", "Laan", "Laan", "Dorpsstraat", "Dorpsstraat", "Buiten"]
    lon = [0.2, 0.7, 1.5, 0.3, 0.4, 5.0]
    lat = [0.5] * 6
    found = street_coverage(buurten, [group], (names, lon, lat))
    west_streets = {s.name: (s.addresses, s.covered, s.status) for s in found["BU1"]}
    assert west_streets == {"Dorpsstraat": (2, 2, "heel"), "Laan": (2, 1, "deels")}
    assert [s.name for s in found["BU1"]] == ["Dorpsstraat", "Laan"]
    assert [(s.name, s.addresses, s.covered, s.status) for s in found["BU2"]] == [("Laan", 1, 0, "geen")]
    assert street_coverage(buurten, [group], None) == {}
