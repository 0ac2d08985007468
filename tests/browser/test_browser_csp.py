"""Defence in depth: were escaping to fail somewhere, markup injected into a page still runs no script, because
the Content-Security-Policy only lets the app's own files and its nonce-carrying map script run."""
import pytest

pytestmark = pytest.mark.browser

INJECTED = ('<img src="/x" onerror="window.__xss=\'handler\'">'
            '<script>window.__xss=\'inline\'</script>'
            '<a id="js-link" href="javascript:window.__xss=\'link\'">x</a>')


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
