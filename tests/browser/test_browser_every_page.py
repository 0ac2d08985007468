"""axe-core (WCAG 2.1 A/AA) on every page of the app in both languages, logged out and logged in: the pages
come from tests/pages.py, which test_every_page.py holds to the app's URL map, so a new page is checked too."""

import pytest
from pages import Visit, group_id_named, prepare, public_visits, staff_visits
from staff_login import log_in
from test_browser_accessibility import axe

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


def serious(page, visit: Visit, lang: str) -> list:
    """Open the visit and return axe's serious and critical violations."""
    open_visit(page, visit)
    return [
        (lang, visit.label, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in axe(page)
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_has_no_serious_violations(browser, live_server, mail_app, staff_user, lang):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.goto(f"/taal/{lang}")
    links = prepare(mail_app)
    found = []
    for visit in public_visits(links):
        found += serious(page, visit, lang)
    assert page.locator("html").get_attribute("lang") == lang
    log_in(page, staff_user)
    for visit in staff_visits(group_id_named(mail_app, links["name"])):
        found += serious(page, visit, lang)
    context.close()
    assert found == []
