"""Every next= (language switch, staff login) stays on this site, whatever a hostile link puts in it."""

import unicodedata
from urllib.parse import quote, urljoin, urlsplit

import pytest
from helpers import login

SITE = "https://laren.example/"
# Raw values of next= (as the server reads them after decoding the query string).
HOSTILE = [
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\r\n",
    " //evil.example",
    "/\x00/evil.example",
    "/\u200b/evil.example",
    "///evil.example",
    "/\\/evil.example",
    "//evil.example/%2e%2e",
    "\t//evil.example",
    "/\x7f/evil.example",
]


def browser_destination(location: str) -> str:
    """Where a browser goes for this Location on SITE: it drops tabs and newlines and reads \\ as /."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/").strip()
    return urljoin(SITE, cleaned)


def has_control_characters(target: str) -> bool:
    """A next= with a control character is refused outright (400) before any view runs."""
    return any(unicodedata.category(c) == "Cc" for c in target)


def assert_on_site(response, target: str = ""):
    if has_control_characters(target) and response.status_code == 400:
        return
    assert response.status_code in (302, 303), response.status_code
    location = response.headers["Location"]
    assert location.isascii() and location.isprintable(), repr(location)
    assert urlsplit(browser_destination(location)).netloc == "laren.example", location


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_stays_on_site(client, target):
    assert_on_site(client.get(f"/taal/en?next={quote(target, safe='')}"), target)


def test_the_reported_language_switch_link_stays_on_site(client):
    response = client.get("/taal/en?next=/%09/evil.example")
    assert response.status_code == 400 and "Location" not in response.headers
    assert "stuurteken" in response.get_data(as_text=True)  # says why, in the visitor's language
    assert client.get("/taal/en?next=%0d%0a").status_code == 400


def test_language_switch_still_goes_back_to_the_page(client):
    response = client.get("/taal/en?next=" + quote("/overzicht?lang=nl&x=é", safe=""))
    # Back to the page, without the ?lang= that would outvote the language just chosen.
    assert response.headers["Location"] == "/overzicht?x=%C3%A9"
    assert "taal=en" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", HOSTILE + ["/", "/overzicht"])
def test_login_sends_only_into_the_staff_area(mail_app, staff_user, target):
    client = mail_app.test_client()
    form_page = client.get(f"/beheer/inloggen?next={quote(target, safe='')}")
    assert form_page.status_code == (400 if has_control_characters(target) else 200)
    response = login(client, *staff_user, next_url=target)  # the password, then the code, which leads on
    assert_on_site(response, target)
    if response.status_code != 400:
        assert response.headers["Location"] == "/beheer/"


def test_login_goes_back_to_the_staff_page_asked_for(mail_app, staff_user):
    client = mail_app.test_client()
    asked = client.get("/beheer/logboek?x=1")
    assert asked.status_code == 302
    login_page = asked.headers["Location"]
    assert "next=" in login_page and client.get(login_page).status_code == 200
    response = login(client, *staff_user, next_url="/beheer/logboek?x=1")
    assert response.headers["Location"] == "/beheer/logboek?x=1"
