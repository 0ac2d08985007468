"""Snapshots of the register: point answers from the indexes, kept up to date by difference, and which groups
cover which neighbourhoods."""

from __future__ import annotations

import bisect
import hashlib
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import area_m2
from geo_registry.core.memory import release_freed_memory
from geo_registry.domain.groups import Group, GroupStore
from geo_registry.spatial.area_index import AreaIndex, GroupIndex, group_order
from geo_registry.spatial.buurten import Buurt, gemeente_shape
from geo_registry.spatial.buurten_cache import OutlineCopy, Outlines
from geo_registry.spatial.coverage import (
    BuurtCoverage,
    BuurtenRD,
    Sliver,
    compute_coverage,
    group_address_counts,
    to_rd_many,
    update_coverage,
)
from geo_registry.store.change_signal import ChangeSignal


@dataclass(frozen=True)
class PointAnswer:
    """What lies at a point: inside the municipality or not, its neighbourhoods and its groups."""

    lat: float
    lon: float
    in_gemeente: bool
    buurten: list[Buurt]
    groups: list[Group]

    @property
    def buurt(self) -> Buurt | None:
        """The neighbourhood of the point (the first by code when it lies on a border)."""
        return self.buurten[0] if self.buurten else None


class BuurtenBase:
    """The buurten with what is derived from them alone: their index and bounds, and the outline of each
    municipality and of all together. Made again only when the buurten change (an import), shared by every
    snapshot. The outlines (a union of every buurt: seconds at national size) are read from outline_copy where
    they were kept (import-wijken or the first process keeps them there), else made on first use or by warm_up()
    in the background, never before the first lookup: a lookup needs only the index."""

    def __init__(self, buurten: list[Buurt], stamp=None, outline_copy: OutlineCopy | None = None):
        self.buurten = buurten
        self.stamp = stamp  # what identifies the file they were read from (gemeenten.BuurtenFile.stamp)
        self._version: str | None = None
        self.index = AreaIndex(buurten, [w.geometry for w in buurten])
        # The outline's bounds without the outline: a union's bounds are its parts' bounds together.
        self.bounds = tuple(shapely.total_bounds([w.geometry for w in buurten]))
        self._outline_copy = outline_copy
        self._outlines: Outlines | None = _prepared(outline_copy.load()) if outline_copy else None
        self._outlines_lock = threading.Lock()
        self._warming: threading.Thread | None = None

    @property
    def outlines_ready(self) -> bool:
        """Whether the outlines are there (read from their copy or made), so that asking for them costs nothing."""
        return self._outlines is not None

    def _made_outlines(self) -> Outlines:
        with self._outlines_lock:
            if self._outlines is None:
                codes = sorted({w.gemeentecode for w in self.buurten})
                gemeenten = {
                    code: gemeente_shape([w for w in self.buurten if w.gemeentecode == code]) for code in codes
                }
                # One municipality: its outline is the union of the same buurten in the same order, made once.
                whole = gemeenten[codes[0]] if len(codes) == 1 else gemeente_shape(self.buurten)
                if self._outline_copy is not None:  # every later process (and worker) reads them
                    self._outline_copy.save((gemeenten, whole))
                _prepared((gemeenten, whole))
                self._outlines = gemeenten, whole
                release_freed_memory()
            return self._outlines

    def outlines(self) -> Outlines:
        """Each municipality's outline by gemeentecode and the outline of all together (prepared)."""
        return self._outlines or self._made_outlines()

    @property
    def gemeenten(self) -> dict[str, BaseGeometry]:
        """Each municipality's outline (prepared), by gemeentecode."""
        return self.outlines()[0]

    @property
    def gemeente(self) -> BaseGeometry:
        """The outline of all the buurten together (prepared)."""
        return self.outlines()[1]

    @property
    def version(self) -> str:
        """A short text that differs for every different set of buurten: from the file's stamp where they were
        read from one (free, and the same in every process reading that file), from their content otherwise."""
        if self._version is None:
            digest = hashlib.sha256()
            if self.stamp is not None:
                digest.update(repr(self.stamp).encode())
            else:
                for buurt in self.buurten:
                    digest.update(f"{buurt.code}|{buurt.name}|{buurt.wijkcode}|{buurt.gemeentecode}|".encode())
                digest.update(b"".join(shapely.to_wkb([b.geometry for b in self.buurten])))
            self._version = digest.hexdigest()[:16]
        return self._version

    def warm_up(self) -> threading.Thread | None:
        """Start making the outlines in a background thread, once (GEOS releases the GIL: lookups go on
        meanwhile), so that the first registration does not wait for them; return that thread."""
        with self._outlines_lock:
            if self._warming is not None or self._outlines is not None:
                return self._warming
            self._warming = threading.Thread(target=self._made_outlines, name="geo_registry.outlines", daemon=True)
        self._warming.start()
        return self._warming


