"""Coverage per neighbourhood, checked against figures worked out by hand on small shapes."""

import numpy as np
import pytest
import shapely

from geo_registry.core.geometry import area_m2
from geo_registry.domain.groups import Group
from geo_registry.spatial.buurten import Buurt
from geo_registry.spatial.coverage import compute_coverage, coverage_class, group_address_counts


def buurt(code, name, *bounds):
    return Buurt(code, name, "WK099900", "GM0999", shapely.box(*bounds))


def group(group_id, name, *bounds):
    return Group(group_id, name, shapely.box(*bounds), "b", "b@voorbeeld.invalid")


WEST = buurt("BU1", "West", 5.20, 52.25, 5.21, 52.26)
OOST = buurt("BU2", "Oost", 5.21, 52.25, 5.22, 52.26)
NOORD = buurt("BU3", "Noord", 5.20, 52.26, 5.22, 52.27)
A = group(1, "A crosses West and Oost", 5.20, 52.25, 5.215, 52.26)  # all of West, the west half of Oost
B = group(2, "B inside A", 5.205, 52.25, 5.21, 52.255)  # a quarter of West, overlapping A
C = group(3, "C partly outside", 5.2175, 52.25, 5.23, 52.255)  # an eighth of Oost; the rest outside
POINTS = (
    np.array([5.202, 5.207, 5.212, 5.219, 5.219, 5.21]),
    np.array([52.252, 52.252, 52.257, 52.252, 52.258, 52.265]),
)


@pytest.fixture  # per test, so that each test that reads a figure computes it (and mutmut sees that)
def figures():
    return {c.buurt.name: c for c in compute_coverage([WEST, OOST, NOORD], [A, B, C], POINTS)}


def test_overlapping_groups_are_counted_once(figures):
    assert figures["West"].share == pytest.approx(1.0, abs=1e-3)
    assert [(g.name, round(s, 2)) for g, s in figures["West"].groups] == [
        ("A crosses West and Oost", 1.0),
        ("B inside A", 0.25),
    ]
    assert figures["West"].uncovered.area == pytest.approx(0, abs=1e-9)


def test_a_group_across_two_neighbourhoods_and_one_partly_outside(figures):
    oost = figures["Oost"]
    assert oost.share == pytest.approx(0.5 + 0.125, abs=2e-3)
    assert oost.area_m2 == pytest.approx(area_m2(OOST.geometry))
    assert area_m2(oost.uncovered) == pytest.approx(0.375 * oost.area_m2, rel=5e-3)
    assert [round(s, 3) for _, s in oost.groups] == [0.5, 0.125]


def test_a_neighbourhood_without_group(figures):
    noord = figures["Noord"]
    assert noord.share == 0 and noord.groups == [] and noord.status[0] == "geen"
    assert noord.uncovered.equals(NOORD.geometry)


def test_address_figures(figures):
    assert (figures["West"].addresses, figures["West"].addresses_covered) == (2, 2)
    assert (figures["Oost"].addresses, figures["Oost"].addresses_covered, figures["Oost"].addresses_without_group) == (
        3,
        2,
        1,
    )
    assert (figures["Noord"].addresses, figures["Noord"].address_share) == (1, 0.0)
    assert group_address_counts([A, B, C], POINTS) == {1: 3, 2: 1, 3: 1}


def test_without_addresses_only_areas_are_given():
    [west] = compute_coverage([WEST], [A])
    assert west.addresses is None and west.address_share is None and west.addresses_without_group is None
    assert group_address_counts([A], None) is None


@pytest.mark.parametrize("share, key", [(1.0, "heel"), (0.996, "heel"), (0.6, "groot"), (0.01, "deels"), (0.0, "geen")])
def test_classes(share, key):
    assert coverage_class(share)[0] == key


