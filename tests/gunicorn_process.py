"""`geo-registry serve` (gunicorn) in a process of its own, on a database a test prepared: its URL, its master
and its workers' process ids, and clients that keep it busy while a test signals it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from servers import free_port, port_was_taken, stopped_at_exit, wait_until

COMMAND = [str(Path(sys.executable).parent / "geo-registry")]


def server_environment(tmp_path: Path, **settings) -> dict:
    """The environment of a server: this one without GEO_REGISTRY_* (the tests' buurten cache kept), the test
    defaults (no Locatieserver, no basemap, mail to a folder in tmp_path) and settings as GEO_REGISTRY_*."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GEO_REGISTRY_") or name == "GEO_REGISTRY_BUURTEN_CACHE"
    }
    defaults = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",  # made and migrated by the server
        "SECRET_KEY": "test",
        "PDOK_URL": "",
        "TILES": "none",
        "MAIL_OUTBOX": tmp_path / "outbox",
    }
    env.update({f"GEO_REGISTRY_{key}": str(value) for key, value in {**defaults, **settings}.items()})
    return env


@dataclass
class Served:
    """A running `geo-registry serve`: its base URL, its master process and its log."""

    base: str
    process: subprocess.Popen
    log: Path

    def workers(self) -> set[int]:
        """The process ids of the master's children (gunicorn's workers) right now."""
        children = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:  # ended meanwhile
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.add(int(entry.name))
        return children

    def answering(self) -> bool:
        """Whether the server answers /api/ping."""
        return requests.get(self.base + "/api/ping", timeout=5).ok


@contextmanager
def serving(tmp_path: Path, *options: str, prefix: tuple[str, ...] = (), **settings):
    """Run `geo-registry serve [options]` (after prefix: taskset, say) on a free port with these settings; yield a
    Served once it answers."""
    env = server_environment(tmp_path, **settings)
    for attempt in range(3):  # another port if another test process took this one meanwhile
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        command = [*prefix, *COMMAND, "serve", "--port", str(port), *options]
        with (
            log.open("w") as output,
            stopped_at_exit(subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)) as process,
        ):
            served = Served(f"http://127.0.0.1:{port}", process, log)
            try:
                wait_until(served.answering, f"server ({log.read_text()})", seconds=90, process=process)
            except AssertionError:
                if attempt < 2 and port_was_taken(process, log.read_text()):
                    continue
                raise
            yield served
            return


@dataclass
class Load:
    """Clients that each send one request after another until stopped: what they got, failures by kind."""

    answered: int = 0
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, outcome: str | None) -> None:
        """Count one request: None when it was answered as expected, else what went wrong."""
        with self.lock:
            if outcome is None:
                self.answered += 1
            else:
                self.failures.append(outcome)


def keep_asking(load: Load, ask) -> None:
    """Call ask() (one request; returns None or what went wrong) until load is stopped, counting outcomes."""
    while not load.stop.is_set():
        try:
            load.count(ask())
        except requests.RequestException as error:
            load.count(f"{type(error).__name__}: {error}"[:300])


@contextmanager
def under_load(*askers):
    """Run one client thread per asker until the block ends; yield the Load that counts their requests."""
    load = Load()
    threads = [threading.Thread(target=keep_asking, args=(load, ask), daemon=True) for ask in askers]
    for thread in threads:
        thread.start()
    try:
        yield load
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=90)


def wait_for_answers(load: Load, more: int, seconds: float = 60) -> None:
    """Wait until the clients have had more answers than now."""
    target = load.answered + more
    deadline = time.monotonic() + seconds
    while load.answered < target and time.monotonic() < deadline:
        time.sleep(0.05)
    assert load.answered >= target, f"only {load.answered} of {target} answers; failures: {load.failures[:5]}"
