"""Point answers and neighbourhood coverage on small fixed shapes."""

from pathlib import Path

import numpy as np
import pytest
import shapely

from geo_registry.domain.groups import Group, GroupStatus, GroupStore, import_groups
from geo_registry.spatial.buurten import load_buurten
from geo_registry.spatial.register import Registry, Snapshot
from geo_registry.store.db import make_engine, upgrade

pytestmark = pytest.mark.both_databases  # answers from the stored areas, on SQLite and PostgreSQL

DATA = Path(__file__).parent / "data"


@pytest.fixture
def store(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    return GroupStore(engine)


@pytest.fixture
def tiny(store):
    buurten = load_buurten(DATA / "tiny_buurten.geojson")
    report = import_groups(store, DATA / "tiny_groups.geojson")
    assert len(report.added) == 3
    return Registry(buurten, store)


def names(items):
    return sorted(item.name for item in items)


def test_point_inside_one_group(tiny):
    answer = tiny.snapshot().answer(52.258, 5.2025)
    assert answer.in_gemeente and answer.buurt.name == "West"
    assert names(answer.groups) == ["Groot"]


def test_point_in_two_overlapping_groups(tiny):
    answer = tiny.snapshot().answer(52.252, 5.207)
    assert names(answer.groups) == ["Groot", "Klein"]


def test_point_in_municipality_without_group(tiny):
    answer = tiny.snapshot().answer(52.252, 5.218)
    assert answer.in_gemeente and answer.buurt.name == "Oost" and answer.groups == []


def test_point_outside_the_municipality(tiny):
    answer = tiny.snapshot().answer(52.30, 5.21)
    assert not answer.in_gemeente and answer.buurt is None and answer.groups == []


def test_point_on_a_border_belongs_to_both_sides(tiny):
    on_wijk_border = tiny.snapshot().answer(52.252, 5.21)
    assert names(on_wijk_border.buurten) == ["Oost", "West"]
    assert names(on_wijk_border.groups) == ["Groot", "Klein"]  # Klein's east edge lies on 5.21
    on_group_border = tiny.snapshot().answer(52.258, 5.215)
    assert names(on_group_border.groups) == ["Groot", "Hoek Oost"]


def test_index_is_refreshed_when_groups_change(tiny, store):
    first = tiny.snapshot()
    assert tiny.snapshot() is first  # built once, reused while nothing changes
    hoek = next(g for g in first.groups if g.name == "Hoek Oost")
    store.set_status(hoek.id, "inactive")
    second = tiny.snapshot()
    assert second is not first
    assert second.answer(52.258, 5.218).groups == []


def test_inactive_groups_are_not_answered(tiny, store):
    groot = next(g for g in tiny.snapshot().groups if g.name == "Groot")
    store.set_status(groot.id, "inactive")
    assert names(tiny.snapshot().answer(52.252, 5.207).groups) == ["Klein"]


def test_snapshot_without_groups_answers_nothing():
    buurten = load_buurten(DATA / "tiny_buurten.geojson")
    assert Snapshot(buurten, []).answer(52.255, 5.205).groups == []


def test_a_large_index_agrees_with_checking_every_area():
    """Above AreaIndex.SMALL areas the grid is used: it must answer exactly what a full scan answers,
    also on the grid's own edges and on shared borders."""
    from geo_registry.spatial.register import AreaIndex

    boxes = [
        shapely.box(5.0 + 0.01 * i, 52.0 + 0.01 * j, 5.01 + 0.01 * i, 52.01 + 0.01 * j)
        for i in range(10)
        for j in range(10)
    ]  # 100 squares sharing their borders
    index = AreaIndex(list(range(100)), boxes)
    rng = np.random.default_rng(5)
    points = list(zip(rng.uniform(4.99, 5.11, 500), rng.uniform(51.99, 52.11, 500)))
    points += [(5.0, 52.0), (5.1, 52.1), (5.05, 52.05), (5.03, 52.0), (5.1, 52.04)]  # corners and edges
    for x, y in points:
        expected = [k for k, geom in enumerate(boxes) if geom.intersects(shapely.Point(x, y))]
        assert index.at_xy(x, y) == expected, (x, y)
    assert index.at_xy(5.05, 52.05) == [44, 45, 54, 55]  # a shared corner belongs to all four


@pytest.mark.parametrize("swapped", [False, True], ids=["lon-lat", "lat-lon"])
def test_a_large_index_of_irregular_areas_agrees_with_a_scan_at_their_corners(swapped):
    """Drawn shapes, an empty one among them: every vertex and every corner of every bounding box (the grid's
    cells are found from those corners) is answered as a full scan answers it; also with x and y swapped, so
    that no mix-up of the two can go unseen because one is always the smaller."""
    from geo_registry.spatial.register import AreaIndex

    rng = np.random.default_rng(11)
    corners = list(zip(rng.uniform(5.0, 5.2, 120), rng.uniform(52.0, 52.2, 120)))
    shapes = [
        shapely.Polygon(np.c_[x + rng.uniform(0, 0.02, 7), y + rng.uniform(0, 0.02, 7)]).convex_hull for x, y in corners
    ]
    if swapped:
        shapes = [shapely.transform(shape, lambda xy: xy[:, ::-1]) for shape in shapes]
    shapes[17] = shapely.Polygon()
    index = AreaIndex(list(range(len(shapes))), shapes)
    points = [tuple(p) for p in shapely.get_coordinates(shapes)]
    for minx, miny, maxx, maxy in shapely.bounds([s for s in shapes if not s.is_empty]):
        points += [(minx, miny), (maxx, maxy), (minx, maxy), (maxx, miny)]
    randoms = list(zip(rng.uniform(4.99, 5.23, 300), rng.uniform(51.99, 52.23, 300)))
    points += [(y, x) for x, y in randoms] if swapped else randoms
    for x, y in points:
        assert index.at_xy(x, y) == list(np.flatnonzero(shapely.intersects_xy(shapes, x, y))), (x, y)
        assert index.at(shapely.Point(x, y)) == index.at_xy(x, y)


@pytest.mark.parametrize("count", [47, 48, 49])
def test_an_index_answers_alike_just_below_at_and_above_the_size_that_uses_the_grid(count):
    from geo_registry.spatial.register import AreaIndex

    squares = [shapely.box(5.0 + 0.01 * i, 52.0, 5.01 + 0.01 * i, 52.01) for i in range(count)]
    index = AreaIndex(list(range(count)), squares)
    assert index.at_xy(5.005, 52.005) == [0]
    assert index.at_xy(5.01, 52.005) == [0, 1]  # a shared border
    assert index.at_xy(5.0 + 0.01 * count - 0.005, 52.005) == [count - 1]
    assert index.at_xy(4.9, 52.005) == [] and index.at_xy(5.005, 52.2) == []


def test_an_index_of_only_empty_areas_answers_nothing():
    from geo_registry.spatial.register import AreaIndex

    index = AreaIndex(list(range(60)), [shapely.Polygon()] * 60)
    assert index.at_xy(5.0, 52.0) == [] and index.at_xy(0.0, 0.0) == [] and index.in_bounds((4, 51, 6, 53)) == []


@pytest.mark.parametrize("compact", [3, 256])
def test_the_group_index_updated_by_difference_answers_as_one_built_anew(compact, monkeypatch):
    """Approvals, a moved area, a rename, a removal, one after another: after each, every point and every box
    gets from the updated index what an index of the new list built from scratch gives (also when the updates
    pass the point where the index is built anew)."""
    from geo_registry.spatial.area_index import GroupIndex, group_order

    monkeypatch.setattr(GroupIndex, "COMPACT", compact)
    rng = np.random.default_rng(3)

    def square(x, y, side=0.004):
        return shapely.box(x, y, x + side, y + side)

    def made(gid, name, x, y):
        return Group(gid, name, square(x, y), "B", f"b{gid}@voorbeeld.invalid")

    groups = sorted(
        [made(i, f"Groep {i:02d}", *rng.uniform((5.0, 52.0), (5.05, 52.05))) for i in range(60)], key=group_order
    )
    index = GroupIndex(groups)
    steps = [
        {100: made(100, "Aaa nieuw", 5.01, 52.01)},  # approved
        {5: made(5, "Groep 05", 5.02, 52.02)},  # moved
        {7: made(7, "Zzz hernoemd", *groups[[g.id for g in groups].index(7)].area.bounds[:2])},  # renamed
        {9: None},  # deactivated
        {100: None, 101: made(101, "Bbb", 5.0, 52.0)},  # two at once
        {5: made(5, "Groep 05", 5.03, 52.03), 102: made(102, "Ccc", 5.04, 52.04)},
    ]
    points = list(zip(rng.uniform(4.999, 5.055, 400), rng.uniform(51.999, 52.055, 400)))
    for changes in steps:
        groups = sorted(
            [g for g in groups if g.id not in changes] + [g for g in changes.values() if g], key=group_order
        )
        index = index.updated(groups, changes)
        fresh = GroupIndex(groups)
        for x, y in points:
            assert [g.id for g in index.at_xy(x, y)] == [g.id for g in fresh.at_xy(x, y)], (changes, x, y)
            assert [g.id for g in index.at(shapely.Point(x, y))] == [g.id for g in fresh.at_xy(x, y)]
        for x, y in points[:40]:
            box = (x, y, x + 0.01, y + 0.01)
            assert [g.id for g in index.in_bounds(box)] == [g.id for g in fresh.in_bounds(box)], (changes, box)


def test_a_lookup_never_waits_for_the_municipality_outline(buurten, monkeypatch):
    """The outline (a union of every buurt: seconds at national size) is not needed to answer a point: inside
    a buurt is inside the municipality; it is made once, in the background, after the first snapshot."""
    import threading

    from geo_registry.spatial import register as spatial
    from geo_registry.spatial.buurten import gemeente_shape
    from geo_registry.spatial.register import Registry

    made, may_make = [], threading.Event()

    def slow_outline(parts):
        may_make.wait(10)  # a national union, in effect: nothing may wait for it
        made.append(len(parts))
        return gemeente_shape(parts)

    monkeypatch.setattr(spatial, "gemeente_shape", slow_outline)
    registry = Registry(buurten, _EmptyStore(), warm_outlines=True)
    snapshot = registry.snapshot()
    inside_point = buurten[0].geometry.representative_point()
    assert snapshot.answer(inside_point.y, inside_point.x).in_gemeente is True
    assert snapshot.answer(52.0, 5.0).in_gemeente is False  # well outside Laren
    assert made == []
    may_make.set()
    snapshot.base.warm_up().join(10)
    assert made == [len(buurten)]  # once, for the one municipality and for all together
    assert snapshot.gemeente.equals(gemeente_shape(buurten)) and registry.snapshot().gemeente is snapshot.gemeente
    assert made == [len(buurten)]


class _EmptyStore:
    """A register without groups, as far as a Registry asks."""

    def on_change(self, listener):
        """Nothing changes it."""

    def version(self):
        """Always the first version."""
        return (0, 0)

    def list(self):
        """No groups."""
        return []


@pytest.mark.parametrize("swapped", [False, True], ids=["x", "y"])
def test_a_point_on_an_edge_a_rounding_away_from_a_cell_border_is_found(swapped):
    """(v - x0) / dx rounds up to 14 here while the floor division the grid is built with gives 13: the lookup
    must find the cell the same way, or an area whose box ends at v is not found at its own edge."""
    from geo_registry.spatial.register import AreaIndex

    x0, far, v = 5.0, 5.315829371011096, 5.157914685505548  # 49 areas: a grid of 28 cells a side
    assert (v - x0) / ((far - x0) / 28) == 14.0 and (v - x0) // ((far - x0) / 28) == 13.0
    steps = np.linspace(x0, far - 0.001, 48)
    boxes = [shapely.box(x, 52.1, x + 0.001, 52.101) for x in steps[:-1]]
    boxes.append(shapely.box(far - 0.001, 52.1, far, 52.101))
    boxes.append(shapely.box(v - 0.001, 52.0, v, 52.001))
    point = (v, 52.0005)
    if swapped:
        boxes = [shapely.transform(b, lambda xy: xy[:, ::-1]) for b in boxes]
        point = point[::-1]
    assert AreaIndex(list(range(49)), boxes).at_xy(*point) == [48]


@pytest.mark.parametrize("swapped", [False, True], ids=["column", "row"])
def test_an_area_lying_only_in_the_last_cells_is_found(swapped):
    """49 squares one above the other: the top one lies wholly in the grid's last row (or column)."""
    from geo_registry.spatial.register import AreaIndex

    squares = [shapely.box(5.0, 52.0 + 0.01 * i, 5.01, 52.01 + 0.01 * i) for i in range(49)]
    point = (5.005, 52.485)
    if swapped:
        squares = [shapely.transform(s, lambda xy: xy[:, ::-1]) for s in squares]
        point = point[::-1]
    assert AreaIndex(list(range(49)), squares).at_xy(*point) == [48]


def _coverage_figures(snapshot):
    """Every buurt's coverage as plain figures: area, covered area, groups and shares, addresses."""
    return [
        (
            c.buurt.code,
            round(c.area_m2, 3),
            round(c.covered_m2, 3),
            [(g.id, round(s, 9)) for g, s in c.groups],
            c.addresses,
            c.addresses_covered,
        )
        for c in snapshot.coverage()
    ]


def test_a_snapshot_updated_by_difference_equals_one_made_anew(buurten):
    """Approve, move, rename, deactivate, several at once: after each, the snapshot made from the previous one
    lists the same groups, answers every point, gives every buurt's coverage (with addresses) and every group's
    address count exactly as a snapshot made from scratch, and keeps what does not change (addresses, buurten)."""
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.spatial.area_index import group_order

    rng = np.random.default_rng(8)
    minx, miny, maxx, maxy = shapely.total_bounds([b.geometry for b in buurten])
    lons, lats = rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000)
    reads = []

    def points():
        reads.append(1)
        return lons, lats

    def square(x, y, side=0.004):
        return shapely.box(x, y, x + side, y + side)

    def made(gid, name, area):
        return Group(gid, name, area, "B", f"b{gid}@voorbeeld.invalid")

    codes = [b.code for b in buurten]
    groups = sorted(
        [
            made(1, "Heel een buurt", area_from_buurten(codes[:1], buurten)),
            made(2, "Twee buurten", area_from_buurten(codes[1:3], buurten)),
            made(3, "Hoekje", square(minx + 0.01, miny + 0.01)),
        ],
        key=group_order,
    )
    snapshot = Snapshot(buurten, groups, (1, 0), points)
    snapshot.coverage(), snapshot.group_addresses()  # what the successors update by difference
    steps = [
        {4: made(4, "Nieuw", square((minx + maxx) / 2, (miny + maxy) / 2, 0.01))},
        {3: made(3, "Hoekje", square(minx + 0.02, miny + 0.02))},
        {2: made(2, "Aaa hernoemd", groups[[g.id for g in groups].index(2)].area)},
        {1: None},
        {4: None, 5: made(5, "Vijf", area_from_buurten(codes[3:5], buurten)), 3: None},
    ]
    probes = list(zip(rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)))
    for number, changes in enumerate(steps, start=2):
        groups = sorted(
            [g for g in groups if g.id not in changes] + [g for g in changes.values() if g], key=group_order
        )
        snapshot = snapshot.updated(changes, (number, 0))
        fresh = Snapshot(buurten, groups, (number, 0), lambda: (lons, lats))
        assert [g.id for g in snapshot.groups] == [g.id for g in fresh.groups]
        assert snapshot.version == (number, 0) and snapshot.base is not None
        for lon, lat in probes:
            mine, theirs = snapshot.answer(lat, lon), fresh.answer(lat, lon)
            assert (
                (mine.lat, mine.lon, mine.in_gemeente)
                == (theirs.lat, theirs.lon, theirs.in_gemeente)
                == (lat, lon, theirs.in_gemeente)
            )
            assert [g.id for g in mine.groups] == [g.id for g in theirs.groups]
            assert [b.code for b in mine.buurten] == [b.code for b in theirs.buurten]
        assert _coverage_figures(snapshot) == _coverage_figures(fresh)
        assert snapshot.group_addresses() == fresh.group_addresses()
    assert len(reads) == 1  # the address table was read once, by the first snapshot
    # A change of the addresses' version: the successor reads them again rather than keep the old ones.
    moved = snapshot.updated({}, (len(steps) + 2, 1))
    assert moved.points() is not None and len(reads) == 2


