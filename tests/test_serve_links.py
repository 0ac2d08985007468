"""`geo-registry serve` without PUBLIC_URL: links in e-mail point where the app runs, and it says so at start."""

from __future__ import annotations

import email
import os
import queue
import re
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
import requests
from servers import free_port

pytestmark = pytest.mark.slow  # `geo-registry serve` in a process of its own

COMMAND = [str(Path(sys.executable).parent / "geo-registry")]


def wait_for_line(lines: queue.Queue, start: str, seconds: float = 60) -> str:
    """Return the first line of the server's output that starts with start (waiting generously)."""
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        if line.startswith(start):
            return line
    raise AssertionError(f"no line starting with {start!r}; the server said: {seen}")


def test_confirmation_link_follows_the_port_the_app_was_started_on(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GEO_REGISTRY_") or name == "GEO_REGISTRY_BUURTEN_CACHE"
    }  # the tests' copy folder
    env.update(
        GEO_REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        GEO_REGISTRY_SECRET_KEY="test",
        GEO_REGISTRY_MAIL_OUTBOX=str(tmp_path / "outbox"),
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_TILES="none",
    )
    subprocess.run(COMMAND + ["init-db"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        COMMAND + ["serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in server.stdout], daemon=True).start()
    try:
        said = wait_for_line(lines, "Links in e-mail:")
        assert f"http://127.0.0.1:{port}/" in said and "GEO_REGISTRY_PUBLIC_URL" in said

        base = f"http://127.0.0.1:{port}"
        with requests.Session() as browser:
            form = browser.get(f"{base}/groep-aanmelden/", timeout=30).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            sent = browser.post(
                f"{base}/groep-aanmelden/",
                timeout=30,
                data={
                    "csrf_token": token,
                    "naam": "Poortgroep",
                    "beheerder_naam": "Pim Poort",
                    "email": "pim@voorbeeld.invalid",
                    "buurten": "BU04170324",
                    "actie": "aanmelden",
                },
            )
            assert sent.status_code == 200 and "/groep-aanmelden/verstuurd" in sent.url
            # The worker process writes the message, outside the request (composed by the server, with its link).
            subprocess.run(COMMAND + ["worker", "--once", "--job", "mail-delivery"], env=env, check=True, timeout=120)
            [file] = (tmp_path / "outbox").glob("*.eml")
            body = email.message_from_bytes(file.read_bytes(), policy=policy.default).get_content()
            link = re.search(r"https?://\S+/groep-aanmelden/bevestigen/\S+", body).group(0)
            assert link.startswith(f"{base}/groep-aanmelden/bevestigen/")
            assert browser.get(link, timeout=30).status_code == 200  # and it opens the confirmation page
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()
