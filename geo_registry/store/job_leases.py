"""Leases on the background worker's exclusive jobs (table worker_jobs, revision 0015): among all worker
processes, on any number of hosts, one runs a job at a time, and a job runs once per interval. The same
conditional UPDATE on both databases (as the mail queue's claims): SQLite lets one writer in at a time, and
PostgreSQL tests the WHERE again against a row another transaction just committed."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from geo_registry.core import processes
from geo_registry.store.tables import worker_jobs as jobs


def take(
    engine: sa.Engine, name: str, holder: str, now: datetime, every: timedelta, lease: timedelta, force: bool = False
) -> bool:
    """Take the job for holder until now + lease when nobody holds it and (unless force) it last finished at least
    every ago; True when taken. A lease held by a process on this host that has stopped is taken over at once."""
    for _attempt in range(2):
        with engine.begin() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.name == name)).mappings().first()
            if row is None:
                conn.execute(_first_row(conn, name))
                continue  # made now (or by another worker meanwhile): try to take it
            free = sa.or_(jobs.c.claimed_by.is_(None), jobs.c.lease_until < now)
            if row["claimed_by"] and processes.has_stopped(row["claimed_by"]):
                free = sa.or_(free, jobs.c.claimed_by == row["claimed_by"])
            due = (
                sa.true()
                if force
                else sa.or_(jobs.c.last_finished_at.is_(None), jobs.c.last_finished_at <= now - every)
            )
            taken = conn.execute(
                jobs.update()
                .where(jobs.c.name == name, free, due)
                .values(claimed_by=holder, lease_until=now + lease, last_started_at=now)
            )
            return taken.rowcount == 1
    return False


def _first_row(conn: sa.Connection, name: str):
    """INSERT the job's row unless it exists (two workers starting at once both try)."""
    # ON CONFLICT DO NOTHING is written the same on both databases, but each dialect has its own construct.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(jobs).values(name=name).on_conflict_do_nothing(index_elements=["name"])


def finish(engine: sa.Engine, name: str, holder: str, now: datetime, result: str, done: bool = True) -> None:
    """Give the job back; done: it ran to the end (its interval starts now), otherwise it failed and is due again."""
    values: dict = {"claimed_by": None, "lease_until": None, "last_result": result[:500]}
    if done:
        values["last_finished_at"] = now
    with engine.begin() as conn:
        conn.execute(jobs.update().where(jobs.c.name == name, jobs.c.claimed_by == holder).values(**values))


def state(engine: sa.Engine) -> dict[str, dict]:
    """Every job's row by name: who holds it, when it last started and finished, and what it did."""
    with engine.connect() as conn:
        return {row["name"]: dict(row) for row in conn.execute(sa.select(jobs)).mappings()}
