"""Registering a group by buurten in a real browser: what the map shows is what the form sends."""

import pytest

pytestmark = pytest.mark.browser

KEPT, DROPPED = "BU04170324", "BU04170325"


def highlighted(page) -> dict:
    """Return {buurtcode: whether the map shows it as part of the area} for the ticked-buurt codes."""
    return page.evaluate(
        """(codes) => {
            const name = Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k));
            const found = {};
            window[name].eachLayer(layer => {
                const code = layer.feature && layer.feature.properties && layer.feature.properties.code;
                if (codes.includes(code)) { found[code] = layer.options.fillOpacity > 0.3; }
            });
            return found;
        }""",
        [KEPT, DROPPED],
    )


def stored_area(app, name):
    """Return the area of the named registration as stored."""
    from geo_registry.web import services as app_services

    with app.app_context():
        return next(g.area for g in app_services.current().store.list(status=None) if g.name == name)


def test_an_unticked_buurt_leaves_the_area_after_checking(browser, live_server, mail_app, buurten):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.fill("#naam", "Buurtengroep")
    page.fill("#beheerder_naam", "Bea Buurt")
    page.fill("#email", "bea@voorbeeld.invalid")
    page.check(f"#buurt-{KEPT}")
    page.check(f"#buurt-{DROPPED}")
    assert highlighted(page) == {KEPT: True, DROPPED: True}
    page.get_by_role("button", name="Gebied controleren").click()
    page.get_by_text("Het gebied is").wait_for()

    page.uncheck(f"#buurt-{DROPPED}")
    assert highlighted(page) == {KEPT: True, DROPPED: False}  # the map no longer shows the unticked buurt
    assert page.input_value("#gebied_getekend") == ""  # and nothing drawn brings it back
    page.get_by_text("Gekozen buurten: 1.").wait_for()
    page.get_by_role("button", name="Groep aanmelden").click()
    page.get_by_role("heading", name="Bijna klaar: bevestig uw e-mailadres").wait_for()

    area = stored_area(mail_app, "Buurtengroep")
    by_code = {b.code: b.geometry for b in buurten}
    assert area.intersection(by_code[DROPPED]).area < 1e-9
    assert area.symmetric_difference(by_code[KEPT]).area < 1e-6 * by_code[KEPT].area
    context.close()


def test_what_was_drawn_stays_after_checking_without_the_ticked_buurt(browser, live_server, mail_app, buurten):
    import json

    from helpers import inside

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.fill("#naam", "Getekend plus buurt")
    page.fill("#beheerder_naam", "Bea Buurt")
    page.fill("#email", "bea@voorbeeld.invalid")
    lat, lon = inside(buurten, "Rijksweg-Zuid")
    square = [
        [lon - 0.0008, lat - 0.0004],
        [lon + 0.0008, lat - 0.0004],
        [lon + 0.0008, lat + 0.0004],
        [lon - 0.0008, lat + 0.0004],
        [lon - 0.0008, lat - 0.0004],
    ]
    page.check(f"#buurt-{DROPPED}")
    # As drawn on the map: the hidden field holds the drawing's GeoJSON (drawing itself is tested elsewhere).
    page.evaluate(
        "(value) => { document.getElementById('gebied_getekend').value = value; }",
        json.dumps({"type": "Polygon", "coordinates": [square]}),
    )
    page.get_by_role("button", name="Gebied controleren").click()
    page.get_by_text("Het gebied is").wait_for()
    page.get_by_text("Getekend: 1 deel. Gekozen buurten: 1.").wait_for()

    page.uncheck(f"#buurt-{DROPPED}")
    page.get_by_role("button", name="Groep aanmelden").click()
    page.get_by_role("heading", name="Bijna klaar: bevestig uw e-mailadres").wait_for()
    area = stored_area(mail_app, "Getekend plus buurt")
    drawn = next(b for b in buurten if b.name == "Rijksweg-Zuid")  # the square lies inside it
    assert area.intersection({b.code: b for b in buurten}[DROPPED].geometry).area < 1e-9
    assert area.within(drawn.geometry.buffer(1e-9))
    context.close()
