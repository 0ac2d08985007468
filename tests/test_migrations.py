"""Moving to Alembic: a database made by the hand-written migrations upgrades in place without losing a
row, processes starting together migrate once, and a failed migration changes nothing."""

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
import shapely
import sqlalchemy as sa
from helpers import DATA, make_app, migrate

from geo_registry.store.db import BUSY_WAIT_MS, SchemaChange, current_revision, head_revision, make_engine, upgrade

LEGACY_TABLES = ["groups", "addresses", "registry_state", "staff", "audit_log", "mail_outbox", "group_changes"]


def legacy_copy(tmp_path, version: int = 4):
    """Copy tests/data/legacy_v4.sqlite3 (made by the pre-Alembic code) to tmp_path; return its path."""
    path = tmp_path / "legacy.sqlite3"
    shutil.copy(DATA / "legacy_v4.sqlite3", path)
    if version != 4:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE schema_version SET version = ?", (version,))
    return path


def rows(path, columns: dict | None = None) -> dict:
    """Every row of every legacy table, reading only the given columns of each (default: all); a group's area
    as its shape (GeoJSON text before revision 0010, WKB after it: the same shape, bit for bit)."""
    with sqlite3.connect(path) as db:
        out = {}
        for table in LEGACY_TABLES:
            names = columns[table] if columns else [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
            found = db.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
            if table == "groups":
                at = names.index("area")
                found = [row[:at] + (shape_wkb(row[at]),) + row[at + 1 :] for row in found]
            out[table] = sorted(found, key=repr)
        return out


def shape_wkb(stored) -> bytes:
    """The WKB of a stored area, whichever way it was stored."""
    return shapely.to_wkb(shapely.from_geojson(stored) if isinstance(stored, str) else shapely.from_wkb(stored))


def columns_of(path) -> dict:
    """The column names of each legacy table."""
    with sqlite3.connect(path) as db:
        return {t: [c[1] for c in db.execute(f"PRAGMA table_info({t})")] for t in LEGACY_TABLES}


def test_a_version_4_database_upgrades_in_place_keeping_every_row(tmp_path):
    path = legacy_copy(tmp_path)
    old_columns, before = columns_of(path), rows(path)
    assert sum(len(r) for r in before.values()) >= 12  # groups, staff, audit, mail, change, address, state
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{path}")  # the app migrates as it starts
    assert app.extensions["geo_registry.schema"] == SchemaChange("0004", head_revision(), legacy_version=4)
    assert rows(path, old_columns) == before
    with sqlite3.connect(path) as db:
        # Revision 0014 ends every session of before (the account enrols a second factor at its next login).
        assert db.execute("SELECT username, session_version FROM staff").fetchall() == [("medewerker", 1)]
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchall()
        for statement in ("UPDATE audit_log SET actor = 'iemand anders'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    report = app.test_cli_runner().invoke(args=["init-db"]).output
    assert report.strip() == (
        "Database van vóór Alembic (oude schemaversie 4) overgenomen als 0004"
        f" en bijgewerkt naar schemaversie {head_revision()}"
    )


def test_the_upgraded_database_works_in_the_app(tmp_path):
    path = legacy_copy(tmp_path)
    with sqlite3.connect(path) as db:
        [(confirmed_text,)] = db.execute("SELECT last_confirmed_at FROM groups WHERE name = 'Brink Oost'").fetchall()
    app = make_app(tmp_path, DATABASE_URL=f"sqlite:///{path}")
    with app.app_context():
        from geo_registry.domain.staff import audit_entries, authenticate
        from geo_registry.web import services as app_services

        current = app_services.current()
        groups = {g.name: (g.status, g.lang) for g in current.store.list(status=None)}
        assert groups == {
            "Brink Oost": ("active", "nl"),
            "Oud Laren": ("inactive", "en"),
            "Nieuwe straat": ("pending_email", "en"),
        }
        assert [m["recipient"] for m in current.mailer.pending()] == ["carla@voorbeeld.invalid"]
        assert len(audit_entries(current.store.engine)) == 3
        assert authenticate(current.store.engine, "medewerker", "lang-genoeg-wachtwoord")["username"] == "medewerker"
        # Times written as text by the code of 2025 come back as the same instants, aware, in UTC.
        brink = next(g for g in current.store.list(status=None) if g.name == "Brink Oost")
        assert brink.created_at == datetime(2025, 1, 2, 10, tzinfo=UTC)
        assert brink.last_confirmed_at == datetime.fromisoformat(confirmed_text)
        stamps = [e["at"] for e in audit_entries(current.store.engine)] + [current.mailer.pending()[0]["created_at"]]
        assert all(isinstance(t, datetime) and t.utcoffset() == timedelta(0) for t in stamps)


def schema(path) -> dict:
    """The schema of an SQLite file as SQLite sees it: column affinity, NOT NULL, default, key;
    indexes, foreign keys, AUTOINCREMENT and triggers."""

    def affinity(declared):
        declared = declared.upper()
        return next(
            (
                a
                for keys, a in (
                    (("INT",), "INTEGER"),
                    (("CHAR", "CLOB", "TEXT"), "TEXT"),
                    (("REAL", "FLOA", "DOUB"), "REAL"),
                )
                if any(k in declared for k in keys)
            ),
            "NUMERIC",
        )

    with sqlite3.connect(path) as db:
        out = {}
        for table, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            " AND name NOT IN ('alembic_version', 'sqlite_sequence')"
        ):
            out[table] = {
                "columns": [
                    (name, affinity(kind), bool(notnull or pk), default, pk)
                    for _, name, kind, notnull, default, pk in db.execute(f"PRAGMA table_info({table})")
                ],
                "indexes": sorted(
                    (unique, [c[2] or "(expression)" for c in db.execute(f"PRAGMA index_info('{name}')")])
                    for _, name, unique, *_ in db.execute(f"PRAGMA index_list({table})")
                ),
                "foreign_keys": [fk[2:] for fk in db.execute(f"PRAGMA foreign_key_list({table})")],
                "autoincrement": "AUTOINCREMENT" in sql.upper(),
            }
        out["triggers"] = sorted(
            (name, re.sub(r"\s+", " ", sql))
            for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        )
        out["state"] = db.execute("SELECT key FROM registry_state ORDER BY key").fetchall()
        return out


def test_the_upgraded_schema_is_the_schema_of_a_new_database(tmp_path):
    legacy = legacy_copy(tmp_path)
    upgrade(make_engine(f"sqlite:///{legacy}"))
    fresh = tmp_path / "nieuw.sqlite3"
    upgrade(make_engine(f"sqlite:///{fresh}"))
    assert schema(legacy) == schema(fresh)


MIGRATE = """
import sys
from geo_registry.store.db import make_engine, upgrade
print("ready", flush=True)
for url in sys.stdin:  # each database's url reaches every process at once: they migrate it together
    print(upgrade(make_engine(url.strip())), flush=True)
"""


@pytest.mark.slow
def test_processes_starting_together_migrate_a_new_database_once(tmp_path):
    count, head = 4, head_revision()
    with ExitStack() as stack:  # closes the pipes and waits for the processes, also when an assert fails
        processes = [
            stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", MIGRATE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
                )
            )
            for _ in range(count)
        ]
        stack.callback(lambda: [p.kill() for p in processes])
        assert [p.stdout.readline() for p in processes] == ["ready\n"] * count
        for attempt in range(3):  # a few races, as one may happen to come out right by chance
            url = f"sqlite:///{tmp_path / f'shared{attempt}.sqlite3'}"
            for p in processes:
                p.stdin.write(url + "\n")
                p.stdin.flush()
            reports = sorted(p.stdout.readline().strip() for p in processes)  # "" for one that failed
            # One process created the schema; the others waited for it and found it current.
            assert reports == sorted([repr(SchemaChange(None, head))] + [repr(SchemaChange(head, head))] * (count - 1))
            with make_engine(url).connect() as conn:
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
                assert conn.execute(sa.text("SELECT key FROM registry_state ORDER BY key")).scalars().all() == [
                    "addresses_version",
                    "groups_version",
                ]
        for p in processes:
            p.stdin.close()
        assert [p.wait(timeout=60) for p in processes] == [0] * count


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path):
    # Marked as version 3 while it has version 4's column: revision 0004 fails half-way the upgrade.
    path = legacy_copy(tmp_path, version=3)
    before = rows(path)
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(sa.exc.OperationalError, match="duplicate column"):
        upgrade(engine)
    assert rows(path) == before
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(3,)]
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchall()
    assert current_revision(engine) is None
    with engine.connect() as conn:  # the pooled connection is the app's usual one again
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.get_isolation_level() == "SERIALIZABLE"


