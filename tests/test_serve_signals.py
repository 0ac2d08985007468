"""Stopping, reloading and losing a process under the real server (`geo-registry serve`, gunicorn): SIGTERM lets
a request in flight finish, SIGHUP under load answers every request, a killed or hung worker is replaced."""

from __future__ import annotations

import os
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from gunicorn_process import serving, under_load, wait_for_answers
from helpers import make_app
from servers import wait_until

from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.slow  # servers in processes of their own, and load for seconds

# Each request on a new connection, as a reverse proxy sends them to the app by default (nginx: HTTP/1.0 upstream,
# no kept-alive connections), so a count of failures is the server's, not a race of a client reusing a connection
# that the server closed as it stopped.
CLOSE = {"Connection": "close"}


@pytest.fixture
def example_database(tmp_path) -> str:
    """The URL of a migrated SQLite database with the example groups."""
    app = make_app(tmp_path)
    assert "4 toegevoegd" in app.test_cli_runner().invoke(args=["load-examples"]).output
    return app_settings.of(app).DATABASE_URL


def lookup(base: str, lat: float, lon: float):
    """An asker: one point lookup that must find the example group there."""

    def ask() -> str | None:
        response = requests.get(f"{base}/api/lookup?lat={lat}&lon={lon}", headers=CLOSE, timeout=60)
        return None if response.status_code == 200 and response.json()["groups"] else f"lookup {response.status_code}"

    return ask


def registration(base: str):
    """An asker: one registration through the form (the form, then the post), each with its own address."""
    counter = iter(range(1_000_000))

    def ask() -> str | None:
        n = next(counter)
        with requests.Session() as browser:
            browser.headers.update(CLOSE)
            form = browser.get(f"{base}/groep-aanmelden/", timeout=60)
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            data = {"csrf_token": token, "naam": f"Groep {threading.get_ident()} {n}", "beheerder_naam": "B"}
            data |= {"email": f"b{threading.get_ident()}.{n}@voorbeeld.invalid", "buurten": "BU04170324"}
            sent = browser.post(f"{base}/groep-aanmelden/", data={**data, "actie": "aanmelden"}, timeout=60)
        return None if sent.status_code == 200 and "/verstuurd" in sent.url else f"registration {sent.status_code}"

    return ask


def load_on(base: str, places) -> list:
    """Three clients that look up points and one that registers groups."""
    return [lookup(base, *places["centrum"])] * 3 + [registration(base)]


def test_sigterm_lets_the_request_in_flight_finish_and_the_server_exits_cleanly(tmp_path, pdok, example_database):
    pdok.mode, pdok.delay = "slow", 2.0  # the Locatieserver answers after 2 s, within the app's 3 s
    settings = {"DATABASE_URL": example_database, "PDOK_URL": pdok.url, "PDOK_TIMEOUT": 3.0}
    with serving(tmp_path, "--workers", "1", **settings) as server, ThreadPoolExecutor(1) as pool:
        asked = pool.submit(requests.get, f"{server.base}/api/lookup?q=Brink+12+Laren", timeout=60)
        wait_until(lambda: len(pdok.requests) >= 1, "the lookup waits on the Locatieserver", seconds=30)
        server.process.send_signal(signal.SIGTERM)
        response = asked.result()
        assert response.status_code == 200  # before: cut off mid-body
        body = response.json()
        assert body["address"] and [group["name"] for group in body["groups"]]
        assert server.process.wait(timeout=60) == 0
        assert "Shutting down" in server.log.read_text()


def test_a_reload_under_load_answers_every_request(tmp_path, example_database, places):
    with serving(tmp_path, "--workers", "2", DATABASE_URL=example_database, REGISTER_LIMIT=1_000_000) as server:
        wait_until(lambda: len(server.workers()) == 2, "two workers")
        old = server.workers()
        with under_load(*load_on(server.base, places)) as load:
            wait_for_answers(load, 20)
            server.process.send_signal(signal.SIGHUP)
            wait_until(lambda: len(server.workers()) == 2 and not server.workers() & old, "new workers", seconds=90)
            wait_for_answers(load, 40)  # answered by the new workers
        print(f"reload under load: {len(load.failures)} failed of {load.answered + len(load.failures)}")
        assert load.failures == []


def test_a_killed_worker_is_replaced_and_the_failed_requests_are_counted(tmp_path, example_database, places):
    askers = None
    with serving(tmp_path, "--workers", "2", DATABASE_URL=example_database, REGISTER_LIMIT=1_000_000) as server:
        wait_until(lambda: len(server.workers()) == 2, "two workers")
        victim = min(server.workers())
        askers = load_on(server.base, places)
        with under_load(*askers) as load:
            wait_for_answers(load, 20)
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda: victim not in server.workers() and len(server.workers()) == 2, "a new worker")
            lost = len(load.failures)
            wait_for_answers(load, 40)
        print(f"kill -9 of a worker under load: {lost} failed of {load.answered + lost} ({load.failures})")
        # Only what that worker had in hand is lost (each client has one request at a time); none after.
        assert lost <= len(askers) and len(load.failures) == lost
        assert server.answering()


def test_a_hung_worker_is_killed_and_replaced(tmp_path, example_database):
    with serving(tmp_path, "--workers", "1", DATABASE_URL=example_database, WORKER_TIMEOUT=3) as server:
        wait_until(lambda: len(server.workers()) == 1, "one worker")
        [hung] = server.workers()
        os.kill(hung, signal.SIGSTOP)  # stops answering its master, as a worker stuck in a C call would
        try:
            wait_until(lambda: server.workers() and hung not in server.workers(), "a new worker", seconds=60)
        finally:
            if hung in server.workers():
                os.kill(hung, signal.SIGCONT)
        assert "WORKER TIMEOUT" in server.log.read_text()
        wait_until(server.answering, "the new worker answers")
