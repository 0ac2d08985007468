"""A throwaway PostgreSQL + PostGIS cluster for the tests: initdb into a temporary folder, serve it on a unix
socket in that folder, hand out a fresh database per test (copied from a template), remove it all at the end.
Nothing has to be running beforehand; Debian's postgresql and postgis packages must be installed (`make postgres`)."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path

import sqlalchemy as sa

# Databases copied per test: one with the PostGIS extension only, one already migrated to the newest schema.
POSTGIS_TEMPLATE = "geo_template_postgis"
SCHEMA_TEMPLATE = "geo_template_schema"


def server_bin() -> Path | None:
    """The folder of initdb/pg_ctl: Debian keeps them in /usr/lib/postgresql/<version>/bin (newest first)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One running cluster; as root, its files belong to and its server runs as the postgres user."""

    def __init__(self):
        self.bin = server_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: run `make postgres` (Debian's postgresql and postgis)")
        self.folder = Path(tempfile.mkdtemp(prefix="geo-registry-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._populated: dict[Hashable, str] = {}
        self._as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> Cluster:
        """initdb and start the server (unix socket only, no durability needed for tests)."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options)
        self._make_templates()
        return self

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={self.port}"

    def _admin(self, *statements: str, database: str = "postgres") -> None:
        engine = sa.create_engine(self.url(database), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
        engine.dispose()

    def _make_templates(self) -> None:
        from geo_registry.store.db import make_engine, upgrade

        self._admin(f"CREATE DATABASE {POSTGIS_TEMPLATE}")
        self._admin("CREATE EXTENSION postgis", database=POSTGIS_TEMPLATE)
        self._admin(f"CREATE DATABASE {SCHEMA_TEMPLATE} TEMPLATE {POSTGIS_TEMPLATE}")
        engine = make_engine(self.url(SCHEMA_TEMPLATE))
        upgrade(engine)
        engine.dispose()

    def new_database(self, migrated: bool = True) -> str:
        """Create an empty database (with PostGIS; migrated: at the newest schema) and return its name."""
        name = f"test_{next(self._names)}"
        template = SCHEMA_TEMPLATE if migrated else POSTGIS_TEMPLATE
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return name

    def populated_template(self, key: Hashable, build: Callable[[str], None]) -> str:
        """The name of the populated template database for key: a copy of the migrated template that build(url)
        fills the first time (closing every connection it opened, as a template must have none)."""
        if key not in self._populated:
            name = f"geo_template_populated_{len(self._populated) + 1}"
            self._admin(f"CREATE DATABASE {name} TEMPLATE {SCHEMA_TEMPLATE} STRATEGY FILE_COPY")
            build(self.url(name))
            self._populated[key] = name
        return self._populated[key]

    def replace_with_copy(self, name: str, template: str) -> None:
        """Make the database name a fresh copy of template (what name held is dropped)."""
        self._admin(
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
            f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY",
        )

    def is_test_database(self, url: str) -> bool:
        """Whether url names one of the databases new_database handed out in this cluster."""
        name = sa.engine.make_url(url).database or ""
        return name.startswith("test_") and url == self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a test's database, ending any connection still open to it."""
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server and remove every file of the cluster."""
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# The session's running cluster, set by the session fixture pg_cluster in tests/conftest.py.
_current: Cluster | None = None


def current() -> Cluster | None:
    """The session's cluster, or None when no test of this process has started one."""
    return _current


def use(cluster: Cluster | None) -> None:
    """Make cluster the session's (None: none)."""
    global _current
    _current = cluster
