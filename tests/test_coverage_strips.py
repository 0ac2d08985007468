"""Coverage from scratch on several processes (geo_registry/spatial/coverage_chunks.py) gives today's answers: the
same as in one process to the last bit, and within 1e-9 of a share of a naive reference on generated data."""

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import group_areas, neighbourhoods, points_in  # noqa: E402

from geo_registry.spatial.coverage import BuurtenRD, Sliver, compute_coverage, to_rd_many  # noqa: E402

pytestmark = pytest.mark.slow  # worker processes

# A corner of the country: 150 buurten with groups large enough to cross borders and overlap each other.
BOUNDS = (100_000, 400_000, 130_000, 430_000)
EVERY_OVERLAP = Sliver(0.0, 0.0)  # no overlap is too small to count


@pytest.fixture(scope="module")
def country():
    rng = np.random.default_rng(24)
    buurten = neighbourhoods(rng, 150, BOUNDS)
    groups = group_areas(rng, 120, BOUNDS, radius=(500, 2_500))
    return buurten, groups, points_in(rng, 3_000, BOUNDS)


def figures(result):
    """Everything a page or export reads from a coverage, per buurt."""
    return [
        (
            c.buurt.code,
            c.area_m2,
            c.covered_m2,
            [(g.id, share) for g, share in c.groups],
            c.addresses,
            c.addresses_covered,
            shapely.to_wkb(c.uncovered),
        )
        for c in result
    ]


def naive(buurten, groups, points):
    """The reference: per buurt, every group tested in turn (no index), the union of those meeting it cut out of
    the buurt; every address tested against the buurt and every group."""
    areas = to_rd_many([g.area for g in groups])
    result = []
    for buurt, shape in zip(buurten, to_rd_many([b.geometry for b in buurten])):
        meeting = [area for area in areas if area.intersects(shape)]
        covered = shape.intersection(shapely.union_all(meeting)).area if meeting else 0.0
        inside = shapely.intersects_xy(buurt.geometry, *points)
        hit = np.zeros(len(points[0]), dtype=bool)
        for group in groups:
            hit |= shapely.intersects_xy(group.area, *points)
        result.append((covered / shape.area, int(inside.sum()), int((inside & hit).sum())))
    return result


def test_strips_on_two_processes_give_the_same_answers_as_one_process_and_the_naive_scan(country):
    buurten, groups, points = country
    # Every overlap counts here, as in the naive reference (slivers: the last test).
    alone = compute_coverage(buurten, groups, points, BuurtenRD(buurten, sliver=EVERY_OVERLAP), processes=1)
    base = BuurtenRD(buurten, sliver=EVERY_OVERLAP)
    strips = compute_coverage(buurten, groups, points, base, processes=2)
    assert figures(strips) == figures(alone)  # to the last bit, uncovered parts too
    reference = naive(buurten, groups, points)
    assert sum(c.share > 0 for c in strips) > 50 and sum(len(c.groups) > 1 for c in strips) > 20  # a real test
    assert [(c.addresses, c.addresses_covered) for c in strips] == [r[1:] for r in reference]
    assert max(abs(c.share - r[0]) for c, r in zip(strips, reference)) <= 1e-9
    # What the process keeps for later updates is what one process would have made itself.
    held = BuurtenRD(buurten)
    assert bool(np.all(shapely.equals_identical(base.rd, held.rd)))
    ours, theirs = base.addresses(points), held.addresses(points)
    assert np.array_equal(ours[2], theirs[2])
    assert all(sorted(ours[1][s:e]) == sorted(theirs[1][s:e]) for s, e in zip(theirs[2][:-1], theirs[2][1:]))


def test_strips_from_a_process_with_threads_use_a_fork_server_and_agree(country):
    """A web worker has threads: forking it could copy a lock another thread holds, so the strips start from a
    fork server there; the answers are the same."""
    buurten, groups, points = country
    held = BuurtenRD(buurten)
    _ = held.rd  # the buurten in RD New made before, as a process that showed coverage holds them
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    beside.start()
    try:
        strips = compute_coverage(buurten, groups, points, held, processes=2)
    finally:
        stop.set()
        beside.join()
    assert figures(strips) == figures(compute_coverage(buurten, groups, points, processes=1))


def test_strips_without_an_address_table(country):
    """Areas only (no address table loaded): the same figures, and no address counts."""
    buurten, groups, _ = country
    strips = compute_coverage(buurten, groups, processes=2)
    assert figures(strips) == figures(compute_coverage(buurten, groups, processes=1))
    assert {c.addresses for c in strips} == {None}


def test_strips_leave_out_the_same_slivers_as_one_process(country):
    """An overlap below the sliver threshold counts for nothing on every path: strips agree with one process, and
    the threshold really drops groups from buurten (a generous one here, so that many pieces are slivers)."""
    buurten, groups, points = country
    generous = Sliver(max_m2=200_000.0, max_share=0.05)
    alone = compute_coverage(buurten, groups, points, BuurtenRD(buurten, sliver=generous), processes=1)
    strips = compute_coverage(buurten, groups, points, BuurtenRD(buurten, sliver=generous), processes=2)
    assert figures(strips) == figures(alone)
    every = compute_coverage(buurten, groups, points, BuurtenRD(buurten, sliver=EVERY_OVERLAP), processes=2)
    dropped = sum(len(a.groups) - len(s.groups) for a, s in zip(every, strips))
    assert dropped > 10 and all(len(s.groups) <= len(a.groups) for a, s in zip(every, strips))
    assert sum(s.addresses_covered for s in strips) < sum(a.addresses_covered for a in every)
