"""Every job of the background worker, in one list: its name, how often it runs, and what it does. Exclusive jobs
run in one worker process at a time, once per interval among them all (a lease in worker_jobs); mail delivery runs
in every worker, as each message is claimed on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from geo_registry.core.settings import Settings
from geo_registry.domain import access_log, subscriptions
from geo_registry.domain.actions import purge_stale
from geo_registry.domain.groups import GroupStore
from geo_registry.domain.renewal import run_round
from geo_registry.mail.delivery import Mailer

HOURLY = 3600.0


@dataclass(frozen=True)
class Context:
    """What a job works with: the app's settings, its database and mailer, the moment the run began, and whether
    the worker was asked to stop (a long job ends early, between two units of work)."""

    settings: Settings
    engine: sa.Engine
    mailer: Mailer
    now: datetime
    stop: Callable[[], bool] = lambda: False


@dataclass(frozen=True)
class Done:
    """What one run did: how many things (the log line's number), in words, and the ids of queued messages."""

    count: int
    text: str
    ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Job:
    """A job: its name (in the log and in worker_jobs), its interval in seconds from the settings, the function,
    and whether it is exclusive (one worker at a time, once per interval among all)."""

    name: str
    every: Callable[[Settings], float]
    run: Callable[[Context], Done]
    exclusive: bool = True


def deliver_mail(ctx: Context) -> Done:
    """Send the messages that are due (new ones, and retries whose wait is over)."""
    sent, failed = ctx.mailer.deliver(due_only=True, stop=ctx.stop)
    return Done(sent + failed, f"{sent} e-mail(s) sent, {failed} not sent")


def mail_retention(ctx: Context) -> Done:
    """Drop the messages that could not be delivered within MAIL_RETENTION_DAYS."""
    dropped = ctx.mailer.purge(ctx.settings.MAIL_RETENTION_DAYS)
    return Done(dropped, f"{dropped} undeliverable e-mail(s) dropped")


def stale_registrations(ctx: Context) -> Done:
    """Delete registrations never confirmed within 30 days, and rejected ones after a year."""
    purged = purge_stale(GroupStore(ctx.engine), ctx.now)
    return Done(purged, f"{purged} stale registration(s) deleted")


def waiting_list(ctx: Context) -> Done:
    """Delete waiting-list requests not confirmed within 7 days or not fulfilled within a year."""
    purged = subscriptions.purge(ctx.engine, ctx.now)
    return Done(purged, f"{purged} waiting-list request(s) deleted")


def access_log_retention(ctx: Context) -> Done:
    """Delete the access log's entries older than ACCESS_LOG_RETENTION_DAYS."""
    purged = access_log.purge(ctx.engine, ctx.now, ctx.settings.ACCESS_LOG_RETENTION_DAYS)
    return Done(purged, f"{purged} access log entry(ies) deleted")


def confirmation_round(ctx: Context) -> Done:
    """Queue the yearly confirmation e-mail of every group that is due and not yet reminded (composed in the
    beheerder's language, its link on PUBLIC_URL); mail delivery sends them."""
    from geo_registry.web.public.renewal import renewal_message  # composing needs the app (web/)

    ids = run_round(GroupStore(ctx.engine), ctx.now, ctx.settings.CONFIRM_INTERVAL_DAYS, renewal_message)
    return Done(len(ids), f"{len(ids)} yearly confirmation e-mail(s) queued", tuple(ids))


JOBS: list[Job] = [
    Job("mail-delivery", lambda s: max(s.MAIL_POLL_SECONDS, 0.1), deliver_mail, exclusive=False),
    Job("mail-retention", lambda s: HOURLY, mail_retention),
    Job("stale-registrations", lambda s: HOURLY, stale_registrations),
    Job("waiting-list", lambda s: HOURLY, waiting_list),
    Job("confirmation-round", lambda s: HOURLY, confirmation_round),
    Job("access-log-retention", lambda s: HOURLY, access_log_retention),
]
