"""The background worker's jobs in this process (geo_registry/worker/): an exclusive job runs in one worker at a time
and once per interval among them all, a lease of a worker that stopped on this host is taken over at once, a job
that fails is logged and the others go on, the loop stops after the job under way, and the yearly round reminds a
beheerder once whatever the number of workers. The worker process itself: tests/test_worker_process.py."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import make_app

from geo_registry.mail.delivery import Message, queue
from geo_registry.store import job_leases
from geo_registry.worker.jobs import JOBS, Done, Job
from geo_registry.worker.runner import Worker, run_job

STOPPED_HERE = f"{socket.gethostname()}:999999999:1:dood"  # a process on this host that does not exist
ELSEWHERE = "andere-host:4242:1:levend"  # a process on another host: its lease can only expire


@pytest.fixture
def counted():
    """A job that counts its runs (hourly, exclusive)."""
    runs: list[datetime] = []

    def run(ctx):
        runs.append(ctx.now)
        return Done(1, "counted")

    return Job("tellen", lambda s: 3600.0, run), runs


def worker(app, job, identity: str | None = None) -> Worker:
    """A worker of app with only job, under another identity than this process's when given (another worker)."""
    made = Worker(app, [job])
    if identity:
        made.identity = identity
    return made


@pytest.mark.both_databases
def test_an_exclusive_job_runs_once_per_interval_among_all_workers(app, counted):
    job, runs = counted
    first, second = worker(app, job), worker(app, job, identity="tweede-host:1:1:x")
    assert first.run_job(job) == Done(1, "counted")
    assert second.run_job(job) is None and first.run_job(job) is None  # ran within the hour: due for nobody
    assert second.run_job(job, force=True) is not None  # forced (a command): run once more, by either
    assert len(runs) == 2
    state = job_leases.state(app.extensions["geo_registry.engine"])["tellen"]
    assert state["claimed_by"] is None and state["last_result"] == "counted" and state["last_finished_at"]


@pytest.mark.both_databases
def test_a_job_another_worker_is_running_is_not_run_even_when_forced(app, counted):
    job, runs = counted
    engine = app.extensions["geo_registry.engine"]
    now = datetime.now(UTC)
    assert job_leases.take(engine, "tellen", ELSEWHERE, now, timedelta(hours=1), timedelta(minutes=10))
    assert worker(app, job).run_job(job, force=True) is None and runs == []
    # Its lease over (that worker died on its host), the job is free again.
    with engine.begin() as conn:
        conn.execute(job_leases.jobs.update().values(lease_until=now - timedelta(seconds=1)))
    assert worker(app, job).run_job(job) is not None and len(runs) == 1


def test_the_lease_of_a_worker_that_stopped_on_this_host_is_taken_over_at_once(app, counted):
    """kill -9 of a worker in the middle of a job: a worker on the same host sees that the holder no longer runs
    and takes the job now, not when the 10-minute lease runs out."""
    job, runs = counted
    engine = app.extensions["geo_registry.engine"]
    assert job_leases.take(engine, "tellen", STOPPED_HERE, datetime.now(UTC), timedelta(hours=1), timedelta(hours=1))
    assert worker(app, job).run_job(job) is not None and len(runs) == 1


def test_a_job_that_fails_is_logged_the_others_run_and_it_is_due_again(app, counted, caplog):
    job, runs = counted
    attempts = []

    def broken(ctx):
        attempts.append(ctx.now)
        raise ZeroDivisionError("kapot")

    failing = Job("kapot", lambda s: 3600.0, broken)
    both = Worker(app, [failing, job])
    with caplog.at_level(logging.INFO, logger="geo_registry.worker.runner"):
        assert both.run_once() == {"kapot": None, "tellen": Done(1, "counted")}
    [failed] = [r for r in caplog.records if r.exc_info]
    assert failed.getMessage() == "kapot failed" and failed.exc_info[0] is ZeroDivisionError
    # One line per run, with what it did and how many.
    assert any(r.getMessage().startswith("tellen: counted (") for r in caplog.records)
    assert both.run_once() == {"kapot": None, "tellen": None}  # a failed job is due again; the other is not
    assert len(attempts) == 2 and len(runs) == 1


def test_the_loop_finishes_the_job_under_way_when_asked_to_stop(app):
    """What SIGTERM does (the handler sets stopping): the job that is running ends as it would, no job starts
    after it, and run_forever returns the exit code 0."""
    entered, finish, finished = threading.Event(), threading.Event(), []

    def slow(ctx):
        entered.set()
        finish.wait(30)
        finished.append(ctx.stop())  # the job can see that it was asked to stop
        return Done(1, "slow")

    later = []
    jobs = [
        Job("traag", lambda s: 0.1, slow, exclusive=False),
        Job("later", lambda s: 0.1, lambda c: later.append(1) or Done(1, "later")),
    ]
    loop = Worker(app, jobs)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(code=loop.run_forever()))
    thread.start()
    try:
        assert entered.wait(30)
        loop.stopping.set()
        finish.set()
        thread.join(30)
    finally:
        finish.set()
        loop.stopping.set()
    assert not thread.is_alive() and outcome == {"code": 0}
    assert finished == [True] and later == []


def test_the_loop_sends_mail_queued_without_telling_it_within_its_poll_interval(tmp_path):
    """The web processes only queue: the worker finds a new message on its own next look (MAIL_POLL_SECONDS)."""
    outbox = tmp_path / "uit"
    app = make_app(tmp_path, MAIL_OUTBOX=str(outbox), MAIL_POLL_SECONDS=0.2)
    loop = Worker(app, [j for j in JOBS if j.name == "mail-delivery"])
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        with app.extensions["geo_registry.engine"].begin() as conn:
            queue(conn, Message("aanmelding-lid", "bo@voorbeeld.invalid", "Aanmelding", "Hallo"))
        arrived = threading.Event()
        for _ in range(600):  # up to 30 s: a bound far beyond the 0.2 s asked for, not a measure of speed
            if list(outbox.glob("*.eml")):
                arrived.set()
                break
            loop.stopping.wait(0.05)
        assert arrived.is_set()
    finally:
        loop.stopping.set()
        thread.join(30)


def test_the_jobs_list_names_every_background_job():
    assert [(j.name, j.exclusive) for j in JOBS] == [
        ("mail-delivery", False),
        ("mail-retention", True),
        ("stale-registrations", True),
        ("waiting-list", True),
        ("confirmation-round", True),
        ("access-log-retention", True),
    ]


@pytest.mark.both_databases
def test_the_yearly_round_reminds_a_due_beheerder_once_whatever_the_number_of_workers(mail_app):
    engine = mail_app.extensions["geo_registry.engine"]
    stamp = datetime.now(UTC) - timedelta(days=400)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE groups SET last_confirmed_at = :t WHERE id = 1"), {"t": stamp})
    first = run_job(mail_app, "confirmation-round")
    assert first is not None and first.count == 1 and len(first.ids) == 1
    other = Worker(mail_app)
    other.identity = "tweede-host:1:1:x"
    assert other.run_job(other.job("confirmation-round")) is None  # not due again for an hour
    assert other.run_job(other.job("confirmation-round"), force=True).count == 0  # reminded already
    [mail] = mail_app.smtp.to("beheerder1@voorbeeld.invalid")  # sent by the delivery job (settle)
    assert "nog actief" in mail["Subject"]


def test_an_unknown_job_is_named_with_the_known_ones(app):
    with pytest.raises(KeyError, match="mail-delivery"):
        Worker(app).job("bestaat-niet")
