"""Running the worker's jobs: each due job in turn, the exclusive ones only under a lease in the database (so two
worker processes never run one at once, and it runs once per interval among them), one log line per run, and on
SIGTERM (or Ctrl-C) the job under way finished before the process exits with 0."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

from geo_registry.core import processes
from geo_registry.store import job_leases
from geo_registry.web import settings as app_settings
from geo_registry.web.mailing import app_mailer
from geo_registry.worker.jobs import JOBS, Context, Done, Job

log = logging.getLogger(__name__)
# How long a worker holds an exclusive job before another may take it (a worker that died on another host); one on
# this host that has stopped is taken over at once. Every job here takes seconds.
LEASE = timedelta(minutes=10)
# How soon a worker looks again at an exclusive job that another worker holds or ran (the database decides).
RECHECK_SECONDS = 60.0


class Worker:
    """Runs the jobs of one app: all of them once (run_once, for cron and tests), or for as long as the process
    lives (run_forever)."""

    def __init__(self, app, jobs: list[Job] | None = None):
        self.app = app
        self.jobs = list(JOBS if jobs is None else jobs)
        self.identity = processes.identity()
        self.stopping = threading.Event()
        self._next: dict[str, float] = {}

    def job(self, name: str) -> Job:
        """The job called name (KeyError for another name)."""
        for job in self.jobs:
            if job.name == name:
                return job
        raise KeyError(f"no job {name!r}; the jobs are: {', '.join(self.names())}")

    def names(self) -> list[str]:
        """The names of this worker's jobs, in the order they run."""
        return [j.name for j in self.jobs]

    def run_job(self, job: Job, force: bool = False) -> Done | None:
        """Run job now if it is due (force: whenever no other worker holds it); return what it did, or None when
        it was not run (another worker holds it or ran it within its interval) or failed (logged)."""
        with self.app.app_context():
            engine = self.app.extensions["geo_registry.engine"]
            settings = app_settings.of(self.app)
            now = datetime.now(UTC)
            every = timedelta(seconds=job.every(settings))
            try:
                if job.exclusive and not job_leases.take(engine, job.name, self.identity, now, every, LEASE, force):
                    return None
                started = time.monotonic()
                done = job.run(Context(settings, engine, app_mailer(self.app), now, self.stopping.is_set))
            except Exception:  # noqa: BLE001 - a locked database or a bug: logged, the other jobs go on
                log.exception("%s failed", job.name)
                self._give_back(engine, job, done=None)
                return None
            self._give_back(engine, job, done)
            quiet = not job.exclusive and done.count == 0  # the frequent delivery job, with nothing to do
            log.log(logging.DEBUG if quiet else logging.INFO, "%s: %s (%.2f s)", job.name, done.text, _since(started))
            return done

    def _give_back(self, engine, job: Job, done: Done | None) -> None:
        if not job.exclusive:
            return
        try:
            result = done.text if done is not None else "failed"
            job_leases.finish(engine, job.name, self.identity, datetime.now(UTC), result, done=done is not None)
        except Exception:  # noqa: BLE001 - the lease then runs out by itself
            log.exception("%s: could not give back the lease", job.name)

    def run_once(self, names: list[str] | None = None) -> dict[str, Done | None]:
        """Run every due job (or the named ones) once, in order; return what each did (None: not run)."""
        return {job.name: self.run_job(job) for job in self.jobs if names is None or job.name in names}

    def run_forever(self, names: list[str] | None = None) -> int:
        """Run the jobs (or the named ones) each at its interval until SIGTERM or SIGINT; return the exit code 0."""
        jobs = [job for job in self.jobs if names is None or job.name in names]
        # Signals reach the main thread only (a loop in another thread, as in a test, is stopped by its event).
        main = threading.current_thread() is threading.main_thread()
        signals = (signal.SIGTERM, signal.SIGINT) if main else ()
        previous = {sig: signal.signal(sig, self._stop_on_signal) for sig in signals}
        log.info("Worker %s started: %s", self.identity, ", ".join(j.name for j in jobs))
        try:
            while not self.stopping.is_set():
                self._run_due(jobs)
                wait = min(self._next.values()) - time.monotonic()
                self.stopping.wait(max(wait, 0.0))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("Worker %s stopped", self.identity)
        return 0

    def _run_due(self, jobs: list[Job]) -> None:
        for job in jobs:
            if self.stopping.is_set():
                return
            if self._next.get(job.name, 0.0) > time.monotonic():
                continue
            done = self.run_job(job)
            every = job.every(app_settings.of(self.app))
            # Not run (another worker had it, or it failed): look again soon; the database says when it is due.
            wait = every if done is not None or not job.exclusive else min(every, RECHECK_SECONDS)
            self._next[job.name] = time.monotonic() + wait

    def _stop_on_signal(self, signum, _frame) -> None:
        log.info("Worker %s: %s received, stopping after the current job", self.identity, signal.Signals(signum).name)
        self.stopping.set()


def _since(started: float) -> float:
    return time.monotonic() - started


def run_job(app, name: str, force: bool = False) -> Done | None:
    """Run one of the worker's jobs in this process, as the worker process runs it (tests, the thin commands)."""
    worker = Worker(app)
    return worker.run_job(worker.job(name), force=force)


def log_to_stderr(level: int = logging.INFO) -> None:
    """The worker's log on standard error, one line per record with its time, unless logging is set up already."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
