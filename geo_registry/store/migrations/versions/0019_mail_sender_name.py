"""Each queued message's From name (issue 22, point 16): with several municipalities served, a message speaks for
the group's own municipality (or the region), so its sender name is chosen when it is composed and kept with it
until it is delivered. Empty for the messages queued before: they go out under MAIL_SENDER as before.

Revision ID: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

# Text compared byte by byte on PostgreSQL too, as every text column since revision 0007.
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Add mail_outbox.sender_name (NULL: MAIL_SENDER's name)."""
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("sender_name", TEXT, nullable=True))


def downgrade() -> None:
    """Drop mail_outbox.sender_name."""
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("sender_name")
