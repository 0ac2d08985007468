"""Composing e-mail without Flask: templates/mail/<lang>/<name>.txt rendered into a Message, in an explicit
language. The first line of a template is the subject."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from geo_registry.core import formats
from geo_registry.core.text import single_line, translator_for
from geo_registry.mail.delivery import Message

LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Voice:
    """Whom a message or a poster speaks for: one municipality (its name and contact), or the region when a group
    spans several (the region's name and the general contact). Templates read it as `voice`."""

    name: str
    contact_email: str
    contact_phone: str
    region: bool = False

    @classmethod
    def of_settings(cls, settings) -> Voice:
        """The one municipality of the settings (GEMEENTENAAM, CONTACT_EMAIL, CONTACT_PHONE)."""
        # A mapping too (as templates read `config`): the tests and scripts compose with a plain dict.
        read = settings.get if isinstance(settings, dict) else lambda name: getattr(settings, name, "")
        return cls(read("GEMEENTENAAM") or "", read("CONTACT_EMAIL") or "", read("CONTACT_PHONE") or "")


class MailComposer:
    """Renders the mail templates with the project's translator; links come in the context, made by the caller."""

    def __init__(
        self, template_folder: str | Path, translations_folder: str | Path, settings, zone: str = formats.TIMEZONE
    ):
        """settings: what templates read as `config` (the app's Settings); zone: the time zone of dates."""
        # Plain text: no HTML autoescaping (as Flask does for .txt); undefined values render empty, as before.
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_folder)), autoescape=False)
        self.translations_folder = str(translations_folder)
        self.settings = settings
        self.zone = zone
        self._compiled: dict[str, tuple[jinja2.Template, jinja2.Template]] = {}

    def compose(
        self,
        kind: str,
        recipient: str,
        template: str,
        lang: str,
        reply_to: str | None = None,
        sender_name: str | None = None,
        **context,
    ) -> Message:
        """Render template in lang (Dutch when lang is not offered) into a Message for recipient; sender_name:
        the From name (None: MAIL_SENDER's)."""
        lang = lang if lang in LANGUAGES else "nl"
        subject, body = self._templates(f"{lang}/{template}.txt")
        values = {
            "config": self.settings,
            "_": translator_for(lang, self.translations_folder),
            **self._formatters(lang),
            # Without a voice given (a caller outside the app), the settings' one municipality speaks.
            "voice": Voice.of_settings(self.settings),
            **context,
        }
        # The subject line is rendered on its own and made one line: a name with a line break in it can neither
        # end the subject early nor break the header.
        return Message(
            kind=kind,
            recipient=recipient,
            subject=single_line(subject.render(values)),
            body=body.render(values).strip() + "\n",
            reply_to=reply_to,
            sender_name=sender_name,
        )

    def _formatters(self, lang: str) -> dict:
        """Dates and numbers in the mail's language, as on the pages: {{ when(group.created_at) }}."""
        zone = self.zone
        return {
            "when": lambda value: formats.when(value, lang, zone),
            "day": lambda value: formats.day(value, lang, zone),
            "number": lambda value, digits=0: formats.number(value, lang, digits),
        }

    def _templates(self, name: str) -> tuple[jinja2.Template, jinja2.Template]:
        """The subject line and the body of a mail template, compiled once."""
        if name not in self._compiled:
            assert self.env.loader is not None  # made with a FileSystemLoader
            source, _, _ = self.env.loader.get_source(self.env, name)
            subject, _, body = source.strip().partition("\n")
            self._compiled[name] = (self.env.from_string(subject), self.env.from_string(body))
        return self._compiled[name]
