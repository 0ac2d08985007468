"""Mail composition (geo_registry/mail/compose.py) without Flask: a template becomes a Message in the recipient's
language (Dutch when theirs is not offered), its first line the subject on one line, the rest the body as plain
text, with the project's translations, dates and numbers in that language and the municipality's time zone."""

from __future__ import annotations

import pytest

from geo_registry.core.config import ROOT
from geo_registry.mail.compose import MailComposer

SETTINGS = {"GEMEENTENAAM": "Laren", "CONTACT_EMAIL": "c@voorbeeld.invalid", "CONTACT_PHONE": "14 035"}
GROUP = {"name": "Brink", "beheerder_name": "Bo"}
WINTER = "2026-11-26T12:45:00+00:00"  # CET, UTC+1: 13:45 in Laren


@pytest.fixture
def own_templates(tmp_path):
    """A composer over a template folder of the test's own: write(name, nl_text, en_text) adds a template."""

    def write(name: str, nl: str, en: str) -> None:
        for lang, text in (("nl", nl), ("en", en)):
            (tmp_path / lang).mkdir(exist_ok=True)
            (tmp_path / lang / f"{name}.txt").write_text(text, encoding="utf-8")

    return write


def project_composer(settings=SETTINGS) -> MailComposer:
    """The composer over the project's own mail templates and translations."""
    return MailComposer(ROOT / "templates" / "mail", ROOT / "translations", settings)


@pytest.mark.parametrize("lang", ["de", "", "NL", "xx-evil"])
def test_a_language_not_offered_gets_the_dutch_mail(lang):
    """A recipient whose language the site does not offer (or a garbled one) gets the Dutch mail, not an error."""
    message = project_composer().compose(
        "jaarlijkse-bevestiging",
        "bo@voorbeeld.invalid",
        "renewal",
        lang,
        group=GROUP,
        link="https://buurt.example/b/abc",
        days=60,
    )
    assert message.subject == "Is Brink nog actief?"
    assert message.body.startswith("Beste Bo,")


def test_the_message_carries_kind_recipient_and_reply_to():
    """What the caller passes for the envelope arrives in the message unchanged."""
    message = project_composer().compose(
        "aanmelding",
        "bo@voorbeeld.invalid",
        "renewal",
        "en",
        reply_to="olga@voorbeeld.invalid",
        group=GROUP,
        link="x",
        days=1,
    )
    assert (message.kind, message.recipient, message.reply_to) == (
        "aanmelding",
        "bo@voorbeeld.invalid",
        "olga@voorbeeld.invalid",
    )
    assert (
        project_composer().compose("k", "r@voorbeeld.invalid", "renewal", "nl", group=GROUP, link="x", days=1).reply_to
        is None
    )


def test_first_line_is_the_subject_the_rest_the_body_ending_in_one_newline(tmp_path, own_templates):
    """The subject is the template's first line (rendered, on one line); the body is the rest, without the
    blank lines around it, ending in exactly one line break."""
    own_templates("kort", "\nOver {{ name }}\n\n\nRegel een.\n\nRegel twee.\n\n\n", "About {{ name }}\nLine one.\n")
    composer = MailComposer(tmp_path, ROOT / "translations", {})
    nl = composer.compose("t", "a@voorbeeld.invalid", "kort", "nl", name="Carla\r\nBcc: x@voorbeeld.invalid")
    assert nl.subject == "Over Carla Bcc: x@voorbeeld.invalid"
    assert nl.body == "Regel een.\n\nRegel twee.\n"
    en = composer.compose("t", "a@voorbeeld.invalid", "kort", "en", name="Carla")
    assert (en.subject, en.body) == ("About Carla", "Line one.\n")


def test_plain_text_mail_is_not_html_escaped(tmp_path, own_templates):
    """A plain-text mail shows names as typed: "Jansen & Zn <buurt>", not "Jansen &amp; Zn &lt;buurt&gt;"."""
    own_templates("naam", "Groep {{ name }}\nNaam: {{ name }}\n", "Group {{ name }}\nName: {{ name }}\n")
    composer = MailComposer(tmp_path, ROOT / "translations", {})
    message = composer.compose("t", "a@voorbeeld.invalid", "naam", "nl", name="Jansen & Zn <buurt>")
    assert message.subject == "Groep Jansen & Zn <buurt>"
    assert message.body == "Naam: Jansen & Zn <buurt>\n"


def test_templates_translate_with_the_projects_catalogue_in_the_mails_language(tmp_path, own_templates):
    """_() in a mail template gives the project's own translation in the recipient's language."""
    text = "{{ _('Deze link is niet geldig.') }}\n{{ _('Deze link is niet geldig.') }} {{ config.GEMEENTENAAM }}\n"
    own_templates("vertaald", text, text)
    composer = MailComposer(tmp_path, ROOT / "translations", SETTINGS)
    en = composer.compose("t", "a@voorbeeld.invalid", "vertaald", "en")
    assert (en.subject, en.body) == ("This link is not valid.", "This link is not valid. Laren\n")
    nl = composer.compose("t", "a@voorbeeld.invalid", "vertaald", "nl")
    assert (nl.subject, nl.body) == ("Deze link is niet geldig.", "Deze link is niet geldig. Laren\n")


def test_dates_and_numbers_in_the_mails_language_and_the_municipalitys_time(tmp_path, own_templates):
    """when(), day() and number() write as the recipient reads them, at the time of day in Laren."""
    text = "{{ when(at) }}\n{{ when(at) }} / {{ day(at) }} / {{ number(n) }} / {{ number(share, 1) }}\n"
    own_templates("datum", text, text)
    composer = MailComposer(tmp_path, ROOT / "translations", {})
    nl = composer.compose("t", "a@voorbeeld.invalid", "datum", "nl", at=WINTER, n=12345, share=52.25)
    assert nl.subject == "26 november 2026 om 13:45"
    assert nl.body == "26 november 2026 om 13:45 / 26 november 2026 / 12.345 / 52,2\n"
    en = composer.compose("t", "a@voorbeeld.invalid", "datum", "en", at=WINTER, n=12345, share=52.25)
    assert en.body == "26 November 2026, 13:45 / 26 November 2026 / 12,345 / 52.2\n"


def test_the_configured_time_zone_is_the_one_mail_uses(tmp_path, own_templates):
    """BABEL_DEFAULT_TIMEZONE (the pages' time zone) also sets the time of day and the date in the mail."""
    text = "{{ when(at) }}\n{{ day(at) }}\n"
    own_templates("zone", text, text)
    composer = MailComposer(tmp_path, ROOT / "translations", {}, zone="Pacific/Kiritimati")
    message = composer.compose("t", "a@voorbeeld.invalid", "zone", "en", at=WINTER)  # UTC+14: the next day
    assert (message.subject, message.body) == ("27 November 2026, 02:45", "27 November 2026\n")


def test_each_language_has_its_own_template(tmp_path, own_templates):
    """A Dutch and an English mail of the same name are different templates, also after both were used."""
    own_templates("twee", "Hallo\nNederlands\n", "Hello\nEnglish\n")
    composer = MailComposer(tmp_path, ROOT / "translations", {})
    for _round in range(2):
        assert composer.compose("t", "a@voorbeeld.invalid", "twee", "nl").body == "Nederlands\n"
        assert composer.compose("t", "a@voorbeeld.invalid", "twee", "en").body == "English\n"
