"""Every e-mail reads as plain paragraphs: no line break in the middle of a sentence, one line per paragraph."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from geo_registry.core.config import ROOT
from geo_registry.mail.compose import LANGUAGES, MailComposer

MAIL = ROOT / "templates" / "mail"
TEMPLATES = sorted(path.stem for path in (MAIL / "nl").glob("*.txt"))
SETTINGS = {"GEMEENTENAAM": "Laren", "CONTACT_EMAIL": "veiligheid@belcombinatie.nl", "CONTACT_PHONE": "14 035"}
GROUP = SimpleNamespace(name="Buurtpreventie Brink", beheerder_name="Anna de Vries")
RESIDENT = {
    "naam": "Bert Bewoner",
    "mobiel": "+31612345678",
    "email": "bert@voorbeeld.invalid",
    "straat": "Brink",
    "huisnummer": "12",
    "bericht": "Kan de groep uitbreiden naar Brink 12?",
}
# A handover's two beheerders (the group before and after it).
BEFORE = SimpleNamespace(
    beheerder_name="Anna de Vries", beheerder_email="anna@voorbeeld.invalid", beheerder_phone="+31611111111"
)
AFTER = SimpleNamespace(beheerder_name="Carla Nieuw", beheerder_email="carla@voorbeeld.invalid", beheerder_phone=None)
WAITING = SimpleNamespace(address_text="Brink 12, Laren", lat=52.25, lon=5.22)  # a resident on the waiting list
# A line that is a link or an e-mail address stands on its own by design.
OWN_LINE = re.compile(r"^(https?://|\S+@\S+)")


def bodies():
    """Every template in both languages, rendered with every field filled and with the choices both ways."""
    composer = MailComposer(MAIL, ROOT / "translations", SETTINGS)
    for lang in LANGUAGES:
        for name in TEMPLATES:
            for approve in (True, False):
                message = composer.compose(
                    "test",
                    "x@voorbeeld.invalid",
                    name,
                    lang,
                    group=GROUP,
                    resident=RESIDENT,
                    link="http://localhost/link/abc",
                    note="Prima zo.",
                    approve=approve,
                    hours=48,
                    days=30,
                    name="Carla Nieuw",
                    waiting_count=2,
                    waiting=WAITING,
                    group_name="Brink",
                    withdraw_link="http://localhost/uit/abc",
                    account={"username": "carla", "email": "carla@voorbeeld.invalid"},
                    username="carla",
                    failures=5,
                    at=datetime(2026, 12, 7, 16, 30, tzinfo=UTC),
                    before=BEFORE,
                    after=AFTER,
                    until=datetime(2028, 2, 5, 16, 30, tzinfo=UTC),
                    beheerder_link="http://localhost/beheerder/abc",
                    poster_link="http://localhost/groep/1/poster",
                )
                yield f"{lang}/{name}", message.body


def breaks_mid_sentence(body: str) -> list[str]:
    """The places where a line break splits a sentence or a paragraph over two lines."""
    lines = body.splitlines()
    found = []
    for before, after in zip(lines, lines[1:]):
        before, after = before.rstrip(), after.strip()
        if not before or not after or OWN_LINE.match(after) or after.startswith("- "):
            continue
        # A sentence goes on: the next line starts in lower case or with a quoted name.
        goes_on = after[0].islower() or after[0] in "\"'‘“"
        # A paragraph goes on: a full sentence ends the line, another sentence follows on the next.
        next_sentence = before[-1] in ".!?" and not re.match(r"^[\w ]+:", after)
        if (goes_on and before[-1] not in ":") or next_sentence:
            found.append(f"{before!r} / {after!r}")
    return found


@pytest.mark.parametrize("template", [f"{lang}/{name}" for lang in LANGUAGES for name in TEMPLATES])
def test_mail_paragraphs_are_one_line_each(template):
    """Mail programs wrap text themselves: a break inside a sentence shows as a ragged half-empty line on a phone."""
    for name, body in bodies():
        if name == template:
            assert breaks_mid_sentence(body) == [], body


def test_the_check_finds_a_break_in_mid_sentence():
    """The check itself: a sentence over two lines is found; lists, links, signatures and fields are not."""
    assert breaks_mid_sentence("De groep staat op de kaart en in het\noverzicht.")
    assert breaks_mid_sentence("Eerste zin.\nTweede zin.")
    assert not breaks_mid_sentence(
        "Naam: Bert\nMobiel nummer: 06\n\nU kunt:\n- dit;\n- dat.\n\nMet vriendelijke groet,"
        "\nBeleidsmedewerkers\nveiligheid@belcombinatie.nl – 14 035"
    )
