"""Staff sessions end for real: a counter that logout, disabling and a password change raise, so a
session cookie made before no longer counts.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add staff.session_version, 0 for the accounts that exist."""
    op.add_column("staff", sa.Column("session_version", sa.Integer, nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    """Not supported: restore a backup instead."""
    raise NotImplementedError("downgrade: zet een reservekopie van de database terug")
