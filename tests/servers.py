"""Helpers for tests that run real servers in processes of their own: a free port, waiting until one is ready,
and stopping it whatever the test did."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager

import requests


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_was_taken(process: subprocess.Popen, log: str) -> bool:
    """Whether a server process ended because its port was taken: a port free when probed may be bound by a server
    of another test process (an xdist worker) before this one binds it; the caller then tries another."""
    return process.poll() is not None and "Address already in use" in log


def wait_until(ready, what: str, seconds: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Poll ready() until it is true; fail with what when it is not within seconds (or the process ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended with {process.returncode}")
        try:
            if ready():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what}: not ready within {seconds} s")


@contextmanager
def stopped_at_exit(process: subprocess.Popen):
    """Yield process; afterwards end it (SIGTERM, then SIGKILL) and wait for it."""
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
