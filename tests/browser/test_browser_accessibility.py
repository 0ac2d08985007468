"""WCAG 2.1 AA checks with axe-core (installed by npm, injected from node_modules): the harness (every page in both
languages is checked, and its reflow at 320 px, in test_browser_every_page.py), form errors, and keyboard-only use of
the lookup and the join form."""

from collections import Counter

import pytest

from geo_registry.core.config import ROOT
from geo_registry.web import settings as app_settings

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
    if not page.evaluate("typeof axe !== 'undefined'"):  # not already added to every page by add_axe_to_every_page
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # Violations only: the passes and the rules that do not apply are not read, and leaving out their details
    # halves the run (axe's documented option for this).
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    return result["violations"]


def add_axe_to_every_page(context) -> None:
    """Have axe-core ready in every page the context opens (through the driver, so the page's CSP allows it):
    evaluating its 500 KB on each page took a third of the time of a page's check."""
    context.add_init_script(path=AXE)


def check(page, url, label):
    """Open url, run axe, and fail on any serious or critical violation."""
    page.goto(url)
    page.wait_for_load_state("load")
    violations = axe(page)
    SUMMARY["pages"] += 1
    for violation in violations:
        SUMMARY[violation["impact"]] += 1
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
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


def send_by_keyboard(page, button_name):
    """Focus the form's button and press Enter, as a keyboard user sends a form; wait for the answer page."""
    page.get_by_role("button", name=button_name).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)])
def test_a_form_sent_back_with_errors_puts_focus_on_its_error_summary(browser, live_server, size):
    """WCAG 3.3.1/2.4.3: after sending a form with mistakes, focus was on the page body: a screen reader did not
    read the (role=alert, present at load) summary and a keyboard user started again at the top of the page."""
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    for form_page, button in [
        ("/groep-aanmelden/", "Groep aanmelden"),
        ("/groep/1/aanmelden", "Aanmelding versturen"),
        ("/?postcode=1251PT&huisnummer=3", "Stuur mij een e-mail"),
    ]:
        page.goto(form_page)
        send_by_keyboard(page, button)
        assert page.evaluate("document.activeElement.id") == "foutmeldingen", form_page
        # The summary's first link takes the keyboard on to the field it names.
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        target = page.evaluate("document.activeElement.id")
        assert target and target != "foutmeldingen", form_page
    page.goto("/groep-aanmelden/")  # a page without errors keeps the usual start (the skip link first)
    assert page.evaluate("document.activeElement.tagName") == "BODY"
    context.close()


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)])
def test_checking_the_area_puts_focus_on_the_result(browser, live_server, size):
    """'Gebied controleren' reloads the form with the area's size and overlaps far down the page; focus was on
    the body at the top, so a keyboard user had to tab back down and a screen reader said nothing of the result."""
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    page.fill("#naam", "Postiljon Alert")
    page.fill("#beheerder_naam", "Kees")
    page.fill("#email", "kees@voorbeeld.invalid")
    page.get_by_label("Postiljon").focus()
    page.keyboard.press("Space")
    send_by_keyboard(page, "Gebied controleren")
    focused = page.evaluate("""() => { const e = document.activeElement, r = e.getBoundingClientRect();
        return [e.getAttribute('role'), e.innerText, r.top >= 0 && r.top < innerHeight]; }""")
    assert focused[0] == "status" and "hectare" in focused[1] and focused[2], focused
    assert page.get_by_label("Postiljon").is_checked()
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
    page.set_content(
        '<html lang="nl"><head><title>t</title></head><body><main><img src="/x.png">'
        '<input type="text"><p>grijs</p></main></body></html>'
    )
    # Through the DOM, as Leaflet styles its elements: the policy applies no inline style attribute.
    page.evaluate("document.querySelector('p').style.cssText = 'color: #bbb; background: #fff'")
    found = {v["id"]: v["impact"] for v in axe(page)}
    assert found.get("image-alt") == "critical" and found.get("label") == "critical"
    assert found.get("color-contrast") == "serious"
    context.close()


