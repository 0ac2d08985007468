"""The embedded database: engine, schema migrations (Alembic), and the app's connection to it."""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from geo_registry.core.errors import StartupRefused
from geo_registry.core.settings import EXTENSION as SETTINGS

MIGRATIONS = Path(__file__).parent / "migrations"
# Seconds libpq may take to connect (the whole attempt) before the request that needed it gets an error.
POSTGRESQL_CONNECT_SECONDS = 10
# The hand-written migrations before Alembic numbered the schema 1 to 4 in a table schema_version;
# Alembic revision "000N" creates exactly what version N had.
LEGACY_REVISIONS = {number: f"{number:04d}" for number in range(1, 5)}
# How long a process waits for another one that is migrating the same SQLite file.
MIGRATION_WAIT_MS = 120_000
# How long an SQLite statement waits for another connection's lock before it gives up.
BUSY_WAIT_MS = 5000
# The key of the PostgreSQL advisory lock that serialises migrations (any fixed number).
PG_LOCK_KEY = 4_170_417


@dataclass(frozen=True)
class SchemaChange:
    """What upgrade did: the revision found (None: empty database), the revision now, and the
    version of the hand-written migrations the database still had, if any."""

    before: str | None
    after: str
    legacy_version: int | None = None

    def report(self) -> str:
        """Say in Dutch what happened, for init-db."""
        if self.legacy_version:
            return (
                f"Database van vóór Alembic (oude schemaversie {self.legacy_version}) overgenomen als "
                f"{self.before} en bijgewerkt naar schemaversie {self.after}"
            )
        if self.before is None:
            return f"Database aangemaakt op schemaversie {self.after}"
        if self.before != self.after:
            return f"Database bijgewerkt naar schemaversie {self.after} (was {self.before})"
        return f"Database op schemaversie {self.after} (al actueel)"


def make_engine(url: str) -> Engine:
    """Create an engine for url, creating the folder of an SQLite file where needed."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # A database host that accepts the connection and then says nothing would hold every request thread that
        # needs it for good (libpq waits without end by default); a URL that names its own limit keeps it.
        parsed = parsed.update_query_dict({"connect_timeout": str(POSTGRESQL_CONNECT_SECONDS)})
    # hide_parameters: a failing statement's error (logged with a 500) names no value, such as an e-mail address.
    engine = sa.create_engine(parsed, hide_parameters=True)
    if parsed.get_backend_name() == "sqlite":
        in_file = parsed.database not in (None, "", ":memory:")

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
            if in_file:
                _write_ahead_log(cursor)
            cursor.close()

    return engine


def _write_ahead_log(cursor) -> None:
    """Put an SQLite file in WAL mode (kept in the file) and sync at checkpoints rather than at every commit."""
    # In the default rollback journal a reader waits while anyone writes (the mail worker's delivery made every
    # page of a join wait ~20 ms), and under many concurrent writers some gave up ("database is locked").
    # With WAL readers never wait for writers. synchronous=NORMAL keeps every transaction whole
    # (all or nothing, also after a crash); a power cut may lose the last commits, never corrupt the file.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")


def _switch_to_wal(cursor) -> None:
    """Switch a file not yet in WAL mode (a new one) to it, waiting as long as a migration may take.

    The switch needs the file to itself, and another process may be writing it for a whole migration. SQLite
    answers "database is locked" at once rather than wait where waiting could deadlock (a writer that must commit
    while this connection reads), so the wait is a retry here: under load a process starting beside the one
    migrating gave up after the usual few seconds."""
    deadline = time.monotonic() + MIGRATION_WAIT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def head_revision() -> str:
    """Return the newest schema revision."""
    versions = MIGRATIONS / "versions"
    # Keyed by the revision files and their times, so that a revision added or edited meanwhile counts.
    files = tuple(sorted((entry.name, entry.stat().st_mtime_ns) for entry in os.scandir(versions)))
    return _head_of(str(MIGRATIONS), files)


@functools.lru_cache(maxsize=8)
def _head_of(folder: str, files: tuple) -> str:
    """The head revision of the migrations in folder (files: their names and times, the cache's key): reading
    every revision script took 0.05 s, on every app start."""
    head = ScriptDirectory(folder).get_current_head()
    assert head is not None  # the migrations folder holds revisions
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at (None for an empty or pre-Alembic one)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def alembic_config(conn: sa.Connection) -> Config:
    """Alembic's configuration for this project's migrations, run on conn (inside the caller's transaction)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def upgrade(engine: Engine) -> SchemaChange:
    """Create or upgrade the schema to the newest revision, in one transaction that other processes
    starting at the same time wait for; return what changed."""
    head = head_revision()
    if current_revision(engine) == head:  # the usual start: no need to wait for the write lock
        return SchemaChange(head, head)
    with engine.connect() as conn, _migration_transaction(conn):
        legacy = _adopt_legacy(conn)
        config = alembic_config(conn)
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(config, "head")
        after = MigrationContext.configure(conn).get_current_revision()
    assert after is not None  # upgraded to head
    return SchemaChange(before, after, legacy)


@contextmanager
def _migration_transaction(conn: sa.Connection):
    """Hold the database's migration lock for one transaction: commit if the block succeeds,
    roll everything back if not, so no process ever sees half a migration."""
    lock = _LOCKS.get(conn.dialect.name)
    if lock is None:
        raise NotImplementedError(f"no migration lock for {conn.dialect.name}")
    with ExitStack() as undo:
        lock(conn, undo)
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _lock_sqlite(conn: sa.Connection, undo: ExitStack) -> None:
    """Begin a transaction holding SQLite's write lock, waiting for a process that holds it."""
    # pysqlite would run each CREATE/ALTER in a transaction of its own: take the transaction over.
    conn.execution_options(isolation_level="AUTOCOMMIT")
    usual_wait = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
    conn.exec_driver_sql(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
    # The pooled connection goes back to the app's usual wait afterwards.
    undo.callback(conn.exec_driver_sql, f"PRAGMA busy_timeout={usual_wait}")
    # Take the write lock at once (IMMEDIATE): a second process waits here, then finds the schema current.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_postgresql(conn: sa.Connection, undo: ExitStack) -> None:
    """Begin a transaction holding an advisory lock (not yet run by any test: PostgreSQL comes later)."""
    conn.begin()
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK_KEY)))


