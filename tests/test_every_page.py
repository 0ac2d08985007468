"""Every page, in both languages: the page list follows the URL map, and no English page shows Dutch text
(found by what is visible, compared with the Dutch page and the message catalogue, not by a word list)."""

import pytest
from helpers import login
from pages import SKIP, fetch, group_id_named, prepare, public_visits, staff_visits, uncovered_get_endpoints
from visible_text import dutch_messages, untranslated, visible_lines

from geo_registry.web import settings as app_settings


def test_every_page_of_the_url_map_is_visited(app):
    """A new page gets an axe check and a translation check, or a reason in pages.SKIP."""
    assert uncovered_get_endpoints(app) == [], "add a Visit in tests/pages.py (or a reason in SKIP)"
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(SKIP) <= endpoints, f"SKIP names endpoints that no longer exist: {sorted(set(SKIP) - endpoints)}"


def all_pages(app, staff_user, lang: str) -> dict:
    """label -> visible lines of every page in lang, each checked for its status."""
    client = app.test_client()
    client.get(f"/taal/{lang}")
    links = prepare(app)
    seen = {}
    for visit in public_visits(links):
        response = fetch(client, visit)
        assert response.status_code == visit.status, (lang, visit.label, response.status_code)
        seen[visit.label] = visible_lines(response.get_data(as_text=True))
    app.smtp.settle()  # the worker process has sent what the visits queued: the staff's outbox page is empty
    login(client, *staff_user)
    for visit in staff_visits(group_id_named(app, links["name"])):
        response = fetch(client, visit)
        assert response.status_code == visit.status, (lang, visit.label, response.status_code)
        seen[visit.label] = visible_lines(response.get_data(as_text=True))
    return seen


def data_names(app) -> set:
    """What the register holds and shows as it is: group, beheerder and buurt names, descriptions, users."""
    from geo_registry.web import services as app_services

    with app.app_context():
        current = app_services.current()
        groups = current.store.list(status=None)
        names = (
            {g.name for g in groups}
            | {g.beheerder_name for g in groups}
            | {g.description for g in groups if g.description}
            | {w.name for w in current.buurten}
        )
    return names | {
        "medewerker",
        "Brink",
        "Postiljonlaan",
        "Paula Pagina",
        "Henk Hand",
        "Olle Overname",
        "Bram",
        "Pien",
        app_settings.of(app).GEMEENTENAAM,
    }


@pytest.fixture(scope="module")
def catalogue():
    return dutch_messages()


@pytest.mark.slow
def test_english_pages_show_no_dutch(mail_app, staff_user, catalogue):
    """Every page (public, beheerder links, errors, staff) in English against the same page in Dutch."""
    dutch = all_pages(mail_app, staff_user, "nl")
    english = all_pages(mail_app, staff_user, "en")
    assert dutch.keys() == english.keys()
    names = data_names(mail_app)
    problems = {label: untranslated(english[label], dutch[label], names, catalogue) for label in english}
    problems = {label: found for label, found in problems.items() if found}
    assert problems == {}, "\n".join(f"{label}: {found}" for label, found in problems.items())


def test_the_check_finds_a_string_left_untranslated(mail_app, catalogue):
    """The check can fail: the English join form with a button, a label or a sentence left in Dutch."""
    from babel.messages.pofile import read_po

    from geo_registry.core.config import ROOT

    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        source_of = {m.string: m.id for m in read_po(handle) if isinstance(m.id, str) and m.id}
    client = mail_app.test_client()
    html = client.get("/groep/1/aanmelden?lang=en").get_data(as_text=True)
    dutch = visible_lines(client.get("/groep/1/aanmelden?lang=nl").get_data(as_text=True))
    names = data_names(mail_app)
    assert untranslated(visible_lines(html), dutch, names, catalogue) == []
    for english in ("Send request", "Your e-mail address", "The administrator can reply to you at this address."):
        assert html.count(english) == 1, english
        left_dutch = html.replace(english, source_of[english])
        found = untranslated(visible_lines(left_dutch), dutch, names, catalogue)
        assert any(source_of[english] in problem for problem in found), (english, found)
