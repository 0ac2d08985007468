"""Who saw personal data (issue 20): every time a staff member opens or exports a beheerder's or resident's
contact details, one entry with who (account), when, what (which page or export, which group) and from which
address. Append-only in the database (revision 0017): an entry can be deleted only once it is older than
MIN_KEEP_DAYS, which is how retention (purge, run by the worker) removes entries and nothing else can."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from geo_registry.core.text import N_
from geo_registry.store.tables import access_log

# The triggers of revision 0017 refuse to delete a younger entry: a shorter retention is taken as this.
MIN_KEEP_DAYS = 30

# What was seen, as stored; the words are the log page's (translated there).
GROUP = "group"  # a group's page: the beheerder's name, e-mail and phone (subject: the group's id)
GROUP_EDIT = "group-edit"  # a group's edit form, filled in with the same details
GROUP_LIST = "group-list"  # the list of every group with its beheerder's name
BEHEERDERS_CSV = "beheerders-csv"  # the beheerders export: every beheerder's contact details
OUTBOX = "outbox"  # unsent e-mail: the recipients' addresses (beheerders, residents)
ACCESS_LOG = "access-log"  # this log (accounts and their addresses)
ACCESS_LOG_CSV = "access-log-csv"
LABELS = {
    GROUP: N_("Groepspagina"),
    GROUP_EDIT: N_("Groep bewerken"),
    GROUP_LIST: N_("Lijst van groepen"),
    BEHEERDERS_CSV: N_("Beheerderslijst (CSV)"),
    OUTBOX: N_("E-mail die wacht"),
    ACCESS_LOG: N_("Toegangslog"),
    ACCESS_LOG_CSV: N_("Toegangslog (CSV)"),
}
GROUP_KINDS = (GROUP, GROUP_EDIT)


@dataclass(frozen=True)
class Filters:
    """Which entries: by account (username), by group id, and from/until an instant (until exclusive)."""

    username: str | None = None
    group_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Page:
    """One page of entries, newest first, and how many match in all."""

    entries: list[dict]
    total: int


def record(
    conn_or_engine: sa.Connection | sa.Engine,
    staff_id: int | None,
    username: str,
    what: str,
    subject: int | str | None,
    address: str | None,
    at: datetime,
) -> None:
    """Append one entry (inside the caller's transaction when given a connection)."""
    values = {
        "at": at,
        "staff_id": staff_id,
        "username": username,
        "what": what,
        "subject": None if subject is None else str(subject),
        "address": address,
    }
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.begin() as conn:
            conn.execute(access_log.insert().values(**values))
    else:
        conn_or_engine.execute(access_log.insert().values(**values))


def _where(filters: Filters) -> list:
    conditions = []
    if filters.username:
        conditions.append(access_log.c.username == filters.username)
    if filters.group_id is not None:
        conditions.append(access_log.c.what.in_(GROUP_KINDS))
        conditions.append(access_log.c.subject == str(filters.group_id))
    if filters.since is not None:
        conditions.append(access_log.c.at >= filters.since)
    if filters.until is not None:
        conditions.append(access_log.c.at < filters.until)
    return conditions


def entries(engine: sa.Engine, filters: Filters = Filters(), limit: int | None = 50, offset: int = 0) -> Page:
    """The entries that pass filters, newest first: limit of them from offset (None: all), and their total."""
    conditions = _where(filters)
    query = sa.select(access_log).where(*conditions).order_by(access_log.c.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
        total = conn.execute(sa.select(sa.func.count()).select_from(access_log).where(*conditions)).scalar_one()
    return Page(rows, total)


def purge(engine: sa.Engine, now: datetime, keep_days: int) -> int:
    """Delete the entries older than keep_days (never fewer than MIN_KEEP_DAYS); return how many."""
    before = now - timedelta(days=max(keep_days, MIN_KEEP_DAYS))
    with engine.begin() as conn:
        return conn.execute(access_log.delete().where(access_log.c.at < before)).rowcount
