"""Dutch first, English complete: catalogues, language choice, and no Dutch left on English pages."""

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from helpers import csrf_token, login

from geo_registry.core.config import ROOT

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("geo_registry/**.py", "python"), ("templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
DUTCH_WORDS = {"de", "het", "een", "van", "voor", "niet", "uw", "met", "zijn", "wordt", "naar", "bij", "nog", "geen"}


def extracted_messages() -> set:
    """Every user-facing string the code and templates mark for translation."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message_key(message))
    return found


def english_catalogue():
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle)


def message_key(message_id):
    """A catalogue id as a hashable key (plural ids come as sequences)."""
    return message_id if isinstance(message_id, str) else tuple(message_id)


def test_every_user_facing_string_has_an_english_translation():
    catalogue = english_catalogue()
    translated = {}
    for message in catalogue:
        if message.id and not message.fuzzy:
            key = message_key(message.id)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                translated[key] = strings
    missing = sorted(str(m) for m in extracted_messages() - set(translated))
    assert missing == [], f"{len(missing)} strings have no English translation: {missing[:10]}"
    for key, strings in translated.items():
        ids = key if isinstance(key, tuple) else (key,)
        for number, string in enumerate(strings):  # singular against singular, plural against plural
            source = ids[min(number, len(ids) - 1)]
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(source)), key


def test_the_compiled_catalogue_is_current():
    with (ROOT / "translations/en/LC_MESSAGES/messages.mo").open("rb") as handle:
        compiled = read_mo(handle)
    source = {message_key(m.id) for m in english_catalogue() if m.id}
    assert source <= {message_key(m.id) for m in compiled if m.id}, "run 'make' to compile the catalogue"


def test_every_page_and_mail_exists_in_english():
    for kind, folder in (("content", ROOT / "content"), ("mail", ROOT / "templates/mail")):
        dutch = sorted(p.name for p in (folder / "nl").iterdir())
        assert dutch and dutch == sorted(p.name for p in (folder / "en").iterdir()), kind


def test_language_comes_from_browser_choice_and_switch(client):
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Look up your address" in english
    response = client.get("/taal/en?next=/overzicht")
    assert response.status_code == 302 and response.headers["Location"] == "/overzicht"
    assert "taal=en" in response.headers["Set-Cookie"]
    remembered = client.get("/overzicht").get_data(as_text=True)
    assert '<html lang="en">' in remembered and "WhatsApp groups by neighbourhood" in remembered
    assert 'href="/taal/nl?next=/overzicht" lang="nl"' in remembered  # the switch back, always visible
    assert client.get("/taal/en?next=https://evil.example/").headers["Location"] == "/"


def visible_words(html: str) -> set:
    """The words a reader sees (no scripts, styles or tags)."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+", text)}


def page_urls(app):
    return [
        "/",
        "/overzicht",
        "/informatie/",
        "/informatie/zo-werkt-het",
        "/groep-aanmelden/",
        "/groep/1/aanmelden",
        "/?postcode=1251KV&huisnummer=12",
        "/?postcode=1251PT&huisnummer=3",
        "/?postcode=12&huisnummer=x",
        "/?postcode=1251KV&huisnummer=14",
        "/?lat=52.3&lon=5.2",
        "/bestaat-niet",
        "/api/docs",
        "/beheer/inloggen",
    ]


def test_english_pages_show_no_dutch(lookup_app):
    client = lookup_app.test_client()
    client.get("/taal/en")
    for url in page_urls(lookup_app):
        words = visible_words(client.get(url).get_data(as_text=True))
        assert not words & DUTCH_WORDS, (url, sorted(words & DUTCH_WORDS))


def test_english_staff_pages_show_no_dutch(mail_app, staff_user):
    client = mail_app.test_client()
    client.get("/taal/en")
    login(client, *staff_user)
    with mail_app.app_context():
        from geo_registry.web import services as app_services

        descriptions = [g.description for g in app_services.current().store.list() if g.description]
    for url in [
        "/beheer/",
        "/beheer/groep/1",
        "/beheer/groep/1/bewerken",
        "/beheer/groep/1/verwijderen",
        "/beheer/logboek",
        "/beheer/e-mail",
        "/beheer/dekking",
    ]:
        html = client.get(url).get_data(as_text=True)
        for description in descriptions:  # data the beheerders wrote in Dutch, not interface text
            html = html.replace(description, "")
        words = visible_words(html)
        assert not words & DUTCH_WORDS, (url, sorted(words & DUTCH_WORDS))


def test_english_error_messages_and_mail(mail_app):
    client = mail_app.test_client()
    client.get("/taal/en")
    # The API remembers no language (no cookie: it is stateless); a client asks with Accept-Language.
    body = client.get("/api/v1/lookup?postcode=12&huisnummer=1", headers={"Accept-Language": "en"}).get_json()
    assert body["detail"] == "A postcode has 4 digits and 2 letters, for example 1251 KV."
    response = client.post(
        "/groep/1/aanmelden",
        data={
            "csrf_token": csrf_token(client, "/groep/1/aanmelden"),
            "naam": "Ann",
            "mobiel": "0612345678",
            "email": "ann@voorbeeld.invalid",
        },
    )
    assert response.status_code == 302
    [to_resident] = mail_app.smtp.to("ann@voorbeeld.invalid")
    assert (
        to_resident["Subject"].strip() == "Your request to join Voorbeeld: Buurtapp Brink en Centrum has been forwarded"
    )
    [to_beheerder] = mail_app.smtp.to("beheerder1@voorbeeld.invalid")
    assert "Aanmelding voor uw WhatsApp-groep" in to_beheerder["Subject"]  # the beheerder registered in Dutch


@pytest.mark.parametrize(
    "lang, title", [("nl", "Zo werkt het: de SAAR-methode"), ("en", "How it works: the SAAR method")]
)
def test_information_pages_in_both_languages(client, lang, title):
    page = client.get(f"/informatie/zo-werkt-het?lang={lang}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page and "112" in page and "0900-8844" in page
    for slug in ("wat-is-het", "spelregels", "meedoen", "contact", "privacy", "toegankelijkheid"):
        assert f'href="/informatie/{slug}?lang={lang}"' in page  # in every footer, keeping the asked language


def test_content_is_read_from_files_staff_can_edit(tmp_path):
    from helpers import make_app

    (tmp_path / "nl").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "nl" / "10-proef.md").write_text("# Proefpagina\n\nDit is **aangepast** door de gemeente.\n")
    client = make_app(tmp_path, CONTENT_DIR=str(tmp_path)).test_client()
    page = client.get("/informatie/proef").get_data(as_text=True)
    assert "<h1>Proefpagina</h1>" in page and "<strong>aangepast</strong>" in page
    assert "Proefpagina" in client.get("/informatie/proef?lang=en").get_data(as_text=True)  # falls back to Dutch
    assert client.get("/informatie/bestaat-niet").status_code == 404


def test_the_dutch_name_of_the_cbs_map_is_marked_as_dutch_on_english_pages(client):
    """WCAG 3.1.2: the footer of every English page names CBS's 'Wijk- en buurtkaart 2025'; a screen reader read
    it with English pronunciation because nothing said it is Dutch."""
    client.get("/taal/en")
    html = client.get("/informatie/").get_data(as_text=True)
    assert '<span lang="nl">Wijk- en buurtkaart 2025</span>' in html
