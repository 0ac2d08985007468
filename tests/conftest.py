"""Shared fixtures: an app on a fresh database (an SQLite file; PostgreSQL + PostGIS too for the tests marked
both_databases), its clients, example data and fake services."""

from __future__ import annotations

import shutil
import subprocess
import weakref
from contextlib import contextmanager

import flask
import jinja2
import pytest
import shapely
import sites
import sqlalchemy as sa
from fakes import FakeLocatieserver
from helpers import WIJKEN_FILE, inside, inside_shape, make_app
from servers import free_port, port_was_taken, redis_command, stopped_at_exit, wait_until
from sites import populated_app

from geo_registry.core.config import ROOT
from geo_registry.domain import staff
from geo_registry.spatial.buurten import load_buurten

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes():
    """Hash the tests' passwords with scrypt at a 32nd of the cost (n=2**10 instead of 2**15): logging in is most of
    what the staff tests do, and a real hash costs a tenth of a second each time. A check reads the parameters from
    the stored hash, so the app's code runs unchanged; test_staff_sessions holds the real cost
    (helpers.REAL_PASSWORD_HASH_METHOD)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(staff, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
    yield
    patch.undo()


class TemplatesOfTheProcess(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of the test process (jinja2's own cache interface)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        """Give bucket the compiled code of its template, when an app of this process compiled that source."""
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        """Keep the compiled code for the next app."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True, scope="session")
def templates_compiled_once():
    """Every app compiles each Jinja template it renders: 0.09 CPU-seconds for an app's first three pages, and the
    tests make an app per test. The apps of the test process share one bytecode cache, which jinja2 keys on the
    template's name and checks against a hash of its source (a changed template is compiled anew); the apps all
    render with the same options. The app sets no cache of its own: it keeps one app for its life."""
    patch = pytest.MonkeyPatch()
    patch.setattr(
        flask.Flask, "jinja_options", {**flask.Flask.jinja_options, "bytecode_cache": TemplatesOfTheProcess()}
    )
    yield
    patch.undo()


def pytest_generate_tests(metafunc):
    """Run the tests marked both_databases (on the test or its module) once per database."""
    if "db_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("db_url", DATABASES, indirect=True)


@pytest.fixture(scope="session", autouse=True)
def buurten_cache(tmp_path_factory):
    """Every app of the tests, and every server they start, keeps its fast copy of the wijken file in a temporary
    folder rather than in the checkout's instance folder."""
    folder = tmp_path_factory.mktemp("buurten-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GEO_REGISTRY_BUURTEN_CACHE", str(folder))
        # and the processes' change signal too (store/change_signal.py): shared by this session's apps, which
        # at most makes one look at its database after another test's change
        patch.setenv("GEO_REGISTRY_CHANGE_SIGNAL_FILE", str(folder / "register-changed"))
        yield folder


@pytest.fixture(scope="session", autouse=True)
def sqlite_template(tmp_path_factory):
    """This process's migrated SQLite database, copied for each test that makes an app on a new file."""
    import db_templates

    template = db_templates.SQLiteTemplate(tmp_path_factory.mktemp("sqlite-template"))
    db_templates.use(template)
    yield template
    db_templates.use(None)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL + PostGIS cluster for the whole session (started on first use)."""
    import pgcluster

    cluster = pgcluster.Cluster().start()
    pgcluster.use(cluster)
    yield cluster
    pgcluster.use(None)
    cluster.stop()


@pytest.fixture
def db_url(request, tmp_path):
    """The URL of a fresh, empty database: an SQLite file, or (parametrised) a PostgreSQL database at the
    newest schema that is dropped after the test."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        yield from postgresql_database(request.getfixturevalue("pg_cluster"), migrated=True)


@pytest.fixture
def empty_postgresql_url(pg_cluster):
    """The URL of a PostgreSQL database with PostGIS and nothing else (no schema), dropped after the test."""
    yield from postgresql_database(pg_cluster, migrated=False)


def postgresql_database(cluster, migrated: bool):
    """Yield the URL of a new database in cluster; afterwards close every connection to it and drop it."""
    name = cluster.new_database(migrated=migrated)
    with tracked_engines() as engines:
        yield cluster.url(name)
        for engine in engines:
            engine.dispose()
    cluster.drop_database(name)


@contextmanager
def tracked_engines():
    """Collect every engine that connects meanwhile, so that the test's connections can be closed after it."""
    engines = weakref.WeakSet()

    def remember(conn):
        engines.add(conn.engine)

    sa.event.listen(sa.engine.Engine, "engine_connect", remember)
    try:
        yield engines
    finally:
        sa.event.remove(sa.engine.Engine, "engine_connect", remember)


@pytest.fixture
def app(tmp_path, db_url):
    """An app with no groups and no address sources."""
    return make_app(tmp_path, DATABASE_URL=db_url)


@pytest.fixture
def client(app):
    """A test client of app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of app."""
    return app.test_cli_runner()


@pytest.fixture
def examples_app(app):
    """app with the example groups loaded through the load-examples command."""
    result = app.test_cli_runner().invoke(args=["load-examples"])
    assert "4 toegevoegd" in result.output, result.output
    return app


