"""Which parts of each neighbourhood, and which of its addresses, lie in some active group's area."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import RD_NEW, WGS84, transformer
from geo_registry.core.text import N_
from geo_registry.spatial.coverage_chunks import (
    Pieces,
    StripFigures,
    compute_strips,
    count_inside,
    pieces_of,
    processes_for,
    to_rd_many,
)

if TYPE_CHECKING:
    from geo_registry.spatial.buurten import Buurt

# Coverage classes: lower bound of the share, key, words for residents, map colour. The colours are
# Okabe-Ito (told apart with every common colour blindness: dark blue, sky blue, yellow, vermillion); the map
# adds a pattern to the two least covered classes, so colour is never the only difference.
CLASSES = [
    (0.995, "heel", N_("Helemaal gedekt"), "#0072B2"),
    (0.5, "groot", N_("Grotendeels gedekt"), "#56B4E9"),
    (1e-9, "deels", N_("Deels gedekt"), "#F0E442"),
    (0.0, "geen", N_("Nog geen groep"), "#D55E00"),
]


@dataclass(frozen=True)
class Sliver:
    """When an overlap is too small to count: under max_m2 square metres *and* under max_share of the buurt (or
    area) it lies in. Areas made of picked buurten share their edges exactly, and an edge sent back rounded by the
    map editor leaves a metre or two in the neighbouring buurten: that is no coverage, and no group 'in' them."""

    max_m2: float = 100.0
    max_share: float = 0.01

    def __call__(self, m2, share):
        """Whether an overlap of m2 square metres, share (0..1) of what it lies in, is a sliver (also elementwise)."""
        return (m2 < self.max_m2) & (share < self.max_share)

    @classmethod
    def of(cls, config) -> Sliver:
        """The threshold of the settings (SLIVER_M2, SLIVER_PERCENT)."""
        return cls(config.SLIVER_M2, config.SLIVER_PERCENT / 100)


def coverage_class(share: float) -> tuple[str, str, str]:
    """Return (key, words, colour) of the class a covered share falls in."""
    for lower, key, words, colour in CLASSES:
        if share >= lower:
            return key, words, colour
    return CLASSES[-1][1:]


@dataclass(frozen=True)
class BuurtCoverage:
    """One neighbourhood's coverage: by area always, by addresses where an address table is loaded."""

    buurt: Buurt
    area_m2: float
    covered_m2: float
    groups: list  # (group, share of the neighbourhood), largest share first
    rest: object  # the uncovered part, or an _Uncovered that makes it when first asked
    addresses: int | None = None
    addresses_covered: int | None = None

    @property
    def uncovered(self) -> BaseGeometry:
        """The part no group covers (WGS84; empty when fully covered)."""
        return self.rest.get(self.buurt) if isinstance(self.rest, _Uncovered) else self.rest

    @property
    def share(self) -> float:
        """Covered share of the area, 0..1."""
        return self.covered_m2 / self.area_m2 if self.area_m2 else 0.0

    @property
    def address_share(self) -> float | None:
        """Share of the addresses that lie in some group's area, or None without addresses."""
        if not self.addresses:
            return None
        return (self.addresses_covered or 0) / self.addresses

    @property
    def addresses_without_group(self) -> int | None:
        """How many addresses lie in no group's area."""
        return None if self.addresses is None else self.addresses - (self.addresses_covered or 0)

    @property
    def status(self) -> tuple[str, str, str]:
        """The coverage class: (key, words, colour)."""
        return coverage_class(self.share) if self.groups or self.share > 0 else CLASSES[-1][1:]


def to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """Reproject one RD New geometry to WGS84."""
    return shapely.transform(geometry, transformer(RD_NEW, WGS84).transform, interleaved=False)


