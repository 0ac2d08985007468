"""The back-off of one staff account after failed logins, whichever clients they came from: after a few, each
next attempt waits 2^n seconds (up to a cap) before it is even checked. No lock-out: once the wait is over the
right password works, so a stranger can slow an account down but cannot shut its holder out. When the waiting
starts the account holder is told by e-mail (through the mail queue) and the audit log says so; the
staff list shows the account as under attack until a login succeeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from geo_registry.core.text import N_
from geo_registry.domain.staff import _named, audit
from geo_registry.mail.delivery import Message, queue
from geo_registry.store.tables import staff

# A few mistyped passwords cost nothing (as many as one client may try per quarter of an hour by default); the
# next failure in a row starts the wait (2 s, then 4 s, 8 s, ...).
FREE_FAILURES = 5
# The failure that tells the account holder and the log, as the waiting starts: once per burst (the count only
# falls at a success).
ALARM_AT = FREE_FAILURES
MAX_WAIT = 900


@dataclass(frozen=True)
class Account:
    """What the back-off knows of one account."""

    id: int
    username: str
    email: str | None
    failures: int
    last_failed_at: datetime | None


def wait_after(failures: int, cap_seconds: int = MAX_WAIT) -> int:
    """Seconds an account waits after this many failures in a row before its next attempt is checked."""
    if failures <= FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), cap_seconds)


def find(engine: sa.Engine, username: str) -> Account | None:
    """The active account of this name (in any case), or None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(staff.c.id, staff.c.username, staff.c.email, staff.c.failed_logins, staff.c.last_failed_at).where(
                _named(username), staff.c.active == 1
            )
        ).first()
    return Account(*row) if row else None


def seconds_to_wait(account: Account | None, now: datetime, cap_seconds: int = MAX_WAIT) -> int:
    """Seconds before this account's next attempt may be checked (0: now)."""
    if account is None or account.last_failed_at is None:
        return 0
    until = account.last_failed_at + timedelta(seconds=wait_after(account.failures, cap_seconds))
    return max(0, int((until - now).total_seconds() + 0.999))


def record_failure(
    engine: sa.Engine, account: Account, now: datetime, alarm: Callable[[Account], Message | None]
) -> int:
    """Count a failed login (a wrong password or second-factor code) for account; at the burst's alarm, queue
    alarm(account)'s message to the holder (None: no address) and write the audit entry. Return the failures."""
    with engine.begin() as conn:
        failures = conn.execute(
            staff.update()
            .where(staff.c.id == account.id)
            .values(failed_logins=staff.c.failed_logins + 1, last_failed_at=now)
            .returning(staff.c.failed_logins)
        ).scalar_one()
        if failures == ALARM_AT:
            message = alarm(account)
            if message is not None:
                queue(conn, message)
            audit(conn, N_("systeem"), N_("herhaald mislukte aanmeldingen"), detail=account.username)
    return failures


def record_success(engine: sa.Engine, staff_id: int) -> None:
    """A login succeeded: the account's burst of failures is over."""
    with engine.begin() as conn:
        conn.execute(staff.update().where(staff.c.id == staff_id).values(failed_logins=0, last_failed_at=None))