@pytest.fixture(scope="session")
def buurten():
    """Laren's buurten from the project's wijken.geojson."""
    return load_buurten(WIJKEN_FILE)


@pytest.fixture(scope="session")
def places(buurten):
    """Named points: in the example group of the centre, in Postiljon (no group), in Blaricum."""
    import json

    examples = json.loads((ROOT / "data" / "voorbeeldgroepen.geojson").read_text())["features"]
    centrum_group = shapely.geometry.shape(examples[0]["geometry"])
    gemeente = shapely.union_all([w.geometry for w in buurten])
    _, _, maxx, maxy = gemeente.bounds
    # In the map's view (top right, clear of its controls) yet outside the municipality.
    near_corner = (maxy - 0.003, maxx - 0.003)
    assert not gemeente.intersects(shapely.Point(near_corner[1], near_corner[0]))
    return {
        "centrum": inside_shape(centrum_group),
        "postiljon": inside(buurten, "Postiljon"),
        "blaricum": (52.2790, 5.2480),
        "outside_in_view": near_corner,
    }


@pytest.fixture
def address_rows(places):
    """A small BAG-like address list with known places."""
    return sites.address_rows(places)


@pytest.fixture
def address_csv(tmp_path, address_rows):
    """The address list written as a CSV extract."""
    return sites.write_address_csv(tmp_path / "adressen.csv", address_rows)


@pytest.fixture
def pdok_docs(places):
    """Locatieserver documents for the same places, and one Brink 12 outside Laren."""
    return sites.pdok_docs(places)


@pytest.fixture
def pdok(pdok_docs):
    """A running fake Locatieserver on 127.0.0.1."""
    with FakeLocatieserver(pdok_docs) as server:
        yield server


@pytest.fixture
def lookup_app(tmp_path, pdok, address_csv, db_url):
    """An app with the example groups, the local address table and the fake Locatieserver."""
    return populated_app(tmp_path, pdok, address_csv, DATABASE_URL=db_url)


@pytest.fixture
def redis_url(redis_server):
    """The URL of a throwaway redis-server."""
    return redis_server[0]


@pytest.fixture
def redis_server(tmp_path):
    """A throwaway redis-server from Debian's package on a free port, no persistence, files in tmp_path:
    yield its URL and its process."""
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make redis` (Debian's redis-server)")
    folder = tmp_path / "redis"
    folder.mkdir()
    for attempt in range(3):  # another port if another test process took this one meanwhile
        port = free_port()
        with stopped_at_exit(subprocess.Popen(redis_command(binary, port, folder), cwd=folder)) as process:
            client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)

            def answers():
                try:
                    return client.ping()  # noqa: B023 (called at once)
                except redis.RedisError:  # not up yet, or another server on the port: the process will tell
                    return False

            try:
                wait_until(answers, "redis-server", process=process)
            except AssertionError:
                if attempt < 2 and port_was_taken(process, (folder / "redis.log").read_text()):
                    continue
                raise
            finally:
                client.close()
            yield f"redis://127.0.0.1:{port}", process
            return


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID Connect provider (tests/oidc/provider.mjs: the `oidc-provider` npm package under node) on a
    free port of 127.0.0.1 for the session; its users are set by each test (OidcProvider.set_user)."""
    from oidc_provider import OidcProvider

    provider = OidcProvider(tmp_path_factory.mktemp("oidc-provider")).start()
    yield provider
    provider.stop()


@pytest.fixture
def sqlite_register(tmp_path, sqlite_template):
    """A fresh SQLite register database with the current schema (its engine), for tests of the domain code."""
    from geo_registry.store.db import make_engine

    sqlite_template.copy_to(tmp_path / "register.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'register.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def smtp():
    """A running SMTP server on 127.0.0.1 that keeps every message."""
    from fakes import FakeSMTP

    with FakeSMTP() as server:
        yield server


@pytest.fixture
def mail_app(tmp_path, pdok, address_csv, smtp, db_url):
    """A populated app that sends its e-mail to the test SMTP server; reading what arrived first runs the worker's
    mail delivery job in this process (the code the worker process runs), as the worker would after the request."""
    app = populated_app(
        tmp_path,
        pdok,
        address_csv,
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=smtp.port,
        PUBLIC_URL="http://localhost",
        DATABASE_URL=db_url,
    )
    sites.wire_smtp(app, smtp)
    return app


@pytest.fixture
def staff_user(mail_app):
    """A staff account made with the create-staff command."""
    result = mail_app.test_cli_runner().invoke(
        args=["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"]
    )
    assert "aangemaakt" in result.output, result.output
    return ("medewerker", "lang-genoeg-wachtwoord")


def pytest_collection_modifyitems(items):
    """Mark every test that uses the PostgreSQL cluster `postgresql` (the both_databases ones on PostgreSQL too), so
    that `-m "not postgresql"` leaves it out; run the tests marked slow first."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("db_url") == "postgresql"
        if on_postgresql or {"pg_cluster", "empty_postgresql_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgresql)
    # xdist hands out the tests in this order: slow ones (processes of their own, half a minute each on a busy
    # machine) left for the end kept one worker busy while the other had finished. The order within is kept.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
