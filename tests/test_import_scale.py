"""import-groups grows with the file, not with the register times the file: the same-name check of each feature
reads an index, not the whole groups table (issue 11)."""

import pytest
import sqlalchemy as sa

from geo_registry.domain.groups import NAME_TAKEN
from geo_registry.store.db import make_engine, upgrade

pytestmark = pytest.mark.both_databases


def plan(conn, statement, params: dict) -> str:
    """The database's plan for a statement, as text."""
    sql = str(statement.params(params).compile(conn, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
        return "\n".join(str(row[-1]) for row in rows)
    # A small table is cheaper to scan than to look up; forbid the scan to see whether an index can answer.
    conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql).all())


def test_the_same_name_check_reads_an_index(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        text = plan(conn, NAME_TAKEN, {"n": "Brink"})
    engine.dispose()
    assert "groups_name_lower" in text, text
