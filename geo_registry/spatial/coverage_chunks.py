"""Coverage from scratch on every core: the buurten in strips, each strip computed in its own process with the
same shapely calls as in one process, so the answers are the same to the last bit.

A strip travels as WKB (one vectorised call, not a pickle per shape) with only the groups and addresses whose
bounding boxes meet it; what comes back is the figures per buurt and the buurten in RD New, which the process
keeps for the updates that follow (an approval then recomputes only the buurten it touches)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely

from geo_registry.core.geometry import RD_NEW, WGS84, transformer

# Below this many buurten one process is faster than starting others (Laren has 10; the country 13,000).
PARALLEL_FROM = 1_000
# WGS84 degrees around a strip's box (~100 m): the exact test is made in RD New, whose straight edges bend a
# little against WGS84's, so the boxes must not be compared edge to edge.
MARGIN = 1e-3


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def processes_for(buurten: int) -> int:
    """How many processes coverage from scratch uses for this many buurten."""
    return usable_cores() if buurten >= PARALLEL_FROM else 1


def to_rd_many(geometries) -> np.ndarray:
    """Reproject many WGS84 geometries to RD New in one call."""
    return shapely.transform(
        np.array(geometries, dtype=object), transformer(WGS84, RD_NEW).transform, interleaved=False
    )


def union_of(pieces, areas):
    """The union of the pieces with an area, or None when there are none."""
    pieces = pieces[areas > 0]
    if not len(pieces):
        return None
    return pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)


@dataclass
class Pieces:
    """Per buurt (positions), the groups meeting it, their pieces' areas and the union of the pieces: pairs
    sorted by buurt, then group, and starts/ends the slice of each position's pairs."""

    pb: np.ndarray
    pg: np.ndarray
    areas: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    unions: list


def pieces_of(shapes_rd, positions, pb, pg, group_rd, sliver=None) -> Pieces:
    """The pieces of the groups in the buurten: shapes_rd[pb] meets group_rd[pg]; pieces are combined in the
    groups' order, so that a buurt computed alone equals one computed with all. A piece that sliver(m2, share of
    the buurt) calls a sliver gets area 0: it counts for nothing (not in the share, the union or the addresses)."""
    order = np.lexsort((pg, pb))
    pb, pg = pb[order], pg[order]
    pieces = np.array(group_rd, dtype=object)[pg] if len(pg) else np.array([], dtype=object)
    if len(pg):
        shapes = shapes_rd[pb]
        # A group inside its buurt is its own piece: the exact (costly) intersection is needed at borders only.
        border = ~shapely.contains_properly(shapes, pieces)
        pieces[border] = shapely.intersection(pieces[border], shapes[border])
    areas = shapely.area(pieces) if len(pg) else np.array([])
    if sliver is not None and len(pg):
        areas[sliver(areas, areas / shapely.area(shapes_rd[pb]))] = 0.0
    starts = np.searchsorted(pb, positions)
    ends = np.searchsorted(pb, positions, side="right")
    unions = [union_of(pieces[s:e], areas[s:e]) for s, e in zip(starts, ends)]
    return Pieces(pb, pg, areas, starts, ends, unions)


def count_inside(lon, lat, inside, areas) -> int:
    """How many of the points at positions inside lie in some of the (WGS84) areas."""
    if not len(inside) or not len(areas):
        return 0
    hit = np.zeros(len(inside), dtype=bool)
    for area in areas:
        hit |= shapely.intersects_xy(area, lon[inside], lat[inside])
    return int(hit.sum())


@dataclass
class Strip:
    """What one process needs for a strip of buurten: the buurten (WGS84, and in RD New when the caller holds
    them), the groups whose boxes meet the strip with their positions, the addresses in its box with theirs."""

    positions: np.ndarray
    buurten_wkb: np.ndarray
    rd_wkb: np.ndarray | None
    group_positions: np.ndarray
    groups_wkb: np.ndarray
    point_positions: np.ndarray | None
    lon: np.ndarray | None
    lat: np.ndarray | None
    sliver: object = None  # the overlaps that count for nothing (coverage.Sliver), called as in pieces_of


@dataclass
class StripFigures:
    """What a process sends back for its strip: figures per buurt, positions global."""

    positions: np.ndarray
    rd_wkb: np.ndarray
    pieces: Pieces  # pg are positions in the whole list of groups; unions as WKB
    addresses: list | None  # per buurt, the positions of the addresses in it
    inside: list | None  # per buurt, how many of them lie in some group's area


