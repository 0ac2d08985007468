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
from servers import free_port, stopped_at_exit, wait_until

from geo_registry.core.config import ROOT

DEPLOY = ROOT / "deploy" / "nginx"
SERVER_NAME = "localhost"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def app_server_command(port: int) -> list[str]:
    """The command that serves the app behind nginx in these tests: the one place to change when
    `geo-registry serve` starts gunicorn itself."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # No control socket: gunicorn would put it in the home folder, shared by every test process.
    return [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket", APP]


APP = "geo_registry:create_app()"


def filled(template: Path, values: dict[str, str]) -> str:
    """The template's text with every @NAME@ replaced; fail on a placeholder left over."""
    text = template.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = PLACEHOLDER.findall(text)
    assert not left, f"{template.name}: placeholders not filled in: {left}"
    return text


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for localhost and 127.0.0.1, valid for two days (openssl)."""
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
            f"/CN={SERVER_NAME}",
            "-addext",
            f"subjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


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
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would replace the certificate below
        session.verify = str(self.certificate)
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
    certificate, key = self_signed_certificate(folder)
    env = {**os.environ, **{f"GEO_REGISTRY_{name}": str(value) for name, value in settings.items()}}
    env["GEO_REGISTRY_TRUST_PROXY"] = "true"
    with ExitStack() as stack:
        app_port = free_port()
        app_log = (folder / "app.log").open("w")
        stack.callback(app_log.close)
        app = stack.enter_context(
            stopped_at_exit(
                subprocess.Popen(app_server_command(app_port), env=env, stdout=app_log, stderr=subprocess.STDOUT)
            )
        )
        app_url = f"http://127.0.0.1:{app_port}"
        wait_until(lambda: requests.get(app_url + "/api/ping", timeout=2).ok, "app server", process=app)
        https_port, http_port = free_port(), free_port()
        (folder / "temp").mkdir(exist_ok=True)
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
        command = [nginx_binary(), "-p", str(folder), "-c", str(main), "-g", "daemon off; master_process on;"]
        checked = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        nginx_log = (folder / "nginx.out").open("w")
        stack.callback(nginx_log.close)
        nginx = stack.enter_context(
            stopped_at_exit(subprocess.Popen(command, stdout=nginx_log, stderr=subprocess.STDOUT))
        )
        running = Stack(
            https=f"https://{SERVER_NAME}:{https_port}",
            http=f"http://127.0.0.1:{http_port}",
            app=app_url,
            https_port=https_port,
            certificate=certificate,
            folder=folder,
        )
        probe = running.session()
        wait_until(lambda: probe.get(running.https + "/api/ping", timeout=2).ok, "nginx", process=nginx)
        probe.close()
        yield running
