"""WCAG 2.1 AA checks with axe-core (installed by npm, injected from node_modules): the harness (every page in both
languages is checked in test_browser_every_page.py), form errors, and keyboard-only use of the lookup and the join
form."""
from collections import Counter

import pytest

from geo_registry.config import ROOT

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SUMMARY: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def report():
    """After the module: say how many pages axe checked and what it found, by impact (shown with -s)."""
    yield
    print(f"\naxe-core WCAG 2.1 A/AA: {dict(SUMMARY)}")


def axe(page) -> list[dict]:
    """Run axe-core for WCAG 2.0/2.1 A and AA on the page; return its violations."""
    # Evaluated through the driver, like a console: the page's CSP blocks an injected inline <script>.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return result["violations"]


def check(page, url, label):
    """Open url, run axe, and fail on any serious or critical violation."""
    page.goto(url)
    page.wait_for_load_state("load")
    violations = axe(page)
    SUMMARY["pages"] += 1
    for violation in violations:
        SUMMARY[violation["impact"]] += 1
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
           if v["impact"] in ("serious", "critical")]
    assert bad == [], (label, url, bad)
    return violations


def test_form_errors_have_no_serious_violations(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.get_by_role("button", name="Groep aanmelden").click()
    page.locator("#foutmeldingen").wait_for()
    check(page, page.url, "registration errors")
    page.goto("/groep/1/aanmelden")
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.locator("#foutmeldingen").wait_for()
    check(page, page.url, "join errors")
    context.close()


def test_lookup_by_keyboard_alone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"  # the skip link comes first
    page.keyboard.press("Enter")
    for _ in range(30):  # tab on until the postcode field has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "postcode":
            break
    assert page.evaluate("document.activeElement.id") == "postcode"
    page.keyboard.type("1251 KV")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    page.locator("#antwoord-inhoud").get_by_text("Brink 12, 1251 KV Laren").wait_for()
    assert "Voorbeeld: Buurtapp Brink en Centrum" in page.locator("#antwoord-inhoud").inner_text()
    outline = page.evaluate("""() => { const f = document.getElementById('postcode'); f.focus();
        return getComputedStyle(f).outlineStyle; }""")
    assert outline != "none"  # focus is visible
    context.close()


def test_join_form_by_keyboard_alone_without_javascript(browser, live_server, mail_app):
    context = browser.new_context(base_url=live_server, locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.goto("/groep/1/aanmelden")
    page.locator("#naam").focus()
    page.keyboard.type("Toets Bewoner")
    page.keyboard.press("Tab")
    page.keyboard.type("06 12345678")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type("toets@voorbeeld.invalid")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Uw aanmelding is onderweg naar de beheerder").wait_for()
    assert mail_app.smtp.to("beheerder1@voorbeeld.invalid")
    context.close()


def test_reflow_at_320_pixels(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 320, "height": 640}, locale="nl-NL")
    page = context.new_page()
    for url in ["/", "/overzicht", "/groep-aanmelden/", "/groep/1/aanmelden", "/informatie/privacy"]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
    context.close()




def test_the_axe_harness_catches_real_problems(browser, live_server):
    """The checks above can fail: the same harness flags an unlabelled field and an image without text."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.goto("/api/ping")
    page.set_content('<html lang="nl"><head><title>t</title></head><body><main><img src="/x.png">'
                     '<input type="text"><p>grijs</p></main></body></html>')
    # Through the DOM, as Leaflet styles its elements: the policy applies no inline style attribute.
    page.evaluate("document.querySelector('p').style.cssText = 'color: #bbb; background: #fff'")
    found = {v["id"]: v["impact"] for v in axe(page)}
    assert found.get("image-alt") == "critical" and found.get("label") == "critical"
    assert found.get("color-contrast") == "serious"
    context.close()
