"""Areas told to residents in hectares, and roughly how many addresses where an address table is loaded
(issue 22, point 11)."""

import re

import pytest
from helpers import csrf_token

from geo_registry.web.area_words import rough


@pytest.mark.parametrize("count, said", [(0, 0), (7, 7), (19, 19), (123, 120), (999, 1000), (1234, 1200)])
def test_counts_are_rounded_as_people_say_them(count, said):
    assert rough(count) == said


def check_area(app, lang, codes):
    client = app.test_client()
    data = {
        "csrf_token": csrf_token(client, "/groep-aanmelden/"),
        "naam": "Centrum",
        "beheerder_naam": "Bea",
        "email": "bea@voorbeeld.invalid",
        "actie": "controleren",
        "buurten": codes,
    }
    return client.post(f"/groep-aanmelden/?lang={lang}", data=data).get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, size",
    [
        ("nl", r"Het gebied is ongeveer \d+ hectare groot\. Er liggen ongeveer \d+ adressen in\."),
        ("en", r"The area is about \d+ hectares\. About \d+ addresses lie in it\."),
    ],
)
def test_the_checked_area_is_said_in_hectares_and_addresses(lookup_app, lang, size):
    html = check_area(lookup_app, lang, ["BU04170320"])  # Laren-Centrum: 64.8 ha, two addresses of the table
    assert re.search(size, html), re.findall(r"<p>[^<]*(?:hectare|m²)[^<]*</p>", html)
    assert "m²" not in html.split('role="status"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"Het gebied is ongeveer 6[45] hectare" if lang == "nl" else r"about 6[45] hectares", html)


def test_without_an_address_table_only_hectares(app):
    html = check_area(app, "nl", ["BU04170324"])  # Postiljon: 3.9 ha
    assert re.search(r"Het gebied is ongeveer [34],\d hectare groot\.", html), html.count("hectare")
    assert "adressen" not in html.split('role="status"', 1)[1].split("</div>", 1)[0]


def test_overlaps_are_in_hectares(lookup_app):
    html = check_area(lookup_app, "nl", ["BU04170320"])
    status = html.split('role="status"', 1)[1].split("</div>", 1)[0]
    assert re.search(r": ongeveer [\d,]+ hectare, \d+% van dit gebied", status), status