def test_areas_are_stored_as_wkb_on_sqlite_and_revision_0010_converts_both_ways(tmp_path):
    """Revision 0010 turns GeoJSON areas into WKB (a fast start) and back on downgrade, shapes unchanged."""
    from alembic import command

    path = legacy_copy(tmp_path)
    before = rows(path)["groups"]
    with sqlite3.connect(path) as db:
        assert {kind for (kind,) in db.execute("SELECT typeof(area) FROM groups")} == {"text"}
    make_app(tmp_path, DATABASE_URL=f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        assert {kind for (kind,) in db.execute("SELECT typeof(area) FROM groups")} == {"blob"}
    assert rows(path)["groups"] == before
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, command.downgrade, "0009")
    engine.dispose()
    with sqlite3.connect(path) as db:
        assert {kind for (kind,) in db.execute("SELECT typeof(area) FROM groups")} == {"text"}
    assert rows(path)["groups"] == before


@pytest.mark.slow
def test_a_process_connecting_while_another_holds_a_new_file_waits_for_it_to_switch_to_wal(tmp_path):
    """A new SQLite file is put in WAL mode by the first connection that can have it to itself; a process that
    connects while another writes it (e.g. its migration) waits for that, longer than the usual busy wait."""
    path = tmp_path / "new.sqlite3"
    holding, hold_s = threading.Event(), BUSY_WAIT_MS / 1000 + 2
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")

    def hold():
        holder.execute("BEGIN IMMEDIATE")  # a writer: others may still read, none may switch the journal
        holder.execute("INSERT INTO t VALUES (1)")
        holding.set()
        time.sleep(hold_s)
        holder.execute("COMMIT")

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as conn:  # before: "database is locked" after the usual 5 s
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == BUSY_WAIT_MS
        engine.dispose()
    finally:
        thread.join()
        holder.close()
