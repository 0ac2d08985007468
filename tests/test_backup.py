"""Backups while the site runs and restoring them into an empty database: `geo-registry backup FILE` and
`geo-registry restore FILE` give back the same register, row for row and answer for answer, on both databases."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import shapely
import sqlalchemy as sa
from helpers import make_app, register_pending, totp_code
from servers import wait_until

from geo_registry.domain import access_log, actions, subscriptions
from geo_registry.domain.groups import Group, utc_now
from geo_registry.domain.renewal import propose_change
from geo_registry.store import tables
from geo_registry.store.backup import backup
from geo_registry.web import services as app_services

pytestmark = pytest.mark.both_databases

STAFF = ["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"]
ANSWERS = [
    "/api/v1/groups.geojson",
    "/api/v1/lookup?postcode=1251KV&huisnummer=12",
    "/api/v1/lookup?postcode=1251PT&huisnummer=3",
]


@pytest.fixture
def second_url(request, db_url, tmp_path):
    """Another empty database of the same kind as db_url, to restore into."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'teruggezet' / 'register.sqlite3'}"
    return request.getfixturevalue("empty_postgresql_url")


def fill(app) -> None:
    """Give every table of the register rows: groups with areas (a pending one, a deleted one), a proposed
    change, a staff account, audit entries, queued mail, a waiting resident, the worker's jobs, an access log entry;
    the addresses are loaded already."""
    assert "aangemaakt" in app.test_cli_runner().invoke(args=STAFF).output
    totp_code(app, "medewerker")  # its second factor enrolled: the secret and the recovery codes
    # A second account with one role in one municipality (staff_roles and staff_gemeenten).
    agent = [
        "create-staff",
        "wijkagent",
        "--password",
        "Kievitslaan-nachtronde-7",
        "--role",
        "inzage",
        "--gemeente",
        "GM0417",
    ]
    assert "aangemaakt" in app.test_cli_runner().invoke(args=agent).output
    register_pending(app, name="Wacht op beoordeling")
    with app.app_context():
        store = app_services.current().store
        centrum = store.list()[0]
        propose_change(store, centrum.id, {"name": "Centrum Noord", "area": shapely.box(5.21, 52.25, 5.22, 52.26)})
        actions.delete(store, register_pending(app, name="Wordt verwijderd"), "medewerker")
        subscriptions.add(store.engine, "bewoner@voorbeeld.invalid", 52.2489, 5.2301, "Postiljonlaan 3", "nl")
        access_log.record(store.engine, 1, "medewerker", access_log.GROUP, centrum.id, "127.0.0.1", utc_now())
    # A worker job once (not the mail: the queued message stays): its lease and last run (worker_jobs).
    ran = app.test_cli_runner().invoke(args=["worker", "--once", "--job", "confirmation-round"])
    assert ran.exit_code == 0, ran.output


def rows(app) -> dict[str, list[tuple]]:
    """Every row of every table the register declares (tables.py), and the schema revision, in key order."""
    engine = app.extensions["geo_registry.engine"]
    found = {}
    with engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            found[table.name] = [tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key))]
        found["alembic_version"] = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    return found


def answers(app) -> dict[str, tuple[int, object]]:
    """What the public API says: the group list and lookups, as status and JSON."""
    client = app.test_client()
    return {url: (response.status_code, response.get_json()) for url in ANSWERS for response in [client.get(url)]}


def test_backup_and_restore_give_back_the_same_register(lookup_app, second_url, tmp_path):
    fill(lookup_app)
    before, said = rows(lookup_app), answers(lookup_app)
    empty = [name for name in tables.metadata.tables if not before[name]]
    assert not empty, f"fill() leaves these tables empty, so the round trip does not cover them: {empty}"
    assert len(said[ANSWERS[0]][1]["features"]) >= 4 and all(status == 200 for status, _ in said.values())

    dump = tmp_path / "backups" / "register.backup"
    made = lookup_app.test_cli_runner().invoke(args=["backup", str(dump)])
    assert made.exit_code == 0, made.output
    assert f"groups {len(before['groups'])}" in made.output and dump.stat().st_size > 0
    assert [p.name for p in dump.parent.iterdir()] == ["register.backup"]  # no partial file left beside it
    assert dump.stat().st_mode & 0o777 == 0o600  # personal data: readable by the service account alone

    restored_app = make_app(tmp_path / "elders", DATABASE_URL=second_url, PDOK_URL=lookup_app.pdok.url)
    put_back = restored_app.test_cli_runner().invoke(args=["restore", str(dump)])
    assert put_back.exit_code == 0, put_back.output
    assert rows(restored_app) == before
    assert answers(restored_app) == said
    with restored_app.app_context():  # the restored register goes on: new ids after the highest ever given
        new_id = app_services.current().store.add(
            Group(None, "Na het terugzetten", shapely.box(5.21, 52.25, 5.22, 52.26), "B", "b@voorbeeld.invalid")
        )
    assert new_id > max(row[0] for row in before["groups"])


