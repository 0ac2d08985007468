"""The per-account back-off at the staff login, as the pages and the mail queue see it (domain/login_backoff.py
counts and decides)."""

from __future__ import annotations

from geo_registry.core.text import _
from geo_registry.domain import login_backoff
from geo_registry.domain.groups import utc_now
from geo_registry.domain.staff import list_staff
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.mailing import mail_message


def backoff_message(seconds: int) -> str:
    """The refusal while an account waits, with how long, in the reader's language."""
    if seconds < 120:
        return _(
            "Met dit account is te vaak zonder succes ingelogd. Probeer het over %(n)d seconden opnieuw.", n=seconds
        )
    return _(
        "Met dit account is te vaak zonder succes ingelogd. Probeer het over %(n)d minuten opnieuw.",
        n=(seconds + 59) // 60,
    )


def _alarm(failures: int):
    """The message to the account holder at a burst's alarm (None when the account has no e-mail address)."""

    def message(account: login_backoff.Account):
        if not account.email:
            return None
        return mail_message(
            "login_alarm", account.email, "login_alarm", username=account.username, failures=failures, at=utc_now()
        )

    return message


def record_failure(account: login_backoff.Account) -> None:
    """Count a failed password or code for account; at the alarm, the holder's e-mail is queued."""
    engine = app_services.current().store.engine
    # At the alarm the holder's message is queued with the count; the worker process sends it.
    login_backoff.record_failure(engine, account, utc_now(), _alarm(login_backoff.ALARM_AT))


def seconds_to_wait(account: login_backoff.Account | None) -> int:
    """Seconds before this account's next login attempt may be checked."""
    return login_backoff.seconds_to_wait(account, utc_now(), settings.current().LOGIN_BACKOFF_MAX_SECONDS)


def accounts_under_attack() -> list[dict]:
    """The active accounts in a burst of failed logins that raised the alarm, for the staff overview."""
    accounts = list_staff(app_services.current().store.engine)
    return [a for a in accounts if a["active"] and a["failed_logins"] >= login_backoff.ALARM_AT]
