"""Backups of a whole register while the site runs, and restoring one into an empty database.

SQLite: the file is copied with SQLite's online backup API in one step, a read transaction that sees one moment
while writers carry on (WAL). PostgreSQL: `pg_dump --format=custom`, which reads in one snapshot; `pg_restore`
puts it back. The dump and restore programs are those of the server's major version (Debian keeps each version
in /usr/lib/postgresql/<major>/bin), since a newer pg_dump writes dumps an older pg_restore cannot read."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from geo_registry.store import tables
from geo_registry.store.db import upgrade
from geo_registry.store.dbcopy import DATA_TABLES, TargetNotEmpty

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# pg_dump and pg_restore are given this long; a register of a municipality dumps in seconds.
PG_TIMEOUT_S = 3600
__all__ = ["BackupFailed", "TargetNotEmpty", "backup", "restore"]


class BackupFailed(RuntimeError):
    """A backup or restore could not be made; the message says why, in Dutch."""


@dataclass(frozen=True)
class Counts:
    """Rows per table of the register, as the backup holds them or the restore left them."""

    rows: dict[str, int]

    def line(self) -> str:
        """One Dutch line: the rows per table."""
        return ", ".join(f"{name} {count}" for name, count in self.rows.items())


def backup(engine: sa.Engine, target: Path) -> Counts:
    """Write a backup of the register in engine to target (replaced only once the new one is whole)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target under another name, then renamed: a failed or half backup never replaces a good one.
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        if engine.dialect.name == "sqlite":
            _backup_sqlite(_sqlite_file(engine), partial)
            counts = _sqlite_counts(partial)
        else:
            _run_pg(engine, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}")
            counts = _count_rows(engine)  # informative only: the dump's snapshot may be a moment older
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def restore(engine: sa.Engine, source: Path) -> Counts:
    """Restore the backup in source into the database of engine, which must hold no register (raise
    TargetNotEmpty otherwise); afterwards the schema is brought to the newest revision."""
    source = Path(source)
    kind = _kind_of(source)
    if kind != engine.dialect.name:
        which = {"sqlite": "een SQLite-bestand", "postgresql": "een PostgreSQL-dump (pg_dump)"}
        raise BackupFailed(
            f"{source} is {which[kind]}, maar de database is {engine.dialect.name}: zet die terug in een "
            f"database van dezelfde soort (of gebruik copy-to-postgresql)."
        )
    _refuse_filled(engine)
    if kind == "sqlite":
        _restore_sqlite(source, _sqlite_file(engine))
    else:
        _restore_pg(engine, source)
    engine.dispose()  # pooled connections knew the empty database
    upgrade(engine)  # a backup of an older version of the software gets the newer migrations now
    return _count_rows(engine)


def _kind_of(source: Path) -> str:
    """Which database a backup file is of, from its first bytes; raise BackupFailed for anything else."""
    try:
        with source.open("rb") as handle:
            start = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupFailed(f"Kan de back-up niet lezen: {error}") from error
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupFailed(f"{source} is geen back-up van geo-registry (geen SQLite-bestand en geen pg_dump-bestand).")


def _refuse_filled(engine: sa.Engine) -> None:
    """Raise TargetNotEmpty when any table of the register holds a row: a restore would mix two registers."""
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        filled = [
            name
            for name in DATA_TABLES
            if name in present
            and conn.execute(sa.select(sa.literal(1)).select_from(tables.metadata.tables[name]).limit(1)).first()
        ]
    if filled:
        raise TargetNotEmpty(
            f"De database bevat al een register (rijen in {', '.join(filled)}); zet een back-up alleen terug in een "
            "lege database (een nieuw SQLite-bestand of een nieuwe PostgreSQL-database). Er is niets teruggezet."
        )


def _count_rows(engine: sa.Engine) -> Counts:
    with engine.connect() as conn:
        return Counts(
            {
                name: conn.execute(sa.select(sa.func.count()).select_from(tables.metadata.tables[name])).scalar_one()
                for name in tables.TABLE_ORDER
            }
        )


