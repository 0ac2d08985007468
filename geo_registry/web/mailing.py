"""The app's e-mail: composing in the recipient's language (its links on the site's address, web.urls), and the
delivery worker that sends queued mail outside the request."""

from __future__ import annotations

from datetime import UTC, datetime

from geo_registry.core.config import ROOT
from geo_registry.domain import subscriptions
from geo_registry.mail.compose import MailComposer
from geo_registry.mail.delivery import DeliveryWorker, Mailer, MailSettings, Message
from geo_registry.web import settings
from geo_registry.web.current import current_app_object
from geo_registry.web.i18n import LANGUAGES, current_language

WORKER = "geo_registry.mail_worker"
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
    return composer().compose(kind, recipient, template, lang, reply_to=reply_to, **context)


def app_mailer(app=None) -> Mailer:
    """Return the app's one Mailer (the queue, delivered by SMTP or to the outbox folder as configured), shared by
    the delivery worker, the staff pages and the commands."""
    app = app or current_app_object()
    mailer = app.extensions.get(MAILER)
    if mailer is None:
        engine = app.extensions["geo_registry.engine"]
        # setdefault: two threads that get here at once end up with the same one.
        mailer = app.extensions.setdefault(MAILER, Mailer(engine, MailSettings.from_settings(settings.of(app))))
    return mailer


def mail_worker(app=None) -> DeliveryWorker:
    """Return the app's delivery worker, started (one per app in this process)."""
    app = app or current_app_object()
    worker = app.extensions.get(WORKER)
    if worker is None:
        engine = app.extensions["geo_registry.engine"]

        # Residents' requests to be told of a new group are purged on time, while the site runs.
        def purge_waiting():
            """Delete the requests whose time is up."""
            subscriptions.purge(engine, datetime.now(UTC))

        worker = app.extensions.setdefault(
            WORKER,
            DeliveryWorker(
                app_mailer(app),
                settings.of(app).MAIL_POLL_SECONDS,
                settings.of(app).MAIL_RETENTION_DAYS,
                chores=[purge_waiting],
            ),
        )
    return worker.start()


def deliver_later() -> None:
    """Hand committed, queued messages to the delivery worker; the request does not wait for SMTP."""
    mail_worker().wake()
