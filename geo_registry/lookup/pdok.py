"""PDOK Locatieserver (the national BAG address service) as an address source."""
from __future__ import annotations

import re

import requests

from ..errors import AddressNotFound, AddressServiceUnavailable
from .model import Address, AddressQuery, pick

POINT_RE = re.compile(r"POINT\s*\(\s*([-0-9.eE]+)\s+([-0-9.eE]+)\s*\)")
# The Locatieserver's field names mapped to ours, in one place.
FIELDS = {
    "straatnaam": "straat", "huisnummer": "huisnummer", "huisletter": "huisletter",
    "huisnummertoevoeging": "toevoeging", "postcode": "postcode", "woonplaatsnaam": "woonplaats",
    "gemeentenaam": "gemeentenaam",
}
FL = " ".join([*FIELDS, "weergavenaam", "gemeentecode", "buurtcode", "wijkcode", "centroide_ll"])


def doc_to_address(doc: dict) -> Address:
    """Turn one Locatieserver document into an Address (raises ValueError when it has no point)."""
    match = POINT_RE.search(doc.get("centroide_ll") or "")
    if not match:
        raise ValueError("document zonder centroide_ll")
    values = {ours: doc.get(theirs) for theirs, ours in FIELDS.items()}
    return Address(
        straat=values["straat"] or "", huisnummer=int(values["huisnummer"] or 0),
        huisletter=(values["huisletter"] or "").upper(), toevoeging=(values["toevoeging"] or "").upper(),
        postcode=(values["postcode"] or "").replace(" ", "").upper(), woonplaats=values["woonplaats"] or "",
        gemeentenaam=values["gemeentenaam"] or "",
        lon=float(match.group(1)), lat=float(match.group(2)), source="pdok",
    )


class PdokSource:
    """Looks addresses up at the Locatieserver, preferring the home municipality's."""

    name = "pdok"

    def __init__(self, base_url: str, gemeentecode: str, timeout: float = 3.0,
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.gemeentecode = gemeentecode.upper().removeprefix("GM")
        self.timeout = min(float(timeout), 3.0)
        self.session = session or requests.Session()

    def _get(self, endpoint: str, params: list[tuple[str, str]]) -> dict:
        try:
            response = self.session.get(f"{self.base_url}/{endpoint}", params=params, timeout=self.timeout)
            response.raise_for_status()
            return response.json()["response"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            raise AddressServiceUnavailable() from exc

    def _params(self, q: str, rows: int) -> list[tuple[str, str]]:
        # Boost, do not filter: an address elsewhere must still be found to say it lies outside.
        return [("q", q), ("fq", "type:adres"), ("bq", f"gemeentecode:{self.gemeentecode}^2"),
                ("fl", FL), ("rows", str(rows))]

    def find(self, query: AddressQuery) -> Address:
        """Return the address for query from the Locatieserver."""
        if query.postcode:
            params = self._params(f"{query.postcode} {query.huisnummer}", 20)
            params += [("fq", f"postcode:{query.postcode}"), ("fq", f"huisnummer:{query.huisnummer}")]
        else:
            params = self._params(query.text, 20)
        docs = self._get("free", params).get("docs") or []
        found = []
        for doc in docs:
            try:
                found.append(doc_to_address(doc))
            except (ValueError, TypeError):
                continue
        if not found:
            raise AddressNotFound()
        return pick(query, found)

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Return display names from the Locatieserver's suggest endpoint."""
        if len(text.strip()) < 3:
            return []
        params = self._params(text.strip(), limit)
        params = [(k, v) for k, v in params if k != "fl"] + [("fl", "weergavenaam")]
        docs = self._get("suggest", params).get("docs") or []
        return [d["weergavenaam"] for d in docs if d.get("weergavenaam")][:limit]
