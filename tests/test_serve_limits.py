"""What the real server (`geo-registry serve`, gunicorn) does with clients that say nothing or too much: idle
connections cost a socket, not a thread; an oversized request line or header is refused, not a 500; the
process model starts one worker per usable core unless told otherwise."""

from __future__ import annotations

import socket
import time

import pytest
import requests
from gunicorn_process import serving
from servers import wait_until

from geo_registry.core.settings import Settings
from geo_registry.web.serving import gunicorn_options, usable_cores, worker_count


@pytest.mark.slow
def test_the_server_answers_while_200_idle_connections_are_open(tmp_path):
    with serving(tmp_path, "--workers", "1") as server:
        port = int(server.base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        try:
            started = time.monotonic()
            # Before (gunicorn's own gthread worker): each silent connection held one of the 4 threads for 5 s, and
            # /api/ping had no answer after 40 s. Now a fraction of a second; 5 s is many times that, loaded.
            response = requests.get(server.base + "/api/ping", timeout=60)
            assert response.status_code == 200 and time.monotonic() - started < 5.0
        finally:
            for connection in idle:
                connection.close()


@pytest.mark.slow
def test_an_oversized_request_line_or_header_is_refused_by_the_server(tmp_path):
    with serving(tmp_path, "--workers", "1", LIMIT_REQUEST_LINE=1000, LIMIT_REQUEST_FIELD_SIZE=1000) as server:
        assert requests.get(server.base + "/" + "a" * 900, timeout=30).status_code == 404  # the app's answer
        too_long = requests.get(server.base + "/" + "a" * 1100, timeout=30)
        assert too_long.status_code == 414  # the server refuses it before the app sees it
        assert requests.get(server.base + "/api/ping", headers={"X-Big": "b" * 1100}, timeout=30).status_code == 431
        assert requests.get(server.base + "/api/ping", timeout=30).status_code == 200  # and it goes on


def test_one_worker_per_usable_core_unless_told_otherwise():
    assert worker_count(Settings()) == usable_cores()
    assert worker_count(Settings(WORKERS_PER_CORE=2.0)) == 2 * usable_cores()
    assert worker_count(Settings(WORKERS_PER_CORE=0.1)) == 1  # never none
    assert worker_count(Settings(WORKERS=3)) == 3
    assert worker_count(Settings(WORKERS=3), requested=5) == 5


def test_gunicorn_trusts_forwarded_headers_only_with_trust_proxy_and_only_from_the_proxy():
    assert gunicorn_options(Settings(), "127.0.0.1", 5000, 1)["forwarded_allow_ips"] == ""
    trusted = Settings(TRUST_PROXY=True, PROXY_ADDRESSES="10.0.0.5,10.1.0.0/16")
    options = gunicorn_options(trusted, "::1", 8000, 2)
    assert options["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16" and options["bind"] == ["[::1]:8000"]


def test_a_worker_is_not_replaced_within_minutes_of_full_load():
    # A new worker builds the register's snapshot at its first lookup (seconds of processor time at national size):
    # at 10,000 requests a worker under full load (~1,000 a second) was replaced every 10-15 s (issue 24).
    options = gunicorn_options(Settings(), "127.0.0.1", 5000, 2)
    assert options["max_requests"] >= 500_000
    assert 0 < options["max_requests_jitter"] < options["max_requests"]  # not all replaced at once
    assert gunicorn_options(Settings(MAX_REQUESTS=0), "127.0.0.1", 5000, 2)["max_requests"] == 0  # never


@pytest.mark.slow
def test_the_process_count_follows_the_cores_this_process_may_use(tmp_path):
    # taskset: two cores allowed, then one; the workers gunicorn starts follow.
    for cores, expected in (("0,1", 2), ("0", 1)):
        with serving(tmp_path, prefix=("taskset", "-c", cores)) as server:
            wait_until(lambda: len(server.workers()) == expected, f"{expected} workers")  # noqa: B023 (at once)
            time.sleep(1.0)  # and no more than that
            assert len(server.workers()) == expected
