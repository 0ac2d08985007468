"""The language a beheerder registered in: their e-mail comes in that language (legacy schema version 4).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add groups.lang, Dutch for the groups that exist."""
    op.add_column("groups", sa.Column("lang", sa.Text, nullable=False, server_default=sa.text("'nl'")))


def downgrade() -> None:
    """Not supported: restore a backup instead."""
    raise NotImplementedError("downgrade: zet een reservekopie van de database terug")