def test_a_set_of_buurten_has_their_bounds_the_outline_of_each_municipality_and_a_version_of_its_own(buurten):
    """The map is fitted to the buurten's bounds; the outline of several municipalities holds all of them, each
    municipality's its own; the API's ETag changes with the buurten (their version), and only with them."""
    from geo_registry.spatial.register import BuurtenBase

    base = BuurtenBase(buurten)
    assert base.bounds == tuple(shapely.total_bounds([b.geometry for b in buurten]))
    assert base.version and base.version == BuurtenBase(buurten).version != BuurtenBase(buurten[:-1]).version
    assert (
        BuurtenBase(buurten, ("wijken.geojson", 1)).version
        == BuurtenBase(buurten, ("wijken.geojson", 1)).version
        != BuurtenBase(buurten, ("wijken.geojson", 2)).version
    )
    bel = BuurtenBase(load_buurten(Path(__file__).parent.parent / "data" / "bel_wijken.geojson"))
    assert set(bel.gemeenten) == {"GM0317", "GM0376", "GM0417"}
    for code, outline in bel.gemeenten.items():
        inside = [b for b in bel.buurten if b.gemeentecode == code]
        assert all(outline.covers(b.geometry.representative_point()) for b in inside)
        assert bel.gemeente.covers(outline.representative_point())
    assert shapely.area(bel.gemeente) == pytest.approx(sum(shapely.area(o) for o in bel.gemeenten.values()))


