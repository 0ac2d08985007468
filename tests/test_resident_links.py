"""The resident's way through the site: the language asked for stays on every link, headings in order,
/robots.txt, a descriptive menu (issue 22, point 13)."""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

NO_GROUP = "/?postcode=1251PT&huisnummer=3"


class Links(HTMLParser):
    """The hrefs, form actions and heading levels of a page, in order."""

    def __init__(self):
        super().__init__()
        self.links, self.headings, self.get_forms = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.get_forms.append([])
        if tag == "input" and self.get_forms and attrs.get("type") == "hidden":
            self.get_forms[-1].append((attrs.get("name"), attrs.get("value")))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def parsed(response) -> Links:
    page = Links()
    page.feed(response.get_data(as_text=True))
    return page


def internal_page_links(links):
    """The links to this site's pages (not files, mail, the language switch or other sites)."""
    return [
        link
        for link in links
        if link.startswith("/")
        and not link.startswith(("/static/", "/vendor/", "/taal/", "//"))
        and not link.startswith("#")
    ]


def test_asked_language_stays_on_the_ask_to_extend_link_and_every_internal_link(lookup_app):
    client = lookup_app.test_client()
    response = client.get(NO_GROUP + "&lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    page = parsed(response)
    extend = [link for link in page.links if "uitbreiden=1" in link]
    assert extend, "the answer offers to ask a nearby group to extend"
    links = internal_page_links(page.links)
    assert links and all(parse_qs(urlsplit(link).query).get("lang") == ["en"] for link in links), links
    # Following the link keeps English without any cookie (the test client sent none).
    followed = client.get(extend[0].replace("&amp;", "&"))
    assert followed.status_code == 200 and '<html lang="en">' in followed.get_data(as_text=True)
    assert "taal" not in (followed.headers.get("Set-Cookie") or "")
    # The lookup forms are GET forms, whose action loses its query: the language goes along as a field.
    assert page.get_forms and all(("lang", "en") in fields for fields in page.get_forms)


def test_a_page_without_lang_makes_links_without_it(lookup_app):
    links = internal_page_links(parsed(lookup_app.test_client().get(NO_GROUP)).links)
    assert links and not any("lang=" in link for link in links)


def test_switching_language_drops_the_asked_one_from_the_way_back(client):
    response = client.get("/taal/nl?next=/overzicht%3Flang%3Den%26x%3D1")
    assert response.status_code == 302 and response.headers["Location"] == "/overzicht?x=1"
    assert '<html lang="nl">' in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/groep-aanmelden/", "/overzicht", NO_GROUP])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_headings_never_skip_a_level(lookup_app, path, lang):
    levels = parsed(lookup_app.test_client().get(path + ("&" if "?" in path else "?") + f"lang={lang}")).headings
    assert levels[0] == 1
    for before, level in zip(levels, levels[1:]):
        assert level <= before + 1, levels


@pytest.mark.parametrize("lang, name", [("nl", "Informatie over buurtpreventie"), ("en", "About neighbourhood watch")])
def test_menu_link_to_the_information_says_what_it_holds(client, lang, name):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert re.search(r'<a href="/informatie/[^"]*"[^>]*>' + re.escape(name) + "</a>", html)


def test_robots_txt_is_plain_text_that_keeps_crawlers_out_of_staff_and_personal_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    rules = response.get_data(as_text=True).splitlines()
    assert rules[0] == "User-agent: *" and "Allow: /" in rules
    for private in ("/beheer/", "/api/", "/beheerder/", "/groep-aanmelden/bevestigen/", "/wachtlijst/"):
        assert f"Disallow: {private}" in rules
    assert "<html" not in response.get_data(as_text=True)
