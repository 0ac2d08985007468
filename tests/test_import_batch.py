"""import-groups writes a batch of features with a fixed number of statements, not four per feature, and still
keeps what an import promises: names unique (case-insensitive, within the file and against the register), one
public version per active group, and a change log other processes can update from (issue 11)."""

import json

import pytest
import sqlalchemy as sa

from geo_registry.domain.groups import IMPORT_BATCH, GroupStore, changed_since, import_groups
from geo_registry.store.db import make_engine, upgrade

pytestmark = pytest.mark.both_databases


def square(i: int) -> dict:
    """A small square, a different one for each i, inside Laren."""
    x, y = 5.20 + (i % 40) * 0.001, 52.24 + (i // 40) * 0.001
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.0008, y], [x + 0.0008, y + 0.0008], [x, y + 0.0008], [x, y]]],
    }


def write(path, names, inactive=()):
    features = [
        {
            "type": "Feature",
            "geometry": square(i),
            "properties": {
                "name": name,
                "beheerder_name": "B",
                "beheerder_email": f"b{i}@voorbeeld.invalid",
                "active": i not in inactive,
            },
        }
        for i, name in enumerate(names)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture
def store(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    yield GroupStore(engine)
    engine.dispose()


def version(store):
    return store.version()[0]


def test_a_large_import_costs_a_few_statements_a_batch_not_several_a_group(store, tmp_path):
    count = IMPORT_BATCH * 2 + 100
    path = write(tmp_path / "g.geojson", [f"Groep {i}" for i in range(count)])
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    report = import_groups(store, path)
    assert len(report.added) == count and not report.refused
    batches = -(-count // IMPORT_BATCH)
    # Per batch: lower the names, check them, insert, raise the version, write the log, prune.
    assert len(statements) <= 8 * batches, len(statements)


def test_names_stay_unique_across_batches_within_a_batch_and_against_the_register(store, tmp_path):
    import_groups(store, write(tmp_path / "first.geojson", ["Brink"]))
    names = [f"Groep {i}" for i in range(IMPORT_BATCH + 10)]
    names[3] = "BRINK"  # taken in the register
    names[7] = "groep 2"  # same batch, earlier feature
    names[IMPORT_BATCH + 2] = "GROEP 5"  # a later batch, taken by the first batch
    names[IMPORT_BATCH + 4] = "Nieuw"
    names[IMPORT_BATCH + 6] = "nieuw"  # a later batch, earlier in the same batch
    report = import_groups(store, write(tmp_path / "second.geojson", names))
    refused = {number: reason for number, _, reason in report.refused}
    assert sorted(refused) == [4, 8, IMPORT_BATCH + 3, IMPORT_BATCH + 7]
    assert set(refused.values()) == {"er bestaat al een groep met deze naam"}
    assert len(report.added) == len(names) - 4
    stored = [group.name for group in store.list(None)]
    assert len(stored) == len({name.lower() for name in stored}) == len(names) - 4 + 1


def test_each_active_group_is_one_logged_version_so_other_processes_update_by_difference(store, tmp_path):
    before = version(store)
    inactive = {1, 4}
    report = import_groups(store, write(tmp_path / "g.geojson", [f"Groep {i}" for i in range(12)], inactive))
    active_ids = {gid for number, _, gid in report.added if number - 1 not in inactive}
    after = version(store)
    assert after - before == len(active_ids) == 10
    with store.engine.connect() as conn:
        assert changed_since(conn, before, after) == active_ids
        assert changed_since(conn, before + 3, after) == active_ids - {min(active_ids), *sorted(active_ids)[:3]}
    changes = store.changes(before, after)
    assert set(changes) == active_ids and all(changes[gid].id == gid for gid in active_ids)
