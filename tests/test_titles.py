"""Every page has a title that says what it is, and a meta description, in both languages."""

import html
import re

import pytest
from helpers import login
from pages import fetch, group_id_named, prepare, public_visits, staff_visits

# Visits that are the same kind of page (and so may share a title): the error page for two different refusals.
# The same refusal, reached in different ways: an invitation's broken link is a link that is not valid.
SAME_KIND = [{"error 400 link invalid", "error 400 form expired", "staff invitation invalid"}]
SITE = {
    "nl": " – WhatsApp-buurtpreventie – Gemeente Laren",
    "en": " – Neighbourhood WhatsApp groups – Municipality of Laren",
}


def heads(app, staff_user, lang: str) -> dict:
    """label -> (title, meta description) of every page of tests/pages.py in lang."""
    client = app.test_client()
    client.get(f"/taal/{lang}")
    links = prepare(app)
    found = {}

    def note(visit):
        page = fetch(client, visit).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        description = re.search(r'<meta name="description" content="([^"]*)"', page)
        found[visit.label] = (
            " ".join(html.unescape(title.group(1)).split()) if title else "",
            html.unescape(description.group(1)).strip() if description else "",
        )

    for visit in public_visits(links):
        note(visit)
    login(client, *staff_user)
    for visit in staff_visits(group_id_named(app, links["name"])):
        note(visit)
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_has_its_own_title_and_a_description(mail_app, staff_user, lang):
    found = heads(mail_app, staff_user, lang)
    assert found["home"][0] == {"nl": "Kaart en adres zoeken", "en": "Map and address lookup"}[lang] + SITE[lang]
    for label, (title, description) in found.items():
        assert title.endswith(SITE[lang]) and len(title) > len(SITE[lang]), (label, title)
        assert "<" not in title and len(title) < 150, (label, title)  # a name, not a page's markup
        assert len(description) >= 50, (label, description)
    by_title: dict = {}
    for label, (title, _description) in found.items():
        by_title.setdefault(title, set()).add(label)
    shared = [labels for labels in by_title.values() if len(labels) > 1 and labels not in SAME_KIND]
    assert shared == [], f"pages of different kinds share a title: {shared}"
