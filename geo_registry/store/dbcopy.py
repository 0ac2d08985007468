"""Copying a whole register (an SQLite file, usually) into an empty PostgreSQL database, row for row, in one
transaction: the target ends up with everything or with nothing. The source is only read."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from geo_registry.store import tables
from geo_registry.store.db import upgrade

# Rows inserted per statement: large address tables go over in a few round trips, not one per row.
BATCH = 2_000
# The tables whose rows carry the register; registry_state only holds the seed counters of a new database.
DATA_TABLES = [name for name in tables.TABLE_ORDER if name != "registry_state"]


class TargetNotEmpty(ValueError):
    """The target database already holds a register: copying would mix two registers."""


class UnstorableText(ValueError):
    """Text in the source that PostgreSQL cannot store (a NUL character): the copy is refused, naming each cell."""

    def __init__(self, cells: list[tuple[str, object, str]]):
        self.cells = cells
        shown = "; ".join(f"tabel {table}, rij {key}, kolom {column}" for table, key, column in cells[:MAX_NAMED])
        more = f" (en nog {len(cells) - MAX_NAMED})" if len(cells) > MAX_NAMED else ""
        super().__init__(
            "Niet gekopieerd: deze tekst bevat een NUL-teken, dat PostgreSQL niet kan bewaren: "
            f"{shown}{more}. Herstel die velden in de bron (bijvoorbeeld via de beheerpagina's) en kopieer opnieuw;"
            " het doel is ongewijzigd gelaten."
        )


MAX_NAMED = 20  # cells named in the refusal; the rest are counted


@dataclass
class CopyReport:
    """Rows per table in the source and (after the copy) in the target."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One Dutch line per table: its rows in the source and the target."""
        return [
            f"{name}: {source} rijen in de bron, {target} in het doel" for name, (source, target) in self.counts.items()
        ]

    @property
    def complete(self) -> bool:
        """Every table has as many rows in the target as in the source."""
        return all(source == target for source, target in self.counts.values())


def copy_register(source: sa.Engine, target: sa.Engine) -> CopyReport:
    """Copy every row of the register in source to target (an empty database: raise TargetNotEmpty otherwise),
    keeping ids, so links and audit entries stay right; the target's schema is made by the migrations first."""
    _refuse_filled(target)
    upgrade(target)
    report = CopyReport()
    unstorable: list[tuple[str, object, str]] = []
    with _snapshot(source) as reader, target.begin() as writer:
        _refuse_filled(target, writer)  # checked again inside the transaction, in case another copy raced us
        source_tables = _source_tables(reader)
        for name in tables.TABLE_ORDER:
            if name == "registry_state":
                writer.execute(sa.delete(source_tables[name]))  # the target's seed counters make way for the source's
            _copy_table(source_tables[name], reader, writer, unstorable)
            report.counts[name] = (_count(reader, source_tables[name]), _count(writer, source_tables[name]))
        _continue_ids(reader, writer)
        if unstorable:
            raise UnstorableText(unstorable)  # after every table, so that one refusal names them all; rolls back
        if not report.complete:
            raise RuntimeError(
                "Niet alle rijen kwamen over; het doel is ongewijzigd gelaten: " + "; ".join(report.lines())
            )
    return report


@contextmanager
def _snapshot(engine: sa.Engine):
    """A connection that reads the source as of one moment (SQLite: one read transaction for the whole copy)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN")  # holds SQLite's shared lock: writers wait until the copy has read all
            try:
                yield conn
            finally:
                conn.exec_driver_sql("COMMIT")
        else:
            with conn.begin():
                yield conn


def _refuse_filled(target: sa.Engine, conn: sa.Connection | None = None) -> None:
    """Raise TargetNotEmpty when any table of the register in target holds a row."""
    if conn is None:
        with target.connect() as own:
            return _refuse_filled(target, own)
    present = set(sa.inspect(conn).get_table_names())
    filled = [
        name
        for name in DATA_TABLES
        if name in present
        and conn.execute(sa.select(sa.literal(1)).select_from(tables.metadata.tables[name]).limit(1)).first()
        is not None
    ]
    if filled:
        raise TargetNotEmpty(
            f"De doeldatabase bevat al een register (rijen in {', '.join(filled)}); "
            "kies een lege database. Er is niets gekopieerd."
        )
    return None


def _source_tables(_conn: sa.Connection) -> dict[str, sa.Table]:
    """The register's tables as declared (the app brought the source to the newest revision as it started), so
    that each database reads and writes its own types: areas as geometries, times as aware datetimes (text on
    SQLite, timestamptz on PostgreSQL since revision 0012)."""
    return {name: tables.metadata.tables[name] for name in tables.TABLE_ORDER}


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _copy_table(
    table: sa.Table, reader: sa.Connection, writer: sa.Connection, unstorable: list[tuple[str, object, str]]
) -> None:
    """Copy every row of one table in batches, ids included; a text with a NUL is noted in unstorable (and written
    without it, so that the copy goes on to name every such cell before it is rolled back)."""
    order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
    result = reader.execution_options(yield_per=BATCH).execute(sa.select(table).order_by(*order))
    for rows in result.mappings().partitions():
        writer.execute(sa.insert(table), [_storable(table, dict(row), unstorable) for row in rows])


def _storable(table: sa.Table, row: dict, unstorable: list[tuple[str, object, str]]) -> dict:
    """The row with each NUL taken out of its texts, each such cell noted as (table, key, column)."""
    for column, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            key = row.get("id", row.get(order_key(table)))
            unstorable.append((table.name, key, column))
            row[column] = value.replace("\x00", "")
    return row


def order_key(table: sa.Table) -> str:
    """The name of a table's first key column, to name a row that has no id."""
    return next(iter(table.primary_key.columns)).name


def _continue_ids(reader: sa.Connection, writer: sa.Connection) -> None:
    """Let each PostgreSQL id sequence continue after the highest id the source ever gave out (SQLite's
    AUTOINCREMENT remembers deleted ones too), so that no id is ever reused."""
    if writer.dialect.name != "postgresql":
        return
    given_out: dict[str, int] = {}
    if reader.dialect.name == "sqlite" and sa.inspect(reader).has_table("sqlite_sequence"):
        # SQLite's own table of the highest AUTOINCREMENT id each table gave out: not a table of the register.
        given_out = dict(reader.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all())
    for name in DATA_TABLES:
        if "id" not in tables.metadata.tables[name].c:
            continue  # keyed by name (worker_jobs): no sequence
        highest = max(
            writer.execute(sa.select(sa.func.coalesce(sa.func.max(tables.metadata.tables[name].c.id), 0))).scalar_one(),
            int(given_out.get(name) or 0),
        )
        # setval(seq, n, false): the next id is n, so 1 for a table that never had a row (PostgreSQL's functions).
        sequence = sa.func.pg_get_serial_sequence(name, "id")
        writer.execute(sa.select(sa.func.setval(sequence, highest + 1, sa.false())))
