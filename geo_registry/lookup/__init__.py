"""Address lookup: one interface, one adapter per source, tried in order."""

from __future__ import annotations

from typing import Protocol

from geo_registry.core.errors import AddressAmbiguous, AddressNotFound, AddressServiceUnavailable
from geo_registry.lookup.model import Address, AddressQuery, normalise, not_found, pick


class AddressSource(Protocol):
    """A source of addresses: finds one address for a query, or raises a domain error."""

    name: str

    def find(self, query: AddressQuery) -> Address:
        """Return the one address that matches query (AddressNotFound/Ambiguous/ServiceUnavailable)."""

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Return display names of addresses that start like text."""


class ChainLookup:
    """Tries each source in order: the first that finds the address answers."""

    def __init__(self, sources: list[AddressSource]):
        self.sources = sources

    def find(self, query: AddressQuery) -> Address:
        """Return the address for query from the first source that knows it."""
        unavailable: AddressServiceUnavailable | None = None
        for source in self.sources:
            try:
                return source.find(query)
            except AddressNotFound:
                continue
            except AddressServiceUnavailable as exc:
                unavailable = exc
        if unavailable is not None:
            raise unavailable
        raise not_found(query)

    def reverse(self, lat: float, lon: float) -> Address | None:
        """Return the address nearest to the point from the first source that knows one close by, or None (also
        when a source does not answer in time: the caller then names the point otherwise)."""
        for source in self.sources:
            nearest = getattr(source, "reverse", None)
            if nearest is None:
                continue
            try:
                found = nearest(lat, lon)
            except AddressServiceUnavailable:
                continue
            if found is not None:
                return found
        return None

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Return suggestions from the first source that has some."""
        for source in self.sources:
            try:
                found = source.suggest(text, limit)
            except AddressServiceUnavailable:
                continue
            if found:
                return found
        return []


__all__ = [
    "Address",
    "AddressQuery",
    "AddressSource",
    "ChainLookup",
    "AddressAmbiguous",
    "AddressNotFound",
    "AddressServiceUnavailable",
    "normalise",
    "pick",
]
