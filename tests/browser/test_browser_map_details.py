"""Issue 9 #5 #8 #11: the answer next to the map, the map's own words and keyboard stops, and the area editor."""

import pytest
import shapely
from leaflet_map import FIND_MAP, fitted_to, settled_box
from pages import renewal_path
from staff_login import log_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


@pytest.fixture
def open_page(browser, live_server):
    """Open a page at a screen size and language; closes its context afterwards."""
    contexts = []

    def opener(path, viewport=DESKTOP, locale="nl-NL"):
        context = browser.new_context(viewport=viewport, locale=locale, base_url=live_server)
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
        return page

    yield opener
    for context in contexts:
        context.close()


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def in_view(page, selector, min_height=1):
    """Whether the element is in the viewport, at least min_height px of it."""
    rect = box(page, selector)
    height = page.viewport_size["height"]
    visible = min(rect["y"] + rect["height"], height) - max(rect["y"], 0)
    return visible >= min(min_height, rect["height"])


def lookup(page):
    page.fill("#postcode", "1251 KV")
    page.fill("#huisnummer", "12")
    page.press("#huisnummer", "Enter")
    page.wait_for_selector("#antwoord-inhoud .answer")
    page.wait_for_selector(".leaflet-marker-icon")


@pytest.mark.parametrize("viewport", SIZES)
def test_after_a_lookup_the_answer_and_the_map_are_in_view(open_page, viewport):
    page = open_page("/", viewport)
    lookup(page)
    assert "Brink 12, 1251 KV Laren" in page.locator("#antwoord-inhoud").inner_text()
    assert in_view(page, "#antwoord-inhoud .answer-address")
    if viewport is DESKTOP:
        assert in_view(page, ".answer .group-list")
        assert in_view(page, "#kaart", min_height=400)
        assert in_view(page, ".leaflet-marker-icon")
    else:  # one column: the answer comes before the search forms and the map
        assert box(page, "#antwoord")["y"] < box(page, "#zoeken")["y"] < box(page, "#kaart")["y"]
    assert page.evaluate(f"{FIND_MAP}.getZoom()") >= 15  # zoomed to the address


@pytest.mark.parametrize("viewport", SIZES)
def test_the_map_opens_fitted_to_the_municipality_with_readable_buurt_names(open_page, viewport, buurten):
    page = open_page("/", viewport)
    fitted = fitted_to(page, buurten)
    assert fitted[0] and fitted[1] == fitted[2], fitted
    labels = page.locator(".buurt-label")
    assert sorted(labels.all_text_contents()) == sorted(b.name for b in buurten)
    shown = [label.bounding_box() for label in labels.all() if label.is_visible()]
    assert len(shown) >= 3  # as many as fit without overlapping; the others appear when zooming in
    for i, a in enumerate(shown):
        for b in shown[i + 1 :]:
            assert (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            ), (a, b)
    page.evaluate(f"{FIND_MAP}.setZoom(17, {{animate: false}})")
    assert page.locator(".buurt-label:visible").count() >= 1
    legend = page.locator("#kaart-titel ~ .legend").inner_text()
    assert (
        "Geen groep" in legend
        and "Grens van een buurt" in legend
        and "Naam van een buurt" in legend
        and "Gevonden adres" in legend
    )


@pytest.mark.parametrize(
    "locale, zoom_in, zoom_out", [("nl-NL", "Inzoomen", "Uitzoomen"), ("en-GB", "Zoom in", "Zoom out")]
)
def test_zoom_buttons_speak_the_page_language(open_page, locale, zoom_in, zoom_out):
    page = open_page("/", locale=locale)
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
    assert page.get_attribute(".leaflet-control-zoom-out", "title") == zoom_out
    assert page.get_attribute(".leaflet-control-zoom-in", "aria-label") == zoom_in


@pytest.mark.parametrize(
    "locale, words",
    [
        ("nl-NL", ["Teken een veelhoek", "Teken een rechthoek", "Er is nog geen gebied om aan te passen.", "Inzoomen"]),
        ("en-GB", ["Draw a polygon", "Draw a rectangle", "There is no area to change yet.", "Zoom in"]),
    ],
)
def test_draw_buttons_speak_the_page_language(open_page, locale, words):
    page = open_page("/groep-aanmelden/", locale=locale)
    titles = page.eval_on_selector_all(".leaflet-control a", "els => els.map(e => e.title)")
    for word in words:
        assert word in titles, titles
    page.click(".leaflet-draw-draw-polygon")
    assert page.inner_text(".leaflet-draw-tooltip") in (
        "Klik om de eerste hoek te zetten.",
        "Click to place the first corner.",
    )
    assert page.inner_text(".leaflet-draw-actions").split("\n")[0] in ("Klaar", "Finish")


def test_map_shapes_are_not_keyboard_stops(open_page):
    page = open_page("/")
    focused = []
    page.focus("#toevoeging")
    for _ in range(40):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "document.activeElement.tagName.toLowerCase() + "
                "'.' + (document.activeElement.getAttribute('class') || '')"
            )
        )
    assert not [f for f in focused if f.startswith("path")], focused
    assert any("leaflet-control-zoom-in" in f for f in focused)  # the map's controls stay reachable


def open_group_popup(page, lat, lon):
    page.evaluate(
        f"""([lat, lon]) => {{
        const map = {FIND_MAP};
        map.setView([lat, lon], 16, {{animate: false}});
    }}""",
        [lat, lon],
    )
    page.locator("#kaart").scroll_into_view_if_needed()
    point = page.evaluate(
        f"""([lat, lon]) => {{
        const map = {FIND_MAP}, p = map.latLngToContainerPoint([lat, lon]),
              r = map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }}""",
        [lat, lon],
    )
    page.mouse.move(point[0] - 5, point[1] - 5)
    page.mouse.move(*point)
    page.wait_for_selector(".leaflet-tooltip-pane .map-tooltip")
    page.mouse.click(*point)
    page.wait_for_selector(".leaflet-popup-content a")


