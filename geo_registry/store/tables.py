"""Every table of the register, declared once in SQLAlchemy Core exactly as the migrations make them (Alembic
compares the two: tests/test_schema.py), and the type of a group's area: a PostGIS geometry on PostgreSQL, WKB on
SQLite, a shapely geometry in Python on both."""

from __future__ import annotations

from datetime import UTC, datetime

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


class Instant(sa.types.TypeDecorator):
    """A moment in time: an aware datetime in Python, given back in UTC. PostgreSQL stores it as timestamptz
    (revision 0012); SQLite as the UTC ISO 8601 text every release wrote ("2026-11-26T13:45:00+00:00"), which
    sorts in time order byte by byte, so existing SQLite files need no change."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        """timestamptz on PostgreSQL, text elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value, dialect):
        """Write an aware datetime (refused without a time zone: which instant it means would be a guess)."""
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"an aware datetime is needed, not {value!r}")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.isoformat()

    def process_result_value(self, value, dialect):
        """Read back an aware datetime in UTC (SQLite text without an offset was written as UTC)."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            value = datetime.fromisoformat(value)
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# Text compared and sorted byte by byte on both databases: revision 0007 gave PostgreSQL's text columns collation
# "C" (SQLite's own binary order), so that names and ISO timestamps sort alike whatever the server's locale.
Text = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

metadata = sa.MetaData()

# sqlite_autoincrement: an id is never reused (revision 0001), so a link or audit entry about a deleted row can
# never point at a newer one; PostgreSQL's sequences never reuse ids anyway.
registry_state = sa.Table(
    "registry_state",
    metadata,
    sa.Column("key", Text, primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("area", Area, nullable=False),
    sa.Column("beheerder_name", Text, nullable=False),
    sa.Column("beheerder_email", Text, nullable=False),
    sa.Column("beheerder_phone", Text),
    sa.Column("description", Text),
    sa.Column("status", Text, nullable=False, server_default=sa.text("'active'")),
    sa.Column("is_example", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("updated_at", Instant, nullable=False),
    sa.Column("email_confirmed_at", Instant),
    sa.Column("reviewed_at", Instant),
    sa.Column("review_note", Text),
    sa.Column("last_confirmed_at", Instant),
    sa.Column("reminder_sent_at", Instant),
    sa.Column("lang", Text, nullable=False, server_default=sa.text("'nl'")),
    sa.Index("groups_status", "status"),
    sqlite_autoincrement=True,
)
# The same-name check reads this index, not the table (revision 0008).
sa.Index("groups_name_lower", sa.func.lower(groups.c.name))
# The spatial index exists on PostgreSQL only (revision 0007): SQLite has no GiST, and its areas are plain WKB.
# info names the dialect for the drift check (store/drift.py), which cannot read ddl_if back.
sa.Index("groups_area", groups.c.area, postgresql_using="gist", info={"dialects": ("postgresql",)}).ddl_if(
    dialect="postgresql"
)

group_changes = sa.Table(
    "group_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    sa.Column("payload", Text, nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sqlite_autoincrement=True,
)

addresses = sa.Table(
    "addresses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("postcode", Text, nullable=False),
    sa.Column("huisnummer", sa.Integer, nullable=False),
    sa.Column("huisletter", Text, nullable=False, server_default=sa.text("''")),
    sa.Column("toevoeging", Text, nullable=False, server_default=sa.text("''")),
    sa.Column("straat", Text, nullable=False),
    sa.Column("straat_norm", Text, nullable=False),
    sa.Column("woonplaats", Text, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Index("addresses_pc_nr", "postcode", "huisnummer"),
    sa.Index("addresses_street_nr", "straat_norm", "huisnummer"),
    sqlite_autoincrement=True,
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", Text, nullable=False, unique=True),
    sa.Column("password_hash", Text, nullable=False),
    sa.Column("active", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("session_version", sa.Integer, nullable=False, server_default=sa.text("0")),
    # Revision 0014: where the account holder is told of failed logins; the second factor of a local account
    # (the TOTP secret encrypted, see domain/second_factor.py; enrolled once confirmed with a code; the last
    # 30-second step used, so that a code counts once); the failed logins since the last success (the back-off).
    sa.Column("email", Text),
    sa.Column("totp_secret", Text),
    sa.Column("totp_enrolled_at", Instant),
    sa.Column("totp_last_step", sa.BigInteger),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_failed_at", Instant),
    # An account of the identity provider (OpenID Connect): its issuer and subject; both empty for local accounts.
    sa.Column("oidc_issuer", Text, nullable=True),
    sa.Column("oidc_subject", Text, nullable=True),
    sa.Index("staff_oidc_identity", "oidc_issuer", "oidc_subject", unique=True),
    sqlite_autoincrement=True,
)

# The single-use recovery codes of an account's second factor, hashed (revision 0014).
staff_recovery_codes = sa.Table(
    "staff_recovery_codes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("code_hash", Text, nullable=False),
    sa.Column("used_at", Instant),
    sa.UniqueConstraint("staff_id", "code_hash"),
    sqlite_autoincrement=True,
)

# The roles of a staff account, one or more (revision 0013; domain/roles.py names them).
staff_roles = sa.Table(
    "staff_roles",
    metadata,
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", Text, primary_key=True),
)

# The municipalities a staff account works for (revision 0013); an account without rows works for all served.
staff_gemeenten = sa.Table(
    "staff_gemeenten",
    metadata,
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("gemeentecode", Text, primary_key=True),
)

# Append-only: triggers (revision 0002) refuse every UPDATE and DELETE, also from outside the app.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", Instant, nullable=False),
    sa.Column("actor", Text, nullable=False),
    sa.Column("action", Text, nullable=False),
    sa.Column("group_id", sa.Integer),
    sa.Column("group_name", Text),
    sa.Column("detail", Text),
    sqlite_autoincrement=True,
)

# Who opened or exported personal data (revision 0017): append-only, rows deletable only once older than the
# trigger's minimum age (retention: domain/access_log.py). No foreign key to staff: an entry outlives its account.
access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", Instant, nullable=False),
    sa.Column("staff_id", sa.Integer),
    sa.Column("username", Text, nullable=False),
    sa.Column("what", Text, nullable=False),
    sa.Column("subject", Text),
    sa.Column("address", Text),
    sa.Index("access_log_at", "at"),
    sqlite_autoincrement=True,
)

mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", Text, nullable=False),
    sa.Column("recipient", Text, nullable=False),
    sa.Column("reply_to", Text),
    sa.Column("subject", Text, nullable=False),
    sa.Column("body", Text, nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_error", Text),
    sa.Column("claimed_by", Text),
    sa.Column("claimed_at", Instant),
    sa.Column("next_attempt_at", Instant),
    sa.Column("failed_at", Instant),
    # Revision 0015: the message's Message-ID, recorded before it is handed over, and when a worker began to hand
    # it over (cleared when that attempt failed cleanly): set on a claimed row, it means a worker died mid-send.
    sa.Column("message_id", Text),
    sa.Column("handing_over_at", Instant),
    # Revision 0019: the From name of a message that speaks for one municipality (or the region); NULL: MAIL_SENDER.
    sa.Column("sender_name", Text),
    sqlite_autoincrement=True,
)

# One row per exclusive job of the background worker (revision 0015): who holds it until when, and when it last
# ran, so that among all worker processes one runs it at a time, once per interval.
worker_jobs = sa.Table(
    "worker_jobs",
    metadata,
    sa.Column("name", Text, primary_key=True),
    sa.Column("claimed_by", Text),
    sa.Column("lease_until", Instant),
    sa.Column("last_started_at", Instant),
    sa.Column("last_finished_at", Instant),
    sa.Column("last_result", Text),
)

# Residents waiting to hear when a group starts at their address (revision 0009): the minimum to tell them once.
waiting_residents = sa.Table(
    "waiting_residents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", Text, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("address_text", Text),
    sa.Column("lang", Text, nullable=False),
    sa.Column("created_at", Instant, nullable=False),
    sa.Column("confirmed_at", Instant),
    sqlite_autoincrement=True,
)
# The same request twice (a double click, two at once) is stored once (revision 0009).
sa.Index(
    "waiting_residents_email_point",
    sa.func.lower(waiting_residents.c.email),
    waiting_residents.c.lat,
    waiting_residents.c.lon,
    unique=True,
)

# The tables of the register in an order that respects their foreign keys (group_changes refers to groups).
TABLE_ORDER = [
    "registry_state",
    "groups",
    "group_changes",
    "addresses",
    "staff",
    "staff_roles",
    "staff_gemeenten",
    "staff_recovery_codes",
    "audit_log",
    "mail_outbox",
    "waiting_residents",
    "worker_jobs",
    "access_log",
]
