"""One SQLite database migrated to the newest schema per test process, copied (a file copy) for every test that
needs a fresh one: running the ten Alembic revisions for each test cost about 0.1 s of every app the tests make.
PostgreSQL does the same with CREATE DATABASE ... TEMPLATE (tests/pgcluster.py). The tests of the migrations
themselves keep migrating for real: they start from files of their own, or ask make_app(..., migrated=False).
Beside it, the populated templates: the database after `load-examples` and `import-addresses`, made once per kind
of populated app (tests/sites.py populated_app) and copied for each test that asks for one."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Hashable
from pathlib import Path

import sqlalchemy as sa


class SQLiteTemplate:
    """A migrated SQLite file in folder, made on first use (a process whose tests need none never makes it)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._file: Path | None = None
        self._populated: dict[Hashable, Path] = {}

    def file(self) -> Path:
        """The template's path, migrating it the first time."""
        if self._file is None:
            from geo_registry.store.db import make_engine, upgrade

            path = self.folder / "template.sqlite3"
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            # Closing the last connection checkpoints the write-ahead log into the file and removes it: the one
            # file then holds the whole schema (a copy of the file alone would otherwise miss what the log held).
            engine.dispose()
            if path.with_name(path.name + "-wal").exists():
                raise RuntimeError(f"the SQLite template {path} still has a write-ahead log after closing")
            self._file = path
        return self._file

    def populated(self, key: Hashable, build: Callable[[Path], Path]) -> Path:
        """The populated template's file for key: build(folder) makes it the first time and returns its file, with
        every connection to it closed (so that the one file holds all of it)."""
        if key not in self._populated:
            folder = self.folder / f"populated-{len(self._populated) + 1}"
            folder.mkdir()
            path = build(folder)
            if path.with_name(path.name + "-wal").exists():
                raise RuntimeError(f"the populated SQLite template {path} still has a write-ahead log")
            self._populated[key] = path
        return self._populated[key]

    def copy_to(self, target: Path) -> None:
        """Put a copy of the template at target (its folder made where needed)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.file(), target)


# The session's template, set by the session fixture sqlite_template in tests/conftest.py.
_current: SQLiteTemplate | None = None


def current() -> SQLiteTemplate | None:
    """The session's template (None outside the tests' session)."""
    return _current


def use(template: SQLiteTemplate | None) -> None:
    """Make template the one that fresh_sqlite copies (None: none, every database is migrated for real)."""
    global _current
    _current = template


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL, or None for another database or one in memory."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def fresh_sqlite(url: str) -> None:
    """Where url names an SQLite file that does not exist yet, put a copy of the migrated template there."""
    path = sqlite_file(url)
    if _current is not None and path is not None and not path.exists():
        _current.copy_to(path)
