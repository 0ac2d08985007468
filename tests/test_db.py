"""The schema is created and upgraded by the project itself."""
import sqlalchemy as sa

from geo_registry.db import MIGRATIONS, make_engine, schema_version, upgrade


def test_upgrade_creates_the_schema_once(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'new.sqlite3'}")
    assert schema_version(engine) == 0
    assert upgrade(engine) == (0, len(MIGRATIONS))
    assert upgrade(engine) == (len(MIGRATIONS), len(MIGRATIONS))
    tables = set(sa.inspect(engine).get_table_names())
    assert {"groups", "addresses", "registry_state", "schema_version"} <= tables


def test_init_db_command(runner, tmp_path):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and f"schemaversie {len(MIGRATIONS)} (was 0)" in result.output  # a new database


def test_an_old_database_is_upgraded_keeping_its_groups(tmp_path):
    from helpers import make_app

    url = f"sqlite:///{tmp_path / 'oud.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:  # a database as version 1 of the schema left it
        conn.execute(sa.text("CREATE TABLE schema_version (version INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (1)"))
        for statement in MIGRATIONS[0]:
            conn.execute(sa.text(statement))
        conn.execute(sa.text("INSERT INTO groups (name, area, beheerder_name, beheerder_email, created_at, updated_at)"
                             " VALUES ('Oud', '{\"type\":\"Point\",\"coordinates\":[5.22,52.25]}', 'b', 'b@x.nl',"
                             " '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')"))
    app = make_app(tmp_path, DATABASE_URL=url)
    assert app.extensions["geo_registry.schema"] == (1, len(MIGRATIONS))
    with app.app_context():
        from geo_registry import services
        [old] = services.current().store.list()
    assert (old.name, old.lang, old.reminder_sent_at) == ("Oud", "nl", None)
