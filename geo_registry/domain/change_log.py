"""The registry's change counters and change log in registry_state: what every process watches to keep its
snapshot of the public groups current, and re-reads only the groups that changed."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from geo_registry.store.tables import registry_state

# The change log: registry_state holds, beside the version, one row per public change, keyed by the version it
# made (zero-padded, so that the primary key's order is the versions' order) with the changed group's id as value.
# A process that saw version v reads the rows after v through the key's index and re-reads only those groups; the
# oldest rows are dropped, and a process further behind than CHANGES_KEPT builds its snapshot from scratch.
CHANGE_KEY = "groups_change:{:012d}"
CHANGES_KEPT = 1000
PRUNE_EVERY = 16
UNKNOWN_GROUP = -1  # a change not tied to one group: every process builds anew
GROUPS, ADDRESSES = "groups_version", "addresses_version"

key, value = registry_state.c.key, registry_state.c.value
# Statements made once, when first used: building one for every change was a noticeable part of an import's time.
_VERSION_UP_BY = registry_state.update().where(key == GROUPS).values(value=value + sa.bindparam("n")).returning(value)
# Bounds typed as plain text: with the column's type (collation "C" on PostgreSQL) psycopg would cast each
# bound as '$1::VARCHAR COLLATE "C"', which PostgreSQL refuses inside BETWEEN; the column's collation applies anyway.
_LO, _HI = sa.bindparam("lo", type_=sa.Text), sa.bindparam("hi", type_=sa.Text)
_LOG_PRUNE = registry_state.delete().where(key.between(_LO, _HI))
_LOG_READ = sa.select(value).where(key > _LO, key <= _HI)
_VERSIONS = sa.select(key, value).where(key.in_([GROUPS, ADDRESSES]))
ADDRESSES_UP = registry_state.update().where(key == ADDRESSES).values(value=value + 1)


@functools.cache
def _log_statement(dialect: str):
    """INSERT of a change-log row that replaces one under the same key: an upsert, whose spelling SQLAlchemy
    gives per dialect (both use INSERT ... ON CONFLICT (key) DO UPDATE)."""
    insert: sqlite.Insert | postgresql.Insert
    if dialect == "sqlite":
        insert = sqlite.insert(registry_state)
    elif dialect == "postgresql":
        insert = postgresql.insert(registry_state)
    else:
        raise KeyError(dialect)
    return insert.on_conflict_do_update(index_elements=[key], set_={"value": insert.excluded.value})


def versions(conn: sa.Connection) -> tuple[int, int]:
    """Return (groups version, addresses version): either changes whenever its data changes."""
    rows = dict(conn.execute(_VERSIONS).all())
    return rows[GROUPS], rows.get(ADDRESSES, 0)


def bump_version(conn: sa.Connection, group_id: int | None = None) -> None:
    """Mark the groups as changed (by group_id, when one group changed), so that every process updates its index."""
    version = conn.execute(_VERSION_UP_BY, {"n": 1}).scalar_one()
    log = {"key": CHANGE_KEY.format(version), "value": UNKNOWN_GROUP if group_id is None else group_id}
    conn.execute(_log_statement(conn.dialect.name), log)
    if version > CHANGES_KEPT and version % PRUNE_EVERY == 0:  # now and then: the log may hold a few rows more
        conn.execute(_LOG_PRUNE, {"lo": CHANGE_KEY.format(0), "hi": CHANGE_KEY.format(version - CHANGES_KEPT)})


def bump_versions(conn: sa.Connection, group_ids: list[int]) -> None:
    """Mark several groups as changed at once: one version each (so the change log reads as if they changed one
    by one), written with one UPDATE and one INSERT for all of them."""
    if not group_ids:
        return
    last = conn.execute(_VERSION_UP_BY, {"n": len(group_ids)}).scalar_one()
    first = last - len(group_ids) + 1
    rows = [{"key": CHANGE_KEY.format(first + i), "value": gid} for i, gid in enumerate(group_ids)]
    conn.execute(_log_statement(conn.dialect.name), rows)
    if last > CHANGES_KEPT:
        conn.execute(_LOG_PRUNE, {"lo": CHANGE_KEY.format(0), "hi": CHANGE_KEY.format(last - CHANGES_KEPT)})


def changed_since(conn: sa.Connection, since: int, until: int) -> set[int] | None:
    """The ids of the groups changed in public by versions since+1..until, or None when the log does not say."""
    rows = conn.execute(_LOG_READ, {"lo": CHANGE_KEY.format(since), "hi": CHANGE_KEY.format(until)}).scalars().all()
    if since > until or len(rows) != until - since or UNKNOWN_GROUP in rows:
        return None
    return set(rows)
