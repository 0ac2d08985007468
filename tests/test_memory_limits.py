"""The rate limits counted in a process's memory (memory://, the default) start no thread per request (issue 24):
limits' own memory storage started a timer thread on nearly every limited POST under load. The limits hold as
before, and counts that have left their window are still dropped, by the requests themselves."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from helpers import csrf_token, make_app
from limits.storage import memory as limits_memory

from geo_registry.web import memory_limits
from geo_registry.web.memory_limits import QuietMemoryStorage, quiet_uri
from geo_registry.web.security import limiter


def register(client, serial: int):
    """Open the registration form and post it; the answer to the post."""
    return client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": f"Buurtapp {serial}",
            "beheerder_naam": "Bram Beheerder",
            "email": f"aanmelder{serial}@voorbeeld.invalid",
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
    )


def test_registrations_start_no_thread_and_the_limit_per_connection_still_holds(tmp_path, monkeypatch):
    app = make_app(tmp_path, REGISTER_LIMIT=3)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"  # what was set is what the settings say
    assert isinstance(limiter.storage, QuietMemoryStorage)
    client = app.test_client()
    assert register(client, 1).status_code == 302  # the first: whatever is made once per process
    started = []
    real_start = threading.Thread.start

    def counting_start(thread):
        started.append(thread)
        return real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    for serial in (2, 3):
        time.sleep(0.02)  # limits' own storage started a timer on a hit more than 10 ms after its last one ran
        assert register(client, serial).status_code == 302
    assert started == []
    assert register(client, 4).status_code == 429  # the fourth from this connection within the hour, as before


def test_counts_that_left_their_window_are_dropped_by_a_later_hit(monkeypatch):
    now = {"wall": 1_000_000.0, "monotonic": 50.0}
    monkeypatch.setattr(limits_memory, "time", SimpleNamespace(time=lambda: now["wall"]))
    monkeypatch.setattr(memory_limits, "time", SimpleNamespace(monotonic=lambda: now["monotonic"]))
    storage = QuietMemoryStorage()
    assert storage.acquire_entry("register:127.0.0.1", limit=2, expiry=60)
    assert storage.acquire_entry("register:127.0.0.1", limit=2, expiry=60)
    assert not storage.acquire_entry("register:127.0.0.1", limit=2, expiry=60)  # full
    now["wall"] += 61  # the window has passed: the two counts are old
    now["monotonic"] += 61
    assert storage.acquire_entry("other:127.0.0.2", limit=2, expiry=60)  # any hit drops what expired
    assert not storage.events.get("register:127.0.0.1")  # its two entries are gone
    assert storage.acquire_entry("register:127.0.0.1", limit=2, expiry=60)
    # Within a second of the last clean-up, a hit does not look through every key again.
    now["wall"] += 61
    now["monotonic"] += 0.5
    assert storage.acquire_entry("other:127.0.0.2", limit=2, expiry=60)
    assert len(storage.events["register:127.0.0.1"]) == 1


def test_only_memory_storage_is_replaced():
    assert quiet_uri("memory://") == f"{memory_limits.SCHEME}://"
    assert quiet_uri("redis://127.0.0.1:6379") == "redis://127.0.0.1:6379"
