"""An index on lower(name) of groups: the check for a group of the same name (each imported feature, each
registration) reads one index entry instead of the whole table, so an import grows linearly with its size.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index the groups by their name in lower case (an expression index: SQLite and PostgreSQL both have them)."""
    op.execute("CREATE INDEX groups_name_lower ON groups (lower(name))")


def downgrade() -> None:
    """Drop the index."""
    op.execute("DROP INDEX groups_name_lower")