@pytest.mark.parametrize("viewport", SIZES)
def test_popup_link_is_a_large_enough_target_and_the_tooltip_gives_way(open_page, viewport, places):
    page = open_page("/", viewport)
    lat, lon = places["centrum"]
    open_group_popup(page, lat, lon)
    link = page.locator(".leaflet-popup-content a").bounding_box()
    assert link["width"] >= 24 and link["height"] >= 24, link
    tooltips = page.locator(".leaflet-tooltip-pane .map-tooltip")
    assert all(not t.is_visible() for t in tooltips.all())


def test_clicking_text_does_not_frame_the_whole_content(open_page):
    page = open_page("/")
    page.click("main h1")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    assert page.evaluate("getComputedStyle(document.getElementById('inhoud')).outlineStyle") == "none"
    page.keyboard.press("Tab")  # the keyboard still gets its focus frame
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


def editor_state(page):
    """The editor's drawn layers: their vertex counts (outer rings), whether all are in view, and the hidden
    field's parsed value."""
    return page.evaluate(f"""() => {{
        const map = {FIND_MAP}, drawn = [];
        map.eachLayer(l => {{ if (l instanceof L.Polygon && l.options.className === 'drawn-area') drawn.push(l); }});
        return {{counts: drawn.map(l => l.getLatLngs()[0].length),
                 inView: drawn.length > 0 && map.getBounds().contains(L.featureGroup(drawn).getBounds()),
                 value: JSON.parse(document.getElementById('gebied_getekend').value || 'null')}};
    }}""")


def drawn_corners(page) -> list:
    """The corners of the editor's drawn layers in degrees, as the map holds them (a panned map leaves them)."""
    return page.evaluate(f"""() => {{
        const map = {FIND_MAP}, corners = [];
        map.eachLayer(l => {{ if (l instanceof L.Polygon && l.options.className === 'drawn-area')
            corners.push(l.getLatLngs()[0].map(p => [p.lat, p.lng])); }});
        return corners;
    }}""")


def sent_area(value):
    """The area the hidden field sends, as one shapely geometry."""
    features = value["features"] if value["type"] == "FeatureCollection" else [value]
    return shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])


def stored_area(app, group_id):
    from geo_registry.web import services as app_services

    with app.app_context():
        return app_services.current().store.get(group_id).area


def outer_vertices(area):
    return sorted(len(p.exterior.coords) - 1 for p in shapely.get_parts(area))


def test_staff_edit_loads_the_current_area_into_the_editor(browser, live_server, mail_app, staff_user):
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL", base_url=live_server)
    page = context.new_page()
    log_in(page, staff_user, "/beheer/groep/1/bewerken")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    state = editor_state(page)
    area = stored_area(mail_app, 1)
    assert sorted(state["counts"]) == outer_vertices(area)
    assert state["inView"]
    assert shapely.hausdorff_distance(sent_area(state["value"]), area) < 1e-5  # what is sent is what is shown
    # saving without touching the area keeps it as it was
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    page.wait_for_url("**/beheer/groep/1")
    assert stored_area(mail_app, 1).equals_exact(area, 0)
    context.close()


def test_beheerder_change_loads_the_current_area_and_sends_the_moved_vertex(browser, live_server, mail_app):
    context = browser.new_context(viewport=PHONE, locale="nl-NL", base_url=live_server)
    page = context.new_page()
    page.goto(renewal_path(mail_app, 1) + "/wijzigen")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    before = editor_state(page)
    before_corners = drawn_corners(page)
    area = stored_area(mail_app, 1)
    assert sorted(before["counts"]) == outer_vertices(area)
    assert before["inView"]
    # move one corner by hand: the editor's own buttons, a drag, and "Bewaren"
    page.locator(".map-frame-small").scroll_into_view_if_needed()
    page.click("a[title='Gebied aanpassen']")
    handle = page.locator(".leaflet-editing-icon").first
    handle.wait_for(state="visible")
    corner = settled_box(page, handle)  # the map has stopped scrolling and panning into view
    x, y = corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2
    # The press must land on the handle itself, not on the map or a control over it.
    page.wait_for_function(
        "([el, x, y]) => el.contains(document.elementFromPoint(x, y))", arg=[handle.element_handle(), x, y]
    )
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y + 10, steps=5)
    page.mouse.up()
    moved = handle.bounding_box()
    shift = (moved["x"] - corner["x"], moved["y"] - corner["y"])
    assert abs(shift[0] - 15) < 2 and abs(shift[1] - 10) < 2, f"the handle went {shift}, not with the mouse"
    assert drawn_corners(page) != before_corners, "the corner did not go with the handle"
    field = page.locator("#gebied_getekend")
    unsaved = field.input_value()
    page.get_by_text("Bewaren", exact=True).click()
    # The editor writes the hidden field just after "Bewaren" (a task of its own): wait for it, do not race it.
    page.wait_for_function("before => document.getElementById('gebied_getekend').value !== before", arg=unsaved)
    after = editor_state(page)
    assert after["counts"] == before["counts"]
    sent = sent_area(after["value"])
    assert shapely.hausdorff_distance(sent, area) > 1e-5  # the moved corner is what is sent
    page.get_by_role("button", name="Wijziging versturen").click()
    page.get_by_text("Uw wijziging van").wait_for()  # a proposed change, not "nothing changed"
    context.close()
