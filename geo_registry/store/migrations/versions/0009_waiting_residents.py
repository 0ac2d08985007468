"""Residents waiting for a group: "tell me when a group starts here". One row per e-mail address and point,
kept until a group covering the point is approved (then one e-mail, and the row goes), or purged.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create waiting_residents, with one row per address (case-insensitive) and point."""
    op.create_table(
        "waiting_residents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("address_text", sa.Text),
        sa.Column("lang", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("confirmed_at", sa.Text),
        sqlite_autoincrement=True,
    )
    # The same request twice (a double click, a second visit) is stored once, also when two arrive at once.
    op.execute("CREATE UNIQUE INDEX waiting_residents_email_point ON waiting_residents (lower(email), lat, lon)")


def downgrade() -> None:
    """Drop the table (its rows are requests to be told once; a backup restores them)."""
    op.drop_table("waiting_residents")
