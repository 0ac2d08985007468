"""The access log: who opened or exported personal data, when, what and from which address (issue 20, "who saw
personal data"). Append-only like the audit log (revision 0002), with one exception so that retention can work:
a row may be deleted once it is older than MIN_KEEP_DAYS, and only then. The triggers look at the row's own time
and the database's clock, nothing a session can switch off, so the app and a casual SQL prompt alike cannot
change an entry or remove a recent one. (Whoever may drop a trigger can still do anything: that is the database's
owner, outside the app.) The worker's purge deletes only rows older than ACCESS_LOG_RETENTION_DAYS, never fewer
than MIN_KEEP_DAYS (domain/access_log.py).

Revision ID: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
INSTANT = sa.Text().with_variant(sa.DateTime(timezone=True), "postgresql")
MIN_KEEP_DAYS = 30  # also in geo_registry/domain/access_log.py

TRIGGERS = {
    "sqlite": [
        """CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
           BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END""",
        # SQLite keeps the time as UTC ISO 8601 text, which sorts in time order byte by byte.
        f"""CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
           WHEN OLD.at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-{MIN_KEEP_DAYS} days')
           BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION access_log_no_update() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'access_log is append-only'; END $$""",
        f"""CREATE FUNCTION access_log_no_delete() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN
             IF OLD.at >= now() - interval '{MIN_KEEP_DAYS} days' THEN
               RAISE EXCEPTION 'access_log is append-only';
             END IF;
             RETURN OLD;
           END $$""",
        """CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
           FOR EACH ROW EXECUTE FUNCTION access_log_no_update()""",
        """CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
           FOR EACH ROW EXECUTE FUNCTION access_log_no_delete()""",
        # TRUNCATE skips row triggers: refused as a whole.
        """CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
           FOR EACH STATEMENT EXECUTE FUNCTION access_log_no_update()""",
    ],
}


def upgrade() -> None:
    """Add the access_log table, its index on time, and the triggers that keep it append-only."""
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", INSTANT, nullable=False),
        # No foreign key: an entry outlives its account, and a cascade would be a delete the trigger refuses.
        sa.Column("staff_id", sa.Integer),
        sa.Column("username", TEXT, nullable=False),
        sa.Column("what", TEXT, nullable=False),
        sa.Column("subject", TEXT),
        sa.Column("address", TEXT),
        sqlite_autoincrement=True,
    )
    op.create_index("access_log_at", "access_log", ["at"])
    dialect = op.get_bind().dialect.name
    if dialect not in TRIGGERS:
        raise NotImplementedError(f"no append-only triggers for the access log in {dialect}")
    for statement in TRIGGERS[dialect]:
        op.execute(statement)


def downgrade() -> None:
    """Drop the table with its triggers (and, on PostgreSQL, their functions)."""
    op.drop_table("access_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION access_log_no_update()")
        op.execute("DROP FUNCTION access_log_no_delete()")
