"""The tables declared in geo_registry/store/tables.py are the schema the migrations make, on both databases:
Alembic's autogenerate finds no difference, and finds the ones a drift would cause."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from helpers import migrate

from geo_registry.store import tables
from geo_registry.store.db import make_engine, upgrade
from geo_registry.store.drift import NOT_DECLARED, differences

pytestmark = pytest.mark.both_databases


@pytest.fixture
def migrated(db_url):
    """An engine on a database the migrations brought to the newest revision."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_migrated_database_is_the_declared_schema(migrated):
    with migrated.connect() as conn:
        assert differences(conn) == []
        assert set(sa.inspect(conn).get_table_names()) - NOT_DECLARED == set(tables.TABLE_ORDER)


def kinds(found) -> set[str]:
    """The kinds of difference Alembic reports ('add_column', 'modify_nullable', ...)."""
    return {(change[0] if isinstance(change, tuple) else change[0][0]) for change in found}


def test_a_column_the_code_does_not_declare_shows(migrated):
    with migrated.begin() as conn:
        conn.execute(sa.text("ALTER TABLE staff ADD COLUMN nickname TEXT"))
        found = differences(conn)
    assert kinds(found) == {"remove_column"}
    assert found[0][3].name == "nickname"


def test_a_missing_index_and_another_type_show(migrated):
    with migrated.begin() as conn:
        conn.execute(sa.text("DROP INDEX addresses_pc_nr"))
        conn.execute(sa.text("ALTER TABLE registry_state ADD COLUMN note INTEGER"))
        found = differences(conn)
    assert kinds(found) == {"add_index", "remove_column"}
    assert {getattr(change[1], "name", None) for change in found} >= {"addresses_pc_nr"}


def test_a_nullability_or_default_drift_shows_on_postgresql(migrated):
    if migrated.dialect.name != "postgresql":
        pytest.skip("SQLite cannot alter a column in place; the other tests cover it there")
    with migrated.begin() as conn:
        conn.execute(sa.text("ALTER TABLE groups ALTER COLUMN description SET NOT NULL"))
        conn.execute(sa.text("ALTER TABLE groups ALTER COLUMN lang SET DEFAULT 'en'"))
        conn.execute(sa.text("DROP INDEX groups_name_lower"))
        found = differences(conn)
    assert kinds(found) == {"modify_nullable", "modify_default", "add_index"}


def test_revision_0011_gives_waiting_residents_the_declared_collation_keeping_its_rows(migrated):
    from alembic import command

    migrate(migrated, command.downgrade, "0010")
    row = {"email": "Bewoner@Voorbeeld.invalid", "lat": 52.25, "lon": 5.2, "address_text": "Brink 1", "lang": "nl"}
    with migrated.begin() as conn:  # as the code of revision 0010 wrote it: the time as UTC ISO 8601 text
        conn.execute(
            sa.text(
                "INSERT INTO waiting_residents (email, lat, lon, address_text, lang, created_at)"
                " VALUES (:email, :lat, :lon, :address_text, :lang, '2026-01-02T03:04:05+00:00')"
            ),
            row,
        )
        # (the other tables' timestamps differ too at 0010: text, not yet timestamptz; revision 0012)
        before = [change for change in differences(conn) if change[:2] == ("modify_collation", "waiting_residents")]
    migrate(migrated, command.upgrade, "head")
    with migrated.connect() as conn:
        after = differences(conn)
        stored = conn.execute(sa.select(tables.waiting_residents)).mappings().one()
    if migrated.dialect.name == "postgresql":  # made by 0009 in the server's collation, as before 0011
        text_columns = {"email", "address_text", "lang"}  # (its times are declared timestamptz: no collation)
        assert {(change[1], change[2]) for change in before} == {("waiting_residents", c) for c in text_columns}
    assert after == []
    assert {key: stored[key] for key in row} == row
    assert stored["created_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
