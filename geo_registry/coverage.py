"""Which parts of each neighbourhood, and which of its addresses, lie in some active group's area."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .geometry import RD_NEW, WGS84, transformer
from .text import N_

# Coverage classes: lower bound of the share, key, words for residents, map colour. The colours are
# Okabe-Ito (told apart with every common colour blindness: dark blue, sky blue, yellow, vermillion); the map
# adds a pattern to the two least covered classes, so colour is never the only difference.
CLASSES = [
    (0.995, "heel", N_("Helemaal gedekt"), "#0072B2"),
    (0.5, "groot", N_("Grotendeels gedekt"), "#56B4E9"),
    (1e-9, "deels", N_("Deels gedekt"), "#F0E442"),
    (0.0, "geen", N_("Nog geen groep"), "#D55E00"),
]


def coverage_class(share: float) -> tuple[str, str, str]:
    """Return (key, words, colour) of the class a covered share falls in."""
    for lower, key, words, colour in CLASSES:
        if share >= lower:
            return key, words, colour
    return CLASSES[-1][1:]


@dataclass(frozen=True)
class WijkCoverage:
    """One neighbourhood's coverage: by area always, by addresses where an address table is loaded."""

    buurt: object
    area_m2: float
    covered_m2: float
    groups: list  # (group, share of the neighbourhood), largest share first
    uncovered: BaseGeometry  # WGS84; empty when fully covered
    addresses: int | None = None
    addresses_covered: int | None = None

    @property
    def share(self) -> float:
        """Covered share of the area, 0..1."""
        return self.covered_m2 / self.area_m2 if self.area_m2 else 0.0

    @property
    def address_share(self) -> float | None:
        """Share of the addresses that lie in some group's area, or None without addresses."""
        if not self.addresses:
            return None
        return self.addresses_covered / self.addresses

    @property
    def addresses_without_group(self) -> int | None:
        """How many addresses lie in no group's area."""
        return None if self.addresses is None else self.addresses - self.addresses_covered

    @property
    def status(self) -> tuple[str, str, str]:
        """The coverage class: (key, words, colour)."""
        return coverage_class(self.share) if self.groups or self.share > 0 else CLASSES[-1][1:]


def to_rd_many(geometries) -> np.ndarray:
    """Reproject many WGS84 geometries to RD New in one call."""
    return shapely.transform(np.array(geometries, dtype=object), transformer(WGS84, RD_NEW).transform,
                             interleaved=False)


def to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """Reproject one RD New geometry to WGS84."""
    return shapely.transform(geometry, transformer(RD_NEW, WGS84).transform, interleaved=False)


def compute_coverage(buurten, groups, points: tuple[np.ndarray, np.ndarray] | None = None) -> list[WijkCoverage]:
    """Compute each neighbourhood's coverage (areas in RD New; overlapping groups counted once)."""
    buurt_rd = to_rd_many([w.geometry for w in buurten])
    group_rd = to_rd_many([g.area for g in groups]) if groups else np.array([], dtype=object)
    tree = shapely.STRtree(group_rd)
    counts = _address_counts(buurten, groups, points)
    result = []
    for i, buurt in enumerate(buurten):
        shape = buurt_rd[i]
        hits = tree.query(shape, predicate="intersects") if len(group_rd) else []
        shares, union = [], None
        if len(hits):
            shared = shapely.intersection(group_rd[hits], shape)
            areas = shapely.area(shared)
            shares = sorted([(groups[j], a / shape.area) for j, a in zip(hits, areas) if a > 0],
                            key=lambda item: (-item[1], item[0].name))
            union = shapely.union_all(shared[areas > 0]) if (areas > 0).any() else None
        covered = union.area if union is not None else 0.0
        uncovered = to_wgs84(shape.difference(union)) if union is not None else buurt.geometry
        total, inside = counts[i] if counts is not None else (None, None)
        result.append(WijkCoverage(buurt, shape.area, covered, shares, uncovered, total, inside))
    return result


def _address_counts(buurten, groups, points):
    """Per neighbourhood: (addresses, addresses in some group's area), or None without points."""
    if points is None:
        return None
    lon, lat = points
    geoms = shapely.points(lon, lat)
    buurt_pairs = shapely.STRtree([w.geometry for w in buurten]).query(geoms, predicate="intersects")
    in_group = np.zeros(len(geoms), dtype=bool)
    if groups:
        group_pairs = shapely.STRtree([g.area for g in groups]).query(geoms, predicate="intersects")
        in_group[group_pairs[0]] = True
    totals = np.bincount(buurt_pairs[1], minlength=len(buurten))
    covered = np.bincount(buurt_pairs[1], weights=in_group[buurt_pairs[0]], minlength=len(buurten))
    return [(int(t), int(c)) for t, c in zip(totals, covered)]


def group_address_counts(groups, points: tuple[np.ndarray, np.ndarray] | None) -> dict[int, int] | None:
    """How many addresses lie in each group's area (None without an address table)."""
    if points is None:
        return None
    if not groups:
        return {}
    pairs = shapely.STRtree([g.area for g in groups]).query(shapely.points(*points), predicate="intersects")
    counts = np.bincount(pairs[1], minlength=len(groups))
    return {group.id: int(count) for group, count in zip(groups, counts)}
