"""Timestamps are aware datetimes in UTC on both databases (store/tables.Instant): a database whose times were
written as UTC ISO 8601 text by the code before revision 0012 upgrades keeping every instant (PostgreSQL's
columns become timestamptz, SQLite's text stays byte for byte), sorts and compares them in time order, and
PostgreSQL goes back to the same text on a downgrade."""

from datetime import UTC, datetime, timedelta

import pytest
import shapely
import sqlalchemy as sa
from alembic import command
from helpers import migrate

from geo_registry.mail.delivery import Mailer, MailSettings
from geo_registry.store import tables
from geo_registry.store.db import make_engine, upgrade
from geo_registry.store.drift import differences

pytestmark = pytest.mark.both_databases

# Every timestamp column, as revision 0012 converts them.
TIMESTAMPS = {
    "groups": (
        "created_at",
        "updated_at",
        "email_confirmed_at",
        "reviewed_at",
        "last_confirmed_at",
        "reminder_sent_at",
    ),
    "group_changes": ("created_at",),
    "staff": ("created_at",),
    "audit_log": ("at",),
    "mail_outbox": ("created_at", "claimed_at", "next_attempt_at", "failed_at"),
    "waiting_residents": ("created_at", "confirmed_at"),
}
# Timestamp columns made by later revisions, as timestamptz from the start on PostgreSQL (0015: the worker).
FIRST = datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)  # a minute before Dutch summer time began


def instant(n: int) -> datetime:
    """The n-th distinct instant of the test's rows, a day and some hours apart."""
    return FIRST + timedelta(days=n, hours=n)