_LOCKS = {"sqlite": _lock_sqlite, "postgresql": _lock_postgresql}


def _adopt_legacy(conn: sa.Connection) -> int | None:
    """Give a database made by the hand-written migrations the matching Alembic revision, and drop
    its schema_version table; return the legacy version found (None if there was none)."""
    inspector = sa.inspect(conn)
    if not inspector.has_table("schema_version") or inspector.has_table("alembic_version"):
        return None
    # The hand-written migrations' table: not declared in tables.py, as no database keeps it after this.
    schema_version = sa.table("schema_version", sa.column("version", sa.Integer))
    version = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
    if version and version not in LEGACY_REVISIONS:
        raise RuntimeError(f"Onbekende oude schemaversie {version}: deze database is nieuwer dan deze software.")
    if version:
        context = MigrationContext.configure(conn)
        context.stamp(ScriptDirectory(str(MIGRATIONS)), LEGACY_REVISIONS[version])
    sa.Table("schema_version", sa.MetaData()).drop(conn)
    return version


def init_app(app) -> None:
    """Give the app its engine and make sure the schema is current."""
    try:
        engine = make_engine(app.extensions[SETTINGS].DATABASE_URL)
        app.extensions["geo_registry.schema"] = upgrade(engine)  # what the start did, for init-db to report
    except sa.exc.ArgumentError as error:
        raise StartupRefused(f"GEO_REGISTRY_DATABASE_URL is geen geldige database-URL: {error}") from error
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        reason = str(error.orig if error.orig is not None else error).strip().splitlines()[0]
        raise StartupRefused(
            f"De database is niet bereikbaar ({reason}). Controleer GEO_REGISTRY_DATABASE_URL "
            "en of de databaseserver draait."
        ) from error
    except RuntimeError as error:  # a migration that cannot run here (PostGIS missing, a newer database)
        raise StartupRefused(str(error)) from error
    app.extensions["geo_registry.engine"] = engine
