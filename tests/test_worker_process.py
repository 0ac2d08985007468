"""The real `geo-registry worker` process beside a real SMTP server: a resident's mail leaves within seconds of the
request, two workers deliver each message exactly once (and remind a due beheerder once), SIGTERM lets the message
under way finish, and kill -9 in the middle of a delivery sends nothing twice to the outbox folder, logs the SMTP
repeat with the same Message-ID, and delays nothing by the 15 minutes of a claim's expiry."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from mailbox import wait_for_mail

import pytest
import sqlalchemy as sa
from helpers import csrf_token, make_app
from servers import stopped_at_exit, wait_until, worker_command, worker_process

from geo_registry.mail.delivery import Message, queue
from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.slow  # worker processes of their own

RESIDENT = "bewoner@voorbeeld.invalid"


@pytest.fixture
def register(tmp_path, smtp, db_url):
    """A register with the example groups whose mail goes to the test SMTP server; the test's app only queues."""
    app = make_app(tmp_path, DATABASE_URL=db_url, MAIL_HOST="127.0.0.1", MAIL_PORT=smtp.port)
    assert "4 toegevoegd" in app.test_cli_runner().invoke(args=["load-examples"]).output
    app.smtp = smtp
    return app


def settings_of(app, **more) -> dict:
    """The GEO_REGISTRY_* settings for a worker process on app's database and mail server."""
    return {
        "SECRET_KEY": "test",
        "DATABASE_URL": app_settings.of(app).DATABASE_URL,
        "PDOK_URL": "",
        "TILES": "none",
        "PUBLIC_URL": "http://localhost",
        "MAIL_HOST": app_settings.of(app).MAIL_HOST,
        "MAIL_PORT": app_settings.of(app).MAIL_PORT,
        **more,
    }


def queued(app) -> int:
    """How many messages wait in the queue."""
    with app.extensions["geo_registry.engine"].connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM mail_outbox")).scalar_one()


def put(app, count: int) -> list[str]:
    """Queue count messages to distinct addresses; return the addresses."""
    addresses = [f"ontvanger{n}@voorbeeld.invalid" for n in range(count)]
    with app.extensions["geo_registry.engine"].begin() as conn:
        for address in addresses:
            queue(conn, Message("test", address, f"Bericht aan {address}", "Hallo"))
    return addresses


def test_a_residents_mail_leaves_within_seconds_of_the_request(register, tmp_path):
    """The web process only queues; the worker process (default MAIL_POLL_SECONDS, 2 s) sends it."""
    with worker_process(settings_of(register), tmp_path / "worker.log"):
        client = register.test_client()
        url = "/groep/1/aanmelden"
        data = {"naam": "Bea", "mobiel": "0612345678", "email": RESIDENT, "csrf_token": csrf_token(client, url)}
        started = time.monotonic()
        assert client.post(url, data=data).status_code == 302
        answered = time.monotonic()
        [mail] = wait_for_mail(register.smtp, RESIDENT, timeout=60)
        took = time.monotonic() - answered
    print(f"\nresident's mail at the SMTP server {took:.2f} s after the answer ({answered - started:.2f} s request)")
    # Promised: within a few seconds (a poll every 2 s); the margin is for a busy 2-core machine.
    assert took < 10, took
    # The resident's own confirmation: to an address nobody has confirmed, so without the typed name (issue 22).
    assert "Beste bewoner," in mail.get_content() and "Bea" not in mail.get_content()


@pytest.mark.both_databases
def test_two_workers_deliver_each_message_exactly_once_and_remind_a_due_beheerder_once(register, tmp_path):
    addresses = put(register, 60)
    with register.extensions["geo_registry.engine"].begin() as conn:
        stamp = datetime.now(UTC) - timedelta(days=400)
        conn.execute(sa.text("UPDATE groups SET last_confirmed_at = :t WHERE id = 1"), {"t": stamp})
    settings = settings_of(register, MAIL_POLL_SECONDS=0.2)
    with ExitStack() as both:
        for n in (1, 2):
            both.enter_context(worker_process(settings, tmp_path / f"worker{n}.log"))
        wait_until(lambda: queued(register) == 0 and len(register.smtp.messages) >= 61, "all delivered", 120)
        time.sleep(1)  # anything sent twice would arrive now
    smtp = register.smtp
    assert [len(smtp.to(address)) for address in addresses] == [1] * len(addresses)
    assert len(smtp.to("beheerder1@voorbeeld.invalid")) == 1 and len(smtp.messages) == 61
    logs = [(tmp_path / f"worker{n}.log").read_text() for n in (1, 2)]
    # Both took part in the delivery (each message claimed by one), one ran the yearly round.
    assert sum("confirmation-round: 1 yearly confirmation e-mail(s) queued" in log for log in logs) == 1, logs