def _prepared(outlines: Outlines | None) -> Outlines | None:
    """The outlines, each prepared for the many tests against it (the whole once, when it is one of them)."""
    if outlines is not None:
        for outline in {id(o): o for o in [*outlines[0].values(), outlines[1]]}.values():
            shapely.prepare(outline)
    return outlines


NOT_READ = object()


class Snapshot:
    """An immutable view of the neighbourhoods and the active groups, with their indexes."""

    def __init__(
        self,
        buurten: list[Buurt] | BuurtenBase,
        groups: list[Group],
        version=0,
        address_points=None,
        *,
        group_index: GroupIndex | None = None,
        coverage_base: BuurtenRD | None = None,
    ):
        base = buurten if isinstance(buurten, BuurtenBase) else BuurtenBase(buurten)
        self.version = version
        self._address_points = address_points
        self.base = base
        self.buurten = base.buurten
        self.groups = groups
        self.buurt_index = base.index
        self.group_index = group_index if group_index is not None else GroupIndex(groups)
        self._coverage_base = coverage_base
        self._coverage: list[BuurtCoverage] | None = None
        # The coverage of an earlier snapshot and the RD areas of the groups changed since: coverage() redoes
        # only the buurten those areas touch.
        self._coverage_from: tuple[Snapshot, list] | None = None
        self._group_addresses: dict[int, int] | None = None
        self._points = NOT_READ
        self._lock = threading.Lock()
        self._cache: dict = {}

    def updated(self, changes: dict[int, Group | None], version) -> Snapshot:
        """A new snapshot with changes applied (each changed group's id with its active group, or None when it is
        no longer active): the group index and the coverage are updated by difference."""
        before = {g.id: g for g in self.groups if g.id in changes}
        groups = [g for g in self.groups if g.id not in changes]
        for group in sorted((g for g in changes.values() if g), key=group_order):
            bisect.insort(groups, group, key=group_order)
        successor = Snapshot(
            self.base,
            groups,
            version,
            self._address_points,
            group_index=self.group_index.updated(groups, changes),
            coverage_base=self._coverage_base,
        )
        if version_part(version, 1) == version_part(self.version, 1):
            changed = [g.area for g in before.values()] + [g.area for g in changes.values() if g]
            successor._points = self._points
            successor._coverage_from = self._coverage_from_here(changed)
            successor._group_addresses = self._group_addresses_after(changes)
        return successor

    def _group_addresses_after(self, changes: dict[int, Group | None]) -> dict[int, int] | None:
        """The address count per group after changes, counting only the changed groups (None if not yet known)."""
        if self._group_addresses is None:
            return None
        counts = {gid: count for gid, count in self._group_addresses.items() if gid not in changes}
        counts.update(group_address_counts([g for g in changes.values() if g], self.points()) or {})
        return counts

    def _coverage_from_here(self, changed_areas: list):
        """What a successor needs to update this snapshot's coverage (None when there is nothing to start from).
        Read without this snapshot's lock: a coverage being computed meanwhile must not hold up the next lookup
        (the successor then computes its own from scratch)."""
        coverage, start = self._coverage, self._coverage_from
        if coverage is not None:
            return self, list(changed_areas)
        if start is None:
            return None
        source, areas = start
        return source, areas + list(changed_areas)

    @property
    def gemeente(self) -> BaseGeometry:
        """The outline of the served municipalities (made on first use, once per set of buurten)."""
        return self.base.gemeente

    def cached(self, key, make):
        """Return what make() gives for key, made once for this snapshot (such as a rendered map)."""
        if key not in self._cache:
            value = make()
            with self._lock:
                self._cache.setdefault(key, value)
        return self._cache[key]

    def answer(self, lat: float, lon: float) -> PointAnswer:
        """Return what lies at (lat, lon)."""
        buurten = self.buurt_index.at_xy(lon, lat)
        # The outline is the union of the buurten: a point lies in it exactly when it lies in (or on) a buurt.
        in_gemeente = bool(buurten)
        groups = self.group_index.at_xy(lon, lat) if in_gemeente else []
        return PointAnswer(lat=lat, lon=lon, in_gemeente=in_gemeente, buurten=buurten, groups=groups)

    def points(self):
        """The address table's points as (lon, lat) arrays, or None when it is empty (read once per snapshot,
        and kept by its successors while the addresses do not change)."""
        if self._points is NOT_READ:
            self._points = self._address_points() if self._address_points else None
        return self._points

    def coverage(self) -> list[BuurtCoverage]:
        """Each neighbourhood's coverage, computed once per snapshot: from an earlier snapshot's, only the buurten
        that the groups changed since touch, before or after the change."""
        with self._lock:
            if self._coverage is None:
                if self._coverage_base is None:
                    self._coverage_base = BuurtenRD(self.buurten)
                base, points = self._coverage_base, self.points()
                if self._coverage_from is not None:
                    source, areas = self._coverage_from
                    touched = base.touched_by(to_rd_many(areas)) if areas else np.empty(0, dtype=int)
                    self._coverage = update_coverage(
                        source.coverage(), base, touched, self.group_index.in_bounds, points
                    )
                else:
                    self._coverage = compute_coverage(self.buurten, self.groups, points, base)
                self._coverage_from = None
            return self._coverage

    def coverage_by_code(self) -> dict[str, BuurtCoverage]:
        """The coverage keyed by neighbourhood code."""
        return {item.buurt.code: item for item in self.coverage()}

    def group_addresses(self) -> dict[int, int] | None:
        """How many addresses lie in each active group's area (None without an address table)."""
        with self._lock:
            if self._group_addresses is None:
                self._group_addresses = group_address_counts(self.groups, self.points())
            return self._group_addresses


