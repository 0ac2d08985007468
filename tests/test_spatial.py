"""Point answers and neighbourhood coverage on small fixed shapes."""
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo_registry.db import make_engine, upgrade
from geo_registry.groups import GroupStore, import_groups
from geo_registry.spatial import Registry, Snapshot
from geo_registry.buurten import load_buurten

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
    from geo_registry.spatial import AreaIndex

    boxes = [shapely.box(5.0 + 0.01 * i, 52.0 + 0.01 * j, 5.01 + 0.01 * i, 52.01 + 0.01 * j)
             for i in range(10) for j in range(10)]  # 100 squares sharing their borders
    index = AreaIndex(list(range(100)), boxes)
    rng = np.random.default_rng(5)
    points = list(zip(rng.uniform(4.99, 5.11, 500), rng.uniform(51.99, 52.11, 500)))
    points += [(5.0, 52.0), (5.1, 52.1), (5.05, 52.05), (5.03, 52.0), (5.1, 52.04)]  # corners and edges
    for x, y in points:
        expected = [k for k, geom in enumerate(boxes) if geom.intersects(shapely.Point(x, y))]
        assert index.at_xy(x, y) == expected, (x, y)
    assert index.at_xy(5.05, 52.05) == [44, 45, 54, 55]  # a shared corner belongs to all four
