"""Local staff accounts get a second factor (TOTP with single-use recovery codes), a per-account back-off after
failed logins, and an e-mail address to be told of them. Every session made before ends, so that each account
signs in again and, having no second factor yet, enrols one at that login.

Revision ID: 0014
"""

import sqlalchemy as sa
from alembic import op

# As store/tables.py declares them: text in collation "C" (revision 0007) and an instant as timestamptz (0012) on
# PostgreSQL, text on SQLite.
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
INSTANT = sa.Text().with_variant(sa.DateTime(timezone=True), "postgresql")

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the second-factor and back-off columns, the recovery codes table, and end every staff session."""
    op.add_column("staff", sa.Column("email", TEXT))
    op.add_column("staff", sa.Column("totp_secret", TEXT))
    op.add_column("staff", sa.Column("totp_enrolled_at", INSTANT))
    op.add_column("staff", sa.Column("totp_last_step", sa.BigInteger))
    op.add_column("staff", sa.Column("failed_logins", sa.Integer, nullable=False, server_default=sa.text("0")))
    op.add_column("staff", sa.Column("last_failed_at", INSTANT))
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", TEXT, nullable=False),
        sa.Column("used_at", INSTANT),
        sa.UniqueConstraint("staff_id", "code_hash"),
        sqlite_autoincrement=True,
    )
    # A session of before has had no second factor: it ends, and the next login enrols one.
    op.execute("UPDATE staff SET session_version = session_version + 1")


def downgrade() -> None:
    """Remove the second factor, the back-off and the e-mail address again (the accounts keep their passwords)."""
    op.drop_table("staff_recovery_codes")
    # Batch: SQLite rebuilds the table (the staff table has no triggers or indexes beyond its unique name).
    with op.batch_alter_table("staff") as batch:
        for column in ("last_failed_at", "failed_logins", "totp_last_step", "totp_enrolled_at", "totp_secret", "email"):
            batch.drop_column(column)