@pytest.mark.parametrize(
    "share, key, words, colour",
    [
        # The colour-blind-safe palette the legend names: dark blue, light blue, yellow, orange-red (Okabe-Ito).
        (0.995, "heel", "Helemaal gedekt", "#0072B2"),
        (0.9949, "groot", "Grotendeels gedekt", "#56B4E9"),
        (0.5, "groot", "Grotendeels gedekt", "#56B4E9"),
        (0.4999, "deels", "Deels gedekt", "#F0E442"),
        (1e-9, "deels", "Deels gedekt", "#F0E442"),
        (1e-10, "geen", "Nog geen groep", "#D55E00"),
    ],
)
def test_class_boundaries_as_the_legend_states_them(share, key, words, colour):
    """The legend promises: from 99.5% 'helemaal', from 50% 'grotendeels', any part 'deels', with these colours."""
    assert coverage_class(share) == (key, words, colour)


@pytest.mark.both_databases
def test_snapshot_caches_coverage_until_groups_change(db_url):
    from pathlib import Path

    from geo_registry.domain.groups import GroupStore, import_groups
    from geo_registry.spatial.buurten import load_buurten
    from geo_registry.spatial.register import Registry
    from geo_registry.store.db import make_engine, upgrade

    data = Path(__file__).parent / "data"
    engine = make_engine(db_url)
    upgrade(engine)
    store = GroupStore(engine)
    import_groups(store, data / "tiny_groups.geojson")
    registry = Registry(load_buurten(data / "tiny_buurten.geojson"), store)
    first = registry.snapshot().coverage()
    assert registry.snapshot().coverage() is first  # not recomputed on every view
    assert {c.buurt.name: round(c.share, 2) for c in first} == {"West": 1.0, "Oost": 0.75}
    hoek = next(g for g in store.list() if g.name == "Hoek Oost")
    store.set_status(hoek.id, "inactive")
    assert {c.buurt.name: round(c.share, 2) for c in registry.snapshot().coverage()} == {"West": 1.0, "Oost": 0.5}


def test_an_address_counts_only_in_the_neighbourhood_it_lies_in():
    """A triangular buurt: an address in the corner of its bounding box but outside it is not its address."""
    triangle = Buurt(
        "BU4", "Driehoek", "WK099900", "GM0999", shapely.Polygon([(5.20, 52.25), (5.22, 52.25), (5.20, 52.27)])
    )
    points = (np.array([5.201, 5.219]), np.array([52.251, 52.269]))  # inside; in the box's far corner only
    empty = buurt("BU5", "Leeg", 5.30, 52.30, 5.31, 52.31)
    [figures, leeg] = compute_coverage([triangle, empty], [], points)
    assert (figures.addresses, figures.addresses_covered) == (1, 0)
    assert (leeg.addresses, leeg.addresses_without_group) == (0, 0)  # a buurt without addresses, listed last


APART = buurt("BU6", "Apart", 5.30, 52.30, 5.31, 52.31)
# Thin strips (about 3.5 m wide) along each edge of Apart, inside it: a change there must still be seen.
STRIPS = [
    group(10, "Strook west", 5.30, 52.30, 5.30005, 52.31),
    group(11, "Strook zuid", 5.30, 52.30, 5.31, 52.30005),
    group(12, "Strook oost", 5.30995, 52.30, 5.31, 52.31),
    group(13, "Strook noord", 5.30, 52.30995, 5.31, 52.31),
]


def figures_of(coverage):
    """What a page shows of each buurt's coverage."""
    return [
        (
            c.buurt.code,
            round(c.share, 6),
            [(g.id, round(s, 6)) for g, s in c.groups],
            c.addresses,
            c.addresses_covered,
            c.status[0],
            round(area_m2(c.uncovered)),
        )
        for c in coverage
    ]