def test_updated_twice_without_a_look_at_coverage_between_it_still_equals_coverage_made_anew(buurten):
    """Coverage asked for only after two changes: the second successor combines both changes' areas."""
    from geo_registry.domain.areas import area_from_buurten

    codes = [b.code for b in buurten]
    first = Group(1, "Een", area_from_buurten(codes[:1], buurten), "B", "b1@voorbeeld.invalid")
    snapshot = Snapshot(buurten, [first], (1, 0))
    snapshot.coverage()
    moved = Group(1, "Een", area_from_buurten(codes[2:3], buurten), "B", "b1@voorbeeld.invalid")
    second = Group(2, "Twee", area_from_buurten(codes[4:5], buurten), "B", "b2@voorbeeld.invalid")
    twice = snapshot.updated({1: moved}, (2, 0)).updated({2: second}, (3, 0))
    assert _coverage_figures(twice) == _coverage_figures(Snapshot(buurten, [moved, second], (3, 0)))


class CountingStore:
    """A group store that counts how often the whole list of groups is read (a snapshot made from scratch) and
    how often its version is asked for."""

    def __init__(self, store):
        self.store, self.full_reads, self.version_reads = store, 0, 0

    def list(self, *args, **kwargs):
        self.full_reads += 1
        return self.store.list(*args, **kwargs)

    def version(self):
        self.version_reads += 1
        return self.store.version()

    def __getattr__(self, name):
        return getattr(self.store, name)


