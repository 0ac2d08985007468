"""Residents waiting for a group ("tell me when a group starts here"): stored with the minimum (e-mail, point,
the address as text, language, when), confirmed by a link, told once when a group covering their point is
approved (then deleted), and purged when unconfirmed after a week or unfulfilled after a year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from geo_registry.mail.delivery import queue
from geo_registry.store import tables

UNCONFIRMED_DAYS = 7  # the confirmation link works as long; an unconfirmed request goes after that
UNFULFILLED_DAYS = 365  # a confirmed request that no group fulfilled goes after a year
# Points are kept to 6 decimals (about 10 cm): the same address always gives the same stored point, so a second
# request for it is recognised as the same one.
DECIMALS = 6

table = tables.waiting_residents


@dataclass(frozen=True)
class Waiting:
    """One resident's request, as stored."""

    id: int
    email: str
    lat: float
    lon: float
    address_text: str | None
    lang: str
    created_at: datetime
    confirmed_at: datetime | None


def _stamp(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def _same(email: str, lat: float, lon: float):
    return sa.and_(sa.func.lower(table.c.email) == email.lower(), table.c.lat == lat, table.c.lon == lon)


def add(
    engine: sa.Engine,
    email: str,
    lat: float,
    lon: float,
    address_text: str | None,
    lang: str,
    now: datetime | None = None,
) -> tuple[Waiting, bool]:
    """Store a request (unconfirmed) unless the same address and point are already waiting; return the stored
    request and whether it is new."""
    lat, lon = round(float(lat), DECIMALS), round(float(lon), DECIMALS)
    try:
        with engine.begin() as conn:
            found = conn.execute(sa.select(table).where(_same(email, lat, lon))).mappings().first()
            if found:
                return Waiting(**found), False
            values: dict[str, Any] = {
                "email": email,
                "lat": lat,
                "lon": lon,
                "address_text": address_text,
                "lang": lang,
                "created_at": _stamp(now),
                "confirmed_at": None,
            }
            new_id = conn.execute(table.insert().values(values).returning(table.c.id)).scalar_one()
            return Waiting(id=new_id, **values), True
    except sa.exc.IntegrityError:  # the same request arrived twice at once: the other one stored it
        with engine.connect() as conn:
            return Waiting(**conn.execute(sa.select(table).where(_same(email, lat, lon))).mappings().one()), False


def get(engine: sa.Engine, waiting_id: int) -> Waiting | None:
    """Return one request by id, or None (fulfilled, purged or never there)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.id == waiting_id)).mappings().first()
    return Waiting(**row) if row else None


def confirm(engine: sa.Engine, waiting_id: int, now: datetime | None = None) -> Waiting | None:
    """Mark a request confirmed (a second confirmation changes nothing); return it, or None when it is gone."""
    with engine.begin() as conn:
        conn.execute(
            table.update()
            .where(table.c.id == waiting_id, table.c.confirmed_at.is_(None))
            .values(confirmed_at=_stamp(now))
        )
    return get(engine, waiting_id)


def withdraw(engine: sa.Engine, waiting_id: int) -> bool:
    """Delete a request at the resident's wish; return whether there was one."""
    with engine.begin() as conn:
        return conn.execute(table.delete().where(table.c.id == waiting_id)).rowcount == 1


def covered_by(conn: sa.Connection, area: BaseGeometry) -> list[Waiting]:
    """The confirmed requests whose point lies in area (WGS84; a point on its edge counts), oldest first."""
    minx, miny, maxx, maxy = area.bounds
    rows = (
        conn.execute(
            sa.select(table)
            .where(table.c.confirmed_at.is_not(None), table.c.lon.between(minx, maxx), table.c.lat.between(miny, maxy))
            .order_by(table.c.id)
        )
        .mappings()
        .all()
    )
    if not rows:
        return []
    inside = shapely.intersects_xy(area, [r["lon"] for r in rows], [r["lat"] for r in rows])
    return [Waiting(**row) for row, hit in zip(rows, inside) if hit]


def count_covered(conn: sa.Connection, area: BaseGeometry) -> int:
    """How many confirmed requests lie in area (the number only: the beheerder is told no more)."""
    return len(covered_by(conn, area))


def fulfil(conn: sa.Connection, group, notice) -> list[int]:
    """Inside the caller's transaction (the one that makes group public or grows its area): for every confirmed
    request in group's area, queue notice(waiting, group) and delete the request; return the queued ids."""
    ids = []
    for waiting in covered_by(conn, group.area):
        # Deleted first, and counted: of two approvals at once only the one that removed the request mails it.
        if conn.execute(table.delete().where(table.c.id == waiting.id)).rowcount == 1:
            ids.append(queue(conn, notice(waiting, group)))
    return ids


def purge(
    engine: sa.Engine, now: datetime, unconfirmed_days: int = UNCONFIRMED_DAYS, unfulfilled_days: int = UNFULFILLED_DAYS
) -> int:
    """Delete requests unconfirmed after unconfirmed_days and any request after unfulfilled_days (the privacy
    statement promises this); return how many."""
    unconfirmed = _stamp(now - timedelta(days=unconfirmed_days))
    unfulfilled = _stamp(now - timedelta(days=unfulfilled_days))
    with engine.begin() as conn:
        return conn.execute(
            table.delete().where(
                sa.or_(
                    sa.and_(table.c.confirmed_at.is_(None), table.c.created_at < unconfirmed),
                    table.c.created_at < unfulfilled,
                )
            )
        ).rowcount


def count_per_buurt(engine: sa.Engine, buurt_index) -> dict[str, int]:
    """How many confirmed requests lie in each buurt (by code; a point on a border counts in the first buurt)."""
    with engine.connect() as conn:
        points = conn.execute(sa.select(table.c.lat, table.c.lon).where(table.c.confirmed_at.is_not(None))).all()
    counts: dict[str, int] = {}
    for lat, lon in points:
        found = buurt_index.at_xy(lon, lat)
        if found:
            counts[found[0].code] = counts.get(found[0].code, 0) + 1
    return counts
