"""The local address table (imported from a BAG extract) as an address source."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from geo_registry.core.errors import AddressNotFound
from geo_registry.lookup.model import Address, AddressQuery, normalise, pick

COLUMNS = "straat, huisnummer, huisletter, toevoeging, postcode, woonplaats, lat, lon"


class LocalAddressSource:
    """Finds addresses in the database's address table; works offline."""

    name = "lokaal"

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def count(self) -> int:
        """Return how many addresses the table holds."""
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM addresses")).scalar_one()

    def points(self):
        """All addresses as (lon, lat) arrays, or None when the table is empty."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT lon, lat FROM addresses")).all()
        if not rows:
            return None
        coords = np.array(rows, dtype=float)
        return coords[:, 0], coords[:, 1]

    def streets(self):
        """All addresses as (street names, lon, lat) lists, or None when the table is empty."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT straat, lon, lat FROM addresses")).all()
        if not rows:
            return None
        names, lon, lat = zip(*rows)
        return list(names), list(lon), list(lat)

    def find(self, query: AddressQuery) -> Address:
        """Return the address for query from the table."""
        if query.postcode:
            sql = f"SELECT {COLUMNS} FROM addresses WHERE postcode = :pc AND huisnummer = :nr"
            params = {"pc": query.postcode, "nr": query.huisnummer}
        else:
            sql = f"SELECT {COLUMNS} FROM addresses WHERE straat_norm = :st AND huisnummer = :nr"
            params = {"st": normalise(query.straat), "nr": query.huisnummer}
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(sql + " LIMIT 200"), params).all()
        if not rows:
            raise AddressNotFound()
        return pick(query, [self._address(row) for row in rows])

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Return addresses whose street starts like text (and number, when typed)."""
        words = normalise(text).split()
        if not words or len(" ".join(words)) < 3:
            return []
        number = next((w for w in words if w.isdigit()), None)
        street = " ".join(w for w in words if not w.isdigit())
        sql = f"SELECT {COLUMNS} FROM addresses WHERE straat_norm LIKE :st ESCAPE '\\'"
        params: dict = {"st": street.replace("%", "\\%").replace("_", "\\_") + "%", "limit": limit}
        if number:
            sql += " AND CAST(huisnummer AS TEXT) LIKE :nr"
            params["nr"] = number + "%"
        sql += " ORDER BY straat, huisnummer, huisletter, toevoeging LIMIT :limit"
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(sql), params).all()
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
