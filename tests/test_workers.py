"""`geo-registry serve` in several worker processes on one port: one per core by default, a worker that dies is
replaced while the others keep answering, stopping the server stops every worker, a change is seen by every
worker within a second, and idle connections do not stop any of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from servers import free_port, port_was_taken, stopped_at_exit, wait_until
from test_processes import STAFF, prepared_app, token

from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.slow  # each test starts `geo-registry serve` with its worker processes

COMMAND = [str(Path(sys.executable).with_name("geo-registry")), "serve"]


def children(pid: int) -> list[int]:
    """The process ids of pid's child processes (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return sorted(found)


def alive(pid: int) -> bool:
    """Whether a process with this id still runs (and is not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@contextmanager
def serving(app, tmp_path, *options: str, prefix: tuple[str, ...] = ()):
    """Run `geo-registry serve` (with options) on app's database; yield (base URL, process)."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GEO_REGISTRY_") or name == "GEO_REGISTRY_BUURTEN_CACHE"
    }  # the tests' copy folder
    env.update(
        GEO_REGISTRY_DATABASE_URL=app_settings.of(app).DATABASE_URL,
        GEO_REGISTRY_SECRET_KEY="shared-secret",
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_TILES="none",
        GEO_REGISTRY_PUBLIC_URL="http://localhost",
        GEO_REGISTRY_MAIL_OUTBOX=str(tmp_path / "outbox"),
    )
    for attempt in range(3):  # another port if another test process took this one meanwhile
        log = tmp_path / f"serve-{port}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [*prefix, *COMMAND, "--port", str(port), *options], env=env, stdout=output, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        with stopped_at_exit(process):
            try:
                wait_until(
                    lambda: requests.get(base + "/api/v1/ping", timeout=2).ok,  # noqa: B023 (called at once)
                    f"server ({log.read_text()})",
                    process=process,
                )
            except AssertionError:
                if attempt < 2 and port_was_taken(process, log.read_text()):
                    port = free_port()
                    continue
                raise
            yield base, process
            return


@pytest.fixture
def register_app(tmp_path, address_csv):
    """A register with the example groups, the address table and a staff account, on SQLite."""
    return prepared_app(tmp_path, address_csv)


def workers_of(process) -> list[int]:
    """The worker processes of a supervisor, once they are all up."""
    return [pid for pid in children(process.pid) if "--listen-fd" in Path(f"/proc/{pid}/cmdline").read_text()]


def test_by_default_one_worker_process_per_core(register_app, tmp_path):
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        pytest.skip("this machine has one core")
    with serving(register_app, tmp_path, prefix=("taskset", "-c", "0,1")) as (_, server):
        assert len(workers_of(server)) == 2  # two cores allowed: two workers on one port
    with serving(register_app, tmp_path, prefix=("taskset", "-c", "0")) as (_, server):
        assert workers_of(server) == []  # one core: the app runs in the process itself, as before


def test_a_worker_that_dies_is_replaced_and_the_site_keeps_answering(register_app, tmp_path):
    with serving(register_app, tmp_path, "--workers", "2") as (base, server):
        wait_until(lambda: len(workers_of(server)) == 2, "two workers")
        first, second = workers_of(server)
        os.kill(first, signal.SIGKILL)
        for _ in range(20):  # the surviving worker answers while the new one starts
            assert requests.get(base + "/api/v1/ping", timeout=5).ok
        wait_until(lambda: len(workers_of(server)) == 2 and first not in workers_of(server), "a new worker")
        assert second in workers_of(server)
        wait_until(lambda: requests.get(base + "/overzicht", timeout=5).ok, "pages after the restart")


def test_stopping_the_server_stops_every_worker(register_app, tmp_path):
    with serving(register_app, tmp_path, "--workers", "2") as (base, server):
        wait_until(lambda: len(workers_of(server)) == 2, "two workers")
        pids = workers_of(server)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    wait_until(lambda: not any(alive(pid) for pid in pids), "workers gone after SIGTERM", seconds=10)
    with serving(register_app, tmp_path, "--workers", "2") as (base, server):
        wait_until(lambda: len(workers_of(server)) == 2, "two workers")
        pids = workers_of(server)
        server.kill()  # a supervisor that cannot clean up: its workers notice and end themselves
        server.wait()
    wait_until(lambda: not any(alive(pid) for pid in pids), "workers gone after the supervisor was killed", seconds=15)


def test_workers_that_cannot_start_stop_the_server_with_an_error(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GEO_REGISTRY_") or name == "GEO_REGISTRY_BUURTEN_CACHE"
    }  # the tests' copy folder
    env.update(
        GEO_REGISTRY_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        GEO_REGISTRY_SECRET_KEY="x",
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_TILES="none",
    )
    process = subprocess.run(
        [*COMMAND, "--port", str(free_port()), "--workers", "2"], env=env, timeout=180, capture_output=True, text=True
    )
    assert process.returncode == 1  # not an endless loop of restarts


def test_a_change_is_seen_by_every_worker_within_a_second(register_app, tmp_path, places):
    from helpers import login_over_http, register_pending

    group_id = register_pending(register_app)
    lat, lon = places["postiljon"]
    with serving(register_app, tmp_path, "--workers", "2") as (base, server):
        lookup = f"{base}/api/v1/lookup?lat={lat}&lon={lon}"
        wait_until(lambda: len(workers_of(server)) == 2, "two workers")
        for _ in range(10):  # both workers have answered without the group (and hold their snapshot)
            assert requests.get(lookup, timeout=10).json()["groups"] == []
        staff = requests.Session()
        login_over_http(staff, base, register_app, STAFF, "shared-secret")
        page = f"{base}/beheer/groep/{group_id}"
        approve = {"csrf_token": token(staff, page), "besluit": "goedkeuren"}
        assert staff.post(page + "/beoordelen", data=approve, allow_redirects=False, timeout=10).status_code == 302
        time.sleep(1.0)
        # Each new connection goes to whichever worker accepts it first: 20 of them reach both.
        names = [[g["name"] for g in requests.get(lookup, timeout=10).json()["groups"]] for _ in range(20)]
        assert names == [["Nieuwe groep"]] * 20


def test_every_worker_answers_while_200_idle_connections_are_open(register_app, tmp_path):
    with serving(register_app, tmp_path, "--workers", "2") as (base, server):
        wait_until(lambda: len(workers_of(server)) == 2, "two workers")
        port = int(base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        try:
            for _ in range(10):
                started = time.monotonic()
                assert requests.get(base + "/api/v1/ping", timeout=5).ok
                # Milliseconds when every worker still answers; one stuck behind the idle connections does not
                # answer at all (the timeout of 5 s). 3 s is many times the one and short of the other.
                assert time.monotonic() - started < 3.0
        finally:
            for connection in idle:
                connection.close()
