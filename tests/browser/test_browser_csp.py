"""Defence in depth: were escaping to fail somewhere, markup injected into a page still runs no script, because
the Content-Security-Policy only lets the app's own files and its nonce-carrying map script run."""

import pytest

pytestmark = pytest.mark.browser

INJECTED = (
    '<img src="/x" onerror="window.__xss=\'handler\'">'
    "<script>window.__xss='inline'</script>"
    '<a id="js-link" href="javascript:window.__xss=\'link\'">x</a>'
)


@pytest.mark.parametrize("path", ["/", "/groep-aanmelden/"])
def test_injected_markup_runs_nothing_while_the_map_works(browser, live_server, path):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()

    def inject(route):
        """Serve the app's real answer (its headers included) with hostile markup in the page."""
        response = route.fetch()
        body = response.text().replace('<main id="inhoud"', INJECTED + '<main id="inhoud"', 1)
        route.fulfill(response=response, body=body)

    page.route(live_server + path, inject)
    page.goto(path)
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")  # the map script ran
    page.click("#js-link")
    page.wait_for_load_state("networkidle")
    assert page.locator("#js-link").count() == 1  # the markup did reach the page
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("typeof window.GeoRegistry.attachMap") == "function"
    assert len(browser.violations) >= 3, browser.violations  # each of the three was refused, and said so
    browser.violations.clear()  # expected here; every other browser test fails on a violation
    context.close()


def rgb(hex_colour: str) -> str:
    """'#D55E00' as the browser's computed colour, 'rgb(213, 94, 0)'."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def test_injected_styles_are_not_applied_and_each_legend_swatch_has_its_areas_colour(browser, live_server):
    """No inline style is allowed: an injected style attribute or <style> element changes nothing a person sees,
    while the legend's swatches (styled from the site's stylesheet) still show the colours of the areas."""
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()

    def inject(route):
        response = route.fetch()
        hostile = '<p id="styled" style="color: rgb(255, 0, 0)">x</p><style>main { display: none }</style>'
        body = response.text().replace('<main id="inhoud"', hostile + '<main id="inhoud"', 1)
        route.fulfill(response=response, body=body)

    page.route(live_server + "/", inject)
    page.goto("/")
    page.wait_for_selector(".folium-map path.leaflet-interactive", state="attached")
    assert page.eval_on_selector("#styled", "e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    assert page.locator("main#inhoud").is_visible()
    swatches = page.eval_on_selector_all(
        ".legend .swatch[class*='swatch-colour-']", "all => all.map(e => getComputedStyle(e).backgroundColor)"
    )
    fills = page.eval_on_selector_all(
        ".folium-map path.leaflet-interactive", "all => all.map(e => e.getAttribute('fill'))"
    )
    areas = {rgb(fill) for fill in fills if fill and fill.startswith("#") and len(fill) == 7}
    assert swatches and set(swatches) <= areas, (swatches, areas)
    assert len(browser.violations) >= 2, browser.violations  # the style attribute and the <style>, each refused
    browser.violations.clear()
    context.close()
