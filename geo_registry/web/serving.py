"""The production server (waitress) with the settings that keep slow or idle clients from stopping others;
used by `geo-registry serve` and by the tests, so both run the same server."""

from __future__ import annotations

import logging
import resource
import socket

from geo_registry.web import settings as app_settings

# Waitress gives a connection a thread only once its request has fully arrived, so idle and slow clients cost
# a socket, not a thread. They must not use up the connection limit either (waitress stops accepting at it;
# its default of 100 let 100 idle sockets take the site down): a high limit, poll() instead of select() (which
# cannot watch more than 1024 sockets), and idle connections closed after 30 s without a byte.
SERVER_SETTINGS = {
    "threads": 4,
    "connection_limit": 2000,
    "asyncore_use_poll": True,
    "channel_timeout": 30,
    "cleanup_interval": 5,
    "backlog": 2048,
}


WAITRESS_MAX_BODY = 16 * 1024 * 1024

# Waitress warns "Task queue depth is N" each time a request waits for a thread: under load that is every
# request, a log record made and written per request that nobody reads (6% of a lookup's time in a profile).
# The connection limit and the timeouts above are what protect the site; the server's dispatcher gets a logger
# that is switched off, and waitress's own logger stays as it is for anything else in this process.
_UNREAD = logging.getLogger("geo_registry.waitress_queue")
_UNREAD.disabled = True


def _allow_open_files(needed: int) -> None:
    """Raise this process's limit of open files (soft, up to the hard limit) to at least needed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def make_server(app, host: str = "127.0.0.1", port: int = 5000, threads: int | None = None, sock=None):
    """Create (not run) the waitress server for app (on host:port, or on the listening socket sock that a
    supervisor shares among worker processes). It does no background work: `geo-registry worker` sends the mail."""
    from waitress import create_server

    settings = dict(SERVER_SETTINGS, threads=threads or SERVER_SETTINGS["threads"])
    _allow_open_files(settings["connection_limit"] + 256)  # and some for the database, mail and PDOK
    # Waitress refuses a body above this itself, with a bare English "Request Entity Too Large"; below it the
    # app refuses anything over MAX_CONTENT_LENGTH with its own page in the visitor's language. So the bound is
    # well above the app's (a photo or a whole-country file picked by mistake gets the app's page), while
    # waitress still keeps huge bodies from filling the disk it buffers them on.
    settings["max_request_body_size"] = max(app_settings.of(app).MAX_CONTENT_LENGTH + 64 * 1024, WAITRESS_MAX_BODY)
    where = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    server = create_server(app, **where, **settings)
    server.task_dispatcher.queue_logger = _UNREAD
    if not app_settings.of(app).PUBLIC_URL:
        # Nothing configured: e-mail links go where this server answers (not to a fixed port it may not use).
        app_settings.change(app, PUBLIC_URL=served_url(server.effective_host, server.effective_port))
    return server


def served_url(host: str, port: int) -> str:
    """Return the address people reach a server on host:port by; all interfaces become this machine's name."""
    if host in ("", "0.0.0.0", "::"):
        host = socket.getfqdn()
    if ":" in host:  # an IPv6 address is written in brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{port}"