def strip_figures(strip: Strip) -> StripFigures:
    """Compute one strip (in a worker process)."""
    wgs = shapely.from_wkb(strip.buurten_wkb)
    rd = shapely.from_wkb(strip.rd_wkb) if strip.rd_wkb is not None else to_rd_many(wgs)
    shapely.prepare(rd)
    groups_wgs = shapely.from_wkb(strip.groups_wkb)
    group_rd = to_rd_many(groups_wgs) if len(groups_wgs) else np.array([], dtype=object)
    local = np.arange(len(rd))
    pb, pg = shapely.STRtree(group_rd).query(rd, predicate="intersects") if len(group_rd) else ([], [])
    pieces = pieces_of(rd, local, np.asarray(pb, dtype=int), np.asarray(pg, dtype=int), group_rd, strip.sliver)
    addresses = inside = None
    if strip.lon is not None and strip.lat is not None and strip.point_positions is not None:
        tree_b, found = shapely.STRtree(shapely.points(strip.lon, strip.lat)).query(wgs, predicate="intersects")
        order = np.argsort(tree_b, kind="stable")
        offsets = np.searchsorted(tree_b[order], np.arange(len(wgs) + 1))
        found = found[order]
        addresses, inside = [], []
        for i, (s, e) in enumerate(zip(pieces.starts, pieces.ends)):
            mine = found[offsets[i] : offsets[i + 1]]
            addresses.append(strip.point_positions[mine])
            counted = pieces.pg[s:e][pieces.areas[s:e] > 0]  # no slivers
            inside.append(count_inside(strip.lon, strip.lat, mine, groups_wgs[counted]))
    pieces.pb = strip.positions[pieces.pb]
    pieces.pg = strip.group_positions[pieces.pg]
    pieces.unions = list(shapely.to_wkb(np.array(pieces.unions, dtype=object)))
    return StripFigures(strip.positions, shapely.to_wkb(rd), pieces, addresses, inside)


def strips(buurten_wgs, rd, groups_wgs, points, count: int, sliver=None) -> list[Strip]:
    """The buurten cut into count strips west to east, each with what meets its box."""
    bounds = shapely.bounds(buurten_wgs)
    group_bounds = shapely.bounds(groups_wgs)
    order = np.argsort((bounds[:, 0] + bounds[:, 2]) / 2, kind="stable")
    result = []
    for positions in np.array_split(order, count):
        positions = np.sort(positions)
        minx, miny = bounds[positions, 0].min() - MARGIN, bounds[positions, 1].min() - MARGIN
        maxx, maxy = bounds[positions, 2].max() + MARGIN, bounds[positions, 3].max() + MARGIN
        meets = (
            (group_bounds[:, 0] <= maxx)
            & (group_bounds[:, 2] >= minx)
            & (group_bounds[:, 1] <= maxy)
            & (group_bounds[:, 3] >= miny)
        )
        group_positions = np.flatnonzero(meets)  # ascending: the groups' order is kept
        point_positions = lon = lat = None
        if points is not None:
            x, y = points
            point_positions = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
            lon, lat = x[point_positions], y[point_positions]
        result.append(
            Strip(
                positions,
                shapely.to_wkb(buurten_wgs[positions]),
                shapely.to_wkb(rd[positions]) if rd is not None else None,
                group_positions,
                shapely.to_wkb(groups_wgs[group_positions]),
                point_positions,
                lon,
                lat,
                sliver,
            )
        )
    return result


def compute_strips(buurten_wgs, rd, groups_wgs, points, processes: int, sliver=None) -> list[StripFigures]:
    """Every strip's figures, computed by `processes` worker processes (two strips each, for balance on a busy
    machine). Forked while this process has one thread; from a fork server otherwise (a fork copies no other
    thread, and whatever lock one of them held would stay held in the child). Each worker opens its own session:
    Linux shares the processor between sessions first (autogroup), and PostgreSQL's server, the anchor, runs in one
    of its own (pg_ctl starts it so); in this process's session the workers would share one slice on a busy machine."""
    method = "fork" if threading.active_count() == 1 else "forkserver"
    tasks = strips(buurten_wgs, rd, groups_wgs, points, 2 * processes, sliver)
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_own_session) as pool:
        return list(pool.map(strip_figures, tasks))


def _own_session() -> None:
    """Start a session of its own (a worker process)."""
    try:
        os.setsid()
    except OSError:  # already a session leader, or not allowed: share the parent's
        pass
