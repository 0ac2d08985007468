"""Active groups near a point that no group covers: distances in RD New metres, nearest first, without Flask."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from .coverage import to_rd_many
from .geometry import RD_NEW, WGS84, transformer
from .groups import Group

# Walking distance: the issue asks for the groups within 1 km, at most three.
RADIUS_M = 1000.0
MAX_GROUPS = 3


@dataclass(frozen=True)
class NearbyGroup:
    """A group whose area does not cover the point, and how far its area's edge lies from it."""

    group: Group
    metres: int

    def to_public(self) -> dict:
        """Return the group's public fields with the distance: never the beheerder's details."""
        return {**self.group.to_public(), "distance_m": self.metres}


class NearbyIndex:
    """The groups' areas in RD New, made once per snapshot, so a request only measures."""

    def __init__(self, groups: list[Group]):
        self.groups = list(groups)
        self.areas = to_rd_many([g.area for g in self.groups]) if self.groups else np.array([], dtype=object)
        self.tree = shapely.STRtree(self.areas)

    def near(self, lat: float, lon: float, radius: float = RADIUS_M, limit: int = MAX_GROUPS) -> list[NearbyGroup]:
        """Return up to limit groups whose area lies within radius metres of (lat, lon), nearest first."""
        if not self.groups:
            return []
        x, y = transformer(WGS84, RD_NEW).transform(lon, lat)
        point = shapely.Point(x, y)
        hits = self.tree.query(point, predicate="dwithin", distance=radius)
        if not len(hits):
            return []
        # For a point outside an area, the distance to the area is the distance to its boundary.
        distances = shapely.distance(self.areas[hits], point)
        found = sorted(zip(distances, hits), key=lambda item: (item[0], self.groups[item[1]].name))
        return [NearbyGroup(self.groups[i], int(round(d))) for d, i in found[:limit]]