def counted(monkeypatch, module, name, made: list):
    """Replace module.name (a class or function) by one that notes each call in made."""
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **kwargs: made.append(name) or real(*args, **kwargs))


def test_an_approval_updates_the_snapshot_by_difference_and_what_never_changes_is_made_once(store, monkeypatch):
    """Issue 11: after a change the next snapshot is made from the previous one: the groups are not all read
    again, the group index is not built anew and coverage is not computed from scratch; the buurten in RD New
    are made once; within the recheck interval the database is not asked again; the address points given to the
    registry reach its snapshots' coverage."""
    from geo_registry.spatial import coverage as coverage_module
    from geo_registry.spatial import register as spatial

    made = []
    counted(monkeypatch, spatial, "BuurtenRD", made)
    counted(monkeypatch, coverage_module, "BuurtenRD", made)
    counted(monkeypatch, spatial, "GroupIndex", made)
    counted(monkeypatch, spatial, "compute_coverage", made)
    buurten = load_buurten(DATA / "tiny_buurten.geojson")
    import_groups(store, DATA / "tiny_groups.geojson")
    counting = CountingStore(store)
    inside = buurten[0].geometry.representative_point()
    registry = Registry(
        buurten, counting, address_points=lambda: (np.array([inside.x]), np.array([inside.y])), recheck_seconds=60
    )
    first = registry.snapshot()
    assert registry.snapshot() is first and counting.version_reads == 1  # within the interval: not asked again
    assert sum(c.addresses for c in first.coverage()) == 1
    group = store.list()[0]
    store.set_status(group.id, GroupStatus.INACTIVE)  # a public change, committed through the store
    second = registry.snapshot()
    assert second is not first and group.id not in [g.id for g in second.groups]
    assert sum(c.addresses for c in second.coverage()) == 1
    assert counting.full_reads == 1  # the first snapshot read them all; the second only the change
    assert sorted(made) == ["BuurtenRD", "GroupIndex", "compute_coverage"]  # each once, for the first snapshot


