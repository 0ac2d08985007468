"""Helpers for tests that run real servers in processes of their own: a free port, waiting until one is ready,
and stopping it whatever the test did."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

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


def worker_command(*args: str) -> list[str]:
    """The `geo-registry worker` command of this checkout's environment, with args."""
    import sys

    return [str(Path(sys.executable).with_name("geo-registry")), "worker", *args]


@contextmanager
def worker_process(settings: dict, log, *args: str):
    """Run `geo-registry worker` (with args) in a process of its own with these GEO_REGISTRY_* settings, its log in
    the file log; yield the process once it has started its jobs; afterwards stop it (SIGTERM) and wait for it."""
    import os

    env = {**os.environ, **{f"GEO_REGISTRY_{key}": str(value) for key, value in settings.items()}}
    with (
        open(log, "w") as output,
        stopped_at_exit(subprocess.Popen(worker_command(*args), env=env, stdout=output, stderr=subprocess.STDOUT)) as p,
    ):
        wait_until(lambda: " started: " in Path(log).read_text(), f"worker ({log})", process=p)
        yield p


def redis_command(binary: str, port: int, folder) -> list[str]:
    """redis-server on 127.0.0.1:port, no persistence, its files and log in folder."""
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(folder),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        str(folder / "redis.log"),
    ]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for localhost and 127.0.0.1 in folder, valid for two days (openssl): for the test
    servers that speak TLS (nginx, SMTP)."""
    certificate, key = folder / "site.crt", folder / "site.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key