def test_restore_refuses_a_database_that_holds_a_register(lookup_app, tmp_path):
    dump = tmp_path / "register.backup"
    assert lookup_app.test_cli_runner().invoke(args=["backup", str(dump)]).exit_code == 0
    before = rows(lookup_app)
    result = lookup_app.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code == 1
    assert "bevat al een register" in result.output and "Er is niets teruggezet" in result.output
    assert rows(lookup_app) == before


def test_restore_refuses_a_file_that_is_no_backup_of_this_kind(app, tmp_path):
    not_a_backup = tmp_path / "foto.jpg"
    not_a_backup.write_bytes(b"\xff\xd8\xff\xe0" + b"x" * 100)
    result = app.test_cli_runner().invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code == 1 and "geen back-up van geo-registry" in result.output
    other = tmp_path / "ander.backup"
    other.write_bytes(b"PGDMP" if app.extensions["geo_registry.engine"].dialect.name == "sqlite" else b"")
    if other.stat().st_size == 0:  # on PostgreSQL: an SQLite file
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = app.test_cli_runner().invoke(args=["restore", str(other)])
    assert result.exit_code == 1 and "dezelfde soort" in result.output


def test_a_backup_taken_while_another_thread_writes_is_of_one_moment(request, lookup_app, tmp_path):
    """Each registration writes its group, audit entry and mail in one transaction: a backup that was not of one
    moment would hold a group without its audit entry or mail, or the reverse."""
    engine = lookup_app.extensions["geo_registry.engine"]
    stop, written = threading.Event(), []

    def write():
        while not stop.is_set():
            written.append(register_pending(lookup_app, name=f"Groep {len(written)}"))

    writer = threading.Thread(target=write)
    writer.start()
    dumps = []
    try:
        for number in range(3):
            seen = len(written)
            wait_until(lambda: len(written) > seen, "the writer")  # noqa: B023 (called at once)
            dumps.append((tmp_path / f"tijdens-{number}.backup", len(written)))
            backup(engine, dumps[-1][0])
    finally:
        stop.set()
        writer.join(timeout=60)
    during = len(written) - dumps[0][1]
    assert during > 0  # the writer kept writing while the backups were taken
    for number, (dump, _) in enumerate(dumps):
        restored = make_app(tmp_path / f"terug-{number}", DATABASE_URL=_empty_like(request, engine, tmp_path, number))
        assert restored.test_cli_runner().invoke(args=["restore", str(dump)]).exit_code == 0
        held = rows(restored)
        restored.extensions["geo_registry.engine"].dispose()  # before its database is dropped
        groups = {row[0] for row in held["groups"]}
        registered = {row[4] for row in held["audit_log"] if row[3] == "aangemeld"}
        assert len(groups) >= 1 + 4  # the examples and at least one of the writer's
        assert groups - registered == {row[0] for row in held["groups"] if row[8]}  # only the examples lack one
        assert len(held["mail_outbox"]) == len(registered), "a registration without its mail, or the reverse"


def _empty_like(request, engine: sa.Engine, tmp_path, number: int) -> str:
    """The URL of a new empty database of the same kind as engine's."""
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{tmp_path / f'terug-{number}' / 'register.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    name = cluster.new_database(migrated=True)
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


def test_a_damaged_backup_is_refused_and_the_database_stays_empty(lookup_app, second_url, tmp_path):
    dump = tmp_path / "register.backup"
    assert lookup_app.test_cli_runner().invoke(args=["backup", str(dump)]).exit_code == 0
    damaged = tmp_path / "beschadigd.backup"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    target = make_app(tmp_path / "elders", DATABASE_URL=second_url)
    result = target.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert result.exit_code == 1 and "Fout:" in result.output and "Traceback" not in result.output
    assert not any(rows(target)[name] for name in tables.TABLE_ORDER if name != "registry_state")
    # The good backup still goes in afterwards: the failed attempt left nothing in the way.
    assert target.test_cli_runner().invoke(args=["restore", str(dump)]).exit_code == 0
    assert rows(target) == rows(lookup_app)


def test_a_backup_of_an_older_version_is_brought_to_the_newest_schema_as_it_is_restored(tmp_path):
    """A backup made before the last migration (revision 0011 here) restores into today's software."""
    from alembic import command

    from geo_registry.store.db import alembic_config, current_revision, head_revision, make_engine

    old = make_engine(f"sqlite:///{tmp_path / 'oud.sqlite3'}")
    with old.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(alembic_config(conn), "0011")
        conn.exec_driver_sql(
            "INSERT INTO staff (username, password_hash, created_at) VALUES ('oud', 'x', '2026-01-02T03:04:05+00:00')"
        )
        conn.exec_driver_sql("COMMIT")
    assert current_revision(old) == "0011" != head_revision()
    dump = tmp_path / "oud.backup"
    backup(old, dump)
    old.dispose()

    target = make_app(tmp_path / "nieuw")
    result = target.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code == 0, result.output
    engine = target.extensions["geo_registry.engine"]
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT username FROM staff")).scalars().all() == ["oud"]
