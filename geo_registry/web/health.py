"""Health for the load balancer: /healthz (the process answers) and /readyz (it can serve: the database answers,
its schema is the latest, the register is loaded; mail only where the operator asks). A short plain-text answer, never
cached, no session, no rate limit; a refusal names its reason and nothing else (no personal data, no internals)."""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from flask import Blueprint, current_app

from geo_registry.store import db
from geo_registry.web import ops_state, settings
from geo_registry.web import services as app_services
from geo_registry.web.current import current_app_object

bp = Blueprint("health", __name__)
PATHS = ("/healthz", "/readyz")

DATABASE_UNAVAILABLE = "database unavailable"
SCHEMA_BEHIND = "database schema is not at the latest migration"
REGISTER_NOT_LOADED = "register not loaded"
MAIL_STUCK = "mail queue: the oldest message waits too long"


def plain(text: str, status: int = 200):
    """A short plain-text answer that no cache keeps."""
    return text + "\n", status, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz():
    """The process answers requests (touches no database: a database outage must not restart the server)."""
    return plain("ok")


@bp.get("/readyz")
def readyz():
    """200 when this process can serve residents, else 503 with the first reason it cannot."""
    reason = not_ready_because()
    return plain(f"not ready: {reason}", 503) if reason else plain("ready")


@functools.cache
def head_revision() -> str:
    """The newest migration of this code (read from the migrations folder once)."""
    return db.head_revision()


def not_ready_because() -> str | None:
    """The reason the current app is not ready, or None when it is."""
    app = current_app_object()
    engine: sa.Engine = app.extensions["geo_registry.engine"]
    limit = settings.of(app).READY_MAIL_AGE_SECONDS
    if not _database_file_present(engine):
        return DATABASE_UNAVAILABLE
    try:
        with engine.connect() as conn:
            if MigrationContext.configure(conn).get_current_revision() != head_revision():
                return SCHEMA_BEHIND
            mail_age = ops_state.oldest_mail_age(conn) if limit else None
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("Readiness: the database does not answer: %s", type(error).__name__)
        return DATABASE_UNAVAILABLE
    try:
        loaded = bool(app_services.current().registry.snapshot().buurten)
    except Exception:  # noqa: BLE001 - whatever stops the register (a missing buurten file) means not ready
        current_app.logger.exception("Readiness: the register cannot be loaded")
        loaded = False
    if not loaded:
        return REGISTER_NOT_LOADED
    if mail_age is not None and mail_age > limit:
        return MAIL_STUCK
    return None


def _database_file_present(engine: sa.Engine) -> bool:
    """False for an SQLite file that is gone: SQLite would make a new empty one, and a pooled connection keeps
    answering from the removed file, so neither tells that the register's data is no longer there."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return True
    return Path(url.database).is_file()


def init_app(app) -> None:
    """Serve /healthz and /readyz."""
    app.register_blueprint(bp)
