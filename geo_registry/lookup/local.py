"""The local address table (imported from a BAG extract) as an address source."""

from __future__ import annotations

import math

import numpy as np
import sqlalchemy as sa

from geo_registry.core.errors import AddressNotFound
from geo_registry.lookup.model import Address, AddressQuery, normalise, pick
from geo_registry.store.tables import addresses

c = addresses.c
# The columns an Address is made of.
COLUMNS = (c.straat, c.huisnummer, c.huisletter, c.toevoeging, c.postcode, c.woonplaats, c.lat, c.lon)


class LocalAddressSource:
    """Finds addresses in the database's address table; works offline."""

    name = "lokaal"

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def count(self) -> int:
        """Return how many addresses the table holds."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(addresses)).scalar_one()

    def points(self):
        """All addresses as (lon, lat) arrays, or None when the table is empty."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.lon, c.lat)).all()
        if not rows:
            return None
        coords = np.array(rows, dtype=float)
        return coords[:, 0], coords[:, 1]

    def streets(self):
        """All addresses as (street names, lon, lat) lists, or None when the table is empty."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.straat, c.lon, c.lat)).all()
        if not rows:
            return None
        names, lon, lat = zip(*rows)
        return list(names), list(lon), list(lat)

    def find(self, query: AddressQuery) -> Address:
        """Return the address for query from the table."""
        if query.postcode:
            where = c.postcode == query.postcode
        else:
            where = c.straat_norm == normalise(query.straat)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*COLUMNS).where(where, c.huisnummer == query.huisnummer).limit(200)).all()
        if not rows:
            raise AddressNotFound()
        return pick(query, [self._address(row) for row in rows])

    def reverse(self, lat: float, lon: float, within_m: float = 60) -> Address | None:
        """Return the address of the table nearest to (lat, lon) within within_m metres, or None."""
        # A box around the point first (an index-friendly query), then the true nearest by distance in metres.
        dlat, dlon = within_m / 110_574, within_m / (111_320 * math.cos(math.radians(lat)))
        box = (c.lat.between(lat - dlat, lat + dlat), c.lon.between(lon - dlon, lon + dlon))
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*COLUMNS).where(*box).limit(500)).all()
        scale = math.cos(math.radians(lat))
        nearest = min(rows, key=lambda r: ((r.lon - lon) * scale) ** 2 + (r.lat - lat) ** 2, default=None)
        if nearest is None:
            return None
        metres = math.hypot((nearest.lon - lon) * 111_320 * scale, (nearest.lat - lat) * 110_574)
        return self._address(nearest) if metres <= within_m else None

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Return addresses whose street starts like text (and number, when typed)."""
        words = normalise(text).split()
        if not words or len(" ".join(words)) < 3:
            return []
        number = next((w for w in words if w.isdigit()), None)
        street = " ".join(w for w in words if not w.isdigit())
        query = (
            sa.select(*COLUMNS)
            .where(c.straat_norm.startswith(street, autoescape=True))
            .order_by(c.straat, c.huisnummer, c.huisletter, c.toevoeging)
            .limit(limit)
        )
        if number:
            query = query.where(sa.cast(c.huisnummer, sa.Text).startswith(number))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [self._address(row).weergavenaam for row in rows]

    def _address(self, row) -> Address:
        return Address(
            straat=row.straat,
            huisnummer=row.huisnummer,
            huisletter=row.huisletter,
            toevoeging=row.toevoeging,
            postcode=row.postcode,
            woonplaats=row.woonplaats,
            lat=row.lat,
            lon=row.lon,
            source=self.name,
        )
