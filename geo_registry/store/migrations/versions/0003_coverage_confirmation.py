"""Coverage by addresses and the yearly confirmation round (legacy schema version 3).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Count address imports, remember reminders, and keep the changes beheerders propose."""
    state = sa.table("registry_state", sa.column("key", sa.Text), sa.column("value", sa.Integer))
    op.bulk_insert(state, [{"key": "addresses_version", "value": 0}])
    op.add_column("groups", sa.Column("reminder_sent_at", sa.Text))
    op.create_table(
        "group_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Not supported: restore a backup instead."""
    raise NotImplementedError("downgrade: zet een reservekopie van de database terug")
