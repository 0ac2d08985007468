"""Mail leaves the request: a delivery worker claims each message before sending it (so that it goes out once
however many workers run), waits longer between attempts, and sets aside a message that cannot be built.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("claimed_by", "claimed_at", "next_attempt_at", "failed_at")


def upgrade() -> None:
    """Add the claim, retry and failure columns to mail_outbox (all empty for queued messages)."""
    with op.batch_alter_table("mail_outbox") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Text, nullable=True))


def downgrade() -> None:
    """Not supported: restore a backup instead."""
    raise NotImplementedError("downgrade: zet een reservekopie van de database terug")
