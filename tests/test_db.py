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


def test_init_db_command(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and f"schemaversie {len(MIGRATIONS)} (al actueel)" in result.output
