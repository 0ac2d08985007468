"""The tables the code reads and writes through SQLAlchemy Core, as the migrations made them, and the type of a
group's area: a PostGIS geometry on PostgreSQL, WKB on SQLite, a shapely geometry in Python on both."""

from __future__ import annotations

import shapely
import sqlalchemy as sa
from sqlalchemy.types import UserDefinedType

SRID = 4326  # areas are stored in WGS84 on every database


class PostGISGeometry(UserDefinedType):
    """PostGIS's geometry column type (written and read as hex EWKB, which PostGIS takes and gives as text)."""

    cache_ok = True

    def get_col_spec(self, **_kw) -> str:
        """The column type in DDL."""
        return f"geometry(Geometry, {SRID})"


class Area(sa.types.TypeDecorator):
    """A shapely geometry in WGS84, stored as geometry(Geometry, 4326) on PostgreSQL and as WKB elsewhere (in
    the column first made for GeoJSON text: SQLite stores a blob in it as it is; revision 0010)."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        """PostGIS geometry on PostgreSQL, text elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry())
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value, dialect):
        """Write a shapely geometry: hex EWKB (exact, with its SRID) for PostGIS, WKB elsewhere."""
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        """Read back a shapely geometry."""
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.set_srid(shapely.from_wkb(value), 0)
        # GeoJSON text: a row written by a release before revision 0010 while this one was being rolled out.
        return shapely.from_geojson(value) if isinstance(value, str) else shapely.from_wkb(value)


metadata = sa.MetaData()

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("area", Area, nullable=False),
    sa.Column("beheerder_name", sa.Text, nullable=False),
    sa.Column("beheerder_email", sa.Text, nullable=False),
    sa.Column("beheerder_phone", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("is_example", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("email_confirmed_at", sa.Text),
    sa.Column("reviewed_at", sa.Text),
    sa.Column("review_note", sa.Text),
    sa.Column("last_confirmed_at", sa.Text),
    sa.Column("reminder_sent_at", sa.Text),
    sa.Column("lang", sa.Text, nullable=False),
)

# Residents waiting to hear when a group starts at their address (revision 0009): the minimum to tell them once.
waiting_residents = sa.Table(
    "waiting_residents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("address_text", sa.Text),
    sa.Column("lang", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("confirmed_at", sa.Text),
)

# The tables of the register in an order that respects their foreign keys (group_changes refers to groups).
TABLE_ORDER = [
    "registry_state",
    "groups",
    "group_changes",
    "addresses",
    "staff",
    "audit_log",
    "mail_outbox",
    "waiting_residents",
]
