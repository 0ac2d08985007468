"""The schema is created and upgraded by the project itself (Alembic revisions inside the package)."""

import socket
import time

import pytest
import sqlalchemy as sa
from helpers import make_app

from geo_registry.core.config import ROOT
from geo_registry.store.db import (
    POSTGRESQL_CONNECT_SECONDS,
    SchemaChange,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)

# What the hand-written migrations (before Alembic) made as schema version 1.
LEGACY_V1 = [
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "INSERT INTO schema_version (version) VALUES (1)",
    """CREATE TABLE groups (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, area TEXT NOT NULL,
        beheerder_name TEXT NOT NULL, beheerder_email TEXT NOT NULL, beheerder_phone TEXT, description TEXT,
        status TEXT NOT NULL DEFAULT 'active', is_example INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX groups_status ON groups (status)",
    """CREATE TABLE addresses (id INTEGER PRIMARY KEY AUTOINCREMENT, postcode TEXT NOT NULL,
        huisnummer INTEGER NOT NULL, huisletter TEXT NOT NULL DEFAULT '', toevoeging TEXT NOT NULL DEFAULT '',
        straat TEXT NOT NULL, straat_norm TEXT NOT NULL, woonplaats TEXT NOT NULL, lat REAL NOT NULL,
        lon REAL NOT NULL)""",
    "CREATE INDEX addresses_pc_nr ON addresses (postcode, huisnummer)",
    "CREATE INDEX addresses_street_nr ON addresses (straat_norm, huisnummer)",
    "CREATE TABLE registry_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO registry_state (key, value) VALUES ('groups_version', 0)",
]


def test_a_new_database_gets_the_head_revision_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'new.sqlite3'}")
    assert current_revision(engine) is None
    assert upgrade(engine) == SchemaChange(None, head_revision())
    assert upgrade(engine) == SchemaChange(head_revision(), head_revision())
    newest = max(path.name[:4] for path in (ROOT / "geo_registry/store/migrations/versions").glob("[0-9]*.py"))
    assert current_revision(engine) == head_revision() == newest
    tables = set(sa.inspect(engine).get_table_names())
    assert {
        "groups",
        "addresses",
        "registry_state",
        "staff",
        "audit_log",
        "mail_outbox",
        "group_changes",
        "alembic_version",
    } <= tables
    assert "schema_version" not in tables
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        # The migration's own transaction handling ended with it: the app's transactions are transactions.
        assert conn.get_isolation_level() == "SERIALIZABLE"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_init_db_reports_what_it_did(tmp_path):
    result = make_app(tmp_path, migrated=False).test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0
    assert result.output.strip() == f"Database aangemaakt op schemaversie {head_revision()}"
    again = make_app(tmp_path).test_cli_runner().invoke(args=["init-db"])  # the next start: nothing to do
    assert again.output.strip() == f"Database op schemaversie {head_revision()} (al actueel)"


def test_a_version_1_database_is_upgraded_keeping_its_groups(tmp_path):
    url = f"sqlite:///{tmp_path / 'oud.sqlite3'}"
    with make_engine(url).begin() as conn:
        for statement in LEGACY_V1:
            conn.execute(sa.text(statement))
        conn.execute(
            sa.text(
                "INSERT INTO groups (name, area, beheerder_name, beheerder_email, created_at, updated_at)"
                " VALUES ('Oud', '{\"type\":\"Point\",\"coordinates\":[5.22,52.25]}', 'b', 'b@x.nl',"
                " '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')"
            )
        )
    app = make_app(tmp_path, DATABASE_URL=url)
    assert app.extensions["geo_registry.schema"] == SchemaChange("0001", head_revision(), legacy_version=1)
    with app.app_context():
        from geo_registry.web import services as app_services

        [old] = app_services.current().store.list()
    assert (old.name, old.lang, old.reminder_sent_at) == ("Oud", "nl", None)
    report = app.test_cli_runner().invoke(args=["init-db"]).output
    assert "oude schemaversie 1" in report and f"bijgewerkt naar schemaversie {head_revision()}" in report


def test_a_silent_postgresql_host_gives_an_error_in_bounded_time_not_a_thread_held_for_good():
    # A host that accepts the connection and never answers (a hung server, a firewall that swallows packets).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        engine = make_engine(f"postgresql+psycopg://register@127.0.0.1:{silent.getsockname()[1]}/register")
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError), engine.connect():
            pass
        waited = time.monotonic() - started
    assert POSTGRESQL_CONNECT_SECONDS - 1 <= waited < POSTGRESQL_CONNECT_SECONDS * 3
    own = make_engine("postgresql+psycopg://register@127.0.0.1:5/register?connect_timeout=3")
    assert own.url.query["connect_timeout"] == "3"  # a URL that names its own limit keeps it