def version_part(version, position: int):
    """One part of a snapshot's version (groups, addresses), or the whole of a plain number."""
    return version[position] if isinstance(version, tuple) else version


class Registry:
    """Hands out the current Snapshot, updating it by difference when the public groups have changed.

    Changes made through this process's store are seen at once; changes by another process (another
    worker process of the server, or a command run beside it) at this process's next request when that process
    raised the shared change signal (store.change_signal: the processes of one installation do), and otherwise
    within `recheck_seconds`, the time between two
    looks at the database's version, which keeps that query off most requests. A quarter of a second leaves
    room for rebuilding the snapshot within the promised second (at 1 s, a change made just after a look was
    seen only after more than a second); the look is one primary-key read, at most four a second. The groups
    changed since are read from the database's change log (GroupStore.changes); where it does not cover them,
    the snapshot is built from scratch."""

    def __init__(
        self,
        buurten,
        store: GroupStore,
        address_points=None,
        recheck_seconds: float = 0.25,
        warm_outlines: bool = False,
        sliver: Sliver | None = None,
        signal: ChangeSignal | None = None,
    ):
        # buurten: a list, or a source with stamp() and load() (gemeenten.BuurtenFile) read again when it changes.
        self.source = buurten if hasattr(buurten, "stamp") else None
        self.buurten = None if self.source else buurten
        self._base_stamp = None
        self.store = store
        self.address_points = address_points
        self.recheck_seconds = recheck_seconds
        self.warm_outlines = warm_outlines  # make the outlines in the background after the first snapshot
        self.sliver = sliver  # the overlaps the coverage does not count (None: Sliver's defaults)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._base: BuurtenBase | None = None
        self._coverage_base: BuurtenRD | None = None
        self._coverage_for: BuurtenBase | None = None
        self._checked_at = self._stamped_at = float("-inf")
        # The other processes' signal (store.change_signal): when it moved since the last look, the next request
        # looks at the database's version at once, not at the next periodic look.
        self.signal = signal
        self._signal_seen: int | None = None
        store.on_change(self.invalidate)

    def invalidate(self) -> None:
        """Look at the database's version on the next request (something was just committed)."""
        self._checked_at = float("-inf")

    def snapshot(self) -> Snapshot:
        """Return a snapshot that reflects the latest group changes."""
        current = self._snapshot
        now = time.monotonic()
        signalled = self.signal.value() if self.signal is not None else None
        if current is not None and now - self._checked_at < self.recheck_seconds and signalled == self._signal_seen:
            return current
        self._checked_at = now
        # Read before the version: a change committed after this read raises the signal after it, so the next
        # request looks again.
        self._signal_seen = signalled
        version = self.store.version()
        base = self._buurten_base()
        if current is not None and current.version == version and current.base is base:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version or self._snapshot.base is not base:
                self._snapshot = self._next(self._snapshot, version, base)
                if self.warm_outlines:  # after the snapshot, so that making them never delays the first answer
                    base.warm_up()
            return self._snapshot

    def _next(self, current: Snapshot | None, version, base: BuurtenBase) -> Snapshot:
        """The snapshot at version: current updated by the groups changed since, or one built from scratch (also
        when the buurten themselves changed)."""
        if current is not None and current.base is base:
            changes = self.store.changes(version_part(current.version, 0), version_part(version, 0))
            if changes is not None:
                return current.updated(changes, version)
        if self._coverage_base is None or self._coverage_for is not base:
            self._coverage_base, self._coverage_for = BuurtenRD(base.buurten, self.sliver), base
        snapshot = Snapshot(base, self.store.list(), version, self.address_points, coverage_base=self._coverage_base)
        release_freed_memory()  # what reading every group needed for a moment
        return snapshot

    def _buurten_base(self) -> BuurtenBase:
        """The buurten's base, made again when their source (the wijken file) has changed since: looked at once
        in recheck_seconds, also when this process has just committed a change (that concerns the groups)."""
        now = time.monotonic()
        if self._base is not None and now - self._stamped_at < self.recheck_seconds:
            return self._base
        self._stamped_at = now
        stamp = self.source.stamp() if self.source else None
        if stamp is None and self._base is not None:  # the file is being replaced by hand: keep what we have
            return self._base
        if self._base is None or stamp != self._base_stamp:
            with self._lock:
                if self._base is None or stamp != self._base_stamp:
                    # Where the outlines are kept is named before reading: a file replaced meanwhile keeps
                    # the outlines of what was read under the older version's name.
                    copy = getattr(self.source, "outline_copy", lambda: None)()
                    buurten = self.source.load() if self.source else self.buurten
                    assert buurten is not None  # a list, or a source to load it from
                    self._base, self._base_stamp = BuurtenBase(buurten, stamp, copy), stamp
        return self._base


__all__ = [
    "AreaIndex",
    "BuurtenBase",
    "GroupIndex",
    "PointAnswer",
    "Registry",
    "Snapshot",
    "area_m2",
    "compute_coverage",
]
