"""Issue 9 #9: the accessibility statement follows the Dutch government's model (toegankelijkheidsverklaring.nl):
compliance status, date of the last check, what was checked and how, what is not accessible yet with the
alternatives, how to report a problem and when you get an answer, and the enforcement procedure. In both languages."""

import re

import pytest

URL = "/informatie/toegankelijkheid"
PROMISES = {
    "nl": {
        "title": "Toegankelijkheidsverklaring",
        "status": "Deze website voldoet gedeeltelijk aan EN 301 549 (WCAG 2.1 niveau A en AA)",
        "last_check": r"Laatste controle: \d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|"
        r"oktober|november|december) 20\d\d",
        "how": [
            "axe-core",
            "in het Nederlands en in het Engels",
            "alleen het toetsenbord",
            "390 pixels",
            "zelfevaluatie",
        ],
        "not_yet": ["De kaart zelf", "Een gebied tekenen op de kaart", "De dekkingskaart voor medewerkers"],
        "report": ["veiligheid@belcombinatie.nl", "14 035", "binnen vijf werkdagen antwoord"],
        "enforcement": ["Nationale ombudsman"],
    },
    "en": {
        "title": "Accessibility statement",
        "status": "This website partially complies with EN 301 549 (WCAG 2.1 level A and AA)",
        "last_check": r"Last check: \d{1,2} (January|February|March|April|May|June|July|August|September|October|"
        r"November|December) 20\d\d",
        "how": ["axe-core", "in Dutch and in English", "keyboard alone", "390 pixels", "self-evaluation"],
        "not_yet": ["The map itself", "Drawing an area on the map", "The coverage map for staff"],
        "report": ["veiligheid@belcombinatie.nl", "14 035", "answer within five working days"],
        "enforcement": ["National Ombudsman"],
    },
}


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_statement_follows_the_model(client, lang):
    html = client.get(f"{URL}?lang={lang}").get_data(as_text=True)
    page, promise = text_of(html), PROMISES[lang]
    assert f"<h1>{promise['title']}</h1>" in html
    assert promise["status"] in page
    assert re.search(promise["last_check"], page)
    for part in promise["how"] + promise["not_yet"] + promise["report"] + promise["enforcement"]:
        assert part in page, part
    # The alternatives are links a person can follow, the ways to report and to complain too.
    for link in (
        'href="/overzicht"',
        'href="mailto:veiligheid@belcombinatie.nl"',
        'href="https://www.nationaleombudsman.nl/"',
    ):
        assert link in html, link
