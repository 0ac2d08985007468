"""WhatsApp groups: the store in the database and the GeoJSON import."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from geo_registry.core.errors import BadInput
from geo_registry.core.geometry import (
    WGS84,
    geojson_crs,
    geojson_features,
    geometry_from_geojson,
    is_polygonal,
    load_geojson,
    reproject,
)
from geo_registry.core.text import N_, single_line
from geo_registry.domain import validation
from geo_registry.domain.change_log import bump_version, bump_versions, changed_since, versions
from geo_registry.store import tables
from geo_registry.store.change_signal import ChangeSignal


class GroupStatus(StrEnum):
    """Where a group is in its life: registered, address confirmed, reviewed, and public or not."""

    PENDING_EMAIL = "pending_email"  # registered; the beheerder has not yet confirmed the e-mail address
    PENDING_REVIEW = "pending_review"  # confirmed; waits for staff
    ACTIVE = "active"  # approved and public
    INACTIVE = "inactive"  # approved once, taken off the map by staff
    REJECTED = "rejected"  # refused by staff (kept a while, then purged)

    @property
    def label(self) -> str:
        """The status as staff read it (a msgid: translate where it is shown)."""
        return STATUS_LABELS[self]


STATUS_LABELS = {
    GroupStatus.ACTIVE: N_("actief"),
    GroupStatus.INACTIVE: N_("niet actief"),
    GroupStatus.PENDING_EMAIL: N_("wacht op bevestiging e-mail"),
    GroupStatus.PENDING_REVIEW: N_("wacht op beoordeling"),
    GroupStatus.REJECTED: N_("afgewezen"),
}
MAX_NAME = validation.MAX_GROUP_NAME
# What the public snapshot shows of an active group (on the map, in answers, in the API): a change to any other
# field (the beheerder's details, renewal dates) leaves every process's snapshot as it is.
# The same-name check; the index groups_name_lower (revision 0008) answers it without reading the table.
NAME_TAKEN: sa.Select = sa.select(sa.literal_column("1")).where(
    sa.func.lower(tables.groups.c.name) == sa.func.lower(sa.bindparam("n", type_=sa.Text))
)
PUBLIC_FIELDS = frozenset({"name", "area", "is_example", "description"})


def utc_now() -> datetime:
    """Return the current time in UTC, to the second (as every stored time is)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Group:
    """A WhatsApp group with its area (WGS84) and its private beheerder details."""

    id: int | None
    name: str
    area: BaseGeometry
    beheerder_name: str
    beheerder_email: str
    beheerder_phone: str | None = None
    description: str | None = None
    status: GroupStatus = GroupStatus.ACTIVE
    is_example: bool = False
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    email_confirmed_at: datetime | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    last_confirmed_at: datetime | None = None
    reminder_sent_at: datetime | None = None
    lang: str = "nl"


