"""The resident's question, answered without Flask: which group covers this address or point?"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import BadInput
from .text import _
from .lookup import Address, AddressQuery, ChainLookup
from .spatial import PointAnswer, Registry


def parse_point(lat, lon) -> tuple[float, float]:
    """Validate lat/lon text or numbers (raises BadInput naming the field)."""
    values = []
    for name, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        try:
            number = float(str(value).strip().replace(",", "."))
        except (TypeError, ValueError):
            raise BadInput(_("'%(name)s' moet een getal zijn, bijvoorbeeld 52.25.", name=name), field=name) from None
        if not math.isfinite(number) or abs(number) > limit:
            raise BadInput(_("'%(name)s' moet tussen -%(limit)d en %(limit)d liggen.", name=name, limit=limit),
                           field=name)
        values.append(number)
    return values[0], values[1]


@dataclass(frozen=True)
class LookupAnswer:
    """The answer to a lookup: the address (when one was asked) and what lies at its point."""

    point: PointAnswer
    address: Address | None = None

    def to_public(self) -> dict:
        """Return the answer as the public API's JSON: no private fields."""
        buurt = self.point.buurt
        return {
            "point": {"lat": self.point.lat, "lon": self.point.lon},
            "in_gemeente": self.point.in_gemeente,
            "wijk": {"code": buurt.code, "name": buurt.name} if buurt else None,
            "wijken": [{"code": w.code, "name": w.name} for w in self.point.buurten],
            "groups": [g.to_public() for g in self.point.groups],
            "address": self.address.to_public() if self.address else None,
        }


class LookupService:
    """Finds the address, then the neighbourhood and the groups at its point."""

    def __init__(self, registry: Registry, addresses: ChainLookup):
        self.registry = registry
        self.addresses = addresses

    def at_point(self, lat, lon) -> LookupAnswer:
        """Answer for a point (a map click, or lat/lon in the API)."""
        lat, lon = parse_point(lat, lon)
        return LookupAnswer(self.registry.snapshot().answer(lat, lon))

    def at_address(self, query: AddressQuery) -> LookupAnswer:
        """Answer for an address query."""
        address = self.addresses.find(query)
        return LookupAnswer(self.registry.snapshot().answer(address.lat, address.lon), address)

    def query_from_args(self, args) -> AddressQuery | None:
        """Build the address query from request-like args, or None when no address was asked."""
        if (args.get("postcode") or "").strip() or (args.get("huisnummer") or "").strip():
            return AddressQuery.from_fields(args.get("postcode"), args.get("huisnummer"),
                                            args.get("huisletter", ""), args.get("toevoeging", ""))
        if "q" in args:
            return AddressQuery.from_text(args.get("q"))
        return None
