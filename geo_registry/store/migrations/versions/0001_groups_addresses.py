"""Groups, the local address table and the registry's change counters (legacy schema version 1).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the groups, addresses and registry_state tables."""
    # sqlite_autoincrement: an id is never reused, so a link or audit entry about a deleted group
    # can never point at a newer one (other databases never reuse ids anyway).
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("beheerder_name", sa.Text, nullable=False),
        sa.Column("beheerder_email", sa.Text, nullable=False),
        sa.Column("beheerder_phone", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'active'")),
        sa.Column("is_example", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("groups_status", "groups", ["status"])
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("postcode", sa.Text, nullable=False),
        sa.Column("huisnummer", sa.Integer, nullable=False),
        sa.Column("huisletter", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("toevoeging", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("straat", sa.Text, nullable=False),
        sa.Column("straat_norm", sa.Text, nullable=False),
        sa.Column("woonplaats", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("addresses_pc_nr", "addresses", ["postcode", "huisnummer"])
    op.create_index("addresses_street_nr", "addresses", ["straat_norm", "huisnummer"])
    state = op.create_table(
        "registry_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.bulk_insert(state, [{"key": "groups_version", "value": 0}])


def downgrade() -> None:
    """Not supported: restore a backup instead."""
    raise NotImplementedError("downgrade: zet een reservekopie van de database terug")
