"""An address or point just outside the served municipality: named, its website linked, the same BEL team offered,
and the map given the context around the marker (issue 22, point 9)."""

import json
import re
from html import unescape

import pytest
import shapely

from geo_registry.spatial.neighbours import Neighbours

BLARICUM_ADDRESS = "/?postcode=1261AA&huisnummer=5"


def answer_text(html: str) -> str:
    """The answer region's text without tags."""
    region = html.split('id="antwoord-inhoud"', 1)[1].split("</section>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", region)).split())


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "nl",
            [
                "Dit adres ligt in de gemeente Blaricum, niet in Laren.",
                "de website van de gemeente Blaricum",
                "Hetzelfde team helpt ook in Blaricum",
                "veiligheid@belcombinatie.nl",
                "telefoon 14 035",
            ],
        ),
        (
            "en",
            [
                "This address is in the municipality of Blaricum, not in Laren.",
                "the website of the municipality of Blaricum",
                "The same team helps in Blaricum too",
                "veiligheid@belcombinatie.nl",
            ],
        ),
    ],
)
def test_an_address_in_blaricum_names_it_links_its_site_and_offers_the_same_team(lookup_app, lang, words):
    html = lookup_app.test_client().get(f"{BLARICUM_ADDRESS}&lang={lang}").get_data(as_text=True)
    text = answer_text(html)
    for expected in words:
        assert expected in text, text
    assert 'href="https://www.blaricum.nl"' in html
    assert 'href="mailto:veiligheid@belcombinatie.nl"' in html.split('id="antwoord-inhoud"', 1)[1]


def test_the_map_of_an_address_outside_shows_laren_and_the_outline_of_blaricum(lookup_app):
    html = lookup_app.test_client().get(BLARICUM_ADDRESS).get_data(as_text=True)
    outside = json.loads(unescape(re.search(r"data-outside='([^']*)'", html).group(1)))
    (south, west), (north, east) = outside["bounds"]
    assert 52.2 < south < north < 52.3 and 5.1 < west < east < 5.3  # Laren's extent, to fit with the marker
    outline = shapely.geometry.shape(outside["outline"])
    assert outline.covers(shapely.Point(5.2480, 52.2790))  # Blaricum's outline holds the address
    assert "Grens van de gemeente Blaricum" in html


def test_an_address_in_laren_has_no_outside_view(lookup_app):
    html = lookup_app.test_client().get("/?postcode=1251KV&huisnummer=12").get_data(as_text=True)
    assert "data-outside" not in html and "data-marker" in html


def test_a_map_click_in_eemnes_names_eemnes(lookup_app):
    point = Neighbours(_bel(), {"GM0417"}).outlines()["GM0317"].representative_point()
    text = answer_text(
        '<div id="antwoord-inhoud">'
        + lookup_app.test_client().get(f"/antwoord?lat={point.y}&lon={point.x}").get_data(as_text=True)
        + "</section>"
    )
    assert "Dit punt ligt in de gemeente Eemnes, niet in Laren." in text
    assert "Hetzelfde team helpt ook in Eemnes" in text


def test_a_municipality_outside_the_bel_gets_no_team_offer():
    far = Neighbours(_bel(), {"GM0417"}).at(52.37, 4.89, "Amsterdam")  # not in the file, not a partner
    assert far is None
    # Served from elsewhere (Hilversum), Blaricum is a neighbour but not the same team.
    blaricum = Neighbours(_bel(), {"GM0402"}).at(52.2790, 5.2480)
    assert blaricum is not None and blaricum.name == "Blaricum" and not blaricum.same_team


def _bel():
    from geo_registry.core.config import ROOT

    return ROOT / "data" / "bel_wijken.geojson"
