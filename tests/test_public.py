"""The public pages: the map page with its lookup answers, and the overview per neighbourhood."""

import re

import pytest
from helpers import make_app


@pytest.fixture
def web(lookup_app):
    return lookup_app.test_client()


def text(response):
    return response.get_data(as_text=True)


def test_home_has_map_with_all_buurten_groups_legend_and_attribution(web):
    page = text(web.get("/"))
    assert page.count('"code": "BU0417032') == 10  # every buurt is drawn
    for name in [
        "Voorbeeld: Buurtapp Brink en Centrum",
        "Voorbeeld: Omloop Waakt",
        "Voorbeeld: Steenbergen Noord",
        "Voorbeeld: Zevenend-Oost Alert",
    ]:
        assert page.count(name) >= 2  # on the map and in the legend
    assert 'class="legend"' in page and "voorbeeld</span>" in page
    assert "CBS / Kadaster, CC BY 4.0" in page
    assert '<html lang="nl">' in page and "user-scalable=no" not in page


def test_home_loads_nothing_from_another_origin(web):
    page = text(web.get("/"))
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", page)
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page


def test_pdok_basemap_is_the_default_and_the_only_outside_source(tmp_path):
    page = text(make_app(tmp_path, TILES="pdok").test_client().get("/"))
    hosts = set(re.findall(r"https?://([^/\"'\s]+)", page))
    assert "service.pdok.nl" in hosts and "BRT-Achtergrondkaart" in page
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", page)


@pytest.mark.both_databases
def test_postcode_lookup_answers_with_the_group(web):
    response = web.get("/?postcode=1251+KV&huisnummer=12")
    page = text(response)
    assert response.status_code == 200
    assert "Brink 12, 1251 KV Laren" in page
    assert "Buurt:</span> Laren-Centrum" in page
    assert "Voorbeeld: Buurtapp Brink en Centrum" in page
    assert '<a href="/groep/1/aanmelden?straat=Brink&amp;huisnummer=12">Aanmelden bij deze groep</a>' in page
    assert "<title>Brink 12, 1251 KV Laren" in page


@pytest.mark.both_databases
def test_lookup_without_group_says_how_to_start_one(web):
    page = text(web.get("/?postcode=1251PT&huisnummer=3"))
    assert "Er is nog geen WhatsApp-groep voor dit adres" in page
    for needed in [
        "Start hier een groep",
        "uw naam en e-mailadres",
        "het gebied",
        "veiligheid@belcombinatie.nl",
        "14\u00a0035",
    ]:  # the number never breaks over two lines
        assert needed in page


@pytest.mark.both_databases
def test_free_text_lookup(web):
    page = text(web.get("/", query_string={"q": "Brink 12 Laren"}))
    assert "Brink 12, 1251 KV Laren" in page and "Voorbeeld: Buurtapp Brink en Centrum" in page


@pytest.mark.both_databases
def test_address_outside_laren(web):
    page = text(web.get("/?postcode=1261AA&huisnummer=5"))
    assert "Torenlaan 5, 1261 AA Blaricum" in page and "ligt in de gemeente Blaricum, niet in Laren" in page


def test_bad_postcode_keeps_the_input_and_marks_the_field(web):
    response = web.get("/?postcode=12AB&huisnummer=7&huisletter=c")
    page = text(response)
    assert response.status_code == 400
    assert "4 cijfers en 2 letters" in page
    assert re.search(
        r'id="postcode" name="postcode" value="12AB"[^>]*aria-invalid="true"[^>]*'
        r'aria-describedby="postcode-hint postcode-fout"',
        page,
    )
    assert 'value="7"' in page and 'value="c"' in page


def test_unknown_address(web):
    response = web.get("/?postcode=9999ZZ&huisnummer=1")
    assert response.status_code == 404 and "Controleer de postcode" in text(response)


@pytest.mark.parametrize(
    "lang, check, overview",
    [
        ("nl", "Controleer de postcode en het huisnummer", "overzicht per buurt"),
        ("en", "Check the postcode and house number", "overview by neighbourhood"),
    ],
)
def test_unknown_address_says_each_thing_once_and_offers_a_way_without_the_map(web, lang, check, overview):
    """The answer asked the resident twice to check the postcode; its only other way on was the map, which a
    keyboard or screen-reader user cannot click: the overview per buurt (with its streets) is offered too."""
    web.get(f"/taal/{lang}")
    answer = text(web.get("/?postcode=9999ZZ&huisnummer=1")).split('id="antwoord-inhoud"')[1].split("</section>")[0]
    assert answer.count(check) == 1
    assert re.search(rf'<a href="/overzicht">{overview}</a>', answer)


