"""A slow Locatieserver does not stall the site: lookups and autocomplete wait on it only a few at a time,
so /api/ping still answers within 1 s while a dozen suggestions are asked at once (served by `geo-registry serve`:
one gunicorn worker of 4 threads, against a real HTTP server that does not answer in time)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from gunicorn_process import serving

pytestmark = pytest.mark.slow  # waits out the address service's limits


def test_a_silent_locatieserver_does_not_take_every_server_thread(tmp_path, pdok):
    pdok.mode, pdok.delay = "slow", 10.0
    with serving(tmp_path, "--workers", "1", "--threads", "4", PDOK_URL=pdok.url, PDOK_TIMEOUT=3.0) as server:
        base = server.base
        requests.get(base + "/api/ping", timeout=5)  # the server is warm
        with ThreadPoolExecutor(12) as pool:
            asked = [pool.submit(requests.get, f"{base}/api/suggest?q=Brink{n}", timeout=30) for n in range(12)]
            # Wait until the Locatieserver holds calls: (before) all 4 server threads, (now) 2, the rest answered.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (
                len(pdok.requests) >= 4 or (len(pdok.requests) >= 2 and sum(a.done() for a in asked) >= 10)
            ):
                time.sleep(0.02)
            assert len(pdok.requests) >= 2
            started = time.monotonic()
            ping = requests.get(base + "/api/ping", timeout=30)
            # Before: 8.8 s, the 12 suggestions queued 3 s each on the server's 4 threads (at least one 3 s wait);
            # now a few milliseconds. 2.5 s is many times that on a loaded machine, and short of the 3 s of one wait.
            assert ping.status_code == 200 and time.monotonic() - started < 2.5
            lookup = requests.get(base + "/api/lookup?q=Brink+12+Laren", timeout=30)
            assert lookup.status_code == 503 and "klik op de kaart" in lookup.json()["error"]["message"]
            assert all(a.result().status_code == 200 for a in asked)


def test_a_name_server_that_does_not_answer_cannot_hold_a_lookup(monkeypatch):
    """The deadline holds from the very start of a call, the server's name lookup included (there is no DNS
    server to run here, so the system's resolver is replaced by one that hangs)."""
    import socket
    import threading

    import pytest

    from geo_registry.core.errors import AddressServiceUnavailable
    from geo_registry.lookup.model import AddressQuery
    from geo_registry.lookup.pdok import PdokSource

    released = threading.Event()

    def hanging_resolver(*args, **kwargs):
        released.wait(60)
        raise socket.gaierror("no answer")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_resolver)
    source = PdokSource("http://locatieserver.invalid/search/v3_1", "GM0417", timeout=1.0)
    try:
        for _ in range(3):  # the two slots are held by calls stuck in the resolver: the third is refused at once
            started = time.monotonic()
            with pytest.raises(AddressServiceUnavailable):
                source.find(AddressQuery.from_text("Brink 12, Laren"))
            # The limit (1 s) and its grace many times over; before: as long as the resolver hung (here 60 s).
            assert time.monotonic() - started < 10.0
    finally:
        released.set()