def test_sigterm_lets_the_message_under_way_finish_then_the_worker_exits_0(register, tmp_path):
    [address] = put(register, 1)
    register.smtp.stall = {address}
    log = tmp_path / "worker.log"
    with worker_process(settings_of(register), log) as worker:
        assert register.smtp.stalled.wait(60)  # the message is at the server, which has not answered yet
        worker.send_signal(signal.SIGTERM)
        wait_until(lambda: "SIGTERM received" in log.read_text(), "the worker heard SIGTERM", process=None)
        time.sleep(0.5)
        assert worker.poll() is None  # still waiting for the server's answer
        register.smtp.released.set()
        assert worker.wait(timeout=60) == 0
    assert queued(register) == 0 and len(register.smtp.to(address)) == 1
    assert "stopped" in log.read_text().splitlines()[-1]


def killed_in_the_middle(register, tmp_path, settings: dict, when) -> subprocess.Popen:
    """Start a worker process, wait until when() (a delivery under way), kill -9 it; return it."""
    env = {**os.environ, **{f"GEO_REGISTRY_{key}": str(value) for key, value in settings.items()}}
    with (
        open(tmp_path / "killed.log", "w") as output,
        stopped_at_exit(subprocess.Popen(worker_command(), env=env, stdout=output, stderr=subprocess.STDOUT)) as worker,
    ):
        wait_until(when, "a delivery under way", seconds=60, process=worker)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
    return worker


def test_kill_9_while_sending_over_smtp_the_repeat_is_logged_and_carries_the_same_message_id(register, tmp_path):
    addresses = put(register, 3)
    register.smtp.stall = {addresses[1]}
    killed_in_the_middle(register, tmp_path, settings_of(register), register.smtp.stalled.is_set)
    register.smtp.released.set()
    log = tmp_path / "worker.log"
    with worker_process(settings_of(register), log):
        restarted = time.monotonic()  # the new worker has started its jobs
        wait_until(lambda: queued(register) == 0, "the queue emptied after the restart", seconds=120)
        took = time.monotonic() - restarted
    smtp = register.smtp
    assert [len(smtp.to(a)) for a in addresses] == [1, 2, 1]
    first, second = smtp.to(addresses[1])
    assert first["Message-ID"] == second["Message-ID"]
    [repeat] = [line for line in log.read_text().splitlines() if "may be a repeat" in line]
    assert first["Message-ID"] in repeat
    print(f"\nafter kill -9: the queue empty {took:.1f} s after the new worker started; the log said: {repeat}")
    assert took < 60  # not the 15 minutes of a claim's expiry (the margin is for a busy machine)


@pytest.fixture
def stalled_delete(register):
    """On PostgreSQL: the DELETE that marks the 2nd message done waits (pg_sleep) until the test ends it, so that
    a worker can be killed after writing its outbox file and before the message is marked done."""
    engine = register.extensions["geo_registry.engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("a trigger that waits needs PostgreSQL; SQLite's case: tests/test_mail_queue.py")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION hold_delete() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(3600); RETURN OLD; END $$"
            " LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER hold_delete BEFORE DELETE ON mail_outbox FOR EACH ROW WHEN (OLD.recipient ="
            " 'ontvanger1@voorbeeld.invalid') EXECUTE FUNCTION hold_delete()"
        )

    def release():
        """End the waiting DELETE (its transaction, left by the killed worker, rolls back), then drop the trigger."""
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'DELETE FROM mail_outbox%%'"
                " AND pid <> pg_backend_pid()"
            )
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS hold_delete ON mail_outbox")
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS hold_delete()")

    yield release
    release()


@pytest.mark.both_databases
def test_kill_9_after_writing_to_the_outbox_folder_writes_no_second_file(register, tmp_path, stalled_delete):
    """Defect: 3 messages written to the outbox folder twice after kill -9. The worker is killed with the 2nd
    message's file written and the message not yet marked done; the restarted worker marks it done at once."""
    outbox = tmp_path / "uit"
    settings = settings_of(register, MAIL_HOST="", MAIL_OUTBOX=outbox)
    put(register, 3)
    killed_in_the_middle(register, tmp_path, settings, lambda: len(list(outbox.glob("*-000002-*.eml"))) == 1)
    stalled_delete()
    with worker_process(settings, tmp_path / "worker.log"):
        restarted = time.monotonic()  # the new worker has started its jobs
        wait_until(lambda: queued(register) == 0, "the queue emptied after the restart", seconds=120)
        took = time.monotonic() - restarted
    names = sorted(path.name for path in outbox.glob("*.eml"))
    assert [name.split("-")[1] for name in names] == ["000001", "000002", "000003"], names
    assert took < 60  # not the 15 minutes of a claim's expiry (the margin is for a busy machine)