# --- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_file(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupFailed("Een database in het geheugen heeft geen back-up; gebruik een SQLite-bestand.")
    return Path(database)


def _backup_sqlite(source: Path, target: Path) -> None:
    """Copy source into target in one step of the online backup API: one read transaction, so the copy is of
    one moment however much others write meanwhile (in WAL mode they are not held up)."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=-1)
        # The copy keeps the journal mode of the source; a backup file is one self-contained file.
        writer.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(writer, target)
    except sqlite3.Error as error:
        raise BackupFailed(f"De back-up van {source} mislukte: {error}") from error
    finally:
        writer.close()
        reader.close()


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    """Raise BackupFailed unless the file passes SQLite's own check and holds a register."""
    verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    known = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # A backup of an older version lacks the tables added since (restore migrates it): the register's first tables.
    if verdict != "ok" or not {"alembic_version", "groups", "staff", "audit_log"} <= known:
        raise BackupFailed(f"{path} is geen gave back-up van een register ({verdict}).")


def _sqlite_counts(path: Path) -> Counts:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # The table names come from tables.py, not from input.
        return Counts(
            {
                name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in tables.TABLE_ORDER
                if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
            }
        )
    finally:
        conn.close()


def _restore_sqlite(source: Path, target: Path) -> None:
    """Replace the (empty) target file's content with the backup's, through the backup API: the target stays the
    same file, in WAL mode, and other connections see the restored register or the empty one, never half."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target, timeout=30)
    try:
        _check_sqlite(reader, source)
        reader.backup(writer, pages=-1)
        writer.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as error:
        raise BackupFailed(f"Terugzetten van {source} mislukte: {error}") from error
    finally:
        writer.close()
        reader.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def pg_program(name: str, major: int) -> str:
    """The path of pg_dump or pg_restore of one PostgreSQL major version (Debian's folder), else on PATH."""
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if debian.exists():
        return str(debian)
    found = shutil.which(name)
    if found is None:
        installed = ", ".join(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))) or "geen"
        raise BackupFailed(
            f"{name} van PostgreSQL {major} is niet gevonden (geïnstalleerd: {installed}); "
            f"Debian: apt-get install postgresql-client-{major}."
        )
    return found


def _server_major(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000


def _libpq(engine: sa.Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URI for the PostgreSQL programs, and their environment: the password goes in
    PGPASSWORD, never on a command line that `ps` shows."""
    url = engine.url
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run_pg(engine: sa.Engine, program: str, *args: str) -> None:
    """Run pg_dump or pg_restore of the server's version against engine's database; raise BackupFailed."""
    uri, environment = _libpq(engine)
    command = [pg_program(program, _server_major(engine)), *args, f"--dbname={uri}"]
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=PG_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise BackupFailed(f"{program} duurde langer dan {PG_TIMEOUT_S} s en is afgebroken.") from error
    if done.returncode:
        raise BackupFailed(f"{program} mislukte ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _restore_pg(engine: sa.Engine, source: Path) -> None:
    """pg_restore in one transaction (all or nothing) into a database without a register. The objects the app's
    migration made in the empty database are dropped by the restore first (--clean); the PostGIS extension
    itself is left out of the restore, as the database has it (only a superuser may create it)."""
    major = _server_major(engine)
    listing = subprocess.run(
        [pg_program("pg_restore", major), "--list", str(source)],
        capture_output=True,
        text=True,
        timeout=PG_TIMEOUT_S,
    )
    if listing.returncode:
        raise BackupFailed(f"{source} is geen leesbare pg_dump-back-up: {listing.stderr.strip()}")
    wanted = [line for line in listing.stdout.splitlines() if " EXTENSION " not in line]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as handle:
        handle.write("\n".join(wanted) + "\n")
    try:
        _run_pg(
            engine,
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--use-list={handle.name}",
            str(source),
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
