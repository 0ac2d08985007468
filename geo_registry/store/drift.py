"""What differs between a database's schema and the tables declared in tables.py, as Alembic's autogenerate sees
it; the few things Alembic cannot compare are left out here, each with the reason."""

from __future__ import annotations

import functools
import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo_registry.store import tables

# Tables in the database that are not the register's: Alembic's own, and PostGIS's table of coordinate systems
# (made by CREATE EXTENSION postgis, revision 0007).
NOT_DECLARED = frozenset({"alembic_version", "spatial_ref_sys"})
# Warnings of reflection that say only what is left out of the comparison below, on purpose.
EXPECTED_WARNINGS = (
    # PostGIS's geometry is not a type SQLAlchemy reflects: the column comes back as NullType, which Alembic skips
    # (tests/test_postgresql.py checks the column's SRID and geometry type and its GiST index instead).
    r"Did not recognize type 'geometry'",
    # SQLite's reflection skips expression indexes (lower(name), lower(email)), and Alembic then skips the declared
    # ones; PostgreSQL reflects and compares them. tests/test_migrations.py compares SQLite's indexes itself.
    r"Skipped unsupported reflection of expression-based index",
    r"autogenerate skipping metadata-specified expression-based index",
)


def include_object(dialect: str, obj, name, kind, reflected, _compare_to) -> bool:
    """Compare everything but Alembic's own table, and an index declared for another dialect only (ddl_if)."""
    if kind == "table" and name in NOT_DECLARED:
        return False
    if kind == "index" and not reflected:
        return _made_on(obj, dialect)
    return True


def _made_on(index: sa.Index, dialect: str) -> bool:
    """Whether the migrations make this index on dialect: an index made on some dialects only names them in its
    info (beside its ddl_if, which SQLAlchemy gives no public way to read back)."""
    dialects = index.info.get("dialects")
    return dialects is None or dialect in dialects


def comparison_options(dialect: str) -> dict:
    """How to compare on dialect (also in env.py): types and server defaults too, the exclusions above left out."""
    return {
        "compare_type": True,
        "compare_server_default": True,
        "include_object": functools.partial(include_object, dialect),
        "target_metadata": tables.metadata,
    }


def differences(conn: sa.Connection) -> list:
    """The differences Alembic finds between the database on conn and tables.metadata (empty: none)."""
    context = MigrationContext.configure(conn, opts=comparison_options(conn.dialect.name))
    with warnings.catch_warnings():
        for message in EXPECTED_WARNINGS:
            warnings.filterwarnings("ignore", message)
        return compare_metadata(context, tables.metadata) + _collations(conn)


def _collations(conn: sa.Connection) -> list[tuple]:
    """Text columns whose collation differs from the declared one: Alembic does not compare collations, and on
    PostgreSQL they decide how names and timestamps compare ('modify_collation', table, column, found, declared)."""
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    found = []
    for table in tables.metadata.sorted_tables:
        if table.name not in existing:  # a table still to be made: compare_metadata says "add_table"
            continue
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", EXPECTED_WARNINGS[0])
            reflected = {column["name"]: column["type"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            declared = getattr(column.type.dialect_impl(conn.dialect), "collation", None)
            actual = getattr(reflected.get(column.name), "collation", None)
            if column.name in reflected and declared != actual:
                found.append(("modify_collation", table.name, column.name, actual, declared))
    return found