PHONE_LINES = """(phone) => {
    // The distinct line tops of each occurrence of the phone number (spaces of any kind) in the page's text.
    const pattern = new RegExp(phone.split(' ').join('[\\\\s\\u00a0]'), 'g');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(pattern)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            found.push(new Set([...range.getClientRects()].map(r => Math.round(r.top))).size);
        }
    }
    return found;
}"""


@pytest.mark.parametrize("width", [320, 360, 390])
def test_the_phone_number_stays_on_one_line(browser, live_server, mail_app, width):
    """On a phone the footer read 'telefoon 14' at the end of one line and '035.' on the next: an older resident
    dials 14. The municipality's number never breaks (footer on every page, the no-group answer, the join reply)."""
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": width, "height": 800})
    page = context.new_page()
    phone = app_settings.of(mail_app).CONTACT_PHONE
    for path in [
        "/",
        "/?postcode=1251PT&huisnummer=3",
        "/groep/1/poster",
        *[f"/informatie/{slug}" for slug in ("contact", "meedoen", "toegankelijkheid")],
    ]:
        page.goto(path)
        lines = page.evaluate(PHONE_LINES, phone)
        assert lines and set(lines) == {1}, (path, lines)
    context.close()


FOCUS_CONTRAST = """() => {
    // The best contrast between a colour of the focused element's indicator (its outline and box-shadow) and the
    // background around it (the nearest ancestor that paints one), as WCAG 1.4.11 asks of a focus indicator.
    const rgb = text => (text.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
    const lum = ([r, g, b]) => 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    const ch = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const element = document.activeElement;
    let around = element.parentElement, background = [255, 255, 255];
    for (; around; around = around.parentElement) {
        const colour = rgb(getComputedStyle(around).backgroundColor);
        if (colour.length === 3 || colour[3] > 0) { background = colour.slice(0, 3); break; }
    }
    const style = getComputedStyle(element), colours = [];
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) colours.push(rgb(style.outlineColor));
    for (const shadow of (style.boxShadow.match(/rgba?\\([^)]*\\)/g) || [])) colours.push(rgb(shadow));
    return Math.max(0, ...colours.map(c => ratio(c.slice(0, 3), background)));
}"""


def test_the_focus_indicator_stands_out_from_what_is_around_it(browser, live_server):
    """WCAG 1.4.11 and 2.4.7: the light yellow focus frame (#ffbf47) was 1.6:1 against the white page, so a
    keyboard user could hardly see which link, field or button had focus outside the blue header; a text area
    and a street list's summary had only the browser's thin default ring."""
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport={"width": 390, "height": 844})
    page = context.new_page()
    weak = []
    for path in ["/", "/overzicht", "/groep-aanmelden/"]:
        page.goto(path)
        for _ in range(60):
            page.keyboard.press("Tab")
            label = page.evaluate(
                "(e => e.tagName + '#' + e.id + ' ' + (e.innerText || '').slice(0, 30))(document.activeElement)"
            )
            if label.startswith("BODY"):
                break
            if page.evaluate(FOCUS_CONTRAST) < 3:
                weak.append((path, label))
    context.close()
    assert weak == []


def test_the_buurt_checkboxes_are_targets_of_at_least_24_pixels_on_a_phone(browser, live_server):
    """Ticking buurten is how a group's area is made without the map: each box is large enough to hit with a
    finger on its own (WCAG 2.5.8), not only thanks to its label."""
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, locale="nl-NL")
    page = context.new_page()
    page.goto("/groep-aanmelden/")
    boxes = page.eval_on_selector_all(
        ".checkbox input", "all => all.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])"
    )
    assert boxes and all(width >= 24 and height >= 24 for width, height in boxes), boxes[:3]
    context.close()
