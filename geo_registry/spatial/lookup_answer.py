"""The resident's question, answered without Flask: which group covers this address or point?"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from geo_registry.core.errors import AddressAmbiguous, AddressNotFound, AddressServiceUnavailable, BadInput
from geo_registry.core.instruments import count_lookup
from geo_registry.core.text import _
from geo_registry.lookup import Address, AddressQuery, ChainLookup
from geo_registry.spatial import public
from geo_registry.spatial.nearby import NearbyGroup, RDAreas, nearby_groups
from geo_registry.spatial.neighbours import Neighbour, Neighbours
from geo_registry.spatial.register import PointAnswer, Registry, Snapshot


def parse_point(lat, lon) -> tuple[float, float]:
    """Validate lat/lon text or numbers (raises BadInput naming the field)."""
    values = []
    for name, value, limit, example in (("lat", lat, 90, "52.25"), ("lon", lon, 180, "5.22")):
        try:
            number = float(str(value).strip().replace(",", "."))
        except (TypeError, ValueError):
            raise BadInput(
                _("'%(name)s' moet een getal zijn, bijvoorbeeld %(example)s.", name=name, example=example), field=name
            ) from None
        if not math.isfinite(number) or abs(number) > limit:
            raise BadInput(
                _("'%(name)s' moet tussen -%(limit)d en %(limit)d liggen.", name=name, limit=limit), field=name
            )
        values.append(number)
    return values[0], values[1]


@dataclass(frozen=True)
class LookupAnswer:
    """The answer to a lookup: the address (when one was asked) and what lies at its point."""

    point: PointAnswer
    address: Address | None = None
    nearby: tuple[NearbyGroup, ...] = ()
    neighbour: Neighbour | None = None  # the neighbouring municipality a point outside lies in, when known
    nearest: Address | None = None  # for a point: the address nearest to it, when a source named one

    @property
    def other_gemeente(self) -> str:
        """The municipality the address or point lies in when it is outside ours and is known, else ''."""
        if self.point.in_gemeente:
            return ""
        if self.neighbour:
            return self.neighbour.name
        return self.address.gemeentenaam if self.address else ""

    @property
    def outcome(self) -> str:
        """What the lookup found, as the lookup metric counts it: outside, group or no_group."""
        if not self.point.in_gemeente:
            return "outside"
        return "group" if self.point.groups else "no_group"

    def to_public(self) -> dict:
        """Return the answer as the public API's JSON: no private fields."""
        buurt = self.point.buurt
        return {
            "point": {"lat": self.point.lat, "lon": self.point.lon},
            "in_gemeente": self.point.in_gemeente,
            "gemeentecode": buurt.gemeentecode if buurt else None,
            "wijk": public.buurt_reference(buurt) if buurt else None,
            "wijken": [public.buurt_reference(w) for w in self.point.buurten],
            "groups": [public.group_reference(g) for g in self.point.groups],
            "address": self.address.to_public() if self.address else None,
            "nearby_groups": [n.to_public() for n in self.nearby],
        }


class LookupService:
    """Finds the address, then the neighbourhood and the groups at its point."""

    def __init__(self, registry: Registry, addresses: ChainLookup, neighbours: Neighbours | None = None):
        self.registry = registry
        self.addresses = addresses
        self.neighbours = neighbours
        self.rd_areas = RDAreas()  # the areas near which residents look up, in RD New, for every snapshot

    def at_point(self, lat, lon, snapshot: Snapshot | None = None, name_it: bool = False) -> LookupAnswer:
        """Answer for a point (a map click, or lat/lon in the API), from snapshot (by default the current one);
        name_it: also find the nearest address (the local table, then the Locatieserver's reverse lookup)."""
        lat, lon = parse_point(lat, lon)
        answer = self._answer(snapshot or self.registry.snapshot(), lat, lon)
        count_lookup("point", answer.outcome)
        if name_it:
            answer = replace(answer, nearest=self.addresses.reverse(lat, lon))
        return answer

    def at_address(self, query: AddressQuery) -> LookupAnswer:
        """Answer for an address query."""
        try:
            address = self.addresses.find(query)
        except AddressServiceUnavailable:
            count_lookup("pdok", "unavailable")  # only the Locatieserver is ever unavailable
            raise
        except (AddressNotFound, AddressAmbiguous):
            # Not one address: counted under the last source asked (the chain asked each in turn).
            sources = self.addresses.sources
            count_lookup(sources[-1].name if sources else "none", "not_found")
            raise
        answer = self._answer(self.registry.snapshot(), address.lat, address.lon, address)
        count_lookup(address.source, answer.outcome)
        return answer

    def _answer(self, snapshot: Snapshot, lat: float, lon: float, address: Address | None = None) -> LookupAnswer:
        """What lies at the point; where no group covers it (in the municipality), the groups nearby."""
        point = snapshot.answer(lat, lon)
        nearby: tuple[NearbyGroup, ...] = ()
        if point.in_gemeente and not point.groups:
            nearby = tuple(nearby_groups(snapshot.group_index.in_bounds, lat, lon, rd_areas=self.rd_areas))
        neighbour = None
        if not point.in_gemeente and self.neighbours is not None:
            neighbour = self.neighbours.at(lat, lon, address.gemeentenaam if address else "")
        return LookupAnswer(point, address, nearby, neighbour)

    def query_from_args(self, args) -> AddressQuery | None:
        """Build the address query from request-like args, or None when no address was asked."""
        if (args.get("postcode") or "").strip() or (args.get("huisnummer") or "").strip():
            return AddressQuery.from_fields(
                args.get("postcode"), args.get("huisnummer"), args.get("huisletter", ""), args.get("toevoeging", "")
            )
        if "q" in args:
            return AddressQuery.from_text(args.get("q"))
        return None
