"""Per neighbourhood, its streets and how many of each street's addresses lie in some group's area (no Flask)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely

from geo_registry.core.text import N_

# Words for a street's coverage, shown to residents (translated where shown).
STATUS_WORDS = {
    "heel": N_("helemaal in het gebied van een groep"),
    "deels": N_("deels in het gebied van een groep"),
    "geen": N_("nog geen groep"),
}


@dataclass(frozen=True)
class StreetCoverage:
    """One street within one neighbourhood: its addresses there, and how many lie in some group's area."""

    name: str
    addresses: int
    covered: int

    @property
    def status(self) -> str:
        """'heel' (every address covered), 'deels' (some) or 'geen' (none)."""
        if self.covered >= self.addresses:
            return "heel"
        return "deels" if self.covered else "geen"

    @property
    def words(self) -> str:
        """The status in (untranslated) words for residents."""
        return STATUS_WORDS[self.status]


def street_coverage(buurten, groups, streets) -> dict[str, list[StreetCoverage]]:
    """Group the addresses (streets: names, lon, lat as sequences, or None) by neighbourhood code and street,
    counting those in some group's area; streets in name order. Empty without an address table."""
    if streets is None:
        return {}
    names, lon, lat = streets
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    point_ids, buurt_ids = shapely.STRtree([b.geometry for b in buurten]).query(points, predicate="intersects")
    # A point on the border of two buurten counts in the first only, so that totals add up.
    first = np.unique(point_ids, return_index=True)[1]
    point_ids, buurt_ids = point_ids[first], buurt_ids[first]
    in_group = np.zeros(len(points), dtype=bool)
    if groups:
        in_group[shapely.STRtree([g.area for g in groups]).query(points, predicate="intersects")[0]] = True
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for point, buurt in zip(point_ids.tolist(), buurt_ids.tolist()):
        count = counts[(buurt, names[point])]
        count[0] += 1
        count[1] += int(in_group[point])
    result: dict[str, list[StreetCoverage]] = defaultdict(list)
    for (buurt, name), (total, covered) in sorted(counts.items(), key=lambda item: (item[0][0], item[0][1].lower())):
        result[buurten[buurt].code].append(StreetCoverage(name, total, covered))
    return dict(result)