class BuurtenRD:
    """The buurten in RD New with their index and, per address table, which addresses lie in each: made once
    per process (the buurten never change), so that a change of one group recomputes only the buurten it touches."""

    def __init__(self, buurten, sliver: Sliver | None = None):
        self.buurten = list(buurten)
        self.sliver = sliver or Sliver()  # overlaps that count for nothing
        self._lock = threading.Lock()
        self._points: tuple | None = None

    @cached_property
    def rd(self) -> np.ndarray:
        """The buurten in RD New (made on first use: a process that never shows coverage never holds them)."""
        with self._lock:
            shapes = to_rd_many([b.geometry for b in self.buurten])
            shapely.prepare(shapes)
            return shapes

    @cached_property
    def tree(self) -> shapely.STRtree:
        """The index of the buurten in RD New."""
        return shapely.STRtree(self.rd)

    def touched_by(self, areas_rd) -> np.ndarray:
        """The positions of the buurten that any of these RD New areas intersects, in order."""
        if not len(areas_rd):
            return np.array([], dtype=int)
        return np.unique(self.tree.query(np.asarray(areas_rd, dtype=object), predicate="intersects")[1])

    def addresses(self, points):
        """points (lon, lat arrays) with, per buurt, the positions of the points in it (kept for the same points)."""
        if points is None:
            return None
        if self._points is None or self._points[0] is not points:
            # The buurten query a tree of the points: each buurt is then prepared once, not tested per point.
            buurt, found = shapely.STRtree(shapely.points(*points)).query(
                [b.geometry for b in self.buurten], predicate="intersects"
            )
            order = np.argsort(buurt, kind="stable")
            offsets = np.searchsorted(buurt[order], np.arange(len(self.buurten) + 1))
            self._points = (points, found[order], offsets)
        return self._points

    def keep_addresses(self, points, strips: list[StripFigures]) -> None:
        """Keep the addresses per buurt that the strips found, as addresses(points) would have made them."""
        per_buurt: list = [np.array([], dtype=int)] * len(self.buurten)
        for strip in strips:
            for position, found in zip(strip.positions, strip.addresses or []):
                per_buurt[position] = found
        offsets = np.concatenate([[0], np.cumsum([len(found) for found in per_buurt])])
        self._points = (points, np.concatenate(per_buurt).astype(int), offsets)


def compute_coverage(
    buurten,
    groups,
    points: tuple[np.ndarray, np.ndarray] | None = None,
    base: BuurtenRD | None = None,
    processes: int | None = None,
) -> list[BuurtCoverage]:
    """Compute each neighbourhood's coverage (areas in RD New; overlapping groups counted once), on every core
    for a country's worth of buurten (processes: how many; None chooses by size)."""
    base = base or BuurtenRD(buurten)
    processes = processes_for(len(base.buurten)) if processes is None else processes
    if processes > 1 and groups and len(base.buurten) > 1:
        return _from_strips(base, groups, points, processes)
    group_rd = to_rd_many([g.area for g in groups]) if groups else np.array([], dtype=object)
    pb, pg = shapely.STRtree(group_rd).query(base.rd, predicate="intersects") if len(group_rd) else ([], [])
    return coverage_of(
        base,
        np.arange(len(base.buurten)),
        np.asarray(pb, dtype=int),
        np.asarray(pg, dtype=int),
        groups,
        group_rd,
        points,
    )


def _from_strips(base: BuurtenRD, groups, points, processes: int) -> list[BuurtCoverage]:
    """compute_coverage in strips on several processes; base keeps the buurten in RD New and the addresses per
    buurt that come back, as if it had made them itself."""
    held = base.__dict__.get("rd")  # the cached_property's value, when made before
    done = compute_strips(
        np.array([b.geometry for b in base.buurten], dtype=object),
        held,
        np.array([g.area for g in groups], dtype=object),
        points,
        processes,
        base.sliver,
    )
    if held is None:
        rd = np.empty(len(base.buurten), dtype=object)
        for strip in done:
            rd[strip.positions] = shapely.from_wkb(strip.rd_wkb)
        shapely.prepare(rd)
        base.__dict__["rd"] = rd
    if points is not None:
        base.keep_addresses(points, done)
    result: list = [None] * len(base.buurten)
    for strip in done:
        strip.pieces.unions = list(shapely.from_wkb(np.array(strip.pieces.unions, dtype=object)))
        counts = None
        if strip.addresses is not None and strip.inside is not None:
            counts = list(zip((len(a) for a in strip.addresses), strip.inside))
        for position, item in zip(strip.positions, _assemble(base, strip.positions, strip.pieces, groups, counts)):
            result[position] = item
    return result


