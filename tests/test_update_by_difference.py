"""Updates by difference (issue 11): after any sequence of public changes, the snapshot a process updated from the
database's change log answers, lists and covers exactly what a snapshot built from scratch does, while only the
changed groups are read and only the buurten they touch are computed again."""

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import WIJKEN_FILE

from geo_registry.domain import actions, change_log
from geo_registry.domain.groups import Group, GroupStatus, GroupStore
from geo_registry.lookup.address_import import import_addresses
from geo_registry.lookup.local import LocalAddressSource
from geo_registry.mail.delivery import Message
from geo_registry.spatial.buurten import load_buurten
from geo_registry.spatial.register import Registry, Snapshot
from geo_registry.store.db import make_engine, upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import group_areas, laren_bounds, points_in  # noqa: E402

pytestmark = pytest.mark.both_databases  # the change log lives in the database

BUURTEN = load_buurten(WIJKEN_FILE)
BOUNDS = laren_bounds(BUURTEN)


def _message(*_args):
    return Message("test", "b@voorbeeld.invalid", "s", "b")


@pytest.fixture
def engine(db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    rng = np.random.default_rng(3)
    lon, lat = points_in(rng, 400, BOUNDS)
    path = tmp_path / "adressen.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["postcode", "huisnummer", "openbare_ruimte", "woonplaats", "lat", "lon"])
        for i, (x, y) in enumerate(zip(lon, lat)):
            writer.writerow([f"1251{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}", 1 + i // 676, "Straat", "Laren", y, x])
    import_addresses(engine, path)
    yield engine
    engine.dispose()


def _approve(store, group: Group) -> int:
    """Register, confirm and approve group as the site does; return its id."""
    group_id, _ = actions.register(store, group, lambda gid: _message())
    actions.confirm_email(store, group_id)
    actions.review(store, group_id, "staf", True, "", lambda g: _message())
    return group_id


def _assert_same_as_from_scratch(snapshot: Snapshot, store: GroupStore, points) -> None:
    """snapshot answers, lists and covers exactly what one built from the database's groups does."""
    fresh = Snapshot(BUURTEN, store.list(), snapshot.version, lambda: points)
    assert [(g.id, g.name) for g in snapshot.groups] == [(g.id, g.name) for g in fresh.groups]
    for lon, lat in zip(*points_in(np.random.default_rng(9), 400, BOUNDS)):
        assert [g.id for g in snapshot.answer(lat, lon).groups] == [g.id for g in fresh.answer(lat, lon).groups]
    for mine, theirs in zip(snapshot.coverage(), fresh.coverage(), strict=True):
        assert mine.buurt.code == theirs.buurt.code
        assert (mine.area_m2, mine.covered_m2) == (theirs.area_m2, theirs.covered_m2)
        assert [(g.id, share) for g, share in mine.groups] == [(g.id, share) for g, share in theirs.groups]
        assert (mine.addresses, mine.addresses_covered) == (theirs.addresses, theirs.addresses_covered)
        assert mine.uncovered.equals_exact(theirs.uncovered, 0)  # the same coordinates, one by one
    assert snapshot.group_addresses() == fresh.group_addresses()


def test_after_a_sequence_of_changes_the_updated_snapshot_equals_a_fresh_build(engine):
    store = GroupStore(engine)
    points = LocalAddressSource(engine).points()
    shapes = [g.area for g in group_areas(np.random.default_rng(5), 12, BOUNDS, radius=(150, 600))]
    for i, area in enumerate(shapes[:6]):
        _approve(store, Group(None, f"Groep {i}", area, "B", f"b{i}@voorbeeld.invalid"))
    registry = Registry(BUURTEN, store, LocalAddressSource(engine).points, recheck_seconds=0)
    # Another process on the same database: it hears of the changes only through the database.
    elsewhere = Registry(BUURTEN, GroupStore(engine), LocalAddressSource(engine).points, recheck_seconds=0)
    first, first_elsewhere = registry.snapshot(), elsewhere.snapshot()
    first.coverage(), first.group_addresses(), first_elsewhere.coverage()
    ids = [g.id for g in first.groups]
    steps = [
        lambda: _approve(store, Group(None, "Nieuw", shapes[6], "B", "n@voorbeeld.invalid")),
        lambda: actions.edit(store, ids[0], "staf", {"area": shapes[7]}),
        lambda: actions.edit(store, ids[1], "staf", {"name": "Aaa eerst op naam"}),
        lambda: actions.set_active(store, ids[2], "staf", False),
        lambda: actions.delete(store, ids[3], "staf"),
        lambda: actions.set_active(store, ids[2], "staf", True),
        lambda: actions.edit(store, ids[4], "staf", {"beheerder_phone": "0612345678"}),  # not public: no change
        lambda: store.add(Group(None, "Direct actief", shapes[8], "B", "d@voorbeeld.invalid")),
    ]
    previous = first
    for step in steps:
        step()
        snapshot = registry.snapshot()
        _assert_same_as_from_scratch(snapshot, store, points)
        # By difference: the group index's base is kept, and a buurt no change touched keeps its coverage.
        assert snapshot.group_index.base is first.group_index.base
        kept = sum(a is b for a, b in zip(previous.coverage(), snapshot.coverage()))
        assert kept >= len(BUURTEN) - 8
        previous = snapshot
    # Several changes at once, read by the other process from the change log.
    later = elsewhere.snapshot()
    assert later.group_index.base is first_elsewhere.group_index.base
    _assert_same_as_from_scratch(later, store, points)


def test_a_process_further_behind_than_the_log_builds_its_snapshot_anew(engine, monkeypatch):
    monkeypatch.setattr(change_log, "CHANGES_KEPT", 2)
    monkeypatch.setattr(change_log, "PRUNE_EVERY", 1)
    store = GroupStore(engine)
    points = LocalAddressSource(engine).points()
    shapes = [g.area for g in group_areas(np.random.default_rng(8), 5, BOUNDS, radius=(150, 600))]
    registry = Registry(BUURTEN, store, LocalAddressSource(engine).points, recheck_seconds=0)
    elsewhere = Registry(BUURTEN, GroupStore(engine), LocalAddressSource(engine).points, recheck_seconds=0)
    first = elsewhere.snapshot()
    for i, area in enumerate(shapes):
        store.add(Group(None, f"Groep {i}", area, "B", f"b{i}@voorbeeld.invalid"))
        registry.snapshot()
    later = elsewhere.snapshot()
    assert later.group_index.base is not first.group_index.base  # the log no longer reaches back: from scratch
    assert len(later.groups) == 5
    _assert_same_as_from_scratch(later, store, points)
    _assert_same_as_from_scratch(registry.snapshot(), store, points)
    assert store.list()[0].status == GroupStatus.ACTIVE