def test_a_change_of_groups_recomputes_only_the_buurten_it_touches_to_the_same_figures():
    """After groups change, the coverage updated from the previous one equals the coverage computed afresh, and
    only the buurten that the changed areas meet (not merely their bounding boxes) are computed again."""
    from geo_registry.spatial.area_index import AreaIndex
    from geo_registry.spatial.coverage import BuurtenRD, to_rd_many, update_coverage

    triangle = Buurt(
        "BU4", "Driehoek", "WK099900", "GM0999", shapely.Polygon([(5.20, 52.28), (5.22, 52.28), (5.20, 52.30)])
    )
    buurten = [WEST, OOST, NOORD, triangle, APART]
    points = (np.append(POINTS[0], [5.3000, 5.305, 5.3099]), np.append(POINTS[1], [52.305, 52.30002, 52.305]))
    base = BuurtenRD(buurten)
    before = compute_coverage(buurten, [A, B, C], points, base)
    moved = group(3, "C moved north", 5.215, 52.258, 5.219, 52.262)  # from Oost to Oost and Noord
    corner = group(14, "In de hoek buiten de driehoek", 5.218, 52.298, 5.2199, 52.2999)
    after = [A, B, moved, corner, *STRIPS]
    touched = base.touched_by(to_rd_many([C.area, moved.area, corner.area, *(s.area for s in STRIPS)]))
    assert [buurten[i].name for i in touched] == ["Oost", "Noord", "Apart"]
    index = AreaIndex(after, [g.area for g in after])
    updated = update_coverage(before, base, touched, index.in_bounds, points)
    assert figures_of(updated) == figures_of(compute_coverage(buurten, after, points))
    assert updated[0] is before[0] and updated[3] is before[3]  # West and the triangle: not computed again
    assert list(base.touched_by([])) == [] and update_coverage(before, base, [], index.in_bounds, points) is before


def test_a_group_sharing_under_a_square_metre_covers_part_only_without_a_sliver_threshold():
    """The legend promises 'deels gedekt' for any covered part that is not a sliver (spatial.coverage.Sliver, the
    SLIVER_* settings; tests/test_slivers.py): with no threshold, however small; with the default, not a speck."""
    from geo_registry.spatial.coverage import BuurtenRD, Sliver

    speck = group(20, "Snippertje", 5.205, 52.255, 5.20501, 52.25501)  # about 0.8 m²
    [west] = compute_coverage([WEST], [speck], base=BuurtenRD([WEST], Sliver(0, 0)))
    assert west.status[0] == "deels" and 0 < west.covered_m2 < 1
    assert [g.name for g, _ in west.groups] == ["Snippertje"]
    [west] = compute_coverage([WEST], [speck])
    assert west.status[0] == "geen" and west.covered_m2 == 0 and west.groups == []


def test_the_addresses_counted_are_those_given_each_time():
    """A new address table (another points array) is counted afresh, not the previous one's figures."""
    from geo_registry.spatial.coverage import BuurtenRD

    base = BuurtenRD([WEST, OOST])
    assert [c.addresses for c in compute_coverage([WEST, OOST], [A], POINTS, base)] == [2, 3]
    fewer = (POINTS[0][:1], POINTS[1][:1])
    assert [c.addresses for c in compute_coverage([WEST, OOST], [A], fewer, base)] == [1, 0]


def test_an_rd_new_shape_back_in_wgs84_is_where_it_was():
    from geo_registry.spatial.coverage import to_rd_many, to_wgs84

    [rd] = to_rd_many([WEST.geometry])
    assert 100_000 < rd.bounds[0] < 200_000  # metres in RD New
    assert shapely.hausdorff_distance(to_wgs84(rd), WEST.geometry) < 1e-7  # about a centimetre


def test_a_group_counts_the_addresses_in_its_area_not_in_its_bounding_box():
    """A triangular group's count leaves out an address in the corner of its box that the triangle does not cover."""
    triangle = Group(
        7, "Driehoek", shapely.Polygon([(5.20, 52.20), (5.30, 52.20), (5.20, 52.30)]), "b", "b@voorbeeld.invalid"
    )
    inside, corner = (5.21, 52.21), (5.29, 52.29)
    points = (np.array([inside[0], corner[0]]), np.array([inside[1], corner[1]]))
    assert group_address_counts([triangle], points) == {7: 1}
