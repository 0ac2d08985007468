"""The production server: gunicorn (pre-fork master, gthread workers), started by `geo-registry serve` with this
app's defaults; each of them a setting (core/settings.py) so an operator changes them without a config file."""

from __future__ import annotations

import errno
import json
import os
import selectors
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NoReturn

from gunicorn.app.base import BaseApplication
from gunicorn.errors import AppImportError
from gunicorn.workers import gthread
from gunicorn.workers.gthread import TConn, ThreadWorker

from geo_registry.core.errors import StartupRefused
from geo_registry.core.settings import Settings
from geo_registry.web import gunicorn_hooks
from geo_registry.web.gunicorn_hooks import MULTIPROCESS


def usable_cores() -> int:
    """The processor cores this process may run on (its affinity; all of them where there is no such call)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no affinity call
        return max(1, os.cpu_count() or 1)


def worker_count(config: Settings, requested: int | None = None) -> int:
    """Server processes to start: requested (--workers), else WORKERS, else WORKERS_PER_CORE per usable core."""
    if requested:
        return requested
    if config.WORKERS:
        return config.WORKERS
    return max(1, round(config.WORKERS_PER_CORE * usable_cores()))


# gthread gives each new connection a thread that waits up to 5 s for its first byte before handing it to the
# poller: 200 connections that say nothing held every thread for minutes (measured: /api/ping unanswered after
# 40 s). A connection whose request has not begun within this is parked on the poller at once, costing a socket.
FIRST_BYTE_WAIT = 0.01


class _ParkedWhenSilent(TConn):
    """A connection that holds a thread only once its request has begun to arrive."""

    def wait_for_data(self, timeout):
        """Wait for the first byte at most FIRST_BYTE_WAIT (the poller waits for it after that)."""
        return super().wait_for_data(min(timeout, FIRST_BYTE_WAIT))


class Worker(ThreadWorker):
    """gunicorn's gthread worker whose idle and silent connections wait on its poller, not in its threads."""

    def accept(self, listener):
        """Accept a connection (as gthread does, with a connection that is parked when silent)."""
        try:
            client_sock, client_addr = listener.accept()
            self.nr_conns += 1
            client_sock.setblocking(True)
            self.enqueue_req(_ParkedWhenSilent(self.cfg, client_sock, client_addr, listener.getsockname()))
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise

    def finish_request(self, conn, fs):
        """As gthread's, except that a stopping worker still waits for the request of a connection it accepted
        (gthread closes it unanswered when the first-byte wait ran out as the worker was told to stop: with the
        short wait above a client that connects and sends a few milliseconds later would see a reload)."""
        if not self.alive and not fs.cancelled() and fs.exception() is None and fs.result() is gthread._DEFER:
            conn.sock.setblocking(False)
            conn.timeout = time.monotonic() + self.cfg.keepalive  # the stopping worker's loop waits that long
            self.pending_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
            return
        super().finish_request(conn, fs)


def bind_address(host: str, port: int) -> str:
    """gunicorn's bind for host and port (an IPv6 address in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(config: Settings, host: str, port: int, workers: int) -> dict:
    """gunicorn's settings for this app, from its typed settings."""
    return plain_options(config, host, port, workers) | with_code()


def with_code() -> dict:
    """gunicorn's settings that are code (the worker class, the hooks): not sent to serve_master as JSON."""
    return {
        "worker_class": Worker,
        # /metrics adds up every worker's counts (prometheus_client's multi-process mode, web/metrics.py).
        "on_starting": gunicorn_hooks.on_starting,
        "child_exit": gunicorn_hooks.child_exit,
    }


