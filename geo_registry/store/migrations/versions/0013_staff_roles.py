"""Staff roles and municipalities (issue 20): an account holds one or more roles (staff_roles) and the
municipalities it works for (staff_gemeenten; none: every municipality served). Every account that exists gets
beleidsmedewerker and functioneel-beheerder and no municipality rows, so it keeps doing all it did.

Revision ID: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Text compared byte by byte on PostgreSQL, as every other table's (revisions 0007 and 0011).
TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
# What today's accounts may do: everything on groups, and the staff accounts.
EXISTING_ROLES = ("beleidsmedewerker", "functioneel-beheerder")


def upgrade() -> None:
    """Create staff_roles and staff_gemeenten; give every existing account the two roles of today's rights."""
    op.create_table(
        "staff_roles",
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", TEXT, primary_key=True),
    )
    op.create_table(
        "staff_gemeenten",
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("gemeentecode", TEXT, primary_key=True),
    )
    for role in EXISTING_ROLES:
        op.execute(
            sa.text("INSERT INTO staff_roles (staff_id, role) SELECT id, :role FROM staff").bindparams(role=role)
        )


def downgrade() -> None:
    """Drop both tables (every account then has every right again, as before this revision)."""
    op.drop_table("staff_gemeenten")
    op.drop_table("staff_roles")
