"""A staff account signed in through the municipality's own identity provider (OpenID Connect) is found again by
its issuer and subject, the two claims that name one person at one provider for good (a username or e-mail
address can change or be reused).

Revision ID: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Text in collation "C" on PostgreSQL like every other column (revision 0007): compared byte by byte, as on SQLite.
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    """Add staff.oidc_issuer and staff.oidc_subject (empty for local accounts), unique together."""
    op.add_column("staff", sa.Column("oidc_issuer", TEXT, nullable=True))
    op.add_column("staff", sa.Column("oidc_subject", TEXT, nullable=True))
    op.create_index("staff_oidc_identity", "staff", ["oidc_issuer", "oidc_subject"], unique=True)


def downgrade() -> None:
    """Drop the index and both columns: accounts of the identity provider are then left without a way to sign in
    (they have no password); a backup restores their link."""
    op.drop_index("staff_oidc_identity", table_name="staff")
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35+): no copy of the table, whose dropping would delete the
    # accounts' roles through their foreign keys (ON DELETE CASCADE).
    op.execute("ALTER TABLE staff DROP COLUMN oidc_subject")
    op.execute("ALTER TABLE staff DROP COLUMN oidc_issuer")