@pytest.fixture
def engine(db_url):
    """An engine whose PostgreSQL sessions run in a zone far from UTC: nothing may depend on the session's zone."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict({"options": "-c TimeZone=Pacific/Auckland"})
    engine = make_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    yield engine
    engine.dispose()


def fill_as_text(engine) -> dict[tuple[str, str], str]:
    """One row in each table with every timestamp written as the code before revision 0012 wrote it (UTC ISO
    8601 text, to the second); return the text per (table, column)."""
    texts = {}
    n = 0
    for table, columns in TIMESTAMPS.items():
        for column in columns:
            texts[table, column] = instant(n).isoformat()
            n += 1
    other = {
        "groups": "id, name, area, beheerder_name, beheerder_email",
        "group_changes": "id, group_id, payload",
        "staff": "id, username, password_hash",
        "audit_log": "id, actor, action",
        "mail_outbox": "id, kind, recipient, subject, body",
        "waiting_residents": "id, email, lat, lon, lang",
    }
    values = {
        "groups": "1, 'Brink', :area, 'Anna', 'anna@voorbeeld.invalid'",
        "group_changes": "1, 1, '{}'",
        "staff": "1, 'medewerker', 'x'",
        "audit_log": "1, 'medewerker', 'gewijzigd'",
        "mail_outbox": "1, 'test', 'bo@voorbeeld.invalid', 'Onderwerp', 'Tekst'",
        "waiting_residents": "1, 'bo@voorbeeld.invalid', 52.25, 5.2, 'nl'",
    }
    # The area as the Area type writes it: hex EWKB, which PostGIS reads as a geometry, or WKB on SQLite.
    area = tables.Area().process_bind_param(shapely.box(5.20, 52.25, 5.21, 52.26), engine.dialect)
    with engine.begin() as conn:
        for table, columns in TIMESTAMPS.items():
            names = ", ".join(columns)
            params = ", ".join(f":{c}" for c in columns)
            statement = f"INSERT INTO {table} ({other[table]}, {names}) VALUES ({values[table]}, {params})"
            row = {c: texts[table, c] for c in columns}
            if table == "groups":
                row["area"] = area
            conn.execute(sa.text(statement), row)
    return texts


def stored_text(engine, table: str, column: str) -> str:
    """What the database holds in one column of the test row, as text (PostgreSQL: as the database spells it)."""
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE id = 1")).scalar_one()


def test_an_upgrade_keeps_every_instant_and_gives_them_back_aware_in_utc(engine):
    migrate(engine, command.downgrade, "0011")
    texts = fill_as_text(engine)
    migrate(engine, command.upgrade, "head")
    with engine.connect() as conn:
        assert differences(conn) == []
        for table, columns in TIMESTAMPS.items():
            row = conn.execute(sa.select(tables.metadata.tables[table])).mappings().one()
            for column in columns:
                value = row[column]
                assert isinstance(value, datetime) and value.utcoffset() == timedelta(0), (table, column, value)
                assert value == datetime.fromisoformat(texts[table, column]), (table, column)
                assert value.isoformat() == texts[table, column]  # in UTC, not in the session's zone
    if engine.dialect.name == "sqlite":  # the same text as before: an SQLite file needs no change
        assert {key: stored_text(engine, *key) for key in texts} == texts
    else:
        with engine.connect() as conn:
            types = conn.execute(
                sa.text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name IN :t"
                ).bindparams(sa.bindparam("t", expanding=True)),
                {"t": list(TIMESTAMPS)},
            ).all()
        # (later revisions add timestamp columns of their own, timestamptz from the start: 0014's on staff)
        found = {(t, c) for t, c, kind in types if kind == "timestamp with time zone" and c in TIMESTAMPS[t]}
        assert found == set(texts)


def test_a_downgrade_gives_postgresql_back_the_same_text(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite revision 0012 changes nothing")
    migrate(engine, command.downgrade, "0011")
    texts = fill_as_text(engine)
    migrate(engine, command.upgrade, "head")
    with engine.begin() as conn:  # a time with a fraction of a second, which only PostgreSQL's column could hold
        fraction = datetime(2026, 7, 1, 12, 0, 0, 250000, tzinfo=UTC)
        conn.execute(tables.staff.update().values(created_at=fraction))
    migrate(engine, command.downgrade, "0011")
    texts["staff", "created_at"] = "2026-07-01T12:00:00.250000+00:00"  # as Python's isoformat spells it
    assert {key: stored_text(engine, *key) for key in texts} == texts
    with engine.connect() as conn:
        collations = conn.execute(
            sa.text(
                "SELECT DISTINCT collation_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name IN ('created_at', 'at')"
            )
        ).scalars()
        assert set(collations) == {"C"}


def test_text_without_an_offset_is_read_as_utc(engine):
    """No release wrote one, but a hand-made row might: the app always read it as UTC, and so does 0012."""
    migrate(engine, command.downgrade, "0011")
    fill_as_text(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE staff SET created_at = '2026-01-02T03:04:05'"))
    migrate(engine, command.upgrade, "head")
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.staff.c.created_at)).scalar_one() == datetime(
            2026, 1, 2, 3, 4, 5, tzinfo=UTC
        )


def test_mail_due_first_and_only_what_is_due_after_the_upgrade(engine):
    """Times compare as instants in the database: the queue takes the messages whose retry time has come, in
    the order they fall due, and leaves the one waiting for a later retry."""
    migrate(engine, command.downgrade, "0011")
    now = datetime.now(UTC).replace(microsecond=0)
    due = {2: now - timedelta(hours=3), 3: now - timedelta(days=40), 4: now - timedelta(minutes=1)}
    later = now + timedelta(hours=1)
    with engine.begin() as conn:
        for message_id, at in [*due.items(), (5, later)]:
            conn.execute(
                sa.text(
                    "INSERT INTO mail_outbox (id, kind, recipient, subject, body, created_at, attempts,"
                    " next_attempt_at)"
                    " VALUES (:id, 'test', 'bo@voorbeeld.invalid', 'Onderwerp', 'Tekst', :at, 1, :at)"
                ),
                {"id": message_id, "at": at.isoformat()},
            )
    migrate(engine, command.upgrade, "head")
    outbox = tables.mail_outbox
    with engine.connect() as conn:
        by_time = conn.execute(sa.select(outbox.c.id).order_by(outbox.c.next_attempt_at)).scalars().all()
        waiting = conn.execute(sa.select(outbox.c.id).where(outbox.c.next_attempt_at > now)).scalars().all()
    assert by_time == [3, 2, 4, 5]
    assert waiting == [5]
    candidates = Mailer(engine, MailSettings())._candidates(None, due_only=True)
    assert sorted(row["id"] for row in candidates) == sorted(due)