class WijkenSource:
    """Stands for the wijken file: its stamp, and the buurten read from it."""

    def __init__(self, buurten):
        self.buurten, self.stamp_now, self.loads = buurten, ("wijken.geojson", 1), 0

    def stamp(self):
        return self.stamp_now

    def load(self):
        self.loads += 1
        return self.buurten


def test_a_new_wijken_file_is_read_once_and_coverage_follows_it(store):
    """A new wijken file (another stamp) gives snapshots with its buurten and their coverage; the same file is not
    read again; a file being replaced (no stamp for a moment) leaves the buurten as they were."""
    buurten = load_buurten(DATA / "tiny_buurten.geojson")
    import_groups(store, DATA / "tiny_groups.geojson")
    source = WijkenSource(buurten)
    registry = Registry(source, store, recheck_seconds=0)
    assert [c.buurt.code for c in registry.snapshot().coverage()] == [b.code for b in buurten]
    registry.snapshot()
    assert source.loads == 1
    source.buurten, source.stamp_now = buurten[1:], ("wijken.geojson", 2)
    assert [c.buurt.code for c in registry.snapshot().coverage()] == [b.code for b in buurten[1:]]
    assert source.loads == 2 and registry.snapshot().base.stamp == ("wijken.geojson", 2)
    source.stamp_now = None  # the file is being replaced by hand
    assert [b.code for b in registry.snapshot().buurten] == [b.code for b in buurten[1:]] and source.loads == 2


