"""Issue 22 #7: on a 390 px phone a staff table shows every column without a sideways scroll (each row a card, each
value under its column's name); at 1280 px it stays a table with its header row. axe finds nothing serious."""

import pytest
from pages import staff_visits
from staff_login import log_in
from test_browser_accessibility import axe
from test_browser_staff_phone import long_pending_group

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Per table: whether its box scrolls sideways, cells sticking out of the screen, and the cells whose column name is
# not shown beside them (a card's value without its label).
TABLES = """(limit) => [...document.querySelectorAll('table.table')].map(t => {
  const box = t.parentElement;
  const cells = [...t.querySelectorAll('tbody td, tbody th')];
  return {
    id: t.id || t.querySelector('caption')?.textContent,
    scrolls: box.scrollWidth > box.clientWidth + 1 || t.scrollWidth > t.clientWidth + 1,
    outside: cells.filter(c => c.getBoundingClientRect().right > limit + 1).length,
    unlabelled: cells.filter(c => c.tagName === 'TD' && !c.classList.contains('card-title'))
      .filter(c => !(getComputedStyle(c, '::before').content || '').includes(c.dataset.label || '\\u0000')).length,
    header: t.querySelector('thead').getBoundingClientRect().height,
  };
})"""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_staff_tables_become_cards_on_a_phone(browser, live_server, mail_app, staff_user, lang):
    pending = long_pending_group(mail_app)
    mail_app.smtp.fail = True  # the outbox has a row
    mail_app.smtp.settle()
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="nl-NL", is_mobile=True)
    page = context.new_page()
    page.goto(f"/taal/{lang}")
    log_in(page, staff_user)
    seen, wrong, serious = 0, {}, {}
    for visit in staff_visits(pending):
        page.goto(visit.path)
        page.wait_for_load_state("load")
        for table in page.evaluate(TABLES, PHONE["width"]):
            seen += 1
            if table["scrolls"] or table["outside"] or table["unlabelled"]:
                wrong[(visit.path, table["id"])] = table
        if page.locator("table.table").count():
            bad = [v["id"] for v in axe(page) if v["impact"] in ("serious", "critical")]
            if bad:
                serious[visit.path] = bad
    context.close()
    assert seen >= 6 and wrong == {} and serious == {}


def test_the_named_columns_read_as_label_and_value_on_a_phone(browser, live_server, staff_user):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="nl-NL", is_mobile=True)
    page = context.new_page()
    log_in(page, staff_user)
    page.goto("/beheer/")
    cell = page.locator("td[data-label='Laatst bevestigd']").first
    assert cell.is_visible() and cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE["width"]
    page.goto("/beheer/dekking")
    for label in ("Groepen", "Bewoners die wachten op een groep"):
        cell = page.locator(f"#dekking td[data-label='{label}']").first
        box = cell.bounding_box()
        assert cell.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
        assert label in cell.evaluate("c => getComputedStyle(c, '::before').content"), label
    context.close()


def test_on_a_wide_screen_a_table_keeps_its_header_row(browser, live_server, staff_user):
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="nl-NL")
    page = context.new_page()
    log_in(page, staff_user)
    page.goto("/beheer/dekking")
    [table] = page.evaluate(TABLES, DESKTOP["width"])
    assert table["header"] > 10 and not table["scrolls"]
    assert page.locator("#dekking thead th", has_text="Groepen").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#dekking tbody tr')).display") == "table-row"
    context.close()
