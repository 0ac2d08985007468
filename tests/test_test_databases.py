"""The tests' own databases: a new SQLite file starts as a copy of the session's migrated template (tests/
db_templates.py), PostgreSQL databases as copies of a migrated template database, and each test's copy is its own."""

import pytest
import sites
import sqlalchemy as sa
from helpers import make_app
from sites import populated_app

from geo_registry.store.db import SchemaChange, head_revision, make_engine
from geo_registry.web import settings as app_settings


def group_count(url: str) -> int:
    """The number of groups in the database at url."""
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM groups")).scalar_one()
    engine.dispose()
    return count


def test_a_new_sqlite_file_is_a_copy_of_the_migrated_template_not_a_migration(tmp_path, sqlite_template):
    app = make_app(tmp_path)
    # The app found the newest schema already there: it ran no revision of its own.
    assert app.extensions["geo_registry.schema"] == SchemaChange(head_revision(), head_revision())
    assert (tmp_path / "test.sqlite3").read_bytes() == sqlite_template.file().read_bytes()
    assert "4 toegevoegd" in app.test_cli_runner().invoke(args=["load-examples"]).output
    assert group_count(app_settings.of(app).DATABASE_URL) == 4
    assert group_count(f"sqlite:///{sqlite_template.file()}") == 0  # the copy was written, never the template


def test_migrated_false_lets_the_app_migrate_a_new_file_for_real(tmp_path):
    app = make_app(tmp_path, migrated=False)
    assert app.extensions["geo_registry.schema"] == SchemaChange(None, head_revision())


def test_an_existing_file_is_left_as_it_is(tmp_path):
    url = f"sqlite:///{tmp_path / 'eigen.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE eigen (x INTEGER)"))
    app = make_app(tmp_path, DATABASE_URL=url)
    assert app.extensions["geo_registry.schema"] == SchemaChange(None, head_revision())
    assert "eigen" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_each_postgresql_test_database_is_a_fresh_copy_at_the_newest_schema(pg_cluster, tmp_path):
    first, second = pg_cluster.new_database(), pg_cluster.new_database()
    try:
        app = make_app(tmp_path, DATABASE_URL=pg_cluster.url(first))
        assert app.extensions["geo_registry.schema"] == SchemaChange(head_revision(), head_revision())
        assert "4 toegevoegd" in app.test_cli_runner().invoke(args=["load-examples"]).output
        app.extensions["geo_registry.engine"].dispose()
        assert (group_count(pg_cluster.url(first)), group_count(pg_cluster.url(second))) == (4, 0)
    finally:
        pg_cluster.drop_database(first)
        pg_cluster.drop_database(second)


def counts(url: str) -> tuple[int, int]:
    """The numbers of groups and of addresses in the database at url."""
    engine = make_engine(url)
    with engine.connect() as conn:
        found = tuple(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES)
    engine.dispose()
    return found  # type: ignore[return-value]


TABLES = ("groups", "addresses")


@pytest.mark.both_databases
def test_a_populated_app_is_a_copy_of_the_populated_template_and_each_copy_its_own(
    tmp_path, pdok, address_csv, db_url, request, monkeypatch
):
    first = populated_app(tmp_path / "a", pdok, address_csv, DATABASE_URL=db_url)
    first_url = app_settings.of(first).DATABASE_URL
    first.extensions["geo_registry.engine"].dispose()
    assert counts(first_url) == (4, 5)
    engine = make_engine(first_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM groups"))
    engine.dispose()
    # The second app of the same kind is a copy: the commands do not run again, and the first one's change is not
    # in it.
    monkeypatch.setattr(sites, "populate", lambda app, csv: pytest.fail("populated again instead of copied"))
    if db_url.startswith("sqlite"):
        second_url = f"sqlite:///{tmp_path / 'b' / 'test.sqlite3'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        second_url = cluster.url(cluster.new_database())
        request.addfinalizer(lambda: cluster.drop_database(sa.engine.make_url(second_url).database))
    second = populated_app(tmp_path / "b", pdok, address_csv, DATABASE_URL=second_url)
    second.extensions["geo_registry.engine"].dispose()
    assert (counts(first_url), counts(second_url)) == ((0, 5), (4, 5))


def test_a_database_of_ones_own_is_populated_by_the_commands_not_replaced(tmp_path, pdok, address_csv):
    url = f"sqlite:///{tmp_path / 'eigen.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE eigen (x INTEGER)"))
    app = populated_app(tmp_path, pdok, address_csv, DATABASE_URL=url)
    app.extensions["geo_registry.engine"].dispose()
    assert counts(url) == (4, 5)
    assert "eigen" in sa.inspect(engine).get_table_names()
    engine.dispose()
