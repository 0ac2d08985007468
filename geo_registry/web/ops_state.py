"""What /readyz and /metrics read from the database: a few cheap aggregate queries, made when asked (never
counted in a process, so that every process and every scrape agrees with the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from geo_registry.domain.change_log import versions
from geo_registry.store.tables import groups, mail_outbox, waiting_residents


@dataclass(frozen=True)
class State:
    """The register's state as the database holds it now."""

    groups_by_status: dict[str, int]
    mail_queued: int
    oldest_mail_age: float | None  # seconds; None with an empty queue
    waiting_residents: int
    register_version: int  # the groups version: raised by every public change of a group
    last_group_change_age: float | None  # seconds since a group was last changed; None without groups


def queued_mail():
    """The messages still to be delivered: those set aside as unbuildable wait for staff, not for delivery."""
    return mail_outbox.c.failed_at.is_(None)


def oldest_mail_age(conn: sa.Connection, now: datetime | None = None) -> float | None:
    """Seconds the oldest message to be delivered has waited; None when none waits."""
    oldest = conn.execute(sa.select(sa.func.min(mail_outbox.c.created_at)).where(queued_mail())).scalar()
    return _age(oldest, now)


def read(conn: sa.Connection) -> State:
    """The state: groups by status, the mail queue, the waiting list and the last change of a group."""
    now = datetime.now(UTC)
    counted = conn.execute(sa.select(groups.c.status, sa.func.count()).group_by(groups.c.status))
    by_status: dict[str, int] = {status: number for status, number in counted}
    queued = conn.execute(sa.select(sa.func.count()).select_from(mail_outbox).where(queued_mail())).scalar_one()
    waiting = conn.execute(sa.select(sa.func.count()).select_from(waiting_residents)).scalar_one()
    last_change = conn.execute(sa.select(sa.func.max(groups.c.updated_at))).scalar()
    version = versions(conn)[0]
    return State(by_status, queued, oldest_mail_age(conn, now), waiting, version, _age(last_change, now))


def _age(moment: datetime | None, now: datetime | None = None) -> float | None:
    """Seconds from moment to now (never less than 0: clocks of two hosts may differ a little)."""
    if moment is None:
        return None
    return max(0.0, ((now or datetime.now(UTC)) - moment).total_seconds())
