"""Issue 9 #15: the staff coverage map, readable without telling red from green, in plain words."""

import pytest
from leaflet_map import FIND_MAP, fitted_to
from staff_login import log_in

from geo_registry.spatial.coverage import CLASSES

pytestmark = pytest.mark.browser

OKABE_ITO = {"#0072b2", "#56b4e9", "#f0e442", "#d55e00", "#e69f00", "#009e73", "#cc79a7", "#000000"}


@pytest.fixture(params=[{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def coverage_page(request, browser, live_server, staff_user):
    context = browser.new_context(viewport=request.param, locale="nl-NL", base_url=live_server)
    page = context.new_page()
    log_in(page, staff_user, "/beheer/dekking")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    yield page
    context.close()


def fills_by_class(page):
    """For each buurt drawn on the map: its coverage words, its colour and the pattern laid over it."""
    return page.evaluate(f"""() => {{
        const map = {FIND_MAP}, found = {{}};
        map.eachLayer(l => {{
            const p = l.feature && l.feature.properties;
            if (!p || !l._path) return;
            if (p.kind === 'wijk') {{
                found[p.code] = Object.assign(found[p.code] || {{}}, {{status: p.status,
                    colour: l._path.getAttribute('fill').toLowerCase()}});
            }} else if (p.kind === 'patroon') {{
                found[p.code] = Object.assign(found[p.code] || {{}}, {{pattern: l._path.getAttribute('fill')}});
            }}
        }});
        return Object.values(found);
    }}""")


def test_coverage_classes_differ_by_pattern_and_colour_blind_safe_colours(coverage_page):
    page = coverage_page
    fills = fills_by_class(page)
    assert {f["colour"] for f in fills} <= OKABE_ITO
    by_status = {f["status"]: f.get("pattern") for f in fills}
    assert by_status["Nog geen groep"] == "url(#patroon-geen)"
    assert by_status["Deels gedekt"] == "url(#patroon-deels)"
    assert by_status["Grotendeels gedekt"] is None  # plain sky blue, next to hatched and dotted
    for pattern in ("patroon-geen", "patroon-deels", "patroon-gat"):
        assert page.locator(f"svg pattern#{pattern}").count() == 1
    gap = page.evaluate(f"""() => {{ let fill = null;
        {FIND_MAP}.eachLayer(l => {{
            if (l.feature && l.feature.properties.kind === 'gat') fill = l._path.getAttribute('fill'); }});
        return fill; }}""")
    assert gap == "url(#patroon-gat)"
    legend = page.locator("#legenda-dekking + .legend").inner_text()
    for _, _, words, _ in CLASSES:
        assert words in legend
    for words in ("gearceerd", "gestippeld", "lichtblauw", "donkerblauw", "Naam van een buurt"):
        assert words in legend
    assert page.locator("#legenda-dekking + .legend svg").count() == len(CLASSES) + 1


def test_coverage_page_speaks_plainly_fits_the_municipality_and_puts_residents_without_group_first(
    coverage_page, buurten
):
    page = coverage_page
    text = page.locator("main").inner_text()
    assert "EPSG" not in text and "RD New" not in text
    assert "vierkante meters" in text
    fitted = fitted_to(page, buurten)
    assert fitted[0] and fitted[1] == fitted[2], fitted
    assert page.locator(".buurt-label").count() == len(buurten)
    rows = page.locator("#dekking tbody tr").all_inner_texts()
    assert rows[0].startswith("Postiljon") and "Nog geen groep" in rows[0]  # 1 address, no group
    # By the column's cell, not the row's text: on a phone each row is a card, its cells on lines of their own.
    shares = page.locator("#dekking tbody td[data-label='Adressen met groep']").all_inner_texts()
    without_addresses = [i for i, share in enumerate(shares) if share.strip() == "–"]
    with_addresses = [i for i in range(len(rows)) if i not in without_addresses]
    assert with_addresses and without_addresses and max(with_addresses) < min(without_addresses), rows
    assert rows.index(next(r for r in rows if r.startswith("Laren-Natuurgebied"))) >= len(with_addresses)
