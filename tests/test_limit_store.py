"""The rate limits' shared store (redis): counts are kept there while it answers, and one that hangs costs a form
about a second, never a stalled site. Real sockets throughout: a real redis-server, a port that accepts and never
answers (plain, TLS and a unix socket), and a port whose queue is full so that connecting hangs."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import redis
from helpers import csrf_token, login, make_app
from servers import free_port

pytestmark = pytest.mark.slow  # waits out the rate-limit store's timeouts; a real redis-server

PASSWORD = "lang-genoeg-wachtwoord"
# The app gives the store one second to connect and one to answer (checked on the store's client itself, the
# timeouts the code sets). The request that finds it dead tries it twice: the count, then a check whether it is
# back (Flask-Limiter checks a second after the app started, and the first try took that second). So that form
# waits about two seconds longer than on a memory store; 10 s leaves room for a loaded machine many times over,
# and a store without a timeout (the form hangs until timed_login gives up after 30 s) still fails.
WAITS_AT_MOST = 10.0
STORE_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}


def store_timeouts() -> dict:
    """The connect and read timeouts of the client the current app's limiter keeps its counts with."""
    from geo_registry.web.security import limiter

    settings = limiter.storage.storage.connection_pool.connection_kwargs
    return {key: settings.get(key) for key in STORE_TIMEOUTS}


def staff_app(folder, uri):
    """An app in folder whose limits are kept in the store at uri, with one staff account."""
    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(folder, RATELIMIT_STORAGE_URI=uri)
    assert (
        "aangemaakt" in app.test_cli_runner().invoke(args=["create-staff", "medewerker", "--password", PASSWORD]).output
    )
    return app


def first_login_on_memory(folder) -> float:
    """Seconds the first failed login takes on an app that counts in memory: what the form costs without a store."""
    return timed_login(staff_app(folder, "memory://").test_client(), "fout-wachtwoord")[1]


def timed_login(client, password: str, give_up: float = 30.0):
    """Send the login form (after opening it) in a thread of its own; return (response, seconds the sending took),
    or (None, give_up) when it has not answered by then (a request hanging on the store: the test fails instead
    of hanging too). Opening the form and sending it each try the store once, so only the sending is timed."""
    answer, started = [], []

    def send():
        token = csrf_token(client, "/beheer/inloggen")
        started.append(time.monotonic())
        answer.append(
            client.post(
                "/beheer/inloggen", data={"csrf_token": token, "gebruikersnaam": "medewerker", "wachtwoord": password}
            )
        )
        answer.append(time.monotonic() - started[0])

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(give_up)
    return (answer[0], answer[1]) if len(answer) == 2 else (None, give_up)


@contextmanager
def silent_listener(family=socket.AF_INET, address=("127.0.0.1", 0)):
    """A socket that takes connections (the kernel completes them) and never reads or answers: a store that
    hangs. Yield its address; closing it resets every connection still waiting."""
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.bind(address)
        listener.listen(64)
        yield listener.getsockname()


@contextmanager
def full_queue():
    """A port whose queue of connections is full: a new connection is neither taken nor refused (the kernel drops
    it and the client waits), as with a store behind a firewall that drops packets. Yield the port."""
    with socket.socket() as listener, socket.socket() as first:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        first.connect(listener.getsockname())  # fills the queue: the next connection hangs
        yield listener.getsockname()[1]


@pytest.fixture
def silent_store(request, tmp_path):
    """The URI of a store that takes the connection and never answers: redis://, rediss:// (the TLS handshake
    gets no answer) or redis+unix://."""
    if request.param == "redis+unix":
        with silent_listener(socket.AF_UNIX, str(tmp_path / "redis.sock")) as path:
            yield f"redis+unix://{path}"
    else:
        with silent_listener() as (host, port):
            yield f"{request.param}://{host}:{port}"


@pytest.mark.parametrize("silent_store", ["redis", "rediss", "redis+unix"], indirect=True)
def test_a_store_that_never_answers_costs_a_form_seconds_and_the_limit_still_holds(tmp_path, silent_store):
    without_store = first_login_on_memory(tmp_path / "memory")
    client = staff_app(tmp_path / "app", silent_store).test_client()
    assert store_timeouts() == STORE_TIMEOUTS
    first, seconds = timed_login(client, "fout-wachtwoord")
    assert first is not None, "the login form hangs on a store that does not answer"
    assert first.status_code == 401
    waited = seconds - without_store
    assert waited < WAITS_AT_MOST, f"the login form waited {waited:.1f} s for a store that does not answer"
    for _ in range(4):  # counted in this process's memory meanwhile: the limit of 5 still holds
        assert timed_login(client, "fout-wachtwoord")[0].status_code == 401
    assert timed_login(client, PASSWORD)[0].status_code == 429


def test_a_store_that_cannot_be_reached_costs_a_form_seconds(tmp_path):
    without_store = first_login_on_memory(tmp_path / "memory")
    with full_queue() as port:
        client = staff_app(tmp_path / "app", f"redis://127.0.0.1:{port}").test_client()
        assert store_timeouts() == STORE_TIMEOUTS
        answer, seconds = timed_login(client, "fout-wachtwoord")
    assert answer is not None and answer.status_code == 401
    waited = seconds - without_store
    assert waited < WAITS_AT_MOST, f"the login form waited {waited:.1f} s for a store it cannot reach"


def test_attempts_are_counted_in_the_live_store_also_after_another_app_found_its_store_dead(tmp_path, redis_server):
    """Counts go to the shared store (so that every process sees them), from a new app's first request on, even
    when an app before it in this process fell back to counting in memory just before."""
    url = redis_server[0]
    dead = staff_app(tmp_path / "dead", f"redis://127.0.0.1:{free_port()}").test_client()
    assert login(dead, "medewerker", "fout-wachtwoord").status_code == 401  # its store is down: memory
    live = staff_app(tmp_path / "live", url).test_client()
    assert login(live, "medewerker", "fout-wachtwoord").status_code == 401
    store = redis.Redis.from_url(url)
    try:
        assert store.keys(), "the live store holds no count after a failed login"
    finally:
        store.close()