def update_coverage(
    previous: list[BuurtCoverage], base: BuurtenRD, touched: np.ndarray, candidates, points
) -> list[BuurtCoverage]:
    """previous with the buurten at positions touched computed again; candidates(bounds) gives the groups (in the
    snapshot's order) whose areas may meet a WGS84 bounding box."""
    if not len(touched):
        return previous
    pairs_b, groups = [], []
    for position in touched:
        # A margin of ~10 m around the WGS84 box: the exact test below is made in RD New.
        minx, miny, maxx, maxy = base.buurten[position].geometry.bounds
        for group in candidates((minx - 1e-4, miny - 1e-4, maxx + 1e-4, maxy + 1e-4)):
            pairs_b.append(position)
            groups.append(group)
    group_rd = to_rd_many([g.area for g in groups]) if groups else np.array([], dtype=object)
    pb, pg = np.array(pairs_b, dtype=int), np.arange(len(groups))
    if len(pg):
        keep = shapely.intersects(base.rd[pb], group_rd)
        pb, pg = pb[keep], pg[keep]
    result = list(previous)
    for position, item in zip(touched, coverage_of(base, touched, pb, pg, groups, group_rd, points)):
        result[position] = item
    return result


def coverage_of(base: BuurtenRD, positions, pb, pg, groups, group_rd, points) -> list[BuurtCoverage]:
    """The coverage of the buurten at positions, given the intersecting (buurt position, group position) pairs."""
    pieces = pieces_of(base.rd, positions, pb, pg, group_rd, base.sliver)
    addresses = base.addresses(points)
    counts = None
    if addresses is not None:
        (lon, lat), found, offsets = addresses
        counts = []
        for position, s, e in zip(positions, pieces.starts, pieces.ends):
            inside = found[offsets[position] : offsets[position + 1]]
            counted = [groups[g].area for g, a in zip(pieces.pg[s:e], pieces.areas[s:e]) if a > 0]  # no slivers
            counts.append((len(inside), count_inside(lon, lat, inside, counted)))
    return _assemble(base, positions, pieces, groups, counts)


def _assemble(base: BuurtenRD, positions, pieces: Pieces, groups, counts) -> list[BuurtCoverage]:
    """The BuurtCoverage of each buurt at positions from its pieces and (addresses, of which covered) counts."""
    unions = pieces.unions
    covered = [i for i, union in enumerate(unions) if union is not None]
    uncovered = _Uncovered(
        base.rd[np.asarray(positions)[covered]],
        [unions[i] for i in covered],
        [base.buurten[positions[i]] for i in covered],
    )
    result = []
    for i, position in enumerate(positions):
        buurt, shape, s, e = base.buurten[position], base.rd[position], pieces.starts[i], pieces.ends[i]
        shares = sorted(
            [(groups[g], a / shape.area) for g, a in zip(pieces.pg[s:e], pieces.areas[s:e]) if a > 0],
            key=lambda item: (-item[1], item[0].name),
        )
        total, inside = counts[i] if counts is not None else (None, None)
        result.append(
            BuurtCoverage(
                buurt,
                shape.area,
                unions[i].area if unions[i] is not None else 0.0,
                shares,
                uncovered if unions[i] is not None else buurt.geometry,
                total,
                inside,
            )
        )
    return result


class _Uncovered:
    """The uncovered parts of a batch of buurten, made together (one reprojection) when the first is asked for:
    most pages only need the figures, so the costly difference waits until a map or an export needs it."""

    def __init__(self, shapes_rd, unions_rd, buurten):
        self._inputs = (shapes_rd, np.array(unions_rd, dtype=object))
        self._codes = [b.code for b in buurten]
        self._parts: dict | None = None
        self._lock = threading.Lock()

    def get(self, buurt) -> BaseGeometry:
        """The uncovered part of buurt (WGS84)."""
        with self._lock:
            if self._parts is None:
                parts = _to_wgs84_many(shapely.difference(*self._inputs))
                self._parts, self._inputs = dict(zip(self._codes, parts)), None
            return self._parts[buurt.code]


def _to_wgs84_many(geometries) -> np.ndarray:
    """Reproject many RD New geometries to WGS84 in one call."""
    return shapely.transform(
        np.asarray(geometries, dtype=object), transformer(RD_NEW, WGS84).transform, interleaved=False
    )


def group_address_counts(groups, points: tuple[np.ndarray, np.ndarray] | None) -> dict[int, int] | None:
    """How many addresses lie in each group's area (None without an address table)."""
    if points is None:
        return None
    if not groups:
        return {}
    pairs = shapely.STRtree(shapely.points(*points)).query([g.area for g in groups], predicate="intersects")
    counts = np.bincount(pairs[0], minlength=len(groups))
    return {group.id: int(count) for group, count in zip(groups, counts)}
