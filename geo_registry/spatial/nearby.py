"""Active groups near a point that no group covers: distances in RD New metres, nearest first, without Flask."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import shapely

from geo_registry.core.geometry import RD_NEW, WGS84, transformer
from geo_registry.domain.groups import Group
from geo_registry.spatial import public
from geo_registry.spatial.coverage import to_rd_many

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
        return {**public.group_reference(self.group), "distance_m": self.metres}


# The fewest metres a degree spans on the GRS80 ellipsoid: of latitude (at the equator), of longitude at latitude
# φ (N·cos φ, with N at least the equatorial radius). RD New is conformal: it scales distances by less than 0.1%
# in the country and rotates them, and a circle stays a circle when rotated.
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_319.0


def search_box(lat: float, lon: float, radius: float) -> tuple[float, float, float, float]:
    """A WGS84 box (minx, miny, maxx, maxy) that holds every point within radius RD New metres of (lat, lon)."""
    reach = radius * 1.01 + 1.0  # more than any scale of RD New in the country
    dlat = reach / METRES_PER_DEGREE_LAT
    dlon = reach / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(min(abs(lat) + dlat, 89.0))))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


class RDAreas:
    """Group areas in RD New, made when a lookup first needs them and kept (the most recent `most`) while the
    group's area is the same object: a changed group is a new Group with a new area, so nothing stale is used,
    and nothing is made per snapshot or for groups nobody looks near."""

    def __init__(self, most: int = 5000):
        self.most = most
        self._known: OrderedDict[int | None, tuple] = OrderedDict()  # by group id (a stored group has one)
        self._lock = threading.Lock()

    def of(self, groups: list[Group]) -> np.ndarray:
        """The RD New areas of groups, in their order."""
        with self._lock:
            known = [self._known.get(g.id) for g in groups]
            missing = [g for g, k in zip(groups, known) if k is None or k[0] is not g.area]
        if missing:
            made = {g.id: (g.area, rd) for g, rd in zip(missing, to_rd_many([g.area for g in missing]))}
            known = [made.get(g.id, k) for g, k in zip(groups, known)]
        with self._lock:
            for group in missing:
                self._known[group.id] = made[group.id]
            for group in groups:
                self._known.move_to_end(group.id)
            while len(self._known) > self.most:
                self._known.popitem(last=False)
        return np.array([k[1] for k in known if k is not None], dtype=object)  # every one known by now


# Where groups are many, the nearest few lie well within the radius: they are looked for within this share of it
# first, and within the whole radius only when fewer were found there.
FIRST_REACH = 0.25


def nearby_groups(
    in_bounds,
    lat: float,
    lon: float,
    radius: float = RADIUS_M,
    limit: int = MAX_GROUPS,
    rd_areas: RDAreas | None = None,
) -> list[NearbyGroup]:
    """Up to limit groups whose area lies within radius metres of (lat, lon), nearest first (then by name).
    in_bounds(box) gives the groups whose bounding box meets a WGS84 box (the snapshot's group index): only those
    few are put in RD New (or taken from rd_areas), so nothing is made per snapshot."""
    point = None
    for reach in (radius * FIRST_REACH, radius):
        candidates = in_bounds(search_box(lat, lon, reach))
        if len(candidates) < limit and reach < radius:
            continue  # too few areas reach this far to hold `limit` groups
        if not candidates:
            return []
        if point is None:
            point = shapely.Point(transformer(WGS84, RD_NEW).transform(lon, lat))
        # For a point outside an area, the distance to the area is the distance to its boundary.
        distances = shapely.distance((rd_areas or RDAreas()).of(candidates), point)
        within = np.flatnonzero(distances <= reach)
        # Enough found within the reach: every area beyond its search box lies farther than the reach.
        if within.size >= limit:
            break
    if within.size > limit:
        # Only the limit nearest are ordered (with any as near as the last of them, whose names decide).
        last = np.partition(distances[within], limit - 1)[limit - 1]
        within = within[distances[within] <= last]
    found = sorted((distances[i], candidates[i].name, i) for i in within.tolist())
    return [NearbyGroup(candidates[i], int(round(d))) for d, _, i in found[:limit]]