class GroupStore:
    """Reads and writes groups; every change the public sees bumps the version the spatial index watches."""

    def __init__(self, engine: sa.Engine, signal: ChangeSignal | None = None):
        self.engine = engine
        self._listeners: list = []
        self.signal = signal  # raised after every commit, so that the other processes look at once

    def on_change(self, listener) -> None:
        """Call listener() after every committed change made through this store."""
        self._listeners.append(listener)

    @contextmanager
    def transaction(self):
        """A transaction; after it commits, the listeners hear that the groups may have changed."""
        with self.engine.begin() as conn:
            yield conn
        if self.signal is not None:
            self.signal.raise_()
        for listener in self._listeners:
            listener()

    def version(self) -> tuple[int, int]:
        """Return (groups version, addresses version): either changes whenever its data changes."""
        with self.engine.connect() as conn:
            return versions(conn)

    def list(self, status: GroupStatus | None = GroupStatus.ACTIVE) -> list[Group]:
        """Return the groups with the given status (all groups for None), by name."""
        query = sa.select(tables.groups)
        if status:
            query = query.where(tables.groups.c.status == status)
        with self.engine.connect() as conn:
            # Made into groups a thousand rows at a time: the rows' area texts (tens of MiB for a national
            # register) are never all held at once.
            groups = [_row_to_group(row) for part in conn.execute(query).mappings().partitions(1000) for row in part]
        # Sorted here, by code point as SQLite does: a PostgreSQL collation could order names differently.
        return sorted(groups, key=lambda group: (group.name, group.id))

    def changes(self, since: int, until: int, most: int = 500) -> dict[int, Group | None] | None:
        """The groups changed in public after version since up to until: each id with its active group, or None
        where it is no longer active; None when the log does not cover them or they are more than most."""
        with self.engine.connect() as conn:
            ids = changed_since(conn, since, until)
            if ids is None or len(ids) > most:
                return None
            rows = conn.execute(
                sa.select(tables.groups).where(
                    tables.groups.c.id.in_(sorted(ids)), tables.groups.c.status == GroupStatus.ACTIVE
                )
            )
            active = {row["id"]: _row_to_group(row) for row in rows.mappings()}
        return {group_id: active.get(group_id) for group_id in ids}

    def get(self, group_id: int) -> Group | None:
        """Return one group by id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tables.groups).where(tables.groups.c.id == group_id)).mappings().first()
        return _row_to_group(row) if row else None

    def exists_named(self, name: str, conn: sa.Connection | None = None) -> bool:
        """Tell whether a group with this name (case-insensitive) exists (as conn's transaction sees it)."""
        if conn is None:
            with self.engine.connect() as own:
                return self.exists_named(name, own)
        return conn.execute(NAME_TAKEN, {"n": name}).first() is not None

    def add(self, group: Group, conn: sa.Connection | None = None) -> int:
        """Insert a group and return its id."""
        if conn is None:
            with self.transaction() as own:
                return self.add(group, own)
        group_id = conn.execute(_INSERT, _insert_values(group)).scalar_one()
        note_change(conn, None, {"status": group.status}, group_id)
        return group_id

    def set_status(self, group_id: int, status: str) -> None:
        """Change a group's status."""
        with self.transaction() as conn:
            before = status_of(conn, group_id)
            conn.execute(
                tables.groups.update().where(tables.groups.c.id == group_id).values(status=status, updated_at=utc_now())
            )
            note_change(conn, before, {"status": status}, group_id)


_INSERT = tables.groups.insert().returning(tables.groups.c.id)
# An import's batch: one INSERT for all its rows, one name check for all its names. The ids come back matched by
# name (unique within a batch): asking them back in the rows' order makes SQLAlchemy insert row by row on SQLite.
_INSERT_MANY = tables.groups.insert().returning(tables.groups.c.name, tables.groups.c.id)
_NAMES_TAKEN = sa.select(sa.func.lower(tables.groups.c.name)).where(
    sa.func.lower(tables.groups.c.name).in_(sa.bindparam("names", expanding=True))
)


def status_of(conn: sa.Connection, group_id: int) -> GroupStatus | None:
    """Return a group's status as this transaction sees it (None when there is no such group)."""
    status = conn.execute(sa.select(tables.groups.c.status).where(tables.groups.c.id == group_id)).scalar()
    return GroupStatus(status) if status else None


def note_change(conn: sa.Connection, before: GroupStatus | None, fields, group_id: int | None = None) -> None:
    """Bump the groups version only when the change shows in public: a group becomes or stops being active,
    or an active group's public fields change. Anything else (a registration, a confirmation, a rejection,
    a new beheerder) leaves every snapshot, and the maps made from it, as they are."""
    after = fields.get("status", before)
    public = before == GroupStatus.ACTIVE, after == GroupStatus.ACTIVE
    if public[0] != public[1] or (public[1] and PUBLIC_FIELDS & set(fields)):
        bump_version(conn, group_id)


def _insert_values(group: Group) -> dict:
    """The row values of a new group."""
    return {
        "name": group.name,
        "area": group.area,
        "beheerder_name": group.beheerder_name,
        "beheerder_email": group.beheerder_email,
        "beheerder_phone": group.beheerder_phone,
        "description": group.description,
        "status": group.status,
        "is_example": int(group.is_example),
        "created_at": group.created_at,
        "updated_at": group.updated_at,
        "last_confirmed_at": group.last_confirmed_at
        or (group.created_at if group.status == GroupStatus.ACTIVE else None),
        "lang": group.lang,
    }


def _row_to_group(row) -> Group:
    return Group(
        id=row["id"],
        name=row["name"],
        area=row["area"],
        beheerder_name=row["beheerder_name"],
        beheerder_email=row["beheerder_email"],
        beheerder_phone=row["beheerder_phone"],
        description=row["description"],
        status=GroupStatus(row["status"]),
        is_example=bool(row["is_example"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        email_confirmed_at=row.get("email_confirmed_at"),
        reviewed_at=row.get("reviewed_at"),
        review_note=row.get("review_note"),
        last_confirmed_at=row.get("last_confirmed_at"),
        reminder_sent_at=row.get("reminder_sent_at"),
        lang=row.get("lang") or "nl",
    )


@dataclass
class ImportReport:
    """What an import did, feature by feature."""

    added: list[tuple[int, str, int]] = field(default_factory=list)  # (feature number, name, id)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (feature number, name, reason)

    def lines(self) -> list[str]:
        """Return one Dutch line per feature, in feature order."""
        rows = [(n, f"feature {n} ({name!r}): toegevoegd als groep {gid}") for n, name, gid in self.added]
        rows += [(n, f"feature {n} ({name!r}): geweigerd: {why}") for n, name, why in self.refused]
        return [text for _, text in sorted(rows)]


def parse_group_feature(feature, crs: str, municipality: BaseGeometry | None, example: bool) -> Group:
    """Turn one GeoJSON feature into a Group, or raise ValueError with a Dutch reason."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("geen GeoJSON-Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("'properties' is geen object")
    for key in ("name", "beheerder_name"):
        if not single_line(props.get(key)):
            raise ValueError(f"de eigenschap '{key}' ontbreekt")
    if not validation.EMAIL_RE.match(str(props.get("beheerder_email") or "").strip()):
        raise ValueError("'beheerder_email' is geen geldig e-mailadres")
    # Every field checked as the registration form checks it (control characters, a NUL that PostgreSQL cannot
    # store, lengths, the mobile number): the row is refused naming the field, the other rows go on.
    try:
        details = validation.group_details(props)
    except BadInput as error:
        raise ValueError(f"de eigenschap '{error.field}': {error.message}") from None
    area = geometry_from_geojson(feature.get("geometry"))
    if not is_polygonal(area):
        raise ValueError(f"het gebied is geen vlak (Polygon of MultiPolygon) maar {area.geom_type}")
    if not area.is_valid:
        raise ValueError(f"het gebied is ongeldig: {shapely.is_valid_reason(area)}")
    area = reproject(area, crs, WGS84)
    if municipality is not None and not area.intersects(municipality):
        raise ValueError("het gebied ligt helemaal buiten de gemeente")
    return Group(
        id=None,
        area=area,
        **details,
        status=GroupStatus.ACTIVE if props.get("active", True) else GroupStatus.INACTIVE,
        is_example=bool(props.get("example", example)),
    )


def _feature_label(feature) -> str:
    """The feature's name for the report, whatever shape the feature has."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    return str(props.get("name") or "") if isinstance(props, dict) else ""


# Features written per transaction: a commit (a disk flush) per feature made an import of 20,000 groups take
# minutes; a batch keeps the database's write lock short enough for the site's own writes to wait it out.
IMPORT_BATCH = 500


def import_groups(
    store: GroupStore, path: str | Path, municipality: BaseGeometry | None = None, example: bool = False
) -> ImportReport:
    """Import a GeoJSON FeatureCollection of groups; each feature is added or refused on its own."""
    try:
        collection = load_geojson(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is geen leesbaar GeoJSON-bestand: {exc}") from exc
    if collection.get("type") != "FeatureCollection":
        raise ValueError(f"{path} is geen GeoJSON FeatureCollection")
    try:
        crs, features = geojson_crs(collection), geojson_features(collection)
        reproject(shapely.Point(0, 0), crs, WGS84)
    except Exception as exc:  # pyproj names an unknown CRS in several exception types
        raise ValueError(f"{path}: {exc}") from exc
    report = ImportReport()
    numbered = list(enumerate(features, start=1))
    for start in range(0, len(numbered), IMPORT_BATCH):
        batch = numbered[start : start + IMPORT_BATCH]
        parsed = []
        for number, feature in batch:
            try:
                parsed.append((number, parse_group_feature(feature, crs, municipality, example)))
            except ValueError as exc:
                report.refused.append((number, _feature_label(feature), str(exc)))
        with store.transaction() as conn:
            _write_batch(conn, parsed, report)
    return report


def _write_batch(conn: sa.Connection, parsed: list[tuple[int, Group]], report: ImportReport) -> None:
    """Add a batch of parsed groups in one transaction: a name taken (before or earlier in the batch) is refused;
    the rest are inserted with one statement, and the version and change log are written once for the batch."""
    keys = _lower_names(conn, [group.name for _, group in parsed])
    # The database lowers the names, so that "the same name" means exactly what NAME_TAKEN means.
    seen = set(conn.execute(_NAMES_TAKEN, {"names": sorted(set(keys))}).scalars()) if keys else set()
    fresh = []
    for (number, group), key in zip(parsed, keys):
        if key in seen:
            report.refused.append((number, group.name, "er bestaat al een groep met deze naam"))
        else:
            seen.add(key)
            fresh.append((number, group))
    if not fresh:
        return
    id_of: dict[str, int] = dict(conn.execute(_INSERT_MANY, [_insert_values(group) for _, group in fresh]).all())
    ids = [id_of[group.name] for _, group in fresh]
    report.added.extend((number, group.name, group_id) for (number, group), group_id in zip(fresh, ids))
    bump_versions(conn, [group_id for (_, group), group_id in zip(fresh, ids) if group.status == GroupStatus.ACTIVE])


def _lower_names(conn: sa.Connection, names: list[str]) -> list[str]:
    """The names in lower case as the database makes them (SQLite lowers ASCII only; PostgreSQL by locale)."""
    if not names:
        return []
    return list(conn.execute(_lower_statement(len(names)), {f"n{i}": name for i, name in enumerate(names)}).one())


@lru_cache(maxsize=8)
def _lower_statement(count: int) -> sa.Select:
    """SELECT lower(:n0), ..., lower(:n<count-1>): made once per batch size (compiling it is not cheap)."""
    return sa.select(*[sa.func.lower(sa.bindparam(f"n{i}", type_=sa.Text)) for i in range(count)])
