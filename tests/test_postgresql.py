"""PostgreSQL + PostGIS as the server database: areas in a geometry column with a spatial index, migrations
that several processes start together, and copying an SQLite register over without losing a row."""

import subprocess
import sys
from contextlib import ExitStack

import pytest
import shapely
import sqlalchemy as sa
from helpers import make_app, register_pending

from geo_registry.domain import actions
from geo_registry.domain.groups import Group
from geo_registry.domain.renewal import pending_changes, propose_change
from geo_registry.domain.staff import audit_entries, authenticate, list_staff
from geo_registry.store.db import SchemaChange, head_revision, make_engine
from geo_registry.web import services as app_services

ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_areas_are_postgis_geometries_with_a_spatial_index(lookup_app, places):
    engine = lookup_app.extensions["geo_registry.engine"]
    lat, lon = places["centrum"]
    with lookup_app.app_context():
        store = app_services.current().store
        in_python = [g.name for g in store.list() if g.area.contains(shapely.Point(lon, lat))]
        square = shapely.box(5.2201234567891, 52.2501234567891, 5.2211, 52.2511)
        group_id = store.add(Group(None, "Precies", square, "B", "b@voorbeeld.invalid"))
        assert store.get(group_id).area == square  # not a digit lost on the way in and out
    with engine.connect() as conn:
        kinds = conn.execute(sa.text("SELECT DISTINCT ST_SRID(area), GeometryType(area) FROM groups")).all()
        index = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'groups_area'")).scalar()
        in_database = (
            conn.execute(
                sa.text(
                    "SELECT name FROM groups WHERE status = 'active'"
                    " AND ST_Contains(area, ST_SetSRID(ST_Point(:x, :y), 4326))"
                    " ORDER BY name"
                ),
                {"x": lon, "y": lat},
            )
            .scalars()
            .all()
        )
    assert set(kinds) <= {(4326, "POLYGON"), (4326, "MULTIPOLYGON")}
    assert "USING gist (area)" in index
    assert in_database == in_python and in_python  # the database's own spatial answer agrees with the app's


MIGRATE = """
import sys
from geo_registry.store.db import make_engine, upgrade
url = sys.stdin.readline().strip()  # every process gets the url at once: they migrate it together
print(repr(upgrade(make_engine(url))), flush=True)
"""


@pytest.mark.slow
def test_processes_starting_together_migrate_a_new_postgresql_database_once(empty_postgresql_url):
    count, head = 3, head_revision()
    with ExitStack() as stack:
        processes = [
            stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", MIGRATE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
                )
            )
            for _ in range(count)
        ]
        for process in processes:
            process.stdin.write(empty_postgresql_url + "\n")
            process.stdin.flush()
        reports = sorted(process.stdout.readline().strip() for process in processes)
        assert [process.wait(timeout=60) for process in processes] == [0] * count
    # One process created the schema under the advisory lock; the others waited for it and found it current.
    assert reports == sorted([repr(SchemaChange(None, head))] + [repr(SchemaChange(head, head))] * (count - 1))
    engine = make_engine(empty_postgresql_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
        assert conn.execute(sa.text("SELECT key FROM registry_state ORDER BY key")).scalars().all() == [
            "addresses_version",
            "groups_version",
        ]
    engine.dispose()


def everything(app) -> dict:
    """All a register holds, read through the app's own functions (areas as geometries)."""
    with app.app_context():
        current = app_services.current()
        engine = current.store.engine
        with engine.connect() as conn:
            addresses = [tuple(row) for row in conn.execute(sa.text("SELECT * FROM addresses ORDER BY id"))]
        return {
            "groups": current.store.list(status=None),
            "staff": list_staff(engine),
            "audit": audit_entries(engine),
            "mail": current.mailer.pending(),
            "changes": pending_changes(current.store),
            "addresses": addresses,
            "versions": current.store.version(),
        }


def fill(app) -> int:
    """Give the register a row in every table: a pending registration with its mail, a proposed change, a
    deleted group (whose id must never come back); return the highest id ever given to a group."""
    pending = register_pending(app, name="Wacht op beoordeling")
    with app.app_context():
        store = app_services.current().store
        centrum = store.list()[0]
        propose_change(store, centrum.id, {"name": "Centrum Noord", "area": shapely.box(5.21, 52.25, 5.22, 52.26)})
        doomed = register_pending(app, name="Wordt verwijderd")
        actions.delete(store, doomed, "medewerker")
    return max(pending, doomed)


def test_copy_to_postgresql_keeps_every_row_and_refuses_a_filled_target(
    mail_app, staff_user, empty_postgresql_url, tmp_path
):
    highest_id = fill(mail_app)
    before = everything(mail_app)
    assert all(before.values()) and len(before["addresses"]) == 5 and before["mail"]

    result = mail_app.test_cli_runner().invoke(args=["copy-to-postgresql", "--target", empty_postgresql_url])
    assert result.exit_code == 0, result.output
    groups = len(before["groups"])
    assert f"groups: {groups} rijen in de bron, {groups} in het doel" in result.output
    assert "addresses: 5 rijen in de bron, 5 in het doel" in result.output
    assert f"audit_log: {len(before['audit'])} rijen in de bron, {len(before['audit'])} in het doel" in result.output
    assert "staff: 1 rijen in de bron, 1 in het doel" in result.output

    target = make_app(tmp_path / "pg", DATABASE_URL=empty_postgresql_url)
    assert everything(target) == before
    assert everything(mail_app) == before  # the source is only read
    with target.app_context():
        engine = app_services.current().store.engine
        assert authenticate(engine, *staff_user)["username"] == "medewerker"
        new_id = app_services.current().store.add(
            Group(None, "Na de verhuizing", shapely.box(5.21, 52.25, 5.22, 52.26), "B", "b@voorbeeld.invalid")
        )
    assert new_id > highest_id  # the deleted group's id is not given out again

    again = mail_app.test_cli_runner().invoke(args=["copy-to-postgresql", "--target", empty_postgresql_url])
    assert again.exit_code == 1
    assert "bevat al een register" in again.output and "niets gekopieerd" in again.output
    assert len(everything(target)["groups"]) == groups + 1


def test_copy_to_postgresql_wants_a_postgresql_url(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["copy-to-postgresql", "--target", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1 and "PostgreSQL-URL" in result.output