def plain_options(config: Settings, host: str, port: int, workers: int) -> dict:
    """gunicorn's settings for this app that are plain values (JSON), from its typed settings."""
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        # Threads, not one request per process: a lookup mostly waits on the Locatieserver or the database.
        "threads": config.THREADS,
        "timeout": config.WORKER_TIMEOUT,
        "graceful_timeout": config.GRACEFUL_TIMEOUT,
        "max_requests": config.MAX_REQUESTS,
        "max_requests_jitter": config.MAX_REQUESTS_JITTER,
        "limit_request_line": config.LIMIT_REQUEST_LINE,
        "limit_request_fields": config.LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": config.LIMIT_REQUEST_FIELD_SIZE,
        # The scheme (X-Forwarded-Proto) from the same proxy the app trusts for the client's address, and from
        # nobody when there is no proxy (gunicorn's own default trusts 127.0.0.1 whatever the app says).
        "forwarded_allow_ips": config.PROXY_ADDRESSES if config.TRUST_PROXY else "",
        "backlog": 2048,
        # gunicorn's control socket defaults to one path per user ($HOME/.gunicorn): a second server on the
        # same account (a test, another municipality) would take it over. Signals do what it offers.
        "control_socket_disable": True,
        "proc_name": "geo-registry",
    }


class Server(BaseApplication):
    """gunicorn running the app: the master binds the port and keeps the workers going; each worker builds its
    own app with make_app (nothing shared by fork, and a reload (SIGHUP) loads new code)."""

    def __init__(self, make_app: Callable, options: dict, on_ready: Callable[[str], None] = lambda url: None):
        self.make_app = make_app
        self.options = options
        self.on_ready = on_ready
        self.url = ""  # where the server answers, known once the master has bound the port
        super().__init__()

    def load_config(self) -> None:
        """Give gunicorn the options, and a hook that learns the bound address before any worker starts."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

        def when_ready(arbiter) -> None:
            """In the master, after binding: the address (a port of 0 is bound by then) for the workers."""
            host, port = arbiter.LISTENERS[0].sock.getsockname()[:2]
            self.url = served_url(host, port)
            self.on_ready(self.url)

        self.cfg.set("when_ready", when_ready)

    def load(self):
        """In a worker: build the app; with no PUBLIC_URL, links in e-mail go where this server answers."""
        from geo_registry.web import settings as app_settings  # in the worker: the master imports no Flask

        try:
            app = self.make_app()
        except StartupRefused as refusal:  # a setting or the database: gunicorn stops instead of retrying
            raise AppImportError(str(refusal)) from refusal
        if not app_settings.of(app).PUBLIC_URL:
            app_settings.change(app, PUBLIC_URL=self.url)
        return app


def served_url(host: str, port: int) -> str:
    """Return the address people reach a server on host:port by; all interfaces become this machine's name."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn()
    if ":" in host:  # an IPv6 address is written in brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{port}"


def metrics_folder(port: int) -> None:
    """Set PROMETHEUS_MULTIPROC_DIR, when the operator has not, to a folder of this port under the temporary
    folder; on_starting clears what stopped processes left there."""
    if not os.environ.get(MULTIPROCESS):
        folder = Path(tempfile.gettempdir()) / f"geo-registry-metrics-{os.getuid()}-{port}"
        folder.mkdir(mode=0o700, exist_ok=True)
        os.environ[MULTIPROCESS] = str(folder)


def exec_master(app: str, options: dict, announcement: list[str]) -> NoReturn:
    """Become gunicorn's master (web/serve_master.py): start Python again in this process's place (exec: the same
    process id, so systemd and signals are not affected) with only gunicorn and the plain options; app names the
    factory each worker calls ("module:function"). The process
    that built the app to read its settings held all of the app's modules (~120 MiB) for as long as the server
    ran, and prometheus_client, imported by then, had chosen one process instead of several; the new one starts
    with PROMETHEUS_MULTIPROC_DIR set (metrics_folder) and builds no app: each worker builds its own."""
    port = int(options["bind"][0].rpartition(":")[2])
    metrics_folder(port)
    spec = json.dumps({"app": app, "options": options, "announcement": announcement})
    os.execv(sys.executable, [sys.executable, "-m", "geo_registry.web.serve_master", spec])
