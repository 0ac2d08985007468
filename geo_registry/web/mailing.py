"""The app's e-mail: composing in the recipient's language (its links on the site's address, web.urls), and the
app's Mailer. The web processes only queue mail; the worker process (`geo-registry worker`) sends it."""

from __future__ import annotations

from geo_registry.core.config import ROOT
from geo_registry.mail.compose import MailComposer
from geo_registry.mail.delivery import Mailer, MailSettings, Message
from geo_registry.web import settings
from geo_registry.web.current import current_app_object
from geo_registry.web.i18n import LANGUAGES, current_language

MAILER = "geo_registry.mailer"
COMPOSER = "geo_registry.mail_composer"


def composer(app=None) -> MailComposer:
    """Return the app's mail composer (templates/mail, the project's catalogues, the app's settings)."""
    app = app or current_app_object()
    if app.extensions.get(COMPOSER) is None:
        app.extensions[COMPOSER] = MailComposer(
            ROOT / "templates" / "mail",
            ROOT / "translations",
            settings.of(app),
            zone=app.config["BABEL_DEFAULT_TIMEZONE"],
        )
    return app.extensions[COMPOSER]


def mail_message(
    kind: str, recipient: str, template: str, reply_to: str | None = None, lang: str | None = None, **context
) -> Message:
    """Compose an e-mail from templates/mail/<lang>/<template>.txt in lang (the recipient's language where it
    is known) or else the language of this request (Dutch outside a request)."""
    lang = lang if lang in LANGUAGES else current_language()
    voice = speaker(context)
    # The From name says which municipality writes when the register serves several; with one, MAIL_SENDER as set.
    sender_name = f"WhatsApp-buurtpreventie {voice.name}" if voice_differs() else None
    return composer().compose(
        kind, recipient, template, lang, reply_to=reply_to, sender_name=sender_name, voice=voice, **context
    )


def speaker(context: dict):
    """Whom a message speaks for: the group's municipality (context `group`), that of the place a resident waits
    for (context `waiting`), else the deployment's."""
    from geo_registry.web import services  # services imports this module (app_mailer): imported when used

    group, waiting = context.get("group"), context.get("waiting")
    area = getattr(group, "area", None)
    if area is not None:
        return services.voice(area=area)
    if waiting is not None:
        return services.voice(point=(waiting.lat, waiting.lon))
    return services.voice()


def voice_differs() -> bool:
    """True when the register serves several municipalities, so that each message names its own."""
    from geo_registry.web import services  # services imports this module (app_mailer): imported when used

    return services.served().several


def app_mailer(app=None) -> Mailer:
    """Return the app's one Mailer (the queue, delivered by SMTP or to the outbox folder as configured), shared by
    the worker's jobs, the staff pages and the commands."""
    app = app or current_app_object()
    mailer = app.extensions.get(MAILER)
    if mailer is None:
        engine = app.extensions["geo_registry.engine"]
        # setdefault: two threads that get here at once end up with the same one.
        mailer = app.extensions.setdefault(MAILER, Mailer(engine, MailSettings.from_settings(settings.of(app))))
    return mailer
