"""A printable poster for every approved group (issue 9 #16): what the page holds, for whom it exists, and where
beheerders and staff find it. Printing it on one A4 page and reading its QR code back: tests/browser."""

import re

import pytest
import shapely
from helpers import login, register_pending
from pages import renewal_path

from geo_registry.core.geometry import area_m2, to_rd
from geo_registry.domain import actions
from geo_registry.domain.groups import Group
from geo_registry.mail.delivery import Message
from geo_registry.web import services as app_services
from geo_registry.web import settings as app_settings

PUBLIC = "https://buurtpreventie.example"
SECRETS = {
    "beheerder_name": "Geheime Gerda",
    "beheerder_email": "gerda.geheim@voorbeeld.invalid",
    "beheerder_phone": "0687654321",
}


@pytest.fixture
def poster_app(lookup_app):
    """The example groups on an app with a public address of its own."""
    app_settings.change(lookup_app, PUBLIC_URL=PUBLIC)
    return lookup_app


def add_active(app, name: str, codes=("BU04170326",)) -> int:
    """An approved group with the given name, whose beheerder has an e-mail address and a phone number."""
    from geo_registry.domain.areas import area_from_buurten

    with app.app_context():
        services = app_services.current()
        return services.store.add(Group(None, name, area_from_buurten(list(codes), services.buurten), **SECRETS))


