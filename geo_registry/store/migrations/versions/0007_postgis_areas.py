"""PostgreSQL as a server database: group areas in a PostGIS geometry column with a spatial (GiST) index, and
text compared byte by byte as on SQLite. On SQLite nothing changes (areas stay GeoJSON text).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("groups", "addresses", "registry_state", "staff", "audit_log", "mail_outbox", "group_changes")


def upgrade() -> None:
    """On PostgreSQL: PostGIS, groups.area as geometry(Geometry, 4326) with a GiST index, text in collation "C"."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _require_postgis(bind)
    op.execute(
        "ALTER TABLE groups ALTER COLUMN area TYPE geometry(Geometry, 4326)"
        " USING ST_SetSRID(ST_GeomFromGeoJSON(area), 4326)"
    )
    op.create_index("groups_area", "groups", ["area"], postgresql_using="gist")
    # Names, streets and ISO timestamps sort and compare byte by byte, as on SQLite (whose lower() also folds
    # ASCII only, as lower() does in "C"): the same answers on both, whatever locale the server was made with.
    text_columns = bind.execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND data_type = 'text' AND table_name IN :tables ORDER BY table_name, ordinal_position"
        ).bindparams(sa.bindparam("tables", expanding=True)),
        {"tables": list(TABLES)},
    ).all()
    for table, column in text_columns:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE text COLLATE "C"')


def _require_postgis(bind) -> None:
    """Create the PostGIS extension when the account may; otherwise say what the database administrator must do."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
        return
    # PostGIS is not a trusted extension: only a superuser may create it.
    may_create = bind.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).first()
    if not available:
        raise RuntimeError("PostGIS is niet geïnstalleerd op deze PostgreSQL-server (Debian: apt-get install postgis).")
    if not may_create:
        raise RuntimeError(
            "PostGIS ontbreekt in deze database: laat een databasebeheerder"
            " 'CREATE EXTENSION postgis' uitvoeren en start opnieuw."
        )
    op.execute("CREATE EXTENSION postgis")


def downgrade() -> None:
    """Not supported: restore a backup instead."""
    raise NotImplementedError("downgrade: zet een reservekopie van de database terug")
