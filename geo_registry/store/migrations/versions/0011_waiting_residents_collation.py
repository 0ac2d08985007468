"""On PostgreSQL, waiting_residents' text in collation "C" like every other table's (revision 0007 set it for the
tables there were; 0009 made this one later in the server's default collation): e-mail addresses and ISO
timestamps compare byte by byte, as on SQLite, whatever locale the server was made with. Rows are kept as they are.
On SQLite nothing changes.

Revision ID: 0011
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("email", "address_text", "lang", "created_at", "confirmed_at")


def upgrade() -> None:
    """Give waiting_residents' text columns collation "C" on PostgreSQL."""
    _collate("C")


def downgrade() -> None:
    """Give them the database's default collation again."""
    _collate("default")


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f'ALTER TABLE waiting_residents ALTER COLUMN {column} TYPE text COLLATE "{collation}"')