def test_a_group_moved_to_another_buurt_leaves_its_old_buurt_uncovered(buurten):
    """Coverage by difference recomputes the buurt a group left, not only the one it moved to."""
    from geo_registry.domain.areas import area_from_buurten

    codes = [b.code for b in buurten]
    here = Group(1, "Verhuisd", area_from_buurten(codes[:1], buurten), "B", "b1@voorbeeld.invalid")
    snapshot = Snapshot(buurten, [here], (1, 0))
    assert snapshot.coverage()[0].covered_m2 > 0
    far = next(b.code for b in buurten if not b.geometry.buffer(0.001).intersects(buurten[0].geometry))
    there = Group(1, "Verhuisd", area_from_buurten([far], buurten), "B", "b1@voorbeeld.invalid")
    moved = snapshot.updated({1: there}, (2, 0))
    assert _coverage_figures(moved) == _coverage_figures(Snapshot(buurten, [there], (2, 0)))
    assert moved.coverage()[0].covered_m2 == 0


def test_a_change_made_by_another_process_is_seen_within_a_second(store, db_url):
    """Another worker process (or a command) changes a group: this process is not told, yet its next snapshot
    after a second has the change (the database's version is looked at every quarter of a second)."""
    import time

    import_groups(store, DATA / "tiny_groups.geojson")
    registry = Registry(load_buurten(DATA / "tiny_buurten.geojson"), store)
    first = registry.snapshot()
    looked = time.monotonic()
    other = GroupStore(make_engine(db_url))  # the other process's own store: this registry hears nothing of it
    gone = first.groups[0].id
    other.set_status(gone, GroupStatus.INACTIVE)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - looked)))  # a second after this process last looked
    assert gone not in [g.id for g in registry.snapshot().groups]
