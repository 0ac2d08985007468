"""A proposed area change is not reviewed blind: before "Wijziging doorvoeren", the group's page shows the current and
the proposed area on one map (distinct, named, with a legend), and in words: the buurten of each, the size of each
in hectares, and the proposal's overlaps with other groups (name and share)."""

from __future__ import annotations

import re

import pytest
import shapely
from helpers import login, make_app

from geo_registry.core.geometry import area_m2
from geo_registry.domain import renewal
from geo_registry.domain.groups import Group
from geo_registry.web import services as app_services

ZWARTE_BERG, STEENBERGEN, CENTRUM = "BU04170329", "BU04170327", "BU04170320"


def union(app, *codes):
    """The picked buurten together, as the map editor sends them (rounded to 6 decimals: slivers at the edges)."""
    with app.app_context():
        shapes = [b.geometry for b in app_services.current().buurten if b.code in codes]
    return shapely.set_precision(shapely.union_all(shapes), 1e-6)


def proposal_app(tmp_path, db_url, **overrides):
    """An app with Zwarte Berg's group, whose beheerder proposes Zwarte Berg + Steenbergen + Laren-Centrum, and a
    group covering Laren-Centrum; return (app, the group's id, the proposed area)."""
    app = make_app(tmp_path, DATABASE_URL=db_url, **overrides)
    proposed = union(app, ZWARTE_BERG, STEENBERGEN, CENTRUM)
    with app.app_context():
        store = app_services.current().store
        group_id = store.add(Group(None, "Zwarte Berg Waakt", union(app, ZWARTE_BERG), "Bea", "bea@voorbeeld.invalid"))
        store.add(Group(None, "Buurtapp Centrum", union(app, CENTRUM), "Cor", "cor@voorbeeld.invalid"))
        renewal.propose_change(store, group_id, {"area": proposed})
    return app, group_id, proposed


def staff_page(app, group_id, lang="nl") -> str:
    runner = app.test_cli_runner()
    assert "aangemaakt" in runner.invoke(args=["create-staff", "bel", "--password", "lang-genoeg-wachtwoord"]).output
    client = app.test_client()
    login(client, "bel", "lang-genoeg-wachtwoord")
    answer = client.get(f"/beheer/groep/{group_id}?lang={lang}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def section(page: str, key: str, text: bool = True) -> str:
    """One side of the comparison (huidig or voorgesteld): its text with the tags removed, or its HTML."""
    part = re.search(rf'<section class="proposal-side" aria-labelledby="{key}-\d+">(.*?)</section>', page, re.S)
    assert part, key
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part.group(1))) if text else part.group(1)


def buurten_listed(html: str) -> list[tuple[str, str]]:
    """The buurten a side lists, with their share of its area."""
    return re.findall(r"<li>([^<]+?) \((\d+)% van het gebied\)</li>", html)


def hectares(geometry) -> str:
    return f"{area_m2(geometry) / 10_000:.1f}".replace(".", ",") + " ha"


@pytest.mark.both_databases
def test_the_review_shows_both_areas_in_words_before_the_decision(tmp_path, db_url):
    app, group_id, proposed = proposal_app(tmp_path, db_url)
    page = staff_page(app, group_id)
    decide = page.index("Wijziging doorvoeren")
    current, new = section(page, "huidig"), section(page, "voorgesteld")
    assert page.index('id="voorstel-') < decide and page.index('id="legenda-gebied"') < decide
    assert hectares(union(app, ZWARTE_BERG)) in current and hectares(proposed) in new
    # The buurten of each, by share of the area; the metre-wide edges along Laren-Natuurgebied and Rijksweg-Noord
    # are slivers, not buurten of the area.
    assert buurten_listed(section(page, "huidig", text=False)) == [("Zwarte Berg", "100")]
    assert [name for name, _ in buurten_listed(section(page, "voorgesteld", text=False))] == [
        "Zwarte Berg",
        "Steenbergen",
        "Laren-Centrum",
    ]
    share = round(area_m2(union(app, CENTRUM)) / area_m2(proposed) * 100)
    assert f"Buurtapp Centrum: {share}% van het voorgestelde gebied" in new
    assert "Overlap met andere groepen" not in current


@pytest.mark.both_databases
def test_the_map_draws_the_current_and_the_proposed_area_named(tmp_path, db_url):
    app, group_id, proposed = proposal_app(tmp_path, db_url)
    page = staff_page(app, group_id)
    assert "Kaart met het huidige en het voorgestelde gebied van Zwarte Berg Waakt" in page
    assert '"name": "Huidig gebied"' in page and '"name": "Voorgesteld gebied"' in page
    assert '"dashArray": "8 6"' in page  # the current area dashed, so that it differs by line, not colour alone
    legend = page[page.index('id="legenda-gebied"') : page.index("</ul>", page.index('id="legenda-gebied"'))]
    assert "Huidig gebied" in legend and "Voorgesteld gebied" in legend and "gestreepte" in legend
    minx, miny, maxx, maxy = proposed.bounds  # fitted to both areas, not to the current one alone
    # Fitted once, straight onto both areas: a second fit runs when the map is ready and glides there animated from
    # the municipality, the areas outside the frame meanwhile.
    (fitted,) = re.findall(r"fitBounds\(\s*\[\[([\d.]+), ([\d.]+)\], \[([\d.]+), ([\d.]+)\]\]", page)
    assert [float(v) for v in fitted] == pytest.approx([miny, minx, maxy, maxx], abs=1e-6)


def test_the_comparison_in_english(tmp_path):
    app, group_id, _ = proposal_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    page = staff_page(app, group_id, "en")
    new = section(page, "voorgesteld")
    assert "Proposed area" in new and "Buurtapp Centrum:" in new and "of the proposed area" in new
    assert "Current area" in section(page, "huidig") and "ha" in new


def test_without_a_proposed_area_the_page_shows_the_area_alone(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        store = app_services.current().store
        group_id = store.add(Group(None, "Alleen", union(app, CENTRUM), "Bea", "bea@voorbeeld.invalid"))
        renewal.propose_change(store, group_id, {"name": "Alleen Nieuw"})
    page = staff_page(app, group_id)
    assert "Kaart met het gebied van Alleen" in page and 'id="legenda-gebied"' not in page and "voorstel-" not in page
    assert page.count("fitBounds(") == 1  # opened on the group's area, not on the municipality first
