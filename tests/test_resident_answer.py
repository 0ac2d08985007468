"""What a resident gets where no group covers the address: start one here (the buurt already ticked), the groups
nearby that might grow to include it, the municipality an outside address lies in, and a join form that knows
the address just looked up."""

from __future__ import annotations

import re

import pytest
from helpers import PRIVATE_EMAILS

POSTILJON = "/?postcode=1251PT&huisnummer=3"


@pytest.fixture
def web(lookup_app):
    return lookup_app.test_client()


def answer_of(page: str) -> str:
    """The answer region of the map page."""
    return page.split('id="antwoord-inhoud"', 1)[1].split("</section>", 1)[0]


@pytest.mark.both_databases
def test_no_group_is_information_whose_first_action_is_starting_a_group_here(web):
    answer = answer_of(web.get(POSTILJON).get_data(as_text=True))
    assert "Er is nog geen WhatsApp-groep voor dit adres" in answer
    assert "notice-error" not in answer and 'role="alert"' not in answer and "notice-info" in answer
    links = re.findall(r'href="([^"]+)"', answer)
    assert links[0] == "/groep-aanmelden/?buurt=BU04170324"  # Postiljon, ticked on the form it opens
    assert "Start hier een groep</a>" in answer
    # The e-mail route to the municipality stays, after the online one.
    assert answer.index("Start hier een groep") < answer.index("mailto:veiligheid@belcombinatie.nl")
    assert "14\u00a0035" in answer  # the number in one piece (no line break inside it)


def test_registration_form_opens_with_the_buurten_of_the_link_ticked(web):
    page = web.get("/groep-aanmelden/?buurt=BU04170324&buurt=BU04170328&buurt=BU99999999&buurt=<x>")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    ticked = set(re.findall(r'name="buurten" value="(BU\d+)" checked', html))
    assert ticked == {"BU04170324", "BU04170328"}
    assert 'value="BU99999999"' not in html and "<x>" not in html
    assert not re.findall(r'name="buurten" value="BU\d+" checked', web.get("/groep-aanmelden/").get_data(as_text=True))


@pytest.mark.both_databases
def test_nearby_groups_are_listed_nearest_first_and_marked_as_not_covering(web):
    answer = answer_of(web.get(POSTILJON).get_data(as_text=True))
    nearby = answer.split('class="nearby"', 1)[1]
    # Zevenend-Oost Alert is 99 m away, Brink en Centrum 944 m; Omloop Waakt (1,166 m) is beyond 1 km.
    assert nearby.index("Voorbeeld: Zevenend-Oost Alert") < nearby.index("Voorbeeld: Buurtapp Brink en Centrum")
    assert "Omloop Waakt" not in nearby
    assert "99 m hiervandaan" in nearby and "944 m hiervandaan" in nearby
    assert nearby.count('class="not-covered">dekt uw adres niet') == 2
    assert 'href="/groep/2/aanmelden?uitbreiden=1&amp;straat=Postiljonlaan&amp;huisnummer=3"' in nearby
    for email in PRIVATE_EMAILS:
        assert email not in answer


@pytest.mark.both_databases
def test_a_covered_address_lists_no_nearby_groups(web):
    answer = answer_of(web.get("/?postcode=1251KV&huisnummer=12").get_data(as_text=True))
    assert 'class="nearby"' not in answer and "Start hier een groep" not in answer


def test_api_lookup_names_nearby_groups_with_distance_and_nothing_private(web):
    body = web.get("/api/v1/lookup?postcode=1251PT&huisnummer=3").get_json()
    assert [(g["name"], g["distance_m"]) for g in body["nearby_groups"]] == [
        ("Voorbeeld: Zevenend-Oost Alert", 99),
        ("Voorbeeld: Buurtapp Brink en Centrum", 944),
    ]
    assert set(body["nearby_groups"][0]) == {"id", "name", "is_example", "distance_m"}
    assert web.get("/api/v1/lookup?postcode=1251KV&huisnummer=12").get_json()["nearby_groups"] == []


def test_an_address_outside_names_its_municipality_when_the_source_says(web):
    # The Locatieserver says Brink 12 in Deventer lies in the municipality of Deventer.
    answer = answer_of(web.get("/?q=Brink 12 Deventer").get_data(as_text=True))
    assert "Dit adres ligt in de gemeente Deventer, niet in Laren." in answer
    english = answer_of(web.get("/?q=Brink 12 Deventer&lang=en").get_data(as_text=True))
    assert "This address is in the municipality of Deventer, not in Laren." in english


def test_an_address_outside_is_named_from_the_neighbours_outline(web):
    # The local address table does not record the municipality: Blaricum's outline (the BEL file) names it.
    answer = answer_of(web.get("/?postcode=1261AA&huisnummer=5").get_data(as_text=True))
    assert "Dit adres ligt in de gemeente Blaricum, niet in Laren." in answer


def test_a_point_outside_every_known_municipality_keeps_the_general_sentence(web):
    answer = web.get("/antwoord?lat=52.37&lon=4.89").get_data(as_text=True)  # Amsterdam: no outline, no name
    assert "Dit punt ligt niet in de gemeente Laren." in answer and "ligt in de gemeente" not in answer
    assert "website van uw eigen gemeente" in answer and "Hetzelfde team" not in answer


def test_join_form_carries_the_address_over(web):
    html = web.get("/groep/1/aanmelden?straat=Brink&huisnummer=12A").get_data(as_text=True)
    assert re.search(r'name="straat"[^>]*value="Brink"|value="Brink"[^>]*name="straat"', html)
    assert re.search(r'name="huisnummer"[^>]*value="12A"|value="12A"[^>]*name="huisnummer"', html)
    assert "Kan de groep uitbreiden" not in html


def test_join_form_to_grow_a_group_has_the_question_ready(web):
    html = web.get("/groep/4/aanmelden?uitbreiden=1&straat=Postiljonlaan&huisnummer=3").get_data(as_text=True)
    assert "Kan de groep uitbreiden naar Postiljonlaan 3?" in html
    assert "buiten het gebied van deze groep" in html


def test_join_form_prefill_of_hostile_length_is_cut_not_refused(web):
    response = web.get(
        "/groep/1/aanmelden", query_string={"straat": "x" * 5000, "huisnummer": "9" * 50, "uitbreiden": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="' + "x" * 100 + '"' in html and 'value="' + "x" * 101 not in html
    assert 'value="' + "9" * 10 + '"' in html and 'value="' + "9" * 11 not in html


def test_after_sending_the_page_says_what_happens_next_and_when(web):
    html = web.get("/groep/1/aanmelden/verstuurd").get_data(as_text=True)
    assert "onderweg naar de beheerder" in html
    assert "meestal binnen een paar dagen" in html
    assert "na een week" in html and "veiligheid@belcombinatie.nl" in html


def test_information_page_meedoen_says_the_same_order(web):
    html = web.get("/informatie/meedoen").get_data(as_text=True)
    start = html.index("Een groep beginnen")
    assert start < html.index("Start hier een groep") < html.index("mailto:veiligheid@belcombinatie.nl", start)


def test_a_map_click_without_group_lists_nearby_groups_for_the_place(web, places):
    lat, lon = places["postiljon"]
    answer = web.get(f"/antwoord?lat={lat}&lon={lon}").get_data(as_text=True)
    assert "Er is nog geen WhatsApp-groep op deze plek." in answer
    assert answer.count('class="not-covered">dekt deze plek niet') == 2 and "uw adres" not in answer
    assert 'href="/groep/2/aanmelden?uitbreiden=1"' in answer
    assert 'href="/groep-aanmelden/?buurt=BU04170324"' in answer
