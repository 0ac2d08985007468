"""Every page of the app in both languages, logged out and logged in: each fits a 320 px wide screen, and axe-core
(WCAG 2.1 A/AA) finds nothing serious at a desktop's width. The pages come from tests/pages.py, which
test_every_page.py holds to the app's URL map, so a new page is checked too.

One test per page and language, so that the workers share them out. A page is opened once for both checks: at 320 px
first (as most residents see it), then the window is widened to 1280 px, the page lays itself out again, and axe
runs (opening every page twice, once per check, cost half of this module's time). The pages of one language are
opened on one app per module and worker (its personal links made once by pages.prepare), in the order of
tests/pages.py, as a visitor's session would: a new app per page would cost more than the page's check."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from helpers import served
from pages import Visit, group_id_named, prepare, public_visits, staff_visits
from sites import mail_app_in
from staff_login import log_in
from test_browser_accessibility import add_axe_to_every_page, axe

pytestmark = pytest.mark.browser
SUBMIT = """([action, fields, forged]) => {
    const token = forged ? 'vervalst-token-0123456789' : document.querySelector('input[name=csrf_token]').value;
    const form = document.createElement('form');
    form.method = 'post';
    form.action = action;
    for (const [name, value] of Object.entries({...fields, csrf_token: token})) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""
# The labels of every visit, known before any link is made (the paths do not matter for the labels).
LINKS = dict.fromkeys(("confirm", "renewal", "accept", "plek", "waiting_confirm", "waiting_withdraw"), "/x")
PUBLIC = [visit.label for visit in public_visits({**LINKS, "number": 0, "name": ""})]
STAFF = [visit.label for visit in staff_visits(1)]
PAGES = [pytest.param(lang, label, id=f"{lang}-{label}") for lang in ("nl", "en") for label in PUBLIC + STAFF]
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 720}


def open_visit(page, visit: Visit):
    """Open the page as a visitor reaches it: by link, or by sending the form (with this session's token)."""
    if visit.post is None:
        response = page.goto(visit.path)
    else:
        page.goto(visit.form_page or visit.path)
        with page.expect_navigation() as navigation:
            page.evaluate(SUBMIT, [visit.path, visit.post, visit.forged])
        response = navigation.value
    page.wait_for_load_state("load")
    assert response.status == visit.status, (visit.label, response.status)


@dataclass
class Walk:
    """One app served for one language: a logged-out and a logged-in page, and every visit by label."""

    public: object
    staff: object
    visits: dict[str, Visit]

    def open(self, label: str):
        """Open the visit called label in the right session, 320 px wide; return the page."""
        visit = self.visits[label]
        page = self.staff if visit.staff else self.public
        page.set_viewport_size(PHONE)
        open_visit(page, visit)
        return page


def start_walk(stack: ExitStack, browser, folder, places, lang: str) -> Walk:
    """Serve a fresh populated app, make its personal links and a staff account, and open its two sessions."""
    app = stack.enter_context(mail_app_in(folder, places))
    url = stack.enter_context(served(app))
    made = app.test_cli_runner().invoke(args=["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"])
    assert "aangemaakt" in made.output, made.output
    links = prepare(app)  # now: its mail arrives through the delivery worker, which each test's end stops
    pages = []
    for _ in range(2):
        context = browser.new_context(base_url=url, viewport=PHONE, locale="nl-NL")
        stack.callback(context.close)
        add_axe_to_every_page(context)
        pages.append(context.new_page())
        pages[-1].goto(f"/taal/{lang}")
    log_in(pages[1], ("medewerker", "lang-genoeg-wachtwoord"))
    visits = public_visits(links) + staff_visits(group_id_named(app, links["name"]))
    return Walk(pages[0], pages[1], {visit.label: visit for visit in visits})


@pytest.fixture(scope="module")
def walk(browser, tmp_path_factory, places):
    """walk(lang): this worker's Walk for that language, started on first use."""
    with ExitStack() as stack:
        walks: dict[str, Walk] = {}

        def get(lang: str) -> Walk:
            if lang not in walks:
                walks[lang] = start_walk(stack, browser, tmp_path_factory.mktemp(f"walk-{lang}"), places, lang)
            return walks[lang]

        yield get


def test_every_visit_has_a_label_of_its_own():
    """The tests below find their visit by its label alone."""
    assert len(set(PUBLIC + STAFF)) == len(PUBLIC + STAFF) > 40


@pytest.mark.parametrize(("lang", "label"), PAGES)
def test_every_page_reflows_at_320_pixels_and_has_no_serious_violations(walk, lang, label):
    """WCAG 1.4.10: every page, in either language, fits a 320 px wide screen without sideways scrolling (long
    Dutch words such as 'Toegankelijkheidsverklaring' in a heading, an API path in code); and axe finds no serious or
    critical violation of WCAG 2.1 A/AA on it at 1280 px."""
    page = walk(lang).open(label)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size(DESKTOP)  # the page lays itself out again before the driver returns
    assert page.evaluate("window.innerWidth") == DESKTOP["width"]
    found = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in axe(page)
        if v["impact"] in ("serious", "critical")
    ]
    assert found == []
