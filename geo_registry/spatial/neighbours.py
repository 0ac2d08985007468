"""The municipalities next to the served ones: which one a point outside lies in, its outline and website, and
whether the same team helps there (Laren, Blaricum and Eemnes share the BEL Combinatie's team)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import simplify_for_display, to_geojson_mapping
from geo_registry.spatial.buurten import load_buurten
from geo_registry.spatial.gemeenten import KNOWN_NAMES

# Each municipality's own website, where a resident reads about buurtpreventie there.
WEBSITES = {"GM0417": "https://www.laren.nl", "GM0376": "https://www.blaricum.nl", "GM0317": "https://www.eemnes.nl"}
# One BEL team (one e-mail address, one phone number) for all three.
BEL_PARTNERS = frozenset({"GM0417", "GM0376", "GM0317"})


@dataclass(frozen=True)
class Neighbour:
    """A municipality that is not served here, as a resident outside is told about it."""

    code: str
    name: str
    website: str
    same_team: bool  # the served municipalities' team (same e-mail and phone) helps there too
    outline: BaseGeometry

    def outline_geojson(self) -> dict:
        """The outline, lightened for drawing on the map."""
        return to_geojson_mapping(simplify_for_display(self.outline, 10.0))


class Neighbours:
    """The neighbouring municipalities of a buurten file that holds more than the served ones (the BEL file),
    read on first use."""

    def __init__(self, path: str | Path, served_codes, names: dict[str, str] | None = None):
        self.path = Path(path)
        self.served = frozenset(served_codes)
        self.names = {**KNOWN_NAMES, **(names or {})}
        self._outlines: dict[str, BaseGeometry] | None = None
        self._lock = threading.Lock()

    def outlines(self) -> dict[str, BaseGeometry]:
        """Each neighbouring municipality's outline (the union of its buurten), by code; {} without the file."""
        with self._lock:
            if self._outlines is None:
                try:
                    buurten = load_buurten(self.path)
                except OSError:
                    buurten = []
                codes = sorted({b.gemeentecode for b in buurten} - self.served)
                self._outlines = {
                    code: shapely.union_all([b.geometry for b in buurten if b.gemeentecode == code]) for code in codes
                }
            return self._outlines

    def at(self, lat: float, lon: float, name: str = "") -> Neighbour | None:
        """The neighbouring municipality at the point, or the one the address source named; None when unknown."""
        point = shapely.Point(lon, lat)
        for code, outline in self.outlines().items():
            if outline.covers(point):
                return self._neighbour(code, outline)
        named = next((code for code, known in self.names.items() if name and known.lower() == name.lower()), None)
        if named and named not in self.served:
            return self._neighbour(named, self.outlines().get(named, shapely.Point(lon, lat)))
        return None

    def _neighbour(self, code: str, outline: BaseGeometry) -> Neighbour:
        same_team = code in BEL_PARTNERS and bool(self.served) and self.served <= BEL_PARTNERS
        return Neighbour(code, self.names.get(code, code), WEBSITES.get(code, ""), same_team, outline)
