"""On PostgreSQL, every timestamp as timestamptz instead of UTC ISO 8601 text: the database compares and sorts
instants, and gives them back as datetimes. Every row is kept: the text is read as the instant it names (text
without an offset, which no release wrote but a hand-made row might, as UTC, as the app always read it). On SQLite
nothing changes: store/tables.Instant keeps writing and reading the same text there.

Revision ID: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = {
    "groups": (
        "created_at",
        "updated_at",
        "email_confirmed_at",
        "reviewed_at",
        "last_confirmed_at",
        "reminder_sent_at",
    ),
    "group_changes": ("created_at",),
    "staff": ("created_at",),
    "audit_log": ("at",),
    "mail_outbox": ("created_at", "claimed_at", "next_attempt_at", "failed_at"),
    "waiting_residents": ("created_at", "confirmed_at"),
}
# Back to the text the app wrote before: "2026-11-26T13:45:00+00:00", with ".ffffff" only when there is a fraction
# (as Python's isoformat), in UTC whatever the session's time zone.
AS_TEXT = (
    "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', {c}) = {c} THEN '' ELSE to_char({c} AT TIME ZONE 'UTC', '.US') END"
    " || '+00:00'"
)


def upgrade() -> None:
    """Make the timestamp columns timestamptz on PostgreSQL, keeping every row's instant."""
    _alter("timestamptz", "{c}::timestamptz")


def downgrade() -> None:
    """Make them UTC ISO 8601 text in collation "C" again, as revision 0011 left them."""
    _alter('text COLLATE "C"', AS_TEXT)


def _alter(new_type: str, using: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Text without an offset is read in the session's time zone: UTC for this transaction, then as it was.
    previous = bind.exec_driver_sql("SHOW TimeZone").scalar()
    zone = sa.text("SELECT set_config('TimeZone', :zone, true)")
    bind.execute(zone, {"zone": "UTC"})
    for table, columns in COLUMNS.items():
        changes = ", ".join(
            f"ALTER COLUMN {column} TYPE {new_type} USING {using.format(c=column)}" for column in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")
    bind.execute(zone, {"zone": previous})
