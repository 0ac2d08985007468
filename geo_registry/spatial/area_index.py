"""The point index: which areas hold a point, from a uniform grid over them (AreaIndex), and the active groups'
index kept up to date by difference (GroupIndex)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo_registry.domain.groups import Group

T = TypeVar("T")


class AreaIndex(Generic[T]):
    """Answers which areas hold a point (a border point is in both): a uniform grid over the areas whose
    cells list the areas whose bounding box meets them, then an exact test of just those candidates."""

    # Below this many areas, one vectorised test of all (prepared) areas beats any index.
    SMALL = 48

    def __init__(self, items: Sequence[T], geometries: Sequence[BaseGeometry]):
        self.items = list(items)
        self.geometries = np.array(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self._tree: shapely.STRtree | None = None
        if len(self.items) > self.SMALL:
            self._build_grid()

    def in_bounds(self, bounds) -> list[T]:
        """Return the items whose bounding box meets bounds (minx, miny, maxx, maxy), in index order."""
        if not self.items:
            return []
        if self._tree is None:
            self._tree = shapely.STRtree(self.geometries)
        return [self.items[i] for i in np.sort(self._tree.query(shapely.box(*bounds)))]

    def _build_grid(self) -> None:
        bounds = shapely.bounds(self.geometries)
        listed = np.flatnonzero(np.isfinite(bounds).all(axis=1))  # an empty shape has no bounds and holds no point
        if not listed.size:
            self._side, self._x0, self._y0 = 1, np.inf, np.inf  # at_xy: every point outside
            self._maxx = self._maxy = -np.inf
            return
        minx, miny = bounds[listed, 0].min(), bounds[listed, 1].min()
        self._maxx, self._maxy = bounds[listed, 2].max(), bounds[listed, 3].max()
        side = int(min(1024, max(16, 4 * np.sqrt(len(self.items)))))
        self._side, self._x0, self._y0 = side, minx, miny
        self._dx = (self._maxx - minx) / side or 1e-9
        self._dy = (self._maxy - miny) / side or 1e-9
        # Each area is listed in every cell from the cell of its bounding box's low corner to that of its high
        # corner, by the same floor division at_xy uses: that division never decreases as x grows, so a point
        # inside the box falls in a cell between the two and finds the area there.
        col0, col1 = (self._cells(bounds[listed, i], self._x0, self._dx) for i in (0, 2))
        row0, row1 = (self._cells(bounds[listed, i], self._y0, self._dy) for i in (1, 3))
        cols, counts = col1 - col0 + 1, (col1 - col0 + 1) * (row1 - row0 + 1)
        ids, first = np.repeat(listed, counts), np.repeat(np.cumsum(counts) - counts, counts)
        step = np.arange(counts.sum()) - first
        width = np.repeat(cols, counts)
        flat = (np.repeat(row0, counts) + step // width) * side + np.repeat(col0, counts) + step % width
        order = np.lexsort((ids, flat))
        self._candidates = ids[order]
        self._offsets = np.searchsorted(flat[order], np.arange(side * side + 1))

    def _cells(self, values, start: float, step: float):
        """The grid column (or row) of each coordinate, as at_xy finds it."""
        return np.clip(np.floor_divide(values - start, step), 0, self._side - 1).astype(np.int64)

    def at(self, point: Point) -> list[T]:
        """Return the items whose area contains or touches point, in index order."""
        return self.at_xy(point.x, point.y)

    def at_xy(self, x: float, y: float) -> list[T]:
        """Return the items whose area contains or touches (x, y), in index order."""
        if not self.items:
            return []
        if len(self.items) <= self.SMALL:
            hits = np.flatnonzero(shapely.intersects_xy(self.geometries, x, y))
        else:
            side = self._side
            if not (self._x0 <= x <= self._maxx and self._y0 <= y <= self._maxy):
                return []
            # A point on the grid's far edge belongs to the last cell.
            col = min(int((x - self._x0) // self._dx), side - 1)
            row = min(int((y - self._y0) // self._dy), side - 1)
            cell = row * side + col
            candidates = self._candidates[self._offsets[cell] : self._offsets[cell + 1]]
            hits = candidates[shapely.intersects_xy(self.geometries[candidates], x, y)] if len(candidates) else []
        return [self.items[i] for i in hits]


def group_order(group: Group):
    """The order of a snapshot's groups: by name, then by id."""
    return group.name, group.id


class GroupIndex:
    """The active groups' index, updated by difference: an AreaIndex built from scratch (the base), the ids taken
    out of it since, and a small index of the groups added or changed since (the overlay, remade on each change).
    Past COMPACT changes since the base, the next update builds a new base."""

    COMPACT = 256

    def __init__(
        self,
        groups: list[Group],
        base: AreaIndex | None = None,
        removed: frozenset = frozenset(),
        overlay: list[Group] | None = None,
    ):
        self.base = base if base is not None else AreaIndex(groups, [g.area for g in groups])
        self.removed = removed
        self.overlay = AreaIndex(overlay or [], [g.area for g in overlay or []])

    def updated(self, groups: list[Group], changes: dict[int, Group | None]) -> GroupIndex:
        """The index of groups (the snapshot's new list), given the changes that made it from this one's."""
        overlay = [g for g in self.overlay.items if g.id not in changes] + [g for g in changes.values() if g]
        removed = self.removed | frozenset(changes)
        if len(removed) + len(overlay) > self.COMPACT:
            return GroupIndex(groups)
        return GroupIndex(groups, self.base, removed, sorted(overlay, key=group_order))

    def at(self, point: Point) -> list[Group]:
        """Return the groups whose area contains or touches point, by name."""
        return self.at_xy(point.x, point.y)

    def at_xy(self, x: float, y: float) -> list[Group]:
        """Return the groups whose area contains or touches (x, y), by name (as one index of them all would)."""
        hits = self.base.at_xy(x, y)
        if self.removed and hits:
            hits = [g for g in hits if g.id not in self.removed]
        if self.overlay.items:
            extra = self.overlay.at_xy(x, y)
            if extra:
                hits = sorted(hits + extra, key=group_order)
        return hits

    def in_bounds(self, bounds) -> list[Group]:
        """Return the groups whose bounding box meets bounds (WGS84 minx, miny, maxx, maxy), by name."""
        hits = [g for g in self.base.in_bounds(bounds) if g.id not in self.removed]
        return sorted(hits + self.overlay.in_bounds(bounds), key=group_order)
