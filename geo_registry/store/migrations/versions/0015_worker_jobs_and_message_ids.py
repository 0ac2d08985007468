"""One background worker process (`geo-registry worker`): a lease row per job, so that several workers on several
hosts never run the same job at once and a job runs once per interval among them all; and each queued message's
Message-ID with the moment a worker began handing it over, so that a worker that dies while sending leaves enough
behind for the next one to write an outbox file under the same name (not a second file) or to send again with
the same Message-ID and say that it may be a repeat.

Revision ID: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Text compared byte by byte on PostgreSQL too, as every text column since revision 0007.
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Create worker_jobs; add message_id and handing_over_at to mail_outbox (empty for queued messages)."""
    # A moment: timestamptz on PostgreSQL, UTC ISO 8601 text on SQLite (as store/tables.Instant, revision 0012).
    timestamp = sa.DateTime(timezone=True) if op.get_bind().dialect.name == "postgresql" else sa.Text()
    op.create_table(
        "worker_jobs",
        sa.Column("name", TEXT, primary_key=True),
        sa.Column("claimed_by", TEXT),
        sa.Column("lease_until", timestamp),
        sa.Column("last_started_at", timestamp),
        sa.Column("last_finished_at", timestamp),
        sa.Column("last_result", TEXT),
    )
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("message_id", TEXT, nullable=True))
        batch.add_column(sa.Column("handing_over_at", timestamp, nullable=True))


def downgrade() -> None:
    """Drop them again (a message's Message-ID is then made anew on its next attempt)."""
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("handing_over_at")
        batch.drop_column("message_id")
    op.drop_table("worker_jobs")
