"""nginx in front of the app server, as docs/deployment.md tells operators to run it: deploy/nginx/nginx.conf and
deploy/nginx/geo-registry.conf filled in for a temporary folder, a self-signed certificate, Debian's nginx on free
ports of 127.0.0.1, and the app server behind it."""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from servers import free_port, port_was_taken, self_signed_certificate, stopped_at_exit, wait_until

from geo_registry.core.config import ROOT

DEPLOY = ROOT / "deploy" / "nginx"
SERVER_NAME = "localhost"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def app_server_command(port: int) -> list[str]:
    """The command that serves the app behind nginx in these tests: `geo-registry serve` (gunicorn), as the
    systemd unit in deploy/ runs it."""
    return [
        str(Path(sys.executable).with_name("geo-registry")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]


def filled(template: Path, values: dict[str, str]) -> str:
    """The template's text with every @NAME@ replaced; fail on a placeholder left over."""
    text = template.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = PLACEHOLDER.findall(text)
    assert not left, f"{template.name}: placeholders not filled in: {left}"
    return text


@dataclass
class Stack:
    """The running nginx and app server: their addresses, the certificate to trust and the folder of logs."""

    https: str  # https://localhost:PORT
    http: str
    app: str  # the app server itself, bypassing nginx
    https_port: int
    certificate: Path
    folder: Path

    def session(self, source: str = "127.0.0.1") -> requests.Session:
        """A requests session that trusts the certificate and connects from source (any 127.x.y.z address)."""
        return Stack.trusting(self.certificate, source)

    @staticmethod
    def trusting(certificate: Path, source: str = "127.0.0.1") -> requests.Session:
        """A requests session that trusts certificate and connects from source."""
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would replace the certificate below
        session.verify = str(certificate)
        session.mount("https://", FromAddress(source))
        session.mount("http://", FromAddress(source))
        return session

    def tls_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts the test certificate."""
        return ssl.create_default_context(cafile=str(self.certificate))


class FromAddress(HTTPAdapter):
    """Connect from one local address: through nginx, each is another real client."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        """Bind every connection of the pool to the source address."""
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def nginx_binary() -> str:
    """Debian's nginx (`make nginx`)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "nginx is not installed: run `make nginx` (Debian's nginx)"
    return found


@contextmanager
def nginx_in_front(folder: Path, settings: dict[str, str]):
    """Start the app server with these GEO_REGISTRY_* settings (TRUST_PROXY on) and nginx before it, both
    configured from deploy/; yield the Stack; stop both afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "temp").mkdir(exist_ok=True)
    certificate, key = self_signed_certificate(folder)
    env = {**os.environ, **{f"GEO_REGISTRY_{name}": str(value) for name, value in settings.items()}}
    env["GEO_REGISTRY_TRUST_PROXY"] = "true"
    with ExitStack() as stack:
        app_port = _serve(
            stack,
            folder / "app.log",
            lambda port: subprocess_of(app_server_command(port), env, folder / "app.log"),
            lambda port: requests.get(f"http://127.0.0.1:{port}/api/ping", timeout=2).ok,
            "app server",
        )
        ports: dict[str, int] = {}

        def start_nginx(https_port: int) -> subprocess.Popen:
            ports.update(https=https_port, http=free_port())
            main = _write_configuration(folder, app_port, ports["http"], https_port, certificate, key)
            command = [nginx_binary(), "-p", str(folder), "-c", str(main), "-g", "daemon off; master_process on;"]
            return subprocess_of(command, os.environ, folder / "nginx.out")

        probe = stack.enter_context(Stack.trusting(certificate))
        _serve(
            stack,
            folder / "nginx.out",
            start_nginx,
            lambda port: probe.get(f"https://{SERVER_NAME}:{port}/api/ping", timeout=2).ok,
            "nginx",
        )
        yield Stack(
            https=f"https://{SERVER_NAME}:{ports['https']}",
            http=f"http://{SERVER_NAME}:{ports['http']}",
            app=f"http://127.0.0.1:{app_port}",
            https_port=ports["https"],
            certificate=certificate,
            folder=folder,
        )


def subprocess_of(command: list[str], env, log: Path) -> subprocess.Popen:
    """Start command with its output in log."""
    with log.open("w") as output:  # the child keeps its own copy of the file
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _serve(stack: ExitStack, log: Path, start, ready, what: str) -> int:
    """Start a server on a free port (another one if a process of another test took it meanwhile), wait until
    ready(port), have stack stop it; return the port."""
    for attempt in range(3):
        port = free_port()
        process = start(port)
        try:
            wait_until(lambda: ready(port), f"{what} ({log})", process=process)  # noqa: B023 (called at once)
        except AssertionError:
            said = log.read_text() + _error_log(log.parent)
            # gunicorn says "Connection in use", nginx "Address already in use"; either then ends.
            taken = port_was_taken(process, said.replace("Connection in use", "Address already in use"))
            process.kill()
            process.wait()
            if attempt < 2 and taken:
                continue
            raise
        stack.enter_context(stopped_at_exit(process))
        return port
    raise AssertionError(f"{what}: no free port")


def _error_log(folder: Path) -> str:
    path = folder / "error.log"
    return path.read_text() if path.exists() else ""


def _write_configuration(folder: Path, app_port: int, http_port: int, https_port: int, certificate, key) -> Path:
    """deploy/nginx's two files filled in for folder and these ports; return the main one's path."""
    site = folder / "geo-registry.conf"
    site.write_text(
        filled(
            DEPLOY / "geo-registry.conf",
            {
                "UPSTREAM": f"127.0.0.1:{app_port}",
                "HTTP_LISTEN": f"127.0.0.1:{http_port}",
                "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
                "SERVER_NAME": SERVER_NAME,
                "CERTIFICATE": str(certificate),
                "CERTIFICATE_KEY": str(key),
                "ERROR_PAGES": str(DEPLOY / "errors"),
            },
        )
    )
    main = folder / "nginx.conf"
    main.write_text(
        filled(
            DEPLOY / "nginx.conf",
            {
                "USER": "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody"),
                "PID": str(folder / "nginx.pid"),
                "LOGS": str(folder),
                "TEMP": str(folder / "temp"),
                "MIME_TYPES": "/etc/nginx/mime.types",
                "SITES": str(site),
            },
        )
    )
    checked = subprocess.run([nginx_binary(), "-p", str(folder), "-c", str(main), "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    return main
