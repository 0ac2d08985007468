"""A real OpenID Connect provider for the tests: tests/oidc/provider.mjs (the certified `oidc-provider` package
from npm) run under node on a free port of 127.0.0.1, and signing in at its own login page without a browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from servers import free_port, port_was_taken, wait_until

from geo_registry.core.config import ROOT

SCRIPT = Path(__file__).parent / "oidc" / "provider.mjs"
CLIENT_ID = "geo-registry"
CLIENT_SECRET = "client-secret-only-for-the-tests"
ROLE_MAP = "gr-beleid=beleidsmedewerker,gr-inzage=inzage,gr-admin=functioneel-beheerder"


class OidcProvider:
    """The provider process, its issuer URL and its users (rewritten by set_user, read at every sign-in)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.users_file = folder / "users.json"
        self.users: dict[str, dict] = {}
        self.process: subprocess.Popen | None = None
        self.issuer = ""

    def set_user(self, login: str, roles: list[str], **claims) -> None:
        """Make or change a user of the provider: its roles claim and any other claims (name, email)."""
        self.users[login] = {"roles": roles, **claims}
        self.users_file.write_text(json.dumps(self.users), encoding="utf-8")

    def settings(self, **overrides) -> dict:
        """The app's settings for signing in through this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPE": "openid profile email roles",
            "OIDC_ROLE_MAP": ROLE_MAP,
            "OIDC_TIMEOUT": 10.0,
            **overrides,
        }

    def start(self) -> OidcProvider:
        """Start node with the provider script; wait until its discovery document answers."""
        node = shutil.which("node") or "/usr/bin/node"
        if not (ROOT / "node_modules" / "oidc-provider").exists():
            raise AssertionError("node_modules/oidc-provider is missing: run `make setup` (npm ci)")
        self.set_user("niemand", [])
        log = self.folder / "provider.log"
        for attempt in range(3):  # another port if another test process took this one meanwhile
            port = free_port()
            with log.open("w") as out:
                command = [node, str(SCRIPT), str(port), str(self.users_file), CLIENT_ID, CLIENT_SECRET]
                self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
            self.issuer = f"http://127.0.0.1:{port}"
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                wait_until(lambda: requests.get(url, timeout=2).ok, "oidc-provider", process=self.process)  # noqa: B023
                return self
            except AssertionError:
                self.stop()
                if attempt < 2 and port_was_taken(self.process, log.read_text()):
                    continue
                raise AssertionError(f"oidc-provider did not start: {log.read_text()}") from None
        return self

    def stop(self) -> None:
        """End the provider process (SIGTERM, then SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sign_in(client, login: str, next_path: str = "", follow: bool = False):
    """Sign in through the provider as a staff member would, without a browser: the app's button (a Flask test
    client), the provider's own login page and its redirects (requests), then the app's callback. Return the
    callback's response."""
    start = client.get("/beheer/oidc/inloggen", query_string={"next": next_path} if next_path else None)
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = provider_round_trip(start.headers["Location"], login)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=follow)


def provider_round_trip(authorization_url: str, login: str) -> str:
    """Follow the authorization URL at the provider, fill its login page as login; return the URL the provider
    sends the browser back to (the app's callback, with code and state)."""
    browser = requests.Session()
    page = browser.get(authorization_url, timeout=30)
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert page.status_code == 200 and action, page.text[:2000]
    answer = browser.post(
        urljoin(page.url, unescape(action.group(1))),
        data={"prompt": "login", "login": login, "password": "any"},
        allow_redirects=False,
        timeout=30,
    )
    for _ in range(10):
        location = answer.headers.get("Location", "")
        if location.startswith("http://localhost/"):
            return location
        assert answer.is_redirect, (answer.status_code, answer.url, answer.text.partition("<body>")[2][:1500])
        answer = browser.get(urljoin(answer.url, location), allow_redirects=False, timeout=30)
    raise AssertionError("the provider did not send the browser back to the app")
