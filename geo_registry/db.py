"""The embedded database: engine, schema migrations, and the app's connection to it."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Each step upgrades the schema by one version; never edit a step that has shipped, add one.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE groups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            area TEXT NOT NULL,
            beheerder_name TEXT NOT NULL,
            beheerder_email TEXT NOT NULL,
            beheerder_phone TEXT,
            description TEXT,
            status TEXT NOT NULL DEFAULT 'active',
            is_example INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX groups_status ON groups (status)",
        """CREATE TABLE addresses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            postcode TEXT NOT NULL,
            huisnummer INTEGER NOT NULL,
            huisletter TEXT NOT NULL DEFAULT '',
            toevoeging TEXT NOT NULL DEFAULT '',
            straat TEXT NOT NULL,
            straat_norm TEXT NOT NULL,
            woonplaats TEXT NOT NULL,
            lat REAL NOT NULL,
            lon REAL NOT NULL
        )""",
        "CREATE INDEX addresses_pc_nr ON addresses (postcode, huisnummer)",
        "CREATE INDEX addresses_street_nr ON addresses (straat_norm, huisnummer)",
        "CREATE TABLE registry_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO registry_state (key, value) VALUES ('groups_version', 0)",
    ],
    [
        # Registration by beheerders, review by staff, yearly confirmation.
        "ALTER TABLE groups ADD COLUMN email_confirmed_at TEXT",
        "ALTER TABLE groups ADD COLUMN reviewed_at TEXT",
        "ALTER TABLE groups ADD COLUMN review_note TEXT",
        "ALTER TABLE groups ADD COLUMN last_confirmed_at TEXT",
        """CREATE TABLE staff (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            group_id INTEGER,
            group_name TEXT,
            detail TEXT
        )""",
        # The audit log is append-only, also for anyone with the database file.
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TABLE mail_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            recipient TEXT NOT NULL,
            reply_to TEXT,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )""",
    ],
    [
        # Coverage by addresses, and the yearly confirmation round.
        "INSERT INTO registry_state (key, value) VALUES ('addresses_version', 0)",
        "ALTER TABLE groups ADD COLUMN reminder_sent_at TEXT",
        """CREATE TABLE group_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    ],
    [
        # The language a beheerder registered in: their e-mail comes in that language.
        "ALTER TABLE groups ADD COLUMN lang TEXT NOT NULL DEFAULT 'nl'",
    ],
    [
        # Delivery outside the request: a worker claims a message so that it goes out once, a failed one waits
        # before its next attempt, and one that cannot be built is set aside instead of blocking the rest.
        "ALTER TABLE mail_outbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE mail_outbox ADD COLUMN claimed_at TEXT",
        "ALTER TABLE mail_outbox ADD COLUMN next_attempt_at TEXT",
        "ALTER TABLE mail_outbox ADD COLUMN failed_at TEXT",
    ],
]


def make_engine(url: str) -> Engine:
    """Create an engine for url, creating the folder of an SQLite file where needed."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    if parsed.get_backend_name() == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
    return engine


def schema_version(engine: Engine) -> int:
    """Return the schema version the database is at (0 for an empty one)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        return conn.execute(sa.text("SELECT version FROM schema_version")).scalar_one()


def upgrade(engine: Engine) -> tuple[int, int]:
    """Create or upgrade the schema to the newest version; return (old, new) versions."""
    old = schema_version(engine)
    with engine.begin() as conn:
        if old == 0:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
            conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (0)"))
        for number, statements in enumerate(MIGRATIONS, start=1):
            if number <= old:
                continue
            for statement in statements:
                conn.execute(sa.text(statement))
            conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": number})
    return old, len(MIGRATIONS)


def init_app(app) -> None:
    """Give the app its engine and make sure the schema is current."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["geo_registry.schema"] = upgrade(engine)  # (version found, version now), for init-db
    app.extensions["geo_registry.engine"] = engine
