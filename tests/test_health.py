"""/healthz and /readyz, on both databases: each reason for 'not ready' produced for real (a database that is
gone, a schema one migration behind, a register that cannot load, an old queued message), each answer short,
plain, never cached and without a session cookie."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from helpers import make_app, migrate

from geo_registry.mail.delivery import Message, queue
from geo_registry.store.tables import mail_outbox

pytestmark = pytest.mark.both_databases


def engine_of(app) -> sa.Engine:
    """The app's own engine."""
    return app.extensions["geo_registry.engine"]


def assert_plain_and_uncached(response) -> None:
    """A short text answer that no cache keeps, and that opens no session."""
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert len(response.get_data()) < 100


def test_both_answer_200_on_a_running_app(client):
    for path, body in (("/healthz", "ok\n"), ("/readyz", "ready\n")):
        response = client.get(path)
        assert (response.status_code, response.get_data(as_text=True)) == (200, body)
        assert_plain_and_uncached(response)


def test_neither_is_rate_limited(client):
    # A load balancer asks every few seconds, from one address; the forms' limits are 5 an hour.
    assert {client.get(path).status_code for path in ("/healthz", "/readyz") * 40} == {200}


def gone(app, db_url, request) -> None:
    """Take the app's database away: the SQLite file removed, or the PostgreSQL database dropped."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
    else:
        request.getfixturevalue("pg_cluster").drop_database(url.database)


def test_a_database_that_is_gone_makes_readyz_503_and_leaves_healthz_200(app, client, db_url, request):
    assert client.get("/readyz").status_code == 200  # the pool holds a connection to the database from here on
    gone(app, db_url, request)
    response = client.get("/readyz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "not ready: database unavailable\n")
    assert_plain_and_uncached(response)
    # The process still answers: restarting it would not bring the database back.
    assert client.get("/healthz").get_data(as_text=True) == "ok\n"


def test_a_schema_one_migration_behind_makes_readyz_503(app, client):
    previous = "-1"  # Alembic's "one revision before the current one"
    migrate(engine_of(app), command.downgrade, previous)  # the last migration undone for real
    response = client.get("/readyz")
    assert (response.status_code, response.get_data(as_text=True)) == (
        503,
        "not ready: database schema is not at the latest migration\n",
    )
    migrate(engine_of(app), command.upgrade, "head")
    assert client.get("/readyz").status_code == 200


def queue_message(app, age: timedelta, **values) -> None:
    """Queue a message (with a private address) that has waited age."""
    with engine_of(app).begin() as conn:
        message_id = queue(conn, Message("test", "bewoner@voorbeeld.invalid", "Onderwerp", "Tekst"))
        created = datetime.now(UTC).replace(microsecond=0) - age
        conn.execute(mail_outbox.update().where(mail_outbox.c.id == message_id).values(created_at=created, **values))


def test_a_stuck_mail_queue_leaves_every_server_in_service_unless_the_operator_asks(app, client, tmp_path, db_url):
    # Mail is the worker's job, and every web server reads the same queue: failing readiness on it would take
    # all of them out of the load balancer at once, and residents could not look up an address meanwhile.
    queue_message(app, timedelta(days=2))
    assert client.get("/readyz").status_code == 200


def test_an_old_queued_message_makes_readyz_503_where_asked_and_a_young_one_does_not(tmp_path, db_url):
    app = make_app(tmp_path, DATABASE_URL=db_url, READY_MAIL_AGE_SECONDS=900)
    client = app.test_client()
    queue_message(app, timedelta(seconds=60))
    assert client.get("/readyz").status_code == 200
    queue_message(app, timedelta(seconds=901))
    response = client.get("/readyz")
    assert (response.status_code, response.get_data(as_text=True)) == (
        503,
        "not ready: mail queue: the oldest message waits too long\n",
    )
    assert "voorbeeld.invalid" not in response.get_data(as_text=True)


def test_a_message_set_aside_as_unbuildable_does_not_count_and_zero_turns_the_check_off(tmp_path, db_url):
    app = make_app(tmp_path, DATABASE_URL=db_url, READY_MAIL_AGE_SECONDS=900)
    # Set aside: it waits for staff (the mail page), not for delivery; it must not take the site out of service.
    queue_message(app, timedelta(days=2), failed_at=datetime.now(UTC))
    assert app.test_client().get("/readyz").status_code == 200
    queue_message(app, timedelta(days=2))
    assert app.test_client().get("/readyz").status_code == 503
    relaxed = make_app(tmp_path, DATABASE_URL=db_url, READY_MAIL_AGE_SECONDS=0)
    assert relaxed.test_client().get("/readyz").status_code == 200


def test_a_register_that_cannot_load_makes_readyz_503(tmp_path, db_url):
    app = make_app(tmp_path, DATABASE_URL=db_url, WIJKEN_FILE=str(tmp_path / "no-such-buurten.geojson"))
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "not ready: register not loaded\n")
    assert str(tmp_path) not in response.get_data(as_text=True)  # no internals beyond the reason