def text_of(html: str) -> str:
    """The page's text as a person reads it (tags out, whitespace single)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_poster_has_name_area_join_link_qr_code_and_112(poster_app):
    response = poster_app.test_client().get("/groep/1/poster?lang=nl")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = text_of(html)
    assert re.search(r"<h1[^>]*>Voorbeeld: Buurtapp Brink en Centrum</h1>", html)
    assert 'class="poster-area" role="img" aria-label="Kaart van het gebied van Voorbeeld: Buurtapp Brink' in html
    assert "Laren-Centrum" in html  # the buurt under the area, named on the map
    assert f'<a href="{PUBLIC}/groep/1/aanmelden">' in html
    assert "buurtpreventie.example/ groep/ 1/ aanmelden" in words  # shown without https://, breakable at slashes
    assert 'class="poster-qr-code"' in html
    assert "Woont u in dit gebied? Doe mee!" in words
    assert "Bij een spoedeisende situatie: bel altijd eerst 112" in words
    assert "veiligheid@belcombinatie.nl, telefoon 14 035" in words  # non-urgent: the municipality's contact
    assert "0900-8844" in words
    assert re.search(r'<link rel="stylesheet" href="[^"]*css/poster[^"]*"', html)  # the print layout


def test_the_poster_in_english(poster_app):
    response = poster_app.test_client().get("/groep/1/poster?lang=en")
    words = text_of(response.get_data(as_text=True))
    assert response.status_code == 200 and '<html lang="en">' in response.get_data(as_text=True)
    for english in (
        "Do you live in this area? Join in!",
        "In an emergency: always call 112 first",
        "Scan the QR code or go to the link below and ask to join",
        "Print a poster",
        "Map of the area of Voorbeeld: Buurtapp Brink en Centrum",
    ):
        assert english in words or english in response.get_data(as_text=True), english
    assert "spoedeisende" not in words and "Doe mee" not in words


def test_a_name_with_markup_is_shown_as_text(poster_app):
    group_id = add_active(poster_app, '<b>Vet</b> & "Co" <script>alert(1)</script>')
    html = poster_app.test_client().get(f"/groep/{group_id}/poster").get_data(as_text=True)
    assert "<b>Vet</b>" not in html and "<script>alert(1)" not in html
    assert "&lt;b&gt;Vet&lt;/b&gt; &amp; &#34;Co&#34;" in html or "&lt;b&gt;Vet&lt;/b&gt; &amp; &quot;Co&quot;" in html
    # Also where the name goes into the map's accessible name (an attribute) and its <title>.
    label = re.search(r'class="poster-area" role="img" aria-label="([^"]*)"', html).group(1)
    assert label.startswith("Kaart van het gebied van &lt;b&gt;Vet&lt;/b&gt; &amp;")


def test_no_beheerder_details_on_the_poster(poster_app):
    group_id = add_active(poster_app, "Posterprivacy Rijksweg")
    for lang in ("nl", "en"):
        html = poster_app.test_client().get(f"/groep/{group_id}/poster?lang={lang}").get_data(as_text=True)
        assert "Posterprivacy Rijksweg" in html
        for secret in (*SECRETS.values(), "87654321", "Gerda", "geheim"):
            assert secret not in html, secret
    example = poster_app.test_client().get("/groep/1/poster").get_data(as_text=True)
    assert "beheerder1@voorbeeld.invalid" not in example and "Voorbeeldbeheerder" not in example


@pytest.mark.parametrize("lang, message", [("nl", "Deze pagina bestaat niet."), ("en", "This page does not exist.")])
def test_only_approved_active_groups_have_a_poster(poster_app, lang, message):
    client = poster_app.test_client()
    pending = register_pending(poster_app, "Wacht op beoordeling")
    rejected = register_pending(poster_app, "Wordt afgewezen")
    deactivated = add_active(poster_app, "Wordt gedeactiveerd")
    with poster_app.app_context():
        store = app_services.current().store
        actions.review(
            store,
            rejected,
            "test",
            False,
            "nee",
            lambda group: Message("afwijzing", "nina@voorbeeld.invalid", "s", "b"),
        )
        actions.set_active(store, deactivated, "test", False)
    for group_id in (pending, rejected, deactivated, 999):
        response = client.get(f"/groep/{group_id}/poster?lang={lang}")
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and message in html, group_id
        assert "poster-qr-code" not in html
    with poster_app.app_context():
        actions.set_active(app_services.current().store, deactivated, "test", True)
    assert client.get(f"/groep/{deactivated}/poster").status_code == 200


def test_staff_and_the_beheerder_find_the_poster(mail_app, staff_user):
    staff = mail_app.test_client()
    login(staff, *staff_user)
    link = 'href="/groep/1/poster">Poster afdrukken</a>'
    assert link in staff.get("/beheer/groep/1").get_data(as_text=True)
    pending = register_pending(mail_app, "Nog niet goedgekeurd")
    assert "/poster" not in staff.get(f"/beheer/groep/{pending}").get_data(as_text=True)
    beheerder = mail_app.test_client()
    personal = beheerder.get(renewal_path(mail_app, 1))
    assert personal.status_code == 200 and link in personal.get_data(as_text=True)
    english = beheerder.get(renewal_path(mail_app, 1) + "?lang=en").get_data(as_text=True)
    assert 'href="/groep/1/poster?lang=en">Print a poster</a>' in english  # the asked language kept


def test_the_map_is_drawn_to_scale_in_rd_new(buurten):
    """The area on the map has the group's true shape: its path, read back in the map's metres, has the area's
    size in square metres, and north is up."""
    from geo_registry.spatial.poster_map import area_map_svg, frame_around

    area = shapely.union_all([b.geometry for b in buurten if b.name in ("Rijksweg-Zuid", "Oostereng")])
    svg = area_map_svg(area, buurten, "Kaart")
    paths = re.findall(r'<path d="([^"]*)"', svg)
    drawn_area = next(d for d in paths if "Z" in d)  # the area's path: closed rings (buurt borders are open lines)
    rings = [
        [tuple(map(float, pair.split())) for pair in re.findall(r"-?\d+ -?\d+", ring)]
        for ring in drawn_area.split("Z")
        if ring.strip()
    ]
    drawn = shapely.union_all([shapely.Polygon(ring) for ring in rings])
    assert drawn.area == pytest.approx(area_m2(area), rel=0.02)
    width, height = map(float, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    assert width / height == pytest.approx(1.6, rel=0.01)
    assert 0 <= drawn.bounds[0] and drawn.bounds[2] <= width and 0 <= drawn.bounds[1] and drawn.bounds[3] <= height
    # North up: the area's northernmost point is at the smallest y of the drawing (SVG's y axis points down).
    frame = frame_around(to_rd(area))
    assert drawn.bounds[1] == pytest.approx(frame.maxy - to_rd(area).bounds[3], abs=2)
    for name in ("Rijksweg-Zuid", "Oostereng"):
        assert f">{name}</text>" in svg