@pytest.mark.parametrize(
    "lang, unnamed, own",
    [
        ("nl", "website van die gemeente", "website van uw eigen gemeente"),
        ("en", "that municipality's website", "your own municipality's website"),
    ],
)
def test_address_outside_without_its_municipality_named_does_not_say_that_municipality(web, lang, unnamed, own):
    """A point outside every known municipality (no address source names one): 'see that municipality's
    website' pointed at a municipality the page never named."""
    web.get(f"/taal/{lang}")
    page = text(web.get("/?lat=52.37&lon=4.89"))  # Amsterdam: no outline in the BEL file, no address near
    assert unnamed not in page and own in page
    named = text(web.get("/?q=Brink+12+Deventer"))  # the Locatieserver names Deventer: 'that' has its referent
    assert "Deventer" in named and unnamed in named


@pytest.mark.both_databases
def test_ambiguous_address_lets_the_resident_pick(web):
    response = web.get("/?postcode=1251KV&huisnummer=14")
    assert response.status_code == 409
    links = re.findall(r'<a href="([^"]+)#antwoord">(Brink 14[AB], 1251 KV Laren)</a>', text(response))
    assert [label for _, label in links] == ["Brink 14A, 1251 KV Laren", "Brink 14B, 1251 KV Laren"]
    picked = web.get(links[1][0].replace("&amp;", "&"))
    assert picked.status_code == 200 and "Brink 14B, 1251 KV Laren" in text(picked)


def test_unreachable_service_offers_the_map(web, lookup_app):
    lookup_app.pdok.mode = "error"
    response = web.get("/?postcode=9999ZZ&huisnummer=1")
    page = text(response)
    assert response.status_code == 503
    assert "niet bereikbaar" in page and "klik op de kaart" in page and 'href="/overzicht"' in page
    assert 'id="postcode" name="postcode" value="9999ZZ"' in page


@pytest.mark.both_databases
def test_point_answer_fragment(web, places):
    lat, lon = places["postiljon"]
    response = web.get(f"/antwoord?lat={lat}&lon={lon}")
    assert response.status_code == 200
    assert "Buurt:</span> Postiljon" in text(response) and "<html" not in text(response)
    assert web.get("/antwoord?lat=x&lon=1").status_code == 400


@pytest.mark.both_databases
def test_overview_lists_every_buurt_with_its_groups(web):
    page = text(web.get("/overzicht"))
    items = re.findall(
        r'<li class="overview-item[^"]*" id="buurt-(BU\d+)">(.*?)</li>\s*(?=<li class="overview-item|</ul>\s*<p>)',
        page,
        re.S,
    )
    assert len(items) == 10
    by_code = dict(items)
    assert "Voorbeeld: Buurtapp Brink en Centrum" in by_code["BU04170320"]
    assert "Voorbeeld: Omloop Waakt" in by_code["BU04170320"]  # overlaps the centre
    assert "Nog geen groep" in by_code["BU04170324"]  # Postiljon
    uncovered = [code for code, body in items if "Nog geen groep" in body]
    assert sorted(uncovered) == ["BU04170321", "BU04170323", "BU04170324", "BU04170325", "BU04170326", "BU04170329"]


def test_overview_without_groups_says_no_group_everywhere(tmp_path):
    page = text(make_app(tmp_path).test_client().get("/overzicht"))
    assert page.count("Nog geen groep") == 10


def test_unknown_page_is_a_dutch_404(web):
    response = web.get("/bestaat-niet")
    assert response.status_code == 404 and "Deze pagina bestaat niet" in text(response)


def test_vendored_leaflet_is_served(web):
    for path in ("/vendor/leaflet/leaflet.js", "/vendor/leaflet/images/marker-icon.png"):
        with web.get(path) as response:  # closes the streamed file
            assert response.status_code == 200
    assert web.get("/vendor/onbekend/x.js").status_code == 404
    assert web.get("/vendor/leaflet/../../package.json").status_code == 404


def test_security_headers_keep_the_browser_on_this_site(tmp_path):
    headers = make_app(tmp_path, TILES="pdok").test_client().get("/").headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "img-src 'self' data: https://service.pdok.nl" in policy  # the tile server, and no other origin
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert (
        "https://"
        not in make_app(tmp_path / "geen", TILES="none").test_client().get("/").headers["Content-Security-Policy"]
    )


@pytest.mark.parametrize(
    "lang, help_text",
    [
        ("nl", "Kwam deze link uit een e-mail van ons? Mail dan naar"),
        ("en", "Did this link come from one of our e-mails? Then write to"),
    ],
)
def test_a_link_that_no_longer_works_says_whom_to_ask(web, lang, help_text):
    """An expired yearly, handover or confirmation link said 'Request a new one' with only a way back to the map:
    the page now says how to reach the municipality, in the page itself (not only in the footer)."""
    web.get(f"/taal/{lang}")
    response = web.get("/beheerder/geen-geldige-link")
    main = text(response).split("<main")[1].split("</main>")[0]
    assert response.status_code == 400
    assert help_text in main and 'href="mailto:veiligheid@belcombinatie.nl"' in main and "14\u00a0035" in main
