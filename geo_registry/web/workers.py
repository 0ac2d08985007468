"""Several server processes on one port: a small supervisor binds the listening socket once and starts worker
processes (`geo-registry serve --listen-fd N`) that each run the app and waitress on that same socket; the kernel
hands each new connection to one of them. Each worker keeps waitress's protection against idle and slow clients
(see serving.py), loads the app itself (no state shared by fork), and runs its own mail worker (queued rows are
claimed, so each message still goes out once). Changes reach every worker through the database (spatial.Registry
checks it several times a second)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

# A worker that stops within this many seconds of starting, this many times in a row, points at a setting or
# database problem that starting again will not solve: the supervisor stops rather than loop.
QUICK_EXIT_SECONDS = 10.0
QUICK_EXITS_ALLOWED = 3


def can_fork_workers() -> bool:
    """Whether this platform can hand a listening socket to child processes (POSIX)."""
    return os.name == "posix"


def default_workers() -> int:
    """One worker process per core this process may use; one where the platform cannot share a socket."""
    if not can_fork_workers():
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no affinity call
        return max(1, os.cpu_count() or 1)


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """Bind and listen on host:port (IPv4 or IPv6, as host resolves), inheritable by the worker processes."""
    family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    sock = socket.create_server((host, port), family=family, backlog=backlog)
    sock.set_inheritable(True)
    return sock


def watch_parent(supervisor: int) -> None:
    """In a worker: end this process when its supervisor (a process id) has gone, also when that happened while
    this worker was starting (so no worker outlives a killed supervisor)."""

    def watch():
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="geo_registry.parent-watch", daemon=True).start()


class Supervisor:
    """Start count worker processes on one listening socket, start one again when it stops unexpectedly, and
    stop them all on SIGTERM or SIGINT."""

    def __init__(self, sock: socket.socket, count: int, serve_args: list[str]):
        self.sock = sock
        self.count = count
        self.serve_args = serve_args
        self.workers: dict[int, subprocess.Popen] = {}
        self.started: dict[int, float] = {}
        self.quick_exits = 0
        self.stopping = False

    def command(self, index: int) -> list[str]:
        """The command line of worker index: this Python, the geo-registry CLI, serve on the shared socket."""
        return [
            sys.executable,
            "-m",
            "geo_registry",
            "serve",
            "--listen-fd",
            str(self.sock.fileno()),
            "--worker-index",
            str(index),
            "--supervisor-pid",
            str(os.getpid()),
            *self.serve_args,
        ]

    def start(self, index: int) -> None:
        """Start (or start again) worker index."""
        self.workers[index] = subprocess.Popen(self.command(index), pass_fds=(self.sock.fileno(),))
        self.started[index] = time.monotonic()

    def stop(self, *_signal) -> None:
        """Ask every worker to stop (SIGTERM); run() then waits for them."""
        self.stopping = True
        for process in self.workers.values():
            if process.poll() is None:
                process.terminate()

    def run(self) -> int:
        """Run until stopped; return the exit status for the command (0, or 1 when workers keep failing)."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for index in range(self.count):
            self.start(index)
        status = 0
        while not self.stopping:
            time.sleep(0.2)
            for index, process in list(self.workers.items()):
                if process.poll() is None or self.stopping:
                    continue
                if time.monotonic() - self.started[index] < QUICK_EXIT_SECONDS:
                    self.quick_exits += 1
                else:
                    self.quick_exits = 0
                if self.quick_exits >= QUICK_EXITS_ALLOWED:
                    log.error("worker processes keep stopping right after they start; giving up")
                    status = 1
                    self.stop()
                    break
                log.warning("worker %d stopped (exit status %s); starting it again", index, process.returncode)
                self.start(index)
        self.wait_for_all()
        return status

    def wait_for_all(self, seconds: float = 10.0) -> None:
        """Wait for every worker to end; kill what is still running after seconds."""
        deadline = time.monotonic() + seconds
        for process in self.workers.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
